/* jn-bench-peers.h: the peers' own servers, measured as jamnet-bench hub
 * measures jamnet-server
 *
 * Jamulus (Debian's `jamulus`, its server `--server --nogui`, its clients
 * `--nogui --connect` on a dummy JACK server) and JackTrip's hub
 * (`jacktrip -S`, its clients `-C`, each side on a dummy JACK server of its
 * own) with N clients connected, each a process of its own: the server's
 * CPU over a window, per client (JackTrip's: the hub process and its JACK
 * server, which carries its audio).  Where a program is not installed,
 * nothing runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when Jamulus and jackd are on $PATH */
gboolean jn_bench_jamulus_found (void);
/* The Jamulus server's CPU per client (% of a core) with n clients, over
 * seconds; FALSE with *why when it could not be measured. */
gboolean jn_bench_jamulus       (const char *home,
                                 guint       n,
                                 double      seconds,
                                 double     *cpu_pct_per_client,
                                 char      **why);

gboolean jn_bench_jacktrip_found (void);
gboolean jn_bench_jacktrip      (const char *home,
                                 guint       n,
                                 double      seconds,
                                 double     *cpu_pct_per_client,
                                 char      **why);

G_END_DECLS
