/* jn-bench-choir.c: many players of a mix room, driven from one thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-bench-choir.h"
#include "jn-client.h"
#include "jn-codec.h"
#include "jn-ice-transport.h"
#include "jn-media-engine.h"
#include "jn-secure-transport.h"
#include "jn-stats.h"
#include "jn-test-signal.h"
#include "jn-thread-loop.h"

#define FRAMES      128
#define RATE        48000
#define PERIOD_US   ((gint64) FRAMES * G_USEC_PER_SEC / RATE)
/* the tone, coded once: a second of it, sent round and round */
#define TAPE        375
#define PING_EVERY  188   /* periods: twice a second */

typedef struct
{
  JnMediaEngine *engine;    /* never started: its sealed socket is the voice's */
  JnClient      *client;
  JnTransport   *transport;
  guint32        id;
  gboolean       joined;
  GError        *error;
  /* the choir's thread */
  guint32        ping_seq;
  gint64         ping_sent_us[4];
  gboolean       heard;
  guint32        first_mix, last_mix;
  guint64        mixes;
  guint          depth;     /* the server's buffer for it, from its pongs */
} Voice;

struct _JnBenchChoir
{
  JnAudioFormat  format;
  Voice         *voices;
  guint          n;
  float          tape[TAPE][FRAMES];        /* PCM rooms */
  guint8         coded[TAPE][JN_PACKET_MAX_SIZE]; /* Opus rooms */
  gsize          coded_size[TAPE];
  JnThreadLoop  *thread;
  GSource       *timer;
  gint64         start_us;
  guint64        tick;
  guint8         buf[JN_PACKET_MAX_SIZE], outer[JN_PACKET_MAX_SIZE];

  GMutex         lock;      /* the figures */
  guint64        bytes_up, bytes_down;
  JnHistogram    rtt;
};

static void
on_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Voice *voice = user_data;

  voice->joined = jn_client_join_finish (JN_CLIENT (source), result, &voice->error);
  if (!voice->joined && voice->error == NULL)
    voice->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "did not join");
}

static JnPacketHeader
header_of (Voice *voice, JnPacketKind kind, guint32 seq)
{
  JnPacketHeader h = { kind, 0, voice->id, 0, 0, seq, (guint64) g_get_monotonic_time () };

  return h;
}

static void
send_to_hub (JnBenchChoir *self, Voice *voice, const guint8 *data, gsize size)
{
  if (jn_transport_send (voice->transport, JN_HUB_PEER_ID, data, size))
    self->bytes_up += size + JN_SEAL_OVERHEAD;
}

/* the voice's datagram, inside a FORWARD to everyone, as an engine sends it */
static void
send_forward (JnBenchChoir *self, Voice *voice, guint32 seq, const guint8 *inner, gsize size)
{
  JnPacketHeader h = header_of (voice, JN_PACKET_FORWARD, seq);
  gsize n = jn_packet_encode_forward (self->outer, sizeof self->outer, &h, JN_FORWARD_ALL, inner, size);

  if (n > 0)
    send_to_hub (self, voice, self->outer, n);
}

