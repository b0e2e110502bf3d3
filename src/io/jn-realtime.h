/* jn-realtime.h: real-time scheduling for the threads on the audio path
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The priorities asked for (docs/architecture.md, "Real-time priority"):
 * a device thread JamNet runs itself above the media thread that feeds it.
 * Both are clamped to what the system grants. */
#define JN_REALTIME_PRIORITY_MEDIA  15
#define JN_REALTIME_PRIORITY_DEVICE 18

typedef enum
{
  JN_REALTIME_NOT_ASKED,   /* $JAMNET_REALTIME=0, or no request yet */
  JN_REALTIME_PENDING,     /* asked, no answer yet */
  JN_REALTIME_GRANTED,
  JN_REALTIME_REFUSED,
  JN_REALTIME_GIVEN_UP,    /* granted, then a thread ran too long without sleeping */
} JnRealtimeState;

/* The calling thread's id, as the scheduler knows it. */
pid_t        jn_realtime_get_tid    (void);

/* Makes thread tid of this process SCHED_FIFO at priority, clamped to what
 * is granted: directly where the process may (CAP_SYS_NICE, or
 * RLIMIT_RTPRIO), else through the Realtime portal inside a Flatpak, else
 * through RealtimeKit on the system bus.  Sets RLIMIT_RTTIME first, as
 * RealtimeKit requires, so that a runaway thread cannot freeze the
 * machine (see jn_realtime_get_demotions()).  Blocks on D-Bus: never call it on the
 * main thread or the audio path itself.  Returns the priority granted and
 * how ("direct", "portal", "rtkit") in *via, or 0 with error saying why. */
int          jn_realtime_acquire    (pid_t          tid,
                                     int            priority,
                                     const char   **via,
                                     GError       **error);

/* Whether $JAMNET_REALTIME allows asking at all (unset or not "0"). */
gboolean     jn_realtime_wanted     (void);

/* Asks for tid in a thread of its own and calls done there with the
 * answer (granted priority 0: refused, with the reason). */
typedef void (*JnRealtimeDone) (gpointer     user_data,
                                int          priority,
                                const char  *via,
                                const GError *error);
void         jn_realtime_request    (pid_t          tid,
                                     int            priority,
                                     JnRealtimeDone done,
                                     gpointer       user_data,
                                     GDestroyNotify destroy);

/* How often a real-time thread ran RLIMIT_RTTIME's soft limit without
 * sleeping, and every real-time thread of the process was put back to
 * normal scheduling (rather than have the kernel kill the process at the hard
 * limit). */
guint        jn_realtime_get_demotions (void);

/* The scheduling tid runs under now, read back from the kernel:
 * "SCHED_FIFO 15", "SCHED_OTHER", "SCHED_IDLE". */
char        *jn_realtime_describe   (pid_t          tid);

G_END_DECLS
