/* jn-concealer-pool.c
 *
 * Each stream asks the worker for a fresh model every R periods, and
 * trusts one for PNBTR_MODEL_MAX_AGE_PERIODS after its snapshot; an older
 * one is forgotten and the gap fits its own.  R is as small as the worker
 * affords: the streams' models may take PNBTR_WORKER_SHARE of one core (or
 * of the worker's device), measured from the cost per model the worker
 * reports, and R stays within 1 .. PNBTR_REFIT_MAX_PERIODS.  Before the
 * first measurement R is the largest.  What each cadence costs in quality
 * is measured in docs/architecture.md.
 *
 * Where even R = PNBTR_REFIT_MAX_PERIODS asks more than that share (many
 * streams, a slow worker), asking every stream anyway would only queue
 * jobs whose models come back too old to trust.  So the asks themselves
 * are held to the share: a credit grows by the share's worth of jobs each
 * period and each ask spends one; the streams that are due take turns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-concealer-pool"

#include "config.h"

#include <math.h>

#include "jn-concealer-private.h"
#include "jn-concealer-pool.h"
#include "jn-pnbtr-worker.h"

#define PNBTR_REFIT_MAX_PERIODS     12
#define PNBTR_MODEL_MAX_AGE_PERIODS 16
#define PNBTR_WORKER_SHARE          0.3
/* a stream is refitted while it lost a packet this lately: none is on a
 * clean link, where nothing needs concealing (docs/pnbtr.md) */
#define PNBTR_LOSS_HOLD_US          (10 * G_USEC_PER_SEC)
/* streams with a model on the way at once: one job per stream at most, and
 * a session has at most 32 players (JN_SESSION_MAX_PEERS); each result slot
 * holds a prepared interpolation */
#define PNBTR_WORKER_JOBS 32
/* asks the share's credit may save up: a short burst, not a queue */
#define PNBTR_CREDIT_MAX  2.0

struct _JnConcealerPool
{
  JnPnbtrWorker *worker;
  guint          frames;
  guint          window;        /* samples of history a model is fitted on */
  gint64         period_us;
  double         job_us;        /* the worker's cost per model, averaged */
  guint          refit;         /* periods between a stream's refits */
  double         credit;        /* asks the worker's share affords now */
  guint          turn;          /* the stream that asks first next period */
  guint64        jobs;
  guint64        installed;
  guint64        late;
  guint64        in_gap;
  guint64        queue_full;
};

guint
jn_pnbtr_refit_periods (guint  streams,
                        double job_us,
                        double period_us)
{
  double periods;

  if (streams == 0 || !(job_us > 0.0) || !(period_us > 0.0))
    return PNBTR_REFIT_MAX_PERIODS;
  periods = ceil (streams * job_us / (PNBTR_WORKER_SHARE * period_us));
  return (guint) CLAMP (periods, 1.0, (double) PNBTR_REFIT_MAX_PERIODS);
}

JnConcealerPool *
jn_concealer_pool_new (const char          *method,
                       const JnAudioFormat *format,
                       const char          *backend)
{
  JnConcealerPool *pool;
  PnbtrConfig config;
  JnPnbtrWorker *worker;

  g_return_val_if_fail (format != NULL, NULL);

  if (method == NULL || backend == NULL || g_str_equal (backend, "off") ||
      pnbtr_config_parse (&config, method, (int) format->rate, (int) format->channels,
                          (int) format->frames) < 0 ||
      !jn_pnbtr_worker_fits (config.method))
    return NULL;
  worker = jn_pnbtr_worker_new (&config, format->frames, PNBTR_WORKER_JOBS, backend, NULL);
  if (worker == NULL)
    return NULL;

  pool = g_new0 (JnConcealerPool, 1);
  pool->worker = worker;
  pool->frames = format->frames;
  pool->window = (guint) config.window;
  pool->period_us = (gint64) format->frames * G_USEC_PER_SEC / format->rate;
  pool->refit = PNBTR_REFIT_MAX_PERIODS;
  pool->credit = PNBTR_CREDIT_MAX;
  return pool;
}

void
jn_concealer_pool_free (JnConcealerPool *pool)
{
  if (pool == NULL)
    return;
  jn_pnbtr_worker_free (pool->worker);
  g_free (pool);
}

