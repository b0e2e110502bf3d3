/* jn-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-stats.h"

void
jn_histogram_reset (JnHistogram *hist)
{
  memset (hist, 0, sizeof *hist);
}

static guint
bucket_of (double value)
{
  int exp;
  double mant;
  int index;

  if (!(value > 0.0))
    return 0;
  mant = frexp (value, &exp);  /* value = mant * 2^exp, mant in [0.5, 1) */
  exp -= 1;                    /* value = (2 mant) * 2^exp, 2 mant in [1, 2) */
  if (exp < JN_HISTOGRAM_MIN_EXP)
    return 0;
  if (exp >= JN_HISTOGRAM_MAX_EXP)
    return JN_HISTOGRAM_N_BUCKETS - 1;
  index = (exp - JN_HISTOGRAM_MIN_EXP) * JN_HISTOGRAM_SUB_BUCKETS +
          (int) ((2.0 * mant - 1.0) * JN_HISTOGRAM_SUB_BUCKETS);
  return (guint) CLAMP (index, 0, JN_HISTOGRAM_N_BUCKETS - 1);
}

/* geometric middle of a bucket */
static double
bucket_value (guint index)
{
  int exp = (int) (index / JN_HISTOGRAM_SUB_BUCKETS) + JN_HISTOGRAM_MIN_EXP;
  guint sub = index % JN_HISTOGRAM_SUB_BUCKETS;
  double lo = ldexp (1.0 + (double) sub / JN_HISTOGRAM_SUB_BUCKETS, exp);
  double hi = ldexp (1.0 + (double) (sub + 1) / JN_HISTOGRAM_SUB_BUCKETS, exp);

  return sqrt (lo * hi);
}

void
jn_histogram_add (JnHistogram *hist,
                  double       value)
{
  if (!isfinite (value))
    return;
  if (value < 0.0)
    value = 0.0;
  if (hist->count == 0 || value < hist->min)
    hist->min = value;
  if (hist->count == 0 || value > hist->max)
    hist->max = value;
  hist->count++;
  hist->sum += value;
  hist->buckets[bucket_of (value)]++;
}

/* p in [0, 1]: the smallest value v such that at least p of the samples are
 * <= v, rounded to the bucket's middle and clamped to [min, max]. */
double
jn_histogram_percentile (const JnHistogram *hist,
                         double             p)
{
  guint64 rank, seen = 0;

  if (hist->count == 0)
    return 0.0;
  p = CLAMP (p, 0.0, 1.0);
  rank = (guint64) ceil (p * (double) hist->count);
  if (rank == 0)
    return hist->min;
  if (rank >= hist->count)
    return hist->max;

  for (guint i = 0; i < JN_HISTOGRAM_N_BUCKETS; i++)
    {
      seen += hist->buckets[i];
      if (seen >= rank)
        {
          double v = i == 0 ? hist->min : bucket_value (i);

          return CLAMP (v, hist->min, hist->max);
        }
    }
  return hist->max;
}

void
jn_histogram_summarize (const JnHistogram *hist,
                        double             last,
                        JnSummary         *summary)
{
  summary->count = hist->count;
  summary->last = last;
  summary->mean = hist->count ? hist->sum / (double) hist->count : 0.0;
  summary->p50 = jn_histogram_percentile (hist, 0.50);
  summary->p95 = jn_histogram_percentile (hist, 0.95);
  summary->p99 = jn_histogram_percentile (hist, 0.99);
  summary->max = hist->count ? hist->max : 0.0;
}

/* --- series -------------------------------------------------------------- */

struct _JnSeries
{
  guint    capacity;
  guint    length;
  guint    head;     /* next write position */
  JnSample samples[];
};

JnSeries *
jn_series_new (guint capacity)
{
  JnSeries *series;

  g_return_val_if_fail (capacity > 0, NULL);

  series = g_malloc0 (sizeof (JnSeries) + capacity * sizeof (JnSample));
  series->capacity = capacity;
  return series;
}

void
jn_series_free (JnSeries *series)
{
  g_free (series);
}

void
jn_series_push (JnSeries *series,
                gint64    time_us,
                double    value)
{
  series->samples[series->head] = (JnSample) { time_us, value };
  series->head = (series->head + 1) % series->capacity;
  if (series->length < series->capacity)
    series->length++;
}

guint
jn_series_get_length (const JnSeries *series)
{
  return series->length;
}

JnSample
jn_series_get (const JnSeries *series,
               guint           index)
{
  guint start;

  g_return_val_if_fail (index < series->length, ((JnSample) { 0, 0.0 }));

  start = (series->head + series->capacity - series->length) % series->capacity;
  return series->samples[(start + index) % series->capacity];
}

double
jn_nice_step (double span,
              int    n)
{
  double raw = span / n, mag = pow (10, floor (log10 (raw))), f = raw / mag;

  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}
