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
 * figure), concealment counts, the PNBTR backend and the machine's facts.
 * Quick: call it on any thread; writing the result may take longer. */
JnReport *jn_session_report_new (JnMediaEngine *engine,
                                 const char    *title);

G_END_DECLS