static void
on_datagram (gpointer user_data, guint32 peer_id, const guint8 *data, gsize size, gint64 now)
{
  Voice *voice = user_data;
  JnBenchChoir *self = g_object_get_data (G_OBJECT (voice->engine), "choir");
  JnPacket packet;

  if (peer_id != JN_HUB_PEER_ID || !jn_packet_decode (data, size, &packet, NULL))
    return;
  g_mutex_lock (&self->lock);
  self->bytes_down += size + JN_SEAL_OVERHEAD;
  switch (packet.header.kind)
    {
    case JN_PACKET_AUDIO:
      if (!voice->heard || (gint32) (packet.header.seq - voice->last_mix) > 0)
        {
          if (!voice->heard)
            voice->first_mix = packet.header.seq;
          voice->last_mix = packet.header.seq;
          voice->heard = TRUE;
        }
      voice->mixes++;
      break;
    case JN_PACKET_SYNC_PING:
      {
        JnSyncPong pong = { packet.header.seq, packet.header.timestamp_us, (guint64) now };
        JnPacketHeader h = header_of (voice, JN_PACKET_SYNC_PONG, packet.header.seq);
        gsize n = jn_packet_encode_pong (self->buf, sizeof self->buf, &h, &pong);

        send_to_hub (self, voice, self->buf, n);
      }
      break;
    case JN_PACKET_SYNC_PONG:
      {
        gint64 sent = voice->ping_sent_us[packet.pong.ping_seq % G_N_ELEMENTS (voice->ping_sent_us)];

        if ((guint64) sent == packet.pong.t1_us && sent > 0)
          jn_histogram_add (&self->rtt, (now - sent) / 1000.0);
        if (packet.pong.has_report)
          voice->depth = packet.pong.depth;
      }
      break;
    default:
      break;
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
on_tick (gpointer user_data)
{
  JnBenchChoir *self = user_data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  /* after a stall, on from now rather than a burst */
  if (now - (self->start_us + (gint64) self->tick * PERIOD_US) > 8 * PERIOD_US)
    self->tick = (guint64) ((now - self->start_us) / PERIOD_US);
  while (self->start_us + (gint64) self->tick * PERIOD_US <= now)
    {
      guint32 seq = (guint32) self->tick;
      guint k = seq % TAPE;

      for (guint v = 0; v < self->n; v++)
        {
          Voice *voice = &self->voices[v];

          /* the tape's period, as this voice's: its id and number */
          JnPacketHeader h = header_of (voice, JN_PACKET_AUDIO, seq);
          gsize n = self->format.format == JN_SAMPLE_OPUS
                    ? jn_packet_encode_audio_coded (self->buf, sizeof self->buf, &h, &self->format,
                                                    self->coded[k], self->coded_size[k])
                    : jn_packet_encode_audio (self->buf, sizeof self->buf, &h, &self->format,
                                              self->tape[k]);

          send_forward (self, voice, seq, self->buf, n);
          if ((seq + v) % PING_EVERY == 0)
            {
              JnPacketHeader ph = header_of (voice, JN_PACKET_SYNC_PING, voice->ping_seq);

              voice->ping_sent_us[voice->ping_seq % G_N_ELEMENTS (voice->ping_sent_us)] =
                (gint64) ph.timestamp_us;
              voice->ping_seq++;
              n = jn_packet_encode_ping (self->outer, sizeof self->outer, &ph);
              send_to_hub (self, voice, self->outer, n);
            }
        }
      self->tick++;
    }
  g_mutex_unlock (&self->lock);
  jn_timer_source_set_deadline (self->timer, self->start_us + (gint64) self->tick * PERIOD_US);
  return G_SOURCE_CONTINUE;
}

/* a second of the test tone, as audio datagrams of the room's format */
static gboolean
record_tape (JnBenchChoir *self, GError **error)
{
  g_autoptr(JnCodec) encoder = NULL;

  if (self->format.format == JN_SAMPLE_OPUS &&
      (encoder = jn_codec_new_encoder (&self->format, error)) == NULL)
    return FALSE;
  for (guint k = 0; k < TAPE; k++)
    {
      jn_test_signal_fill (self->tape[k], FRAMES, 1, RATE, (guint64) k * FRAMES);
      if (encoder == NULL)
        continue;
      self->coded_size[k] = jn_codec_encode (encoder, self->tape[k], self->coded[k],
                                             jn_audio_payload_size (&self->format));
      if (self->coded_size[k] == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the tone does not code");
          return FALSE;
        }
    }
  return TRUE;
}

JnBenchChoir *
jn_bench_choir_join (const char  *url,
                     guint        n,
                     gboolean     opus,
                     GError     **error)
{
  g_autoptr(JnBenchChoir) self = g_new0 (JnBenchChoir, 1);

  g_mutex_init (&self->lock);
  self->format = (JnAudioFormat) { RATE, FRAMES, 1, opus ? JN_SAMPLE_OPUS : JN_SAMPLE_S16,
                                   opus ? JN_OPUS_DEFAULT_BITRATE : 0 };
  self->voices = g_new0 (Voice, n);
  self->n = n;
  if (!record_tape (self, error))
    return NULL;
  for (guint v = 0; v < n; v++)
    {
      Voice *voice = &self->voices[v];
      g_autofree char *name = g_strdup_printf ("Voice %u", v + 1);
      gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

      /* as a session joins a room: its links by ICE (here, to the server) */
      g_autoptr(JnIceTransport) links = jn_ice_transport_new ("127.0.0.1");
      g_autoptr(JnSecureTransport) seal = jn_secure_transport_new (JN_TRANSPORT (links));

      voice->engine = jn_media_engine_new_for_transport (JN_TRANSPORT (seal));
      /* it never plays: nothing to conceal */
      jn_media_engine_set_concealment (voice->engine, "zero", NULL);
      jn_media_engine_set_pnbtr_backend (voice->engine, "off", NULL);
      g_object_set_data (G_OBJECT (voice->engine), "choir", self);
      voice->client = jn_client_new (voice->engine, name, NULL);
      jn_client_set_create_room (voice->client, v == 0, TRUE);
      jn_client_join_async (voice->client, url, NULL, on_joined, voice);
      while (!voice->joined && voice->error == NULL && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, TRUE);
      if (!voice->joined)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "voice %u did not join: %s", v + 1,
                       voice->error != NULL ? voice->error->message : "timed out");
          return NULL;
        }
      if (!jn_media_engine_has_mix (voice->engine))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the room does not mix");
          return NULL;
        }
      voice->id = jn_media_engine_get_local_id (voice->engine);
      voice->transport = jn_media_engine_get_transport (voice->engine);
    }
  self->thread = jn_thread_loop_new ("jn-bench-choir");
  for (guint v = 0; v < n; v++)
    jn_transport_start (self->voices[v].transport, jn_thread_loop_get_context (self->thread),
                        on_datagram, &self->voices[v]);
  self->start_us = g_get_monotonic_time ();
  self->timer = jn_timer_source_new ();
  g_source_set_callback (self->timer, on_tick, self, NULL);
  jn_timer_source_set_deadline (self->timer, self->start_us);
  g_source_attach (self->timer, jn_thread_loop_get_context (self->thread));
  return g_steal_pointer (&self);
}

