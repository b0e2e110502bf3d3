/* jn-secure-transport.c: sealing, replay windows and consent
 *
 * A sealed datagram is the clear header (with the sealed flag), an 8-byte
 * counter, the payload encrypted with the link's AEAD (AES-256-GCM or
 * XChaCha20-Poly1305) and its 16-byte tag; header and counter are the
 * associated data.  Each link has one key and, per sender and packet kind,
 * a counter that never repeats under it, so the nonce (sender id, kind,
 * counter) never does either.  On the way in
 * everything that can be checked without the key is checked first, then
 * the replay window, then the tag; only an authentic, fresh datagram
 * reaches the engine, with the sender's id.  docs/protocol.md, 3.5.
 *
 * The link table is guarded by one lock, never held while the engine's
 * receive callback runs (the engine sends under its own lock).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-secure-transport"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "jn-byte-order.h"
#include "jn-packet.h"
#include "jn-secure-transport.h"

#define SEALED_HEADER   (JN_PACKET_HEADER_SIZE + 8)
#define TAG_SIZE        crypto_aead_xchacha20poly1305_ietf_ABYTES
/* AES-GCM's 12-byte nonce holds 7 bytes of counter */
#define AES_MAX_COUNTER (G_GUINT64_CONSTANT (1) << 56)
#define N_KINDS         JN_PACKET_N_KINDS
/* RFC 6479's bitmap: WINDOW_WORDS words, one of them the one being
 * filled, so (WINDOW_WORDS - 1) * 64 counters behind the newest are
 * remembered: a second of audio at 128-frame packets. */
#define WINDOW_WORDS    8
#define WINDOW_SIZE     ((WINDOW_WORDS - 1) * 64)
#define PINGS_REMEMBERED 16
/* A peer's route moves to where its newest authentic datagrams come from
 * only once nothing authentic has come by the route for this long: what
 * was in flight when a route changed does not pull it back. */
#define ROAM_QUIET_US   (500 * 1000)

