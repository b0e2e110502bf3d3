/* jn-recorder.h: what a session records: each peer's audio as a WAV file,
 * the MIDI received as JMID lines, and when each metronome click sounded
 *
 * The media thread hands blocks over; the main context writes them
 * (jn_recorder_drain()), so no file I/O happens on the media thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-midi.h"

G_BEGIN_DECLS

typedef struct _JnRecorder JnRecorder;

#define JN_RECORDER_ERROR (jn_recorder_error_quark ())
typedef enum
{
  JN_RECORDER_ERROR_BEHIND,   /* periods lost (silence in the files); the recording goes on */
} JnRecorderError;
GQuark      jn_recorder_error_quark  (void);

/* the streams of a recording that are not a peer's (peer ids are below) */
#define JN_RECORDER_LOCAL (G_MAXUINT32)       /* what this computer played */
#define JN_RECORDER_MIX   (G_MAXUINT32 - 1)   /* what it heard of the others */

/* audio_stem: each peer goes to STEM-<peer id>.wav (a trailing ".wav" is
 * dropped first); midi_path and beats_path are JSON-lines files.  Any may be
 * NULL.  The MIDI and beat files are opened now. */
JnRecorder *jn_recorder_new          (const char         *audio_stem,
                                      const char         *midi_path,
                                      const char         *beats_path,
                                      GError            **error);
void        jn_recorder_free         (JnRecorder         *recorder);
/* Before the media thread runs, once: the session's rate, channels and
 * period (what the media thread hands over is allocated now; a block
 * that does not fit is dropped, and the next drain says so). */
void        jn_recorder_set_format   (JnRecorder         *recorder,
                                      guint               rate,
                                      guint               channels,
                                      guint               frames);
/* Before the media thread runs: every file starts at the recording's
 * first period and ends at its last, silence where a stream had none
 * (jn_recorder_period_end() marks the periods). */
void        jn_recorder_set_aligned  (JnRecorder         *recorder,
                                      gboolean            aligned);
/* The main context, before the stream's first block is written: its file
 * is "STEM - NAME.wav" (NAME cleaned to letters, digits, spaces, - and _)
 * instead of STEM-ID.wav. */
void        jn_recorder_set_name     (JnRecorder         *recorder,
                                      guint32             peer_id,
                                      const char         *name);
gboolean    jn_recorder_records_audio (JnRecorder        *recorder);
gboolean    jn_recorder_records_midi (JnRecorder         *recorder);
gboolean    jn_recorder_records_beats (JnRecorder        *recorder);

/* The media thread. */
void        jn_recorder_push_audio   (JnRecorder         *recorder,
                                      guint32             peer_id,
                                      const float        *audio,
                                      guint               frames,
                                      guint               channels);
void        jn_recorder_push_midi    (JnRecorder         *recorder,
                                      guint32             peer_id,
                                      const JnMidiEvent  *event,
                                      gint64              arrival_us);
/* After the period's streams were pushed (aligned recordings). */
void        jn_recorder_period_end   (JnRecorder         *recorder);
/* A click on the host's beat beat_us, sounding at local_us. */
void        jn_recorder_push_beat    (JnRecorder         *recorder,
                                      gint64              beat_us,
                                      gint64              local_us);

/* The main context: writes what came.  A WAV file that cannot be written
 * stops the audio recording (the session goes on) and says why; periods
 * the recording fell behind on are said too (JN_RECORDER_ERROR_BEHIND),
 * and it goes on. */
gboolean    jn_recorder_drain        (JnRecorder         *recorder,
                                      GError            **error);
/* Writes the rest and closes every file. */
gboolean    jn_recorder_close        (JnRecorder         *recorder,
                                      GError            **error);
/* The file a peer was recorded to, NULL if none. */
const char *jn_recorder_get_path     (JnRecorder         *recorder,
                                      guint32             peer_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRecorder, jn_recorder_free)

G_END_DECLS
