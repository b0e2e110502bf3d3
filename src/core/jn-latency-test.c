/* jn-latency-test.c: clicks out, echoes timed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-latency-test"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jn-latency-test.h"

#define CLICK_FRAMES    16
#define CLICK_LEVEL     0.8f
#define ECHO_THRESHOLD  0.4f

struct _JnLatencyTest
{
  guint    count;          /* round trips to time */
  guint    max_clicks;     /* clicks sent at most: lost echoes are retried */
  guint    n_timed;        /* atomic */
  guint64  position;       /* first frame of the current period */
  guint64  next_click;
  guint64  clicks[JN_LATENCY_TEST_MAX_CLICKS];
  guint    n_clicks;
  guint    n_echoes;       /* atomic: read from other threads */
  double   round_trip_ms[JN_LATENCY_TEST_MAX_CLICKS];
};

JnLatencyTest *
jn_latency_test_new (guint count)
{
  JnLatencyTest *test;

  g_return_val_if_fail (count >= 1 && count <= JN_LATENCY_TEST_MAX_CLICKS, NULL);

  test = g_new0 (JnLatencyTest, 1);
  test->count = count;
  test->max_clicks = MIN (2 * count, JN_LATENCY_TEST_MAX_CLICKS);
  return test;
}

void
jn_latency_test_free (JnLatencyTest *test)
{
  g_free (test);
}

double
jn_latency_test_get_timeout_s (JnLatencyTest *test)
{
  g_return_val_if_fail (test != NULL, 0.0);
  /* clicks every interval after 1 s, and as long again for the echoes */
  return (1.5 + test->max_clicks * JN_LATENCY_TEST_INTERVAL_S) * 2;
}

void
jn_latency_test_capture (JnLatencyTest *test,
                         float         *out,
                         guint          frames,
                         guint          channels,
                         guint          rate,
                         guint64        position)
{
  test->position = position;
  memset (out, 0, sizeof (float) * frames * channels);
  if (test->next_click == 0)
    test->next_click = position + rate;   /* let the session settle 1 s */
  /* an echo that has not come back within a second is lost */
  if (test->n_echoes < test->n_clicks && position > test->clicks[test->n_echoes] + rate)
    {
      test->round_trip_ms[test->n_echoes] = -1.0;
      g_atomic_int_inc ((gint *) &test->n_echoes);
    }
  if (test->next_click >= position && test->next_click < position + frames &&
      test->n_clicks < test->max_clicks && test->n_clicks == test->n_echoes &&
      test->n_timed < test->count)
    {
      guint at = (guint) (test->next_click - position);

      for (guint i = at; i < MIN (frames, at + CLICK_FRAMES); i++)
        for (guint c = 0; c < channels; c++)
          out[i * channels + c] = CLICK_LEVEL;
      test->clicks[test->n_clicks++] = test->next_click;
    }
  if (test->next_click < position + frames)
    test->next_click += (guint64) (JN_LATENCY_TEST_INTERVAL_S * rate);
}

void
jn_latency_test_playout (JnLatencyTest *test,
                         const float   *audio,
                         guint          frames,
                         guint          channels,
                         guint          rate)
{
  if (test->n_echoes >= test->n_clicks)
    return;
  /* the first loud sample after the click went out is its echo */
  for (guint i = 0; i < frames; i++)
    if (fabsf (audio[i * channels]) > ECHO_THRESHOLD && test->position + i > test->clicks[test->n_echoes])
      {
        test->round_trip_ms[test->n_echoes] =
          (double) (test->position + i - test->clicks[test->n_echoes]) * 1000.0 / rate;
        g_atomic_int_inc ((gint *) &test->n_timed);
        g_atomic_int_inc ((gint *) &test->n_echoes);
        break;
      }
}

gboolean
jn_latency_test_is_done (JnLatencyTest *test)
{
  g_return_val_if_fail (test != NULL, FALSE);
  return (guint) g_atomic_int_get ((gint *) &test->n_timed) >= test->count ||
         (guint) g_atomic_int_get ((gint *) &test->n_echoes) >= test->max_clicks;
}

guint
jn_latency_test_get_results (JnLatencyTest *test,
                             double        *round_trip_ms,
                             guint          max)
{
  guint n;

  g_return_val_if_fail (test != NULL, 0);

  n = MIN ((guint) g_atomic_int_get ((gint *) &test->n_echoes), max);
  memcpy (round_trip_ms, test->round_trip_ms, sizeof (double) * n);
  return n;
}

static int
compare_ms (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

gboolean
jn_latency_test_get_figures (JnLatencyTest    *test,
                             JnLatencyFigures *figures)
{
  double round_trip[JN_LATENCY_TEST_MAX_CLICKS], sorted[JN_LATENCY_TEST_MAX_CLICKS];
  guint n, got = 0;

  g_return_val_if_fail (test != NULL && figures != NULL, FALSE);

  n = jn_latency_test_get_results (test, round_trip, JN_LATENCY_TEST_MAX_CLICKS);
  for (guint i = 0; i < n; i++)
    if (round_trip[i] >= 0)
      sorted[got++] = round_trip[i];
  *figures = (JnLatencyFigures) { .clicks = n, .echoes = got };
  if (got == 0)
    return FALSE;
  qsort (sorted, got, sizeof (double), compare_ms);
  figures->min_ms = sorted[0];
  figures->median_ms = sorted[got / 2];
  figures->max_ms = sorted[got - 1];
  return TRUE;
}
