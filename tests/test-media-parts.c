/* test-media-parts.c: the media engine's parts without a socket: clock
 * sync, receive statistics, a stream's concealer and the PNBTR worker's
 * pool, fed timestamps and packets by hand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

#include "jn-clock-sync.h"
#include "jn-concealer-pool.h"
#include "jn-concealer.h"
#include "jn-drift.h"
#include "jn-rate-match.h"
#include "jn-midi-reorder.h"
#include "jn-receive-stats.h"
#include "jn-recorder.h"
#include "jn-wav.h"
#include "jn-test-signal.h"

#define FRAMES 128
#define RATE   48000

/* --- clock sync ---------------------------------------------------------- */

/* One exchange: the peer's clock is `offset` ahead, the ping takes `out`
 * us, the peer answers after `hold` us, the pong takes `back` us. */
static gboolean
exchange (JnClockSync *sync, gint64 *now, gint64 offset, gint64 out, gint64 hold, gint64 back)
{
  guint64 t1 = (guint64) *now;
  guint32 seq = jn_clock_sync_ping (sync, t1);
  guint64 t2 = (guint64) (*now + out + offset);
  guint64 t3 = t2 + (guint64) hold;
  gint64 t4 = *now + out + hold + back;

  *now = t4 + 100000;
  return jn_clock_sync_pong (sync, seq, t1, t2, t3, t4);
}

