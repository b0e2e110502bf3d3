/* jn-bench-peers.c: the peers' own servers, measured
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jamnet-bench.h"
#include "jn-bench-peers.h"

#define JAMULUS_PORT 22124

gboolean
jn_bench_jamulus_found (void)
{
  g_autofree char *jamulus = g_find_program_in_path ("Jamulus");
  g_autofree char *jackd = g_find_program_in_path ("jackd");

  return jamulus != NULL && jackd != NULL;
}

static GSubprocess *
spawn (GSubprocessLauncher *launcher, GError **error, const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  const char *arg;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, error);
}

static void
stop (GSubprocess *process)
{
  if (process == NULL)
    return;
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

/* clients the server's log says are connected: "..., connected (N)" */
static guint
connected (const char *log)
{
  g_autofree char *text = NULL;
  const char *at;
  guint n = 0;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return 0;
  for (at = strstr (text, "connected ("); at != NULL; at = strstr (at + 1, "connected ("))
    n = (guint) atoi (at + strlen ("connected ("));
  return n;
}

gboolean
jn_bench_jamulus (const char  *home,
                  guint        n,
                  double       seconds,
                  double      *cpu_pct_per_client,
                  char       **why)
{
  g_autofree char *jack_name = g_strdup_printf ("jn-bench-%d", (int) getpid ());
  g_autofree char *log = g_build_filename (home, "jamulus.log", NULL);
  g_autofree char *port = g_strdup_printf ("%d", JAMULUS_PORT);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%d", JAMULUS_PORT);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) jackd = NULL, server = NULL;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;
  gint64 end;
  double cpu0;
  GPid pid;

  g_subprocess_launcher_setenv (launcher, "JACK_NO_AUDIO_RESERVATION", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "JACK_DEFAULT_SERVER", jack_name, TRUE);
  g_subprocess_launcher_setenv (launcher, "QT_QPA_PLATFORM", "offscreen", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_unlink (log);
  /* the clients' sound card: JACK's dummy driver at the room's 48 kHz and
   * 128 frames */
  jackd = spawn (launcher, &error, "jackd", "-n", jack_name, "-d", "dummy", "-r", "48000", "-p",
                 "128", NULL);
  if (jackd == NULL)
    goto out;
  g_usleep (G_USEC_PER_SEC);
  /* -u: as many channels as it takes (its default is 10) */
  server = spawn (launcher, &error, "Jamulus", "--server", "--nogui", "--port", port, "-t", "-u",
                  "150", "-l", log, NULL);
  if (server == NULL)
    goto out;
  g_usleep (G_USEC_PER_SEC);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("jn-bench-%u", i);
      g_autofree char *ini = g_strdup_printf ("%s/jamulus-%u.ini", home, i);
      GSubprocess *client = spawn (launcher, &error, "Jamulus", "--nogui", "--connect", address,
                                   "-j", "--clientname", name, "-t", "-i", ini, NULL);

      if (client == NULL)
        goto out;
      g_ptr_array_add (clients, client);
    }
  end = g_get_monotonic_time () + (10 + 2 * n) * G_USEC_PER_SEC;
  while (connected (log) < n && g_get_monotonic_time () < end)
    g_usleep (100000);
  if (connected (log) < n)
    {
      *why = g_strdup_printf ("%u of %u Jamulus clients connected", connected (log), n);
      goto out;
    }
  g_usleep (2 * G_USEC_PER_SEC);
  pid = (GPid) atoi (g_subprocess_get_identifier (server));
  cpu0 = jn_bench_cpu_s (pid);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  *cpu_pct_per_client = 100.0 * (jn_bench_cpu_s (pid) - cpu0) / seconds / n;
  ok = TRUE;
out:
  if (!ok && *why == NULL)
    *why = g_strdup (error != NULL ? error->message : "failed");
  for (guint i = 0; i < clients->len; i++)
    stop (g_ptr_array_index (clients, i));
  stop (server);
  stop (jackd);
  return ok;
}

gboolean
jn_bench_jacktrip_found (void)
{
  g_autofree char *jacktrip = g_find_program_in_path ("jacktrip");
  g_autofree char *jackd = g_find_program_in_path ("jackd");

  return jacktrip != NULL && jackd != NULL;
}

