/* jamnet-bench-internet.c: what paths through NATs cost
 *
 * The namespaces, coturn and the players are bench/internet.sh's (it
 * needs root, iproute2, nftables and coturn); this runs it, takes its
 * "FIGURE NAME UNIT VALUE" lines into the report, where targets.tsv
 * judges them, and reports the suite skipped where the script cannot run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"

int
jn_bench_internet (const char *argv0,
                   int         argc,
                   char      **argv)
{
  g_autofree char *cli = jn_bench_cli_path (argv0);
  g_autofree char *server = jn_bench_program_path (argv0, "JAMNET_SERVER", "server", "jamnet-server");
  g_autofree char *script = g_build_filename (JN_SOURCE_DIR, "bench", "internet.sh", NULL);
  g_autofree char *seconds = g_strdup ("10");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *args[6];
  guint figures = 0;
  int status = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--seconds") && i + 1 < argc && g_ascii_strtod (argv[i + 1], NULL) >= 2)
        {
          g_free (seconds);
          seconds = g_strdup_printf ("%d", (int) g_ascii_strtod (argv[++i], NULL));
        }
      else
        {
          g_printerr ("usage: jamnet-bench internet [--seconds S (2 or more, default 10)]\n");
          return g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") ? 0 : 2;
        }
    }
  if (cli == NULL || server == NULL)
    return jn_bench_fail ("jamnet-cli or jamnet-server not found (set JAMNET_CLI, JAMNET_SERVER)");

  g_print ("internet: two players for %s s on each path, in network namespaces: plain UDP "
           "(public addresses), ICE direct (port-preserving NATs), ICE relayed (symmetric NATs, "
           "coturn)\n", seconds);
  args[0] = "bash";
  args[1] = script;
  args[2] = cli;
  args[3] = server;
  args[4] = seconds;
  args[5] = NULL;
  if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    return jn_bench_fail (error->message);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      const char *skip = strstr (out, "SKIP ");
      g_autofree char *why = g_strstrip (g_strdup (skip != NULL ? skip + 5 : "cannot run here"));

      g_print ("internet: SKIP (%s)\n", why);
      jn_report_add_suite (jn_bench_report (), "internet", FALSE, why);
      return 0;
    }
  if (!g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("%s", err);
      return jn_bench_fail (error->message);
    }

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char name[64], unit[16];
      double value;

      if (g_str_has_prefix (lines[i], "# "))
        g_print ("internet: %s\n", lines[i] + 2);
      if (sscanf (lines[i], "FIGURE %63s %15s %lf", name, unit, &value) != 3)
        continue;
      jn_report_add_value (jn_bench_report (), "internet", name, unit, JN_BETTER_LOWER, value);
      g_print ("internet: %-24s %10.4f %s\n", name, value, unit);
      figures++;
    }
  if (err != NULL && *err != '\0')
    g_printerr ("%s", err);
  if (figures == 0)
    return jn_bench_fail ("the internet benchmark measured nothing");
  jn_report_add_suite (jn_bench_report (), "internet", TRUE, NULL);
  return 0;
}
