/* jn-thread-loop.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-thread-loop"

#include "config.h"

#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "jn-realtime.h"
#include "jn-thread-loop.h"

struct _JnThreadLoop
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  char         *name;
  int           priority;  /* real-time, once asked for */
};

static gpointer
thread_main (gpointer data)
{
  JnThreadLoop *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

JnThreadLoop *
jn_thread_loop_new (const char *name)
{
  JnThreadLoop *self = g_new0 (JnThreadLoop, 1);

  self->name = g_strdup (name);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new (name, thread_main, self);
  return self;
}

GMainContext *
jn_thread_loop_get_context (JnThreadLoop *self)
{
  return self->context;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
jn_thread_loop_free (JnThreadLoop *self)
{
  if (self == NULL)
    return;
  /* quit from inside, so a loop that has not started running yet still
   * sees it */
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self->name);
  g_free (self);
}

static void
on_realtime (gpointer      user_data,
             int           priority,
             const char   *via,
             const GError *error)
{
  if (error != NULL)
    g_message ("%s keeps normal priority: %s", (const char *) user_data, error->message);
  else
    g_debug ("%s runs SCHED_FIFO %d (%s)", (const char *) user_data, priority, via);
}

static gboolean
ask_realtime (gpointer data)
{
  JnThreadLoop *self = data;

  jn_realtime_request (jn_realtime_get_tid (), self->priority, on_realtime,
                       g_strdup (self->name), g_free);
  return G_SOURCE_REMOVE;
}

void
jn_thread_loop_ask_realtime (JnThreadLoop *self,
                             int           priority)
{
  if (!jn_realtime_wanted ())
    return;
  self->priority = priority;
  g_main_context_invoke (self->context, ask_realtime, self);
}

/* --- timer source -------------------------------------------------------- */

typedef struct
{
  GSource  base;
  int      fd;
  gpointer tag;
} TimerSource;

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  TimerSource *timer = (TimerSource *) source;
  guint64 expirations;

  if (g_source_query_unix_fd (source, timer->tag) & G_IO_IN)
    {
      /* drain; the callback sets the next deadline */
      if (read (timer->fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        g_warning ("timerfd read failed: %s", g_strerror (errno));
    }
  return callback ? callback (user_data) : G_SOURCE_REMOVE;
}

static void
timer_finalize (GSource *source)
{
  TimerSource *timer = (TimerSource *) source;

  if (timer->fd >= 0)
    close (timer->fd);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
  .finalize = timer_finalize,
};

GSource *
jn_timer_source_new (void)
{
  GSource *source = g_source_new (&timer_funcs, sizeof (TimerSource));
  TimerSource *timer = (TimerSource *) source;

  timer->fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer->fd < 0)
    g_error ("timerfd_create failed: %s", g_strerror (errno));
  timer->tag = g_source_add_unix_fd (source, timer->fd, G_IO_IN);
  g_source_set_name (source, "JnTimerSource");
  return source;
}

void
jn_timer_source_set_deadline (GSource *source,
                              gint64   monotonic_us)
{
  TimerSource *timer = (TimerSource *) source;
  struct itimerspec spec = { 0 };

  /* 0 would disarm the timer: fire as soon as possible instead */
  if (monotonic_us <= 0)
    monotonic_us = 1;
  spec.it_value.tv_sec = monotonic_us / G_USEC_PER_SEC;
  spec.it_value.tv_nsec = (monotonic_us % G_USEC_PER_SEC) * 1000;
  if (timerfd_settime (timer->fd, TFD_TIMER_ABSTIME, &spec, NULL) < 0)
    g_warning ("timerfd_settime failed: %s", g_strerror (errno));
}
