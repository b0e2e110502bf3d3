/* jn-concealer-private.h: JnConcealer's layout, shared with its pool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-concealer.h"
#include "pnbtr.h"

G_BEGIN_DECLS

struct _JnConcealer
{
  guint32     stream;
  guint       frames;
  PnbtrState *plc;

  gboolean    in_gap;
  gint64      gap_us;           /* its last gap began; 0: none yet */
  gboolean    light;            /* a gap beginning now starts the cheap way */
  JnJitterBuffer *jb;           /* attached to; its copies plain while light */
  double      begin_us;         /* what a full gap start cost lately: mean */
  double      begin_dev_us;     /* and mean deviation from it */
  guint64     gaps_worker_model;
  guint64     gaps_local_fit;
  guint64     gaps_repeated;
  guint64     gaps_light;
  guint64     gaps_onset;
  /* the counters the gap that began in the last period added to: a copy
   * of that packet, refined, takes them back (it was no gap) */
  guint64    *begun[4];

  /* the PNBTR worker's part (jn-concealer-pool.c) */
  gboolean    job_in_flight;
  gboolean    has_model;        /* a worker model is installed */
  guint32     model_seq;        /* the period its snapshot was taken */
};

G_END_DECLS
