/* jn-forwarder.c: a forward room's server on the media plane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-forwarder"

#include "config.h"

#include <string.h>

#include "jn-forwarder.h"
#include "jn-realtime.h"
#include "jn-thread-loop.h"
#include "jn-udp-transport.h"

/* the server's clock-sync pings to its members: their consent */
#define PING_INTERVAL_MS 100
/* a mix room reads its socket so many batches at each mix (a batch is
 * 256 datagrams: enough for a choir of 127 and a late period or two) */
#define MIX_POLLS 4

typedef struct
{
  guint32 id;
  double  tokens;
  gint64  refilled_us;
  guint32 ping_seq;
  guint32 forward_seq;
} Member;

struct _JnForwarder
{
  JnThreadLoop      *thread;
  JnSecureTransport *seal;
  guint16            port;
  JnAudioFormat      format;
  GSource           *ping_source;

  JnRoomMix         *mix;       /* a mix room's; NULL: forward */
  GSource           *mix_source;
  GMainContext      *unwatched; /* a mix room's socket is read at each mix, not watched */

  GMutex             lock;      /* members, stats, tx, mix */
  GArray            *members;   /* Member */
  JnForwarderStats   stats;
  guint8            *tx;
};

static Member *
find_member (JnForwarder *self,
             guint32      id)
{
  for (guint i = 0; i < self->members->len; i++)
    if (g_array_index (self->members, Member, i).id == id)
      return &g_array_index (self->members, Member, i);
  return NULL;
}

/* A datagram's header from the server (peer 1), sent now */
static JnPacketHeader
hub_header (JnPacketKind kind,
            guint32      seq)
{
  JnPacketHeader header = { kind, 0, JN_HUB_PEER_ID, 0, 0, seq, (guint64) g_get_monotonic_time () };

  return header;
}

static gboolean
spend_token (Member *member,
             gint64  now)
{
  member->tokens = MIN (JN_FORWARDER_BURST,
                        member->tokens + (now - member->refilled_us) * (JN_FORWARDER_RATE / 1e6));
  member->refilled_us = now;
  if (member->tokens < 1.0)
    return FALSE;
  member->tokens -= 1.0;
  return TRUE;
}

/* A member's audio must be of the room's format: PCM in a PCM room (any
 * sample format, as between players), Opus in an Opus room. */
static gboolean
format_fits (JnForwarder    *self,
             const JnPacket *inner)
{
  const JnAudioFormat *f = &inner->audio.format;

  return f->rate == self->format.rate && f->frames == self->format.frames &&
         f->channels == self->format.channels &&
         (f->format == JN_SAMPLE_OPUS) == (self->format.format == JN_SAMPLE_OPUS);
}

static void
forward_to (JnForwarder  *self,
            Member       *to,
            const guint8 *inner,
            gsize         inner_size)
{
  JnPacketHeader header = hub_header (JN_PACKET_FORWARD, to->forward_seq++);
  gsize n = jn_packet_encode_forward (self->tx, JN_PACKET_MAX_SIZE, &header, to->id, inner,
                                      inner_size);

  if (n > 0 && jn_transport_send (JN_TRANSPORT (self->seal), to->id, self->tx, n))
    self->stats.forwarded++;
}

static void
answer_ping (JnForwarder    *self,
             Member         *member,
             const JnPacket *ping,
             gint64          arrival_us)
{
  JnSyncPong pong = { ping->header.seq, ping->header.timestamp_us, (guint64) arrival_us };
  JnPacketHeader header = hub_header (JN_PACKET_SYNC_PONG, ping->header.seq);
  gsize n;

  /* a mix room: how the member's stream reaches the mix (its copies, and
   * its end-to-end figure, follow it) */
  if (self->mix != NULL)
    jn_room_mix_fill_report (self->mix, member->id, &pong, arrival_us);
  n = jn_packet_encode_pong (self->tx, JN_PACKET_MAX_SIZE, &header, &pong);

  jn_transport_send (JN_TRANSPORT (self->seal), member->id, self->tx, n);
}

/* The secure transport's callback: an authentic datagram from member
 * `sender`, opened (on the forwarder's thread). */
