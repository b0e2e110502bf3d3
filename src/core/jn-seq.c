/* jn-seq.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-seq"

#include "config.h"

#include "jn-seq.h"

JnSeqResult
jn_seq_window_check (JnSeqWindow *window,
                     guint32      seq)
{
  gint32 diff;

  if (!window->started)
    {
      window->started = TRUE;
      window->first = window->highest = seq;
      window->window = 1;
      window->unique = 1;
      return JN_SEQ_NEW;
    }

  /* serial-number arithmetic: wraps around after 2^32 packets */
  diff = (gint32) (seq - window->highest);
  if (diff > JN_SEQ_MAX_JUMP && !(window->probation && seq == window->probation_seq))
    {
      /* one far number moves nothing: a second in a row says the sender
       * really jumped (a long outage, a restart) */
      window->probation = TRUE;
      window->probation_seq = seq + 1;
      return JN_SEQ_OUT_OF_RANGE;
    }
  if (diff > 0)
    {
      window->probation = FALSE;
      window->window = diff >= 64 ? 0 : window->window << diff;
      window->window |= 1;
      window->highest = seq;
      window->unique++;
      return JN_SEQ_NEW;
    }
  if (-(gint64) diff >= 64)
    return JN_SEQ_TOO_OLD;
  if (window->window & (G_GUINT64_CONSTANT (1) << -diff))
    return JN_SEQ_DUPLICATE;
  if ((gint32) (seq - window->first) < 0)
    window->first = seq;
  window->window |= G_GUINT64_CONSTANT (1) << -diff;
  window->unique++;
  return JN_SEQ_NEW_REORDERED;
}

guint64
jn_seq_window_missing (const JnSeqWindow *window)
{
  guint64 expected;

  if (!window->started)
    return 0;
  expected = (guint64) (guint32) (window->highest - window->first) + 1;
  return expected > window->unique ? expected - window->unique : 0;
}
