/* pnbtr-bench.c: `jamnet-bench pnbtr`, plain C so that it also runs as
 * bench/gpu/pnbtr-bench where only a compiler and the GPU SDK are installed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pnbtr-bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jn-bench-util.h"
#include "jn-targets.h"

#define MAX_BATCHES 20000
#define MIN_BATCHES 5

static double
now_s (void)
{
  return jn_bench_now_ns () * 1e-9;
}

double
pnbtr_bench_quantile (const double *sorted, int n, double q)
{
  int rank;

  if (n < 1)
    return NAN;
  rank = (int) ceil (q * n) - 1;
  return sorted[rank < 0 ? 0 : rank >= n ? n - 1 : rank];
}

void
pnbtr_bench_options_init (PnbtrBenchOptions *o)
{
  static const int streams[] = { 1, 8, 64, 512, 4096 };

  memset (o, 0, sizeof *o);
  for (int k = PNBTR_BACKEND_CPU; k < PNBTR_BACKEND_N_KINDS; k++)
    if (pnbtr_backend_compiled ((PnbtrBackendKind) k))
      o->kinds[o->n_kinds++] = (PnbtrBackendKind) k;
  memcpy (o->streams, streams, sizeof streams);
  o->n_streams = 5;
  o->packet = 128;
  o->order = 32;
  o->window = 512;
  o->refit_every = 8;
  o->seconds = 0.5;
}

static int
parse_int (const char *s, int min, int max, int *out)
{
  char *end = NULL;
  long v = s ? strtol (s, &end, 10) : 0;

  if (s == NULL || end == s || *end != '\0' || v < min || v > max)
    return -1;
  *out = (int) v;
  return 0;
}

int
pnbtr_bench_parse (PnbtrBenchOptions *o, int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
      int ok = -1;

      if (strcmp (arg, "--help") == 0)
        {
          printf ("usage: jamnet-bench pnbtr [--backend cpu|opencl|cuda|all] [--streams B[,B...]]\n"
                  "         [--packet N] [--order P] [--window W] [--refit-every K] [--seconds S]\n"
                  "Predicted samples per second and batch latency (submit to result in host\n"
                  "memory) of each PNBTR backend.  Defaults: all backends built in, B = 1,8,64,\n"
                  "512,4096, N = 128, P = 32, W = 512, K = 8, S = 0.5.\n");
          exit (0);
        }
      if (strcmp (arg, "--backend") != 0 && strcmp (arg, "--streams") != 0 &&
          strcmp (arg, "--packet") != 0 && strcmp (arg, "--order") != 0 &&
          strcmp (arg, "--window") != 0 && strcmp (arg, "--refit-every") != 0 &&
          strcmp (arg, "--seconds") != 0)
        {
          fprintf (stderr, "jamnet-bench pnbtr: unknown option %s (see --help)\n", arg);
          return -1;
        }
      if (value == NULL)
        {
          fprintf (stderr, "jamnet-bench pnbtr: %s needs a value\n", arg);
          return -1;
        }
      if (strcmp (arg, "--backend") == 0)
        {
          PnbtrBackendKind kind;

          if (strcmp (value, "all") == 0)
            {
              PnbtrBenchOptions d;

              pnbtr_bench_options_init (&d);
              memcpy (o->kinds, d.kinds, sizeof d.kinds);
              o->n_kinds = d.n_kinds;
              ok = 0;
            }
          else if (pnbtr_backend_parse_kind (value, &kind) == 0 && kind != PNBTR_BACKEND_AUTO)
            {
              o->kinds[0] = kind;
              o->n_kinds = 1;
              ok = 0;
            }
        }
      else if (strcmp (arg, "--streams") == 0)
        {
          char *copy = strdup (value), *save = NULL;

          o->n_streams = 0;
          ok = copy != NULL ? 0 : -1;
          for (char *t = copy ? strtok_r (copy, ",", &save) : NULL; t != NULL && ok == 0;
               t = strtok_r (NULL, ",", &save))
            ok = o->n_streams < PNBTR_BENCH_MAX_POINTS
                 ? parse_int (t, 1, PNBTR_BACKEND_MAX_STREAMS, &o->streams[o->n_streams++]) : -1;
          if (o->n_streams == 0)
            ok = -1;
          free (copy);
        }
      else if (strcmp (arg, "--packet") == 0)
        ok = parse_int (value, 1, PNBTR_BACKEND_MAX_HORIZON, &o->packet);
      else if (strcmp (arg, "--order") == 0)
        ok = parse_int (value, 1, PNBTR_MAX_ORDER, &o->order);
      else if (strcmp (arg, "--window") == 0)
        ok = parse_int (value, 2, PNBTR_MAX_WINDOW, &o->window);
      else if (strcmp (arg, "--refit-every") == 0)
        ok = parse_int (value, 1, 1000000, &o->refit_every);
      else if (strcmp (arg, "--seconds") == 0)
        {
          char *end = NULL;

          o->seconds = strtod (value, &end);
          ok = end != value && *end == '\0' && o->seconds > 0 && o->seconds <= 600 ? 0 : -1;
        }
      if (ok < 0)
        {
          fprintf (stderr, "jamnet-bench pnbtr: bad option %s %s (see --help)\n", arg, value);
          return -1;
        }
      i++;
    }
  if (o->window <= o->order)
    {
      fprintf (stderr, "jamnet-bench pnbtr: the window (%d) must be longer than the order (%d)\n",
               o->window, o->order);
      return -1;
    }
  return 0;
}

/* piano-like test audio: decaying partials at a different pitch per stream */
static void
fill_history (float *h, int streams, int window)
{
  for (int s = 0; s < streams; s++)
    {
      double f0 = 110.0 * pow (2.0, (s % 36) / 12.0);

      for (int i = 0; i < window; i++)
        {
          double v = 0.0;

          for (int k = 1; k <= 6; k++)
            v += 0.3 / k * sin (2 * M_PI * f0 * k * i / 48000.0 + s + k) * exp (-k * i / 30000.0);
          h[(size_t) s * window + i] = (float) v;
        }
    }
}

