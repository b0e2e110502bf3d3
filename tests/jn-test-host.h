/* jn-test-host.h: reading a jamnet-cli host's address, and a process's
 * memory, for the tests and the benchmarks that start one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <string.h>

/* Reads the host's stdout until it prints its wss:// URL; NULL when the host
 * exited first.  The caller keeps `in` (and with it the pipe) open. */
static inline char *
jn_test_read_host_url (GDataInputStream *in)
{
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL)
    {
      const char *ws = strstr (line, "wss://");
      char *url = ws != NULL ? g_strndup (ws, strcspn (ws, " ")) : NULL;

      g_free (line);
      if (url != NULL)
        return url;
    }
  return NULL;
}

/* A figure in KiB from /proc/PID/status, field with its colon ("VmRSS:",
 * "VmHWM:"); 0 when it cannot be read. */
static inline guint64
jn_test_process_status_kib (const char *pid,
                            const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, field)) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}
