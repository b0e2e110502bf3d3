/* test-codec.c: Opus custom mode as JamNet codes it (jn-codec.c), and the
 * packets that carry it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "jn-audio-copy.h"
#include "jn-codec.h"
#include "jn-error.h"
#include "jn-packet.h"
#include "jn-wav.h"

static JnAudioFormat
opus_format (guint frames, guint channels, guint bitrate)
{
  return (JnAudioFormat) { 48000, frames, channels, JN_SAMPLE_OPUS, bitrate };
}

static JnWav *
load_piano (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("JAMNET_TEST_DATA"), "piano.wav", NULL);
  g_autoptr(GError) error = NULL;
  JnWav *wav = jn_wav_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (wav->channels, ==, 1);
  return wav;
}

/* Codes and decodes the whole of in (mono) packet by packet; returns the
 * decoded audio and checks every packet's size. */
static float *
round_trip (const JnAudioFormat *format, const float *in, gsize frames, gsize *out_frames)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnCodec) enc = jn_codec_new_encoder (format, &error);
  g_autoptr(JnCodec) dec = jn_codec_new_decoder (format, &error);
  gsize packets = frames / format->frames, expected = jn_codec_packet_size (format);
  float *out = g_new0 (float, packets * format->frames);
  guint8 coded[4096];

  g_assert_no_error (error);
  g_assert_nonnull (enc);
  g_assert_nonnull (dec);
  for (gsize p = 0; p < packets; p++)
    {
      gsize n = jn_codec_encode (enc, in + p * format->frames, coded, sizeof coded);

      g_assert_cmpuint (n, ==, expected);
      g_assert_true (jn_codec_decode (dec, coded, n, out + p * format->frames));
    }
  *out_frames = packets * format->frames;
  return out;
}

/* The SNR of out against in, at the delay (0..511 samples) where they match
 * best: the codec's own look-ahead. */
static double
aligned_snr (const float *in, const float *out, gsize frames, guint *delay_out)
{
  double best = -1.0;
  guint delay = 0;
  double sig = 0, err = 0;

  for (guint d = 0; d < 512; d++)
    {
      double xy = 0, yy = 0;

      for (gsize t = 2048; t + d < frames; t++)
        {
          xy += (double) in[t] * out[t + d];
          yy += (double) out[t + d] * out[t + d];
        }
      if (yy > 0 && xy / sqrt (yy) > best)
        {
          best = xy / sqrt (yy);
          delay = d;
        }
    }
  for (gsize t = 2048; t + delay < frames; t++)
    {
      double e = (double) in[t] - out[t + delay];

      sig += (double) in[t] * in[t];
      err += e * e;
    }
  *delay_out = delay;
  return 10.0 * log10 (sig / MAX (err, 1e-20));
}

static void
test_round_trip (gconstpointer data)
{
  guint frames = GPOINTER_TO_UINT (data);
  g_autoptr(JnWav) wav = load_piano ();
  double snr[2];
  const guint rates[2] = { 64000, 192000 };

  for (guint r = 0; r < 2; r++)
    {
      JnAudioFormat format = opus_format (frames, 1, rates[r]);
      gsize n = 0;
      g_autofree float *out = round_trip (&format, wav->samples, wav->frames, &n);
      guint delay = 0;

      snr[r] = aligned_snr (wav->samples, out, n, &delay);
      g_test_message ("%u frames, %u kbit/s: %" G_GSIZE_FORMAT " bytes a packet, "
                      "SNR %.1f dB at a delay of %u samples", frames, rates[r] / 1000,
                      jn_codec_packet_size (&format), snr[r], delay);
      /* the codec's look-ahead: one 64-frame Opus frame's overlap, whatever
       * the packet's size (docs/codec.md) */
      g_assert_cmpuint (delay, ==, jn_codec_delay_frames (&format));
    }
  /* docs/codec.md: a perceptual codec is not a waveform coder, but on piano
   * it follows the waveform closely, and more better with more bits */
  g_assert_cmpfloat (snr[0], >, 12.0);
  g_assert_cmpfloat (snr[1], >, 28.0);
}

static void
test_sizes (void)
{
  JnAudioFormat mono = opus_format (128, 1, 128000), stereo = opus_format (64, 2, 96000);

  /* 128 kbit/s x 64 frames / 48 kHz = 21.3 bytes an Opus frame: 21, two of them */
  g_assert_cmpuint (jn_codec_packet_size (&mono), ==, 42);
  /* stereo counts per channel: 192 kbit/s, 32 bytes a frame */
  g_assert_cmpuint (jn_codec_packet_size (&stereo), ==, 32);
}

