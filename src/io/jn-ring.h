/* jn-ring.h: the lock-free single-producer / single-consumer ring every
 * thread on the audio path shares data through: audio (floats), MIDI
 * messages, and the PNBTR worker's jobs and results
 *
 * Elements are of one fixed size.  Copy them in and out (write, read), or
 * fill and read them in place (reserve and commit, peek and skip).  No
 * call allocates, locks or makes a syscall.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _JnRing JnRing;

/* capacity (elements) is rounded up to a power of two; element_size in
 * bytes.  Elements in place are aligned for any type (max_align_t). */
JnRing  *jn_ring_new          (gsize          capacity,
                               gsize          element_size);
void     jn_ring_free         (JnRing        *ring);
gsize    jn_ring_get_element_size (JnRing    *ring);

/* Producer side.  Writes all n elements or nothing; FALSE when there is not
 * enough room. */
gboolean jn_ring_write        (JnRing        *ring,
                               gconstpointer  data,
                               gsize          n);
/* Producer side, in place: the next free element (NULL when full), which
 * jn_ring_commit() then hands to the consumer. */
gpointer jn_ring_reserve      (JnRing        *ring);
void     jn_ring_commit       (JnRing        *ring);

/* Consumer side.  Reads n elements or nothing. */
gboolean jn_ring_read         (JnRing        *ring,
                               gpointer       data,
                               gsize          n);
/* Consumer side, in place: the index-th element waiting (0 the oldest),
 * NULL when fewer wait; jn_ring_skip() releases them. */
gpointer jn_ring_peek         (JnRing        *ring,
                               gsize          index);
/* Consumer side: drops the n oldest elements (all that is there if fewer). */
void     jn_ring_skip         (JnRing        *ring,
                               gsize          n);
/* Consumer side: drops everything queued (after an overrun, say). */
void     jn_ring_clear        (JnRing        *ring);
gsize    jn_ring_get_readable (JnRing        *ring);
gsize    jn_ring_get_writable (JnRing        *ring);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRing, jn_ring_free)

G_END_DECLS