static void
on_datagram (gpointer      user_data,
             guint32       sender,
             const guint8 *data,
             gsize         size,
             gint64        arrival_us)
{
  JnForwarder *self = user_data;
  JnPacket packet, inner;
  Member *member;

  g_mutex_lock (&self->lock);
  member = find_member (self, sender);
  if (member == NULL)
    goto out;
  /* (the secure transport took its route from its first authentic
   * datagram, and follows it as ever: docs/protocol.md 3.5) */
  self->stats.received++;
  if (!spend_token (member, arrival_us))
    {
      self->stats.dropped_budget++;
      goto out;
    }
  if (!jn_packet_decode (data, size, &packet, NULL) || packet.header.sender_id != sender)
    {
      self->stats.dropped_forged++;
      goto out;
    }
  switch (packet.header.kind)
    {
    case JN_PACKET_SYNC_PING:
      answer_ping (self, member, &packet, arrival_us);
      goto out;
    case JN_PACKET_SYNC_PONG:
      goto out;   /* the transport took its consent */
    case JN_PACKET_FORWARD:
      break;
    default:
      self->stats.dropped_forged++;   /* media goes through, not to, the server */
      goto out;
    }

  /* inside: the member's own datagram, nothing forged for someone else */
  if (!jn_packet_decode (packet.forward.inner, packet.forward.inner_size, &inner, NULL) ||
      inner.header.sender_id != sender || inner.header.kind == JN_PACKET_FORWARD)
    {
      self->stats.dropped_forged++;
      goto out;
    }
  if (inner.header.kind == JN_PACKET_AUDIO && !format_fits (self, &inner))
    {
      self->stats.dropped_format++;
      goto out;
    }
  if (inner.header.kind == JN_PACKET_AUDIO && self->mix != NULL)
    {
      /* a mix room: to everyone, as its sender said, by way of the mix */
      if (packet.forward.dest != JN_FORWARD_ALL)
        self->stats.dropped_forged++;
      else
        {
          jn_room_mix_push (self->mix, sender, &inner, arrival_us);
          self->stats.mixed_in++;
        }
      goto out;
    }
  if (packet.forward.dest == JN_FORWARD_ALL)
    {
      for (guint i = 0; i < self->members->len; i++)
        {
          Member *to = &g_array_index (self->members, Member, i);

          if (to->id != sender)
            forward_to (self, to, packet.forward.inner, packet.forward.inner_size);
        }
    }
  else
    {
      Member *to = find_member (self, packet.forward.dest);

      if (to == NULL || to->id == sender)
        self->stats.dropped_forged++;
      else
        forward_to (self, to, packet.forward.inner, packet.forward.inner_size);
    }
out:
  g_mutex_unlock (&self->lock);
}

static gboolean
on_ping (gpointer user_data)
{
  JnForwarder *self = user_data;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->members->len; i++)
    {
      Member *member = &g_array_index (self->members, Member, i);
      JnPacketHeader header = hub_header (JN_PACKET_SYNC_PING, member->ping_seq++);
      gsize n = jn_packet_encode_ping (self->tx, JN_PACKET_MAX_SIZE, &header);

      /* fails quietly until its first datagram gave it a route */
      jn_transport_send (JN_TRANSPORT (self->seal), member->id, self->tx, n);
    }
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static void
send_mix (gpointer      user_data,
          guint32       member,
          const guint8 *datagram,
          gsize         size)
{
  JnForwarder *self = user_data;

  /* fails quietly until the member's first datagram gave it a route */
  if (jn_transport_send (JN_TRANSPORT (self->seal), member, datagram, size))
    self->stats.mixes_sent++;
}

static gboolean
on_mix (gpointer user_data)
{
  JnForwarder *self = user_data;
  gint64 next;

  /* what arrived since the last mix goes in first: the thread sleeps
   * between mixes rather than wake for each datagram (a choir sends tens
   * of thousands a second); pings and MIDI wait at most a period */
  for (guint i = 0; i < MIX_POLLS; i++)
    jn_transport_poll (JN_TRANSPORT (self->seal));
  g_mutex_lock (&self->lock);
  next = jn_room_mix_run_due (self->mix, g_get_monotonic_time (), send_mix, self);
  g_mutex_unlock (&self->lock);
  jn_timer_source_set_deadline (self->mix_source, next);
  return G_SOURCE_CONTINUE;
}

static JnForwarder *
forwarder_new (const char          *bind_address,
               guint16              port,
               const JnAudioFormat *format,
               JnRoomMix           *mix,
               GError             **error)
{
  g_autoptr(JnUdpTransport) udp = NULL;
  JnForwarder *self;

  udp = jn_udp_transport_new (bind_address, port, error);
  if (udp == NULL)
    return NULL;
  self = g_new0 (JnForwarder, 1);
  g_mutex_init (&self->lock);
  self->members = g_array_new (FALSE, TRUE, sizeof (Member));
  self->tx = g_malloc (JN_PACKET_MAX_SIZE);
  self->format = *format;
  self->mix = mix;
  self->port = jn_udp_transport_get_port (udp);
  self->seal = jn_secure_transport_new (JN_TRANSPORT (udp));
  self->thread = jn_thread_loop_new ("jn-forwarder");
  jn_thread_loop_ask_realtime (self->thread, JN_REALTIME_PRIORITY_MEDIA);
  if (mix != NULL)
    self->unwatched = g_main_context_new ();
  jn_transport_start (JN_TRANSPORT (self->seal),
                      mix != NULL ? self->unwatched : jn_thread_loop_get_context (self->thread),
                      on_datagram, self);
  self->ping_source = g_timeout_source_new (PING_INTERVAL_MS);
  g_source_set_callback (self->ping_source, on_ping, self, NULL);
  g_source_attach (self->ping_source, jn_thread_loop_get_context (self->thread));
  if (mix != NULL)
    {
      self->mix_source = jn_timer_source_new ();
      g_source_set_callback (self->mix_source, on_mix, self, NULL);
      g_source_set_priority (self->mix_source, G_PRIORITY_HIGH);
      jn_timer_source_set_deadline (self->mix_source, g_get_monotonic_time ());
      g_source_attach (self->mix_source, jn_thread_loop_get_context (self->thread));
    }
  return self;
}

