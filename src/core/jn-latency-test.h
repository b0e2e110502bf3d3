/* jn-latency-test.h: timing clicks that a peer running an echo sends back
 *
 * A click every half second, after a second to settle; each is timed from
 * when it went out to the first loud sample of the echo, both on this
 * engine's packet timeline, so the figure is the whole round trip: the
 * network both ways, both jitter buffers and the echo's period.  A click
 * whose echo does not come back within a second (a packet concealed on
 * the way) is counted lost and another is sent, up to twice the count.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define JN_LATENCY_TEST_MAX_CLICKS 64
#define JN_LATENCY_TEST_INTERVAL_S 0.5

typedef struct _JnLatencyTest JnLatencyTest;

/* count: round trips to time, 1..JN_LATENCY_TEST_MAX_CLICKS */
JnLatencyTest *jn_latency_test_new        (guint          count);
void           jn_latency_test_free       (JnLatencyTest *test);
/* Seconds after which waiting longer is pointless. */
double         jn_latency_test_get_timeout_s (JnLatencyTest *test);

/* On the media thread (the engine's capture and playout callbacks). */
void           jn_latency_test_capture    (JnLatencyTest *test,
                                           float         *out,
                                           guint          frames,
                                           guint          channels,
                                           guint          rate,
                                           guint64        position);
void           jn_latency_test_playout    (JnLatencyTest *test,
                                           const float   *audio,
                                           guint          frames,
                                           guint          channels,
                                           guint          rate);

/* Any thread. */
gboolean       jn_latency_test_is_done    (JnLatencyTest *test);
/* Once the media thread stopped: each click's round trip in ms, or -1 for
 * one whose echo did not come back within a second; returns how many. */
guint          jn_latency_test_get_results (JnLatencyTest *test,
                                           double        *round_trip_ms,
                                           guint          max);

/* What the clicks measured, each one's round trip (the network both
 * ways, both jitter buffers, the echo's period). */
typedef struct
{
  guint  clicks;      /* timed: echoes plus those that got none */
  guint  echoes;      /* came back */
  double min_ms;
  double median_ms;
  double max_ms;
} JnLatencyFigures;

/* Once the media thread stopped: the figures; FALSE when no echo came
 * back (figures then has only the count of clicks). */
gboolean       jn_latency_test_get_figures (JnLatencyTest    *test,
                                            JnLatencyFigures *figures);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnLatencyTest, jn_latency_test_free)

G_END_DECLS
