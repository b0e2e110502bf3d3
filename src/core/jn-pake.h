/* jn-pake.h: the passphrase check, SPAKE2 over ristretto255
 *
 * Neither side sends the passphrase, nor anything an eavesdropper or a
 * fake host could test guesses against offline; each run allows one
 * online guess.  The transcript binds the TLS certificate's fingerprint,
 * so a man in the middle with his own certificate learns nothing either.
 * docs/protocol.md, section 2.2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define JN_PAKE_SHARE_SIZE   32
#define JN_PAKE_CONFIRM_SIZE 32

typedef struct
{
  gboolean host;
  guint8   w[32];        /* the passphrase as a scalar */
  guint8   secret[32];   /* x (joiner) or y (host) */
  guint8   share[JN_PAKE_SHARE_SIZE];   /* what this side sends */
} JnPake;

/* Draws this side's secret and share. */
void     jn_pake_start   (JnPake       *pake,
                          gboolean      host,
                          const char   *passphrase);
/* With the other side's share and the certificate's fingerprint: the
 * confirmation each side must send (host's, then joiner's).  FALSE when
 * the other share is no valid point (then the run has failed). */
gboolean jn_pake_finish  (JnPake       *pake,
                          const guint8 *other_share,
                          const char   *fingerprint,
                          guint8       *host_confirm,
                          guint8       *joiner_confirm);
/* Constant time. */
gboolean jn_pake_confirm_equal (const guint8 *a,
                                const guint8 *b);
void     jn_pake_clear   (JnPake       *pake);

G_END_DECLS