static void
measure_point (PnbtrBackend *b, const PnbtrBenchOptions *o, PnbtrBenchPoint *p, float *history,
               double *models, float *out)
{
  double fit_ms[MAX_BATCHES], reuse_ms[MAX_BATCHES], start, elapsed = 0.0;
  int n_fit = 0, n_reuse = 0;

  p->latency_ms = malloc (sizeof (double) * MAX_BATCHES);
  if (p->latency_ms == NULL)
    {
      snprintf (p->error, sizeof p->error, "Out of memory");
      return;
    }
  /* warm-up: one of each kind of batch */
  if (pnbtr_backend_predict (b, p->streams, history, 1, models, out, p->error, sizeof p->error) < 0 ||
      pnbtr_backend_predict (b, p->streams, history, 0, models, out, p->error, sizeof p->error) < 0)
    return;
  start = now_s ();
  for (int i = 0; i < MAX_BATCHES && (elapsed < o->seconds || i < MIN_BATCHES); i++)
    {
      int fit = i % o->refit_every == 0;
      double t0 = now_s (), ms;

      if (pnbtr_backend_predict (b, p->streams, history, fit, models, out, p->error,
                                 sizeof p->error) < 0)
        {
          p->batches = 0;
          return;
        }
      elapsed = now_s () - start;
      ms = (now_s () - t0) * 1e3;
      p->latency_ms[p->batches++] = ms;
      if (fit)
        fit_ms[n_fit++] = ms;
      else
        reuse_ms[n_reuse++] = ms;
    }
  p->seconds = elapsed;
  p->samples_per_s = (double) p->batches * p->streams * o->packet / elapsed;
  qsort (p->latency_ms, (size_t) p->batches, sizeof (double), jn_bench_compare_double);
  qsort (fit_ms, (size_t) n_fit, sizeof (double), jn_bench_compare_double);
  qsort (reuse_ms, (size_t) n_reuse, sizeof (double), jn_bench_compare_double);
  p->fit_p50_ms = pnbtr_bench_quantile (fit_ms, n_fit, 0.5);
  p->predict_p50_ms = pnbtr_bench_quantile (reuse_ms, n_reuse, 0.5);
}

