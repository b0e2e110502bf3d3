/* jn-media-engine.c: UDP media plane on its own thread
 *
 * One thread with its own GMainContext owns the socket.  A timerfd ticks
 * once per packet period: capture -> encode -> send to every peer, and every
 * peer's jitter buffer -> playout.  Datagrams are read as they come,
 * checked against the member table, decoded with bounds checks and counted.
 * Ten times a second each peer gets an NTP-style clock-sync ping.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-media-engine"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "jn-jitter-buffer.h"
#include "jn-media-engine.h"
#include "pnbtr.h"
#include "pnbtr-backend.h"
#include "jn-pnbtr-worker.h"
#include "jn-seq.h"
#include "jn-thread-loop.h"

#define SENT_PINGS      16
#define SYNC_FILTER     8
/* A thread stalled for longer than this many periods skips ahead instead of
 * sending a burst of stale audio. */
#define MAX_CATCH_UP    50
#define RX_BATCH        256
#define MAX_DEPARTED    64
/* streams with a model on the way at once: one job per stream at most, and
 * a session has at most 32 players (JN_SESSION_MAX_PEERS); each result slot
 * holds a prepared interpolation (263 KB a channel at 128 frames) */
#define PNBTR_WORKER_JOBS 32

typedef struct
{
  guint32 seq;
  guint64 t1_us;
} SentPing;

typedef struct
{
  guint32                 id;
  char                    name[4 * 64 + 1];
  struct sockaddr_storage addr;
  socklen_t               addr_len;

  /* audio receive */
  JnSeqWindow             audio_seq;
  JnJitterBuffer         *jb;
  PnbtrState             *plc;            /* NULL: silence for lost packets */
  float                  *scratch;
  gboolean                have_transit;
  gint64                  last_transit;
  double                  jitter_us;
  double                  last_one_way_ms;
  guint64                 audio_packets;
  guint64                 late;
  guint64                 out_of_order;
  guint64                 duplicates;
  guint64                 played;
  guint64                 concealed;
  gboolean                playout_started;
  guint32                 playout_first_seq;
  gboolean                said_bye;
  gboolean                departed;

  /* PNBTR worker */
  gboolean                job_in_flight;
  gboolean                in_gap;
  gboolean                has_model;           /* a worker model is installed */
  guint32                 model_seq;           /* the period its snapshot was taken */
  guint64                 gaps_worker_model;
  guint64                 gaps_local_fit;
  guint64                 gaps_repeated;
  guint64                 gaps_light;
  guint64                 gaps_onset;
  gboolean                plc_light;           /* a gap beginning now starts the cheap way */

  /* MIDI receive */
  JnSeqWindow             midi_seq;
  guint64                 midi_events;
  guint64                 midi_duplicates;
  double                  last_midi_one_way_ms;

  /* clock sync */
  guint32                 ping_seq;
  SentPing                sent[SENT_PINGS];
  double                  recent_rtt[SYNC_FILTER];
  double                  recent_offset[SYNC_FILTER];
  guint                   n_recent;
  guint                   recent_pos;
  gboolean                synced;
  double                  offset_us;
  double                  last_rtt_ms;

  JnHistogram             rtt_hist;
  JnHistogram             one_way_hist;
  JnHistogram             jitter_hist;
  JnHistogram             midi_one_way_hist;
  JnHistogram             level_hist;
  JnSeries               *series[JN_N_METRICS];
  guint64                 lost_sampled;       /* counts at the previous sample */
  guint64                 concealed_sampled;
} Peer;

struct _JnMediaEngine
{
  GObject           parent_instance;

  GMutex            lock;
  GSocket          *socket;
  int               fd;
  guint16           port;

  JnAudioFormat     format;
  guint             jitter_depth;
  gboolean          jitter_adaptive;
  double            jitter_safety;
  char             *plc_method;  /* NULL: lost packets are silent */
  char             *pnbtr_backend; /* NULL: no worker */
  JnPnbtrWorker    *worker;
  double            pnbtr_job_us;    /* the worker's cost per model, averaged */
  guint             pnbtr_refit;     /* periods between a stream's refits */
  double            plc_budget;      /* share of a period concealment may take in full */
  guint             redundancy;
  gboolean          send_audio;
  JnMediaCallbacks  callbacks;
  gpointer          callbacks_data;
  guint32           local_id;

  GPtrArray        *peers;      /* Peer*, members */
  GPtrArray        *departed;   /* Peer*, left: stats kept, tail played out */

  JnThreadLoop     *thread;
  GSource          *rx_source;
  GSource          *tick_source;
  gint64            start_us;
  guint64           tick;
  gint64            next_sync_us;
  guint32           midi_packet_seq;
  guint32           midi_event_seq;

  float            *capture_buf;
  float            *play_buf;
  guint8           *tx_buf;
  guint8           *rx_buf;

  JnEngineStats     stats;
};

G_DEFINE_FINAL_TYPE (JnMediaEngine, jn_media_engine, G_TYPE_OBJECT)

