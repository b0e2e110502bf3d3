/* jn-media-engine.c: the media plane on its own thread
 *
 * One thread with its own GMainContext runs the packet clock and dispatch.
 * A timerfd ticks once per packet period: capture -> encode -> send to every
 * peer, and every peer's jitter buffer -> playout.  Datagrams come from the
 * transport with the id of the peer they came from; those of members are
 * decoded with bounds checks and counted.  Ten times a second each peer gets
 * an NTP-style clock-sync ping.  What each peer measures, and how its gaps
 * are concealed, lives in its parts (jn-media-engine-private.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-media-engine"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "jn-byte-order.h"
#include "jn-concealer-pool.h"
#include "jn-media-engine-private.h"
#include "jn-secure-transport.h"
#include "jn-realtime.h"
#include "jn-thread-loop.h"
#include "jn-udp-transport.h"

/* A thread stalled for longer than this many periods skips ahead instead of
 * sending a burst of stale audio. */
#define MAX_CATCH_UP    50
/* after one, this many audio packets say so (JN_PACKET_FLAG_RESUMED), in
 * case the first are lost */
#define RESUMED_PACKETS 16
/* a device that captured nothing for this long (a PipeWire node nobody
 * links is not scheduled, a suspended card) no longer paces the packets:
 * our own timer does until it runs again */
#define CLOCK_LOST_US   50000
/* --redundancy auto (docs/codec.md): reports older than REPORT_STALE_US
 * count for nothing */
#define REPORT_STALE_US (3 * G_USEC_PER_SEC)
/* the media thread ran nothing for this long: it was stopped (the process,
 * or starved); what it then reads that was sent longer before it ran
 * again than the network's one-way delay and STALE_SLACK_US waited out the
 * stall in the socket */
#define STALL_US        250000
#define STALE_SLACK_US  5000
#define MAX_DEPARTED    16
/* in a forward room, members are pinged at every this many rounds of
 * JN_SYNC_RATE_HZ (the server at every one) */
#define HUB_MEMBER_SYNC_EVERY 5
/* a journal not yet acknowledged goes again in a packet of its own when no
 * MIDI packet carried it for this long (docs/protocol.md 3.3) */
#define JOURNAL_REFRESH_US (G_USEC_PER_SEC / JN_SYNC_RATE_HZ)

typedef JnMediaPeer Peer;

struct _JnMediaEngine
{
  GObject           parent_instance;

  GMutex            lock;
  JnTransport      *transport;
  JnSecureTransport *seal;      /* the transport, when it seals; else NULL */
  guint16           port;

  JnAudioFormat     format;
  guint             jitter_depth;
  gboolean          jitter_adaptive;
  double            jitter_safety;
  char             *plc_method;  /* NULL: lost packets are silent */
  char             *pnbtr_backend; /* NULL: no worker */
  JnConcealerPool  *pool;
  double            plc_budget;      /* share of a period concealment may take in full */
  guint             redundancy;
  gboolean          send_audio;
  JnMediaCallbacks  callbacks;
  gpointer          callbacks_data;
  JnPacketClockFunc clock;      /* NULL: our own timer paces the periods */
  gpointer          clock_data;
  gint64            clock_ran_us; /* clock: when the last period ran */
  gboolean          clock_lost;   /* the device went quiet: our timer stands in */
  JnDrift           local_drift;  /* clock: the device's rate against this machine's clock */
  guint32           local_id;

  GPtrArray        *peers;      /* Peer*, members */
  GPtrArray        *departed;   /* Peer*, left: stats kept, tail played out */

  JnThreadLoop     *thread;
  GSource          *tick_source;
  gint64            start_us;
  guint64           tick;
  gint64            next_sync_us;
  gint64            alive_us;      /* the media thread last ran */
  gboolean          realtime_asked;
  guint             realtime_demotions; /* jn_realtime_get_demotions() when last seen */
  gint64            stall_end_us;  /* it last ran again after a stall; 0: never stalled */
  guint             resumed_left;  /* audio packets still to flag as resumed */
  guint32           midi_packet_seq;
  guint32           midi_event_seq;
  gboolean          write_journal; /* our MIDI packets carry a recovery journal */
  JnMidiJournalWriter journal;  /* what our MIDI sent, for its recovery journal */
  gint64            journal_sent_us;
  guint8            journal_buf[JN_MIDI_JOURNAL_MAX];

  float            *capture_buf;
  /* copies of our last packets in the next ones (PCM sessions) */
  guint             audio_copies;  /* per packet, 0..JN_COPY_MAX */
  gboolean          copies_auto;   /* audio_copies follows the receivers' reports */
  guint             max_upload_kbps; /* auto: at most this upload, all peers together; 0: no bound */
  float            *history;       /* JN_COPY_MAX_BACK packets, by sequence number */
  guint32           history_seq[JN_COPY_MAX_BACK];
  gboolean          history_valid[JN_COPY_MAX_BACK];
  guint8           *copies_buf;
  float            *play_buf;
  guint8           *tx_buf;
  JnCodec          *encoder;    /* Opus sessions */
  /* a forward room: everything goes to the room's server, which forwards
   * it (docs/protocol.md 3.6); the members are peers with no route */
  gboolean          hub;
  gboolean          mix;        /* a mix room: the server's mix is peer 1 (3.7) */
  JnClockSync       hub_sync;
  guint             hub_sync_round;
  guint32           forward_seq;
  guint8           *fwd_buf;
  guint8           *coded_buf;  /* one packet, coded */

  JnEngineStats     stats;

  /* figures pushed to a main context (jn_media_engine_set_snapshot_func) */
  JnSnapshotMailbox *mailbox;
  GArray           *new_samples;  /* JnSeriesSample since the last snapshot */
  gint64            next_snapshot_us;
};

G_DEFINE_FINAL_TYPE (JnMediaEngine, jn_media_engine, G_TYPE_OBJECT)

/* --- peers --------------------------------------------------------------- */

static void
peer_free (Peer *peer)
{
  jn_jitter_buffer_free (peer->jb);
  jn_rate_match_free (peer->rate_match);
  jn_concealer_free (peer->concealer);
  jn_receive_stats_clear (&peer->rx);
  jn_codec_free (peer->decoder);
  g_free (peer->scratch);
  g_free (peer);
}

static Peer *
find_peer_in (GPtrArray *peers,
              guint32    id)
{
  for (guint i = 0; i < peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (peers, i);

      if (peer->id == id)
        return peer;
    }
  return NULL;
}

static Peer *
find_peer_by_id (JnMediaEngine *self,
                 guint32        id)
{
  return find_peer_in (self->peers, id);
}

/* --- sending ------------------------------------------------------------- */

static void
send_raw (JnMediaEngine *self,
          guint32        id,
          const guint8  *data,
          gsize          size)
{
  if (jn_transport_send (self->transport, id, data, size))
    {
      self->stats.packets_sent++;
      self->stats.bytes_sent += size + (self->seal != NULL ? JN_SEAL_OVERHEAD : 0);
    }
  else
    self->stats.send_errors++;
}

static JnPacketHeader
make_header (JnMediaEngine *self,
             JnPacketKind   kind,
             guint32        seq)
{
  JnPacketHeader header = { 0 };

  header.kind = kind;
  header.sender_id = self->local_id;
  header.seq = seq;
  header.timestamp_us = (guint64) g_get_monotonic_time ();
  return header;
}

/* Through a forward room's server: to one member, or to all of them. */
static void
send_forward (JnMediaEngine *self,
              guint32        dest,
              const guint8  *data,
              gsize          size)
{
  JnPacketHeader header = make_header (self, JN_PACKET_FORWARD, self->forward_seq++);
  gsize n = jn_packet_encode_forward (self->fwd_buf, JN_PACKET_MAX_SIZE, &header, dest, data, size);

  if (n > 0)
    send_raw (self, JN_HUB_PEER_ID, self->fwd_buf, n);
  else
    self->stats.send_errors++;
}

static void
send_to (JnMediaEngine *self,
         Peer          *peer,
         const guint8  *data,
         gsize          size)
{
  if (self->mix && peer->id == JN_HUB_PEER_ID)
    send_raw (self, JN_HUB_PEER_ID, data, size);   /* a mix room's server */
  else if (self->hub)
    send_forward (self, peer->id, data, size);
  else
    send_raw (self, peer->id, data, size);
}

/* To every member: one datagram through a forward room's server, else one
 * per peer. */
static void
send_to_all (JnMediaEngine *self,
             const guint8  *data,
             gsize          size)
{
  if (self->hub)
    {
      if (self->peers->len > 0)
        send_forward (self, JN_FORWARD_ALL, data, size);
      return;
    }
  for (guint i = 0; i < self->peers->len; i++)
    send_to (self, g_ptr_array_index (self->peers, i), data, size);
}

/* The event number every member that answers our pings acknowledged of
 * our MIDI; FALSE while one of them has acknowledged none. */
static gboolean
journal_checkpoint (JnMediaEngine *self,
                    guint32       *checkpoint)
{
  gboolean any = FALSE;

  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);

      if (!peer->sync.synced || (self->mix && peer->id == JN_HUB_PEER_ID))
        continue;   /* no datagram of ours reaches it: nor would a journal */
      if (!peer->midi_acked)
        return FALSE;
      if (!any || (gint32) (peer->midi_ack - *checkpoint) < 0)
        *checkpoint = peer->midi_ack;
      any = TRUE;
    }
  return any;
}