PnbtrBenchPoint *
pnbtr_bench_run (const PnbtrBenchOptions *o, int *n_points)
{
  int max_streams = 1;
  PnbtrBenchPoint *points = calloc ((size_t) (o->n_kinds * o->n_streams), sizeof *points);
  float *history, *out;
  double *models;

  for (int j = 0; j < o->n_streams; j++)
    max_streams = o->streams[j] > max_streams ? o->streams[j] : max_streams;
  history = malloc (sizeof (float) * (size_t) max_streams * o->window);
  out = malloc (sizeof (float) * (size_t) max_streams * o->packet);
  models = malloc (sizeof (double) * (size_t) max_streams * (o->order + 1));
  *n_points = 0;
  if (points == NULL || history == NULL || out == NULL || models == NULL)
    {
      free (history);
      free (out);
      free (models);
      free (points);
      return NULL;
    }
  fill_history (history, max_streams, o->window);

  for (int k = 0; k < o->n_kinds; k++)
    {
      PnbtrBackendConfig config = { o->order, o->window, o->packet, max_streams, 1e-5, 1 };
      char error[256] = "";
      PnbtrBackend *b = pnbtr_backend_new (o->kinds[k], &config, error, sizeof error);

      for (int j = 0; j < o->n_streams; j++)
        {
          PnbtrBenchPoint *p = &points[(*n_points)++];

          p->kind = o->kinds[k];
          p->streams = o->streams[j];
          if (b == NULL)
            {
              snprintf (p->error, sizeof p->error, "%s", error);
              continue;
            }
          snprintf (p->device, sizeof p->device, "%s", pnbtr_backend_get_device (b));
          fprintf (stderr, "  %s, %d streams ...\n", pnbtr_backend_kind_name (p->kind), p->streams);
          measure_point (b, o, p, history, models, out);
        }
      pnbtr_backend_free (b);
    }
  free (history);
  free (out);
  free (models);
  return points;
}

void
pnbtr_bench_points_free (PnbtrBenchPoint *points, int n_points)
{
  for (int i = 0; points != NULL && i < n_points; i++)
    free (points[i].latency_ms);
  free (points);
}

/* The figure a target names: KIND.B.samples_per_s, KIND.B.latency_ms.p50
 * or .p99, KIND.samples_per_s.best.  1 if measured. */
static int
figure_value (const PnbtrBenchPoint *points, int n, const char *figure, double *value)
{
  char kind[16] = "", what[64] = "";
  int streams = 0, found = 0;

  *value = NAN;
  if (sscanf (figure, "%15[a-z].samples_per_s.bes%1[t]", kind, what) == 2)
    {
      for (int i = 0; i < n; i++)
        if (points[i].batches > 0 && strcmp (pnbtr_backend_kind_name (points[i].kind), kind) == 0 &&
            (!found || points[i].samples_per_s > *value))
          {
            *value = points[i].samples_per_s;
            found = 1;
          }
      return found;
    }
  if (sscanf (figure, "%15[a-z].%d.%63s", kind, &streams, what) != 3)
    return 0;
  for (int i = 0; i < n; i++)
    {
      const PnbtrBenchPoint *p = &points[i];

      if (p->batches == 0 || p->streams != streams || strcmp (pnbtr_backend_kind_name (p->kind), kind))
        continue;
      if (strcmp (what, "samples_per_s") == 0)
        *value = p->samples_per_s;
      else if (strcmp (what, "latency_ms.p50") == 0)
        *value = pnbtr_bench_quantile (p->latency_ms, p->batches, 0.5);
      else if (strcmp (what, "latency_ms.p99") == 0)
        *value = pnbtr_bench_quantile (p->latency_ms, p->batches, 0.99);
      else
        return 0;
      return 1;
    }
  return 0;
}

