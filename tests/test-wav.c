/* test-wav.c: WAV writer and hostile-input reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>
#include <string.h>

#include "jn-wav.h"

static void
test_write_read (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-wav-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "x.wav", NULL);
  g_autoptr(JnWavWriter) writer = jn_wav_writer_new (path, 44100, 2, &error);
  g_autoptr(JnWav) wav = NULL;
  float in[2000];

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = ((gint) (i * 37 % 65536) - 32768) / 32768.f;
  g_assert_true (jn_wav_writer_write (writer, in, 600, &error));
  g_assert_true (jn_wav_writer_write (writer, in + 1200, 400, &error));
  g_assert_cmpuint (jn_wav_writer_get_frames (writer), ==, 1000);
  g_assert_true (jn_wav_writer_close (writer, &error));

  wav = jn_wav_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wav->rate, ==, 44100);
  g_assert_cmpuint (wav->channels, ==, 2);
  g_assert_cmpuint (wav->bits, ==, 16);
  g_assert_cmpuint (wav->frames, ==, 1000);
  g_assert_cmpmem (wav->samples, 1200 * sizeof (float), in, 1200 * sizeof (float));
  g_assert_cmpmem (wav->samples + 1200, 800 * sizeof (float), in + 1200, 800 * sizeof (float));
  g_unlink (path);
  g_rmdir (dir);
}

static GByteArray *
make_wav (guint16 tag, guint16 channels, guint32 rate, guint16 bits, gsize data_bytes)
{
  GByteArray *b = g_byte_array_new ();
  guint16 align = channels * (bits / 8);
  guint8 h[44] = "RIFF....WAVEfmt ";

#define LE32(p, v) do { (p)[0] = (v) & 0xFF; (p)[1] = ((v) >> 8) & 0xFF; \
                        (p)[2] = ((v) >> 16) & 0xFF; (p)[3] = ((v) >> 24) & 0xFF; } while (0)
#define LE16(p, v) do { (p)[0] = (v) & 0xFF; (p)[1] = ((v) >> 8) & 0xFF; } while (0)
  LE32 (h + 4, (guint32) (36 + data_bytes));
  LE32 (h + 16, 16);
  LE16 (h + 20, tag);
  LE16 (h + 22, channels);
  LE32 (h + 24, rate);
  LE32 (h + 28, rate * align);
  LE16 (h + 32, align);
  LE16 (h + 34, bits);
  memcpy (h + 36, "data", 4);
  LE32 (h + 40, (guint32) data_bytes);
  g_byte_array_append (b, h, sizeof h);
  for (gsize i = 0; i < data_bytes; i++)
    {
      guint8 v = (guint8) (i * 7);
      g_byte_array_append (b, &v, 1);
    }
  return b;
}

static void
test_formats (void)
{
  static const struct { guint16 tag, bits; } ok[] = { { 1, 16 }, { 1, 24 }, { 1, 32 }, { 3, 32 } };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GByteArray) b = make_wav (ok[i].tag, 2, 48000, ok[i].bits, 2 * (ok[i].bits / 8) * 10);
      g_autoptr(GError) error = NULL;
      g_autoptr(JnWav) wav = jn_wav_parse (b->data, b->len, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (wav->frames, ==, 10);
      for (gsize s = 0; s < 20; s++)
        g_assert_true (wav->samples[s] >= -1.f && wav->samples[s] <= 1.f);
    }
}

/* The streaming reader reads what parsing the whole file reads, in any
 * size of read; a file cut short while it reads ends with an error. */
