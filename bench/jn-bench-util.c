/* jn-bench-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* clock_gettime() without -D_GNU_SOURCE too (build-aux/gpu-standalone.sh sets it) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "jn-bench-util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

double
jn_bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
jn_bench_compare_double (const void *a,
                         const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
jn_bench_compare_strings (const void *a,
                          const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
jn_bench_fail (const char *message)
{
  fprintf (stderr, "jamnet-bench: %s\n", message);
  return 1;
}
