/* jn-test-signal.h: the deterministic test tone jamnet-cli streams
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Two detuned partials (440 Hz and 277.18 Hz, a little phase shift per
 * channel) at about -8 dBFS: pleasant, never silent for a whole packet, and
 * unique at every offset over many seconds, so a recording can be matched to
 * it sample for sample.  position is the first frame's index. */
void jn_test_signal_fill (float   *out,
                          guint    frames,
                          guint    channels,
                          guint    rate,
                          guint64  position);

/* The partials' frequencies, for jn_test_signal_residual_db(). */
#define JN_TEST_SIGNAL_N_TONES 2
extern const double jn_test_signal_tones[JN_TEST_SIGNAL_N_TONES];

/* THD+N of n samples of one channel that should hold sines at the
 * frequencies hz (in Hz at rate), in dB: what a least-squares fit of them
 * leaves, against the whole.  Each sine gets a linear term in amplitude and
 * phase too, so that a pitch off by a few ppm (a resampled stream) is not
 * counted as noise. */
double jn_test_signal_residual_db (const float  *x,
                                   guint         n,
                                   guint         rate,
                                   const double *hz,
                                   guint         n_tones);

G_END_DECLS