/* What changed since the checkpoint, in journal_buf; its size. */
static gsize
write_journal (JnMediaEngine *self,
               gint64         now)
{
  guint32 checkpoint = 0;
  gboolean acked;
  gsize size;

  if (self->peers->len == 0 || !self->write_journal)
    return 0;
  acked = journal_checkpoint (self, &checkpoint);
  size = jn_midi_journal_writer_encode (&self->journal, acked ? &checkpoint : NULL, now,
                                        self->journal_buf, sizeof self->journal_buf);
  if (size > 0)
    self->journal_sent_us = now;
  return size;
}

static void
send_midi_packet (JnMediaEngine     *self,
                  const JnMidiEvent *event,
                  guint16            flags,
                  gsize              journal_size)
{
  JnPacketHeader header = make_header (self, JN_PACKET_MIDI, self->midi_packet_seq++);
  gsize n;

  header.stream_id = 1;
  header.flags = flags;
  n = jn_packet_encode_midi_journal (self->tx_buf, JN_PACKET_MAX_SIZE, &header, event,
                                     event != NULL ? 1 : 0, self->journal_buf, journal_size);
  self->stats.midi_packets_sent++;
  self->stats.midi_journal_bytes += journal_size;
  send_to_all (self, self->tx_buf, n);
}

/* Our upload in kbit/s with k copies in each audio packet, to every peer
 * (the server alone in a forward room), with UDP/IP headers. */
static double
upload_kbps (JnMediaEngine *self,
             guint          k)
{
  guint samples = (guint) self->format.frames * self->format.channels;
  gsize bytes = 28 + JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE +
                jn_audio_payload_size (&self->format) + (self->seal != NULL ? JN_SEAL_OVERHEAD : 0) +
                jn_audio_copies_size (samples, k);
  guint dests = self->hub ? 1 : self->peers->len;

  return bytes * 8.0 * self->format.rate / self->format.frames / 1000.0 * dests;
}

/* --redundancy auto: what each receiver that lost packets in the last
 * JN_COPIES_HOLD_US wants (jn_audio_copies_wanted()), the most of them,
 * within max_upload_kbps (docs/codec.md). */
static void
adapt_copies (JnMediaEngine *self,
              gint64         now)
{
  guint k = 0;

  if (!self->copies_auto || self->encoder != NULL)
    return;
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);

      if (!peer->have_report || now - peer->report_us > REPORT_STALE_US ||
          peer->loss_us == 0 || now - peer->loss_us >= JN_COPIES_HOLD_US)
        continue;
      k = MAX (k, jn_audio_copies_wanted (peer->loss_burst, peer->report_depth, peer->loss_rate));
    }
  while (k > 0 && self->max_upload_kbps > 0 && upload_kbps (self, k) > self->max_upload_kbps)
    k--;
  self->audio_copies = k;
}

/* A journal-only datagram, when MIDI went quiet before every member
 * acknowledged it; on the media thread, with the lock held. */
static void
refresh_journal (JnMediaEngine *self,
                 gint64         now)
{
  gsize size;

  if (!self->journal.any || now - self->journal_sent_us < JOURNAL_REFRESH_US)
    return;
  if ((size = write_journal (self, now)) == 0)
    return;
  self->stats.midi_journal_only++;
  send_midi_packet (self, NULL, 0, size);
}

static void
send_pings (JnMediaEngine *self)
{
  /* the server's own link: its round trip, and its consent */
  if (self->hub)
    {
      JnPacketHeader header = make_header (self, JN_PACKET_SYNC_PING, 0);
      gsize size;

      header.seq = jn_clock_sync_ping (&self->hub_sync, header.timestamp_us);
      size = jn_packet_encode_ping (self->tx_buf, JN_PACKET_MAX_SIZE, &header);
      send_raw (self, JN_HUB_PEER_ID, self->tx_buf, size);
      /* the members, through it, less often: a player's upload must not
       * grow with the band (docs/protocol.md 3.6); in a mix room, never:
       * a choir's pings would cost its server more than its audio (3.7) */
      if (self->mix || self->hub_sync_round++ % HUB_MEMBER_SYNC_EVERY != 0)
        return;
    }
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);
      JnPacketHeader header = make_header (self, JN_PACKET_SYNC_PING, 0);
      gsize size;

      header.seq = jn_clock_sync_ping (&peer->sync, header.timestamp_us);
      size = jn_packet_encode_ping (self->tx_buf, JN_PACKET_MAX_SIZE, &header);
      send_to (self, peer, self->tx_buf, size);
    }
}

static void
send_bye_locked (JnMediaEngine *self)
{
  JnPacketHeader header = make_header (self, JN_PACKET_BYE, 0);
  gsize size = jn_packet_encode_bye (self->tx_buf, JN_PACKET_MAX_SIZE, &header);

  send_to_all (self, self->tx_buf, size);
}

/* --- receiving ----------------------------------------------------------- */

static void
count_malformed (JnMediaEngine *self,
                 const GError  *error)
{
  self->stats.dropped_malformed++;
  if (error != NULL && error->domain == JN_PROTOCOL_ERROR &&
      (guint) error->code < JN_PROTOCOL_ERROR_N_CODES)
    self->stats.malformed[error->code]++;
}

static void
handle_audio (JnMediaEngine  *self,
              Peer           *peer,
              const JnPacket *packet,
              gint64          now)
{
  const JnAudioFormat *f = &packet->audio.format;
  gboolean opus = f->format == JN_SAMPLE_OPUS;

  /* in a mix room the only audio is the server's mix */
  if (self->mix && peer->id != JN_HUB_PEER_ID)
    {
      self->stats.dropped_non_member++;
      return;
    }

  /* a PCM session takes any sample format; Opus only where it was agreed */
  if (f->rate != self->format.rate || f->frames != self->format.frames ||
      f->channels != self->format.channels || opus != (peer->decoder != NULL))
    {
      self->stats.dropped_malformed++;
      self->stats.malformed[JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT]++;
      return;
    }
  if (!jn_receive_stats_audio_seq (&peer->rx, packet->header.seq,
                                   (packet->header.flags & JN_PACKET_FLAG_RESUMED) != 0, now))
    return;
  jn_receive_stats_audio_time (&peer->rx, &peer->sync, packet->header.timestamp_us, now);
  jn_drift_add (&peer->drift, (guint64) packet->header.seq * self->format.frames, now);

  if (opus)
    {
      /* decoded in sequence order as playout reaches it (decode_packet) */
      jn_receive_stats_queued (&peer->rx,
                               jn_jitter_buffer_push_coded (peer->jb, packet->header.seq,
                                                            packet->audio.samples,
                                                            packet->audio.samples_size));
      return;
    }
  jn_packet_audio_to_float (packet, peer->scratch);
  jn_receive_stats_queued (&peer->rx,
                           jn_jitter_buffer_push (peer->jb, packet->header.seq, peer->scratch));
  peer->copies_disagree += jn_jitter_buffer_take_copies (peer->jb, packet, peer->scratch);
}

/* the jitter buffer's decoder of an Opus peer (media thread) */
static gboolean
decode_packet (gpointer      user_data,
               const guint8 *data,
               gsize         size,
               float        *out)
{
  Peer *peer = user_data;

  return jn_codec_decode_next (peer->decoder, data, size, out, &peer->decode_errors);
}

typedef struct
{
  JnMediaEngine *engine;
  Peer          *peer;
} MidiOut;

/* An event in its sender's order, to our MIDI out */
static void
midi_out (gpointer           user_data,
          const JnMidiEvent *event,
          gint64             now)
{
  MidiOut *out = user_data;

  if (out->engine->callbacks.midi != NULL)
    out->engine->callbacks.midi (out->engine->callbacks_data, out->peer->id, event, now);
}

/* The recovery journal a MIDI packet carries, to its sender's reorder. */
static void
take_midi_journal (JnMediaEngine  *self,
                   Peer           *peer,
                   const JnPacket *packet,
                   gint64          now)
{
  MidiOut out = { self, peer };

  if (packet->midi.has_journal)
    jn_midi_reorder_journal (&peer->reorder, &packet->midi.journal, now, midi_out, &out);
}

static void
handle_midi (JnMediaEngine  *self,
             Peer           *peer,
             const JnPacket *packet,
             gint64          now)
{
  for (guint i = 0; i < packet->midi.n_events; i++)
    {
      const JnMidiEvent *event = &packet->midi.events[i];

      MidiOut out = { self, peer };

      if (jn_receive_stats_midi_event (&peer->rx, &peer->sync, event, now))
        jn_midi_reorder_push (&peer->reorder, event, now, midi_out, &out);
    }
  take_midi_journal (self, peer, packet, now);
}

/* The answer to a ping that arrived at now from peer (NULL: the server),
 * in tx_buf, with what we acknowledge of its MIDI; its size. */
static gsize
encode_pong (JnMediaEngine  *self,
             Peer           *peer,
             const JnPacket *ping,
             gint64          now)
{
  JnSyncPong pong = { ping->header.seq, ping->header.timestamp_us, (guint64) now, FALSE, 0 };
  JnPacketHeader header = make_header (self, JN_PACKET_SYNC_PONG, ping->header.seq);

  if (peer != NULL)
    pong.has_midi_ack = jn_midi_reorder_get_ack (&peer->reorder, &pong.midi_ack);
  /* how its audio arrives, so that it can send copies as it needs */
  if (peer != NULL && peer->rx.audio_packets > 0)
    {
      pong.has_report = TRUE;
      pong.lost = (guint32) jn_receive_stats_lost (&peer->rx);
      pong.received = (guint32) peer->rx.audio_packets;
      pong.burst = (guint8) MIN (jn_receive_stats_recent_burst (&peer->rx, now), 255);
      pong.depth = (guint8) MIN (jn_jitter_buffer_get_depth (peer->jb), 255);
    }

  return jn_packet_encode_pong (self->tx_buf, JN_PACKET_MAX_SIZE, &header, &pong);
}

