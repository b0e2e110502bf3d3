/* jn-thread-loop.h: a thread running its own GMainContext, and a precise
 * timer source for it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _JnThreadLoop JnThreadLoop;

/* Starts a thread that runs a main loop on a fresh context.  Attach sources
 * to jn_thread_loop_get_context() before or after. */
JnThreadLoop *jn_thread_loop_new          (const char   *name);
GMainContext *jn_thread_loop_get_context  (JnThreadLoop *self);
/* The thread asks for real-time scheduling at priority, in the background
 * (jn_realtime_request()); a refusal is logged. */
void          jn_thread_loop_ask_realtime (JnThreadLoop *self,
                                           int           priority);
/* Quits the loop, joins the thread and frees everything. */
void          jn_thread_loop_free         (JnThreadLoop *self);

/* A GSource backed by a timerfd: fires at an absolute time on the clock of
 * g_get_monotonic_time() with microsecond precision (a plain GLib timeout
 * rounds to milliseconds, too coarse for 2.7 ms audio periods).  The
 * callback is a GSourceFunc. */
GSource      *jn_timer_source_new         (void);
void          jn_timer_source_set_deadline (GSource     *source,
                                            gint64       monotonic_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnThreadLoop, jn_thread_loop_free)

G_END_DECLS
