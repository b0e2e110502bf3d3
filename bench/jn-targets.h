/* jn-targets.h: the performance targets of bench/targets.tsv, and the
 * PASS / FAIL / SKIP verdict on a figure (plain C, no GLib: the standalone
 * GPU benchmark uses it too)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef JN_TARGETS_H
#define JN_TARGETS_H

#include <stddef.h>

typedef enum { JN_TARGET_LT, JN_TARGET_LE, JN_TARGET_GT, JN_TARGET_GE } JnTargetOp;
typedef enum { JN_VERDICT_SKIP, JN_VERDICT_PASS, JN_VERDICT_FAIL } JnVerdict;

typedef struct
{
  char       suite[32];
  char       figure[96];
  JnTargetOp op;
  double     value;
  char       unit[24];
  char       source[160];
} JnTarget;

typedef struct
{
  JnTarget *targets;
  int       n_targets;
} JnTargets;

/* The file named by $JAMNET_BENCH_TARGETS, else the one in the source tree. */
const char     *jn_targets_default_path (void);
/* 0, or -1 with a message (which line is wrong) in error. */
int             jn_targets_load   (JnTargets *targets, const char *path, char *error, size_t error_len);
void            jn_targets_clear  (JnTargets *targets);
const JnTarget *jn_targets_find   (const JnTargets *targets, const char *suite, const char *figure);
/* SKIP when the figure was not measured (measured == 0 or value is NaN). */
JnVerdict       jn_target_check   (const JnTarget *target, int measured, double value);
const char     *jn_verdict_name   (JnVerdict verdict);
const char     *jn_target_op_name (JnTargetOp op);

#endif
