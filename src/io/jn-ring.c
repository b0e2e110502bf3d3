/* jn-ring.c
 *
 * Indices grow without bound (modulo 2^64) and are masked on access; the
 * producer publishes `head` with release order after writing, the consumer
 * publishes `tail` with release order after reading.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-ring"

#include "config.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "jn-ring.h"

struct _JnRing
{
  _Alignas (64) atomic_size_t head;   /* written by the producer */
  _Alignas (64) atomic_size_t tail;   /* written by the consumer */
  gsize   mask;
  gsize   element_size;
  gsize   stride;                     /* element_size, rounded up for alignment */
  guint8 *data;
  gboolean packed;                    /* stride == element_size: runs copy at once */
};

JnRing *
jn_ring_new (gsize capacity,
             gsize element_size)
{
  JnRing *ring;
  gsize size = 1, align = alignof (max_align_t);

  g_return_val_if_fail (capacity > 0 && element_size > 0, NULL);
  g_return_val_if_fail (capacity < G_MAXSIZE / 2 / element_size / 2, NULL);

  ring = g_new0 (JnRing, 1);
  while (size < capacity)
    size <<= 1;
  ring->mask = size - 1;
  ring->element_size = element_size;
  /* small elements (a float) stay packed; larger ones are aligned in place */
  ring->stride = element_size < align ? element_size : (element_size + align - 1) / align * align;
  ring->packed = ring->stride == element_size;
  ring->data = g_malloc0 (size * ring->stride);
  atomic_init (&ring->head, 0);
  atomic_init (&ring->tail, 0);
  return ring;
}

void
jn_ring_free (JnRing *ring)
{
  if (ring == NULL)
    return;
  g_free (ring->data);
  g_free (ring);
}

gsize
jn_ring_get_element_size (JnRing *ring)
{
  return ring->element_size;
}

gsize
jn_ring_get_readable (JnRing *ring)
{
  return atomic_load_explicit (&ring->head, memory_order_acquire) -
         atomic_load_explicit (&ring->tail, memory_order_acquire);
}

gsize
jn_ring_get_writable (JnRing *ring)
{
  return ring->mask + 1 - jn_ring_get_readable (ring);
}

static inline guint8 *
slot (JnRing *ring,
      gsize   index)
{
  return ring->data + (index & ring->mask) * ring->stride;
}

/* n elements between data and the ring from index on, in up to two runs */
static void
copy_run (JnRing   *ring,
          gsize     index,
          guint8   *data,
          gsize     n,
          gboolean  to_ring)
{
  if (!ring->packed)
    {
      for (gsize i = 0; i < n; i++)
        if (to_ring)
          memcpy (slot (ring, index + i), data + i * ring->element_size, ring->element_size);
        else
          memcpy (data + i * ring->element_size, slot (ring, index + i), ring->element_size);
      return;
    }
  {
    gsize at = index & ring->mask, first = MIN (n, ring->mask + 1 - at);
    gsize es = ring->element_size;

    if (to_ring)
      {
        memcpy (ring->data + at * es, data, first * es);
        memcpy (ring->data, data + first * es, (n - first) * es);
      }
    else
      {
        memcpy (data, ring->data + at * es, first * es);
        memcpy (data + first * es, ring->data, (n - first) * es);
      }
  }
}

gboolean
jn_ring_write (JnRing        *ring,
               gconstpointer  data,
               gsize          n)
{
  gsize head = atomic_load_explicit (&ring->head, memory_order_relaxed);
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_acquire);

  if (ring->mask + 1 - (head - tail) < n)
    return FALSE;
  copy_run (ring, head, (guint8 *) data, n, TRUE);
  atomic_store_explicit (&ring->head, head + n, memory_order_release);
  return TRUE;
}

gpointer
jn_ring_reserve (JnRing *ring)
{
  gsize head = atomic_load_explicit (&ring->head, memory_order_relaxed);
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_acquire);

  return head - tail > ring->mask ? NULL : slot (ring, head);
}

void
jn_ring_commit (JnRing *ring)
{
  gsize head = atomic_load_explicit (&ring->head, memory_order_relaxed);

  atomic_store_explicit (&ring->head, head + 1, memory_order_release);
}

gboolean
jn_ring_read (JnRing   *ring,
              gpointer  data,
              gsize     n)
{
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_relaxed);
  gsize head = atomic_load_explicit (&ring->head, memory_order_acquire);

  if (head - tail < n)
    return FALSE;
  copy_run (ring, tail, data, n, FALSE);
  atomic_store_explicit (&ring->tail, tail + n, memory_order_release);
  return TRUE;
}

gpointer
jn_ring_peek (JnRing *ring,
              gsize   index)
{
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_relaxed);
  gsize head = atomic_load_explicit (&ring->head, memory_order_acquire);

  return index < head - tail ? slot (ring, tail + index) : NULL;
}

void
jn_ring_skip (JnRing *ring,
              gsize   n)
{
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_relaxed);
  gsize head = atomic_load_explicit (&ring->head, memory_order_acquire);

  atomic_store_explicit (&ring->tail, tail + MIN (n, head - tail), memory_order_release);
}

void
jn_ring_clear (JnRing *ring)
{
  atomic_store_explicit (&ring->tail, atomic_load_explicit (&ring->head, memory_order_acquire),
                         memory_order_release);
}
