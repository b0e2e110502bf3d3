/* jn-secure-transport.h: sealed media datagrams (docs/protocol.md, 3.5)
 *
 * Wraps the transport that reaches the peers.  Every datagram is sealed
 * with the key of its link (one key per pair of peers, from the host over
 * the TLS control plane) and opened, checked against its replay window and
 * only then handed to the engine.  Media goes only to a peer whose address
 * has answered a clock-sync ping with the link's key (consent).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-transport.h"

G_BEGIN_DECLS

#define JN_LINK_KEY_SIZE 32

/* The AEAD of a link: AES-256-GCM where both ends' CPUs have AES
 * instructions (the host decides), else XChaCha20-Poly1305. */
typedef enum
{
  JN_CIPHER_XCHACHA20_POLY1305 = 1,
  JN_CIPHER_AES256_GCM         = 2,
} JnCipher;

typedef struct
{
  JnCipher cipher;
  guint8   bytes[JN_LINK_KEY_SIZE];
} JnLinkKey;

/* TRUE where this CPU runs AES-256-GCM in hardware (libsodium's test). */
gboolean    jn_cipher_aes_available (void);
const char *jn_cipher_to_string     (JnCipher     cipher);
/* 0 for a name that is no cipher. */
JnCipher    jn_cipher_from_string   (const char  *name);
/* Without an authentic answer for this long, media to a peer stops. */
#define JN_CONSENT_TIMEOUT_S 30

typedef struct
{
  guint64 unauthentic;  /* failed to open: no key for the sender, forged, mutated, clear */
  guint64 replayed;     /* opened before, or older than the replay window */
  guint64 held;         /* media not sent: the peer's address has not consented */
  guint64 roamed;       /* a peer's address changed to where its authentic datagrams come from */
} JnSealCounters;

#define JN_TYPE_SECURE_TRANSPORT (jn_secure_transport_get_type ())
G_DECLARE_FINAL_TYPE (JnSecureTransport, jn_secure_transport, JN, SECURE_TRANSPORT, GObject)

JnSecureTransport *jn_secure_transport_new      (JnTransport       *inner);
JnTransport       *jn_secure_transport_get_inner (JnSecureTransport *self);
/* The key of the link with peer_id; replaces any earlier one (and its
 * counters).  Thread-safe. */
void               jn_secure_transport_set_key  (JnSecureTransport *self,
                                                 guint32            peer_id,
                                                 const JnLinkKey   *key);
/* The link with peer_id has no route yet: its first authentic datagram
 * gives it one, at once (a forward room's server learns its members'). */
void               jn_secure_transport_learn_route (JnSecureTransport *self,
                                                    guint32            peer_id);
gboolean           jn_secure_transport_has_consent (JnSecureTransport *self,
                                                    guint32            peer_id);
void               jn_secure_transport_get_counters (JnSecureTransport *self,
                                                     JnSealCounters    *counters);

/* One datagram sealed or opened, outside any transport: for tests and the
 * codec benchmark.  seal writes size + JN_SEAL_OVERHEAD bytes to out (a
 * datagram of the protocol's header and payload); open writes the opened
 * datagram to out and returns its size, 0 when it does not authenticate. */
#define JN_SEAL_OVERHEAD (8 + 16)
gsize              jn_seal_datagram             (const JnLinkKey   *key,
                                                 guint64            counter,
                                                 const guint8      *data,
                                                 gsize              size,
                                                 guint8            *out);
gsize              jn_open_datagram             (const JnLinkKey   *key,
                                                 const guint8      *data,
                                                 gsize              size,
                                                 guint8            *out,
                                                 guint64           *counter);
/* A fresh random link key for cipher. */
void               jn_link_key_generate         (JnLinkKey         *key,
                                                 JnCipher           cipher);

G_END_DECLS