static void
handle_ping (JnMediaEngine  *self,
             Peer           *peer,
             const JnPacket *packet,
             gint64          now)
{
  gsize size = encode_pong (self, peer, packet, now);

  send_to (self, peer, self->tx_buf, size);

  /* a peer that pings us is up: ask its consent now rather than at our
   * next ping, so that its media does not wait for it */
  if (!self->hub && self->seal != NULL && !jn_secure_transport_has_consent (self->seal, peer->id))
    {
      JnPacketHeader header = make_header (self, JN_PACKET_SYNC_PING, 0);

      header.seq = jn_clock_sync_ping (&peer->sync, header.timestamp_us);
      size = jn_packet_encode_ping (self->tx_buf, JN_PACKET_MAX_SIZE, &header);
      send_to (self, peer, self->tx_buf, size);
    }
}

/* A receiver's report of our audio: when it last lost some, and how many
 * in a row. */
static void
take_report (Peer             *peer,
             const JnSyncPong *pong,
             gint64            now)
{
  /* since the last report; a late pong's older totals count for nothing */
  gint32 lost = (gint32) (pong->lost - peer->report_lost);
  gint32 came = (gint32) (pong->received - peer->report_received);

  if (peer->have_report)
    {
      /* reports come ten times a second: this averages over about ten */
      if (lost >= 0 && came >= 0 && lost + came > 0)
        peer->loss_rate += 0.1 * ((double) lost / (lost + came) - peer->loss_rate);
      if (lost > 0)
        {
          /* a new spell of losses starts its burst afresh */
          if (peer->loss_us == 0 || now - peer->loss_us >= JN_COPIES_HOLD_US)
            peer->loss_burst = 0;
          peer->loss_burst = MAX (peer->loss_burst, MAX (pong->burst, 1));
          peer->loss_us = now;
        }
    }
  if (!peer->have_report || lost > 0)
    peer->report_lost = pong->lost;
  if (!peer->have_report || came > 0)
    peer->report_received = pong->received;
  peer->have_report = TRUE;
  peer->report_us = now;
  peer->report_depth = pong->depth;
}

static void
handle_pong (JnMediaEngine  *self,
             Peer           *peer,
             const JnPacket *packet,
             gint64          now)
{
  const JnSyncPong *pong = &packet->pong;

  if (!jn_clock_sync_pong (&peer->sync, pong->ping_seq, pong->t1_us, pong->t2_us,
                           packet->header.timestamp_us, now))
    {
      self->stats.dropped_malformed++;
      self->stats.malformed[JN_PROTOCOL_ERROR_BAD_MESSAGE]++;
      return;
    }
  jn_receive_stats_rtt (&peer->rx, peer->sync.last_rtt_ms);
  if (pong->has_report)
    take_report (peer, pong, now);
  /* never ahead of what we sent; a late pong's older ack changes nothing */
  if (pong->has_midi_ack && self->journal.any &&
      (gint32) (pong->midi_ack - self->journal.last_seq) <= 0 &&
      (!peer->midi_acked || (gint32) (pong->midi_ack - peer->midi_ack) > 0))
    {
      peer->midi_acked = TRUE;
      peer->midi_ack = pong->midi_ack;
    }
}

static void handle_datagram (JnMediaEngine *self, guint32 peer_id, const guint8 *data,
                             gsize size, gint64 now);

/* Sent well before our media thread ran again after a stall: it waited
 * out the stall in our socket, and its time says nothing of the network. */
static gboolean
is_stale (JnMediaEngine     *self,
          const JnClockSync *sync,
          double             one_way_ms,
          const JnPacket    *packet)
{
  if (self->stall_end_us == 0 || !sync->synced || packet->header.kind == JN_PACKET_BYE)
    return FALSE;
  /* the sender's clock, in ours */
  return (double) packet->header.timestamp_us - sync->offset_us <
         (double) self->stall_end_us - MAX (one_way_ms, 0) * 1000 - STALE_SLACK_US;
}

/* A stale datagram: audio is too late to play and is not lost either;
 * MIDI events are seconds late, far too late to play, but the journal says where
 * the sender is; pings are not answered (the pinger would time our stall
 * as its round trip) and pongs are not timed. */
static void
take_stale (JnMediaEngine  *self,
            Peer           *peer,
            const JnPacket *packet,
            gint64          now)
{
  peer->rx.stale++;
  switch (packet->header.kind)
    {
    case JN_PACKET_AUDIO:
      jn_receive_stats_audio_seq (&peer->rx, packet->header.seq, FALSE, now);
      break;
    case JN_PACKET_MIDI:
      for (guint i = 0; i < packet->midi.n_events; i++)
        jn_receive_stats_midi_event (&peer->rx, &peer->sync, &packet->midi.events[i], now);
      take_midi_journal (self, peer, packet, now);
      break;
    default:
      break;
    }
}

/* From a forward room's server: its own pings and pongs, and the members'
 * datagrams it forwards, each then taken as its sender's own. */
static void
handle_hub_datagram (JnMediaEngine *self,
                     const guint8  *data,
                     gsize          size,
                     gint64         now)
{
  g_autoptr(GError) error = NULL;
  JnPacket packet;
  Peer *mix;

  if (!jn_packet_decode (data, size, &packet, &error))
    {
      count_malformed (self, error);
      return;
    }
  if (packet.header.sender_id != JN_HUB_PEER_ID)
    {
      self->stats.dropped_non_member++;
      return;
    }
  if (packet.header.kind != JN_PACKET_FORWARD && is_stale (self, &self->hub_sync, self->hub_sync.last_rtt_ms / 2, &packet))
    return;   /* its own ping or pong, from before our stall */
  switch (packet.header.kind)
    {
    case JN_PACKET_SYNC_PING:
      send_raw (self, JN_HUB_PEER_ID, self->tx_buf, encode_pong (self, NULL, &packet, now));
      break;
    case JN_PACKET_SYNC_PONG:
      if (!jn_clock_sync_pong (&self->hub_sync, packet.pong.ping_seq, packet.pong.t1_us,
                               packet.pong.t2_us, packet.header.timestamp_us, now))
        {
          self->stats.dropped_malformed++;
          self->stats.malformed[JN_PROTOCOL_ERROR_BAD_MESSAGE]++;
        }
      else if ((mix = find_peer_by_id (self, JN_HUB_PEER_ID)) != NULL)
        {
          /* the mix's clock is the server's, and so is the report of how
           * our stream reaches it */
          mix->sync = self->hub_sync;
          jn_receive_stats_rtt (&mix->rx, mix->sync.last_rtt_ms);
          if (packet.pong.has_report)
            take_report (mix, &packet.pong, now);
        }
      break;
    case JN_PACKET_AUDIO:
      /* a mix room's mix for us */
      if ((mix = find_peer_by_id (self, JN_HUB_PEER_ID)) == NULL)
        {
          self->stats.dropped_malformed++;
          self->stats.malformed[JN_PROTOCOL_ERROR_BAD_KIND]++;
          return;
        }
      mix->heard_us = now;
      handle_audio (self, mix, &packet, now);
      break;
    case JN_PACKET_FORWARD:
      {
        guint32 sender = get_u32 (packet.forward.inner + 8);   /* decode checked its size */

        /* for us, from a member that is not us nor the server */
        if (packet.forward.dest != self->local_id || sender == self->local_id ||
            sender == JN_HUB_PEER_ID || sender == 0)
          {
            self->stats.dropped_non_member++;
            return;
          }
        handle_datagram (self, sender, packet.forward.inner, packet.forward.inner_size, now);
      }
      break;
    default:
      self->stats.dropped_malformed++;
      self->stats.malformed[JN_PROTOCOL_ERROR_BAD_KIND]++;
      break;
    }
}