void
jn_concealer_pool_collect (JnConcealerPool   *pool,
                           JnConcealerLookup  lookup,
                           gpointer           user_data,
                           gint64             now)
{
  JnPnbtrResult r;

  while (jn_pnbtr_worker_result_peek (pool->worker, &r))
    {
      JnConcealer *c = lookup (user_data, r.stream);

      if (r.ok && r.cost_us > 0.0)
        pool->job_us = pool->job_us > 0.0 ? 0.8 * pool->job_us + 0.2 * r.cost_us : r.cost_us;
      if (c != NULL && r.ok)
        {
          c->job_in_flight = FALSE;
          if (now > r.deadline_us)
            pool->late++;
          else if (pnbtr_install_prepared (c->plc, r.model, r.prepared) == 0)
            {
              pool->installed++;
              c->has_model = TRUE;
              c->model_seq = r.seq;
            }
          else
            pool->in_gap++;
        }
      else if (c != NULL)
        c->job_in_flight = FALSE;
      jn_pnbtr_worker_result_release (pool->worker);
    }
}

void
jn_concealer_pool_plan (JnConcealerPool *pool,
                        guint            streams)
{
  pool->refit = jn_pnbtr_refit_periods (streams, pool->job_us, (double) pool->period_us);
  /* before the first measurement, the credit it began with */
  if (pool->job_us > 0.0)
    pool->credit = MIN (pool->credit + PNBTR_WORKER_SHARE * (double) pool->period_us / pool->job_us,
                        PNBTR_CREDIT_MAX);
}

gboolean
jn_concealer_pool_ask (JnConcealerPool *pool,
                       JnConcealer     *c,
                       guint32          seq,
                       guint64          played_packets,
                       gint64           now)
{
  guint32 age = seq - c->model_seq;
  float *history;

  if (!jn_concealer_fits_models (c) || c->in_gap)
    return TRUE;
  if (c->has_model && age > PNBTR_MODEL_MAX_AGE_PERIODS)
    {
      pnbtr_forget_model (c->plc);
      c->has_model = FALSE;
    }
  /* once the stream has a window of real audio and lately lost some: one
   * job in flight each, when the model is due */
  if (c->job_in_flight || played_packets * pool->frames < (guint64) pool->window ||
      c->gap_us == 0 || now - c->gap_us > PNBTR_LOSS_HOLD_US ||
      (c->has_model && age < pool->refit) || pool->credit < 1.0)
    return TRUE;
  history = jn_pnbtr_worker_job_begin (pool->worker);
  if (history == NULL)
    {
      pool->queue_full++;
      return FALSE;
    }
  pnbtr_snapshot (c->plc, history);
  jn_pnbtr_worker_job_commit (pool->worker, c->stream, seq,
                              now + PNBTR_MODEL_MAX_AGE_PERIODS * pool->period_us);
  c->job_in_flight = TRUE;
  pool->jobs++;
  pool->credit -= 1.0;
  return TRUE;
}

void
jn_concealer_pool_get_stats (JnConcealerPool *pool,
                             JnEngineStats   *stats)
{
  JnPnbtrWorkerStats ws;

  jn_pnbtr_worker_get_stats (pool->worker, &ws);
  g_strlcpy (stats->pnbtr_backend, ws.backend, sizeof stats->pnbtr_backend);
  g_strlcpy (stats->pnbtr_device, ws.device, sizeof stats->pnbtr_device);
  stats->pnbtr_failures = ws.failures;
  stats->pnbtr_batch_ms = ws.last_batch_ms;
  stats->pnbtr_job_ms = pool->job_us / 1000.0;
  stats->pnbtr_refit_periods = pool->refit;
  stats->pnbtr_jobs = pool->jobs;
  stats->pnbtr_installed = pool->installed;
  stats->pnbtr_late = pool->late;
  stats->pnbtr_in_gap = pool->in_gap;
  stats->pnbtr_queue_full = pool->queue_full;
}

void
jn_concealer_pool_exchange (JnConcealerPool      *pool,
                            JnConcealerLookup     lookup,
                            gpointer              lookup_data,
                            JnConcealerPoolStream stream_at,
                            gpointer              stream_data,
                            guint                 n,
                            guint32               seq)
{
  gint64 now = g_get_monotonic_time ();
  guint64 played;
  guint streams = 0;

  jn_concealer_pool_collect (pool, lookup, lookup_data, now);
  for (guint i = 0; i < n; i++)
    if (jn_concealer_fits_models (stream_at (stream_data, i, &played)))
      streams++;
  jn_concealer_pool_plan (pool, streams);
  for (guint k = 0; k < n; k++)
    {
      guint i = (pool->turn + k) % n;
      JnConcealer *concealer = stream_at (stream_data, i, &played);
      guint64 jobs = pool->jobs;

      if (concealer == NULL)
        continue;
      if (!jn_concealer_pool_ask (pool, concealer, seq, played, now))
        break;
      /* the streams after it ask first next time */
      if (pool->jobs != jobs)
        pool->turn = (i + 1) % n;
    }
}