static void
test_stereo (void)
{
  JnAudioFormat format = opus_format (128, 2, 128000);
  g_autoptr(JnCodec) enc = jn_codec_new_encoder (&format, NULL);
  g_autoptr(JnCodec) dec = jn_codec_new_decoder (&format, NULL);
  float in[256], out[256];
  guint8 coded[1024];
  double left = 0, right = 0;

  for (guint p = 0; p < 50; p++)
    {
      gsize n;

      for (guint i = 0; i < 128; i++)
        {
          in[2 * i] = 0.5f * sinf ((float) (p * 128 + i) * 0.0577f);
          in[2 * i + 1] = 0.f;
        }
      n = jn_codec_encode (enc, in, coded, sizeof coded);
      g_assert_cmpuint (n, ==, jn_codec_packet_size (&format));
      g_assert_true (jn_codec_decode (dec, coded, n, out));
      if (p < 10)
        continue;
      for (guint i = 0; i < 128; i++)
        {
          left += out[2 * i] * out[2 * i];
          right += out[2 * i + 1] * out[2 * i + 1];
        }
    }
  /* the tone stays on the left */
  g_assert_cmpfloat (left, >, 1000.0 * right);
}

static void
test_hostile (void)
{
  JnAudioFormat format = opus_format (128, 1, 128000);
  g_autoptr(JnCodec) dec = jn_codec_new_decoder (&format, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  float out[128];
  guint8 junk[600];
  const gsize bad_sizes[] = { 0, 1, 2, 3, 41, 2 * 1276 };

  for (guint i = 0; i < G_N_ELEMENTS (bad_sizes); i++)
    {
      out[0] = 1.f;
      g_assert_false (jn_codec_decode (dec, junk, bad_sizes[i], out));
      g_assert_cmpfloat (out[0], ==, 0.f);
    }
  g_assert_false (jn_codec_decode (dec, NULL, 42, out));

  /* random bytes of an allowed size: whatever comes out is bounded */
  for (guint k = 0; k < 2000; k++)
    {
      gsize size = 2 * (1 + g_rand_int_range (rand, 1, 300));

      for (gsize i = 0; i < size; i++)
        junk[i] = (guint8) g_rand_int (rand);
      if (!jn_codec_decode (dec, junk, size, out))
        continue;
      for (guint i = 0; i < 128; i++)
        g_assert_true (isfinite (out[i]) && fabsf (out[i]) <= 1.f);
    }
}

static void
test_formats (void)
{
  const JnAudioFormat bad[] = {
    opus_format (128, 1, 0),
    opus_format (128, 1, 16000),
    opus_format (128, 1, 300000),
    opus_format (100, 1, 128000),
    opus_format (2048, 1, 128000),
    opus_format (128, 3, 128000),
    { 44100, 128, 1, JN_SAMPLE_OPUS, 128000 },
  };
  const JnAudioFormat good[] = {
    opus_format (64, 1, 32000),
    opus_format (128, 2, 256000),
    opus_format (1024, 1, 96000),
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (jn_audio_format_validate (&bad[i], &error));
      g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
      g_clear_error (&error);
      g_assert_null (jn_codec_new_encoder (&bad[i], &error));
      g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(JnCodec) enc = jn_codec_new_encoder (&good[i], NULL);
      g_autoptr(JnCodec) dec = jn_codec_new_decoder (&good[i], NULL);

      g_assert_true (jn_audio_format_validate (&good[i], NULL));
      g_assert_nonnull (enc);
      g_assert_nonnull (dec);
    }
  /* PCM is no Opus */
  {
    JnAudioFormat pcm = { 48000, 128, 1, JN_SAMPLE_S16, 0 };
    g_autoptr(GError) error = NULL;

    g_assert_null (jn_codec_new_decoder (&pcm, &error));
    g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
  }
}

static void
test_packets (void)
{
  JnAudioFormat format = opus_format (128, 1, 128000);
  g_autoptr(JnCodec) enc = jn_codec_new_encoder (&format, NULL);
  JnPacketHeader header = { JN_PACKET_AUDIO, 0, 7, 0, 0, 42, 123456 };
  float in[128] = { 0 };
  guint8 coded[256], buf[512];
  gsize n, size;
  JnPacket packet;

  for (guint i = 0; i < 128; i++)
    in[i] = 0.25f * sinf ((float) i * 0.2f);
  n = jn_codec_encode (enc, in, coded, sizeof coded);
  size = jn_packet_encode_audio_coded (buf, sizeof buf, &header, &format, coded, n);
  g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + n);
  g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
  g_assert_cmpint (packet.audio.format.format, ==, JN_SAMPLE_OPUS);
  g_assert_cmpuint (packet.audio.format.frames, ==, 128);
  g_assert_cmpuint (packet.audio.samples_size, ==, n);
  g_assert_cmpmem (packet.audio.samples, n, coded, n);

  /* an odd payload cannot be two frames of one size */
  {
    g_autoptr(GError) error = NULL;

    size = jn_packet_encode_audio_coded (buf, sizeof buf, &header, &format, coded, n - 1);
    g_assert_cmpuint (size, >, 0);
    g_assert_false (jn_packet_decode (buf, size, &packet, &error));
    g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH);
  }
  /* 44.1 kHz Opus does not exist in JamNet */
  {
    g_autoptr(GError) error = NULL;

    size = jn_packet_encode_audio_coded (buf, sizeof buf, &header, &format, coded, n);
    buf[JN_PACKET_HEADER_SIZE + 1] = 0xAC;  /* rate 0x0000AC44 = 44100 */
    buf[JN_PACKET_HEADER_SIZE + 2] = 0x44;
    buf[JN_PACKET_HEADER_SIZE + 0] = 0;
    buf[JN_PACKET_HEADER_SIZE + 3] = 0x44;
    buf[JN_PACKET_HEADER_SIZE + 2] = 0xAC;
    buf[JN_PACKET_HEADER_SIZE + 1] = 0;
    g_assert_false (jn_packet_decode (buf, size, &packet, &error));
    g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
  }
}

