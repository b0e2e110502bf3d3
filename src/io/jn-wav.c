/* jn-wav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-wav"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jn-wav.h"

G_DEFINE_QUARK (jn-wav-error-quark, jn_wav_error)

#define WAVE_FORMAT_PCM        0x0001
#define WAVE_FORMAT_IEEE_FLOAT 0x0003
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE

static inline guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static inline guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

void
jn_wav_free (JnWav *wav)
{
  if (wav == NULL)
    return;
  g_free (wav->samples);
  g_free (wav);
}

/* Where the bytes of a file come from: memory, or a file read at offsets. */
typedef struct
{
  const guint8 *data;   /* or NULL: fd */
  int           fd;
  guint64       size;
} Source;

static gboolean
read_at (const Source *src,
         guint64       offset,
         guint8       *buf,
         gsize         n)
{
  if (offset > src->size || n > src->size - offset)
    return FALSE;
  if (src->data != NULL)
    {
      memcpy (buf, src->data + offset, n);
      return TRUE;
    }
  while (n > 0)
    {
      ssize_t r = pread (src->fd, buf, n, (off_t) offset);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      buf += r;
      n -= (gsize) r;
      offset += (guint64) r;
    }
  return TRUE;
}

/* What the header says: the format, and where the samples are. */
typedef struct
{
  guint    rate;
  guint    channels;
  guint    bits;
  guint    bytes;       /* per sample */
  gboolean is_float;
  guint64  data_offset;
  guint64  frames;
} Header;

/* Walks the chunks; every chunk size is checked against what is left. */
static gboolean
parse_header (const Source *src,
              Header       *h,
              GError      **error)
{
  guint8 head[12], chunk_head[8], fmt[40];
  guint64 pos = 12, pcm_size = 0;
  gboolean have_fmt = FALSE, have_pcm = FALSE;
  guint32 fmt_size = 0;
  guint16 tag, block_align;

  if (!read_at (src, 0, head, 12) || memcmp (head, "RIFF", 4) != 0 ||
      memcmp (head + 8, "WAVE", 4) != 0)
    {
      g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID,
                           _("This is not a WAV file"));
      return FALSE;
    }

  while (pos + 8 <= src->size && read_at (src, pos, chunk_head, 8))
    {
      guint64 chunk = le32 (chunk_head + 4);
      guint64 left = src->size - pos - 8;

      if (chunk > left)
        {
          if (memcmp (chunk_head, "data", 4) == 0)
            chunk = MIN (left, G_MAXUINT32);  /* truncated recording: keep what is there */
          else
            {
              g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID,
                                   _("The WAV file is damaged (a chunk runs past its end)"));
              return FALSE;
            }
        }
      if (memcmp (chunk_head, "fmt ", 4) == 0 && chunk >= 16)
        {
          fmt_size = (guint32) MIN (chunk, sizeof fmt);
          if (!read_at (src, pos + 8, fmt, fmt_size))
            break;
          have_fmt = TRUE;
        }
      else if (memcmp (chunk_head, "data", 4) == 0 && !have_pcm)
        {
          h->data_offset = pos + 8;
          pcm_size = chunk;
          have_pcm = TRUE;
        }
      pos += 8 + chunk + (chunk & 1);
    }

  if (!have_fmt || !have_pcm)
    {
      g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID,
                           _("The WAV file has no format or no audio data"));
      return FALSE;
    }

  tag = le16 (fmt);
  h->channels = le16 (fmt + 2);
  h->rate = le32 (fmt + 4);
  block_align = le16 (fmt + 12);
  h->bits = le16 (fmt + 14);
  if (tag == WAVE_FORMAT_EXTENSIBLE && fmt_size >= 26)
    tag = le16 (fmt + 24);

  h->is_float = tag == WAVE_FORMAT_IEEE_FLOAT;
  if ((tag != WAVE_FORMAT_PCM && !h->is_float) ||
      (!h->is_float && h->bits != 16 && h->bits != 24 && h->bits != 32) ||
      (h->is_float && h->bits != 32))
    {
      g_set_error (error, JN_WAV_ERROR, JN_WAV_ERROR_UNSUPPORTED,
                   _("Only 16, 24 or 32 bit PCM and 32 bit float WAV files can be read "
                     "(this one is format %u with %u bits)"), tag, h->bits);
      return FALSE;
    }
  h->bytes = h->bits / 8;
  if (h->channels == 0 || h->channels > 64 || h->rate < 1000 || h->rate > 768000 ||
      block_align != h->bytes * h->channels)
    {
      g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID,
                           _("The WAV file has an impossible channel count, rate or block size"));
      return FALSE;
    }
  h->frames = pcm_size / block_align;
  return TRUE;
}