static const char *metric_names[JN_N_METRICS] = {
  [JN_METRIC_RTT_MS] = "rtt_ms",
  [JN_METRIC_ONE_WAY_MS] = "one_way_ms",
  [JN_METRIC_JITTER_MS] = "jitter_ms",
  [JN_METRIC_BUFFER_LEVEL] = "buffer_level",
  [JN_METRIC_BUFFER_DEPTH] = "buffer_depth",
  [JN_METRIC_LOSS_PERCENT] = "loss_percent",
  [JN_METRIC_LOST_PACKETS] = "lost_packets",
  [JN_METRIC_CONCEALED_PACKETS] = "concealed_packets",
};

const char *
jn_metric_to_string (JnMetric metric)
{
  g_return_val_if_fail ((guint) metric < JN_N_METRICS, NULL);
  return metric_names[metric];
}

/* --- peers --------------------------------------------------------------- */

static void
peer_free (Peer *peer)
{
  jn_jitter_buffer_free (peer->jb);
  pnbtr_free (peer->plc);
  g_free (peer->scratch);
  for (guint i = 0; i < JN_N_METRICS; i++)
    jn_series_free (peer->series[i]);
  g_free (peer);
}

static gboolean
sockaddr_equal (const struct sockaddr_storage *a,
                const struct sockaddr_storage *b)
{
  if (a->ss_family != b->ss_family)
    return FALSE;
  if (a->ss_family == AF_INET)
    {
      const struct sockaddr_in *x = (const void *) a, *y = (const void *) b;

      return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
  if (a->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *x = (const void *) a, *y = (const void *) b;

      return x->sin6_port == y->sin6_port &&
             memcmp (&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
  return FALSE;
}

static Peer *
find_peer_by_id (JnMediaEngine *self,
                 guint32        id)
{
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);

      if (peer->id == id)
        return peer;
    }
  return NULL;
}

static Peer *
find_peer_by_addr (GPtrArray                     *peers,
                   const struct sockaddr_storage *addr)
{
  for (guint i = 0; i < peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (peers, i);

      if (sockaddr_equal (&peer->addr, addr))
        return peer;
    }
  return NULL;
}

static gboolean
resolve_address (JnMediaEngine            *self,
                 const char               *address,
                 guint16                   port,
                 struct sockaddr_storage  *out,
                 socklen_t                *out_len,
                 GError                  **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) sockaddr = NULL;

  if (inet == NULL || port == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” port %u is not a usable peer address"), address, port);
      return FALSE;
    }
  if (g_inet_address_get_family (inet) != g_socket_get_family (self->socket))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Peer address %s is of another IP version than the local socket"),
                   address);
      return FALSE;
    }
  sockaddr = g_inet_socket_address_new (inet, port);
  memset (out, 0, sizeof *out);
  if (!g_socket_address_to_native (sockaddr, out, sizeof *out, error))
    return FALSE;
  *out_len = (socklen_t) g_socket_address_get_native_size (sockaddr);
  return TRUE;
}

/* --- sending ------------------------------------------------------------- */

static void
send_to (JnMediaEngine *self,
         Peer          *peer,
         const guint8  *data,
         gsize          size)
{
  if (sendto (self->fd, data, size, MSG_DONTWAIT,
              (const struct sockaddr *) &peer->addr, peer->addr_len) < 0)
    self->stats.send_errors++;
  else
    self->stats.packets_sent++;
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

static void
send_pings (JnMediaEngine *self)
{
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);
      JnPacketHeader header = make_header (self, JN_PACKET_SYNC_PING, peer->ping_seq);
      gsize size = jn_packet_encode_ping (self->tx_buf, JN_PACKET_MAX_SIZE, &header);

      peer->sent[peer->ping_seq % SENT_PINGS] = (SentPing) { peer->ping_seq, header.timestamp_us };
      peer->ping_seq++;
      send_to (self, peer, self->tx_buf, size);
    }
}

