/* jn-session-report.h: a jam session's report (latency over time per peer)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-media-engine.h"
#include "jn-report.h"

G_BEGIN_DECLS

/* Everything the engine kept: per peer, RTT, one-way delay, jitter, buffer
 * level and loss over time (figures with percentiles, one line chart per
 * figure), the end-to-end figure (with the local audio path's capture_ms
 * and playback_ms, jn_peer_stats_delay_parts()), concealment counts, the PNBTR
 * backend and the machine's facts.  Quick: call it on any thread; writing
 * the result may take longer. */
JnReport *jn_session_report_new (JnMediaEngine *engine,
                                 const char    *title,
                                 double         capture_ms,
                                 double         playback_ms);

G_END_DECLS
