/* jn-realtime.c
 *
 * The three ways a desktop process gets SCHED_FIFO, tried in the order
 * PipeWire's own module-rt tries them: by itself when the system allows it
 * (root, CAP_SYS_NICE, an RLIMIT_RTPRIO from limits.conf), through the
 * Realtime portal when sandboxed (it maps the sandbox's pids), else through
 * RealtimeKit on the system bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-realtime"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jn-realtime.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

/* RLIMIT_RTTIME we set: the hard limit what RealtimeKit allows by default,
 * far more than one period of the media thread ever takes between two
 * sleeps.  At the soft limit the kernel sends SIGXCPU, and we give real-time
 * up (a flood of datagrams must not get the process killed at the hard one). */
#define RTTIME_US 200000
#define RTTIME_SOFT_US 150000
#define DBUS_TIMEOUT_MS 2000

pid_t
jn_realtime_get_tid (void)
{
  return (pid_t) syscall (SYS_gettid);
}

gboolean
jn_realtime_wanted (void)
{
  return g_strcmp0 (g_getenv ("JAMNET_REALTIME"), "0") != 0;
}

/* The soft limit under a hard one: SIGXCPU comes well before the kill
 * (arithmetic only: the SIGXCPU handler uses it too) */
static rlim_t
soft_limit (rlim_t hard)
{
  return MIN (hard - hard / 4, (rlim_t) RTTIME_SOFT_US);
}

/* At most limit_us of CPU without a blocking call, as RealtimeKit asks;
 * never raised above a limit already there.  The soft limit is set again
 * each time: at it the kernel sends SIGXCPU and moves it one second on,
 * past the hard limit, so that without this the next runaway thread would
 * be killed, not demoted. */
static void
limit_rttime (gint64 limit_us)
{
  struct rlimit r;

  if (getrlimit (RLIMIT_RTTIME, &r) != 0)
    return;
  if (r.rlim_max == RLIM_INFINITY || r.rlim_max > (rlim_t) limit_us)
    r.rlim_max = (rlim_t) limit_us;
  r.rlim_cur = soft_limit (r.rlim_max);
  if (setrlimit (RLIMIT_RTTIME, &r) != 0)
    g_debug ("Could not set RLIMIT_RTTIME: %s", g_strerror (errno));
}

static atomic_uint demotions;

/* struct linux_dirent64, which glibc does not declare */
typedef struct
{
  guint64        ino;
  gint64         off;
  unsigned short reclen;
  unsigned char  type;
  char           name[];
} Dirent64;

/* A thread ran RTTIME_SOFT_US without sleeping.  The kernel does not say
 * which (the signal is the process's), and a thread a real-time one
 * starts is real-time too without asking, so every real-time thread of the
 * process goes back to normal scheduling: found in /proc/self/task with
 * async-signal-safe calls only. */
static void
on_sigxcpu (int signum)
{
  static char buffer[4096];
  struct sched_param param = { 0 };
  struct rlimit limit;
  int saved_errno = errno;
  int fd;
  long n;

  /* the kernel moved the soft limit a second on, past the hard one: back,
   * so that the next runaway is demoted too, not killed */
  if (getrlimit (RLIMIT_RTTIME, &limit) == 0 && limit.rlim_max != RLIM_INFINITY &&
      limit.rlim_cur >= limit.rlim_max)
    {
      limit.rlim_cur = soft_limit (limit.rlim_max);
      setrlimit (RLIMIT_RTTIME, &limit);
    }
  fd = open ("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      errno = saved_errno;
      return;
    }
  while ((n = syscall (SYS_getdents64, fd, buffer, sizeof buffer)) > 0)
    for (long at = 0; at < n; at += ((Dirent64 *) (buffer + at))->reclen)
      {
        const char *name = ((Dirent64 *) (buffer + at))->name;
        pid_t tid = 0;
        int policy;

        for (; *name >= '0' && *name <= '9'; name++)
          tid = tid * 10 + (*name - '0');
        if (tid == 0 || *name != '\0')
          continue;
        policy = sched_getscheduler (tid) & ~SCHED_RESET_ON_FORK;
        if (policy == SCHED_FIFO || policy == SCHED_RR)
          sched_setscheduler (tid, SCHED_OTHER, &param);
      }
  close (fd);
  atomic_fetch_add (&demotions, 1);
  errno = saved_errno;
}

/* Installs the SIGXCPU handler; FALSE if it could not see the process's
 * threads, and then no thread may run real-time: nothing could demote it
 * before the kernel's hard limit kills the process. */
static gboolean
watch_threads (GError **error)
{
  static gsize handler = 0;

  if (g_once_init_enter (&handler))
    {
      struct sigaction action = { 0 };

      action.sa_handler = on_sigxcpu;
      action.sa_flags = SA_RESTART;
      sigemptyset (&action.sa_mask);
      sigaction (SIGXCPU, &action, NULL);
      g_once_init_leave (&handler, 1);
    }
  if (access ("/proc/self/task", R_OK) == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("/proc is not mounted, so a runaway real-time thread could not be stopped"));
  return FALSE;
}

guint
jn_realtime_get_demotions (void)
{
  return atomic_load (&demotions);
}