static void
test_clock_sync_offset (void)
{
  JnClockSync sync;
  gint64 now = 1000000;

  jn_clock_sync_init (&sync);
  g_assert_false (sync.synced);
  g_assert_true (exchange (&sync, &now, 5000, 1000, 200, 1000));
  g_assert_true (sync.synced);
  g_assert_cmpfloat_with_epsilon (sync.last_rtt_ms, 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (sync.offset_us, 5000.0, 1e-9);
  /* sent at 7000 on the peer's clock, arriving at 3000 locally: 1 ms */
  g_assert_cmpfloat_with_epsilon (jn_clock_sync_one_way_ms (&sync, 7000, 3000), 1.0, 1e-9);

  /* a peer behind the local clock */
  jn_clock_sync_init (&sync);
  g_assert_true (exchange (&sync, &now, -250000, 3000, 0, 3000));
  g_assert_cmpfloat_with_epsilon (sync.offset_us, -250000.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (sync.last_rtt_ms, 6.0, 1e-9);
}

static void
test_clock_sync_filter (void)
{
  JnClockSync sync;
  gint64 now = 1000000;

  jn_clock_sync_init (&sync);
  /* a fast symmetric exchange gives the true offset (2000 us) ... */
  g_assert_true (exchange (&sync, &now, 2000, 500, 0, 500));
  /* ... slower, asymmetric ones (queued on the way out) would move it by
   * half their asymmetry, but the fastest of the last few is trusted */
  for (guint i = 0; i < JN_CLOCK_SYNC_FILTER - 1; i++)
    {
      g_assert_true (exchange (&sync, &now, 2000, 20500, 0, 500));
      g_assert_cmpfloat_with_epsilon (sync.offset_us, 2000.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (sync.last_rtt_ms, 21.0, 1e-9);
    }
  /* once the fast one has left the filter, the slow ones' offset counts */
  g_assert_true (exchange (&sync, &now, 2000, 20500, 0, 500));
  g_assert_cmpfloat_with_epsilon (sync.offset_us, 2000.0 + 10000.0, 1e-9);
}

static void
test_clock_sync_refuses (void)
{
  JnClockSync sync, before;
  guint32 seq;

  jn_clock_sync_init (&sync);
  seq = jn_clock_sync_ping (&sync, 1000);
  before = sync;
  /* never sent */
  g_assert_false (jn_clock_sync_pong (&sync, seq + 1, 1000, 2000, 2100, 3000));
  /* not the t1 that ping carried */
  g_assert_false (jn_clock_sync_pong (&sync, seq, 999, 2000, 2100, 3000));
  g_assert_true (memcmp (&before, &sync, sizeof sync) == 0);
  g_assert_false (sync.synced);

  /* an answer to a ping that has left the ring of remembered ones */
  for (guint i = 0; i < JN_CLOCK_SYNC_SENT + 1; i++)
    jn_clock_sync_ping (&sync, 5000 + i);
  g_assert_false (jn_clock_sync_pong (&sync, seq, 1000, 2000, 2100, 3000));
  g_assert_false (sync.synced);

  /* a reply that claims to have waited longer than the round trip took:
   * the round trip is 0, not negative */
  seq = jn_clock_sync_ping (&sync, 10000);
  g_assert_true (jn_clock_sync_pong (&sync, seq, 10000, 10100, 19000, 10300));
  g_assert_cmpfloat (sync.last_rtt_ms, ==, 0.0);

  /* timestamps from the wire at the ends of their range stay finite */
  g_assert_true (isfinite (jn_clock_sync_one_way_ms (&sync, G_MAXUINT64, G_MININT64)));
}

/* --- receive statistics -------------------------------------------------- */

static void
test_receive_stats (void)
{
  static const guint32 arrivals[] = { 0, 1, 2, 4, 3, 3, 6, 7, 8, 9 };
  JnReceiveStats rx;
  JnClockSync sync;
  JnPeerStats s = { 0 };
  gint64 now = 1000000;

  jn_clock_sync_init (&sync);
  jn_receive_stats_init (&rx);
  for (guint i = 0; i < G_N_ELEMENTS (arrivals); i++)
    if (jn_receive_stats_audio_seq (&rx, arrivals[i], FALSE, 0))
      {
        /* a constant 5 ms in transit, apart from packet 7 (2 ms later) */
        jn_receive_stats_audio_time (&rx, &sync, (guint64) (now - 5000),
                                     now + (arrivals[i] == 7 ? 2000 : 0));
        now += 2667;
      }
  jn_receive_stats_fill (&rx, &sync, 0, &s);
  g_assert_cmpuint (s.audio_packets, ==, 9);
  g_assert_cmpuint (s.duplicates, ==, 1);
  g_assert_cmpuint (s.out_of_order, ==, 1);
  g_assert_cmpuint (s.lost, ==, 1);           /* 5 */
  g_assert_cmpfloat_with_epsilon (s.loss_percent, 10.0, 1e-9);
  /* RFC 3550: J += (|D| - J) / 16, on 2 ms up (7), 2 ms down (8), then
   * steady (9) */
  g_assert_cmpfloat_with_epsilon (s.jitter_ms.last,
                                  (2.0 / 16 + (2.0 - 2.0 / 16) / 16) * 15.0 / 16, 1e-9);
  /* not synced: no one-way delay yet */
  g_assert_cmpuint (s.one_way_ms.count, ==, 0);

  jn_receive_stats_playout (&rx, 0, FALSE, 3, 4);
  jn_receive_stats_playout (&rx, 1, TRUE, 2, 5);
  jn_receive_stats_sample (&rx, &sync, now, 2, 3);
  jn_receive_stats_fill (&rx, &sync, 2, &s);
  g_assert_cmpuint (s.played, ==, 1);
  g_assert_cmpuint (s.concealed, ==, 1);
  g_assert_cmpfloat (s.concealed_percent, ==, 50.0);
  g_assert_cmpfloat (s.jitter_depth_mean, ==, 4.5);
  g_assert_true (s.playout_started);
  {
    g_autoptr(GArray) lost = jn_receive_stats_copy_series (&rx, JN_METRIC_LOST_PACKETS);
    g_autoptr(GArray) rtt = jn_receive_stats_copy_series (&rx, JN_METRIC_RTT_MS);

    g_assert_cmpuint (lost->len, ==, 1);
    g_assert_cmpfloat (g_array_index (lost, JnSample, 0).value, ==, 1.0);
    g_assert_cmpuint (rtt->len, ==, 0);       /* no clock sync yet */
  }
  jn_receive_stats_clear (&rx);
}

/* --- the concealer ------------------------------------------------------- */

static void
test_concealer_names (void)
{
  JnAudioFormat format = { RATE, FRAMES, 1, JN_SAMPLE_S16 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnConcealer) pnbtr = NULL;
  JnPeerStats s = { 0 };

  g_assert_true (jn_concealer_check_method ("pnbtr", NULL));
  g_assert_true (jn_concealer_check_method ("burg", NULL));
  g_assert_true (jn_concealer_check_method (NULL, NULL));
  g_assert_false (jn_concealer_check_method ("loud", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“loud”"));
  g_clear_error (&error);
  g_assert_true (jn_concealer_check_backend ("off", NULL));
  g_assert_true (jn_concealer_check_backend ("cpu", NULL));
  g_assert_false (jn_concealer_check_backend ("abacus", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  g_assert_null (jn_concealer_new (1, "zero", &format, FALSE));
  g_assert_cmpstr (jn_concealer_get_method_name (NULL), ==, "zero");
  g_assert_false (jn_concealer_fits_models (NULL));
  jn_concealer_fill (NULL, &s);
  g_assert_cmpstr (s.concealment, ==, "zero");

  pnbtr = jn_concealer_new (1, "pnbtr", &format, FALSE);
  g_assert_nonnull (pnbtr);
  g_assert_cmpstr (jn_concealer_get_method_name (pnbtr), ==, "pnbtr");
  g_assert_true (jn_concealer_fits_models (pnbtr));
  {
    g_autoptr(JnConcealer) repeat = jn_concealer_new (1, "repeat", &format, FALSE);

    g_assert_nonnull (repeat);
    g_assert_cmpstr (jn_concealer_get_method_name (repeat), ==, "repeat");
    g_assert_false (jn_concealer_fits_models (repeat));
  }
}

/* A stream of a 440 Hz tone through a jitter buffer with a concealer as
 * its playout filter, two packets queued ahead of playout. */
typedef struct
{
  JnJitterBuffer  *jb;
  JnConcealer     *c;
  JnConcealerPool *pool;
  guint32          next;      /* next packet the sender sends */
  guint32          period;
  guint64          played;
  double           gap_error; /* largest error in the last concealed packet */
} Stream;

static void
tone (float *out, guint32 seq)
{
  for (guint i = 0; i < FRAMES; i++)
    out[i] = 0.5f * sinf (2.0f * (float) G_PI * 440.0f * (float) (seq * FRAMES + i) / RATE);
}

static JnConcealer *
lookup (gpointer user_data, guint32 stream)
{
  JnConcealer *c = user_data;

  return stream == 1 ? c : NULL;
}

static void
stream_period (Stream *st, gboolean lose_next)
{
  float in[FRAMES], out[FRAMES], want[FRAMES];
  guint32 seq = 0;
  JnJitterPopResult r;

  if (st->pool != NULL)
    {
      gint64 now = g_get_monotonic_time ();

      jn_concealer_pool_collect (st->pool, lookup, st->c, now);
      jn_concealer_pool_plan (st->pool, 1);
      g_assert_true (jn_concealer_pool_ask (st->pool, st->c, st->period, st->played, now));
    }
  if (!lose_next)
    {
      tone (in, st->next);
      g_assert_cmpint (jn_jitter_buffer_push (st->jb, st->next, in), ==, JN_JITTER_PUSH_QUEUED);
    }
  st->next++;
  r = jn_jitter_buffer_pop (st->jb, out, &seq);
  st->period++;
  if (r == JN_JITTER_POP_PLAYED)
    st->played++;
  if (r == JN_JITTER_POP_CONCEALED)
    {
      tone (want, seq);
      st->gap_error = 0;
      for (guint i = 0; i < FRAMES; i++)
        st->gap_error = MAX (st->gap_error, fabs (out[i] - want[i]));
    }
}

static void
stream_init (Stream *st, const char *method, gboolean with_pool)
{
  JnAudioFormat format = { RATE, FRAMES, 1, JN_SAMPLE_S16 };

  memset (st, 0, sizeof *st);
  st->jb = jn_jitter_buffer_new (2, FRAMES, 1);
  st->c = jn_concealer_new (1, method, &format, with_pool);
  g_assert_nonnull (st->c);
  jn_concealer_attach (st->c, st->jb);
  if (with_pool)
    {
      st->pool = jn_concealer_pool_new (method, &format, "cpu");
      g_assert_nonnull (st->pool);
    }
}

static void
stream_clear (Stream *st)
{
  jn_jitter_buffer_free (st->jb);
  jn_concealer_free (st->c);
  jn_concealer_pool_free (st->pool);
}

/* One packet lost, four received after it; the concealer's counters. */
static void
lose_one (Stream      *st,
          JnPeerStats *s)
{
  stream_period (st, TRUE);
  for (guint i = 0; i < 4; i++)
    stream_period (st, FALSE);
  jn_concealer_fill (st->c, s);
}

static void
test_concealer_gap (void)
{
  Stream st;
  JnPeerStats s = { 0 };

  stream_init (&st, "pnbtr", FALSE);
  for (guint i = 0; i < 200; i++)
    stream_period (&st, FALSE);
  jn_concealer_fill (st.c, &s);
  g_assert_cmpuint (s.gaps_local_fit + s.gaps_worker_model, ==, 0);

  /* one lost packet of a steady tone: predicted, not silence (silence
   * would be off by the tone's whole amplitude, 0.5) */
  lose_one (&st, &s);
  g_assert_cmpuint (s.gaps_local_fit, ==, 1);
  g_assert_cmpuint (s.gaps_worker_model, ==, 0);
  g_assert_cmpuint (s.gaps_light, ==, 0);
  g_assert_cmpfloat (st.gap_error, >=, 0.0);
  g_assert_cmpfloat (st.gap_error, <, 0.05);

  /* a gap that begins once the period's budget is spent is counted so */
  jn_concealer_set_light (st.c, TRUE);
  lose_one (&st, &s);
  jn_concealer_set_light (st.c, FALSE);
  g_assert_cmpuint (s.gaps_local_fit, ==, 2);
  g_assert_cmpuint (s.gaps_light, ==, 1);

  /* by the time spent: the full gap start above cost something, so a
   * gap with the budget nearly spent starts light, one with all of it
   * left in full, one with the budget gone light whatever it costs */
  jn_concealer_set_time_spent (st.c, 999, 1000);
  lose_one (&st, &s);
  g_assert_cmpuint (s.gaps_light, ==, 2);
  jn_concealer_set_time_spent (st.c, 0, 1000000);
  lose_one (&st, &s);
  g_assert_cmpuint (s.gaps_light, ==, 2);
  g_assert_cmpuint (s.gaps_local_fit, ==, 4);
  jn_concealer_set_time_spent (st.c, 1000, 1000);
  lose_one (&st, &s);
  g_assert_cmpuint (s.gaps_light, ==, 3);
  stream_clear (&st);
}

/* --- many streams, one worker ------------------------------------------ */

#define SHARE_STREAMS 16

typedef struct
{
  JnJitterBuffer *jb[SHARE_STREAMS];
  JnConcealer    *c[SHARE_STREAMS];
  guint64         played[SHARE_STREAMS];
} Band;

static JnConcealer *
band_lookup (gpointer user_data, guint32 stream)
{
  Band *band = user_data;

  return stream < SHARE_STREAMS ? band->c[stream] : NULL;
}

static JnConcealer *
band_at (gpointer user_data, guint index, guint64 *played)
{
  Band *band = user_data;

  *played = band->played[index];
  return band->c[index];
}

/* 16 streams losing packets, one CPU worker that cannot refit them all as
 * often as the rule asks: the asks stay within the worker's share of a
 * core, and the models come back in time to be used, rather than queue
 * up and come too late (as they all did before the share held the asks) */
static void
test_concealer_pool_share (void)
{
  JnAudioFormat format = { RATE, FRAMES, 1, JN_SAMPLE_S16, 0 };
  JnConcealerPool *pool = jn_concealer_pool_new ("pnbtr", &format, "cpu");
  gint64 period_us = (gint64) FRAMES * G_USEC_PER_SEC / RATE, start, next, elapsed;
  guint periods = (guint) (1500000 / period_us);
  JnEngineStats es = { 0 };
  Band band;
  float in[FRAMES], out[FRAMES];
  double busy_ms;

  for (guint k = 0; k < SHARE_STREAMS; k++)
    {
      band.jb[k] = jn_jitter_buffer_new (2, FRAMES, 1);
      band.c[k] = jn_concealer_new (k, "pnbtr", &format, TRUE);
      jn_concealer_attach (band.c[k], band.jb[k]);
      band.played[k] = 0;
    }
  start = next = g_get_monotonic_time ();
  for (guint t = 0; t < periods; t++)
    {
      jn_concealer_pool_exchange (pool, band_lookup, &band, band_at, &band, SHARE_STREAMS, t);
      for (guint k = 0; k < SHARE_STREAMS; k++)
        {
          /* each stream loses one packet in 25, at its own place */
          if ((t + 3 * k) % 25 != 0)
            {
              tone (in, t);
              jn_jitter_buffer_push (band.jb[k], t, in);
            }
          if (jn_jitter_buffer_pop (band.jb[k], out, NULL) != JN_JITTER_POP_IDLE)
            band.played[k]++;
        }
      next += period_us;
      while (g_get_monotonic_time () < next)
        g_usleep (MAX (100, (next - g_get_monotonic_time ()) / 2));
    }
  elapsed = g_get_monotonic_time () - start;
  jn_concealer_pool_get_stats (pool, &es);
  busy_ms = (double) es.pnbtr_jobs * es.pnbtr_job_ms;
  g_test_message ("%" G_GUINT64_FORMAT " jobs of %.2f ms in %.2f s (%.0f %% of a core), %"
                  G_GUINT64_FORMAT " installed, %" G_GUINT64_FORMAT " too late",
                  es.pnbtr_jobs, es.pnbtr_job_ms, elapsed / 1e6, 100.0 * busy_ms / (elapsed / 1e3),
                  es.pnbtr_installed, es.pnbtr_late);
  g_assert_cmpuint (es.pnbtr_refit_periods, ==, 12);   /* the rule's cap: it cannot keep up */
  g_assert_cmpuint (es.pnbtr_jobs, >, 0);
  /* 30 % of a core, with room for the average cost's error and the asks
   * made before the first cost was known */
  g_assert_cmpfloat (busy_ms, <=, 0.45 * (double) elapsed / 1e3 + 10 * es.pnbtr_job_ms);
  /* a worker whose every model takes half its trusted age (16 periods)
   * or more, as under ASan, cannot have them back in time however few it
   * is asked for */
  if (es.pnbtr_job_ms < 8 * period_us / 1e3)
    {
      g_assert_cmpuint (es.pnbtr_late * 4, <=, es.pnbtr_jobs);
      g_assert_cmpuint (es.pnbtr_installed, >, 0);
    }
  for (guint k = 0; k < SHARE_STREAMS; k++)
    {
      jn_concealer_free (band.c[k]);
      jn_jitter_buffer_free (band.jb[k]);
    }
  jn_concealer_pool_free (pool);
}

static void
test_concealer_worker_model (void)
{
  Stream st;
  JnPeerStats s = { 0 };
  JnEngineStats es = { 0 };
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_assert_null (jn_concealer_pool_new ("repeat", &(JnAudioFormat) { RATE, FRAMES, 1, 0 }, "cpu"));
  g_assert_null (jn_concealer_pool_new ("pnbtr", &(JnAudioFormat) { RATE, FRAMES, 1, 0 }, "off"));

  stream_init (&st, "pnbtr", TRUE);
  /* nothing lost: nothing to fit */
  for (guint i = 0; i < 100; i++)
    stream_period (&st, FALSE);
  jn_concealer_pool_get_stats (st.pool, &es);
  g_assert_cmpuint (es.pnbtr_jobs, ==, 0);
  /* the first loss is concealed by a model fitted right there... */
  lose_one (&st, &s);
  g_assert_cmpuint (s.gaps_local_fit, ==, 1);
  /* ...and from then on the worker fits them: periods go by in real time
   * (a model is trusted for so many periods, and must come back within as
   * much time) until its first model is installed */
  do
    {
      stream_period (&st, FALSE);
      g_usleep ((gulong) FRAMES * G_USEC_PER_SEC / RATE);
      jn_concealer_pool_get_stats (st.pool, &es);
    }
  while (es.pnbtr_installed == 0 && g_get_monotonic_time () < deadline);
  g_assert_cmpuint (es.pnbtr_installed, >=, 1);
  g_assert_cmpuint (es.pnbtr_jobs, >=, es.pnbtr_installed);
  g_assert_cmpstr (es.pnbtr_backend, ==, "cpu");
  g_assert_cmpfloat (es.pnbtr_job_ms, >, 0.0);
  g_assert_cmpuint (es.pnbtr_refit_periods, >=, 1);
  g_assert_cmpuint (es.pnbtr_refit_periods, <=, 12);
  /* no job before the stream had played a model's window of real audio
   * (pnbtr's 4096 samples) */
  g_assert_cmpuint (st.played, >=, 4096 / FRAMES);

  /* the next loss gets the worker's model.  A worker whose models take
   * nearly their trusted age to come (under ASan on a busy machine) may
   * have one installed that is too old for the next gap, which then fits
   * its own, as the engine would: then wait for the next model and lose
   * another packet */
  for (guint tries = 1;; tries++)
    {
      guint64 installed;

      lose_one (&st, &s);
      if (s.gaps_worker_model == 1)
        {
          g_test_message ("a gap with the worker's model at try %u", tries);
          g_assert_cmpuint (s.gaps_local_fit, ==, tries);
          break;
        }
      g_assert_cmpuint (s.gaps_worker_model, ==, 0);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      jn_concealer_pool_get_stats (st.pool, &es);
      installed = es.pnbtr_installed;
      do
        {
          stream_period (&st, FALSE);
          g_usleep ((gulong) FRAMES * G_USEC_PER_SEC / RATE);
          jn_concealer_pool_get_stats (st.pool, &es);
        }
      while (es.pnbtr_installed == installed && g_get_monotonic_time () < deadline);
    }
  g_assert_cmpfloat (st.gap_error, <, 0.05);
  stream_clear (&st);
}

typedef struct
{
  guint   n;
  guint32 seqs[128];
  guint8  data[128][3];
} Delivered;

static void
collect (gpointer user_data, const JnMidiEvent *event, gint64 now_us)
{
  Delivered *d = user_data;

  g_assert_cmpuint (d->n, <, G_N_ELEMENTS (d->seqs));
  memcpy (d->data[d->n], event->data, MIN (event->size, 3));
  d->seqs[d->n++] = event->seq;
}

static JnMidiEvent
midi_at (guint32 seq, guint8 status)
{
  JnMidiEvent e;

  memset (&e, 0, sizeof e);
  jn_midi_event_init_short (&e, status, 60, status == 0x90 ? 100 : 0);
  e.seq = seq;
  return e;
}

static void
push (JnMidiReorder *r, Delivered *d, guint32 seq, guint8 status, gint64 t)
{
  JnMidiEvent e = midi_at (seq, status);

  jn_midi_reorder_push (r, &e, t, collect, d);
}

static void
test_midi_reorder (void)
{
  JnMidiReorder r;
  Delivered d = { 0 };
  const gint64 w = JN_MIDI_REORDER_WINDOW_US;

  /* a sender's first event plays at once */
  jn_midi_reorder_init (&r);
  push (&r, &d, 0, 0x90, 0);
  g_assert_cmpuint (d.n, ==, 1);

  /* one heard from the middle (a later joiner) waits for any before it */
  d.n = 0;
  jn_midi_reorder_init (&r);
  push (&r, &d, 10, 0x80, 0);
  g_assert_cmpuint (d.n, ==, 0);
  push (&r, &d, 9, 0x90, 100);
  g_assert_cmpuint (d.n, ==, 2);
  g_assert_cmpuint (d.seqs[0], ==, 9);
  g_assert_cmpuint (d.seqs[1], ==, 10);
  g_assert_cmpuint (r.reordered, ==, 0);

  /* in order: at once; a swap: the later one waits for the earlier */
  push (&r, &d, 11, 0x90, 150);
  g_assert_cmpuint (d.n, ==, 3);
  push (&r, &d, 13, 0x80, 200);
  g_assert_cmpuint (d.n, ==, 3);
  push (&r, &d, 12, 0x90, 300);
  g_assert_cmpuint (d.n, ==, 5);
  g_assert_cmpuint (d.seqs[3], ==, 12);
  g_assert_cmpuint (d.seqs[4], ==, 13);
  g_assert_cmpuint (r.reordered, ==, 1);

  /* a gap never filled: the window runs out, then what waited goes, in
   * order, timed from the one that waited longest */
  push (&r, &d, 16, 0x80, 1000);
  push (&r, &d, 15, 0x90, 2000);
  jn_midi_reorder_poll (&r, 1000 + w - 1, collect, &d);
  g_assert_cmpuint (d.n, ==, 5);
  jn_midi_reorder_poll (&r, 1000 + w, collect, &d);
  g_assert_cmpuint (d.n, ==, 7);
  g_assert_cmpuint (d.seqs[5], ==, 15);
  g_assert_cmpuint (d.seqs[6], ==, 16);
  g_assert_cmpuint (r.skipped, ==, 1);
  /* the missing one comes after all: a note-on is dropped, an off plays */
  push (&r, &d, 14, 0x90, 3 * w);
  g_assert_cmpuint (d.n, ==, 7);
  g_assert_cmpuint (r.late_note_ons, ==, 1);
  push (&r, &d, 8, 0x80, 3 * w);
  g_assert_cmpuint (d.n, ==, 8);
  g_assert_cmpuint (d.seqs[7], ==, 8);

  /* more waiting than it holds: the gap is given up, nothing is lost */
  d.n = 0;
  for (guint32 i = 0; i <= JN_MIDI_REORDER_SLOTS; i++)
    push (&r, &d, 18 + i, 0x80, 4 * w);
  g_assert_cmpuint (d.n, ==, JN_MIDI_REORDER_SLOTS + 1);
  for (guint i = 0; i < d.n; i++)
    g_assert_cmpuint (d.seqs[i], ==, 18 + i);
  g_assert_cmpuint (r.n_held, ==, 0);
  g_assert_cmpuint (r.skipped, ==, 2);

  /* across the wrap of the 32-bit numbers; a flush gives up every gap */
  d.n = 0;
  jn_midi_reorder_init (&r);
  push (&r, &d, G_MAXUINT32 - 1, 0x90, 0);
  jn_midi_reorder_poll (&r, w, collect, &d);
  g_assert_cmpuint (d.n, ==, 1);
  push (&r, &d, 1, 0x80, w + 10);
  push (&r, &d, G_MAXUINT32, 0x90, w + 20);
  push (&r, &d, 0, 0x80, w + 20);
  g_assert_cmpuint (d.n, ==, 4);
  g_assert_cmpuint (d.seqs[1], ==, G_MAXUINT32);
  g_assert_cmpuint (d.seqs[2], ==, 0);
  g_assert_cmpuint (d.seqs[3], ==, 1);
  push (&r, &d, 5, 0x80, w + 30);
  push (&r, &d, 3, 0x80, w + 40);
  jn_midi_reorder_flush (&r, w + 50, collect, &d);
  g_assert_cmpuint (d.n, ==, 6);
  g_assert_cmpuint (d.seqs[4], ==, 3);
  g_assert_cmpuint (d.seqs[5], ==, 5);
}

static void
push_note (JnMidiReorder *r, Delivered *d, guint32 seq, guint8 status, guint8 note, gint64 t)
{
  JnMidiEvent e;

  memset (&e, 0, sizeof e);
  jn_midi_event_init_short (&e, status, note, status == 0x90 ? 100 : 0);
  e.seq = seq;
  jn_midi_reorder_push (r, &e, t, collect, d);
}

/* A journal of channel 1: these notes held (old ones | JN_MIDI_JOURNAL_NOTE_OLD),
 * the pedal if pedal >= 0. */
static void
journal_of (JnMidiJournal *j, guint32 seq, const guint8 *notes, guint n, gint pedal)
{
  JnMidiJournalChannel *ch = &j->channels[0];

  memset (j, 0, sizeof *j);
  j->seq = seq;
  j->n_channels = 1;
  ch->chapters = 1u << JN_MIDI_CHAPTER_NOTES;
  ch->n_notes = (guint8) n;
  for (guint i = 0; i < n; i++)
    {
      ch->notes[i] = notes[i];
      ch->velocity[i] = 90;
    }
  if (pedal >= 0)
    {
      ch->chapters |= 1u << JN_MIDI_CHAPTER_SUSTAIN;
      ch->value[JN_MIDI_CHAPTER_SUSTAIN] = (guint16) pedal;
    }
}

/* The journal puts right what was lost, once the events before it have
 * waited their window, and only then; acknowledges what is sure. */
static void
test_midi_journal_apply (void)
{
  g_autofree JnMidiReorder *r = g_new0 (JnMidiReorder, 1);
  g_autofree JnMidiJournal *j = g_new0 (JnMidiJournal, 1);
  const gint64 w = JN_MIDI_REORDER_WINDOW_US;
  Delivered d = { 0 };
  guint32 ack;

  jn_midi_reorder_init (r);
  g_assert_false (jn_midi_reorder_get_ack (r, &ack));
  push_note (r, &d, 0, 0x90, 60, 0);
  g_assert_true (jn_midi_reorder_get_ack (r, &ack));
  g_assert_cmpuint (ack, ==, 0);
  /* 1 (60 off) and 2 (62 on) are lost; 3 (64 on) comes, with its journal:
   * 62 and 64 held */
  push_note (r, &d, 3, 0x90, 64, 100);
  journal_of (j, 3, (const guint8[]) { 62, 64 }, 2, 0);
  jn_midi_reorder_journal (r, j, 100, collect, &d);
  g_assert_true (jn_midi_reorder_waiting (r));
  jn_midi_reorder_poll (r, 100 + w - 1, collect, &d);
  g_assert_cmpuint (d.n, ==, 1);
  g_assert_cmpuint (ack, ==, 0);
  jn_midi_reorder_poll (r, 100 + w, collect, &d);
  /* 64 as sent, then the journal's: 60 off, pedal up (never heard), 62 late */
  g_assert_cmpuint (d.n, ==, 5);
  g_assert_cmpmem (d.data[1], 3, ((guint8[]) { 0x90, 64, 100 }), 3);
  g_assert_cmpmem (d.data[2], 3, ((guint8[]) { 0xB0, 64, 0 }), 3);
  g_assert_cmpmem (d.data[3], 3, ((guint8[]) { 0x80, 60, 0 }), 3);
  g_assert_cmpmem (d.data[4], 3, ((guint8[]) { 0x90, 62, 90 }), 3);
  g_assert_cmpuint (d.seqs[4], ==, 3);
  g_assert_cmpuint (r->repairs.note_offs, ==, 1);
  g_assert_cmpuint (r->repairs.late_starts, ==, 1);
  g_assert_cmpuint (r->repairs.controls, ==, 1);
  g_assert_cmpuint (r->skipped, ==, 2);
  g_assert_true (jn_midi_reorder_get_ack (r, &ack));
  g_assert_cmpuint (ack, ==, 3);
  g_assert_false (jn_midi_reorder_waiting (r));

  /* the lost ones come after all: the journal did their work */
  push_note (r, &d, 1, 0x80, 60, 2 * w);
  push_note (r, &d, 2, 0x90, 62, 2 * w);
  g_assert_cmpuint (d.n, ==, 5);
  g_assert_cmpuint (r->covered, ==, 2);

  /* in step with the sender, a journal changes nothing */
  push_note (r, &d, 4, 0x80, 62, 3 * w);
  journal_of (j, 4, (const guint8[]) { 64 }, 1, 0);
  jn_midi_reorder_journal (r, j, 3 * w, collect, &d);
  g_assert_cmpuint (d.n, ==, 6);
  g_assert_true (jn_midi_reorder_get_ack (r, &ack));
  g_assert_cmpuint (ack, ==, 4);

  /* the last event lost, its journal-only refresh comes: it waits its
   * window for the event, then ends the note */
  journal_of (j, 5, NULL, 0, 0);
  jn_midi_reorder_journal (r, j, 4 * w, collect, &d);
  jn_midi_reorder_poll (r, 5 * w - 1, collect, &d);
  g_assert_cmpuint (d.n, ==, 6);
  jn_midi_reorder_poll (r, 5 * w, collect, &d);
  g_assert_cmpuint (d.n, ==, 7);
  g_assert_cmpmem (d.data[6], 3, ((guint8[]) { 0x80, 64, 0 }), 3);
  g_assert_cmpuint (r->delivered.sounding, ==, 0);

  /* a receiver that joined while notes were held: the journal starts the
   * recent ones and the pedal, skips the one held too long */
  d.n = 0;
  jn_midi_reorder_init (r);
  journal_of (j, 50, (const guint8[]) { 70, 71 | JN_MIDI_JOURNAL_NOTE_OLD }, 2, 127);
  jn_midi_reorder_journal (r, j, 0, collect, &d);
  g_assert_cmpuint (d.n, ==, 2);
  g_assert_cmpmem (d.data[0], 3, ((guint8[]) { 0xB0, 64, 127 }), 3);
  g_assert_cmpmem (d.data[1], 3, ((guint8[]) { 0x90, 70, 90 }), 3);
  g_assert_cmpuint (r->repairs.skipped_starts, ==, 1);
  g_assert_true (jn_midi_reorder_get_ack (r, &ack));
  g_assert_cmpuint (ack, ==, 50);
  push_note (r, &d, 51, 0x80, 70, 10);
  g_assert_cmpuint (d.n, ==, 3);
  /* its departure releases the pedal and nothing it did not start */
  {
    JnMidiEvent e;

    g_assert_true (jn_midi_state_next_release (&r->delivered, &e));
    g_assert_cmpmem (e.data, 3, ((guint8[]) { 0xB0, 64, 0 }), 3);
    g_assert_false (jn_midi_state_next_release (&r->delivered, &e));
  }

  /* one heard from the middle is not sure of anything until a journal */
  d.n = 0;
  jn_midi_reorder_init (r);
  push_note (r, &d, 10, 0x90, 60, 0);
  jn_midi_reorder_poll (r, w, collect, &d);
  g_assert_cmpuint (d.n, ==, 1);
  g_assert_false (jn_midi_reorder_get_ack (r, &ack));
}

/* Packets of a clock ppm fast, seen through a network that delays each by
 * 20 ms plus up to jitter_us (uniform, or rarely a lot more), for seconds */
static double
drift_run (double ppm, double jitter_us, guint seconds, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  JnDrift drift;
  double packet_s = 128.0 / 48000 / (1 + ppm * 1e-6), got;
  guint64 n = (guint64) (seconds / packet_s);

  jn_drift_init (&drift, 48000);
  for (guint64 k = 0; k < n; k++)
    {
      double delay = 20000 + g_rand_double (rand) * jitter_us;

      if (g_rand_int_range (rand, 0, 100) == 0)
        delay += 30000;   /* a spike */
      jn_drift_add (&drift, k * 128, (gint64) (1e12 + k * packet_s * 1e6 + delay));
    }
  g_assert_true (jn_drift_get_ppm (&drift, &got));
  g_assert_cmpuint (drift.restarts, ==, 0);
  return got;
}

/* The rate of a clock from its packets' arrivals: within 2 ppm after a
 * minute, through 4 ms of jitter and spikes, either way, on any seed */
static void
test_drift_estimate (void)
{
  const double cases[] = { 0, 25, -25, 250, -250, 1000 };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (guint32 seed = 1; seed <= 4; seed++)
      {
        double got = drift_run (cases[c], 4000, 60, seed * 7919 + c);

        if (fabs (got - cases[c]) > 2.0)
          g_error ("%+.0f ppm, seed %u: estimated %+.2f ppm", cases[c], seed, got);
      }
  /* not before there are enough seconds to tell */
  {
    JnDrift drift;
    double ppm;

    jn_drift_init (&drift, 48000);
    for (guint k = 0; k < 375 * (JN_DRIFT_MIN_WINDOWS - 1); k++)
      jn_drift_add (&drift, k * 128, (gint64) (k * 128 * 1e6 / 48000));
    g_assert_false (jn_drift_get_ppm (&drift, &ppm));
  }
}

/* A clock that jumps (its sender restarted) starts the estimate over
 * instead of bending it */
static void
test_drift_jump (void)
{
  JnDrift drift;
  double ppm;
  gint64 t = 0;

  jn_drift_init (&drift, 48000);
  for (guint64 k = 0; k < 375 * 20; k++, t += 2667)
    jn_drift_add (&drift, k * 128, t);
  g_assert_true (jn_drift_get_ppm (&drift, &ppm));
  /* positions start from 0 again */
  for (guint64 k = 0; k < 375 * 20; k++, t += 2667)
    jn_drift_add (&drift, k * 128, t);
  g_assert_cmpuint (drift.restarts, ==, 1);
  g_assert_true (jn_drift_get_ppm (&drift, &ppm));
  /* 2667 us per 128 frames is 125 ppm slow */
  g_assert_cmpfloat (fabs (ppm - (128e6 / 48000 / 2667 - 1) * 1e6), <, 1.0);

  /* a device that lost a period in an xrun steps: the rate stays */
  for (guint64 k = 375 * 20; k < 375 * 40; k++, t += 2667)
    jn_drift_add (&drift, k * 128 + (k >= 375 * 30 ? 128 : 0), t);
  g_assert_cmpuint (drift.restarts, ==, 1);
  g_assert_cmpuint (drift.steps, ==, 1);
  g_assert_true (jn_drift_get_ppm (&drift, &ppm));
  g_assert_cmpfloat (fabs (ppm - (128e6 / 48000 / 2667 - 1) * 1e6), <, 1.0);
}

/* A sender's stream as its packets reach the jitter buffer: a sine, one
 * packet (128 frames) each 1 / (1 + ppm) of our periods, queued; playing
 * an empty queue is an underrun. */
typedef struct
{
  float   *queue;
  guint    head, len, cap;
  guint64  sent;
  guint    underruns;
} SineStream;

#define RM_FRAMES 128
#define RM_HZ     997.0

static JnJitterPopResult
sine_pull (gpointer  user_data,
           float    *packet,
           guint32  *seq)
{
  SineStream *s = user_data;

  if (s->len == 0)
    {
      s->underruns++;
      memset (packet, 0, sizeof (float) * RM_FRAMES);
      return JN_JITTER_POP_CONCEALED;
    }
  memcpy (packet, s->queue + (gsize) s->head * RM_FRAMES, sizeof (float) * RM_FRAMES);
  s->head = (s->head + 1) % s->cap;
  s->len--;
  *seq = (guint32) (s->sent - s->len - 1);
  return JN_JITTER_POP_PLAYED;
}

static void
sine_send (SineStream *s)
{
  float *p = s->queue + (gsize) ((s->head + s->len) % s->cap) * RM_FRAMES;

  g_assert_cmpuint (s->len, <, s->cap);
  for (guint i = 0; i < RM_FRAMES; i++)
    p[i] = 0.5f * (float) sin (2 * G_PI * RM_HZ * (s->sent * RM_FRAMES + i) / 48000.0);
  s->sent++;
  s->len++;
}

/* 60 s of a sender ppm fast (or slow) through the rate match as the
 * engine steers it: no underrun, the level within a packet of the band it
 * holds without drift, the drift taken up as slip, and the sine clean. */
static void
rate_match_run_drift (double ppm)
{
  const guint depth = 3, periods = 22500, window = 512;
  SineStream s = { 0 };
  g_autoptr(JnRateMatch) rm = jn_rate_match_new (RM_FRAMES, 1, 48000);
  g_autofree float *out = g_new0 (float, (gsize) periods * RM_FRAMES);
  g_autofree double *ratio = g_new0 (double, periods);
  double acc = 0, mean_level = depth - 0.5, worst = -200;
  guint engaged_at = 0, min_level = G_MAXUINT, max_level = 0, min_ever = G_MAXUINT;

  s.cap = 16;
  s.queue = g_new0 (float, (gsize) s.cap * RM_FRAMES);
  for (guint k = 0; k < depth; k++)
    sine_send (&s);
  for (guint p = 0; p < periods; p++)
    {
      guint32 seq;

      g_assert_cmpint (jn_rate_match_run (rm, sine_pull, &s, out + (gsize) p * RM_FRAMES, &seq), !=,
                       JN_JITTER_POP_IDLE);
      ratio[p] = jn_rate_match_get_ppm (rm);
      /* once the level's pull has had 20 s to bring it back from what
       * the drift took before it was known */
      if (engaged_at > 0 && p >= engaged_at + 7500)
        {
          min_level = MIN (min_level, s.len);
          max_level = MAX (max_level, s.len);
        }
      min_ever = MIN (min_ever, s.len);
      mean_level += (s.len + jn_rate_match_get_held (rm) - mean_level) / 375.0;
      /* ten times a second, with the estimate the drift test reaches,
       * once there are eight seconds to tell */
      if (p % 37 == 0 && p >= 3000)
        {
          jn_rate_match_steer (rm, TRUE, ppm, mean_level - depth);
          if (engaged_at == 0 && jn_rate_match_is_engaged (rm))
            engaged_at = p;
        }
      for (acc += 1 + ppm * 1e-6; acc >= 1; acc -= 1)
        sine_send (&s);
    }
  g_assert_cmpuint (engaged_at, >, 0);
  g_assert_cmpuint (s.underruns, ==, 0);
  /* without drift it stands at depth - 1 or depth after each pop, and so
   * it does here, or a packet above */
  g_assert_cmpuint (min_level, >=, depth - 1);
  g_assert_cmpuint (max_level, <=, depth + 1);
  /* 250 ppm of 22500 periods after engaging is about 4.6 packets */
  g_assert_cmpfloat (fabs (jn_rate_match_get_slip (rm) - ppm * 1e-6 * (periods - engaged_at)), <=, 3);
  g_assert_cmpfloat (fabs (jn_rate_match_get_ppm (rm) - ppm), <, JN_RATE_MATCH_LEVEL_PPM);
  g_assert_cmpuint (jn_rate_match_get_delay (rm), <, 2 * RM_FRAMES);
  /* from the second after it engaged: what the listener hears */
  for (guint64 at = (guint64) (engaged_at + 375) * RM_FRAMES; at + window <= (guint64) periods * RM_FRAMES;
       at += window)
    {
      /* the sine's pitch is the ratio's, which moves in steps */
      double ppm_then = 0, hz;

      for (guint64 k = at / RM_FRAMES; k < (at + window) / RM_FRAMES; k++)
        ppm_then += ratio[k] / (window / RM_FRAMES);
      hz = RM_HZ * (1 + ppm_then * 1e-6);
      worst = MAX (worst, jn_test_signal_residual_db (out + at, window, 48000, &hz, 1));
    }
  g_test_message ("%+.0f ppm: engaged after %.1f s, slip %+" G_GINT64_FORMAT ", level %u..%u "
                  "(lowest %u), delay %u frames, worst THD+N %.1f dB",
                  ppm, engaged_at * RM_FRAMES / 48000.0, jn_rate_match_get_slip (rm), min_level,
                  max_level, min_ever, jn_rate_match_get_delay (rm), worst);
  g_assert_cmpfloat (worst, <, -70);
  g_free (s.queue);
}

static void
test_rate_match_drift (void)
{
  rate_match_run_drift (250);
  rate_match_run_drift (-250);
  rate_match_run_drift (1000);
}

/* Below the threshold the stream is played sample for sample */
static void
test_rate_match_below (void)
{
  SineStream s = { 0 };
  g_autoptr(JnRateMatch) rm = jn_rate_match_new (RM_FRAMES, 1, 48000);
  float out[RM_FRAMES], expect[RM_FRAMES];

  s.cap = 4;
  s.queue = g_new0 (float, (gsize) s.cap * RM_FRAMES);
  jn_rate_match_steer (rm, TRUE, JN_RATE_MATCH_ENGAGE_PPM / 2, 0);
  jn_rate_match_steer (rm, FALSE, 500, 0);
  g_assert_false (jn_rate_match_is_engaged (rm));
  for (guint p = 0; p < 100; p++)
    {
      guint32 seq;

      sine_send (&s);
      memcpy (expect, s.queue + (gsize) s.head * RM_FRAMES, sizeof expect);
      g_assert_cmpint (jn_rate_match_run (rm, sine_pull, &s, out, &seq), ==, JN_JITTER_POP_PLAYED);
      g_assert_cmpmem (out, sizeof out, expect, sizeof expect);
    }
  g_assert_cmpfloat (jn_rate_match_get_ppm (rm), ==, 0);
  g_free (s.queue);
}

/* A busy machine: now and then a second or two in which every packet is
 * 2 to 25 ms late (the receiver did not run), and once a route that stays
 * 10 ms longer: the estimate within 5 ppm of the truth, the busy seconds
 * left out, the longer route taken as a step (DRIFT_SEEDS=N tries N seeds
 * and only prints: docs/architecture.md has what 200 gave) */
static void
test_drift_busy (void)
{
  guint32 seeds = g_getenv ("DRIFT_SEEDS") != NULL ? (guint32) atoi (g_getenv ("DRIFT_SEEDS")) : 6;

  for (guint32 seed = 1; seed <= seeds; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed * 15485863u);
      const double ppm = seed % 2 ? 250 : -250;
      double packet_s = 128.0 / 48000 / (1 + ppm * 1e-6), got, busy_us = 0;
      guint64 n = (guint64) (60 / packet_s), busy_until = 0;
      JnDrift drift;

      jn_drift_init (&drift, 48000);
      for (guint64 k = 0; k < n; k++)
        {
          double delay = 20000 + g_rand_double (rand) * 4000;

          /* one second in six starts a spell of one or two busy seconds */
          if (k >= busy_until && k % 375 == 0 && g_rand_int_range (rand, 0, 6) == 0)
            {
              busy_until = k + 375 * (guint64) g_rand_int_range (rand, 1, 3);
              busy_us = g_rand_double_range (rand, 2000, 25000);
            }
          if (k < busy_until)
            delay += busy_us;
          if (k * packet_s >= 40)
            delay += 10000;   /* the longer route */
          jn_drift_add (&drift, k * 128, (gint64) (1e12 + k * packet_s * 1e6 + delay));
        }
      g_assert_true (jn_drift_get_ppm (&drift, &got));
      g_test_message ("seed %u, %+.0f ppm: %+.2f, %u restarts, %u steps, %u seconds left out", seed, ppm,
                      got, drift.restarts, drift.steps, drift.outliers);
      g_assert_cmpuint (drift.restarts, ==, 0);
      g_assert_cmpuint (drift.steps, >=, 1);
      if (g_getenv ("DRIFT_SEEDS") != NULL)
        continue;
      /* the bound: the step's size is known only to the seconds' noise */
      g_assert_cmpfloat (fabs (got - ppm), <, 5);
    }
}

/* An aligned recording whose main loop stalls: what the ring had no room
 * for is said once, the recording goes on, and the files keep every
 * period (the markers that did not fit ride with the next one), silence
 * where the blocks were lost. */
static void
test_recorder_behind (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-rec-XXXXXX", NULL);
  g_autofree char *stem = g_build_filename (dir, "take", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JnRecorder) recorder = jn_recorder_new (stem, NULL, NULL, &error);
  float tone[128];
  JnWav *wav;
  guint fitted = 0;
  const guint periods = 5000;

  g_assert_no_error (error);
  for (guint i = 0; i < 128; i++)
    tone[i] = 0.25f;
  jn_recorder_set_format (recorder, 48000, 1, 128);
  jn_recorder_set_aligned (recorder, TRUE);
  /* 5000 periods (13 s) with nobody draining */
  for (guint p = 0; p < periods; p++)
    {
      jn_recorder_push_audio (recorder, 7, tone, 128, 1);
      jn_recorder_period_end (recorder);
    }
  g_assert_false (jn_recorder_drain (recorder, &error));
  g_assert_error (error, JN_RECORDER_ERROR, JN_RECORDER_ERROR_BEHIND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "fell behind"));
  g_clear_error (&error);
  /* it goes on: a period more, drained in time, says nothing */
  jn_recorder_push_audio (recorder, 7, tone, 128, 1);
  jn_recorder_period_end (recorder);
  g_assert_true (jn_recorder_drain (recorder, &error));
  g_assert_no_error (error);
  g_assert_true (jn_recorder_close (recorder, &error));
  path = g_strdup (jn_recorder_get_path (recorder, 7));
  g_assert_nonnull (path);
  wav = jn_wav_load (path, &error);
  g_assert_no_error (error);
  /* every period is there, the lost ones silent */
  g_assert_cmpuint (wav->frames, ==, (periods + 1) * 128);
  for (gsize i = 0; i < wav->frames; i++)
    fitted += wav->samples[i] != 0.f;
  g_test_message ("%u of %u periods kept", fitted / 128, periods + 1);
  g_assert_cmpuint (fitted % 128, ==, 0);
  g_assert_cmpuint (fitted / 128, >, 1000);
  g_assert_cmpuint (fitted / 128, <, periods);
  g_assert_cmpfloat (wav->samples[wav->frames - 1], !=, 0.f);   /* the last, drained in time */
  jn_wav_free (wav);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/clock-sync/offset", test_clock_sync_offset);
  g_test_add_func ("/drift/estimate", test_drift_estimate);
  g_test_add_func ("/drift/jump", test_drift_jump);
  g_test_add_func ("/drift/busy", test_drift_busy);
  g_test_add_func ("/rate-match/drift", test_rate_match_drift);
  g_test_add_func ("/rate-match/below", test_rate_match_below);
  g_test_add_func ("/clock-sync/filter", test_clock_sync_filter);
  g_test_add_func ("/clock-sync/refuses", test_clock_sync_refuses);
  g_test_add_func ("/receive-stats/counts", test_receive_stats);
  g_test_add_func ("/recorder/behind", test_recorder_behind);
  g_test_add_func ("/midi/reorder", test_midi_reorder);
  g_test_add_func ("/midi/journal-apply", test_midi_journal_apply);
  g_test_add_func ("/concealer/names", test_concealer_names);
  g_test_add_func ("/concealer/gap", test_concealer_gap);
  g_test_add_func ("/concealer/worker-model", test_concealer_worker_model);
  g_test_add_func ("/concealer/pool-share", test_concealer_pool_share);
  return g_test_run ();
}
