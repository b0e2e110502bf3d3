/* jn-room-mix.c: a mix room's personal mixes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-room-mix"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "jn-audio-copy.h"
#include "jn-codec.h"
#include "jn-concealer.h"
#include "jn-concealer-pool.h"
#include "jn-jitter-buffer.h"
#include "jn-receive-stats.h"
#include "jn-room-mix.h"

/* a member's settings for as many others as a room may hold */
#define MAX_SETTINGS 256
/* behind by more than this many periods (a stall), the rest are skipped */
#define MAX_CATCH_UP 8

typedef struct
{
  guint32 source;
  float   gain[2];      /* per channel, mute and pan in it */
  double  asked_gain;   /* as asked */
  double  asked_pan;
  gboolean asked_mute;
} Setting;

struct _JnRoomMixMember
{
  guint32         id;
  JnReceiveStats  rx;          /* how its packets arrive */
  JnJitterBuffer *jb;
  JnConcealer    *concealer;
  JnCodec        *decoder;     /* Opus rooms */
  JnCodec        *encoder;     /* Opus rooms: this member's mix */
  guint64         played;      /* periods played from its packets */
  guint64         decode_errors;
  float          *in;          /* this period's audio from it */
  gboolean        sounding;    /* in holds audio this period */
  float          *scratch;
  guint           n_settings;
  Setting         settings[MAX_SETTINGS];
};

struct _JnRoomMix
{
  JnAudioFormat    format;
  guint            jitter_depth;
  char            *plc_method;
  gboolean         with_worker;
  JnConcealerPool *pool;

  GPtrArray       *members;    /* JnRoomMixMember*, not owned */
  GHashTable      *by_id;      /* id -> JnRoomMixMember*, sized in advance */
  float           *total;      /* everyone's audio this period */
  float           *out;        /* one member's mix */
  guint8          *coded;
  guint8          *tx;

  gint64           start_us;   /* 0: not running yet */
  guint64          tick;
  JnRoomMixStats   stats;
  double           mix_us_sum;
};

static gboolean
decode_packet (gpointer      user_data,
               const guint8 *data,
               gsize         size,
               float        *out)
{
  JnRoomMixMember *member = user_data;

  return jn_codec_decode_next (member->decoder, data, size, out, &member->decode_errors);
}

JnRoomMix *
jn_room_mix_new (const JnAudioFormat *format,
                 guint                jitter_depth,
                 const char          *plc_method,
                 const char          *backend,
                 GError             **error)
{
  JnRoomMix *self;
  gsize samples;

  g_return_val_if_fail (format != NULL, NULL);

  if (!jn_audio_format_validate (format, error) || !jn_concealer_check_method (plc_method, error) ||
      !jn_concealer_check_backend (backend, error))
    return NULL;
  if (format->channels > 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("A mix room carries mono or stereo, not %u channels"), format->channels);
      return NULL;
    }
  samples = (gsize) format->frames * format->channels;
  self = g_new0 (JnRoomMix, 1);
  self->format = *format;
  self->jitter_depth = MAX (jitter_depth, 1);
  self->plc_method = g_strdup (plc_method);
  self->pool = jn_concealer_pool_new (plc_method, format, backend);
  self->with_worker = self->pool != NULL;
  self->members = g_ptr_array_sized_new (MAX_SETTINGS);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->total = g_new0 (float, samples);
  self->out = g_new0 (float, samples);
  self->coded = g_malloc (jn_audio_payload_size (format) + 1);
  self->tx = g_malloc (JN_PACKET_MAX_SIZE);
  return self;
}

void
jn_room_mix_free (JnRoomMix *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->pool, jn_concealer_pool_free);
  for (guint i = 0; i < self->members->len; i++)
    jn_room_mix_member_free (g_ptr_array_index (self->members, i));
  g_ptr_array_unref (self->members);
  g_hash_table_unref (self->by_id);
  g_free (self->plc_method);
  g_free (self->total);
  g_free (self->out);
  g_free (self->coded);
  g_free (self->tx);
  g_free (self);
}

const JnAudioFormat *
jn_room_mix_get_format (JnRoomMix *self)
{
  return &self->format;
}

