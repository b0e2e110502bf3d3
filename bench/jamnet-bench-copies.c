/* jamnet-bench-copies.c: which coding for the copies of earlier packets
 * that audio packets carry (docs/codec.md, "Copies")
 *
 *   jamnet-bench copy-codings [FILE.wav ...]
 *
 * Codes every 128-frame packet of each clip (mono, 48 kHz; the first
 * channel of others) with each candidate and decodes it again, as a
 * receiver would a copy: block floating point at 4, 5 and 6 bits
 * (jn-audio-copy.c, the one JamNet sends), IMA ADPCM at 4 bits, mu-law at
 * 8, Opus custom mode at 64, 96 and 128 kbit/s (decoded in sequence, the
 * most it could do).  Prints each one's SNR over the whole clip and its
 * bytes per packet against s16 PCM.  Without files: tests/data/piano.wav
 * and three made here (noise hits like a drum kit, a bright sawtooth
 * chord, high sines over noise).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-audio-copy.h"
#include "jn-codec.h"
#include "jn-wav.h"

#define PACKET 128

typedef struct
{
  char  *name;
  float *x;
  gsize  n;      /* whole packets' worth */
} Clip;

/* --- the candidates that are not JamNet's -------------------------------- */

static const gint16 ima_steps[89] = {
  7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66,
  73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408,
  449, 494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066,
  2272, 2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630,
  9493, 10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794,
  32767,
};
static const gint8 ima_index[16] = { -1, -1, -1, -1, 2, 4, 6, 8, -1, -1, -1, -1, 2, 4, 6, 8 };

static gint
to_s16 (float v)
{
  return (gint) CLAMP (lrintf (CLAMP (v, -1.f, 1.f) * 32768.f), -32768, 32767);
}

/* One packet as IMA ADPCM: its first sample and step index in clear (3
 * bytes), then 4 bits per sample; decodes on its own. */
static void
adpcm_packet (const float *in, float *out, gint *index)
{
  gint pred = to_s16 (in[0]), idx = *index;

  out[0] = pred / 32768.f;
  for (guint i = 1; i < PACKET; i++)
    {
      gint step = ima_steps[idx], diff = to_s16 (in[i]) - pred, code = 0, vd = step >> 3;

      if (diff < 0)
        code = 8, diff = -diff;
      if (diff >= step)
        code |= 4, diff -= step, vd += step;
      if (diff >= step >> 1)
        code |= 2, diff -= step >> 1, vd += step >> 1;
      if (diff >= step >> 2)
        code |= 1, vd += step >> 2;
      pred = CLAMP (pred + ((code & 8) ? -vd : vd), -32768, 32767);
      idx = CLAMP (idx + ima_index[code], 0, 88);
      out[i] = pred / 32768.f;
    }
  *index = idx;
}

static float
mulaw (float v)
{
  float m = copysignf (logf (1 + 255 * fabsf (v)) / logf (256), CLAMP (v, -1.f, 1.f));
  float r = lrintf (m * 127) / 127.f;

  return copysignf ((powf (256, fabsf (r)) - 1) / 255, r);
}

/* --- measuring ----------------------------------------------------------- */

static double
snr_db (const Clip *c, const float *y, gsize delay)
{
  double s = 0, e = 0;

  for (gsize i = 0; i + delay < c->n; i++)
    {
      double d = c->x[i] - y[i + delay];

      s += (double) c->x[i] * c->x[i];
      e += d * d;
    }
  return 10 * log10 (s / MAX (e, 1e-20));
}

static void
row (const char *name, double snr, double bytes)
{
  g_print ("    %-24s %6.1f dB  %6.1f bytes  %5.1f %% of s16\n", name, snr, bytes,
           100 * bytes / (2 * PACKET));
}

