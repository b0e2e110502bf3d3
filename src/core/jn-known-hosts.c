/* jn-known-hosts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-known-hosts"

#include "config.h"

#include <glib/gstdio.h>

#include "jn-identity.h"
#include "jn-known-hosts.h"

#define GROUP "sessions"

static char *
store_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "jamnet", "known-hosts", NULL);
}

char *
jn_known_hosts_lookup (const char *host_port)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = store_path ();
  char *fingerprint;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  fingerprint = g_key_file_get_string (file, GROUP, host_port, NULL);
  /* a line someone broke by hand counts as not known: TOFU again */
  if (!jn_fingerprint_is_valid (fingerprint))
    g_clear_pointer (&fingerprint, g_free);
  return fingerprint;
}

gboolean
jn_known_hosts_remember (const char  *host_port,
                         const char  *fingerprint,
                         GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = store_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize size;

  g_return_val_if_fail (jn_fingerprint_is_valid (fingerprint), FALSE);

  g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  g_key_file_set_string (file, GROUP, host_port, fingerprint);
  data = g_key_file_to_data (file, &size, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "Cannot create %s", dir);
      return FALSE;
    }
  return g_file_set_contents_full (path, data, (gssize) size, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}