static gboolean
set_fifo (pid_t tid,
          int   priority)
{
  struct sched_param param = { .sched_priority = priority };

  return sched_setscheduler (tid, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0;
}

/* By ourselves: the priority clamped to RLIMIT_RTPRIO unless we are
 * privileged, in which case the kernel's own maximum. */
static int
acquire_direct (pid_t tid,
                int   priority)
{
  struct rlimit r;
  int max = sched_get_priority_max (SCHED_FIFO);

  priority = MIN (priority, max);
  if (set_fifo (tid, priority))
    return priority;
  if (getrlimit (RLIMIT_RTPRIO, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur > 0 &&
      (int) r.rlim_cur < priority && set_fifo (tid, (int) r.rlim_cur))
    return (int) r.rlim_cur;
  return 0;
}

static gint64
get_int_property (GDBusConnection *bus,
                  const char      *name,
                  const char      *path,
                  const char      *iface,
                  const char      *property,
                  gint64           fallback)
{
  g_autoptr(GVariant) reply = NULL, value = NULL;

  reply = g_dbus_connection_call_sync (bus, name, path, "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", iface, property),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                       DBUS_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL)
    return fallback;
  g_variant_get (reply, "(v)", &value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (value);
  return fallback;
}

/* Through a D-Bus service with RealtimeKit's interface (the portal's is the
 * same, with the pid passed explicitly). */
static int
acquire_dbus (GBusType     bus_type,
              const char  *name,
              const char  *path,
              const char  *iface,
              pid_t        tid,
              int          priority,
              GError     **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint64 max_priority, rttime;

  bus = g_bus_get_sync (bus_type, NULL, error);
  if (bus == NULL)
    return 0;
  max_priority = get_int_property (bus, name, path, iface, "MaxRealtimePriority", 20);
  rttime = get_int_property (bus, name, path, iface, "RTTimeUSecMax", RTTIME_US);
  priority = (int) CLAMP (max_priority, 1, priority);
  limit_rttime (MIN (rttime, RTTIME_US));
  reply = g_dbus_connection_call_sync (bus, name, path, iface, "MakeThreadRealtimeWithPID",
                                       g_variant_new ("(ttu)", (guint64) getpid (), (guint64) tid,
                                                      (guint32) priority),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, DBUS_TIMEOUT_MS, NULL, error);
  if (reply == NULL)
    {
      if (*error != NULL)
        g_dbus_error_strip_remote_error (*error);
      return 0;
    }
  return priority;
}

int
jn_realtime_acquire (pid_t         tid,
                     int           priority,
                     const char  **via,
                     GError      **error)
{
  g_autoptr(GError) local = NULL;
  int granted;

  g_return_val_if_fail (priority >= 1, 0);

  *via = NULL;
  if (!watch_threads (error))
    return 0;
  limit_rttime (RTTIME_US);
  if ((granted = acquire_direct (tid, priority)) > 0)
    {
      *via = "direct";
      return granted;
    }
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      granted = acquire_dbus (G_BUS_TYPE_SESSION, "org.freedesktop.portal.Desktop",
                              "/org/freedesktop/portal/desktop", "org.freedesktop.portal.Realtime",
                              tid, priority, &local);
      *via = "portal";
    }
  else
    {
      granted = acquire_dbus (G_BUS_TYPE_SYSTEM, "org.freedesktop.RealtimeKit1",
                              "/org/freedesktop/RealtimeKit1", "org.freedesktop.RealtimeKit1",
                              tid, priority, &local);
      *via = "rtkit";
    }
  if (granted > 0)
    return granted;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               /* TRANSLATORS: %s is the reason RealtimeKit or the portal gave */
               g_str_equal (*via, "portal") ? _("The Realtime portal refused (%s)")
                                            : _("This user may not use real-time scheduling and RealtimeKit refused (%s)"),
               local != NULL ? local->message : _("no answer"));
  *via = NULL;
  return 0;
}

typedef struct
{
  pid_t          tid;
  int            priority;
  JnRealtimeDone done;
  gpointer       user_data;
  GDestroyNotify destroy;
} Request;

static gpointer
request_thread (gpointer data)
{
  Request *request = data;
  g_autoptr(GError) error = NULL;
  const char *via = NULL;
  int granted = jn_realtime_acquire (request->tid, request->priority, &via, &error);

  request->done (request->user_data, granted, via, error);
  if (request->destroy != NULL)
    request->destroy (request->user_data);
  g_free (request);
  return NULL;
}

void
jn_realtime_request (pid_t          tid,
                     int            priority,
                     JnRealtimeDone done,
                     gpointer       user_data,
                     GDestroyNotify destroy)
{
  Request *request = g_new0 (Request, 1);

  request->tid = tid;
  request->priority = priority;
  request->done = done;
  request->user_data = user_data;
  request->destroy = destroy;
  g_thread_unref (g_thread_new ("jn-realtime", request_thread, request));
}

char *
jn_realtime_describe (pid_t tid)
{
  struct sched_param param = { 0 };
  int policy = sched_getscheduler (tid) & ~SCHED_RESET_ON_FORK;

  if (policy < 0 || sched_getparam (tid, &param) != 0)
    return g_strdup ("unknown");
  switch (policy)
    {
    case SCHED_FIFO:
      return g_strdup_printf ("SCHED_FIFO %d", param.sched_priority);
    case SCHED_RR:
      return g_strdup_printf ("SCHED_RR %d", param.sched_priority);
    case SCHED_IDLE:
      return g_strdup ("SCHED_IDLE");
    case SCHED_BATCH:
      return g_strdup ("SCHED_BATCH");
    default:
      return g_strdup ("SCHED_OTHER");
    }
}