static void
send_bye_locked (JnMediaEngine *self)
{
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);
      JnPacketHeader header = make_header (self, JN_PACKET_BYE, 0);
      gsize size = jn_packet_encode_bye (self->tx_buf, JN_PACKET_MAX_SIZE, &header);

      send_to (self, peer, self->tx_buf, size);
    }
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
  gint64 transit;

  if (f->rate != self->format.rate || f->frames != self->format.frames ||
      f->channels != self->format.channels)
    {
      self->stats.dropped_malformed++;
      self->stats.malformed[JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT]++;
      return;
    }

  switch (jn_seq_window_check (&peer->audio_seq, packet->header.seq))
    {
    case JN_SEQ_DUPLICATE:
      peer->duplicates++;
      return;
    case JN_SEQ_TOO_OLD:
      peer->late++;
      return;
    case JN_SEQ_NEW_REORDERED:
      peer->out_of_order++;
      break;
    case JN_SEQ_NEW:
      break;
    }
  peer->audio_packets++;

  /* RFC 3550 interarrival jitter, on the sender's send timestamps */
  transit = now - (gint64) packet->header.timestamp_us;
  if (peer->have_transit)
    {
      double d = fabs ((double) (transit - peer->last_transit));

      peer->jitter_us += (d - peer->jitter_us) / 16.0;
      jn_histogram_add (&peer->jitter_hist, peer->jitter_us / 1000.0);
    }
  peer->have_transit = TRUE;
  peer->last_transit = transit;

  if (peer->synced)
    {
      /* offset = peer clock - local clock */
      peer->last_one_way_ms = (transit + peer->offset_us) / 1000.0;
      jn_histogram_add (&peer->one_way_hist, MAX (peer->last_one_way_ms, 0.0));
    }

  jn_packet_audio_to_float (packet, peer->scratch);
  switch (jn_jitter_buffer_push (peer->jb, packet->header.seq, peer->scratch))
    {
    case JN_JITTER_PUSH_QUEUED:
      break;
    case JN_JITTER_PUSH_DUPLICATE:
      peer->duplicates++;
      break;
    case JN_JITTER_PUSH_LATE:
    case JN_JITTER_PUSH_OVERFLOW:
      peer->late++;
      break;
    }
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

      switch (jn_seq_window_check (&peer->midi_seq, event->seq))
        {
        case JN_SEQ_DUPLICATE:
        case JN_SEQ_TOO_OLD:
          peer->midi_duplicates++;
          continue;
        case JN_SEQ_NEW:
        case JN_SEQ_NEW_REORDERED:
          break;
        }
      peer->midi_events++;
      if (peer->synced)
        {
          peer->last_midi_one_way_ms =
            (now - (gint64) event->timestamp_us + peer->offset_us) / 1000.0;
          jn_histogram_add (&peer->midi_one_way_hist, MAX (peer->last_midi_one_way_ms, 0.0));
        }
      if (self->callbacks.midi != NULL)
        self->callbacks.midi (self->callbacks_data, peer->id, event, now);
    }
}

static void
handle_ping (JnMediaEngine  *self,
             Peer           *peer,
             const JnPacket *packet,
             gint64          now)
{
  JnSyncPong pong = { packet->header.seq, packet->header.timestamp_us, (guint64) now };
  JnPacketHeader header = make_header (self, JN_PACKET_SYNC_PONG, packet->header.seq);
  gsize size = jn_packet_encode_pong (self->tx_buf, JN_PACKET_MAX_SIZE, &header, &pong);

  send_to (self, peer, self->tx_buf, size);
}

static void
handle_pong (JnMediaEngine  *self,
             Peer           *peer,
             const JnPacket *packet,
             gint64          now)
{
  const JnSyncPong *pong = &packet->pong;
  const SentPing *sent = &peer->sent[pong->ping_seq % SENT_PINGS];
  double t1, t2, t3, t4, rtt, offset, best_rtt;
  guint best = 0;

  /* only answers to pings we sent recently count: a stale or forged pong
   * must not move the clock estimate */
  if (sent->seq != pong->ping_seq || sent->t1_us != pong->t1_us ||
      (guint32) (peer->ping_seq - pong->ping_seq) > SENT_PINGS)
    {
      self->stats.dropped_malformed++;
      self->stats.malformed[JN_PROTOCOL_ERROR_BAD_MESSAGE]++;
      return;
    }

  t1 = (double) pong->t1_us;
  t2 = (double) pong->t2_us;
  t3 = (double) packet->header.timestamp_us;
  t4 = (double) now;
  rtt = (t4 - t1) - (t3 - t2);
  if (rtt < 0)
    rtt = 0;
  offset = ((t2 - t1) + (t3 - t4)) / 2.0;

  peer->recent_rtt[peer->recent_pos] = rtt;
  peer->recent_offset[peer->recent_pos] = offset;
  peer->recent_pos = (peer->recent_pos + 1) % SYNC_FILTER;
  peer->n_recent = MIN (peer->n_recent + 1, SYNC_FILTER);

  /* NTP's clock filter: trust the offset of the fastest recent exchange */
  best_rtt = G_MAXDOUBLE;
  for (guint i = 0; i < peer->n_recent; i++)
    if (peer->recent_rtt[i] < best_rtt)
      {
        best_rtt = peer->recent_rtt[i];
        best = i;
      }
  peer->offset_us = peer->recent_offset[best];
  peer->synced = TRUE;
  peer->last_rtt_ms = rtt / 1000.0;
  jn_histogram_add (&peer->rtt_hist, peer->last_rtt_ms);
}

static void
handle_datagram (JnMediaEngine                 *self,
                 const guint8                  *data,
                 gsize                          size,
                 const struct sockaddr_storage *from,
                 gint64                         now)
{
  g_autoptr(GError) error = NULL;
  JnPacket packet;
  Peer *peer;

  peer = find_peer_by_addr (self->peers, from);
  if (peer == NULL)
    {
      /* the control plane may report a departure before the peer's last
       * datagrams are in: its bye still counts, nothing else does */
      peer = find_peer_by_addr (self->departed, from);
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
    default:
      g_assert_not_reached ();
    }
}

