/* test-room-mix.c: a mix room's personal mixes (JnRoomMix), period by
 * period: what each member hears is the sum of the others with its own
 * gains, mutes and pans; losses concealed; Opus within its tolerance.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-codec.h"
#include "jn-room-mix.h"

#define FRAMES 128
#define RATE   48000
#define N      4         /* members 2..5 */

typedef struct
{
  JnAudioFormat format;
  JnCodec      *decoder[N];   /* Opus: each member's mix */
  float         heard[N][FRAMES * 2];
  gboolean      got[N];
  guint         sends;
} Out;

static void
on_send (gpointer user_data, guint32 member, const guint8 *datagram, gsize size)
{
  Out *out = user_data;
  JnPacket packet;
  guint k = member - 2;

  g_assert_cmpuint (k, <, N);
  g_assert_true (jn_packet_decode (datagram, size, &packet, NULL));
  g_assert_cmpint (packet.header.kind, ==, JN_PACKET_AUDIO);
  g_assert_cmpuint (packet.header.sender_id, ==, JN_HUB_PEER_ID);
  g_assert_cmpuint (packet.audio.format.channels, ==, out->format.channels);
  if (out->format.format == JN_SAMPLE_OPUS)
    g_assert_true (jn_codec_decode (out->decoder[k], packet.audio.samples, packet.audio.samples_size,
                                    out->heard[k]));
  else
    jn_packet_audio_to_float (&packet, out->heard[k]);
  out->got[k] = TRUE;
  out->sends++;
}

/* Member id's audio in period seq: PCM tests use a level per member and
 * channel that changes every period, so that a mix of the wrong periods
 * shows; Opus, a sine of its own per member. */
static float
level (guint32 id, guint c, guint32 seq)
{
  return (float) (0.01 * id + 0.003 * c + 0.0007 * (seq % 7));
}

static void
fill (const JnAudioFormat *f, guint32 id, guint32 seq, float *x)
{
  for (guint i = 0; i < f->frames; i++)
    for (guint c = 0; c < f->channels; c++)
      {
        if (f->format == JN_SAMPLE_OPUS)
          x[i * f->channels + c] = 0.2f * (float) sin (2 * G_PI * (220.0 * (id - 1)) *
                                                       ((double) seq * f->frames + i) / RATE);
        else
          x[i * f->channels + c] = level (id, c, seq);
      }
}

/* s16 on the way in, float sum, s16 on the way out */
static float
q16 (float v)
{
  return lrintf (CLAMP (v, -1.f, 1.f) * 32768.f) / 32768.f;
}

static void
push (JnRoomMix *mix, const JnAudioFormat *f, JnCodec **encoders, guint32 id, guint32 seq)
{
  float x[FRAMES * 2];
  guint8 buf[JN_PACKET_MAX_SIZE], coded[1500];
  JnPacketHeader h = { JN_PACKET_AUDIO, 0, id, 0, 0, seq, 1 };
  JnPacket packet;
  gsize n;

  fill (f, id, seq, x);
  if (f->format == JN_SAMPLE_OPUS)
    {
      gsize c = jn_codec_encode (encoders[id - 2], x, coded, jn_audio_payload_size (f));

      n = jn_packet_encode_audio_coded (buf, sizeof buf, &h, f, coded, c);
    }
  else
    n = jn_packet_encode_audio (buf, sizeof buf, &h, f, x);
  g_assert_cmpuint (n, >, 0);
  g_assert_true (jn_packet_decode (buf, n, &packet, NULL));
  jn_room_mix_push (mix, id, &packet, g_get_monotonic_time ());
}

static JnRoomMix *
new_mix (const JnAudioFormat *f, const char *plc)
{
  g_autoptr(GError) error = NULL;
  JnRoomMix *mix = jn_room_mix_new (f, 2, plc, NULL, &error);

  g_assert_no_error (error);
  for (guint32 id = 2; id < 2 + N; id++)
    {
      JnRoomMixMember *m = jn_room_mix_member_new (mix, id, &error);

      g_assert_no_error (error);
      jn_room_mix_insert (mix, m);
    }
  return mix;
}