static void
handle_datagram (JnMediaEngine *self,
                 guint32        peer_id,
                 const guint8  *data,
                 gsize          size,
                 gint64         now)
{
  g_autoptr(GError) error = NULL;
  JnPacket packet;
  Peer *peer;

  peer = peer_id != 0 ? find_peer_by_id (self, peer_id) : NULL;
  if (peer == NULL)
    {
      /* the control plane may report a departure before the peer's last
       * datagrams are in: its bye still counts, nothing else does */
      peer = peer_id != 0 ? find_peer_in (self->departed, peer_id) : NULL;
      if (peer != NULL && jn_packet_decode (data, size, &packet, NULL) &&
          packet.header.kind == JN_PACKET_BYE && packet.header.sender_id == peer->id)
        peer->said_bye = TRUE;
      else
        self->stats.dropped_non_member++;
      return;
    }
  if (!jn_packet_decode (data, size, &packet, &error))
    {
      count_malformed (self, error);
      return;
    }
  if (packet.header.sender_id != peer->id)
    {
      self->stats.dropped_non_member++;
      return;
    }
  if (is_stale (self, &peer->sync, peer->rx.last_one_way_ms, &packet))
    {
      take_stale (self, peer, &packet, now);
      return;
    }
  peer->heard_us = now;

  switch (packet.header.kind)
    {
    case JN_PACKET_AUDIO:
      handle_audio (self, peer, &packet, now);
      break;
    case JN_PACKET_MIDI:
      handle_midi (self, peer, &packet, now);
      break;
    case JN_PACKET_SYNC_PING:
      handle_ping (self, peer, &packet, now);
      break;
    case JN_PACKET_SYNC_PONG:
      handle_pong (self, peer, &packet, now);
      break;
    case JN_PACKET_BYE:
      peer->said_bye = TRUE;
      jn_jitter_buffer_finish (peer->jb);
      break;
    case JN_PACKET_FORWARD:
      /* only a forward room's server forwards, and never twice */
      self->stats.dropped_malformed++;
      self->stats.malformed[JN_PROTOCOL_ERROR_BAD_KIND]++;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Notes whether the media thread was stopped since it last ran (lock held). */
static void
check_stall (JnMediaEngine *self,
             gint64         now)
{
  if (self->alive_us != 0 && now - self->alive_us > STALL_US)
    {
      self->stall_end_us = now;
      self->stats.stalls++;
    }
  self->alive_us = now;
}

/* The transport's receive callback, on the media thread. */
static void
on_datagram (gpointer      user_data,
             guint32       peer_id,
             const guint8 *data,
             gsize         size,
             gint64        arrival_us)
{
  JnMediaEngine *self = user_data;

  g_mutex_lock (&self->lock);
  check_stall (self, arrival_us);
  self->stats.bytes_received += size + (self->seal != NULL ? JN_SEAL_OVERHEAD : 0);
  if (!self->hub)
    handle_datagram (self, peer_id, data, size, arrival_us);
  else if (peer_id == JN_HUB_PEER_ID)
    handle_hub_datagram (self, data, size, arrival_us);
  else
    self->stats.dropped_non_member++;   /* in a forward room only the server speaks */
  g_mutex_unlock (&self->lock);
}

/* --- the packet clock ---------------------------------------------------- */

static gint64
tick_time (JnMediaEngine *self,
           guint64        tick)
{
  return self->start_us +
         (gint64) (tick * self->format.frames * G_USEC_PER_SEC / self->format.rate);
}

static JnConcealer *
lookup_concealer (gpointer user_data,
                  guint32  stream)
{
  Peer *peer = find_peer_by_id (user_data, stream);

  return peer != NULL ? peer->concealer : NULL;
}

/* the pool's view of peer `index` */
static JnConcealer *
peer_stream (gpointer  user_data,
             guint     index,
             guint64  *played_packets)
{
  Peer *peer = g_ptr_array_index ((GPtrArray *) user_data, index);

  *played_packets = peer->rx.played;
  return peer->concealer;
}

/* Once a period, in the media thread: installs the models that came back
 * in time, asks for fresh ones for every stream whose model is due. */
static void
exchange_with_worker (JnMediaEngine *self,
                      guint32        seq)
{
  jn_concealer_pool_exchange (self->pool, lookup_concealer, self, peer_stream, self->peers,
                              self->peers->len, seq);
}

/* Every note a peer's MIDI left sounding on our MIDI out, released; on the
 * thread that delivers MIDI (the media thread, or the caller once it has
 * stopped). */
static void
release_notes (JnMediaEngine *self,
               Peer          *peer)
{
  gint64 now = g_get_monotonic_time ();
  MidiOut out = { self, peer };
  JnMidiEvent event;

  /* what it sent is played first, then what it left sounding released */
  jn_midi_reorder_flush (&peer->reorder, now, midi_out, &out);
  peer->release_notes = FALSE;
  while (jn_midi_state_next_release (&peer->reorder.delivered, &event))
    {
      event.timestamp_us = (guint64) now;
      peer->notes_released++;
      if (self->callbacks.midi != NULL)
        self->callbacks.midi (self->callbacks_data, peer->id, &event, now);
    }
}

/* The copies section of packet seq (docs/protocol.md 3.2) in copies_buf:
 * the packets before it we still have, nearest first; its size, 0 for none. */
static gsize
write_copies (JnMediaEngine *self,
              guint32        seq)
{
  guint samples = (guint) self->format.frames * self->format.channels, k = 0;
  guint8 *p = self->copies_buf + 1;

  for (guint back = 1; back <= JN_COPY_MAX_BACK && k < self->audio_copies && back <= seq; back++)
    {
      guint h = (seq - back) % JN_COPY_MAX_BACK, bits = jn_audio_copy_bits (back);

      /* not one that was never sent (the clock skipped it) */
      if (!self->history_valid[h] || self->history_seq[h] != seq - back)
        continue;
      p[0] = (guint8) back;
      p[1] = (guint8) bits;
      jn_audio_copy_encode (self->history + (gsize) h * samples, samples, bits, p + 2);
      p += 2 + jn_audio_copy_size (samples, bits);
      k++;
    }
  if (k == 0)
    return 0;
  self->copies_buf[0] = (guint8) k;
  return (gsize) (p - self->copies_buf);
}

/* Its clock against our device's: both against this machine's clock;
 * without a device, this machine's clock is ours */
static void
fill_drift (const JnMediaEngine *self,
            const Peer          *peer,
            JnPeerStats         *s)
{
  double theirs, ours = 0;

  s->drift_valid = jn_drift_get_ppm (&peer->drift, &theirs) &&
                   (self->clock == NULL || jn_drift_get_ppm (&self->local_drift, &ours));
  s->drift_ppm = s->drift_valid ? theirs - ours : 0;
}

/* One packet of a peer's stream, for its rate match */
static JnJitterPopResult
pull_packet (gpointer  user_data,
             float    *packet,
             guint32  *seq)
{
  Peer *peer = user_data;
  JnJitterPopResult r = jn_jitter_buffer_pop (peer->jb, packet, seq);

  if (r != JN_JITTER_POP_IDLE)
    jn_receive_stats_playout (&peer->rx, *seq, r == JN_JITTER_POP_CONCEALED,
                              jn_jitter_buffer_get_level (peer->jb),
                              jn_jitter_buffer_get_depth (peer->jb));
  return r;
}

/* Ten times a second: each peer's resampling follows its drift, and its
 * buffer's level toward the target (jn-rate-match.c) */
static void
steer_rates (JnMediaEngine *self)
{
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);
      JnPeerStats s;

      if (peer->rx.audio_packets == 0)
        continue;   /* no stream to steer */
      fill_drift (self, peer, &s);
      /* a wrong estimate (a machine busy for long spells can make one)
       * shows as a level the pull cannot hold: after 5 s of it, the
       * estimate starts over */
      if (jn_rate_match_is_engaged (peer->rate_match) &&
          fabs (peer->mean_level - jn_jitter_buffer_get_depth (peer->jb)) >= 2)
        {
          if (++peer->level_off >= 5 * JN_SYNC_RATE_HZ)
            {
              jn_drift_reset (&peer->drift);
              peer->level_off = 0;
            }
        }
      else
        peer->level_off = 0;
      /* played as it comes, a stream's level after the pop stands between
       * depth - 1 and depth, as the two clocks' phases fall; resampled, a
       * packet is taken up to a period before it is heard, and what the
       * rate match holds (half a packet on the mean) is on top: held with
       * the buffer at depth, the buffer keeps the margin it had */
      jn_rate_match_steer (peer->rate_match, s.drift_valid, s.drift_ppm,
                           peer->mean_level - jn_jitter_buffer_get_depth (peer->jb));
    }
}

