/* jn-wav.h: WAV files in and out (the file backend of src/io)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define JN_WAV_ERROR (jn_wav_error_quark ())

typedef enum
{
  JN_WAV_ERROR_INVALID,       /* not a WAV file, or a damaged one */
  JN_WAV_ERROR_UNSUPPORTED,   /* a WAV we cannot read (compressed, ...) */
  JN_WAV_ERROR_TOO_LARGE,
} JnWavError;

GQuark jn_wav_error_quark (void);

/* Largest file jn_wav_load() accepts. */
#define JN_WAV_MAX_BYTES ((gsize) 1 << 30)

/* A decoded file: interleaved float samples in [-1, 1]. */
typedef struct
{
  guint  rate;
  guint  channels;
  guint  bits;        /* of the file: 16, 24, 32 */
  gsize  frames;
  float *samples;     /* frames x channels */
} JnWav;

/* Reads PCM 16/24/32-bit integer or 32-bit float WAV (also
 * WAVE_FORMAT_EXTENSIBLE).  Every length in the file is checked. */
JnWav   *jn_wav_load               (const char    *path,
                                    GError       **error);
JnWav   *jn_wav_parse              (const guint8  *data,
                                    gsize          size,
                                    GError       **error);
void     jn_wav_free               (JnWav         *wav);

/* The same files, streamed: the header is read on opening, the samples as
 * they are asked for (any size of file the format allows, little memory).
 * Blocking I/O: not for the audio or main thread. */
typedef struct _JnWavReader JnWavReader;

JnWavReader *jn_wav_reader_open    (const char    *path,
                                    GError       **error);
void         jn_wav_reader_free    (JnWavReader   *reader);
guint        jn_wav_reader_get_rate     (JnWavReader *reader);
guint        jn_wav_reader_get_channels (JnWavReader *reader);
guint64      jn_wav_reader_get_frames   (JnWavReader *reader);
/* Up to frames frames (interleaved) into out; fewer at the end, 0 after
 * it.  A file cut short while reading ends it, with error set. */
gsize        jn_wav_reader_read    (JnWavReader   *reader,
                                    float         *out,
                                    gsize          frames,
                                    GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnWavReader, jn_wav_reader_free)

/* Streaming 16-bit PCM writer; the header is completed on close. */
typedef struct _JnWavWriter JnWavWriter;

JnWavWriter *jn_wav_writer_new     (const char    *path,
                                    guint          rate,
                                    guint          channels,
                                    GError       **error);
gboolean     jn_wav_writer_write   (JnWavWriter   *writer,
                                    const float   *interleaved,
                                    gsize          frames,
                                    GError       **error);
gboolean     jn_wav_writer_close   (JnWavWriter   *writer,
                                    GError       **error);
gsize        jn_wav_writer_get_frames (JnWavWriter *writer);
/* Closes if still open (errors are logged) and frees. */
void         jn_wav_writer_free    (JnWavWriter   *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnWav, jn_wav_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnWavWriter, jn_wav_writer_free)

G_END_DECLS
