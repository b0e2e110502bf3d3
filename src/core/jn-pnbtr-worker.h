/* jn-pnbtr-worker.h: PNBTR's background worker, off the real-time path
 *
 * The media thread hands in jobs (a stream's recent audio, the sequence
 * number of the packet to predict, a deadline) through a lock-free
 * single-producer ring; the worker thread batches every pending job into
 * one call of a compute backend (gpu/: CUDA, OpenCL or the CPU) and hands
 * back, through a second ring, a freshly fitted model per stream (with its
 * longest interpolation prepared, pnbtr_prepare_model(), always on the
 * CPU: 263 KB per channel and result slot at 128 frames) and the
 * predicted next packet.  Nothing here blocks, locks or allocates on the
 * media thread.  A backend that fails at run time is replaced by the CPU
 * backend, once, with one warning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pnbtr.h"

G_BEGIN_DECLS

typedef struct _JnPnbtrWorker JnPnbtrWorker;

/* Whether a worker can fit the method's models (the LPC methods). */
static inline gboolean
jn_pnbtr_worker_fits (PnbtrMethod method)
{
  return method == PNBTR_METHOD_BURG || method == PNBTR_METHOD_PNBTR;
}

typedef struct
{
  guint32       stream;
  guint32       seq;          /* the packet the model is for */
  gint64        deadline_us;  /* g_get_monotonic_time() after which it is stale */
  gint64        done_us;      /* when the worker finished it */
  double        cost_us;      /* its share of its batch's time */
  gboolean      ok;           /* FALSE: no backend could compute it */
  const double *model;        /* channels x (order + 1), for pnbtr_install_prepared() */
  const double *prepared;     /* pnbtr_prepare_model()'s, or NULL */
} JnPnbtrResult;

typedef struct
{
  guint64 jobs;               /* taken in */
  guint64 queue_full;         /* refused: the ring was full */
  guint64 batches;
  guint64 results;
  guint64 results_dropped;    /* the result ring was full */
  guint64 failures;           /* batches a backend failed (then redone on the CPU) */
  double  last_batch_ms;
  char    backend[16];        /* "starting", "cpu", "opencl", "cuda", "none" */
  char    device[256];
} JnPnbtrWorkerStats;

/* method: the concealment's own configuration (burg or pnbtr), so that the
 * models fit its state.  backend: "auto", "cpu", "opencl" or "cuda"; the
 * worker thread opens it (stats say "starting" until then), and one that
 * cannot open falls back to the CPU with a warning.  max_jobs: the
 * most jobs in flight (rounded up to a power of two). */
JnPnbtrWorker *jn_pnbtr_worker_new     (const PnbtrConfig *method,
                                        guint              horizon,
                                        guint              max_jobs,
                                        const char        *backend,
                                        GError           **error);
void           jn_pnbtr_worker_free    (JnPnbtrWorker     *worker);

/* Media thread.  The buffer to fill with pnbtr_snapshot() (channels x
 * window floats), or NULL when the ring is full (counted). */
float         *jn_pnbtr_worker_job_begin  (JnPnbtrWorker  *worker);
void           jn_pnbtr_worker_job_commit (JnPnbtrWorker  *worker,
                                           guint32         stream,
                                           guint32         seq,
                                           gint64          deadline_us);
/* The oldest finished result, valid until jn_pnbtr_worker_result_release(). */
gboolean       jn_pnbtr_worker_result_peek    (JnPnbtrWorker *worker,
                                               JnPnbtrResult *result);
void           jn_pnbtr_worker_result_release (JnPnbtrWorker *worker);

/* Any thread. */
void           jn_pnbtr_worker_get_stats (JnPnbtrWorker      *worker,
                                          JnPnbtrWorkerStats *stats);

G_END_DECLS
