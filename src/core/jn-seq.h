/* jn-seq.h: duplicate and reorder detection over 32-bit sequence numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Remembers which of the last 64 sequence numbers were seen.  Used for
 * packets (duplicates, reordering) and for MIDI events (burst redundancy). */
typedef struct
{
  gboolean started;
  guint32  first;
  guint32  highest;
  guint64  window;     /* bit i set: highest - i was seen */
  guint64  unique;     /* distinct sequence numbers accepted */
  gboolean probation;  /* a jump was refused; probation_seq would confirm it */
  guint32  probation_seq;
} JnSeqWindow;

/* A jump ahead by more than this (RFC 3550's MAX_DROPOUT: 8 s of 128-frame
 * packets) is taken only when the next number confirms it. */
#define JN_SEQ_MAX_JUMP 3000

typedef enum
{
  JN_SEQ_NEW,            /* first copy, newest so far */
  JN_SEQ_NEW_REORDERED,  /* first copy, older than one already seen */
  JN_SEQ_DUPLICATE,      /* already seen */
  JN_SEQ_TOO_OLD,        /* older than the window: cannot tell */
  JN_SEQ_OUT_OF_RANGE,   /* too far ahead, not (yet) confirmed: dropped */
} JnSeqResult;

JnSeqResult jn_seq_window_check    (JnSeqWindow *window,
                                    guint32      seq);
/* Sequence numbers between the first and the highest seen that never came. */
guint64     jn_seq_window_missing  (const JnSeqWindow *window);

G_END_DECLS