G_STATIC_ASSERT (TAG_SIZE == 16);
G_STATIC_ASSERT (crypto_aead_aes256gcm_ABYTES == 16);
G_STATIC_ASSERT (crypto_aead_aes256gcm_KEYBYTES == JN_LINK_KEY_SIZE);
G_STATIC_ASSERT (JN_SEAL_OVERHEAD == 8 + TAG_SIZE);
G_STATIC_ASSERT (JN_LINK_KEY_SIZE == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

typedef struct
{
  gboolean started;
  guint64  top;                   /* newest counter accepted */
  guint64  bits[WINDOW_WORDS];
} ReplayWindow;

typedef struct
{
  guint32 seq;
  guint64 t1_us;
} PingSent;

typedef struct
{
  /* first: libsodium wants it 16-byte aligned, as g_malloc gives */
  crypto_aead_aes256gcm_state aes;   /* the key expanded, for AES-256-GCM */
  guint32      peer_id;
  JnLinkKey    key;
  guint64      tx_counter[N_KINDS];
  ReplayWindow rx[N_KINDS];
  gint64       consent_until_us;   /* 0: never consented */
  gint64       route_heard_us;     /* last authentic datagram by the route */
  PingSent     pings[PINGS_REMEMBERED];
  guint        ping_next;
} Link;

struct _JnSecureTransport
{
  GObject                 parent_instance;

  JnTransport            *inner;
  GMutex                  lock;       /* links, counters, tx_buf */
  GPtrArray              *links;      /* Link* */
  JnSealCounters          counters;
  guint8                 *tx_buf;
  guint8                 *rx_buf;     /* media thread only */

  JnTransportReceiveFunc  func;
  gpointer                func_data;
};

static void jn_secure_transport_iface_init (JnTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JnSecureTransport, jn_secure_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (JN_TYPE_TRANSPORT,
                                                      jn_secure_transport_iface_init))

/* --- one datagram -------------------------------------------------------- */

/* sender id (4 bytes), kind (1), zeros, counter: 24 bytes for XChaCha20,
 * 12 for AES-GCM (where the counter's top byte does not fit and must be 0) */
static void
make_nonce (guint8       *nonce,
            gsize         size,
            const guint8 *header,
            guint64       counter)
{
  guint8 c[8];

  memset (nonce, 0, size);
  memcpy (nonce, header + 8, 4);
  nonce[4] = header[5];
  put_u64 (c, counter);
  memcpy (nonce + size - 7, c + 1, 7);
  if (size > 12)
    nonce[size - 8] = c[0];
}

gboolean
jn_cipher_aes_available (void)
{
  if (sodium_init () < 0)
    return FALSE;
  return crypto_aead_aes256gcm_is_available ();
}

const char *
jn_cipher_to_string (JnCipher cipher)
{
  return cipher == JN_CIPHER_AES256_GCM ? "aes256gcm" : "xchacha20poly1305";
}

JnCipher
jn_cipher_from_string (const char *name)
{
  if (g_strcmp0 (name, "aes256gcm") == 0)
    return JN_CIPHER_AES256_GCM;
  if (g_strcmp0 (name, "xchacha20poly1305") == 0)
    return JN_CIPHER_XCHACHA20_POLY1305;
  return 0;
}

/* The AEAD itself, either way; state is the expanded AES key or NULL.
 * Decrypting fails (FALSE) when the tag does not hold. */
static gboolean
aead (gboolean                           encrypt,
      const JnLinkKey                   *key,
      const crypto_aead_aes256gcm_state *state,
      guint8                            *out,
      const guint8                      *in,
      gsize                              size,
      const guint8                      *ad,
      guint64                            counter)
{
  guint8 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  unsigned long long n = 0;

  if (key->cipher == JN_CIPHER_AES256_GCM)
    {
      if (counter >= AES_MAX_COUNTER || !crypto_aead_aes256gcm_is_available ())
        return FALSE;
      make_nonce (nonce, crypto_aead_aes256gcm_NPUBBYTES, ad, counter);
      if (encrypt)
        return (state != NULL
                ? crypto_aead_aes256gcm_encrypt_afternm (out, &n, in, size, ad, SEALED_HEADER, NULL,
                                                         nonce, state)
                : crypto_aead_aes256gcm_encrypt (out, &n, in, size, ad, SEALED_HEADER, NULL, nonce,
                                                 key->bytes)) == 0;
      return (state != NULL
              ? crypto_aead_aes256gcm_decrypt_afternm (out, &n, NULL, in, size, ad, SEALED_HEADER,
                                                       nonce, state)
              : crypto_aead_aes256gcm_decrypt (out, &n, NULL, in, size, ad, SEALED_HEADER, nonce,
                                               key->bytes)) == 0;
    }
  if (key->cipher != JN_CIPHER_XCHACHA20_POLY1305)
    return FALSE;
  make_nonce (nonce, sizeof nonce, ad, counter);
  if (encrypt)
    return crypto_aead_xchacha20poly1305_ietf_encrypt (out, &n, in, size, ad, SEALED_HEADER, NULL,
                                                       nonce, key->bytes) == 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt (out, &n, NULL, in, size, ad, SEALED_HEADER,
                                                     nonce, key->bytes) == 0;
}

/* What can be told without the key: FALSE when it is no sealed datagram
 * of this protocol. */
static gboolean
parse_sealed (const guint8 *data,
              gsize         size,
              guint32      *sender,
              guint        *kind,
              guint64      *counter)
{
  guint16 flags;

  if (size < SEALED_HEADER + TAG_SIZE || size > JN_PACKET_MAX_SIZE ||
      get_u32 (data) != JN_PACKET_MAGIC || data[4] != JN_PROTOCOL_VERSION)
    return FALSE;
  flags = (guint16) (data[6] << 8 | data[7]);
  if (!(flags & JN_PACKET_FLAG_SEALED) || data[5] < JN_PACKET_AUDIO || data[5] > JN_PACKET_FORWARD ||
      (gsize) (data[14] << 8 | data[15]) + SEALED_HEADER + TAG_SIZE != size)
    return FALSE;
  *sender = get_u32 (data + 8);
  *kind = data[5];
  *counter = get_u64 (data + JN_PACKET_HEADER_SIZE);
  return *sender != 0;
}

static gsize
seal_with (const JnLinkKey                   *key,
           const crypto_aead_aes256gcm_state *state,
           guint64                            counter,
           const guint8                      *data,
           gsize                              size,
           guint8                            *out)
{
  if (size < JN_PACKET_HEADER_SIZE || size + JN_SEAL_OVERHEAD > JN_PACKET_MAX_SIZE)
    return 0;
  memcpy (out, data, JN_PACKET_HEADER_SIZE);
  out[7] |= JN_PACKET_FLAG_SEALED;
  put_u64 (out + JN_PACKET_HEADER_SIZE, counter);
  if (!aead (TRUE, key, state, out + SEALED_HEADER, data + JN_PACKET_HEADER_SIZE,
             size - JN_PACKET_HEADER_SIZE, out, counter))
    return 0;
  return size + JN_SEAL_OVERHEAD;
}

gsize
jn_seal_datagram (const JnLinkKey *key,
                  guint64          counter,
                  const guint8    *data,
                  gsize            size,
                  guint8          *out)
{
  g_return_val_if_fail (key != NULL && data != NULL && out != NULL, 0);
  return seal_with (key, NULL, counter, data, size, out);
}

static gsize
open_parsed (const JnLinkKey                   *key,
             const crypto_aead_aes256gcm_state *state,
             const guint8                      *data,
             gsize                              size,
             guint64                            counter,
             guint8                            *out)
{
  if (!aead (FALSE, key, state, out + JN_PACKET_HEADER_SIZE, data + SEALED_HEADER,
             size - SEALED_HEADER, data, counter))
    return 0;
  memcpy (out, data, JN_PACKET_HEADER_SIZE);
  out[7] &= (guint8) ~JN_PACKET_FLAG_SEALED;
  return size - JN_SEAL_OVERHEAD;
}

gsize
jn_open_datagram (const JnLinkKey *key,
                  const guint8 *data,
                  gsize         size,
                  guint8       *out,
                  guint64      *counter)
{
  guint32 sender;
  guint kind;
  guint64 c;

  g_return_val_if_fail (key != NULL && data != NULL && out != NULL, 0);
  if (!parse_sealed (data, size, &sender, &kind, &c))
    return 0;
  if (counter != NULL)
    *counter = c;
  return open_parsed (key, NULL, data, size, c, out);
}

void
jn_link_key_generate (JnLinkKey *key,
                      JnCipher   cipher)
{
  if (sodium_init () < 0)
    g_error ("libsodium cannot start: no random source");
  key->cipher = cipher;
  randombytes_buf (key->bytes, sizeof key->bytes);
}

/* --- replay window (RFC 6479) -------------------------------------------- */

static gboolean
window_fresh (const ReplayWindow *w,
              guint64             counter)
{
  if (!w->started || counter > w->top)
    return TRUE;
  if (w->top - counter >= WINDOW_SIZE)
    return FALSE;
  return !(w->bits[(counter >> 6) % WINDOW_WORDS] & (G_GUINT64_CONSTANT (1) << (counter & 63)));
}

/* Marks counter seen; TRUE when it is the newest so far. */
static gboolean
window_mark (ReplayWindow *w,
             guint64       counter)
{
  gboolean newest = !w->started || counter > w->top;

  if (!w->started)
    {
      memset (w->bits, 0, sizeof w->bits);
      w->started = TRUE;
      w->top = counter;
    }
  else if (counter > w->top)
    {
      guint64 words = (counter >> 6) - (w->top >> 6);

      for (guint64 i = 1; i <= MIN (words, (guint64) WINDOW_WORDS); i++)
        w->bits[((w->top >> 6) + i) % WINDOW_WORDS] = 0;
      w->top = counter;
    }
  w->bits[(counter >> 6) % WINDOW_WORDS] |= G_GUINT64_CONSTANT (1) << (counter & 63);
  return newest;
}

/* --- links --------------------------------------------------------------- */

static void
link_free (Link *link)
{
  sodium_memzero (link, sizeof *link);
  g_free (link);
}

static Link *
find_link (JnSecureTransport *self,
           guint32            peer_id)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      Link *link = g_ptr_array_index (self->links, i);

      if (link->peer_id == peer_id)
        return link;
    }
  return NULL;
}

