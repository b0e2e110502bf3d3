/* jn-drift.h: how fast a sample clock runs against this machine's clock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define JN_DRIFT_WINDOWS 64
/* seconds in a row later than the line that make a step (jn-drift.c) */
#define JN_DRIFT_STEP_WINDOWS 8

/* Fed with (sample position, when it was seen here) pairs: a peer's packets
 * as they arrive, or our own device's periods as they run.  Each second
 * keeps its earliest-seen point (the one the network or the scheduler
 * delayed least), and a line through the last JN_DRIFT_WINDOWS seconds'
 * points gives the clock's rate (docs/architecture.md, "The device
 * clock"). */
typedef struct
{
  guint   rate;            /* nominal, Hz */
  gint64  window_us;
  /* the second being gathered: its earliest point */
  gboolean have_window;
  gint64  window_start_us;
  double  window_x;         /* sender time of the position, us */
  double  window_y;         /* seen minus sender time, us */
  /* the seconds before */
  double  x[JN_DRIFT_WINDOWS];
  double  y[JN_DRIFT_WINDOWS];
  guint   n;
  guint   head;
  guint   restarts;         /* the clock jumped: started over */
  guint   steps;            /* it stepped (an xrun): the line moved, its slope kept */
  guint   later;            /* seconds in a row later than the line */
  double  later_us[JN_DRIFT_STEP_WINDOWS];  /* by how much */
  guint   outliers;         /* seconds left out: later than the line, not (yet) a step */
  /* the line through them: y = line_y + slope (x - line_x) */
  double  line_x, line_y, slope;
  gboolean valid;
  double  ppm;              /* fast (+) or slow (-) against our clock */
} JnDrift;

void     jn_drift_init    (JnDrift *drift,
                           guint    rate);
void     jn_drift_reset   (JnDrift *drift);
/* position: in frames, of a clock that runs at rate; time_us: when it was
 * seen here (g_get_monotonic_time()). */
void     jn_drift_add     (JnDrift *drift,
                           guint64  position,
                           gint64   time_us);
/* Once there are enough seconds to tell (JN_DRIFT_MIN_WINDOWS). */
#define JN_DRIFT_MIN_WINDOWS 8
gboolean jn_drift_get_ppm (const JnDrift *drift,
                           double        *ppm);

G_END_DECLS