/* every member but 5 sends every period; 5 sends nothing */
static void
test_sum (void)
{
  static const JnAudioFormat f = { RATE, FRAMES, 1, JN_SAMPLE_S16 };
  g_autoptr(JnRoomMix) mix = new_mix (&f, "zero");
  Out out = { f };
  JnRoomMixStats stats;
  guint checked = 0;

  /* member 2 hears 3 at half, 4 muted; member 3 hears 2 at twice */
  g_assert_true (jn_room_mix_set_gain (mix, 2, 3, 0.5, FALSE, 0.0));
  g_assert_true (jn_room_mix_set_gain (mix, 2, 4, 1.0, TRUE, 0.0));
  g_assert_true (jn_room_mix_set_gain (mix, 3, 2, 2.0, FALSE, 0.0));
  /* refused: itself, a stranger, out of range */
  g_assert_false (jn_room_mix_set_gain (mix, 2, 2, 1.0, FALSE, 0.0));
  g_assert_false (jn_room_mix_set_gain (mix, 2, 9, 1.0, FALSE, 0.0));
  g_assert_false (jn_room_mix_set_gain (mix, 9, 2, 1.0, FALSE, 0.0));
  g_assert_false (jn_room_mix_set_gain (mix, 2, 3, 4.5, FALSE, 0.0));
  g_assert_false (jn_room_mix_set_gain (mix, 2, 3, NAN, FALSE, 0.0));
  g_assert_false (jn_room_mix_set_gain (mix, 2, 3, 1.0, FALSE, 1.5));

  for (guint32 seq = 0; seq < 40; seq++)
    {
      for (guint32 id = 2; id <= 4; id++)
        push (mix, &f, NULL, id, seq);
      memset (out.got, 0, sizeof out.got);
      jn_room_mix_run (mix, seq, on_send, &out);
      for (guint k = 0; k < N; k++)
        g_assert_true (out.got[k]);
      /* the buffers (depth 2) start with two packets in: they play seq - 1
       * from the second period on */
      if (seq >= 1)
        {
          guint32 p = seq - 1;
          float x2 = q16 (level (2, 0, p)), x3 = q16 (level (3, 0, p)), x4 = q16 (level (4, 0, p));
          float want[N] = {
            q16 (0.5f * x3),          /* 2: 3 at half, 4 muted, 5 silent */
            q16 (2.f * x2 + x4),      /* 3 */
            q16 (x2 + x3),            /* 4 */
            q16 (x2 + x3 + x4),       /* 5: everyone */
          };

          for (guint k = 0; k < N; k++)
            for (guint i = 0; i < FRAMES; i++)
              if (fabsf (out.heard[k][i] - want[k]) > 1.5f / 32768.f)
                g_error ("period %u, member %u, sample %u: %g, want %g", seq, k + 2, i,
                         out.heard[k][i], want[k]);
          checked++;
        }
    }
  g_assert_cmpuint (checked, ==, 39);
  jn_room_mix_get_stats (mix, &stats);
  g_assert_cmpuint (stats.mixes, ==, 40);
  g_assert_cmpuint (stats.packets, ==, 120);
  g_assert_cmpuint (stats.played, ==, 3 * 39);
  g_assert_cmpuint (stats.concealed, ==, 0);
  g_assert_cmpuint (stats.members, ==, N);
  g_assert_cmpuint (out.sends, ==, 40 * N);

  /* a member that leaves is in nobody's mix from the next period */
  jn_room_mix_member_free (jn_room_mix_take (mix, 4));
  g_assert_null (jn_room_mix_take (mix, 4));
  for (guint32 seq = 40; seq < 44; seq++)
    {
      for (guint32 id = 2; id <= 4; id++)
        push (mix, &f, NULL, id, seq);
      jn_room_mix_run (mix, seq, on_send, &out);
    }
  g_assert_cmpfloat (fabsf (out.heard[3][0] - q16 (q16 (level (2, 0, 42)) + q16 (level (3, 0, 42)))),
                     <=, 1.5f / 32768.f);
  g_assert_false (jn_room_mix_set_gain (mix, 2, 4, 1.0, FALSE, 0.0));
}