/* n samples of the file's kind at p, as floats in [-1, 1]. */
static void
convert (const Header *h,
         const guint8 *p,
         gsize         n,
         float        *out)
{
  for (gsize i = 0; i < n; i++, p += h->bytes)
    {
      float v;

      if (h->is_float)
        {
          guint32 u = le32 (p);

          memcpy (&v, &u, 4);
          v = isfinite (v) ? CLAMP (v, -1.f, 1.f) : 0.f;
        }
      else if (h->bytes == 2)
        v = (gint16) le16 (p) / 32768.f;
      else if (h->bytes == 3)
        {
          guint32 u = p[0] | p[1] << 8 | (guint32) p[2] << 16;

          v = ((u & 0x800000) ? (gint32) (u | 0xFF000000u) : (gint32) u) / 8388608.f;
        }
      else
        v = (float) ((gint32) le32 (p) / 2147483648.0);
      out[i] = v;
    }
}

JnWav *
jn_wav_parse (const guint8  *data,
              gsize          size,
              GError       **error)
{
  g_autoptr(JnWav) wav = g_new0 (JnWav, 1);
  Source src = { data, -1, size };
  Header h;

  if (data == NULL || !parse_header (&src, &h, error))
    {
      if (data == NULL)
        g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID, _("This is not a WAV file"));
      return NULL;
    }
  wav->rate = h.rate;
  wav->channels = h.channels;
  wav->bits = h.bits;
  wav->frames = (gsize) h.frames;
  wav->samples = g_try_new (float, wav->frames * wav->channels + 1);
  if (wav->samples == NULL)
    {
      g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_TOO_LARGE,
                           _("The WAV file is too large to load"));
      return NULL;
    }
  convert (&h, data + h.data_offset, wav->frames * wav->channels, wav->samples);
  return g_steal_pointer (&wav);
}

JnWav *
jn_wav_load (const char  *path,
             GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  JnWav *wav;

  /* a FIFO or a device would block the opening, or never end */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("“%s” is not a regular file"), path);
      return NULL;
    }
  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return NULL;
  if (g_mapped_file_get_length (file) > JN_WAV_MAX_BYTES)
    {
      g_set_error (error, JN_WAV_ERROR, JN_WAV_ERROR_TOO_LARGE,
                   _("“%s” is larger than 1 GiB"), path);
      return NULL;
    }
  wav = jn_wav_parse ((const guint8 *) g_mapped_file_get_contents (file),
                      g_mapped_file_get_length (file), error);
  if (wav == NULL)
    g_prefix_error (error, "%s: ", path);
  return wav;
}

/* --- streaming reader ---------------------------------------------------- */

#define READ_CHUNK_BYTES 65536

struct _JnWavReader
{
  Source   src;
  Header   h;
  guint64  next;          /* frame */
  guint8  *buf;
};