/* An authentic pong from the peer's own route that answers one of our
 * last pings: the address consents to our media. */
static gboolean
pong_answers_ping (const Link   *link,
                   const guint8 *opened,
                   gsize         size)
{
  guint32 seq;
  guint64 t1;

  if (size < JN_PACKET_HEADER_SIZE + JN_PONG_PAYLOAD_SIZE)
    return FALSE;
  seq = get_u32 (opened + JN_PACKET_HEADER_SIZE);
  t1 = get_u64 (opened + JN_PACKET_HEADER_SIZE + 4);
  for (guint i = 0; i < PINGS_REMEMBERED; i++)
    if (link->pings[i].t1_us != 0 && link->pings[i].seq == seq && link->pings[i].t1_us == t1)
      return TRUE;
  return FALSE;
}

/* --- JnTransport --------------------------------------------------------- */

static void
on_inner_datagram (gpointer      user_data,
                   guint32       route_peer_id,
                   const guint8 *data,
                   gsize         size,
                   gint64        arrival_us)
{
  JnSecureTransport *self = user_data;
  guint32 sender;
  guint kind;
  guint64 counter;
  gsize opened = 0;
  Link *link;

  g_mutex_lock (&self->lock);
  if (!parse_sealed (data, size, &sender, &kind, &counter) ||
      (link = find_link (self, sender)) == NULL)
    {
      self->counters.unauthentic++;
      g_mutex_unlock (&self->lock);
      return;
    }
  /* the window first: a replay costs no decryption */
  if (!window_fresh (&link->rx[kind], counter))
    {
      self->counters.replayed++;
      g_mutex_unlock (&self->lock);
      return;
    }
  opened = open_parsed (&link->key, &link->aes, data, size, counter, self->rx_buf);
  if (opened == 0)
    {
      self->counters.unauthentic++;
      g_mutex_unlock (&self->lock);
      return;
    }
  if (route_peer_id == sender)
    link->route_heard_us = arrival_us;
  if (window_mark (&link->rx[kind], counter) && route_peer_id != sender &&
      arrival_us - link->route_heard_us >= ROAM_QUIET_US &&
      jn_transport_adopt_source (self->inner, sender))
    {
      /* its newest authentic datagram came from elsewhere: send there, but
       * media only once that address answers */
      self->counters.roamed++;
      link->consent_until_us = 0;
      link->route_heard_us = arrival_us;
      route_peer_id = sender;
    }
  if (kind == JN_PACKET_SYNC_PONG && route_peer_id == sender &&
      pong_answers_ping (link, self->rx_buf, opened))
    link->consent_until_us = arrival_us + JN_CONSENT_TIMEOUT_S * G_USEC_PER_SEC;
  g_mutex_unlock (&self->lock);

  self->func (self->func_data, sender, self->rx_buf, opened, arrival_us);
}