static void
run_period (JnMediaEngine *self)
{
  guint frames = self->format.frames, channels = self->format.channels;
  guint32 seq = (guint32) self->tick;

  if (self->pool != NULL)
    exchange_with_worker (self, seq);
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);
      MidiOut out = { self, peer };

      if (peer->heard_us != 0 && jn_midi_reorder_waiting (&peer->reorder))
        jn_midi_reorder_poll (&peer->reorder, g_get_monotonic_time (), midi_out, &out);
    }
  for (guint i = 0; i < self->departed->len; i++)
    if (((Peer *) g_ptr_array_index (self->departed, i))->release_notes)
      release_notes (self, g_ptr_array_index (self->departed, i));

  if (self->callbacks.capture != NULL)
    self->callbacks.capture (self->callbacks_data, self->capture_buf, frames, channels,
                             self->tick * frames);
  else
    memset (self->capture_buf, 0, sizeof (float) * frames * channels);

  if (self->send_audio && self->peers->len > 0)
    {
      JnPacketHeader header = make_header (self, JN_PACKET_AUDIO, seq);
      gsize size = 0;

      if (self->resumed_left > 0)
        {
          header.flags |= JN_PACKET_FLAG_RESUMED;
          self->resumed_left--;
        }

      if (self->encoder == NULL)
        {
          gsize copies = write_copies (self, seq);

          size = jn_packet_encode_audio_copies (self->tx_buf, JN_PACKET_MAX_SIZE, &header,
                                                &self->format, self->capture_buf,
                                                self->copies_buf, copies);
          self->stats.copy_bytes_sent += copies;
          self->stats.audio_bytes_sent += jn_audio_payload_size (&self->format);
        }
      else
        {
          gsize coded_size = jn_codec_encode (self->encoder, self->capture_buf, self->coded_buf,
                                              jn_audio_payload_size (&self->format));

          size = jn_packet_encode_audio_coded (self->tx_buf, JN_PACKET_MAX_SIZE, &header,
                                               &self->format, self->coded_buf, coded_size);
          if (size == 0)
            self->stats.encode_errors++;
        }

      if (size > 0)
        send_to_all (self, self->tx_buf, size);
      if (self->history != NULL)
        {
          guint h = seq % JN_COPY_MAX_BACK;
          gsize n = (gsize) frames * channels;

          memcpy (self->history + h * n, self->capture_buf, sizeof (float) * n);
          self->history_seq[h] = seq;
          self->history_valid[h] = TRUE;
        }
    }

  /* Concealment, above all a gap's start, is the costly part of a period.
   * When several streams lose packets at once (the receiver's own network
   * hiccups), those that begin a gap after plc_budget of the period has
   * gone start it the cheap way rather than make the period late. */
  gint64 playout_start = g_get_monotonic_time ();
  gint64 budget_us = (gint64) (self->plc_budget * frames * G_USEC_PER_SEC / self->format.rate);

  for (guint i = 0; i < self->peers->len + self->departed->len; i++)
    {
      Peer *peer = i < self->peers->len ? g_ptr_array_index (self->peers, i)
                                         : g_ptr_array_index (self->departed, i - self->peers->len);
      guint32 played_seq = 0;
      JnJitterPopResult r;

      if (peer->departed && !jn_jitter_buffer_is_playing (peer->jb) &&
          jn_jitter_buffer_get_level (peer->jb) == 0)
        continue;
      /* nothing to play from a peer never heard (in a mix room, the
       * players are heard in the mix: a choir's are many) */
      if (peer->rx.audio_packets == 0)
        continue;
      if (peer->concealer != NULL)
        jn_concealer_set_time_spent (peer->concealer, g_get_monotonic_time () - playout_start,
                                     budget_us);
      r = jn_rate_match_run (peer->rate_match, pull_packet, peer, self->play_buf, &played_seq);

      if (r == JN_JITTER_POP_IDLE)
        continue;
      peer->mean_level += (jn_jitter_buffer_get_level (peer->jb) +
                           jn_rate_match_get_held (peer->rate_match) - peer->mean_level) /
                          (self->format.rate / (double) frames);
      if (self->callbacks.playout != NULL)
        self->callbacks.playout (self->callbacks_data, peer->id, played_seq, self->play_buf,
                                 frames, channels, r == JN_JITTER_POP_CONCEALED);
    }
  if (self->callbacks.period_end != NULL)
    self->callbacks.period_end (self->callbacks_data, frames, channels);
}

static void
sample_series (JnMediaEngine *self,
               gint64         now)
{
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);

      /* nothing to tell of a peer never heard (a mix room's players, heard
       * in its mix, are many) */
      if (peer->heard_us == 0)
        continue;
      jn_receive_stats_sample (&peer->rx, &peer->sync, now,
                               jn_jitter_buffer_get_level (peer->jb),
                               jn_jitter_buffer_get_depth (peer->jb));
      if (self->mailbox == NULL)
        continue;
      /* what was just sampled goes out with the next snapshot */
      for (guint m = 0; m < JN_N_METRICS; m++)
        {
          JnSeries *series = peer->rx.series[m];
          guint n = series != NULL ? jn_series_get_length (series) : 0;
          JnSeriesSample sample = { peer->id, m, { 0, 0 } };

          if (n == 0)
            continue;
          sample.sample = jn_series_get (series, n - 1);
          if (sample.sample.time_us == now)
            g_array_append_val (self->new_samples, sample);
        }
    }
}

static void fill_peer_stats (const JnMediaEngine *self, const Peer *peer, JnPeerStats *s);


static void
refresh_stats (JnMediaEngine *self)
{
  JnSealCounters c;

  /* what the stats copy from elsewhere: the copies of the moment, the seal's counters */
  self->stats.audio_copies = self->audio_copies;
  self->stats.audio_copies_auto = self->copies_auto;
  self->stats.device_drift_valid = self->clock != NULL &&
                                   jn_drift_get_ppm (&self->local_drift, &self->stats.device_drift_ppm);
  self->stats.device_drift_restarts = self->local_drift.restarts;
  self->stats.device_drift_steps = self->local_drift.steps;
  if (self->seal == NULL)
    return;
  jn_secure_transport_get_counters (self->seal, &c);
  self->stats.dropped_unauthentic = c.unauthentic;
  self->stats.dropped_replayed = c.replayed;
  self->stats.media_held = c.held;
  self->stats.roamed = c.roamed;
}

static JnMediaSnapshot *
take_snapshot_locked (JnMediaEngine *self,
                      gint64         now)
{
  JnMediaSnapshot *snapshot = jn_media_snapshot_new ();
  GArray *swap;

  snapshot->time_us = now;
  /* the members only: those who left are out of the session's model, and
   * their percentiles would cost the media thread for nothing */
  g_array_set_size (snapshot->peers, self->peers->len);
  for (guint i = 0; i < self->peers->len; i++)
    fill_peer_stats (self, g_ptr_array_index (self->peers, i), &g_array_index (snapshot->peers, JnPeerStats, i));
  if (self->pool != NULL)
    jn_concealer_pool_get_stats (self->pool, &self->stats);
  refresh_stats (self);
  snapshot->engine = self->stats;
  swap = snapshot->samples;
  snapshot->samples = self->new_samples;
  self->new_samples = swap;
  return snapshot;
}

/* The answer to our request for real-time scheduling (on the thread that
 * asked RealtimeKit or the portal). */
static void
on_realtime (gpointer      user_data,
             int           priority,
             const char   *via,
             const GError *error)
{
  static gsize told = 0;
  JnMediaEngine *self = user_data;
  g_autofree char *scheduling = jn_realtime_describe (self->stats.media_tid);

  g_mutex_lock (&self->lock);
  self->stats.realtime = priority > 0 ? JN_REALTIME_GRANTED : JN_REALTIME_REFUSED;
  g_strlcpy (self->stats.media_scheduling, scheduling, sizeof self->stats.media_scheduling);
  g_strlcpy (self->stats.realtime_via, via != NULL ? via : "", sizeof self->stats.realtime_via);
  g_strlcpy (self->stats.realtime_refusal, error != NULL ? error->message : "",
             sizeof self->stats.realtime_refusal);
  g_mutex_unlock (&self->lock);
  /* once a process: a demo or a test runs several engines */
  if (error != NULL && g_once_init_enter (&told))
    {
      g_message (_("The media thread runs at normal priority: %s. Audio may crackle while this "
                   "computer is busy."), error->message);
      g_once_init_leave (&told, 1);
    }
}

/* On the media thread's first period: it asks for real-time scheduling for
 * itself, in the background (docs/architecture.md, "Real-time priority"). */
static void
ask_realtime (JnMediaEngine *self)
{
  self->realtime_asked = TRUE;
  self->realtime_demotions = jn_realtime_get_demotions ();
  self->stats.media_tid = jn_realtime_get_tid ();
  if (!jn_realtime_wanted ())
    {
      g_autofree char *scheduling = jn_realtime_describe (self->stats.media_tid);

      g_strlcpy (self->stats.media_scheduling, scheduling, sizeof self->stats.media_scheduling);
      return;
    }
  self->stats.realtime = JN_REALTIME_PENDING;
  jn_realtime_request (self->stats.media_tid, JN_REALTIME_PRIORITY_MEDIA, on_realtime,
                       g_object_ref (self), g_object_unref);
}

/* Real-time given up for a thread that ran too long without sleeping
 * (jn_realtime_get_demotions()): the stats say so. */
static void
check_realtime (JnMediaEngine *self)
{
  guint demotions = jn_realtime_get_demotions ();
  g_autofree char *scheduling = NULL;

  if (demotions == self->realtime_demotions)
    return;
  self->realtime_demotions = demotions;
  if (self->stats.realtime != JN_REALTIME_GRANTED)
    return;
  scheduling = jn_realtime_describe (self->stats.media_tid);
  g_strlcpy (self->stats.media_scheduling, scheduling, sizeof self->stats.media_scheduling);
  self->stats.realtime = JN_REALTIME_GIVEN_UP;
  g_strlcpy (self->stats.realtime_refusal,
             _("A real-time thread ran for 150 ms without a pause, so real-time scheduling was given up"),
             sizeof self->stats.realtime_refusal);
  g_message ("%s", self->stats.realtime_refusal);
}