static void
receive_pending_locked (JnMediaEngine *self)
{
  for (guint i = 0; i < RX_BATCH; i++)
    {
      struct sockaddr_storage from;
      socklen_t from_len = sizeof from;
      ssize_t n;

      n = recvfrom (self->fd, self->rx_buf, JN_PACKET_MAX_SIZE + 1, MSG_DONTWAIT,
                    (struct sockaddr *) &from, &from_len);
      if (n < 0)
        break;
      handle_datagram (self, self->rx_buf, (gsize) n, &from, g_get_monotonic_time ());
    }
}

static gboolean
on_socket_readable (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  JnMediaEngine *self = user_data;

  g_mutex_lock (&self->lock);
  receive_pending_locked (self);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

/* --- the packet clock ---------------------------------------------------- */

static gint64
tick_time (JnMediaEngine *self,
           guint64        tick)
{
  return self->start_us +
         (gint64) (tick * self->format.frames * G_USEC_PER_SEC / self->format.rate);
}

/* Each stream asks the worker for a fresh model every R periods, and trusts
 * one for 16 periods after its snapshot; an older one is forgotten and the
 * gap fits its own.  R is as small as the worker affords: the streams'
 * models may take PNBTR_WORKER_SHARE of one core (or of the worker's
 * device), measured from the cost per model the worker reports, and R
 * stays within 1 .. PNBTR_REFIT_MAX_PERIODS.  Before the first measurement
 * R is the largest.  A model loses a little with age (on the evaluation
 * corpus, with the lookahead: 12.66, 12.48 and 12.32 dB refitting every 3,
 * 6 and 12 periods), since a gap whose model no longer predicts the latest
 * audio fits a quick one of its own (PNBTR's onset and staleness checks);
 * before those checks, every 12 periods gave 10.2 dB and R stopped at 6,
 * where a CPU worker serving 8 peers wanted 95 % of a core instead of its
 * 30 %. */
#define PNBTR_REFIT_MAX_PERIODS     12
#define PNBTR_MODEL_MAX_AGE_PERIODS 16
#define PNBTR_WORKER_SHARE          0.3

guint
jn_pnbtr_refit_periods (guint  streams,
                        double job_us,
                        double period_us)
{
  double periods;

  if (streams == 0 || !(job_us > 0.0) || !(period_us > 0.0))
    return PNBTR_REFIT_MAX_PERIODS;
  periods = ceil (streams * job_us / (PNBTR_WORKER_SHARE * period_us));
  return (guint) CLAMP (periods, 1.0, (double) PNBTR_REFIT_MAX_PERIODS);
}

static void
note_worker_stats (JnMediaEngine            *self,
                   const JnPnbtrWorkerStats *ws)
{
  g_strlcpy (self->stats.pnbtr_backend, ws->backend, sizeof self->stats.pnbtr_backend);
  g_strlcpy (self->stats.pnbtr_device, ws->device, sizeof self->stats.pnbtr_device);
  self->stats.pnbtr_failures = ws->failures;
  self->stats.pnbtr_batch_ms = ws->last_batch_ms;
  self->stats.pnbtr_job_ms = self->pnbtr_job_us / 1000.0;
  self->stats.pnbtr_refit_periods = self->pnbtr_refit;
}

/* Whether the peer's concealment has an LPC model the worker can fit */
static gboolean
has_lpc_model (const Peer *peer)
{
  const PnbtrConfig *cfg = peer->plc ? pnbtr_get_config (peer->plc) : NULL;

  return cfg != NULL && (cfg->method == PNBTR_METHOD_BURG || cfg->method == PNBTR_METHOD_PNBTR);
}

/* Once a period, in the media thread: installs the models that came back
 * in time, asks for fresh ones for every stream that has none on the way. */
static void
exchange_with_worker (JnMediaEngine *self,
                      guint32        seq)
{
  gint64 now = g_get_monotonic_time ();
  gint64 period_us = (gint64) self->format.frames * G_USEC_PER_SEC / self->format.rate;
  gint64 max_age = PNBTR_MODEL_MAX_AGE_PERIODS * period_us;
  guint streams = 0;
  JnPnbtrResult r;

  while (jn_pnbtr_worker_result_peek (self->worker, &r))
    {
      Peer *peer = find_peer_by_id (self, r.stream);

      if (r.ok && r.cost_us > 0.0)
        self->pnbtr_job_us = self->pnbtr_job_us > 0.0 ? 0.8 * self->pnbtr_job_us + 0.2 * r.cost_us
                                                      : r.cost_us;
      if (peer != NULL && peer->plc != NULL && r.ok)
        {
          peer->job_in_flight = FALSE;
          if (now > r.deadline_us)
            self->stats.pnbtr_late++;
          else if (pnbtr_install_prepared (peer->plc, r.model, r.prepared) == 0)
            {
              self->stats.pnbtr_installed++;
              peer->has_model = TRUE;
              peer->model_seq = r.seq;
            }
          else
            self->stats.pnbtr_in_gap++;
        }
      else if (peer != NULL)
        peer->job_in_flight = FALSE;
      jn_pnbtr_worker_result_release (self->worker);
    }

  for (guint i = 0; i < self->peers->len; i++)
    if (has_lpc_model (g_ptr_array_index (self->peers, i)))
      streams++;
  self->pnbtr_refit = jn_pnbtr_refit_periods (streams, self->pnbtr_job_us, (double) period_us);

  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);
      const PnbtrConfig *cfg;
      float *history;
      guint32 age = seq - peer->model_seq;

      if (!has_lpc_model (peer) || peer->in_gap)
        continue;
      cfg = pnbtr_get_config (peer->plc);
      if (peer->has_model && age > PNBTR_MODEL_MAX_AGE_PERIODS)
        {
          pnbtr_forget_model (peer->plc);
          peer->has_model = FALSE;
        }
      /* once the stream has a window of real audio: one job in flight each,
       * when the model is due */
      if (peer->job_in_flight || peer->played * self->format.frames < (guint64) cfg->window ||
          (peer->has_model && age < self->pnbtr_refit))
        continue;
      history = jn_pnbtr_worker_job_begin (self->worker);
      if (history == NULL)
        {
          self->stats.pnbtr_queue_full++;
          break;
        }
      pnbtr_snapshot (peer->plc, history);
      jn_pnbtr_worker_job_commit (self->worker, peer->id, seq, now + max_age);
      peer->job_in_flight = TRUE;
      self->stats.pnbtr_jobs++;
    }
}