void
jn_bench_choir_get (JnBenchChoir        *self,
                    JnBenchChoirFigures *f)
{
  double depth = 0;

  memset (f, 0, sizeof *f);
  g_mutex_lock (&self->lock);
  f->bytes_up = self->bytes_up;
  f->bytes_down = self->bytes_down;
  for (guint v = 0; v < self->n; v++)
    {
      Voice *voice = &self->voices[v];

      if (!voice->heard)
        continue;
      f->voices_heard++;
      f->mixes += voice->mixes;
      f->lost += MAX ((gint64) (voice->last_mix - voice->first_mix + 1) - (gint64) voice->mixes, 0);
      depth += voice->depth;
    }
  f->rtt_ms_p50 = jn_histogram_percentile (&self->rtt, 50);
  f->rtt_ms_p99 = jn_histogram_percentile (&self->rtt, 99);
  jn_histogram_reset (&self->rtt);
  f->server_depth = f->voices_heard > 0 ? depth / f->voices_heard : NAN;
  g_mutex_unlock (&self->lock);
}

void
jn_bench_choir_free (JnBenchChoir *self)
{
  if (self == NULL)
    return;
  if (self->timer != NULL)
    g_source_destroy (self->timer);
  for (guint v = 0; v < self->n && self->voices != NULL; v++)
    if (self->voices[v].transport != NULL)
      jn_transport_close (self->voices[v].transport);
  g_clear_pointer (&self->thread, jn_thread_loop_free);
  g_clear_pointer (&self->timer, g_source_unref);
  for (guint v = 0; v < self->n && self->voices != NULL; v++)
    {
      Voice *voice = &self->voices[v];

      if (voice->client != NULL)
        {
          jn_client_leave (voice->client);
          g_object_unref (voice->client);
        }
      g_clear_object (&voice->engine);
      g_clear_error (&voice->error);
    }
  g_free (self->voices);
  g_mutex_clear (&self->lock);
  g_free (self);
}
