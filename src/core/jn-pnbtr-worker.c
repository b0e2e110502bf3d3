/* jn-pnbtr-worker.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-pnbtr"

#include "config.h"

#include "jn-pnbtr-worker.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "jn-ring.h"
#include "pnbtr-backend.h"

/* A job's ring element: this header, then its history (channels x window
 * floats); a result's: a JnPnbtrResult, then its model, then its prepared
 * system.  The headers are padded so that what follows is aligned. */
typedef struct
{
  guint32 stream;
  guint32 seq;
  gint64  deadline_us;
} Job;

#define HEADER_SIZE(type) ((sizeof (type) + 15) / 16 * 16)
#define JOB_HISTORY(job)  ((float *) ((guint8 *) (job) + HEADER_SIZE (Job)))
#define RESULT_MODEL(r)   ((double *) ((guint8 *) (r) + HEADER_SIZE (JnPnbtrResult)))

struct _JnPnbtrWorker
{
  PnbtrConfig   method;
  PnbtrBackendKind kind;
  guint         channels, window, order, horizon, capacity;

  /* media thread -> worker, and back */
  JnRing       *jobs;
  JnRing       *results;
  gsize         model_len;       /* channels x (order + 1) */
  gsize         prepared_len;    /* pnbtr_prepared_size() */

  int           wake_fd;
  gboolean      stop;
  GThread      *thread;

  /* the worker thread's own */
  PnbtrBackend *backend;
  float        *batch_history;
  double       *batch_models;
  double       *prepare_scratch;
  float        *batch_out;

  gint          jobs_taken, queue_full;   /* media thread, atomic */
  GMutex        stats_lock;               /* worker thread and readers only */
  JnPnbtrWorkerStats stats;
};