static void
run_period (JnMediaEngine *self)
{
  guint frames = self->format.frames, channels = self->format.channels;
  guint32 seq = (guint32) self->tick;

  if (self->worker != NULL)
    exchange_with_worker (self, seq);

  if (self->callbacks.capture != NULL)
    self->callbacks.capture (self->callbacks_data, self->capture_buf, frames, channels,
                             self->tick * frames);
  else
    memset (self->capture_buf, 0, sizeof (float) * frames * channels);

  if (self->send_audio && self->peers->len > 0)
    {
      JnPacketHeader header = make_header (self, JN_PACKET_AUDIO, seq);
      gsize size = jn_packet_encode_audio (self->tx_buf, JN_PACKET_MAX_SIZE, &header,
                                           &self->format, self->capture_buf);

      for (guint i = 0; i < self->peers->len; i++)
        send_to (self, g_ptr_array_index (self->peers, i), self->tx_buf, size);
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
      if (peer->plc != NULL)
        {
          peer->plc_light = g_get_monotonic_time () - playout_start >= budget_us;
          pnbtr_set_light (peer->plc, peer->plc_light);
        }
      r = jn_jitter_buffer_pop (peer->jb, self->play_buf, &played_seq);

      if (r == JN_JITTER_POP_IDLE)
        continue;
      if (!peer->playout_started)
        {
          peer->playout_started = TRUE;
          peer->playout_first_seq = played_seq;
        }
      if (r == JN_JITTER_POP_PLAYED)
        peer->played++;
      else
        peer->concealed++;
      jn_histogram_add (&peer->level_hist, jn_jitter_buffer_get_level (peer->jb));
      if (self->callbacks.playout != NULL)
        self->callbacks.playout (self->callbacks_data, peer->id, played_seq, self->play_buf,
                                 frames, channels, r == JN_JITTER_POP_CONCEALED);
    }
  if (self->callbacks.period_end != NULL)
    self->callbacks.period_end (self->callbacks_data, frames, channels);
}

static double
peer_loss_percent (const Peer *peer)
{
  guint64 missing = jn_seq_window_missing (&peer->audio_seq);
  guint64 expected = missing + peer->audio_seq.unique;

  return expected ? 100.0 * (double) missing / (double) expected : 0.0;
}

static void
sample_series (JnMediaEngine *self,
               gint64         now)
{
  for (guint i = 0; i < self->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (self->peers, i);

      if (peer->synced)
        {
          jn_series_push (peer->series[JN_METRIC_RTT_MS], now, peer->last_rtt_ms);
          jn_series_push (peer->series[JN_METRIC_ONE_WAY_MS], now, peer->last_one_way_ms);
        }
      jn_series_push (peer->series[JN_METRIC_JITTER_MS], now, peer->jitter_us / 1000.0);
      jn_series_push (peer->series[JN_METRIC_BUFFER_LEVEL], now,
                      jn_jitter_buffer_get_level (peer->jb));
      jn_series_push (peer->series[JN_METRIC_BUFFER_DEPTH], now,
                      jn_jitter_buffer_get_depth (peer->jb));
      jn_series_push (peer->series[JN_METRIC_LOSS_PERCENT], now, peer_loss_percent (peer));
      {
        guint64 lost = jn_seq_window_missing (&peer->audio_seq);

        /* events per sample: when packets went missing, when PNBTR worked */
        jn_series_push (peer->series[JN_METRIC_LOST_PACKETS], now,
                        (double) (lost >= peer->lost_sampled ? lost - peer->lost_sampled : 0));
        jn_series_push (peer->series[JN_METRIC_CONCEALED_PACKETS], now,
                        (double) (peer->concealed - peer->concealed_sampled));
        peer->lost_sampled = lost;
        peer->concealed_sampled = peer->concealed;
      }
    }
}

