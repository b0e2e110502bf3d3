/* jn-known-hosts.h: the certificates of sessions joined before (trust on
 * first use, as ssh's known_hosts)
 *
 * $XDG_CONFIG_HOME/jamnet/known-hosts, a key file: group [sessions],
 * "HOST:PORT" = fingerprint.  Blocking: call from a thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *jn_known_hosts_lookup   (const char  *host_port);
gboolean  jn_known_hosts_remember (const char  *host_port,
                                   const char  *fingerprint,
                                   GError     **error);

G_END_DECLS
