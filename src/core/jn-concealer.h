/* jn-concealer.h: one stream's loss concealment, as its jitter buffer's
 * playout filter
 *
 * It owns the stream's PNBTR state (or Burg's, or repetition's), counts how
 * each gap began, and keeps what the PNBTR worker is doing for the stream
 * (jn-concealer-pool.h).  The media engine sees only this, never libpnbtr.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-jitter-buffer.h"
#include "jn-media-stats.h"
#include "jn-packet.h"

G_BEGIN_DECLS

typedef struct _JnConcealer JnConcealer;

/* Whether method names a concealment ("pnbtr", "burg", "repeat", "zero"
 * or NULL for silence, or a pnbtr variant such as "pnbtr@2"). */
gboolean     jn_concealer_check_method  (const char          *method,
                                         GError             **error);
/* Whether backend names where models may be fitted ("auto", "cpu",
 * "opencl", "cuda", "off" or NULL for none). */
gboolean     jn_concealer_check_backend (const char          *backend,
                                         GError             **error);

/* A stream's concealer; NULL for "zero" (lost packets are silent), or
 * with a warning when the method cannot run in this format.  with_worker:
 * models come from a JnConcealerPool, so a gap without one fits only the
 * quick model on the media thread. */
JnConcealer *jn_concealer_new           (guint32              stream,
                                         const char          *method,
                                         const JnAudioFormat *format,
                                         gboolean             with_worker);
void         jn_concealer_free          (JnConcealer         *concealer);
/* Becomes jb's playout filter; the concealer must outlive jb's pops. */
void         jn_concealer_attach        (JnConcealer         *concealer,
                                         JnJitterBuffer      *jb);
/* A gap that begins while light is set begins the cheap way: the period's
 * budget for concealment is spent. */
void         jn_concealer_set_light     (JnConcealer         *concealer,
                                         gboolean             light);
/* Light where the period's playout has spent budget_us, or would with
 * what a full gap start cost this stream lately (a copy's refining
 * included: it conceals the packet too) once a tenth of it is spent; the
 * attached jitter buffer's copies then play as they decode. */
void         jn_concealer_set_time_spent (JnConcealer        *concealer,
                                          gint64              spent_us,
                                          gint64              budget_us);
/* The method's name, "zero" for NULL. */
const char  *jn_concealer_get_method_name (const JnConcealer *concealer);
/* Whether the worker can fit this stream's models (LPC methods). */
gboolean     jn_concealer_fits_models   (const JnConcealer   *concealer);
/* The gap counters and the method's name into JnPeerStats. */
void         jn_concealer_fill          (const JnConcealer   *concealer,
                                         JnPeerStats         *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnConcealer, jn_concealer_free)

G_END_DECLS
