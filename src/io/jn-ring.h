/* jn-ring.h: lock-free single-producer / single-consumer ring of floats,
 * the only thing the real-time audio thread shares with the rest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _JnRing JnRing;

/* capacity is rounded up to a power of two. */
JnRing  *jn_ring_new          (gsize        capacity);
void     jn_ring_free         (JnRing      *ring);

/* Producer side.  Writes all of data or nothing; returns FALSE when there
 * is not enough room.  No allocation, no lock, no syscall. */
gboolean jn_ring_write        (JnRing      *ring,
                               const float *data,
                               gsize        n);
/* Consumer side.  Reads n values or nothing. */
gboolean jn_ring_read         (JnRing      *ring,
                               float       *data,
                               gsize        n);
/* Consumer side: drops the n oldest values (all that is there if fewer). */
void     jn_ring_skip         (JnRing      *ring,
                               gsize        n);
/* Consumer side: drops everything queued (after an overrun, say). */
void     jn_ring_clear        (JnRing      *ring);
gsize    jn_ring_get_readable (JnRing      *ring);
gsize    jn_ring_get_writable (JnRing      *ring);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRing, jn_ring_free)

G_END_DECLS