static void
test_reader (void)
{
  static const struct { guint16 tag, bits; } kinds[] = { { 1, 16 }, { 1, 24 }, { 1, 32 }, { 3, 32 } };
  g_autofree char *dir = g_dir_make_tmp ("jamnet-wav-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.wav", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      /* 3 channels, 20000 frames: several of the reader's chunks */
      g_autoptr(GByteArray) b = make_wav (kinds[i].tag, 3, 44100, kinds[i].bits,
                                          3 * (kinds[i].bits / 8) * 20000);
      g_autoptr(GError) error = NULL;
      g_autoptr(JnWav) wav = jn_wav_parse (b->data, b->len, &error);
      g_autoptr(JnWavReader) reader = NULL;
      g_autofree float *got = g_new0 (float, 3 * 20000);
      gsize at = 0, n;

      g_assert_no_error (error);
      g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, &error));
      reader = jn_wav_reader_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (jn_wav_reader_get_rate (reader), ==, 44100);
      g_assert_cmpuint (jn_wav_reader_get_channels (reader), ==, 3);
      g_assert_cmpuint (jn_wav_reader_get_frames (reader), ==, 20000);
      for (gsize step = 1; (n = jn_wav_reader_read (reader, got + at * 3, MIN (step, 20000 - at),
                                                     &error)) > 0; step = step * 3 + 1)
        at += n;
      g_assert_no_error (error);
      g_assert_cmpuint (at, ==, 20000);
      g_assert_cmpmem (got, sizeof (float) * 3 * 20000, wav->samples, sizeof (float) * 3 * 20000);
      g_assert_cmpuint (jn_wav_reader_read (reader, got, 10, &error), ==, 0);

      /* cut short after opening */
      g_clear_pointer (&reader, jn_wav_reader_free);
      reader = jn_wav_reader_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (truncate (path, 44 + 3 * (kinds[i].bits / 8) * 100), ==, 0);
      g_assert_cmpuint (jn_wav_reader_read (reader, got, 20000, &error), <, 20000);
      g_assert_error (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID);
    }
  /* not a regular file */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (jn_wav_reader_open (dir, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  }
  g_unlink (path);
  g_rmdir (dir);
}

static void
expect_invalid (GByteArray *b, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = jn_wav_parse (b->data, b->len, &error);

  g_assert_null (wav);
  g_assert_error (error, JN_WAV_ERROR, code);
}

static void
test_hostile (void)
{
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());

  b = make_wav (1, 1, 48000, 16, 100);
  /* truncated inside the headers */
  for (guint n = 0; n < 44; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (b->data, n ? n : 1);
      g_autoptr(JnWav) wav = jn_wav_parse (copy, n, &error);

      g_assert_null (wav);
      g_assert_nonnull (error);
    }
  /* a fmt chunk whose size runs past the end */
  b->data[16] = 0xFF; b->data[17] = 0xFF;
  expect_invalid (b, JN_WAV_ERROR_INVALID);
  g_byte_array_unref (g_steal_pointer (&b));

  expect_invalid ((b = make_wav (2, 1, 48000, 16, 10)), JN_WAV_ERROR_UNSUPPORTED);   /* ADPCM */
  g_byte_array_unref (g_steal_pointer (&b));
  expect_invalid ((b = make_wav (1, 1, 48000, 8, 10)), JN_WAV_ERROR_UNSUPPORTED);    /* 8 bit */
  g_byte_array_unref (g_steal_pointer (&b));
  expect_invalid ((b = make_wav (1, 0, 48000, 16, 10)), JN_WAV_ERROR_INVALID);       /* 0 channels */
  g_byte_array_unref (g_steal_pointer (&b));
  expect_invalid ((b = make_wav (1, 2, 0, 16, 10)), JN_WAV_ERROR_INVALID);           /* 0 Hz */
  g_byte_array_unref (g_steal_pointer (&b));

  /* a data chunk that claims more than there is: what is there is read */
  b = make_wav (1, 1, 48000, 16, 100);
  b->data[40] = 0xFF; b->data[41] = 0xFF; b->data[42] = 0xFF;
  {
    g_autoptr(JnWav) wav = jn_wav_parse (b->data, b->len, NULL);

    g_assert_nonnull (wav);
    g_assert_cmpuint (wav->frames, ==, 50);
  }

  /* random mutations never crash or read out of bounds */
  for (guint iter = 0; iter < 3000; iter++)
    {
      g_autofree guint8 *copy = g_memdup2 (b->data, b->len);
      gsize len = g_rand_int_range (rand, 0, (gint32) b->len + 1);
      g_autoptr(JnWav) wav = NULL;
      g_autoptr(GError) error = NULL;

      for (guint f = g_rand_int_range (rand, 1, 8); f > 0; f--)
        copy[g_rand_int_range (rand, 0, (gint32) b->len)] = g_rand_int (rand) & 0xFF;
      wav = jn_wav_parse (copy, len, &error);
      g_assert_true ((wav == NULL) != (error == NULL));
      if (wav != NULL)
        g_assert_cmpuint (wav->frames * wav->channels * (wav->bits / 8), <=, len);
    }
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = jn_wav_load ("/nonexistent/jamnet.wav", &error);

  g_assert_null (wav);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wav/write-read", test_write_read);
  g_test_add_func ("/wav/formats", test_formats);
  g_test_add_func ("/wav/hostile", test_hostile);
  g_test_add_func ("/wav/reader", test_reader);
  g_test_add_func ("/wav/missing-file", test_missing_file);

  return g_test_run ();
}