static gboolean
on_tick (gpointer user_data)
{
  JnMediaEngine *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 period_us = (gint64) self->format.frames * G_USEC_PER_SEC / self->format.rate;

  g_mutex_lock (&self->lock);

  /* what already arrived goes into the jitter buffers before playout: after
   * a stall the socket may hold packets that are not late at all */
  receive_pending_locked (self);

  if (now - tick_time (self, self->tick) > MAX_CATCH_UP * period_us)
    {
      guint64 target = (guint64) ((now - self->start_us) * self->format.rate /
                                  ((gint64) self->format.frames * G_USEC_PER_SEC));

      self->stats.clock_skips += target - self->tick;
      self->tick = target;
    }
  while (tick_time (self, self->tick) <= now)
    {
      run_period (self);
      self->tick++;
    }

  if (now >= self->next_sync_us)
    {
      send_pings (self);
      sample_series (self, now);
      self->next_sync_us += G_USEC_PER_SEC / JN_SYNC_RATE_HZ;
      if (self->next_sync_us <= now)
        self->next_sync_us = now + G_USEC_PER_SEC / JN_SYNC_RATE_HZ;
    }

  jn_timer_source_set_deadline (self->tick_source,
                                MIN (tick_time (self, self->tick), self->next_sync_us));
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

/* --- object -------------------------------------------------------------- */

static void
jn_media_engine_finalize (GObject *object)
{
  JnMediaEngine *self = JN_MEDIA_ENGINE (object);

  jn_media_engine_stop (self);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_pointer (&self->departed, g_ptr_array_unref);
  g_clear_pointer (&self->plc_method, g_free);
  g_clear_pointer (&self->pnbtr_backend, g_free);
  g_clear_object (&self->socket);
  g_free (self->capture_buf);
  g_free (self->play_buf);
  g_free (self->tx_buf);
  g_free (self->rx_buf);
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
  self->fd = -1;
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
  self->rx_buf = g_malloc (JN_PACKET_MAX_SIZE + 1);
}

JnMediaEngine *
jn_media_engine_new (const char  *bind_address,
                     guint16      port,
                     GError     **error)
{
  g_autoptr(JnMediaEngine) self = g_object_new (JN_TYPE_MEDIA_ENGINE, NULL);
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  if (bind_address == NULL)
    inet = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  else if ((inet = g_inet_address_new_from_string (bind_address)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address to listen on"), bind_address);
      return NULL;
    }

  self->socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, error);
  if (self->socket == NULL)
    return NULL;
  g_socket_set_blocking (self->socket, FALSE);
  address = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (self->socket, address, FALSE, error))
    {
      g_prefix_error (error, _("Cannot use UDP port %u: "), port);
      return NULL;
    }
  bound = g_socket_get_local_address (self->socket, error);
  if (bound == NULL)
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->fd = g_socket_get_fd (self->socket);
  self->stats.udp_port = self->port;

  return g_steal_pointer (&self);
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
  PnbtrConfig config;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (self->peers->len == 0, FALSE);

  g_clear_pointer (&self->plc_method, g_free);
  if (method == NULL || g_str_equal (method, "zero"))
    return TRUE;
  /* checked here; the settings follow each session's format in add_peer */
  if (pnbtr_config_parse (&config, method, 48000, 1, 128) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown loss concealment “%s” (use zero, repeat, burg or pnbtr)"), method);
      return FALSE;
    }
  self->plc_method = g_strdup (method);
  return TRUE;
}

gboolean
jn_media_engine_set_pnbtr_backend (JnMediaEngine  *self,
                                   const char     *backend,
                                   GError        **error)
{
  PnbtrBackendKind kind;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (backend != NULL && !g_str_equal (backend, "off") &&
      pnbtr_backend_parse_kind (backend, &kind) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown PNBTR backend “%s” (use auto, cpu, opencl, cuda or off)"), backend);
      return FALSE;
    }
  g_clear_pointer (&self->pnbtr_backend, g_free);
  if (backend != NULL && !g_str_equal (backend, "off"))
    self->pnbtr_backend = g_strdup (backend);
  return TRUE;
}

