/* jn-targets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "jn-targets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = { "<", "<=", ">", ">=" };

const char *
jn_targets_default_path (void)
{
  const char *env = getenv ("JAMNET_BENCH_TARGETS");

  return env != NULL && *env ? env : JN_BENCH_TARGETS_FILE;
}

const char *
jn_target_op_name (JnTargetOp op)
{
  return op_names[op];
}

const char *
jn_verdict_name (JnVerdict verdict)
{
  return verdict == JN_VERDICT_PASS ? "PASS" : verdict == JN_VERDICT_FAIL ? "FAIL" : "SKIP";
}

void
jn_targets_clear (JnTargets *t)
{
  free (t->targets);
  t->targets = NULL;
  t->n_targets = 0;
}

/* the next tab-separated field of *line, NUL-terminated in place */
static char *
field (char **line)
{
  char *start = *line, *tab;

  if (start == NULL)
    return NULL;
  tab = strchr (start, '\t');
  if (tab != NULL)
    {
      *tab = '\0';
      *line = tab + 1;
    }
  else
    *line = NULL;
  return start;
}

int
jn_targets_load (JnTargets *t, const char *path, char *error, size_t error_len)
{
  FILE *f = fopen (path, "r");
  char line[512];
  int number = 0;

  t->targets = NULL;
  t->n_targets = 0;
  if (f == NULL)
    {
      snprintf (error, error_len, "Cannot read the benchmark targets %s", path);
      return -1;
    }
  while (fgets (line, sizeof line, f) != NULL)
    {
      char *rest = line, *fields[6];
      JnTarget *grown, target = { 0 };
      char *end = NULL;
      int op = -1;

      number++;
      line[strcspn (line, "\r\n")] = '\0';
      if (line[0] == '#' || line[0] == '\0')
        continue;
      for (int i = 0; i < 6; i++)
        fields[i] = field (&rest);
      for (int i = 0; i < 4; i++)
        if (fields[3] != NULL && strcmp (fields[2], op_names[i]) == 0)
          op = i;
      if (fields[5] == NULL || op < 0 || strlen (fields[0]) >= sizeof target.suite ||
          strlen (fields[1]) >= sizeof target.figure)
        goto bad;
      target.value = strtod (fields[3], &end);
      if (end == fields[3] || *end != '\0' || !isfinite (target.value))
        goto bad;
      target.op = (JnTargetOp) op;
      snprintf (target.suite, sizeof target.suite, "%s", fields[0]);
      snprintf (target.figure, sizeof target.figure, "%s", fields[1]);
      snprintf (target.unit, sizeof target.unit, "%s", fields[4]);
      snprintf (target.source, sizeof target.source, "%s", fields[5]);
      grown = realloc (t->targets, sizeof *grown * (size_t) (t->n_targets + 1));
      if (grown == NULL)
        goto bad;
      t->targets = grown;
      t->targets[t->n_targets++] = target;
    }
  fclose (f);
  return 0;

bad:
  snprintf (error, error_len, "%s:%d: expected suite, figure, <|<=|>|>=, a number, unit and "
            "source, separated by tabs", path, number);
  fclose (f);
  jn_targets_clear (t);
  return -1;
}

const JnTarget *
jn_targets_find (const JnTargets *t, const char *suite, const char *figure)
{
  for (int i = 0; i < t->n_targets; i++)
    if (strcmp (t->targets[i].suite, suite) == 0 && strcmp (t->targets[i].figure, figure) == 0)
      return &t->targets[i];
  return NULL;
}

JnVerdict
jn_target_check (const JnTarget *target, int measured, double v)
{
  int met;

  if (!measured || isnan (v))
    return JN_VERDICT_SKIP;
  switch (target->op)
    {
    case JN_TARGET_LT: met = v < target->value; break;
    case JN_TARGET_LE: met = v <= target->value; break;
    case JN_TARGET_GT: met = v > target->value; break;
    default: met = v >= target->value; break;
    }
  return met ? JN_VERDICT_PASS : JN_VERDICT_FAIL;
}