static gboolean
on_tick (gpointer user_data)
{
  JnMediaEngine *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 period_us = (gint64) self->format.frames * G_USEC_PER_SEC / self->format.rate;
  gint64 next_tick_us;
  JnMediaSnapshot *snapshot = NULL;

  if (!self->realtime_asked)
    ask_realtime (self);

  /* what already arrived goes into the jitter buffers before playout: after
   * a stall the socket may hold packets that are not late at all */
  jn_transport_poll (self->transport);

  g_mutex_lock (&self->lock);
  check_stall (self, now);

  if (self->clock != NULL)
    {
      guint due = self->clock (self->clock_data, now, &next_tick_us);
      guint64 skip = 0;

      if (due > 0)
        {
          self->clock_lost = FALSE;
          self->clock_ran_us = now;
          /* the newest of them was just captured */
          jn_drift_add (&self->local_drift, (self->tick + due) * self->format.frames, now);
          /* after a stall, skip ahead rather than send a burst of stale audio */
          if (due > MAX_CATCH_UP)
            skip = due - 1;
        }
      else if (self->clock_lost)
        {
          /* the device is quiet: a period every period, as our own timer */
          due = (guint) MIN ((now - self->clock_ran_us) / period_us, MAX_CATCH_UP);
          self->clock_ran_us += (gint64) due * period_us;
          next_tick_us = MIN (next_tick_us, self->clock_ran_us + period_us);
        }
      else if (now - self->clock_ran_us >= CLOCK_LOST_US)
        {
          /* it just went quiet: what it did not capture is not sent */
          self->clock_lost = TRUE;
          self->stats.clock_fallbacks++;
          skip = (guint64) ((now - self->clock_ran_us) / period_us);
          skip -= MIN (skip, 1);
          self->clock_ran_us = now;
          next_tick_us = MIN (next_tick_us, now + period_us);
          due = 1 + (guint) skip;
        }
      if (skip > 0)
        {
          self->stats.clock_skips += skip;
          self->tick += skip;
          self->resumed_left = RESUMED_PACKETS;
          due -= (guint) skip;
        }
      for (guint k = 0; k < due; k++)
        {
          run_period (self);
          self->tick++;
        }
    }
  else
    {
      if (now - tick_time (self, self->tick) > MAX_CATCH_UP * period_us)
        {
          guint64 target = (guint64) ((now - self->start_us) * self->format.rate /
                                      ((gint64) self->format.frames * G_USEC_PER_SEC));

          self->stats.clock_skips += target - self->tick;
          self->tick = target;
          self->resumed_left = RESUMED_PACKETS;
        }
      while (tick_time (self, self->tick) <= now)
        {
          run_period (self);
          self->tick++;
        }
      next_tick_us = tick_time (self, self->tick);
    }

  if (now >= self->next_sync_us)
    {
      send_pings (self);
      refresh_journal (self, now);
      adapt_copies (self, now);
      sample_series (self, now);
      steer_rates (self);
      check_realtime (self);
      self->next_sync_us += G_USEC_PER_SEC / JN_SYNC_RATE_HZ;
      if (self->next_sync_us <= now)
        self->next_sync_us = now + G_USEC_PER_SEC / JN_SYNC_RATE_HZ;
    }

  if (self->mailbox != NULL && now >= self->next_snapshot_us)
    {
      snapshot = take_snapshot_locked (self, now);
      self->next_snapshot_us = now + G_USEC_PER_SEC / JN_SNAPSHOT_RATE_HZ;
    }

  jn_timer_source_set_deadline (self->tick_source, MIN (next_tick_us, self->next_sync_us));
  g_mutex_unlock (&self->lock);
  if (snapshot != NULL)
    jn_snapshot_mailbox_post (self->mailbox, snapshot);
  return G_SOURCE_CONTINUE;
}

/* --- object -------------------------------------------------------------- */

static void
jn_media_engine_finalize (GObject *object)
{
  JnMediaEngine *self = JN_MEDIA_ENGINE (object);

  jn_media_engine_stop (self);
  g_clear_pointer (&self->mailbox, jn_snapshot_mailbox_free);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_pointer (&self->departed, g_ptr_array_unref);
  g_clear_pointer (&self->plc_method, g_free);
  g_clear_pointer (&self->pnbtr_backend, g_free);
  g_clear_object (&self->transport);
  g_free (self->capture_buf);
  g_free (self->play_buf);
  g_free (self->history);
  g_free (self->copies_buf);
  g_free (self->tx_buf);
  g_free (self->fwd_buf);
  jn_codec_free (self->encoder);
  g_free (self->coded_buf);
  g_array_unref (self->new_samples);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (jn_media_engine_parent_class)->finalize (object);
}

static void
jn_media_engine_class_init (JnMediaEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_media_engine_finalize;
}

static void
jn_media_engine_init (JnMediaEngine *self)
{
  g_mutex_init (&self->lock);
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  self->departed = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  self->format = (JnAudioFormat) { 48000, 128, 1, JN_SAMPLE_S16 };
  self->jitter_depth = 3;
  self->jitter_adaptive = TRUE;
  self->jitter_safety = 0.5;
  self->plc_method = g_strdup ("pnbtr");
  self->plc_budget = JN_PLC_BUDGET_DEFAULT;
  /* JAMNET_PNBTR_BACKEND=off: no worker unless asked for by name */
  self->pnbtr_backend = g_strcmp0 (g_getenv ("JAMNET_PNBTR_BACKEND"), "off") == 0 ? NULL
                                                                              : g_strdup ("auto");
  self->redundancy = 1;
  self->send_audio = TRUE;
  self->tx_buf = g_malloc (JN_PACKET_MAX_SIZE);
  self->fwd_buf = g_malloc (JN_PACKET_MAX_SIZE);
  jn_clock_sync_init (&self->hub_sync);
  jn_midi_journal_writer_init (&self->journal);
  self->write_journal = TRUE;
  self->new_samples = g_array_new (FALSE, FALSE, sizeof (JnSeriesSample));
}

JnMediaEngine *
jn_media_engine_new_for_transport (JnTransport *transport)
{
  JnMediaEngine *self;
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (JN_IS_TRANSPORT (transport), NULL);

  self = g_object_new (JN_TYPE_MEDIA_ENGINE, NULL);
  self->transport = g_object_ref (transport);
  local = jn_transport_get_local_address (transport);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  self->stats.udp_port = self->port;
  if (JN_IS_SECURE_TRANSPORT (transport))
    self->seal = JN_SECURE_TRANSPORT (transport);
  self->stats.sealed = self->seal != NULL;
  return self;
}

JnMediaEngine *
jn_media_engine_new (const char  *bind_address,
                     guint16      port,
                     GError     **error)
{
  g_autoptr(JnUdpTransport) udp = jn_udp_transport_new (bind_address, port, error);

  if (udp == NULL)
    return NULL;
  return jn_media_engine_new_for_transport (JN_TRANSPORT (udp));
}

JnMediaEngine *
jn_media_engine_new_sealed (const char  *bind_address,
                            guint16      port,
                            GError     **error)
{
  g_autoptr(JnUdpTransport) udp = jn_udp_transport_new (bind_address, port, error);
  g_autoptr(JnSecureTransport) seal = NULL;

  if (udp == NULL)
    return NULL;
  seal = jn_secure_transport_new (JN_TRANSPORT (udp));
  return jn_media_engine_new_for_transport (JN_TRANSPORT (seal));
}

gboolean
jn_media_engine_is_sealed (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  return self->seal != NULL;
}

JnTransport *
jn_media_engine_get_transport (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), NULL);
  return self->transport;
}

gint64
jn_media_engine_get_start_time (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), 0);
  return self->start_us;
}

guint16
jn_media_engine_get_port (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), 0);
  return self->port;
}

void
jn_media_engine_set_format (JnMediaEngine       *self,
                            const JnAudioFormat *format)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (jn_audio_format_validate (format, NULL));
  g_return_if_fail (self->thread == NULL);

  self->format = *format;
}

const JnAudioFormat *
jn_media_engine_get_format (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), NULL);
  return &self->format;
}

void
jn_media_engine_set_jitter_depth (JnMediaEngine *self,
                                  guint          packets)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (packets >= 1 && packets < JN_JITTER_BUFFER_SLOTS);
  g_return_if_fail (self->peers->len == 0);

  self->jitter_depth = packets;
  self->jitter_adaptive = FALSE;
}

void
jn_media_engine_set_jitter_adaptive (JnMediaEngine *self,
                                     double         safety)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (safety >= 0.0 && safety <= 1.0);
  g_return_if_fail (self->peers->len == 0);

  self->jitter_adaptive = TRUE;
  self->jitter_safety = safety;
}

void
jn_media_engine_change_latency_safety (JnMediaEngine *self,
                                       double         safety)
{
  guint period_us;

  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (safety >= 0.0 && safety <= 1.0);

  period_us = (guint) ((guint64) self->format.frames * G_USEC_PER_SEC / self->format.rate);
  /* the media thread plays its periods under this lock */
  g_mutex_lock (&self->lock);
  self->jitter_adaptive = TRUE;
  self->jitter_safety = safety;
  for (guint i = 0; i < self->peers->len + self->departed->len; i++)
    {
      Peer *peer = i < self->peers->len ? g_ptr_array_index (self->peers, i)
                                         : g_ptr_array_index (self->departed, i - self->peers->len);

      jn_jitter_buffer_set_adaptive (peer->jb, TRUE, safety, period_us);
    }
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_set_plc_budget (JnMediaEngine *self,
                                double         share)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (share >= 0.0 && share <= 1.0);

  g_mutex_lock (&self->lock);
  self->plc_budget = share;
  g_mutex_unlock (&self->lock);
}

gboolean
jn_media_engine_set_concealment (JnMediaEngine  *self,
                                 const char     *method,
                                 GError        **error)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (self->peers->len == 0, FALSE);

  if (!jn_concealer_check_method (method, error))
    return FALSE;
  g_clear_pointer (&self->plc_method, g_free);
  if (method != NULL && !g_str_equal (method, "zero"))
    self->plc_method = g_strdup (method);
  return TRUE;
}

gboolean
jn_media_engine_set_pnbtr_backend (JnMediaEngine  *self,
                                   const char     *backend,
                                   GError        **error)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (!jn_concealer_check_backend (backend, error))
    return FALSE;
  g_clear_pointer (&self->pnbtr_backend, g_free);
  if (backend != NULL && !g_str_equal (backend, "off"))
    self->pnbtr_backend = g_strdup (backend);
  return TRUE;
}