JnRoomMixMember *
jn_room_mix_member_new (JnRoomMix  *self,
                        guint32     id,
                        GError    **error)
{
  g_autoptr(JnRoomMixMember) member = g_new0 (JnRoomMixMember, 1);
  const JnAudioFormat *f = &self->format;
  gsize samples = (gsize) f->frames * f->channels;

  member->id = id;
  jn_receive_stats_init_light (&member->rx);
  member->jb = jn_jitter_buffer_new (self->jitter_depth, f->frames, f->channels);
  jn_jitter_buffer_set_adaptive (member->jb, TRUE, 0.5,
                                 (guint) ((guint64) f->frames * G_USEC_PER_SEC / f->rate));
  member->concealer = jn_concealer_new (id, self->plc_method, f, self->with_worker);
  if (member->concealer != NULL)
    jn_concealer_attach (member->concealer, member->jb);
  member->in = g_new0 (float, samples);
  member->scratch = g_new0 (float, samples);
  if (f->format == JN_SAMPLE_OPUS)
    {
      member->decoder = jn_codec_new_decoder (f, error);
      member->encoder = member->decoder != NULL ? jn_codec_new_encoder (f, error) : NULL;
      if (member->encoder == NULL)
        return NULL;
      jn_jitter_buffer_set_decoder (member->jb, decode_packet, member, jn_audio_payload_size (f));
    }
  return g_steal_pointer (&member);
}

void
jn_room_mix_member_free (JnRoomMixMember *member)
{
  if (member == NULL)
    return;
  jn_concealer_free (member->concealer);
  jn_jitter_buffer_free (member->jb);
  jn_receive_stats_clear (&member->rx);
  jn_codec_free (member->decoder);
  jn_codec_free (member->encoder);
  g_free (member->in);
  g_free (member->scratch);
  g_free (member);
}

void
jn_room_mix_insert (JnRoomMix       *self,
                    JnRoomMixMember *member)
{
  g_return_if_fail (member != NULL);
  g_return_if_fail (!g_hash_table_contains (self->by_id, GUINT_TO_POINTER (member->id)));

  g_ptr_array_add (self->members, member);
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (member->id), member);
}

JnRoomMixMember *
jn_room_mix_take (JnRoomMix *self,
                  guint32    id)
{
  JnRoomMixMember *member = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));

  if (member == NULL)
    return NULL;
  g_hash_table_remove (self->by_id, GUINT_TO_POINTER (id));
  g_ptr_array_remove_fast (self->members, member);
  self->stats.decode_errors += member->decode_errors;
  /* its settings stay with the others until they set new ones: harmless,
   * a setting for nobody mixes nothing */
  return member;
}

gboolean
jn_room_mix_set_gain (JnRoomMix *self,
                      guint32    listener,
                      guint32    source,
                      double     gain,
                      gboolean   mute,
                      double     pan)
{
  JnRoomMixMember *member = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (listener));
  Setting *s = NULL;
  float g;

  if (member == NULL || listener == source ||
      !g_hash_table_contains (self->by_id, GUINT_TO_POINTER (source)) ||
      !(gain >= 0.0 && gain <= JN_MIX_GAIN_MAX) || !(pan >= -1.0 && pan <= 1.0))
    return FALSE;
  for (guint i = 0; i < member->n_settings && s == NULL; i++)
    if (member->settings[i].source == source)
      s = &member->settings[i];
  if (s == NULL)
    {
      /* room for the oldest, left-over settings' sources first */
      if (member->n_settings == MAX_SETTINGS)
        {
          guint k = 0;

          for (guint i = 0; i < member->n_settings; i++)
            if (g_hash_table_contains (self->by_id, GUINT_TO_POINTER (member->settings[i].source)))
              member->settings[k++] = member->settings[i];
          member->n_settings = k;
          if (k == MAX_SETTINGS)
            return FALSE;
        }
      s = &member->settings[member->n_settings++];
      s->source = source;
    }
  s->asked_gain = gain;
  s->asked_mute = !!mute;
  s->asked_pan = pan;
  g = mute ? 0.f : (float) gain;
  if (self->format.channels == 2)
    {
      /* a balance: the centre is unity on both sides, a side turns the
       * other down (a stereo source keeps its own image) */
      s->gain[0] = g * (float) MIN (1.0, 1.0 - pan);
      s->gain[1] = g * (float) MIN (1.0, 1.0 + pan);
    }
  else
    s->gain[0] = s->gain[1] = g;   /* a mono room has no sides */
  return TRUE;
}

