/* jamnet-bench.h: the subcommands of jamnet-bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-bench-util.h"

int  jn_bench_plc             (int argc, char **argv);
int  jn_bench_plc_trace       (int argc, char **argv);
int  jn_bench_plc_suite       (int argc, char **argv);
int  jn_bench_plc_features    (int argc, char **argv);
int  jn_bench_audio_path      (int argc, char **argv);
int  jn_bench_pnbtr           (int argc, char **argv);
int  jn_bench_mesh            (int argc, char **argv);
int  jn_bench_soak            (const char *argv0, int argc, char **argv);
int  jn_bench_server          (const char *argv0, int argc, char **argv);
char *jn_bench_cli_path       (const char *argv0);
/* The GPU the pnbtr suite found, or a note that nothing probed for one. */
const char *jn_bench_gpu_device (void);