/* The copies audio packets carry (jn-audio-copy.h): on the piano, packet by
 * packet, each depth of bits keeps its documented SNR (docs/codec.md) and
 * matches what it copies; one block off, it does not. */
static void
test_copies (void)
{
  g_autoptr(JnWav) wav = load_piano ();
  static const double min_snr[] = { [4] = 19, [5] = 25, [6] = 31, [7] = 37, [8] = 43 };
  guint8 copy[256];
  float out[128];

  g_assert_cmpuint (jn_audio_copy_size (128, 5), ==, 2 + 80);
  g_assert_cmpuint (jn_audio_copy_size (128, 4), ==, 2 + 64);
  g_assert_cmpuint (jn_audio_copy_size (256, 7), ==, 4 + 224);
  /* a section: a count, then per copy a 2-byte header; the nearest at 5
   * bits, the older at 4 */
  g_assert_cmpuint (jn_audio_copies_size (128, 0), ==, 0);
  g_assert_cmpuint (jn_audio_copies_size (128, 1), ==, 1 + 2 + 82);
  g_assert_cmpuint (jn_audio_copies_size (128, 2), ==, 1 + 2 + 82 + 2 + 66);
  /* --redundancy auto: the burst, within the depth less one, at most 2
   * under 10 % loss */
  g_assert_cmpuint (jn_audio_copies_wanted (3, 4, 0.05), ==, 2);
  g_assert_cmpuint (jn_audio_copies_wanted (3, 4, 0.10), ==, 3);
  g_assert_cmpuint (jn_audio_copies_wanted (3, 2, 0.30), ==, 1);
  g_assert_cmpuint (jn_audio_copies_wanted (1, 8, 0.30), ==, 1);
  g_assert_cmpuint (jn_audio_copies_wanted (9, 8, 0.30), ==, JN_COPY_MAX);
  for (guint bits = JN_COPY_MIN_BITS; bits <= JN_COPY_MAX_BITS; bits++)
    {
      double signal = 0, noise = 0;
      gsize size = jn_audio_copy_size (128, bits);

      for (gsize p = 0; p + 128 <= wav->frames; p += 128)
        {
          const float *in = wav->samples + p;

          jn_audio_copy_encode (in, 128, bits, copy);
          jn_audio_copy_decode (copy, 128, bits, out);
          g_assert_true (jn_audio_copy_matches (copy, 128, bits, in));
          for (guint i = 0; i < 128; i++)
            {
              signal += (double) in[i] * in[i];
              noise += (double) (in[i] - out[i]) * (in[i] - out[i]);
            }
        }
      g_test_message ("%u bits: %.1f dB, %" G_GSIZE_FORMAT " bytes a 128-sample packet", bits,
                      10 * log10 (signal / noise), size);
      g_assert_cmpfloat (10 * log10 (signal / noise), >=, min_snr[bits]);
    }
  {
    float loud[128], shifted[128];

    for (guint i = 0; i < 128; i++)
      loud[i] = shifted[i] = 0.5f * sinf (i * 0.2f);
    for (guint i = 64; i < 96; i++)
      shifted[i] += 0.1f;
    jn_audio_copy_encode (loud, 128, 5, copy);
    g_assert_true (jn_audio_copy_matches (copy, 128, 5, loud));
    g_assert_false (jn_audio_copy_matches (copy, 128, 5, shifted));
    /* hostile values: NaN and beyond full scale are coded as silence and the edge */
    loud[0] = NAN;
    loud[1] = 7.f;
    jn_audio_copy_encode (loud, 128, 5, copy);
    jn_audio_copy_decode (copy, 128, 5, out);
    g_assert_cmpfloat (out[0], ==, 0.f);
    g_assert_cmpfloat (out[1], >, 0.9f);
    g_assert_cmpfloat (out[1], <=, 1.f);
  }
}