/* the hub's log lines for its clients: one "...connected..." each */
static guint
hub_clients (const char *log)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return 0;
  for (const char *at = strstr (text, "Received Connection from Peer"); at != NULL;
       at = strstr (at + 1, "Received Connection from Peer"))
    n++;
  return n;
}

gboolean
jn_bench_jacktrip (const char  *home,
                   guint        n,
                   double       seconds,
                   double      *cpu_pct_per_client,
                   char       **why)
{
  g_autofree char *hub_jack = g_strdup_printf ("jn-hub-%d", (int) getpid ());
  g_autofree char *client_jack = g_strdup_printf ("jn-clients-%d", (int) getpid ());
  g_autofree char *log = g_build_filename (home, "jacktrip-hub.log", NULL);
  g_autoptr(GSubprocessLauncher) quiet =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocessLauncher) hub_launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) hub_jackd = NULL, client_jackd = NULL, hub = NULL;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;
  double cpu0;
  gint64 end;

  g_subprocess_launcher_setenv (quiet, "JACK_NO_AUDIO_RESERVATION", "1", TRUE);
  g_subprocess_launcher_setenv (hub_launcher, "JACK_NO_AUDIO_RESERVATION", "1", TRUE);
  g_subprocess_launcher_setenv (hub_launcher, "JACK_DEFAULT_SERVER", hub_jack, TRUE);
  g_subprocess_launcher_set_stdout_file_path (hub_launcher, log);
  hub_jackd = spawn (quiet, &error, "jackd", "-n", hub_jack, "-d", "dummy", "-r", "48000", "-p",
                     "128", NULL);
  client_jackd = hub_jackd != NULL ? spawn (quiet, &error, "jackd", "-n", client_jack, "-d",
                                            "dummy", "-r", "48000", "-p", "128", NULL)
                                   : NULL;
  if (client_jackd == NULL)
    goto out;
  g_usleep (G_USEC_PER_SEC);
  /* -p 2: each client hears the others, not itself, as a forward room */
  hub = spawn (hub_launcher, &error, "jacktrip", "-S", "-p", "2", "-n", "1", "-q", "4", NULL);
  if (hub == NULL)
    goto out;
  g_usleep (G_USEC_PER_SEC);
  g_subprocess_launcher_setenv (quiet, "JACK_DEFAULT_SERVER", client_jack, TRUE);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("jn-bench-%u", i);
      g_autofree char *bind = g_strdup_printf ("%u", 40000 + 2 * i);
      GSubprocess *client = spawn (quiet, &error, "jacktrip", "-C", "127.0.0.1", "-n", "1", "-q",
                                   "4", "-J", name, "-K", name, "-B", bind, "-D", NULL);

      if (client == NULL)
        goto out;
      g_ptr_array_add (clients, client);
    }
  end = g_get_monotonic_time () + (10 + 2 * n) * G_USEC_PER_SEC;
  while (hub_clients (log) < n && g_get_monotonic_time () < end)
    g_usleep (100000);
  if (hub_clients (log) < n)
    {
      *why = g_strdup_printf ("%u of %u JackTrip clients connected to its hub", hub_clients (log), n);
      goto out;
    }
  g_usleep (2 * G_USEC_PER_SEC);
  {
    GPid hub_pid = (GPid) atoi (g_subprocess_get_identifier (hub));
    GPid jack_pid = (GPid) atoi (g_subprocess_get_identifier (hub_jackd));

    cpu0 = jn_bench_cpu_s (hub_pid) + jn_bench_cpu_s (jack_pid);
    g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
    *cpu_pct_per_client = 100.0 * (jn_bench_cpu_s (hub_pid) + jn_bench_cpu_s (jack_pid) - cpu0) /
                          seconds / n;
  }
  ok = TRUE;
out:
  if (!ok && *why == NULL)
    *why = g_strdup (error != NULL ? error->message : "failed");
  for (guint i = 0; i < clients->len; i++)
    stop (g_ptr_array_index (clients, i));
  stop (hub);
  stop (client_jackd);
  stop (hub_jackd);
  return ok;
}