static void
measure (const Clip *c)
{
  g_autofree float *y = g_new0 (float, c->n + 2 * PACKET);
  guint8 copy[2 * PACKET];
  gint index = 0;

  g_print ("  %s (%.2f s)\n", c->name, c->n / 48000.0);
  for (guint bits = 4; bits <= 6; bits++)
    {
      g_autofree char *name = g_strdup_printf ("block float, %u bits", bits);

      for (gsize p = 0; p < c->n; p += PACKET)
        {
          jn_audio_copy_encode (c->x + p, PACKET, bits, copy);
          jn_audio_copy_decode (copy, PACKET, bits, y + p);
        }
      row (name, snr_db (c, y, 0), 2 + (double) jn_audio_copy_size (PACKET, bits));
    }
  for (gsize p = 0; p < c->n; p += PACKET)
    adpcm_packet (c->x + p, y + p, &index);
  row ("IMA ADPCM, 4 bits", snr_db (c, y, 0), 2 + 3 + (PACKET - 1) / 2.0);
  for (gsize i = 0; i < c->n; i++)
    y[i] = mulaw (c->x[i]);
  row ("mu-law, 8 bits", snr_db (c, y, 0), 2 + PACKET);
  for (guint kbps = 64; kbps <= 128; kbps += 32)
    {
      JnAudioFormat format = { 48000, PACKET, 1, JN_SAMPLE_OPUS, kbps * 1000 };
      g_autoptr(JnCodec) enc = jn_codec_new_encoder (&format, NULL);
      g_autoptr(JnCodec) dec = jn_codec_new_decoder (&format, NULL);
      g_autofree char *name = g_strdup_printf ("Opus, %u kbit/s", kbps);
      guint8 coded[1500];
      gsize size = 0;

      if (enc == NULL || dec == NULL)
        continue;
      for (gsize p = 0; p < c->n; p += PACKET)
        {
          size = jn_codec_encode (enc, c->x + p, coded, sizeof coded);
          jn_codec_decode (dec, coded, size, y + p);
        }
      row (name, snr_db (c, y, jn_codec_delay_frames (&format)), 2 + (double) size);
    }
}

static Clip
made (const char *name, double (*sample) (guint i, GRand *rand))
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  Clip c = { g_strdup (name), g_new (float, 96000), 96000 };

  for (guint i = 0; i < c.n; i++)
    c.x[i] = (float) sample (i, rand);
  return c;
}

static double
drum_hits (guint i, GRand *rand)
{
  return 0.6 * g_rand_double_range (rand, -1, 1) * exp (-(double) (i % 12000) / 1500.0);
}

static double
saw (double f, guint i)
{
  return 2 * fmod (f * i / 48000.0, 1.0) - 1;
}

static double
saw_chord (guint i, GRand *rand)
{
  return 0.25 * (saw (220 * (1 + 0.01 * sin (i / 4800.0)), i) + saw (277, i) + saw (330, i));
}

static double
bright (guint i, GRand *rand)
{
  return 0.3 * sin (2 * G_PI * 5000 * i / 48000) + 0.2 * sin (2 * G_PI * 9000 * i / 48000) +
         0.1 * g_rand_double_range (rand, -1, 1);
}

int
jn_bench_copy_codings (int    argc,
                       char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  GArray *clips = g_array_new (FALSE, FALSE, sizeof (Clip));

  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "-"))
        {
          g_printerr ("usage: jamnet-bench copy-codings [FILE.wav ...]\n");
          g_array_unref (clips);
          return g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") ? 0 : 2;
        }
      g_ptr_array_add (files, g_strdup (argv[i]));
    }
  if (files->len == 0)
    g_ptr_array_add (files, g_build_filename (JN_SOURCE_DIR, "tests", "data", "piano.wav", NULL));
  for (guint f = 0; f < files->len; f++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JnWav) wav = jn_wav_load (g_ptr_array_index (files, f), &error);
      Clip c;

      if (wav == NULL)
        {
          g_printerr ("copy-codings: %s\n", error->message);
          continue;
        }
      c.name = g_path_get_basename (g_ptr_array_index (files, f));
      c.n = wav->frames - wav->frames % PACKET;
      c.x = g_new (float, c.n);
      for (gsize i = 0; i < c.n; i++)
        c.x[i] = wav->samples[i * wav->channels];
      g_array_append_val (clips, c);
    }
  if (argc <= 1)
    {
      Clip m[] = { made ("noise hits", drum_hits), made ("sawtooth chord", saw_chord),
                   made ("high sines over noise", bright) };

      g_array_append_vals (clips, m, G_N_ELEMENTS (m));
    }
  g_print ("copy-codings: each 128-frame packet coded and decoded alone (Opus in sequence); "
           "SNR over the clip, bytes per copy with its 2 bytes of section header\n");
  for (guint i = 0; i < clips->len; i++)
    {
      Clip *c = &g_array_index (clips, Clip, i);

      measure (c);
      g_free (c->name);
      g_free (c->x);
    }
  g_array_unref (clips);
  return 0;
}