void
jn_media_engine_set_audio_copies (JnMediaEngine *self,
                                  guint          copies)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (copies <= JN_COPY_MAX);

  g_mutex_lock (&self->lock);
  self->audio_copies = copies;
  self->copies_auto = FALSE;
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_set_audio_copies_auto (JnMediaEngine *self,
                                       guint          max_upload_kbps)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  self->copies_auto = TRUE;
  self->max_upload_kbps = max_upload_kbps;
  self->audio_copies = 0;
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_set_midi_journal (JnMediaEngine *self,
                                  gboolean       journal)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  self->write_journal = journal;
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_set_midi_redundancy (JnMediaEngine *self,
                                     guint          copies)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (copies >= 1 && copies <= JN_MIDI_REDUNDANCY_MAX);

  g_mutex_lock (&self->lock);
  self->redundancy = copies;
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_set_send_audio (JnMediaEngine *self,
                                gboolean       send_audio)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  self->send_audio = !!send_audio;
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_set_callbacks (JnMediaEngine          *self,
                               const JnMediaCallbacks *callbacks,
                               gpointer                user_data)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (self->thread == NULL);

  self->callbacks = *callbacks;
  self->callbacks_data = user_data;
}

void
jn_media_engine_set_packet_clock (JnMediaEngine     *self,
                                  JnPacketClockFunc  func,
                                  gpointer           user_data)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (self->thread == NULL);

  self->clock = func;
  self->clock_data = user_data;
}

void
jn_media_engine_set_snapshot_func (JnMediaEngine       *self,
                                   GMainContext        *context,
                                   JnMediaSnapshotFunc  func,
                                   gpointer             user_data)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));
  g_return_if_fail (self->thread == NULL);

  g_clear_pointer (&self->mailbox, jn_snapshot_mailbox_free);
  if (func != NULL)
    self->mailbox = jn_snapshot_mailbox_new (context, func, user_data);
}

void
jn_media_engine_set_local_id (JnMediaEngine *self,
                              guint32        id)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  self->local_id = id;
  self->stats.local_id = id;
  g_mutex_unlock (&self->lock);
}

guint32
jn_media_engine_get_local_id (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), 0);
  return self->local_id;
}

gboolean
jn_media_engine_start (JnMediaEngine  *self,
                       GError        **error)
{
  gsize n;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);

  if (self->thread != NULL)
    return TRUE;

  g_clear_pointer (&self->encoder, jn_codec_free);
  if (self->format.format == JN_SAMPLE_OPUS)
    {
      self->encoder = jn_codec_new_encoder (&self->format, error);
      if (self->encoder == NULL)
        return FALSE;
      g_free (self->coded_buf);
      self->coded_buf = g_malloc (jn_audio_payload_size (&self->format));
    }
  n = (gsize) self->format.frames * self->format.channels;
  g_free (self->capture_buf);
  g_free (self->play_buf);
  self->capture_buf = g_new0 (float, n);
  self->play_buf = g_new0 (float, n);
  g_free (self->history);
  g_free (self->copies_buf);
  self->history = g_new0 (float, n * JN_COPY_MAX_BACK);
  self->copies_buf = g_malloc (1 + JN_COPY_MAX * (2 + jn_audio_copy_size ((guint) n, JN_COPY_MAX_BITS)));
  memset (self->history_valid, 0, sizeof self->history_valid);
  self->start_us = g_get_monotonic_time ();
  self->clock_ran_us = self->start_us;
  self->clock_lost = FALSE;
  jn_drift_init (&self->local_drift, self->format.rate);
  self->next_sync_us = self->start_us;
  self->tick = 0;

  self->pool = jn_concealer_pool_new (self->plc_method, &self->format, self->pnbtr_backend);

  self->thread = jn_thread_loop_new ("jn-media");
  jn_transport_start (self->transport, jn_thread_loop_get_context (self->thread),
                      on_datagram, self);

  self->tick_source = jn_timer_source_new ();
  g_source_set_callback (self->tick_source, on_tick, self, NULL);
  g_source_set_priority (self->tick_source, G_PRIORITY_HIGH);
  jn_timer_source_set_deadline (self->tick_source, self->start_us);
  g_source_attach (self->tick_source, jn_thread_loop_get_context (self->thread));

  return TRUE;
}

void
jn_media_engine_stop (JnMediaEngine *self)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  if (self->thread == NULL)
    return;

  g_source_destroy (self->tick_source);
  g_mutex_lock (&self->lock);
  send_bye_locked (self);
  g_mutex_unlock (&self->lock);
  jn_transport_close (self->transport);
  g_clear_pointer (&self->thread, jn_thread_loop_free);
  g_clear_pointer (&self->tick_source, g_source_unref);

  g_mutex_lock (&self->lock);
  /* we leave: nothing the others played stays sounding here */
  for (guint i = 0; i < self->peers->len + self->departed->len; i++)
    release_notes (self, i < self->peers->len ? g_ptr_array_index (self->peers, i)
                                             : g_ptr_array_index (self->departed, i - self->peers->len));
  /* the worker's figures stay in the stats */
  if (self->pool != NULL)
    jn_concealer_pool_get_stats (self->pool, &self->stats);
  g_clear_pointer (&self->pool, jn_concealer_pool_free);
  g_mutex_unlock (&self->lock);
  /* nothing posts any more */
  g_clear_pointer (&self->mailbox, jn_snapshot_mailbox_free);
}

/* A peer's receiving parts, for the session's format */
static Peer *
peer_new (JnMediaEngine *self,
          guint32        id,
          const char    *name,
          GError       **error)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->id = id;
  g_strlcpy (peer->name, name ? name : "", sizeof peer->name);
  jn_clock_sync_init (&peer->sync);
  /* a mix room's players are heard in its mix: nothing of theirs to draw */
  if (self->mix)
    jn_receive_stats_init_light (&peer->rx);
  else
    jn_receive_stats_init (&peer->rx);
  jn_drift_init (&peer->drift, self->format.rate);
  peer->jb = jn_jitter_buffer_new (self->jitter_depth, self->format.frames, self->format.channels);
  jn_jitter_buffer_set_adaptive (peer->jb, self->jitter_adaptive, self->jitter_safety,
                                 (guint) ((guint64) self->format.frames * G_USEC_PER_SEC /
                                          self->format.rate));
  peer->scratch = g_new0 (float, (gsize) self->format.frames * self->format.channels);
  peer->rate_match = jn_rate_match_new (self->format.frames, self->format.channels, self->format.rate);
  /* a mix room's players send us no audio of their own: nothing to
   * conceal or decode (a choir's would cost megabytes each) */
  if (self->mix)
    return peer;
  peer->concealer = jn_concealer_new (id, self->plc_method, &self->format,
                                      self->pnbtr_backend != NULL);
  if (peer->concealer != NULL)
    jn_concealer_attach (peer->concealer, peer->jb);
  if (self->format.format == JN_SAMPLE_OPUS)
    {
      peer->decoder = jn_codec_new_decoder (&self->format, error);
      if (peer->decoder == NULL)
        {
          peer_free (peer);
          return NULL;
        }
      jn_jitter_buffer_set_decoder (peer->jb, decode_packet, peer,
                                    jn_audio_payload_size (&self->format));
    }

  return peer;
}

gboolean
jn_media_engine_add_peer (JnMediaEngine  *self,
                          guint32         id,
                          const char     *name,
                          const char     *address,
                          guint16         udp_port,
                          const JnLinkKey *key,
                          GError        **error)
{
  Peer *peer;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (id != 0, FALSE);
  g_return_val_if_fail (!self->hub || id != JN_HUB_PEER_ID, FALSE);

  if (self->seal != NULL && key == NULL && !self->hub)
    {
      g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_INSECURE,
                   _("No media key for peer %u: its audio would not be private"), id);
      return FALSE;
    }

  peer = peer_new (self, id, name, error);
  if (peer == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  if (find_peer_by_id (self, id) != NULL)
    {
      g_mutex_unlock (&self->lock);
      peer_free (peer);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Peer %u is already in the session"), id);
      return FALSE;
    }
  /* under the lock, so that a peer already there keeps its route; in a
   * forward room a member is reached through the server, not by a route */
  if (!self->hub && !jn_transport_set_peer (self->transport, id, address, udp_port, error))
    {
      g_mutex_unlock (&self->lock);
      peer_free (peer);
      return FALSE;
    }
  if (self->seal != NULL && !self->hub)
    jn_secure_transport_set_key (self->seal, id, key);
  g_ptr_array_add (self->peers, peer);
  /* ping everyone at the next tick: a new peer's consent comes sooner */
  self->next_sync_us = 0;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
jn_media_engine_set_hub (JnMediaEngine   *self,
                         const char      *address,
                         guint16          udp_port,
                         const JnLinkKey *key,
                         GError         **error)
{
  gboolean ok;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (address != NULL && udp_port != 0, FALSE);
  g_return_val_if_fail (self->seal == NULL || key != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->peers->len > 0)
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           "a forward room's server is set before its members");
      return FALSE;
    }
  ok = jn_transport_set_peer (self->transport, JN_HUB_PEER_ID, address, udp_port, error);
  if (ok && self->seal != NULL)
    jn_secure_transport_set_key (self->seal, JN_HUB_PEER_ID, key);
  self->hub = ok;
  self->next_sync_us = 0;
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
jn_media_engine_set_mix (JnMediaEngine  *self,
                         const char     *name,
                         GError        **error)
{
  Peer *peer;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (self->hub, FALSE);

  if (self->mix)
    return TRUE;
  peer = peer_new (self, JN_HUB_PEER_ID, name, error);
  if (peer == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->peers, peer);
  self->mix = TRUE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
jn_media_engine_has_mix (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  return self->mix;
}

gboolean
jn_media_engine_has_hub (JnMediaEngine *self)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  return self->hub;
}

