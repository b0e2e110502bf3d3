/* jn-identity.h: a host's TLS identity and certificate fingerprints
 *
 * A host presents a self-signed certificate of its own, made on first use
 * and kept under the user's data directory (docs/protocol.md, 2.1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* SHA-256 of the certificate's DER, base64url without padding: 43 chars. */
#define JN_FINGERPRINT_CHARS 43

char            *jn_certificate_fingerprint  (GTlsCertificate *certificate);
gboolean         jn_fingerprint_is_valid     (const char      *fingerprint);

/* A fresh ECDSA P-256 key and a self-signed certificate for it, valid from
 * valid_from to valid_until (Unix seconds), both PEM in one string. */
char            *jn_identity_generate_pem    (gint64           valid_from,
                                              gint64           valid_until,
                                              GError         **error);
/* The certificate (with its key) at path, or, with path NULL, the user's
 * own: $XDG_DATA_HOME/jamnet/host-identity.pem, made (mode 0600) when it
 * is not there.  Blocking: call it from a thread. */
GTlsCertificate *jn_identity_load            (const char      *path,
                                              GError         **error);
/* A database holding only the certificate a jn_identity_load() loaded:
 * TLS server connections given it do not load the system's CA list, which
 * otherwise costs each accepted connection ~10 ms.  NULL for others. */
GTlsDatabase    *jn_identity_get_database    (GTlsCertificate *certificate);
void             jn_identity_load_async      (const char      *path,
                                              GCancellable    *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer         user_data);
GTlsCertificate *jn_identity_load_finish     (GAsyncResult    *result,
                                              GError         **error);

G_END_DECLS
