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
 * restarted, skipped ahead after a stall): start over (later than the
 * line, only once it stays so, as for a step) */
#define JUMP_US 40000.0
/* one this far off, but nearer than JUMP_US, is a step: a device that lost
 * or caught up time in an xrun, a route that changed.  The line keeps its
 * slope and moves to the new level: the points before are shifted by the
 * step, as if it had always been there.  Earlier than the line, that is
 * sure at once (delay only ever adds); later, it may be a busy second, so
 * it is taken as a step only when JN_DRIFT_STEP_WINDOWS seconds in a row say so,
 * and until then those seconds are left out of the fit. */
#define STEP_US 1000.0
/* no sound card is this far off: an estimate beyond it is wrong, and
 * starts over */
#define MAX_PPM 5000.0

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
  guint rate = drift->rate, restarts = drift->restarts + 1, steps = drift->steps;
  guint outliers = drift->outliers;

  jn_drift_init (drift, rate);
  drift->restarts = restarts;
  drift->steps = steps;
  drift->outliers = outliers;
}

/* the k-th smallest of v[0..n) (v is reordered) */
static double
select_kth (double *v,
            guint   n,
            guint   k)
{
  guint lo = 0, hi = n - 1;

  while (lo < hi)
    {
      double pivot = v[(lo + hi) / 2];
      guint i = lo, j = hi;

      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              double t = v[i];

              v[i] = v[j];
              v[j] = t;
              i++;
              if (j == 0)
                break;
              j--;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
  return v[k];
}

/* The median of the slopes between every two seconds (Theil and Sen),
 * and the median of the points' levels along it: a second the scheduler
 * or the network held up moves a least-squares line, but only a few of
 * these.  Before there are JN_DRIFT_MIN_WINDOWS seconds, no slope: the
 * median level alone (no card drifts more than a few ms in those
 * seconds). */
static void
fit (JnDrift *drift)
{
  double slopes[JN_DRIFT_WINDOWS * (JN_DRIFT_WINDOWS - 1) / 2], levels[JN_DRIFT_WINDOWS];
  double x0 = drift->x[drift->head], slope = 0;
  guint m = 0;

  drift->valid = FALSE;
  if (drift->n >= JN_DRIFT_MIN_WINDOWS)
    for (guint i = 0; i < drift->n; i++)
      for (guint j = i + 1; j < drift->n; j++)
        {
          guint a = (drift->head + i) % JN_DRIFT_WINDOWS, b = (drift->head + j) % JN_DRIFT_WINDOWS;
          double dx = drift->x[b] - drift->x[a];

          if (dx > 0)
            slopes[m++] = (drift->y[b] - drift->y[a]) / dx;
        }
  if (m > 0)
    {
      slope = select_kth (slopes, m, m / 2);
      if (fabs (slope) * 1e6 > MAX_PPM)
        {
          jn_drift_reset (drift);
          return;
        }
      drift->valid = TRUE;
      drift->ppm = -slope * 1e6;
    }
  for (guint i = 0; i < drift->n; i++)
    {
      guint a = (drift->head + i) % JN_DRIFT_WINDOWS;

      levels[i] = drift->y[a] - slope * (drift->x[a] - x0);
    }
  drift->line_x = x0;
  drift->line_y = drift->n > 0 ? select_kth (levels, drift->n, drift->n / 2) : 0;
  drift->slope = slope;
}

/* how far y lies from the line through the points so far */
static double
residual (const JnDrift *drift,
          double         x,
          double         y)
{
  return y - (drift->line_y + drift->slope * (x - drift->line_x));
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
      /* before the fit, the line may be off by the most a card drifts */
      double step_us = STEP_US + (drift->valid ? 0 : MAX_PPM * 1e-6 * drift->window_us);

      if (off > step_us && drift->n >= 2)
        {
          drift->later_us[MIN (drift->later, JN_DRIFT_STEP_WINDOWS - 1)] = off;
          drift->later++;
        }
      else
        drift->later = 0;
      if (off > step_us && drift->n >= 2 && drift->later < JN_DRIFT_STEP_WINDOWS)
        drift->outliers++;
      else if (fabs (off) > JUMP_US)
        jn_drift_reset (drift);
      else
        {
          guint slot;

          if (fabs (off) > step_us && drift->n >= 2)
            {
              /* later: what most of those seconds say (a busy one among
               * them says more) */
              double step = off > 0 ? select_kth (drift->later_us, JN_DRIFT_STEP_WINDOWS,
                                                  JN_DRIFT_STEP_WINDOWS / 2)
                                    : off;

              for (guint i = 0; i < drift->n; i++)
                drift->y[(drift->head + i) % JN_DRIFT_WINDOWS] += step;
              drift->line_y += step;
              drift->steps++;
              drift->later = 0;
            }
          slot = (drift->head + drift->n) % JN_DRIFT_WINDOWS;
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