gboolean
jn_media_engine_set_peer_address (JnMediaEngine  *self,
                                  guint32         id,
                                  const char     *address,
                                  guint16         udp_port,
                                  GError        **error)
{
  gboolean member;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);

  g_mutex_lock (&self->lock);
  member = find_peer_by_id (self, id) != NULL;
  g_mutex_unlock (&self->lock);

  if (!member)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No peer %u in the session"), id);
      return FALSE;
    }
  return jn_transport_set_peer (self->transport, id, address, udp_port, error);
}

void
jn_media_engine_remove_peer (JnMediaEngine *self,
                             guint32        id)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);

      if (peer->id != id)
        continue;
      /* keep its figures for the final stats and play out what is queued;
       * a clear transport still names it, so that its bye counts; a sealed
       * one drops its key now: nothing it seals is taken any more */
      if (self->seal != NULL)
        jn_transport_forget_peer (self->transport, id);
      g_ptr_array_steal_index (self->peers, i);
      peer->departed = TRUE;
      peer->release_notes = TRUE;
      jn_jitter_buffer_finish (peer->jb);
      g_ptr_array_add (self->departed, peer);
      if (self->departed->len > MAX_DEPARTED)
        {
          Peer *oldest = g_ptr_array_index (self->departed, 0);

          jn_transport_forget_peer (self->transport, oldest->id);
          g_ptr_array_remove_index (self->departed, 0);
        }
      break;
    }
  g_mutex_unlock (&self->lock);
}

void
jn_media_engine_finish_peer (JnMediaEngine *self,
                             guint32        id)
{
  Peer *peer;

  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  if ((peer = find_peer_by_id (self, id)) != NULL)
    jn_jitter_buffer_finish (peer->jb);
  g_mutex_unlock (&self->lock);
}

gboolean
jn_media_engine_send_midi (JnMediaEngine  *self,
                           const guint8   *bytes,
                           gsize           size,
                           GError        **error)
{
  JnMidiEvent event;

  if (!jn_media_engine_next_midi (self, bytes, size, &event, error))
    return FALSE;
  jn_media_engine_send_midi_event (self, &event);
  return TRUE;
}

void
jn_media_engine_send_midi_event (JnMediaEngine     *self,
                                 const JnMidiEvent *event)
{
  gint64 now = g_get_monotonic_time ();
  gsize journal_size;

  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  jn_midi_journal_writer_track (&self->journal, event, now);
  journal_size = write_journal (self, now);
  for (guint copy = 0; copy < self->redundancy; copy++)
    send_midi_packet (self, event, copy > 0 ? JN_PACKET_FLAG_REDUNDANT : 0, journal_size);
  g_mutex_unlock (&self->lock);
}

typedef struct
{
  JnMediaEngine *engine;
  guint32        peer_id;
  JnMidiEvent    event;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_object_unref (delivery->engine);
  g_free (delivery);
}

/* On the media thread, where the MIDI callback always runs. */
static gboolean
deliver_midi (gpointer user_data)
{
  Delivery *d = user_data;
  JnMediaEngine *self = d->engine;
  gint64 now = g_get_monotonic_time ();
  Peer *peer;

  g_mutex_lock (&self->lock);
  peer = find_peer_by_id (self, d->peer_id);
  /* the same event may come by UDP too: counted and played once */
  if (peer != NULL && jn_receive_stats_midi_event (&peer->rx, &peer->sync, &d->event, now))
    {
      MidiOut out = { self, peer };

      peer->midi_over_control++;
      jn_midi_reorder_push (&peer->reorder, &d->event, now, midi_out, &out);
    }
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

void
jn_media_engine_deliver_midi (JnMediaEngine     *self,
                              guint32            peer_id,
                              const JnMidiEvent *event)
{
  Delivery *delivery;

  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  if (self->thread == NULL)
    return;   /* not running: nothing plays it */
  delivery = g_new0 (Delivery, 1);
  delivery->engine = g_object_ref (self);
  delivery->peer_id = peer_id;
  delivery->event = *event;
  g_main_context_invoke_full (jn_thread_loop_get_context (self->thread), G_PRIORITY_DEFAULT,
                              deliver_midi, delivery, (GDestroyNotify) delivery_free);
}

gboolean
jn_media_engine_next_midi (JnMediaEngine *self,
                           const guint8  *bytes,
                           gsize          size,
                           JnMidiEvent   *event,
                           GError       **error)
{
  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);

  if (!jn_midi_event_validate (bytes, size, error))
    return FALSE;
  memset (event, 0, sizeof *event);
  memcpy (event->data, bytes, size);
  event->size = (guint16) size;
  g_mutex_lock (&self->lock);
  event->seq = self->midi_event_seq++;
  g_mutex_unlock (&self->lock);
  event->timestamp_us = (guint64) g_get_monotonic_time ();
  return TRUE;
}

void
jn_media_engine_get_stats (JnMediaEngine *self,
                           JnEngineStats *stats)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  if (self->pool != NULL)
    jn_concealer_pool_get_stats (self->pool, &self->stats);
  refresh_stats (self);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

static void
fill_peer_stats (const JnMediaEngine *self,
                 const Peer          *peer,
                 JnPeerStats         *s)
{
  JnJitterDepthStats depth;

  memset (s, 0, sizeof *s);
  s->id = peer->id;
  g_strlcpy (s->name, peer->name, sizeof s->name);
  s->said_bye = peer->said_bye;
  s->departed = peer->departed;
  jn_receive_stats_fill (&peer->rx, &peer->sync, jn_jitter_buffer_get_level (peer->jb), s);
  s->midi_over_control = peer->midi_over_control;
  s->decode_errors = peer->decode_errors;
  s->notes_released = peer->notes_released;
  s->midi_reordered = peer->reorder.reordered;
  s->midi_late_note_ons = peer->reorder.late_note_ons;
  s->midi_restored_offs = peer->reorder.repairs.note_offs;
  s->midi_late_starts = peer->reorder.repairs.late_starts;
  s->midi_skipped_starts = peer->reorder.repairs.skipped_starts;
  s->midi_restored_controls = peer->reorder.repairs.controls;
  s->midi_covered = peer->reorder.covered;
  if (peer->heard_us != 0)
    {
      s->silent_s = (g_get_monotonic_time () - peer->heard_us) / (double) G_USEC_PER_SEC;
      s->not_heard = s->silent_s >= JN_PEER_SILENT_S;
    }
  fill_drift (self, peer, s);
  s->drift_restarts = peer->drift.restarts;
  s->drift_steps = peer->drift.steps;
  s->resampled = jn_rate_match_is_engaged (peer->rate_match);
  s->resample_ppm = jn_rate_match_get_ppm (peer->rate_match);
  s->resample_delay_ms = jn_rate_match_get_delay (peer->rate_match) * 1000.0 / self->format.rate;
  s->resample_slip = jn_rate_match_get_slip (peer->rate_match);
  jn_jitter_buffer_get_depth_stats (peer->jb, &depth);
  s->jitter_depth = depth.depth;
  s->depth_grows = depth.grows;
  s->depth_shrinks = depth.shrinks;
  s->stretched = depth.stretched;
  s->compressed = depth.compressed;
  s->buffer_restarts = depth.restarts;
  s->restored = depth.restored;
  s->copies_disagree = peer->copies_disagree;
  /* (a LAN session's host is peer 1 too) */
  s->room_mix = self->mix && peer->id == JN_HUB_PEER_ID;
  if (s->room_mix && peer->have_report)
    s->server_depth = MAX (peer->report_depth, 1);
  jn_concealer_fill (peer->concealer, s);
}

GArray *
jn_media_engine_get_peer_stats (JnMediaEngine *self)
{
  GArray *array;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), NULL);

  g_mutex_lock (&self->lock);
  array = g_array_sized_new (FALSE, TRUE, sizeof (JnPeerStats),
                             self->peers->len + self->departed->len);
  g_array_set_size (array, self->peers->len + self->departed->len);
  for (guint i = 0; i < self->peers->len; i++)
    fill_peer_stats (self, g_ptr_array_index (self->peers, i),
                     &g_array_index (array, JnPeerStats, i));
  for (guint i = 0; i < self->departed->len; i++)
    fill_peer_stats (self, g_ptr_array_index (self->departed, i),
                     &g_array_index (array, JnPeerStats, self->peers->len + i));
  g_mutex_unlock (&self->lock);
  return array;
}

gboolean
jn_media_engine_get_peer (JnMediaEngine *self,
                          guint32        id,
                          JnPeerStats   *stats)
{
  Peer *peer;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);

  g_mutex_lock (&self->lock);
  if ((peer = find_peer_by_id (self, id)) != NULL)
    fill_peer_stats (self, peer, stats);
  g_mutex_unlock (&self->lock);
  return peer != NULL;
}

GArray *
jn_media_engine_copy_series (JnMediaEngine *self,
                             guint32        peer_id,
                             JnMetric       metric)
{
  GArray *array = NULL;
  Peer *peer;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), NULL);
  g_return_val_if_fail ((guint) metric < JN_N_METRICS, NULL);

  g_mutex_lock (&self->lock);
  /* a peer that left keeps its history for the session report */
  peer = find_peer_by_id (self, peer_id);
  if (peer == NULL)
    peer = find_peer_in (self->departed, peer_id);
  if (peer != NULL)
    array = jn_receive_stats_copy_series (&peer->rx, metric);
  g_mutex_unlock (&self->lock);
  return array;
}