JnWavReader *
jn_wav_reader_open (const char  *path,
                    GError     **error)
{
  g_autoptr(JnWavReader) reader = g_new0 (JnWavReader, 1);
  GStatBuf st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  reader->src.fd = -1;
  /* a FIFO or a device would block, or never end */
  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("“%s” is not a regular file"), path);
      return NULL;
    }
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not open “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  reader->src.fd = fd;
  reader->src.size = (guint64) st.st_size;
  if (!parse_header (&reader->src, &reader->h, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  reader->buf = g_malloc (READ_CHUNK_BYTES);
  return g_steal_pointer (&reader);
}

void
jn_wav_reader_free (JnWavReader *reader)
{
  if (reader == NULL)
    return;
  if (reader->src.fd >= 0)
    close (reader->src.fd);
  g_free (reader->buf);
  g_free (reader);
}

guint
jn_wav_reader_get_rate (JnWavReader *reader)
{
  return reader->h.rate;
}

guint
jn_wav_reader_get_channels (JnWavReader *reader)
{
  return reader->h.channels;
}

guint64
jn_wav_reader_get_frames (JnWavReader *reader)
{
  return reader->h.frames;
}

gsize
jn_wav_reader_read (JnWavReader *reader,
                    float       *out,
                    gsize        frames,
                    GError     **error)
{
  gsize block = (gsize) reader->h.bytes * reader->h.channels, done = 0;

  g_return_val_if_fail (reader != NULL && out != NULL, 0);

  while (done < frames && reader->next < reader->h.frames)
    {
      gsize n = MIN (frames - done, READ_CHUNK_BYTES / block);

      n = (gsize) MIN ((guint64) n, reader->h.frames - reader->next);
      if (!read_at (&reader->src, reader->h.data_offset + reader->next * block, reader->buf,
                    n * block))
        {
          g_set_error_literal (error, JN_WAV_ERROR, JN_WAV_ERROR_INVALID,
                               _("The WAV file could not be read to its end"));
          reader->next = reader->h.frames;
          break;
        }
      convert (&reader->h, reader->buf, n * reader->h.channels, out + done * reader->h.channels);
      reader->next += n;
      done += n;
    }
  return done;
}

/* --- writer -------------------------------------------------------------- */

struct _JnWavWriter
{
  FILE  *fp;
  char  *path;
  guint  rate;
  guint  channels;
  gsize  frames;
};

static void
header_bytes (guint8 *h,
              guint   rate,
              guint   channels,
              gsize   frames)
{
  guint32 data_size = (guint32) MIN (frames * channels * 2, G_MAXUINT32 - 36);
  guint32 v[] = { 36 + data_size, 16, rate, rate * channels * 2, data_size };

  memcpy (h, "RIFF", 4);
  memcpy (h + 8, "WAVEfmt ", 8);
  memcpy (h + 36, "data", 4);
  for (guint i = 0; i < 4; i++)
    h[4 + i] = (v[0] >> (8 * i)) & 0xFF;
  for (guint i = 0; i < 4; i++)
    h[16 + i] = (v[1] >> (8 * i)) & 0xFF;
  h[20] = 1; h[21] = 0;                            /* PCM */
  h[22] = channels & 0xFF; h[23] = channels >> 8;
  for (guint i = 0; i < 4; i++)
    {
      h[24 + i] = (v[2] >> (8 * i)) & 0xFF;
      h[28 + i] = (v[3] >> (8 * i)) & 0xFF;
      h[40 + i] = (v[4] >> (8 * i)) & 0xFF;
    }
  h[32] = (channels * 2) & 0xFF; h[33] = (channels * 2) >> 8;
  h[34] = 16; h[35] = 0;
}

JnWavWriter *
jn_wav_writer_new (const char  *path,
                   guint        rate,
                   guint        channels,
                   GError     **error)
{
  JnWavWriter *writer;
  guint8 header[44];
  FILE *fp;

  g_return_val_if_fail (path != NULL && rate > 0 && channels > 0, NULL);

  fp = g_fopen (path, "wb");
  if (fp == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot write “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  header_bytes (header, rate, channels, 0);
  fwrite (header, 1, sizeof header, fp);

  writer = g_new0 (JnWavWriter, 1);
  writer->fp = fp;
  writer->path = g_strdup (path);
  writer->rate = rate;
  writer->channels = channels;
  return writer;
}

gboolean
jn_wav_writer_write (JnWavWriter  *writer,
                     const float  *interleaved,
                     gsize         frames,
                     GError      **error)
{
  guint8 buf[4096];
  gsize n = frames * writer->channels, done = 0;

  g_return_val_if_fail (writer != NULL && writer->fp != NULL, FALSE);

  while (done < n)
    {
      gsize chunk = MIN (n - done, sizeof buf / 2);

      for (gsize i = 0; i < chunk; i++)
        {
          float f = interleaved[done + i];
          long v = lrintf ((isfinite (f) ? CLAMP (f, -1.f, 1.f) : 0.f) * 32768.f);
          guint16 u = (guint16) (gint16) CLAMP (v, -32768, 32767);

          buf[2 * i] = u & 0xFF;
          buf[2 * i + 1] = u >> 8;
        }
      if (fwrite (buf, 2, chunk, writer->fp) != chunk)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Cannot write “%s”: %s"), writer->path, g_strerror (saved));
          return FALSE;
        }
      done += chunk;
    }
  writer->frames += frames;
  return TRUE;
}

gsize
jn_wav_writer_get_frames (JnWavWriter *writer)
{
  return writer->frames;
}

gboolean
jn_wav_writer_close (JnWavWriter  *writer,
                     GError      **error)
{
  guint8 header[44];
  gboolean ok;

  g_return_val_if_fail (writer != NULL, FALSE);

  if (writer->fp == NULL)
    return TRUE;
  header_bytes (header, writer->rate, writer->channels, writer->frames);
  ok = fseek (writer->fp, 0, SEEK_SET) == 0 &&
       fwrite (header, 1, sizeof header, writer->fp) == sizeof header;
  ok = (fclose (writer->fp) == 0) && ok;
  writer->fp = NULL;
  if (!ok)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot finish “%s”: %s"), writer->path, g_strerror (saved));
    }
  return ok;
}

void
jn_wav_writer_free (JnWavWriter *writer)
{
  g_autoptr(GError) error = NULL;

  if (writer == NULL)
    return;
  if (!jn_wav_writer_close (writer, &error))
    g_warning ("%s", error->message);
  g_free (writer->path);
  g_free (writer);
}
