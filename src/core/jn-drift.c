/* jn-drift.c
 *
 * A clock that runs e parts per million fast covers position p in
 * p / (rate (1 + e)) seconds, so seen minus nominal time falls by e per
 * unit of nominal time: the slope of y = seen - x against x is -e.  The
 * network and the scheduler only ever add delay, so each second's earliest
 * point lies near the line; a least-squares fit through those points is
 * then precise to a few ppm within a minute, where a fit through every
 * packet would be dominated by jitter.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-drift"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-drift.h"

/* a point this far off the line is a clock that jumped (the sender
 * restarted, skipped ahead after a stall): start over */
#define JUMP_US 40000.0
/* one this far off, but nearer than JUMP_US, is a step: a device that lost
 * or caught up time in an xrun, a route that changed.  The line keeps its
 * slope and moves to the new level: the points before are shifted by the
 * step, as if it had always been there. */
#define STEP_US 1000.0

void
jn_drift_init (JnDrift *drift,
               guint    rate)
{
  memset (drift, 0, sizeof *drift);
  drift->rate = rate;
  drift->window_us = G_USEC_PER_SEC;
}

void
jn_drift_reset (JnDrift *drift)
{
  guint rate = drift->rate, restarts = drift->restarts + 1;

  jn_drift_init (drift, rate);
  drift->restarts = restarts;
}

static void
fit (JnDrift *drift)
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0, n = drift->n, d;

  for (guint i = 0; i < drift->n; i++)
    {
      /* about the oldest point: the sums stay small, the fit exact */
      double x = drift->x[i] - drift->x[drift->head], y = drift->y[i] - drift->y[drift->head];

      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
  d = n * sxx - sx * sx;
  drift->valid = drift->n >= JN_DRIFT_MIN_WINDOWS && d > 0;
  if (drift->valid)
    drift->ppm = -(n * sxy - sx * sy) / d * 1e6;
}

/* how far y lies from the line through the points so far (before there
 * are enough for a fit, through the first and the last) */
static double
residual (const JnDrift *drift,
          double         x,
          double         y)
{
  guint last = (drift->head + drift->n - 1) % JN_DRIFT_WINDOWS;
  double slope = 0;

  if (drift->valid)
    slope = -drift->ppm * 1e-6;
  else if (drift->n >= 2 && drift->x[last] > drift->x[drift->head])
    slope = (drift->y[last] - drift->y[drift->head]) / (drift->x[last] - drift->x[drift->head]);
  return y - (drift->y[last] + slope * (x - drift->x[last]));
}

void
jn_drift_add (JnDrift *drift,
              guint64  position,
              gint64   time_us)
{
  double x = (double) position * 1e6 / drift->rate, y = (double) time_us - x;

  if (drift->have_window && time_us - drift->window_start_us >= drift->window_us)
    {
      /* the second is over: its earliest point joins the fit */
      double off = drift->n > 0 ? residual (drift, drift->window_x, drift->window_y) : 0;

      if (fabs (off) > JUMP_US)
        jn_drift_reset (drift);
      else
        {
          if (fabs (off) > STEP_US && drift->n >= 2)
            {
              for (guint i = 0; i < drift->n; i++)
                drift->y[(drift->head + i) % JN_DRIFT_WINDOWS] += off;
              drift->steps++;
            }
          guint slot = (drift->head + drift->n) % JN_DRIFT_WINDOWS;

          drift->x[slot] = drift->window_x;
          drift->y[slot] = drift->window_y;
          if (drift->n < JN_DRIFT_WINDOWS)
            drift->n++;
          else
            drift->head = (drift->head + 1) % JN_DRIFT_WINDOWS;
          fit (drift);
        }
      drift->have_window = FALSE;
    }
  if (!drift->have_window)
    {
      drift->have_window = TRUE;
      drift->window_start_us = time_us;
      drift->window_x = x;
      drift->window_y = y;
    }
  else if (y < drift->window_y)
    {
      drift->window_x = x;
      drift->window_y = y;
    }
}

gboolean
jn_drift_get_ppm (const JnDrift *drift,
                  double        *ppm)
{
  *ppm = drift->valid ? drift->ppm : 0;
  return drift->valid;
}