gboolean
jn_room_mix_get_gain (JnRoomMix *self,
                      guint32    listener,
                      guint32    source,
                      double    *gain,
                      gboolean  *mute,
                      double    *pan)
{
  JnRoomMixMember *member = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (listener));

  for (guint i = 0; member != NULL && i < member->n_settings; i++)
    if (member->settings[i].source == source)
      {
        *gain = member->settings[i].asked_gain;
        *mute = member->settings[i].asked_mute;
        *pan = member->settings[i].asked_pan;
        return TRUE;
      }
  return FALSE;
}

void
jn_room_mix_push (JnRoomMix      *self,
                  guint32         id,
                  const JnPacket *packet,
                  gint64          now)
{
  JnRoomMixMember *member = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  JnJitterPushResult r;

  g_return_if_fail (packet->header.kind == JN_PACKET_AUDIO);

  if (member == NULL)
    return;
  /* a duplicate, or a number far from the stream's: not taken */
  if (!jn_receive_stats_audio_seq (&member->rx, packet->header.seq,
                                   (packet->header.flags & JN_PACKET_FLAG_RESUMED) != 0, now))
    return;
  self->stats.packets++;
  if (self->format.format == JN_SAMPLE_OPUS)
    r = jn_jitter_buffer_push_coded (member->jb, packet->header.seq, packet->audio.samples,
                                     packet->audio.samples_size);
  else
    {
      jn_packet_audio_to_float (packet, member->scratch);
      r = jn_jitter_buffer_push (member->jb, packet->header.seq, member->scratch);
      self->stats.copies_disagree += jn_jitter_buffer_take_copies (member->jb, packet, member->scratch);
    }
  if (r == JN_JITTER_PUSH_LATE)
    self->stats.late++;
}

gboolean
jn_room_mix_fill_report (JnRoomMix  *self,
                         guint32     id,
                         JnSyncPong *pong,
                         gint64      now)
{
  JnRoomMixMember *member = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));

  if (member == NULL || member->rx.audio_packets == 0)
    return FALSE;
  pong->has_report = TRUE;
  pong->lost = (guint32) jn_receive_stats_lost (&member->rx);
  pong->received = (guint32) member->rx.audio_packets;
  pong->burst = (guint8) MIN (jn_receive_stats_recent_burst (&member->rx, now), 255);
  pong->depth = (guint8) MIN (jn_jitter_buffer_get_depth (member->jb), 255);
  return TRUE;
}

static JnConcealer *
lookup_concealer (gpointer user_data,
                  guint32  stream)
{
  JnRoomMixMember *member = g_hash_table_lookup (user_data, GUINT_TO_POINTER (stream));

  return member != NULL ? member->concealer : NULL;
}

/* the pool's view of member `index` */
static JnConcealer *
member_stream (gpointer  user_data,
               guint     index,
               guint64  *played_packets)
{
  JnRoomMixMember *member = g_ptr_array_index ((GPtrArray *) user_data, index);

  *played_packets = member->played;
  return member->concealer;
}

/* As the engine's: the models that came back, and asks for the due ones */
static void
exchange_with_worker (JnRoomMix *self,
                      guint32    seq)
{
  jn_concealer_pool_exchange (self->pool, lookup_concealer, self->by_id, member_stream, self->members,
                              self->members->len, seq);
}

static void
send_mix (JnRoomMix       *self,
          JnRoomMixMember *member,
          guint32          seq,
          JnRoomMixSend    send,
          gpointer         user_data)
{
  JnPacketHeader header = { JN_PACKET_AUDIO, 0, JN_HUB_PEER_ID, 0, 0, seq,
                            (guint64) g_get_monotonic_time () };
  gsize n;

  if (member->encoder != NULL)
    {
      gsize coded = jn_codec_encode (member->encoder, self->out, self->coded,
                                     jn_audio_payload_size (&self->format));

      n = coded > 0 ? jn_packet_encode_audio_coded (self->tx, JN_PACKET_MAX_SIZE, &header,
                                                    &self->format, self->coded, coded)
                    : 0;
    }
  else
    n = jn_packet_encode_audio (self->tx, JN_PACKET_MAX_SIZE, &header, &self->format, self->out);
  if (n == 0)
    {
      self->stats.encode_errors++;
      return;
    }
  send (user_data, member->id, self->tx, n);
}

