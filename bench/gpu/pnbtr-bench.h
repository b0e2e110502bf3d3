/* pnbtr-bench.h: throughput and latency of the PNBTR backends (no GLib)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef PNBTR_BENCH_H
#define PNBTR_BENCH_H

#include "pnbtr-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PNBTR_BENCH_MAX_POINTS 16

typedef struct
{
  PnbtrBackendKind kinds[PNBTR_BACKEND_N_KINDS]; /* which backends, in order */
  int              n_kinds;
  int              streams[PNBTR_BENCH_MAX_POINTS];
  int              n_streams;
  int              packet;       /* N */
  int              order;        /* P */
  int              window;       /* fit window */
  int              refit_every;  /* one batch in this many fits the models */
  double           seconds;      /* measuring time per point (at least 5 batches) */
} PnbtrBenchOptions;

typedef struct
{
  PnbtrBackendKind kind;
  int              streams;
  int              batches;        /* 0: not measured (see error) */
  double           seconds;        /* total time of the measured batches */
  double           samples_per_s;  /* predicted samples per second */
  double          *latency_ms;     /* batches values, sorted: submit to result in host memory */
  double           fit_p50_ms;     /* median of the batches that fitted */
  double           predict_p50_ms; /* median of the batches that reused the models */
  char             device[256];
  char             error[256];
} PnbtrBenchPoint;

/* Defaults: every backend compiled in, B = 1, 8, 64, 512, 4096, N = 128,
 * order 32 on a 512-sample window, refit every 8th batch, 0.5 s a point. */
void   pnbtr_bench_options_init (PnbtrBenchOptions *options);
/* Parses --backend, --streams (a comma list), --packet, --order, --window,
 * --refit-every, --seconds; 0, or -1 with a message on stderr. */
int    pnbtr_bench_parse        (PnbtrBenchOptions *options, int argc, char **argv);
/* Measures n_kinds x n_streams points (allocated, free with
 * pnbtr_bench_points_free); progress on stderr. */
PnbtrBenchPoint *pnbtr_bench_run (const PnbtrBenchOptions *options, int *n_points);
void   pnbtr_bench_points_free  (PnbtrBenchPoint *points, int n_points);
/* The q-quantile of sorted values (nearest rank). */
double pnbtr_bench_quantile     (const double *sorted, int n, double q);
/* Prints the table and the crossovers to stdout. */
void   pnbtr_bench_print        (const PnbtrBenchOptions *options, const PnbtrBenchPoint *points,
                                 int n_points);
/* The pnbtr targets of bench/targets.tsv against the points: PASS/FAIL/SKIP. */
void   pnbtr_bench_print_targets (const PnbtrBenchPoint *points, int n_points);
/* Options from argv, the run and its table: the points, or NULL with
 * *status 2 (bad options, said on stderr) or 1 (out of memory). */
PnbtrBenchPoint *pnbtr_bench_run_args (PnbtrBenchOptions *options, int argc, char **argv,
                                       int *n_points, int *status);
/* parse + run + print + targets: the whole `jamnet-bench pnbtr` command. */
int    pnbtr_bench_main         (int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
