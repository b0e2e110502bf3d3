/* jn-concealer-pool.h: the streams' shared PNBTR worker and its refit rule
 *
 * Once a period the engine lets the pool install the models that came back
 * in time, plan how often each stream can be refitted, and ask for fresh
 * models for the streams whose model is due.  Nothing here blocks or
 * allocates on the media thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-concealer.h"
#include "jn-media-stats.h"
#include "jn-packet.h"

G_BEGIN_DECLS

typedef struct _JnConcealerPool JnConcealerPool;

/* Finds a member stream's concealer (NULL when it left or has none). */
typedef JnConcealer *(*JnConcealerLookup) (gpointer user_data,
                                           guint32  stream);

/* How often (in periods) each of `streams` streams has its model refitted
 * by a worker that takes job_us per model, so that refitting takes at most
 * a share of one core (docs/architecture.md); 1..12. */
guint            jn_pnbtr_refit_periods      (guint                streams,
                                              double               job_us,
                                              double               period_us);

/* A worker for method's models on backend ("auto", "cpu", "opencl",
 * "cuda"); NULL when the method fits no model (zero, repeat) or backend
 * is NULL or "off". */
JnConcealerPool *jn_concealer_pool_new       (const char          *method,
                                              const JnAudioFormat *format,
                                              const char          *backend);
void             jn_concealer_pool_free      (JnConcealerPool     *pool);

/* Media thread, once a period, in this order: */
/* installs the models that came back before their deadline */
void             jn_concealer_pool_collect   (JnConcealerPool     *pool,
                                              JnConcealerLookup    lookup,
                                              gpointer             user_data,
                                              gint64               now_us);
/* the refit interval for this many streams that fit models */
void             jn_concealer_pool_plan      (JnConcealerPool     *pool,
                                              guint                streams);
/* asks for the stream's model at period seq when it is due; FALSE when
 * the worker's queue is full (counted): ask no more this period */
gboolean         jn_concealer_pool_ask       (JnConcealerPool     *pool,
                                              JnConcealer         *concealer,
                                              guint32              seq,
                                              guint64              played_packets,
                                              gint64               now_us);

/* A period's whole exchange for the n streams stream_at() gives (each
 * with the packets it played, NULL for one without a concealer): the
 * models back (collect), the refit interval for those that fit models
 * (plan), and the requests that are due (ask), in that order. */
typedef JnConcealer *(*JnConcealerPoolStream) (gpointer  user_data,
                                               guint     index,
                                               guint64  *played_packets);
void             jn_concealer_pool_exchange  (JnConcealerPool      *pool,
                                              JnConcealerLookup     lookup,
                                              gpointer              lookup_data,
                                              JnConcealerPoolStream stream_at,
                                              gpointer              stream_data,
                                              guint                 n,
                                              guint32               seq);

/* The pnbtr_* figures of JnEngineStats; any thread under the engine's lock. */
void             jn_concealer_pool_get_stats (JnConcealerPool     *pool,
                                              JnEngineStats       *stats);

G_END_DECLS
