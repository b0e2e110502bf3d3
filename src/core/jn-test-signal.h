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

G_END_DECLS