void
jn_room_mix_run (JnRoomMix     *self,
                 guint32        seq,
                 JnRoomMixSend  send,
                 gpointer       user_data)
{
  guint channels = self->format.channels;
  gsize samples = (gsize) self->format.frames * channels;
  gint64 began = g_get_monotonic_time ();
  double took;

  if (self->pool != NULL)
    exchange_with_worker (self, seq);

  memset (self->total, 0, sizeof (float) * samples);
  for (guint i = 0; i < self->members->len; i++)
    {
      JnRoomMixMember *member = g_ptr_array_index (self->members, i);
      guint32 played_seq;
      JnJitterPopResult r = jn_jitter_buffer_pop (member->jb, member->in, &played_seq);

      member->sounding = r != JN_JITTER_POP_IDLE;
      if (!member->sounding)
        continue;
      if (r == JN_JITTER_POP_PLAYED)
        {
          member->played++;
          self->stats.played++;
        }
      else
        self->stats.concealed++;
      for (gsize k = 0; k < samples; k++)
        self->total[k] += member->in[k];
    }

  for (guint i = 0; i < self->members->len; i++)
    {
      JnRoomMixMember *member = g_ptr_array_index (self->members, i);

      /* everyone but itself, then its own settings for the others */
      if (member->sounding)
        for (gsize k = 0; k < samples; k++)
          self->out[k] = self->total[k] - member->in[k];
      else
        memcpy (self->out, self->total, sizeof (float) * samples);
      for (guint s = 0; s < member->n_settings; s++)
        {
          const Setting *setting = &member->settings[s];
          JnRoomMixMember *source = g_hash_table_lookup (self->by_id,
                                                         GUINT_TO_POINTER (setting->source));

          if (source == NULL || !source->sounding)
            continue;
          for (guint c = 0; c < channels; c++)
            {
              float d = setting->gain[c] - 1.f;

              if (d != 0.f)
                for (gsize k = c; k < samples; k += channels)
                  self->out[k] += d * source->in[k];
            }
        }
      send_mix (self, member, seq, send, user_data);
    }

  self->stats.mixes++;
  took = (double) (g_get_monotonic_time () - began);
  self->mix_us_sum += took;
  self->stats.mix_us_max = MAX (self->stats.mix_us_max, took);
}

gint64
jn_room_mix_run_due (JnRoomMix     *self,
                     gint64         now,
                     JnRoomMixSend  send,
                     gpointer       user_data)
{
  gint64 period_us = (gint64) self->format.frames * G_USEC_PER_SEC / self->format.rate;
#define TICK_TIME(t) (self->start_us + (gint64) ((t) * self->format.frames * G_USEC_PER_SEC / self->format.rate))

  if (self->start_us == 0)
    self->start_us = now;
  if (now - TICK_TIME (self->tick) > MAX_CATCH_UP * period_us)
    {
      guint64 target = (guint64) ((now - self->start_us) * self->format.rate /
                                  ((gint64) self->format.frames * G_USEC_PER_SEC));

      self->stats.skipped += target - self->tick;
      self->tick = target;
    }
  while (TICK_TIME (self->tick) <= now)
    {
      if (now - TICK_TIME (self->tick) > period_us)
        self->stats.late_mixes++;
      jn_room_mix_run (self, (guint32) self->tick, send, user_data);
      self->tick++;
    }
  return TICK_TIME (self->tick);
#undef TICK_TIME
}

void
jn_room_mix_get_stats (JnRoomMix      *self,
                       JnRoomMixStats *stats)
{
  *stats = self->stats;   /* decode_errors: of those who left, and below */
  stats->members = self->members->len;
  for (guint i = 0; i < self->members->len; i++)
    stats->decode_errors += ((JnRoomMixMember *) g_ptr_array_index (self->members, i))->decode_errors;
  stats->mix_us_mean = self->stats.mixes > 0 ? self->mix_us_sum / self->stats.mixes : 0.0;
}