/* in a stereo room a pan is a balance; in a mono one it does nothing */
static void
test_pan (void)
{
  static const JnAudioFormat f = { RATE, FRAMES, 2, JN_SAMPLE_S16 };
  g_autoptr(JnRoomMix) mix = new_mix (&f, "zero");
  Out out = { f };

  g_assert_true (jn_room_mix_set_gain (mix, 2, 3, 1.0, FALSE, -1.0));   /* 3 hard left */
  g_assert_true (jn_room_mix_set_gain (mix, 2, 4, 0.8, FALSE, 0.5));    /* 4 half right */
  for (guint32 seq = 0; seq < 6; seq++)
    {
      for (guint32 id = 2; id <= 4; id++)
        push (mix, &f, NULL, id, seq);
      jn_room_mix_run (mix, seq, on_send, &out);
    }
  {
    guint32 p = 4;
    float l3 = q16 (level (3, 0, p)), l4 = q16 (level (4, 0, p));
    float r4 = q16 (level (4, 1, p));

    for (guint i = 0; i < FRAMES; i++)
      {
        /* left: 3 whole, 4 at 0.8 x 0.5; right: 3 gone, 4 at 0.8 */
        g_assert_cmpfloat (fabsf (out.heard[0][2 * i] - q16 (l3 + 0.4f * l4)), <=, 1.5f / 32768.f);
        g_assert_cmpfloat (fabsf (out.heard[0][2 * i + 1] - q16 (0.8f * r4)), <=, 1.5f / 32768.f);
      }
  }
  {
    static const JnAudioFormat mono = { RATE, FRAMES, 1, JN_SAMPLE_S16 };
    g_autoptr(JnRoomMix) m1 = new_mix (&mono, "zero");
    Out o1 = { mono };

    g_assert_true (jn_room_mix_set_gain (m1, 2, 3, 1.0, FALSE, -1.0));
    for (guint32 seq = 0; seq < 6; seq++)
      {
        for (guint32 id = 2; id <= 3; id++)
          push (m1, &mono, NULL, id, seq);
        jn_room_mix_run (m1, seq, on_send, &o1);
      }
    g_assert_cmpfloat (fabsf (o1.heard[0][5] - q16 (level (3, 0, 4))), <=, 1.5f / 32768.f);
  }
}

/* a lost packet is concealed, not silence, and the others' go on */
static void
test_loss (void)
{
  static const JnAudioFormat f = { RATE, FRAMES, 1, JN_SAMPLE_S16 };
  g_autoptr(JnRoomMix) mix = new_mix (&f, "repeat");
  Out out = { f };
  JnRoomMixStats stats;
  guint lost = 0;

  for (guint32 seq = 0; seq < 60; seq++)
    {
      for (guint32 id = 2; id <= 5; id++)
        if (id != 3 || seq % 10 != 5)
          push (mix, &f, NULL, id, seq);
        else
          lost++;
      jn_room_mix_run (mix, seq, on_send, &out);
      for (guint k = 0; k < N; k++)
        g_assert_true (out.got[k]);
    }
  jn_room_mix_get_stats (mix, &stats);
  g_test_message ("%u lost, %" G_GUINT64_FORMAT " concealed, %" G_GUINT64_FORMAT " played",
                  lost, stats.concealed, stats.played);
  g_assert_cmpuint (stats.concealed, ==, lost);
  g_assert_cmpuint (stats.played + stats.concealed, ==, 4 * 59);
}

/* Copies in a mix room: member 3 loses packet 5 and its packet 6 carries a
 * copy of it, which restores it (nothing concealed); member 4's packet 6
 * carries a copy of 5 unlike the 5 the server has: refused and counted */
static void
push_with_copy (JnRoomMix *mix, const JnAudioFormat *f, guint32 id, guint32 seq, guint32 copy_of_id)
{
  float x[FRAMES], c[FRAMES];
  guint8 buf[JN_PACKET_MAX_SIZE], copies[3 + 128];
  JnPacketHeader h = { JN_PACKET_AUDIO, 0, id, 0, 0, seq, 1 };
  JnPacket packet;
  gsize n;

  fill (f, id, seq, x);
  fill (f, copy_of_id, seq - 1, c);
  copies[0] = 1;
  copies[1] = 1;   /* back */
  copies[2] = 5;   /* bits */
  g_assert_cmpuint (jn_audio_copy_size (FRAMES, 5), <=, sizeof copies - 3);
  jn_audio_copy_encode (c, FRAMES, 5, copies + 3);
  n = jn_packet_encode_audio_copies (buf, sizeof buf, &h, f, x, copies, 3 + jn_audio_copy_size (FRAMES, 5));
  g_assert_cmpuint (n, >, 0);
  g_assert_true (jn_packet_decode (buf, n, &packet, NULL));
  g_assert_cmpuint (packet.audio.n_copies, ==, 1);
  jn_room_mix_push (mix, id, &packet, g_get_monotonic_time ());
}

static void
test_copies (void)
{
  static const JnAudioFormat f = { RATE, FRAMES, 1, JN_SAMPLE_S16 };
  g_autoptr(JnRoomMix) mix = new_mix (&f, "repeat");
  Out out = { f };
  JnRoomMixStats stats;

  for (guint32 seq = 0; seq < 20; seq++)
    {
      for (guint32 id = 2; id <= 5; id++)
        if (seq == 6 && id == 3)
          push_with_copy (mix, &f, id, seq, id);
        else if (seq == 6 && id == 4)
          push_with_copy (mix, &f, id, seq, 2);   /* a copy of someone else's audio */
        else if (seq != 5 || id != 3)
          push (mix, &f, NULL, id, seq);
      jn_room_mix_run (mix, seq, on_send, &out);
    }
  jn_room_mix_get_stats (mix, &stats);
  g_assert_cmpuint (stats.copies_disagree, ==, 1);
  g_assert_cmpuint (stats.concealed, ==, 0);
  g_assert_cmpuint (stats.played, ==, 4 * 19);
}

