/* jn-bench-report.h: the report every jamnet-bench suite adds its figures to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-report.h"

/* The run's report (created by main before any suite runs). */
JnReport *jn_bench_report        (void);
/* A bar chart of p50 / p95 / p99 of the named figures of a suite. */
void      jn_bench_percentile_chart (const char *suite, const char *title, const char *unit,
                                     const char *const *figures);
/* Global options (--json, --csv, --html, --pdf, --save-baseline, --baseline,
 * --fail-on-regression, --baseline-dir) are taken out of argv.  0, or 2 on
 * a bad option. */
int       jn_bench_report_parse  (int *argc, char **argv);
/* Targets, baseline, exports; the exit status (3 for a regression with
 * --fail-on-regression, 1 when an export fails). */
int       jn_bench_report_finish (const char *gpu);
/* jamnet-bench report --from FILE --format html|pdf|csv|json [--output FILE] */
int       jn_bench_report_command (int argc, char **argv);