/* A copy refined with a prediction: the better the prediction, the nearer
 * the original; a useless one (white errors of several steps, worse than
 * any concealment's) costs the copy under 2 dB (after the ramp from the
 * prediction at its start, not counted); never far from the copy's cells
 * there. */
static void
test_copy_refine (void)
{
  g_autoptr(JnWav) wav = load_piano ();
  /* the prediction's error, as a share of each block's step */
  static const double errors[] = { 0.0, 0.1, 0.3, 3.0, 30.0 };
  GRand *rand = g_rand_new_with_seed (7);

  for (guint e = 0; e < G_N_ELEMENTS (errors); e++)
    {
      double signal = 0, copy_noise = 0, refined_noise = 0;

      for (gsize p = 0; p + 128 <= wav->frames; p += 128)
        {
          const float *in = wav->samples + p;
          guint8 copy[256];
          float decoded[128], refined[128], prediction[128], steps[128 / JN_COPY_BLOCK];

          jn_audio_copy_encode (in, 128, 5, copy);
          jn_audio_copy_decode (copy, 128, 5, decoded);
          jn_audio_copy_decode_steps (copy, 128, steps);
          for (guint i = 0; i < 128; i++)
            prediction[i] = in[i] + (float) (errors[e] * steps[i / JN_COPY_BLOCK] *
                                             (g_rand_double (rand) * 2 - 1) * G_SQRT2);
          memcpy (refined, decoded, sizeof decoded);
          g_assert_true (jn_audio_copy_refine (refined, 128, 1, steps, prediction));
          /* it starts where the prediction does, which continues the audio before */
          g_assert_cmpfloat (fabs (refined[0] - prediction[0]), <=, 0.01 * (fabs (decoded[0] - prediction[0]) + steps[0]));
          /* then within a step of the cells (the loudest's reaches a step further out) */
          for (guint i = JN_COPY_EDGE_FRAMES; i < 128; i++)
            {
              double step = steps[i / JN_COPY_BLOCK];

              g_assert_cmpfloat (fabs (refined[i] - decoded[i]), <=, 1.5 * step + 1e-7);
              g_assert_cmpfloat (fabsf (refined[i]), <=, MAX (fabsf (decoded[i]), fabsf (prediction[i])));
              signal += (double) in[i] * in[i];
              copy_noise += (double) (in[i] - decoded[i]) * (in[i] - decoded[i]);
              refined_noise += (double) (in[i] - refined[i]) * (in[i] - refined[i]);
            }
        }
      g_test_message ("prediction off by %.1f steps: copy %.1f dB, refined %.1f dB", errors[e],
                      10 * log10 (signal / copy_noise), 10 * log10 (signal / refined_noise));
      if (errors[e] == 0)
        g_assert_cmpfloat (10 * log10 (copy_noise / refined_noise), >=, 15.0);
      else if (errors[e] <= 0.1)
        g_assert_cmpfloat (10 * log10 (copy_noise / refined_noise), >=, 9.0);
      else if (errors[e] <= 0.3)
        g_assert_cmpfloat (10 * log10 (copy_noise / refined_noise), >=, 1.5);
      else
        g_assert_cmpfloat (10 * log10 (copy_noise / refined_noise), >=, -2.0);
    }
  g_rand_free (rand);
  {
    float copy[100] = { 0 }, steps[4] = { 0.01f, 0.01f, 0.01f, 0.01f };

    /* packets it cannot refine: untouched */
    g_assert_false (jn_audio_copy_can_refine (100, 1));
    g_assert_false (jn_audio_copy_can_refine (128, 3));
    g_assert_true (jn_audio_copy_can_refine (64, 2));
    copy[5] = 0.5f;
    g_assert_false (jn_audio_copy_refine (copy, 100, 1, steps, copy));
    g_assert_cmpfloat (copy[5], ==, 0.5f);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/codec/round-trip/64", GUINT_TO_POINTER (64), test_round_trip);
  g_test_add_data_func ("/codec/round-trip/128", GUINT_TO_POINTER (128), test_round_trip);
  g_test_add_func ("/codec/sizes", test_sizes);
  g_test_add_func ("/codec/stereo", test_stereo);
  g_test_add_func ("/codec/hostile", test_hostile);
  g_test_add_func ("/codec/formats", test_formats);
  g_test_add_func ("/codec/packets", test_packets);
  g_test_add_func ("/codec/copies", test_copies);
  g_test_add_func ("/codec/copy-refine", test_copy_refine);
  return g_test_run ();
}