static void
wake (JnPnbtrWorker *w)
{
  guint64 one = 1;

  /* a full counter still wakes the worker: nothing to do on error */
  if (write (w->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    return;
}

static void
note_backend (JnPnbtrWorker *w)
{
  g_mutex_lock (&w->stats_lock);
  g_strlcpy (w->stats.backend, pnbtr_backend_get_name (w->backend), sizeof w->stats.backend);
  g_strlcpy (w->stats.device, pnbtr_backend_get_device (w->backend), sizeof w->stats.device);
  g_mutex_unlock (&w->stats_lock);
}

/* The batch failed on a GPU backend: from now on the CPU does the work. */
static gboolean
fall_back_to_cpu (JnPnbtrWorker *w, const char *why)
{
  PnbtrBackendConfig config = *pnbtr_backend_get_config (w->backend);
  char error[256] = "";
  PnbtrBackend *cpu;

  if (pnbtr_backend_get_kind (w->backend) == PNBTR_BACKEND_CPU)
    return FALSE;
  cpu = pnbtr_backend_new (PNBTR_BACKEND_CPU, &config, error, sizeof error);
  if (cpu == NULL)
    return FALSE;
  g_warning (_("Loss concealment on %s failed (%s); it runs on the CPU from now on"),
             pnbtr_backend_get_device (w->backend), why);
  pnbtr_backend_free (w->backend);
  w->backend = cpu;
  note_backend (w);
  return TRUE;
}

static void publish (JnPnbtrWorker *w, guint n, gboolean ok, double cost_us);

/* No backend at all: every job comes back failed, so that its stream
 * stops waiting for it. */
static void
post_failures (JnPnbtrWorker *w, guint n)
{
  publish (w, n, FALSE, 0.0);
}

static void
run_batch (JnPnbtrWorker *w, guint n)
{
  gsize per_job = (gsize) w->channels * w->window;
  gint64 start = g_get_monotonic_time ();
  char error[256] = "";
  double elapsed_us;
  gboolean ok;

  for (guint i = 0; i < n; i++)
    memcpy (w->batch_history + i * per_job, JOB_HISTORY (jn_ring_peek (w->jobs, i)), sizeof (float) * per_job);
  ok = pnbtr_backend_predict (w->backend, (int) (n * w->channels), w->batch_history, 1,
                              w->batch_models, w->batch_out, error, sizeof error) == 0;
  if (!ok)
    {
      g_mutex_lock (&w->stats_lock);
      w->stats.failures++;
      g_mutex_unlock (&w->stats_lock);
      ok = fall_back_to_cpu (w, error) &&
           pnbtr_backend_predict (w->backend, (int) (n * w->channels), w->batch_history, 1,
                                  w->batch_models, w->batch_out, error, sizeof error) == 0;
    }
  elapsed_us = (double) (g_get_monotonic_time () - start);
  publish (w, n, ok, elapsed_us / n);

  g_mutex_lock (&w->stats_lock);
  w->stats.batches++;
  w->stats.last_batch_ms = elapsed_us / 1000.0;
  g_mutex_unlock (&w->stats_lock);
}

/* The results of the n oldest jobs, into the result ring. */
static void
publish (JnPnbtrWorker *w, guint n, gboolean ok, double cost_us)
{
  for (guint i = 0; i < n; i++)
    {
      const Job *job = jn_ring_peek (w->jobs, i);
      JnPnbtrResult *r = jn_ring_reserve (w->results);
      double *model;

      if (r == NULL)
        {
          g_mutex_lock (&w->stats_lock);
          w->stats.results_dropped++;
          g_mutex_unlock (&w->stats_lock);
          continue;
        }
      model = RESULT_MODEL (r);
      r->stream = job->stream;
      r->seq = job->seq;
      r->deadline_us = job->deadline_us;
      r->done_us = g_get_monotonic_time ();
      r->cost_us = cost_us;
      r->ok = ok;
      r->model = NULL;      /* pointed at by jn_pnbtr_worker_result_peek() */
      r->prepared = NULL;
      if (ok)
        {
          memcpy (model, w->batch_models + i * w->model_len, sizeof (double) * w->model_len);
          /* the longest interpolation's system, on this thread whatever the
           * backend: it is part of the job's cost */
          if (w->prepared_len > 0)
            {
              gint64 t0 = g_get_monotonic_time ();

              pnbtr_prepare_model (&w->method, model, model + w->model_len, w->prepare_scratch);
              r->cost_us += (double) (g_get_monotonic_time () - t0);
            }
        }
      jn_ring_commit (w->results);
    }
  g_mutex_lock (&w->stats_lock);
  w->stats.results += n;
  g_mutex_unlock (&w->stats_lock);
}

/* The backend asked for, else the CPU, with a warning. */
static gboolean
open_backend (JnPnbtrWorker *w)
{
  PnbtrBackendConfig config;
  char message[512] = "";

  pnbtr_backend_config_init (&config, &w->method, (int) w->horizon,
                             (int) (w->capacity * w->channels));
  w->backend = pnbtr_backend_new (w->kind, &config, message, sizeof message);
  if (w->backend == NULL && w->kind != PNBTR_BACKEND_CPU)
    {
      g_autofree char *reason = g_strdup (message);

      w->backend = pnbtr_backend_new (PNBTR_BACKEND_CPU, &config, message, sizeof message);
      if (w->backend != NULL)
        g_warning (_("PNBTR backend %s is not available (%s); concealing on the CPU"),
                   pnbtr_backend_kind_name (w->kind), reason);
    }
  if (w->backend == NULL)
    {
      g_warning (_("Cannot start loss concealment on any backend: %s"), message);
      g_mutex_lock (&w->stats_lock);
      g_strlcpy (w->stats.backend, "none", sizeof w->stats.backend);
      g_strlcpy (w->stats.device, message, sizeof w->stats.device);
      g_mutex_unlock (&w->stats_lock);
      return FALSE;
    }
  note_backend (w);
  return TRUE;
}

static gpointer
worker_thread (gpointer data)
{
  JnPnbtrWorker *w = data;
  gboolean have_backend;

  /* opened at normal priority: opening a backend loads libraries (an
   * OpenCL driver is megabytes of relocations), and while it does, it holds
   * the dynamic loader's lock, which the media thread may need too.  At
   * SCHED_IDLE on a busy machine that took tens of seconds, and the media
   * thread waited on it all that time: no audio at all. */
  have_backend = open_backend (w);
  /* then background work: it gets only CPU time nothing else wants, so it
   * never delays the audio or media threads; when it falls behind, models
   * come back late and gaps fit their own, as without a worker */
  {
    struct sched_param param = { 0 };

    if (pthread_setschedparam (pthread_self (), SCHED_IDLE, &param) != 0)
      g_debug ("The PNBTR worker keeps its normal priority");
  }

  while (!g_atomic_int_get (&w->stop))
    {
      struct pollfd pfd = { w->wake_fd, POLLIN, 0 };
      guint n = (guint) jn_ring_get_readable (w->jobs);
      guint64 count;

      if (n == 0)
        {
          if (poll (&pfd, 1, 200) > 0 && read (w->wake_fd, &count, sizeof count) < 0)
            g_usleep (1000);
          continue;
        }
      if (have_backend)
        run_batch (w, n);
      else
        post_failures (w, n);
      jn_ring_skip (w->jobs, n);
    }
  return NULL;
}

JnPnbtrWorker *
jn_pnbtr_worker_new (const PnbtrConfig *method,
                     guint              horizon,
                     guint              max_jobs,
                     const char        *backend,
                     GError           **error)
{
  PnbtrBackendKind kind = PNBTR_BACKEND_AUTO;
  JnPnbtrWorker *w;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (max_jobs >= 1 && max_jobs <= 4096, NULL);
  g_return_val_if_fail (horizon >= 1 && horizon <= PNBTR_BACKEND_MAX_HORIZON, NULL);

  if (!jn_pnbtr_worker_fits (method->method))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Loss concealment “%s” has no model for a worker to fit"),
                   pnbtr_method_name (method->method));
      return NULL;
    }
  if (backend != NULL && pnbtr_backend_parse_kind (backend, &kind) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown PNBTR backend “%s” (use auto, cpu, opencl or cuda)"), backend);
      return NULL;
    }

  w = g_new0 (JnPnbtrWorker, 1);
  w->method = *method;
  w->kind = kind;
  w->channels = (guint) method->channels;
  w->window = (guint) method->window;
  w->order = (guint) method->order;
  w->horizon = horizon;
  /* a power of two, so that the free-running indices wrap cleanly */
  w->capacity = 1;
  while (w->capacity < max_jobs)
    w->capacity *= 2;
  max_jobs = w->capacity;
  g_mutex_init (&w->stats_lock);
  g_strlcpy (w->stats.backend, "starting", sizeof w->stats.backend);

  w->model_len = (gsize) w->channels * (w->order + 1);
  w->prepared_len = pnbtr_prepared_size (method);
  w->jobs = jn_ring_new (max_jobs, HEADER_SIZE (Job) + sizeof (float) * w->channels * w->window);
  w->results = jn_ring_new (max_jobs, HEADER_SIZE (JnPnbtrResult) +
                                      sizeof (double) * (w->model_len + w->prepared_len));
  w->batch_history = g_new0 (float, (gsize) max_jobs * w->channels * w->window);
  w->batch_models = g_new0 (double, (gsize) max_jobs * w->channels * (w->order + 1));
  w->batch_out = g_new0 (float, (gsize) max_jobs * w->channels * horizon);
  if (w->prepared_len > 0)
    w->prepare_scratch = g_new0 (double, pnbtr_prepare_scratch_size (method));
  w->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  /* opening a GPU backend (building kernels) takes a while: the worker
   * thread does it, jobs wait in the ring meanwhile */
  w->thread = g_thread_new ("jn-pnbtr-worker", worker_thread, w);
  return w;
}

