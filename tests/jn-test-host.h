/* jn-test-host.h: reading a jamnet-cli host's address, for the tests and
 * the benchmarks that start one
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
