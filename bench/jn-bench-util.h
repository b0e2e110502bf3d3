/* jn-bench-util.h: what every benchmark measures and reports with (plain
 * C, no GLib: bench/gpu uses it too)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* monotonic time in nanoseconds */
double jn_bench_now_ns          (void);
/* qsort() comparison of doubles */
int    jn_bench_compare_double  (const void *a,
                                 const void *b);
/* comparison of two char * elements (qsort(), g_ptr_array_sort()) */
int    jn_bench_compare_strings (const void *a,
                                 const void *b);
/* Says "jamnet-bench: MESSAGE" on stderr; returns the exit status 1. */
int    jn_bench_fail            (const char *message);
