/* jn-capture-source.h: what a session sends when no audio device captures:
 * the test tone, a WAV file, silence, or an echo of what the others sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-wav.h"

G_BEGIN_DECLS

typedef enum
{
  JN_CAPTURE_TONE,      /* jn_test_signal_fill() */
  JN_CAPTURE_SILENCE,
  JN_CAPTURE_WAV,       /* the file once, then silence */
  JN_CAPTURE_ECHO,      /* what every peer sent, sent back a period later */
} JnCaptureKind;

typedef struct _JnCaptureSource JnCaptureSource;

JnCaptureSource *jn_capture_source_new        (JnCaptureKind     kind);
/* Streams the file reader reads (taken): a thread of its own reads ahead
 * into a ring, so the media thread never waits for the disk and a file of
 * any length takes a few seconds' worth of memory. */
JnCaptureSource *jn_capture_source_new_wav    (JnWavReader      *reader);
void             jn_capture_source_free       (JnCaptureSource  *source);
JnCaptureKind    jn_capture_source_get_kind   (JnCaptureSource  *source);

/* Before the media thread runs: the session's packet shape. */
void             jn_capture_source_prepare    (JnCaptureSource  *source,
                                               guint             frames,
                                               guint             channels);
/* On the media thread, in the engine's callbacks: no allocation. */
void             jn_capture_source_fill       (JnCaptureSource  *source,
                                               float            *out,
                                               guint             frames,
                                               guint             channels,
                                               guint             rate,
                                               guint64           position);
void             jn_capture_source_add_playout (JnCaptureSource *source,
                                               const float      *audio,
                                               guint             frames,
                                               guint             channels);
void             jn_capture_source_period_end (JnCaptureSource  *source,
                                               guint             frames,
                                               guint             channels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnCaptureSource, jn_capture_source_free)

G_END_DECLS
