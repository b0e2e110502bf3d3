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

#include <stdatomic.h>
#include <string.h>

#include "jn-ring.h"

struct _JnRing
{
  _Alignas (64) atomic_size_t head;   /* written by the producer */
  _Alignas (64) atomic_size_t tail;   /* written by the consumer */
  gsize  mask;
  float *data;
};

JnRing *
jn_ring_new (gsize capacity)
{
  JnRing *ring = g_new0 (JnRing, 1);
  gsize size = 1;

  g_return_val_if_fail (capacity > 0 && capacity < G_MAXSIZE / 8, NULL);

  while (size < capacity)
    size <<= 1;
  ring->mask = size - 1;
  ring->data = g_new0 (float, size);
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

gboolean
jn_ring_write (JnRing      *ring,
               const float *data,
               gsize        n)
{
  gsize head = atomic_load_explicit (&ring->head, memory_order_relaxed);
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_acquire);
  gsize size = ring->mask + 1, at, first;

  if (size - (head - tail) < n)
    return FALSE;
  at = head & ring->mask;
  first = MIN (n, size - at);
  memcpy (ring->data + at, data, sizeof (float) * first);
  memcpy (ring->data, data + first, sizeof (float) * (n - first));
  atomic_store_explicit (&ring->head, head + n, memory_order_release);
  return TRUE;
}

gboolean
jn_ring_read (JnRing *ring,
              float  *data,
              gsize   n)
{
  gsize tail = atomic_load_explicit (&ring->tail, memory_order_relaxed);
  gsize head = atomic_load_explicit (&ring->head, memory_order_acquire);
  gsize size = ring->mask + 1, at, first;

  if (head - tail < n)
    return FALSE;
  at = tail & ring->mask;
  first = MIN (n, size - at);
  memcpy (data, ring->data + at, sizeof (float) * first);
  memcpy (data + first, ring->data, sizeof (float) * (n - first));
  atomic_store_explicit (&ring->tail, tail + n, memory_order_release);
  return TRUE;
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
