/* jn-bench-util.h: what every benchmark measures with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <time.h>

/* monotonic time in nanoseconds */
static inline double
jn_bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* qsort() comparison of doubles */
static inline int
jn_bench_compare_double (const void *a,
                         const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}
