/* test-realtime.c: real-time scheduling is granted, read back from the
 * kernel, and given up, not fatal, when a thread runs too long without
 * sleeping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sched.h>
#include <stdatomic.h>

#include "jn-realtime.h"

typedef struct
{
  atomic_int tid;
  atomic_bool go;
  atomic_bool done;
} Spinner;

/* waits to be made real-time, then spins without sleeping for 400 ms of
 * its own CPU time: past the soft RLIMIT_RTTIME */
static gpointer
spin (gpointer data)
{
  Spinner *s = data;
  struct timespec start, now;

  atomic_store (&s->tid, jn_realtime_get_tid ());
  while (!atomic_load (&s->go))
    g_usleep (1000);
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &start);
  do
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 400000000L);
  atomic_store (&s->done, TRUE);
  return NULL;
}

/* FALSE: skipped */
static gboolean
run_away (void)
{
  Spinner s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  GThread *thread = g_thread_new ("spinner", spin, &s);
  const char *via = NULL;
  guint demotions = jn_realtime_get_demotions ();
  int granted;

  while (atomic_load (&s.tid) == 0)
    g_usleep (1000);
  granted = jn_realtime_acquire (atomic_load (&s.tid), JN_REALTIME_PRIORITY_MEDIA, &via, &error);
  if (granted == 0)
    {
      /* the refusal says why, for people */
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, !=, "");
      atomic_store (&s.go, TRUE);
      g_thread_join (thread);
      g_test_skip ("no real-time scheduling here (not root, no RealtimeKit)");
      return FALSE;
    }
  g_assert_no_error (error);
  g_assert_cmpint (granted, ==, JN_REALTIME_PRIORITY_MEDIA);
  before = jn_realtime_describe (atomic_load (&s.tid));
  g_assert_cmpstr (before, ==, "SCHED_FIFO 15");

  atomic_store (&s.go, TRUE);
  g_thread_join (thread);
  /* it got SIGXCPU at the soft limit, and is back to normal; the process
   * lives (the hard limit would have killed it) */
  g_assert_cmpuint (jn_realtime_get_demotions (), ==, demotions + 1);
  return TRUE;
}

static void
test_given_up (void)
{
  run_away ();
}

/* waits for go, then ends */
static gpointer
idle (gpointer data)
{
  Spinner *s = data;

  atomic_store (&s->tid, jn_realtime_get_tid ());
  while (!atomic_load (&s->go))
    g_usleep (1000);
  return NULL;
}

/* A process that runs many sessions one after another makes many
 * real-time threads: a runaway one after them is still demoted, not
 * killed. */
static void
test_threads_end (void)
{
  for (guint i = 0; i < 80; i++)
    {
      Spinner s = { 0 };
      g_autoptr(GError) error = NULL;
      GThread *thread = g_thread_new ("idle", idle, &s);
      const char *via = NULL;
      int granted;

      while (atomic_load (&s.tid) == 0)
        g_usleep (1000);
      granted = jn_realtime_acquire (atomic_load (&s.tid), JN_REALTIME_PRIORITY_MEDIA, &via, &error);
      atomic_store (&s.go, TRUE);
      g_thread_join (thread);
      if (granted == 0 && i == 0)
        {
          g_test_skip ("no real-time scheduling here (not root, no RealtimeKit)");
          return;
        }
      g_assert_no_error (error);
    }
  test_given_up ();
}

/* The second runaway after a demotion, on a thread made real-time while
 * the first was being handled (so after its RLIMIT_RTTIME was set): it is
 * demoted as well, not killed. */
static void
test_again (void)
{
  Spinner s = { 0 };
  struct sched_param param = { .sched_priority = JN_REALTIME_PRIORITY_MEDIA };
  GThread *thread;
  guint demotions;

  if (!run_away ())
    return;
  thread = g_thread_new ("spinner", spin, &s);
  while (atomic_load (&s.tid) == 0)
    g_usleep (1000);
  demotions = jn_realtime_get_demotions ();
  g_assert_cmpint (sched_setscheduler (atomic_load (&s.tid), SCHED_FIFO, &param), ==, 0);
  atomic_store (&s.go, TRUE);
  g_thread_join (thread);
  g_assert_cmpuint (jn_realtime_get_demotions (), ==, demotions + 1);
}

static void
test_describe (void)
{
  g_autofree char *self = jn_realtime_describe (jn_realtime_get_tid ());
  g_autofree char *none = jn_realtime_describe (0x7ffffff0);

  g_assert_cmpstr (self, ==, "SCHED_OTHER");
  g_assert_cmpstr (none, ==, "unknown");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/realtime/describe", test_describe);
  g_test_add_func ("/realtime/given-up", test_given_up);
  g_test_add_func ("/realtime/threads-end", test_threads_end);
  g_test_add_func ("/realtime/again", test_again);
  return g_test_run ();
}