static void
peer_playout_filter (gpointer     user_data,
                     const float *in,
                     float       *out,
                     guint        frames,
                     guint        channels,
                     const float *future,
                     guint        future_frames,
                     guint        gap_frames)
{
  Peer *peer = user_data;
  PnbtrFuture next = { future, (int) future_frames, (int) gap_frames };
  gboolean begins = in == NULL && !peer->in_gap;

  if (begins)
    {
      /* a gap begins: with the worker's model, or fitting one right here */
      peer->in_gap = TRUE;
      if (peer->has_model)
        peer->gaps_worker_model++;
      else
        peer->gaps_local_fit++;
      if (peer->plc_light)
        peer->gaps_light++;
    }
  else if (in != NULL)
    peer->in_gap = FALSE;

  pnbtr_process_ex (peer->plc, in, out, (int) frames, future != NULL ? &next : NULL);
  if (begins && pnbtr_gap_repeats (peer->plc))
    peer->gaps_repeated++;
  if (begins && pnbtr_gap_onset (peer->plc))
    peer->gaps_onset++;
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

  n = (gsize) self->format.frames * self->format.channels;
  self->capture_buf = g_new0 (float, n);
  self->play_buf = g_new0 (float, n);
  self->start_us = g_get_monotonic_time ();
  self->next_sync_us = self->start_us;
  self->tick = 0;

  if (self->plc_method != NULL && self->pnbtr_backend != NULL)
    {
      PnbtrConfig config;

      if (pnbtr_config_parse (&config, self->plc_method, (int) self->format.rate,
                              (int) self->format.channels, (int) self->format.frames) == 0 &&
          (config.method == PNBTR_METHOD_BURG || config.method == PNBTR_METHOD_PNBTR))
        self->worker = jn_pnbtr_worker_new (&config, self->format.frames, PNBTR_WORKER_JOBS,
                                            self->pnbtr_backend, NULL);
    }

  self->thread = jn_thread_loop_new ("jn-media");

  self->rx_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->rx_source, G_SOURCE_FUNC (on_socket_readable), self, NULL);
  g_source_set_priority (self->rx_source, G_PRIORITY_HIGH);
  g_source_attach (self->rx_source, jn_thread_loop_get_context (self->thread));

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
  g_source_destroy (self->rx_source);
  g_clear_pointer (&self->thread, jn_thread_loop_free);
  g_clear_pointer (&self->tick_source, g_source_unref);
  g_clear_pointer (&self->rx_source, g_source_unref);

  g_mutex_lock (&self->lock);
  send_bye_locked (self);
  if (self->worker != NULL)
    {
      JnPnbtrWorkerStats ws;

      jn_pnbtr_worker_get_stats (self->worker, &ws);
      note_worker_stats (self, &ws);
    }
  g_clear_pointer (&self->worker, jn_pnbtr_worker_free);
  g_mutex_unlock (&self->lock);
}

gboolean
jn_media_engine_add_peer (JnMediaEngine  *self,
                          guint32         id,
                          const char     *name,
                          const char     *address,
                          guint16         udp_port,
                          GError        **error)
{
  Peer *peer;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);
  g_return_val_if_fail (id != 0, FALSE);

  peer = g_new0 (Peer, 1);
  if (!resolve_address (self, address, udp_port, &peer->addr, &peer->addr_len, error))
    {
      g_free (peer);
      return FALSE;
    }
  peer->id = id;
  g_strlcpy (peer->name, name ? name : "", sizeof peer->name);
  peer->jb = jn_jitter_buffer_new (self->jitter_depth, self->format.frames, self->format.channels);
  jn_jitter_buffer_set_adaptive (peer->jb, self->jitter_adaptive, self->jitter_safety,
                                 (guint) ((guint64) self->format.frames * G_USEC_PER_SEC /
                                          self->format.rate));
  if (self->plc_method != NULL)
    {
      PnbtrConfig config;

      if (pnbtr_config_parse (&config, self->plc_method, (int) self->format.rate,
                              (int) self->format.channels, (int) self->format.frames) == 0)
        {
          /* with a worker, the media thread never fits a full model: a gap
           * before the first one comes (or after the last grew too old)
           * fits the quick one, 70 us rather than 2 ms */
          config.quick_local = self->pnbtr_backend != NULL;
          peer->plc = pnbtr_new (&config);
        }
      if (peer->plc != NULL)
        jn_jitter_buffer_set_filter (peer->jb, peer_playout_filter, peer);
      else
        g_warning ("Loss concealment %s cannot run at %u Hz / %u frames / %u channels; "
                   "lost packets will be silent", self->plc_method, self->format.rate,
                   self->format.frames, self->format.channels);
    }
  peer->scratch = g_new0 (float, (gsize) self->format.frames * self->format.channels);
  for (guint i = 0; i < JN_N_METRICS; i++)
    peer->series[i] = jn_series_new (JN_SERIES_CAPACITY);

  g_mutex_lock (&self->lock);
  if (find_peer_by_id (self, id) != NULL)
    {
      g_mutex_unlock (&self->lock);
      peer_free (peer);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Peer %u is already in the session"), id);
      return FALSE;
    }
  g_ptr_array_add (self->peers, peer);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
