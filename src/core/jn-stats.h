/* jn-stats.h: histograms and time series behind every latency figure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Log-linear histogram of non-negative values: 32 buckets per octave from
 * 2^-10 to 2^30, so a percentile is within about 1.1 % of the true value
 * (exact min, max and mean).  Fixed size, no allocation after creation. */
#define JN_HISTOGRAM_SUB_BUCKETS 32
#define JN_HISTOGRAM_MIN_EXP     (-10)
#define JN_HISTOGRAM_MAX_EXP     30
#define JN_HISTOGRAM_N_BUCKETS   ((JN_HISTOGRAM_MAX_EXP - JN_HISTOGRAM_MIN_EXP) * JN_HISTOGRAM_SUB_BUCKETS + 1)

typedef struct
{
  guint64 count;
  double  sum;
  double  min;
  double  max;
  guint32 buckets[JN_HISTOGRAM_N_BUCKETS];
} JnHistogram;

/* What the CLI, the graphs and the reports show of one figure. */
typedef struct
{
  guint64 count;
  double  last;
  double  mean;
  double  p50;
  double  p95;
  double  p99;
  double  max;
} JnSummary;

void     jn_histogram_reset       (JnHistogram *hist);
void     jn_histogram_add         (JnHistogram *hist,
                                   double       value);
double   jn_histogram_percentile  (const JnHistogram *hist,
                                   double       p);
void     jn_histogram_summarize   (const JnHistogram *hist,
                                   double       last,
                                   JnSummary   *summary);

/* A round step (1, 2 or 5 times a power of ten) for about n axis ticks
 * over span, which must be above 0. */
double   jn_nice_step             (double       span,
                                   int          n);

/* Fixed-capacity ring of timestamped samples, oldest dropped first. */
typedef struct
{
  gint64 time_us;
  double value;
} JnSample;

typedef struct _JnSeries JnSeries;

JnSeries *jn_series_new           (guint        capacity);
void      jn_series_free          (JnSeries    *series);
void      jn_series_push          (JnSeries    *series,
                                   gint64       time_us,
                                   double       value);
guint     jn_series_get_length    (const JnSeries *series);
/* index 0 is the oldest sample kept */
JnSample  jn_series_get           (const JnSeries *series,
                                   guint        index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnSeries, jn_series_free)

G_END_DECLS