JnForwarder *
jn_forwarder_new (const char          *bind_address,
                  guint16              port,
                  const JnAudioFormat *format,
                  GError             **error)
{
  g_return_val_if_fail (format != NULL, NULL);
  return forwarder_new (bind_address, port, format, NULL, error);
}

JnForwarder *
jn_forwarder_new_mix (const char  *bind_address,
                      guint16      port,
                      JnRoomMix   *mix,
                      GError     **error)
{
  JnForwarder *self;

  g_return_val_if_fail (mix != NULL, NULL);

  self = forwarder_new (bind_address, port, jn_room_mix_get_format (mix), mix, error);
  if (self == NULL)
    jn_room_mix_free (mix);
  return self;
}

gboolean
jn_forwarder_is_mix (JnForwarder *self)
{
  return self->mix != NULL;
}

void
jn_forwarder_free (JnForwarder *self)
{
  if (self == NULL)
    return;
  g_source_destroy (self->ping_source);
  if (self->mix_source != NULL)
    g_source_destroy (self->mix_source);
  jn_transport_close (JN_TRANSPORT (self->seal));
  g_clear_pointer (&self->thread, jn_thread_loop_free);
  g_source_unref (self->ping_source);
  g_clear_pointer (&self->mix_source, g_source_unref);
  g_clear_pointer (&self->mix, jn_room_mix_free);
  g_clear_pointer (&self->unwatched, g_main_context_unref);
  g_clear_object (&self->seal);
  g_array_unref (self->members);
  g_free (self->tx);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint16
jn_forwarder_get_port (JnForwarder *self)
{
  return self->port;
}

void
jn_forwarder_add_member (JnForwarder     *self,
                         guint32          id,
                         const JnLinkKey *key)
{
  Member member = { .id = id, .tokens = JN_FORWARDER_BURST, .refilled_us = g_get_monotonic_time () };
  g_autoptr(JnRoomMixMember) mixed = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self != NULL && key != NULL);
  g_return_if_fail (id != 0 && id != JN_HUB_PEER_ID);

  /* made here, where it may allocate, not on the forwarder's thread */
  if (self->mix != NULL && (mixed = jn_room_mix_member_new (self->mix, id, &error)) == NULL)
    g_warning ("Player %u is left out of the room’s mix: %s", id, error->message);
  g_mutex_lock (&self->lock);
  if (find_member (self, id) == NULL)
    {
      g_array_append_val (self->members, member);
      if (mixed != NULL)
        jn_room_mix_insert (self->mix, g_steal_pointer (&mixed));
    }
  jn_secure_transport_set_key (self->seal, id, key);
  jn_secure_transport_learn_route (self->seal, id);
  g_mutex_unlock (&self->lock);
}

void
jn_forwarder_remove_member (JnForwarder *self,
                            guint32      id)
{
  g_autoptr(JnRoomMixMember) mixed = NULL;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  if (self->mix != NULL)
    mixed = jn_room_mix_take (self->mix, id);
  for (guint i = 0; i < self->members->len; i++)
    if (g_array_index (self->members, Member, i).id == id)
      {
        g_array_remove_index_fast (self->members, i);
        break;
      }
  g_mutex_unlock (&self->lock);
  /* its key goes: nothing sealed with it is taken any more */
  jn_transport_forget_peer (JN_TRANSPORT (self->seal), id);
}

void
jn_forwarder_get_stats (JnForwarder      *self,
                        JnForwarderStats *stats)
{
  JnSealCounters counters;

  g_return_if_fail (self != NULL && stats != NULL);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
  jn_secure_transport_get_counters (self->seal, &counters);
  stats->unauthentic = counters.unauthentic;
}

gboolean
jn_forwarder_set_mix_gain (JnForwarder *self,
                           guint32      listener,
                           guint32      source,
                           double       gain,
                           gboolean     mute,
                           double       pan)
{
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->mix == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  ok = jn_room_mix_set_gain (self->mix, listener, source, gain, mute, pan);
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
jn_forwarder_get_mix_stats (JnForwarder    *self,
                            JnRoomMixStats *stats)
{
  g_return_val_if_fail (self != NULL && stats != NULL, FALSE);

  if (self->mix == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  jn_room_mix_get_stats (self->mix, stats);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
jn_forwarder_get_mix_gain (JnForwarder *self,
                           guint32      listener,
                           guint32      source,
                           double      *gain,
                           gboolean    *mute,
                           double      *pan)
{
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->mix == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  ok = jn_room_mix_get_gain (self->mix, listener, source, gain, mute, pan);
  g_mutex_unlock (&self->lock);
  return ok;
}