jn_media_engine_set_peer_address (JnMediaEngine  *self,
                                  guint32         id,
                                  const char     *address,
                                  guint16         udp_port,
                                  GError        **error)
{
  struct sockaddr_storage addr;
  socklen_t addr_len;
  Peer *peer;

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);

  if (!resolve_address (self, address, udp_port, &addr, &addr_len, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  peer = find_peer_by_id (self, id);
  if (peer != NULL)
    {
      peer->addr = addr;
      peer->addr_len = addr_len;
    }
  g_mutex_unlock (&self->lock);

  if (peer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No peer %u in the session"), id);
      return FALSE;
    }
  return TRUE;
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
      /* keep its figures for the final stats and play out what is queued */
      g_ptr_array_steal_index (self->peers, i);
      peer->departed = TRUE;
      jn_jitter_buffer_finish (peer->jb);
      g_ptr_array_add (self->departed, peer);
      if (self->departed->len > MAX_DEPARTED)
        g_ptr_array_remove_index (self->departed, 0);
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
  JnMidiEvent event = { 0 };

  g_return_val_if_fail (JN_IS_MEDIA_ENGINE (self), FALSE);

  if (!jn_midi_event_validate (bytes, size, error))
    return FALSE;
  memcpy (event.data, bytes, size);
  event.size = (guint16) size;

  g_mutex_lock (&self->lock);
  event.seq = self->midi_event_seq++;
  event.timestamp_us = (guint64) g_get_monotonic_time ();
  for (guint copy = 0; copy < self->redundancy; copy++)
    {
      JnPacketHeader header = make_header (self, JN_PACKET_MIDI, self->midi_packet_seq++);
      gsize n;

      header.stream_id = 1;
      header.flags = copy > 0 ? JN_PACKET_FLAG_REDUNDANT : 0;
      n = jn_packet_encode_midi (self->tx_buf, JN_PACKET_MAX_SIZE, &header, &event, 1);
      for (guint i = 0; i < self->peers->len; i++)
        send_to (self, g_ptr_array_index (self->peers, i), self->tx_buf, n);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

void
jn_media_engine_get_stats (JnMediaEngine *self,
                           JnEngineStats *stats)
{
  g_return_if_fail (JN_IS_MEDIA_ENGINE (self));

  g_mutex_lock (&self->lock);
  if (self->worker != NULL)
    {
      JnPnbtrWorkerStats ws;

      jn_pnbtr_worker_get_stats (self->worker, &ws);
      note_worker_stats (self, &ws);
    }
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

static void
fill_peer_stats (JnMediaEngine *self,
                 const Peer    *peer,
                 JnPeerStats   *s)
{
  memset (s, 0, sizeof *s);
  s->id = peer->id;
  g_strlcpy (s->name, peer->name, sizeof s->name);
  s->synced = peer->synced;
  s->said_bye = peer->said_bye;
  s->departed = peer->departed;
  jn_histogram_summarize (&peer->rtt_hist, peer->last_rtt_ms, &s->rtt_ms);
  jn_histogram_summarize (&peer->one_way_hist, peer->last_one_way_ms, &s->one_way_ms);
  jn_histogram_summarize (&peer->jitter_hist, peer->jitter_us / 1000.0, &s->jitter_ms);
  jn_histogram_summarize (&peer->midi_one_way_hist, peer->last_midi_one_way_ms,
                          &s->midi_one_way_ms);
  jn_histogram_summarize (&peer->level_hist, jn_jitter_buffer_get_level (peer->jb),
                          &s->buffer_level);
  s->offset_ms = peer->offset_us / 1000.0;
  {
    JnJitterDepthStats depth;

    jn_jitter_buffer_get_depth_stats (peer->jb, &depth);
    s->jitter_depth = depth.depth;
    s->depth_grows = depth.grows;
    s->depth_shrinks = depth.shrinks;
    s->stretched = depth.stretched;
    s->compressed = depth.compressed;
  }
  s->concealment = peer->plc ? pnbtr_method_name (pnbtr_get_config (peer->plc)->method) : "zero";
  s->audio_packets = peer->audio_packets;
  s->lost = jn_seq_window_missing (&peer->audio_seq);
  s->late = peer->late;
  s->out_of_order = peer->out_of_order;
  s->duplicates = peer->duplicates;
  s->played = peer->played;
  s->concealed = peer->concealed;
  s->gaps_worker_model = peer->gaps_worker_model;
  s->gaps_local_fit = peer->gaps_local_fit;
  s->gaps_repeated = peer->gaps_repeated;
  s->gaps_light = peer->gaps_light;
  s->gaps_onset = peer->gaps_onset;
  s->loss_percent = peer_loss_percent (peer);
  s->concealed_percent = peer->played + peer->concealed > 0
                         ? 100.0 * peer->concealed / (double) (peer->played + peer->concealed) : 0.0;
  s->midi_events = peer->midi_events;
  s->midi_duplicates = peer->midi_duplicates;
  s->midi_missing = jn_seq_window_missing (&peer->midi_seq);
  s->playout_started = peer->playout_started;
  s->playout_first_seq = peer->playout_first_seq;
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
  peer = find_peer_by_id (self, peer_id);
  /* a peer that left keeps its history for the session report */
  for (guint i = 0; peer == NULL && i < self->departed->len; i++)
    if (((Peer *) g_ptr_array_index (self->departed, i))->id == peer_id)
      peer = g_ptr_array_index (self->departed, i);
  if (peer != NULL)
    {
      JnSeries *series = peer->series[metric];
      guint n = jn_series_get_length (series);

      array = g_array_sized_new (FALSE, FALSE, sizeof (JnSample), n);
      for (guint i = 0; i < n; i++)
        {
          JnSample sample = jn_series_get (series, i);

          g_array_append_val (array, sample);
        }
    }
  g_mutex_unlock (&self->lock);
  return array;
}
