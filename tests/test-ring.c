/* test-ring.c: the SPSC ring, single-threaded edge cases and a producer and
 * a consumer thread moving a known sequence (the model is sysprof's
 * mapped-ring-buffer threaded test)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "jn-ring.h"

static void
test_basics (void)
{
  g_autoptr(JnRing) ring = jn_ring_new (6, sizeof (float));   /* rounds up to 8 */
  float in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };

  g_assert_cmpuint (jn_ring_get_writable (ring), ==, 8);
  g_assert_false (jn_ring_read (ring, out, 1));
  g_assert_true (jn_ring_write (ring, in, 5));
  g_assert_false (jn_ring_write (ring, in, 4));          /* all or nothing */
  g_assert_cmpuint (jn_ring_get_readable (ring), ==, 5);
  g_assert_true (jn_ring_read (ring, out, 3));
  g_assert_cmpfloat (out[0], ==, 1);
  g_assert_cmpfloat (out[2], ==, 3);
  g_assert_true (jn_ring_write (ring, in, 6));           /* wraps around */
  g_assert_false (jn_ring_read (ring, out, 9));
  g_assert_true (jn_ring_read (ring, out, 8));
  g_assert_cmpfloat (out[0], ==, 4);
  g_assert_cmpfloat (out[1], ==, 5);
  g_assert_cmpfloat (out[2], ==, 1);
  g_assert_cmpfloat (out[7], ==, 6);
  g_assert_true (jn_ring_write (ring, in, 3));
  jn_ring_skip (ring, 2);
  g_assert_true (jn_ring_read (ring, out, 1));
  g_assert_cmpfloat (out[0], ==, 3);
  jn_ring_skip (ring, 5);                                /* more than there is */
  g_assert_cmpuint (jn_ring_get_readable (ring), ==, 0);
  g_assert_true (jn_ring_write (ring, in, 3));
  jn_ring_clear (ring);
  g_assert_cmpuint (jn_ring_get_readable (ring), ==, 0);
}

#define TOTAL 2000000

static gpointer
producer (gpointer data)
{
  JnRing *ring = data;
  float block[37];
  guint next = 0;

  while (next < TOTAL)
    {
      guint n = MIN (G_N_ELEMENTS (block), TOTAL - next);

      for (guint i = 0; i < n; i++)
        block[i] = (float) ((next + i) % 65536);
      if (jn_ring_write (ring, block, n))
        next += n;
      else
        g_thread_yield ();
    }
  return NULL;
}

static void
test_threaded (void)
{
  g_autoptr(JnRing) ring = jn_ring_new (1024, sizeof (float));
  GThread *thread = g_thread_new ("producer", producer, ring);
  float block[53];
  guint next = 0;

  while (next < TOTAL)
    {
      guint n = MIN (G_N_ELEMENTS (block), TOTAL - next);

      if (!jn_ring_read (ring, block, n))
        {
          g_thread_yield ();
          continue;
        }
      for (guint i = 0; i < n; i++)
        if (block[i] != (float) ((next + i) % 65536))
          g_error ("value %u is %f", next + i, block[i]);
      next += n;
    }
  g_thread_join (thread);
  g_assert_cmpuint (jn_ring_get_readable (ring), ==, 0);
}

/* elements larger than a float, filled and read in place (MIDI messages,
 * the PNBTR worker's jobs) */
typedef struct
{
  guint32 seq;
  double  check;
  guint8  payload[250];
} Big;

#define TOTAL_BIG 200000

static gpointer
big_producer (gpointer data)
{
  JnRing *ring = data;
  guint next = 0;

  while (next < TOTAL_BIG)
    {
      Big *b = jn_ring_reserve (ring);

      if (b == NULL)
        {
          g_thread_yield ();
          continue;
        }
      b->seq = next;
      b->check = next * 0.5;
      memset (b->payload, next & 0xff, sizeof b->payload);
      jn_ring_commit (ring);
      next++;
    }
  return NULL;
}

static void
test_in_place (void)
{
  g_autoptr(JnRing) ring = jn_ring_new (30, sizeof (Big));   /* 32 */
  GThread *thread;
  Big copy = { 0 };
  guint next = 0;

  /* single-threaded edges first */
  g_assert_cmpuint (jn_ring_get_element_size (ring), ==, sizeof (Big));
  g_assert_null (jn_ring_peek (ring, 0));
  for (guint i = 0; i < 32; i++)
    {
      Big *b = jn_ring_reserve (ring);

      g_assert_nonnull (b);
      g_assert_cmpuint ((guintptr) b % G_ALIGNOF (double), ==, 0);
      b->seq = i;
      jn_ring_commit (ring);
    }
  g_assert_null (jn_ring_reserve (ring));                 /* full */
  g_assert_cmpuint (((Big *) jn_ring_peek (ring, 31))->seq, ==, 31);
  g_assert_null (jn_ring_peek (ring, 32));
  g_assert_true (jn_ring_read (ring, &copy, 1));          /* copies mix with in place */
  g_assert_cmpuint (copy.seq, ==, 0);
  jn_ring_skip (ring, 31);
  g_assert_cmpuint (jn_ring_get_readable (ring), ==, 0);

  thread = g_thread_new ("producer", big_producer, ring);
  while (next < TOTAL_BIG)
    {
      gsize n = jn_ring_get_readable (ring);

      if (n == 0)
        {
          g_thread_yield ();
          continue;
        }
      for (gsize i = 0; i < n; i++, next++)
        {
          const Big *b = jn_ring_peek (ring, i);

          if (b->seq != next || b->check != next * 0.5 || b->payload[249] != (next & 0xff))
            g_error ("element %u came as %u", next, b->seq);
        }
      jn_ring_skip (ring, n);
    }
  g_thread_join (thread);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ring/basics", test_basics);
  g_test_add_func ("/ring/threaded", test_threaded);
  g_test_add_func ("/ring/in-place", test_in_place);

  return g_test_run ();
}
