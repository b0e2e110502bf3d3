/* jamnet-bench.h: the subcommands of jamnet-bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

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
int  jn_bench_internet        (const char *argv0, int argc, char **argv);
int  jn_bench_hub             (const char *argv0, int argc, char **argv);
int  jn_bench_midi_loss       (int argc, char **argv);
int  jn_bench_drift           (int argc, char **argv);
int  jn_bench_copy_codings    (int argc, char **argv);
/* $variable, else the build tree's src/subdir/name next to argv0, else
 * name on the PATH; NULL when none is there. */
char *jn_bench_program_path   (const char *argv0, const char *variable, const char *subdir,
                               const char *name);
char *jn_bench_cli_path       (const char *argv0);
/* The resident memory of pid in KiB, NAN when it cannot be read. */
double jn_bench_rss_kib       (GPid pid);
/* The CPU time pid has used, user and system, in seconds; NAN when it
 * cannot be read. */
double jn_bench_cpu_s         (GPid pid);
/* CPU seconds of pid's threads called name, those alive now */
double jn_bench_threads_cpu_s (GPid pid, const char *name);
/* A jamnet-server on 127.0.0.1 (a free port, its identity in home) with
 * config_text as its configuration; its port and certificate fingerprint. */
GSubprocess *jn_bench_start_server (const char *argv0, const char *home, const char *config_text,
                                    guint *port, char **fingerprint, GError **error);
/* The GPU the pnbtr suite found, or a note that nothing probed for one. */
const char *jn_bench_gpu_device (void);