void
pnbtr_bench_print (const PnbtrBenchOptions *o, const PnbtrBenchPoint *points, int n)
{
  PnbtrBackendKind last = PNBTR_BACKEND_AUTO;

  printf ("PNBTR backends: order %d fitted on %d samples, %d samples predicted per stream, "
          "models refitted every %d%s batch\n", o->order, o->window, o->packet, o->refit_every,
          o->refit_every == 1 ? "" : o->refit_every == 2 ? "nd" : o->refit_every == 3 ? "rd" : "th");
  for (int i = 0; i < n; i++)
    {
      const PnbtrBenchPoint *p = &points[i];

      if (p->device[0] == '\0')
        {
          /* the backend did not open: once per backend */
          if (p->kind != last)
            printf ("\n%s: SKIP, %s\n", pnbtr_backend_kind_name (p->kind), p->error);
          last = p->kind;
          continue;
        }
      if (p->kind != last)
        {
          printf ("\n%s: %s\n", pnbtr_backend_kind_name (p->kind), p->device);
          printf ("  %7s %8s %14s %11s %11s %11s %11s %10s\n", "streams", "batches",
                    "samples/s", "p50 ms", "p99 ms", "max ms", "fit p50", "reuse p50");
          last = p->kind;
        }
      if (p->batches == 0)
        {
          printf ("  %7d  SKIP: %s\n", p->streams, p->error);
          continue;
        }
      printf ("  %7d %8d %14.4g %11.4f %11.4f %11.4f %11.4f %10.4f%s\n", p->streams, p->batches,
              p->samples_per_s, pnbtr_bench_quantile (p->latency_ms, p->batches, 0.5),
              pnbtr_bench_quantile (p->latency_ms, p->batches, 0.99),
              p->latency_ms[p->batches - 1], p->fit_p50_ms, p->predict_p50_ms,
              pnbtr_bench_quantile (p->latency_ms, p->batches, 0.99) >
                  5 * pnbtr_bench_quantile (p->latency_ms, p->batches, 0.5)
                ? "  (p99 > 5x median)" : "");
    }

  /* where each GPU backend starts to beat the CPU */
  printf ("\ncrossover (smallest batch where the backend predicts more samples/s than the CPU):\n");
  for (int k = PNBTR_BACKEND_OPENCL; k < PNBTR_BACKEND_N_KINDS; k++)
    {
      int crossover = 0, compared = 0, asked = 0;

      for (int i = 0; i < o->n_kinds; i++)
        asked |= o->kinds[i] == (PnbtrBackendKind) k;
      if (!asked)
        continue;

      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
          if (points[i].kind == (PnbtrBackendKind) k && points[j].kind == PNBTR_BACKEND_CPU &&
              points[i].streams == points[j].streams && points[i].batches && points[j].batches)
            {
              compared = 1;
              if (points[i].samples_per_s > points[j].samples_per_s &&
                  (crossover == 0 || points[i].streams < crossover))
                crossover = points[i].streams;
            }
      if (!compared)
        printf ("  %-7s not measured beside the CPU\n", pnbtr_backend_kind_name ((PnbtrBackendKind) k));
      else if (crossover)
        printf ("  %-7s B = %d\n", pnbtr_backend_kind_name ((PnbtrBackendKind) k), crossover);
      else
        printf ("  %-7s never, at the batch sizes measured\n",
                pnbtr_backend_kind_name ((PnbtrBackendKind) k));
    }

}

void
pnbtr_bench_print_targets (const PnbtrBenchPoint *points, int n)
{
  JnTargets targets;
  char error[512];

  printf ("\ntargets (%s):\n", jn_targets_default_path ());
  if (jn_targets_load (&targets, jn_targets_default_path (), error, sizeof error) < 0)
    {
      printf ("  %s\n", error);
      return;
    }
  for (int t = 0; t < targets.n_targets; t++)
    {
      const JnTarget *target = &targets.targets[t];
      double v;
      int measured;
      JnVerdict verdict;

      if (strcmp (target->suite, "pnbtr") != 0)
        continue;
      measured = figure_value (points, n, target->figure, &v);
      verdict = jn_target_check (target, measured, v);
      printf ("  %-4s %-26s %14.4g  target %s %g %s (%s)\n", jn_verdict_name (verdict),
              target->figure, v, jn_target_op_name (target->op), target->value, target->unit,
              target->source);
    }
  jn_targets_clear (&targets);
}

PnbtrBenchPoint *
pnbtr_bench_run_args (PnbtrBenchOptions *o, int argc, char **argv, int *n_points, int *status)
{
  PnbtrBenchPoint *points;

  pnbtr_bench_options_init (o);
  *n_points = 0;
  if (pnbtr_bench_parse (o, argc, argv) < 0)
    {
      *status = 2;
      return NULL;
    }
  points = pnbtr_bench_run (o, n_points);
  if (points == NULL)
    {
      fprintf (stderr, "jamnet-bench pnbtr: out of memory\n");
      *status = 1;
      return NULL;
    }
  pnbtr_bench_print (o, points, *n_points);
  *status = 0;
  return points;
}

int
pnbtr_bench_main (int argc, char **argv)
{
  PnbtrBenchOptions o;
  int n = 0, status;
  PnbtrBenchPoint *points = pnbtr_bench_run_args (&o, argc, argv, &n, &status);

  if (points == NULL)
    return status;
  pnbtr_bench_print_targets (points, n);
  pnbtr_bench_points_free (points, n);
  return 0;
}