void
jn_pnbtr_worker_free (JnPnbtrWorker *w)
{
  if (w == NULL)
    return;
  g_atomic_int_set (&w->stop, TRUE);
  wake (w);
  g_thread_join (w->thread);
  close (w->wake_fd);
  pnbtr_backend_free (w->backend);
  jn_ring_free (w->jobs);
  jn_ring_free (w->results);
  g_free (w->prepare_scratch);
  g_free (w->batch_history);
  g_free (w->batch_models);
  g_free (w->batch_out);
  g_mutex_clear (&w->stats_lock);
  g_free (w);
}

float *
jn_pnbtr_worker_job_begin (JnPnbtrWorker *w)
{
  Job *job = jn_ring_reserve (w->jobs);

  if (job == NULL)
    {
      g_atomic_int_inc (&w->queue_full);
      return NULL;
    }
  return JOB_HISTORY (job);
}

void
jn_pnbtr_worker_job_commit (JnPnbtrWorker *w,
                            guint32        stream,
                            guint32        seq,
                            gint64         deadline_us)
{
  Job *job = jn_ring_reserve (w->jobs);   /* the one job_begin() handed out */

  g_return_if_fail (job != NULL);
  job->stream = stream;
  job->seq = seq;
  job->deadline_us = deadline_us;
  jn_ring_commit (w->jobs);   /* publishes the job and its history */
  g_atomic_int_inc (&w->jobs_taken);
  wake (w);
}

gboolean
jn_pnbtr_worker_result_peek (JnPnbtrWorker *w,
                             JnPnbtrResult *result)
{
  const JnPnbtrResult *r = jn_ring_peek (w->results, 0);

  if (r == NULL)
    return FALSE;
  *result = *r;
  /* they stay in the ring until jn_pnbtr_worker_result_release() */
  result->model = r->ok ? RESULT_MODEL (r) : NULL;
  result->prepared = r->ok && w->prepared_len > 0 ? RESULT_MODEL (r) + w->model_len : NULL;
  return TRUE;
}

void
jn_pnbtr_worker_result_release (JnPnbtrWorker *w)
{
  jn_ring_skip (w->results, 1);
}

void
jn_pnbtr_worker_get_stats (JnPnbtrWorker      *w,
                           JnPnbtrWorkerStats *stats)
{
  g_mutex_lock (&w->stats_lock);
  *stats = w->stats;
  g_mutex_unlock (&w->stats_lock);
  stats->jobs = (guint) g_atomic_int_get (&w->jobs_taken);
  stats->queue_full = (guint) g_atomic_int_get (&w->queue_full);
}