/* Opus in, mixed, Opus out: the mix against the sum of what was sent,
 * aligned by the two codecs' delay */
static void
test_opus (void)
{
  for (guint bitrate = 64000; bitrate <= 128000; bitrate *= 2)
    {
      JnAudioFormat f = { RATE, FRAMES, 1, JN_SAMPLE_OPUS, bitrate };
      g_autoptr(JnRoomMix) mix = new_mix (&f, "zero");
      g_autoptr(GError) error = NULL;
      JnCodec *encoders[N];
      Out out = { f };
      guint delay = 2 * jn_codec_delay_frames (&f);
      guint periods = 200, warm = 20;
      g_autofree float *heard = g_new0 (float, (gsize) periods * FRAMES);
      double signal = 0, noise = 0, snr;

      for (guint k = 0; k < N; k++)
        {
          encoders[k] = jn_codec_new_encoder (&f, &error);
          out.decoder[k] = jn_codec_new_decoder (&f, &error);
          g_assert_no_error (error);
        }
      for (guint32 seq = 0; seq < periods; seq++)
        {
          for (guint32 id = 2; id <= 5; id++)
            push (mix, &f, encoders, id, seq);
          jn_room_mix_run (mix, seq, on_send, &out);
          memcpy (heard + (gsize) seq * FRAMES, out.heard[0], sizeof (float) * FRAMES);
        }
      /* member 2 hears 3, 4 and 5, played a period after they were sent */
      for (gsize t = (gsize) warm * FRAMES; t < (gsize) periods * FRAMES; t++)
        {
          gint64 sent = (gint64) t - FRAMES - delay;
          float want = 0.f, x[FRAMES];

          if (sent < 0)
            continue;
          for (guint32 id = 3; id <= 5; id++)
            {
              fill (&f, id, (guint32) (sent / FRAMES), x);
              want += x[sent % FRAMES];
            }
          signal += (double) want * want;
          noise += (double) (heard[t] - want) * (heard[t] - want);
        }
      snr = 10 * log10 (signal / MAX (noise, 1e-20));
      g_test_message ("Opus %u kbit/s, twice through the codec: mix SNR %.1f dB", bitrate / 1000, snr);
      /* docs/server.md states it */
      g_assert_cmpfloat (snr, >=, bitrate < 100000 ? 7.0 : 20.0);
      for (guint k = 0; k < N; k++)
        {
          jn_codec_free (encoders[k]);
          jn_codec_free (out.decoder[k]);
        }
    }
}

/* paced by the clock: late periods are counted, a long stall skipped */
static void
test_pacing (void)
{
  static const JnAudioFormat f = { RATE, FRAMES, 1, JN_SAMPLE_S16 };
  g_autoptr(JnRoomMix) mix = new_mix (&f, "zero");
  Out out = { f };
  JnRoomMixStats stats;
  gint64 t0 = 1000000, next;

  next = jn_room_mix_run_due (mix, t0, on_send, &out);
  g_assert_cmpint (next - t0, ==, 2666);
  /* on time, period after period */
  for (guint k = 1; k < 10; k++)
    next = jn_room_mix_run_due (mix, next, on_send, &out);
  jn_room_mix_get_stats (mix, &stats);
  g_assert_cmpuint (stats.mixes, ==, 10);
  g_assert_cmpuint (stats.late_mixes, ==, 0);
  /* three periods late: caught up, two of them late */
  next = jn_room_mix_run_due (mix, next + 3 * 2667, on_send, &out);
  jn_room_mix_get_stats (mix, &stats);
  g_assert_cmpuint (stats.mixes, ==, 14);
  g_assert_cmpuint (stats.late_mixes, ==, 3);
  /* a second's stall: skipped, not a burst */
  jn_room_mix_run_due (mix, next + G_USEC_PER_SEC, on_send, &out);
  jn_room_mix_get_stats (mix, &stats);
  g_assert_cmpuint (stats.mixes, <=, 16);
  g_assert_cmpuint (stats.skipped, >=, 370);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/room-mix/sum", test_sum);
  g_test_add_func ("/room-mix/pan", test_pan);
  g_test_add_func ("/room-mix/loss", test_loss);
  g_test_add_func ("/room-mix/copies", test_copies);
  g_test_add_func ("/room-mix/opus", test_opus);
  g_test_add_func ("/room-mix/pacing", test_pacing);
  return g_test_run ();
}