static gboolean
jn_secure_transport_set_peer (JnTransport  *transport,
                              guint32       peer_id,
                              const char   *address,
                              guint16       port,
                              GError      **error)
{
  JnSecureTransport *self = JN_SECURE_TRANSPORT (transport);
  Link *link;

  if (!jn_transport_set_peer (self->inner, peer_id, address, port, error))
    return FALSE;
  /* a new address must consent anew */
  g_mutex_lock (&self->lock);
  if ((link = find_link (self, peer_id)) != NULL)
    {
      link->consent_until_us = 0;
      link->route_heard_us = g_get_monotonic_time ();
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
jn_secure_transport_forget_peer (JnTransport *transport,
                                 guint32      peer_id)
{
  JnSecureTransport *self = JN_SECURE_TRANSPORT (transport);
  Link *link;

  g_mutex_lock (&self->lock);
  if ((link = find_link (self, peer_id)) != NULL)
    g_ptr_array_remove_fast (self->links, link);
  g_mutex_unlock (&self->lock);
  jn_transport_forget_peer (self->inner, peer_id);
}

static gboolean
jn_secure_transport_send (JnTransport  *transport,
                          guint32       peer_id,
                          const guint8 *data,
                          gsize         size)
{
  JnSecureTransport *self = JN_SECURE_TRANSPORT (transport);
  gboolean sent = FALSE;
  guint kind;
  Link *link;
  gsize n;

  if (size < JN_PACKET_HEADER_SIZE || data[5] < JN_PACKET_AUDIO || data[5] > JN_PACKET_FORWARD)
    return FALSE;
  kind = data[5];

  g_mutex_lock (&self->lock);
  if ((link = find_link (self, peer_id)) == NULL)
    goto out;
  if ((kind == JN_PACKET_AUDIO || kind == JN_PACKET_MIDI || kind == JN_PACKET_FORWARD) &&
      g_get_monotonic_time () >= link->consent_until_us)
    {
      self->counters.held++;
      sent = TRUE;  /* held on purpose, not a failure */
      goto out;
    }
  if (kind == JN_PACKET_SYNC_PING)
    {
      link->pings[link->ping_next].seq = get_u32 (data + 16);
      link->pings[link->ping_next].t1_us = get_u64 (data + 20);
      link->ping_next = (link->ping_next + 1) % PINGS_REMEMBERED;
    }
  n = seal_with (&link->key, &link->aes, link->tx_counter[kind]++, data, size, self->tx_buf);
  sent = n > 0 && jn_transport_send (self->inner, peer_id, self->tx_buf, n);
out:
  g_mutex_unlock (&self->lock);
  return sent;
}

static void
jn_secure_transport_start (JnTransport            *transport,
                           GMainContext           *context,
                           JnTransportReceiveFunc  func,
                           gpointer                user_data)
{
  JnSecureTransport *self = JN_SECURE_TRANSPORT (transport);

  self->func = func;
  self->func_data = user_data;
  jn_transport_start (self->inner, context, on_inner_datagram, self);
}

static void
jn_secure_transport_poll (JnTransport *transport)
{
  jn_transport_poll (JN_SECURE_TRANSPORT (transport)->inner);
}

static GSocketAddress *
jn_secure_transport_get_local_address (JnTransport *transport)
{
  return jn_transport_get_local_address (JN_SECURE_TRANSPORT (transport)->inner);
}

static void
jn_secure_transport_close (JnTransport *transport)
{
  jn_transport_close (JN_SECURE_TRANSPORT (transport)->inner);
}

static void
jn_secure_transport_iface_init (JnTransportInterface *iface)
{
  iface->set_peer = jn_secure_transport_set_peer;
  iface->forget_peer = jn_secure_transport_forget_peer;
  iface->send = jn_secure_transport_send;
  iface->start = jn_secure_transport_start;
  iface->poll = jn_secure_transport_poll;
  iface->get_local_address = jn_secure_transport_get_local_address;
  iface->close = jn_secure_transport_close;
}

/* --- object -------------------------------------------------------------- */

static void
jn_secure_transport_finalize (GObject *object)
{
  JnSecureTransport *self = JN_SECURE_TRANSPORT (object);

  g_clear_object (&self->inner);
  g_clear_pointer (&self->links, g_ptr_array_unref);
  g_free (self->tx_buf);
  g_free (self->rx_buf);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (jn_secure_transport_parent_class)->finalize (object);
}

static void
jn_secure_transport_class_init (JnSecureTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_secure_transport_finalize;
}

static void
jn_secure_transport_init (JnSecureTransport *self)
{
  g_mutex_init (&self->lock);
  self->links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  self->tx_buf = g_malloc (JN_PACKET_MAX_SIZE + 1);
  self->rx_buf = g_malloc (JN_PACKET_MAX_SIZE + 1);
}

JnSecureTransport *
jn_secure_transport_new (JnTransport *inner)
{
  JnSecureTransport *self;

  g_return_val_if_fail (JN_IS_TRANSPORT (inner), NULL);

  /* idempotent and thread-safe; fails only without a usable random source */
  if (sodium_init () < 0)
    g_error ("libsodium cannot start: no random source");

  self = g_object_new (JN_TYPE_SECURE_TRANSPORT, NULL);
  self->inner = g_object_ref (inner);
  return self;
}

JnTransport *
jn_secure_transport_get_inner (JnSecureTransport *self)
{
  g_return_val_if_fail (JN_IS_SECURE_TRANSPORT (self), NULL);
  return self->inner;
}

void
jn_secure_transport_set_key (JnSecureTransport *self,
                             guint32            peer_id,
                             const JnLinkKey   *key)
{
  Link *link;

  g_return_if_fail (JN_IS_SECURE_TRANSPORT (self));
  g_return_if_fail (peer_id != 0 && key != NULL);

  g_mutex_lock (&self->lock);
  if ((link = find_link (self, peer_id)) == NULL)
    {
      link = g_new0 (Link, 1);
      g_ptr_array_add (self->links, link);
    }
  else
    sodium_memzero (link, sizeof *link);
  link->peer_id = peer_id;
  link->key = *key;
  if (key->cipher == JN_CIPHER_AES256_GCM && crypto_aead_aes256gcm_is_available ())
    crypto_aead_aes256gcm_beforenm (&link->aes, key->bytes);
  link->route_heard_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
}

void
jn_secure_transport_learn_route (JnSecureTransport *self,
                                 guint32            peer_id)
{
  Link *link;

  g_return_if_fail (JN_IS_SECURE_TRANSPORT (self));

  g_mutex_lock (&self->lock);
  if ((link = find_link (self, peer_id)) != NULL)
    link->route_heard_us = G_MININT64 / 2;   /* long quiet: the next source is adopted */
  g_mutex_unlock (&self->lock);
}

gboolean
jn_secure_transport_has_consent (JnSecureTransport *self,
                                 guint32            peer_id)
{
  gboolean consent;
  Link *link;

  g_return_val_if_fail (JN_IS_SECURE_TRANSPORT (self), FALSE);

  g_mutex_lock (&self->lock);
  link = find_link (self, peer_id);
  consent = link != NULL && g_get_monotonic_time () < link->consent_until_us;
  g_mutex_unlock (&self->lock);
  return consent;
}

void
jn_secure_transport_get_counters (JnSecureTransport *self,
                                  JnSealCounters    *counters)
{
  g_return_if_fail (JN_IS_SECURE_TRANSPORT (self));

  g_mutex_lock (&self->lock);
  *counters = self->counters;
  g_mutex_unlock (&self->lock);
}
