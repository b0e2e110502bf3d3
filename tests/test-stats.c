/* test-stats.c: histogram, series, sequence window, jitter buffer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-audio-copy.h"
#include "jn-concealer.h"
#include "jn-jitter-buffer.h"
#include "jn-seq.h"
#include "jn-stats.h"

static void
assert_close (double value, double expected, double relative)
{
  if (fabs (value - expected) > relative * fabs (expected))
    g_error ("%g is not within %.1f %% of %g", value, relative * 100, expected);
}

static void
test_histogram (void)
{
  JnHistogram *hist = g_new0 (JnHistogram, 1);
  JnSummary summary;

  g_assert_cmpfloat (jn_histogram_percentile (hist, 0.5), ==, 0.0);

  /* 1, 2, ..., 1000: p50 = 500, p95 = 950, p99 = 990 (nearest rank) */
  for (int i = 1000; i >= 1; i--)
    jn_histogram_add (hist, i);
  jn_histogram_summarize (hist, 7.0, &summary);
  g_assert_cmpuint (summary.count, ==, 1000);
  g_assert_cmpfloat (summary.last, ==, 7.0);
  g_assert_cmpfloat (summary.mean, ==, 500.5);
  g_assert_cmpfloat (summary.max, ==, 1000.0);
  g_assert_cmpfloat (hist->min, ==, 1.0);
  assert_close (summary.p50, 500, 0.012);
  assert_close (summary.p95, 950, 0.012);
  assert_close (summary.p99, 990, 0.012);
  g_assert_cmpfloat (jn_histogram_percentile (hist, 0.0), ==, 1.0);
  g_assert_cmpfloat (jn_histogram_percentile (hist, 1.0), ==, 1000.0);

  /* sub-millisecond values, zeros, negatives (clamped) and non-finite (ignored) */
  jn_histogram_reset (hist);
  for (int i = 0; i < 99; i++)
    jn_histogram_add (hist, 0.040);
  jn_histogram_add (hist, 2.5);
  jn_histogram_add (hist, NAN);
  jn_histogram_add (hist, INFINITY);
  jn_histogram_add (hist, -3);
  g_assert_cmpuint (hist->count, ==, 101);
  g_assert_cmpfloat (hist->min, ==, 0.0);
  assert_close (jn_histogram_percentile (hist, 0.5), 0.040, 0.012);
  assert_close (jn_histogram_percentile (hist, 0.98), 0.040, 0.012);
  g_assert_cmpfloat (jn_histogram_percentile (hist, 0.999), ==, 2.5);

  /* a single value is reported exactly */
  jn_histogram_reset (hist);
  jn_histogram_add (hist, 12.34);
  g_assert_cmpfloat (jn_histogram_percentile (hist, 0.5), ==, 12.34);
  g_free (hist);
}

static void
test_series (void)
{
  g_autoptr(JnSeries) series = jn_series_new (4);

  g_assert_cmpuint (jn_series_get_length (series), ==, 0);
  for (int i = 0; i < 3; i++)
    jn_series_push (series, i * 100, i * 1.5);
  g_assert_cmpuint (jn_series_get_length (series), ==, 3);
  g_assert_cmpint (jn_series_get (series, 0).time_us, ==, 0);
  g_assert_cmpfloat (jn_series_get (series, 2).value, ==, 3.0);

  /* the oldest are dropped first */
  for (int i = 3; i < 10; i++)
    jn_series_push (series, i * 100, i * 1.5);
  g_assert_cmpuint (jn_series_get_length (series), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (jn_series_get (series, i).time_us, ==, (6 + i) * 100);
      g_assert_cmpfloat (jn_series_get (series, i).value, ==, (6 + i) * 1.5);
    }
}

static void
test_seq_window (void)
{
  JnSeqWindow w = { 0 };

  g_assert_cmpint (jn_seq_window_check (&w, 10), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 11), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 11), ==, JN_SEQ_DUPLICATE);
  g_assert_cmpint (jn_seq_window_check (&w, 14), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 13), ==, JN_SEQ_NEW_REORDERED);
  g_assert_cmpint (jn_seq_window_check (&w, 13), ==, JN_SEQ_DUPLICATE);
  g_assert_cmpuint (jn_seq_window_missing (&w), ==, 1);   /* 12 */
  g_assert_cmpint (jn_seq_window_check (&w, 200), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 100), ==, JN_SEQ_TOO_OLD);
  g_assert_cmpuint (jn_seq_window_missing (&w), ==, 186);  /* 12, 15..199 */

  /* an earlier packet than the first one, reordered at the start */
  memset (&w, 0, sizeof w);
  jn_seq_window_check (&w, 5);
  g_assert_cmpint (jn_seq_window_check (&w, 4), ==, JN_SEQ_NEW_REORDERED);
  g_assert_cmpuint (jn_seq_window_missing (&w), ==, 0);

  /* 32-bit wrap around */
  memset (&w, 0, sizeof w);
  g_assert_cmpint (jn_seq_window_check (&w, 0xFFFFFFFE), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 1), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 0xFFFFFFFF), ==, JN_SEQ_NEW_REORDERED);
  g_assert_cmpint (jn_seq_window_check (&w, 1), ==, JN_SEQ_DUPLICATE);
  g_assert_cmpuint (jn_seq_window_missing (&w), ==, 1);    /* 0 */

  /* a number far ahead moves nothing unless the next confirms it */
  memset (&w, 0, sizeof w);
  jn_seq_window_check (&w, 100);
  g_assert_cmpint (jn_seq_window_check (&w, 100 + JN_SEQ_MAX_JUMP + 1), ==, JN_SEQ_OUT_OF_RANGE);
  g_assert_cmpint (jn_seq_window_check (&w, 0x80000000u), ==, JN_SEQ_OUT_OF_RANGE);
  g_assert_cmpint (jn_seq_window_check (&w, 101), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 102), ==, JN_SEQ_NEW);
  g_assert_cmpuint (jn_seq_window_missing (&w), ==, 0);
  /* within the bound: taken at once */
  g_assert_cmpint (jn_seq_window_check (&w, 102 + JN_SEQ_MAX_JUMP), ==, JN_SEQ_NEW);
  /* a real jump (a sender back after minutes): two in a row */
  g_assert_cmpint (jn_seq_window_check (&w, 50000), ==, JN_SEQ_OUT_OF_RANGE);
  g_assert_cmpint (jn_seq_window_check (&w, 50001), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 50002), ==, JN_SEQ_NEW);
  g_assert_cmpint (jn_seq_window_check (&w, 50000), ==, JN_SEQ_NEW_REORDERED);
}

/* --- jitter buffer ------------------------------------------------------- */

#define FRAMES 4

typedef struct
{
  guint calls;           /* periods filtered */
  guint concealed;       /* of them with no packet */
  guint last_future;     /* future frames offered with the last missing one */
  guint last_gap;        /* gap frames */
  float future_first;    /* first future sample */
} FilterLog;

static void
filter_log (gpointer user_data, const float *in, float *out, guint frames, guint channels,
            const float *future, guint future_frames, guint gap_frames)
{
  FilterLog *log = user_data;

  log->calls++;
  if (in != NULL)
    {
      memcpy (out, in, sizeof (float) * frames * channels);
      return;
    }
  log->concealed++;
  log->last_future = future ? future_frames : 0;
  log->last_gap = future ? gap_frames : 0;
  log->future_first = future ? future[0] : -99.f;
  for (guint i = 0; i < frames * channels; i++)
    out[i] = -1.f;   /* recognisable */
}

static void
push (JnJitterBuffer *jb, guint32 seq, JnJitterPushResult expected)
{
  float packet[FRAMES];

  for (guint i = 0; i < FRAMES; i++)
    packet[i] = (float) seq;
  g_assert_cmpint (jn_jitter_buffer_push (jb, seq, packet), ==, expected);
}

static void
pop (JnJitterBuffer *jb, JnJitterPopResult expected, guint32 expected_seq)
{
  float out[FRAMES];
  guint32 seq = G_MAXUINT32;

  g_assert_cmpint (jn_jitter_buffer_pop (jb, out, &seq), ==, expected);
  if (expected == JN_JITTER_POP_PLAYED)
    {
      g_assert_cmpuint (seq, ==, expected_seq);
      for (guint i = 0; i < FRAMES; i++)
        g_assert_cmpfloat (out[i], ==, (float) expected_seq);
    }
  else if (expected == JN_JITTER_POP_CONCEALED)
    {
      g_assert_cmpuint (seq, ==, expected_seq);
      g_assert_cmpfloat (out[0], ==, -1.f);
    }
}

/* A period that ends a stream: what pop() would give, faded to silence
 * (the filter's -1 for a concealed one) */
static void
pop_faded (JnJitterBuffer *jb, JnJitterPopResult expected, guint32 expected_seq)
{
  float out[FRAMES], level = expected == JN_JITTER_POP_PLAYED ? (float) expected_seq : -1.f;
  guint32 seq = G_MAXUINT32;

  g_assert_cmpint (jn_jitter_buffer_pop (jb, out, &seq), ==, expected);
  g_assert_cmpuint (seq, ==, expected_seq);
  /* a raised cosine: from just under the level down to nothing */
  g_assert_cmpfloat (fabsf (out[0]), <, fabsf (level));
  g_assert_cmpfloat (fabsf (out[0]), >, 0.5f * fabsf (level));
  g_assert_cmpfloat (out[0] * level, >, 0.f);
  g_assert_cmpfloat (out[FRAMES - 1], ==, 0.f);
  for (guint i = 1; i < FRAMES; i++)
    g_assert_cmpfloat (fabsf (out[i]), <=, fabsf (out[i - 1]));
}

/* A gap that a copy ends is concealed without the copy as its lookahead
 * (its coding noise would lead an interpolation astray), nor what follows
 * it; a gap a real packet ends gets that packet.  (Packet 1 before the
 * gap is not what the copy's start is smoothed to: a period concealed
 * came between.) */
static void
test_jitter_buffer_copy_no_anchor (void)
{
  for (guint real = 0; real <= 1; real++)
    {
      g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (2, FRAMES, 1);
      FilterLog log = { 0 };
      float packet[FRAMES];

      jn_jitter_buffer_set_filter (jb, filter_log, &log);
      push (jb, 0, JN_JITTER_PUSH_QUEUED);
      push (jb, 1, JN_JITTER_PUSH_QUEUED);
      pop (jb, JN_JITTER_POP_PLAYED, 0);
      /* 2 is lost; 3 comes as itself or as a copy 4 carried, then 4 */
      for (guint i = 0; i < FRAMES; i++)
        packet[i] = 3.f;
      if (real)
        push (jb, 3, JN_JITTER_PUSH_QUEUED);
      else
        g_assert_cmpint (jn_jitter_buffer_push_copy (jb, 3, packet, NULL), ==, JN_JITTER_PUSH_QUEUED);
      push (jb, 4, JN_JITTER_PUSH_QUEUED);
      pop (jb, JN_JITTER_POP_PLAYED, 1);
      pop (jb, JN_JITTER_POP_CONCEALED, 2);
      g_assert_cmpuint (log.last_future, ==, real ? 2 * FRAMES : 0);
      if (real)
        g_assert_cmpfloat (log.future_first, ==, 3.f);
      /* the copy itself plays as audio; its end is ramped toward the
       * line the packet after it sets (4), over FRAMES / 2, by no more
       * than a 4-bit copy's step (an eighth of its peak, 3); its start
       * follows a concealed period: untouched */
      if (real)
        pop (jb, JN_JITTER_POP_PLAYED, 3);
      else
        {
          static const float smoothed[FRAMES] = { 3.f, 3.f, 3.1875f, 3.375f };
          float played[FRAMES];
          guint32 seq = 0;

          g_assert_cmpint (jn_jitter_buffer_pop (jb, played, &seq), ==, JN_JITTER_POP_PLAYED);
          g_assert_cmpuint (seq, ==, 3);
          g_assert_cmpmem (played, sizeof played, smoothed, sizeof smoothed);
        }
      pop (jb, JN_JITTER_POP_PLAYED, 4);
    }
}

/* A copy between two packets: both its edges ramped onto the lines the
 * packets around it set, so its coding error makes no step */
static void
push_level (JnJitterBuffer *jb, guint32 seq, float level, gboolean copy)
{
  float packet[FRAMES];

  for (guint i = 0; i < FRAMES; i++)
    packet[i] = level;
  g_assert_cmpint (copy ? jn_jitter_buffer_push_copy (jb, seq, packet, NULL) : jn_jitter_buffer_push (jb, seq, packet),
                   ==, JN_JITTER_PUSH_QUEUED);
}

static void
test_jitter_buffer_copy_edges (void)
{
  static const float smoothed[FRAMES] = { 1.9f, 1.95f, 2.05f, 2.1f };
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (2, FRAMES, 1);
  float played[FRAMES];
  guint32 seq = 0;

  push_level (jb, 0, 1.9f, FALSE);
  push_level (jb, 1, 1.9f, FALSE);
  g_assert_cmpint (jn_jitter_buffer_pop (jb, played, &seq), ==, JN_JITTER_POP_PLAYED);
  push_level (jb, 2, 2.0f, TRUE);
  push_level (jb, 3, 2.1f, FALSE);
  g_assert_cmpint (jn_jitter_buffer_pop (jb, played, &seq), ==, JN_JITTER_POP_PLAYED);
  g_assert_cmpint (jn_jitter_buffer_pop (jb, played, &seq), ==, JN_JITTER_POP_PLAYED);
  g_assert_cmpuint (seq, ==, 2);
  for (guint i = 0; i < FRAMES; i++)
    g_assert_cmpfloat_with_epsilon (played[i], smoothed[i], 1e-6);
  /* the packet after it is untouched */
  g_assert_cmpint (jn_jitter_buffer_pop (jb, played, &seq), ==, JN_JITTER_POP_PLAYED);
  g_assert_cmpuint (seq, ==, 3);
  g_assert_cmpfloat (played[0], ==, 2.1f);
}

static void
test_jitter_buffer_script (void)
{
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (3, FRAMES, 1);
  FilterLog log = { 0 };

  jn_jitter_buffer_set_filter (jb, filter_log, &log);

  /* priming: nothing plays until 3 packets are queued; 101 arrives before 100 */
  pop (jb, JN_JITTER_POP_IDLE, 0);
  push (jb, 101, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_IDLE, 0);
  push (jb, 100, JN_JITTER_PUSH_QUEUED);
  push (jb, 100, JN_JITTER_PUSH_DUPLICATE);
  pop (jb, JN_JITTER_POP_IDLE, 0);
  push (jb, 102, JN_JITTER_PUSH_QUEUED);
  g_assert_cmpuint (jn_jitter_buffer_get_level (jb), ==, 3);

  /* plays from the lowest queued */
  pop (jb, JN_JITTER_POP_PLAYED, 100);
  push (jb, 103, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_PLAYED, 101);
  /* 104 is lost, 105 comes: the filter gets 105 as lookahead, one packet on */
  push (jb, 105, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_PLAYED, 102);
  pop (jb, JN_JITTER_POP_PLAYED, 103);
  pop (jb, JN_JITTER_POP_CONCEALED, 104);
  g_assert_cmpuint (log.concealed, ==, 1);
  g_assert_cmpuint (log.last_gap, ==, FRAMES);
  g_assert_cmpuint (log.last_future, ==, FRAMES);
  g_assert_cmpfloat (log.future_first, ==, 105.f);
  /* 104 shows up after its turn: late */
  push (jb, 104, JN_JITTER_PUSH_LATE);
  pop (jb, JN_JITTER_POP_PLAYED, 105);

  /* a burst of three losses; 109 is within the lookahead from 107 on */
  push (jb, 109, JN_JITTER_PUSH_QUEUED);
  push (jb, 110, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_CONCEALED, 106);
  g_assert_cmpuint (log.last_future, ==, 0);      /* 109 is 3 packets on: too far */
  pop (jb, JN_JITTER_POP_CONCEALED, 107);
  g_assert_cmpuint (log.last_gap, ==, 2 * FRAMES);
  g_assert_cmpuint (log.last_future, ==, 2 * FRAMES);  /* 109 and 110 */
  pop (jb, JN_JITTER_POP_CONCEALED, 108);
  g_assert_cmpuint (log.last_gap, ==, FRAMES);
  pop (jb, JN_JITTER_POP_PLAYED, 109);
  pop (jb, JN_JITTER_POP_PLAYED, 110);
  g_assert_cmpuint (log.concealed, ==, 4);

  /* the sender stops without bye: after a long run the buffer goes idle */
  for (guint i = 0; i < 64; i++)
    pop (jb, JN_JITTER_POP_CONCEALED, 111 + i);
  pop (jb, JN_JITTER_POP_IDLE, 0);
  g_assert_false (jn_jitter_buffer_is_playing (jb));

  /* and primes again when the stream comes back */
  push (jb, 500, JN_JITTER_PUSH_QUEUED);
  push (jb, 501, JN_JITTER_PUSH_QUEUED);
  push (jb, 502, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_PLAYED, 500);
  g_assert_cmpuint (log.calls, ==, log.concealed + 8);   /* 100-103, 105, 109, 110, 500 */

  /* far ahead of playout (a stall skipped the stream ahead): what was
   * queued is dropped and playout starts again from there, not concealed
   * up to it */
  {
    JnJitterDepthStats depth;
    guint32 far = 501 + JN_JITTER_BUFFER_SLOTS;

    push (jb, far, JN_JITTER_PUSH_QUEUED);
    g_assert_false (jn_jitter_buffer_is_playing (jb));
    g_assert_cmpuint (jn_jitter_buffer_get_level (jb), ==, 1);
    jn_jitter_buffer_get_depth_stats (jb, &depth);
    g_assert_cmpuint (depth.restarts, ==, 1);
    push (jb, far + 1, JN_JITTER_PUSH_QUEUED);
    pop (jb, JN_JITTER_POP_IDLE, 0);

    /* and far ahead again while priming (a second stall): it starts over
     * from there too, rather than refuse the stream from then on */
    far += 2 * JN_JITTER_BUFFER_SLOTS;
    push (jb, far, JN_JITTER_PUSH_QUEUED);
    g_assert_cmpuint (jn_jitter_buffer_get_level (jb), ==, 1);
    jn_jitter_buffer_get_depth_stats (jb, &depth);
    g_assert_cmpuint (depth.restarts, ==, 2);
    /* one more than a lap behind what is queued: refused */
    push (jb, far - JN_JITTER_BUFFER_SLOTS, JN_JITTER_PUSH_OVERFLOW);
    push (jb, far + 1, JN_JITTER_PUSH_QUEUED);
    push (jb, far + 2, JN_JITTER_PUSH_QUEUED);
    pop (jb, JN_JITTER_POP_PLAYED, far);
  }
}

/* Scripted arrivals on a simulated clock: one pop per period, packets
 * first .. first + n - 1 arriving with the given delays (in periods; all
 * within the n periods simulated, so consecutive calls make one continuous
 * stream).  Returns late packets. */
static guint
simulate (JnJitterBuffer *jb, guint32 first, guint n, const guint *delay, guint *concealed)
{
  guint late = 0;
  float packet[FRAMES] = { 0 }, out[FRAMES];

  for (guint t = 0; t < n; t++)
    {
      /* deliver every packet whose arrival time is t */
      for (guint i = 0; i < n; i++)
        if (i + delay[i] == t)
          late += jn_jitter_buffer_push (jb, first + i, packet) == JN_JITTER_PUSH_LATE;
      if (jn_jitter_buffer_pop (jb, out, NULL) == JN_JITTER_POP_CONCEALED)
        (*concealed)++;
    }
  return late;
}

static void
test_jitter_buffer_adaptive (void)
{
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (1, FRAMES, 1);
  g_autofree guint *delay = g_new0 (guint, 4000);
  JnJitterDepthStats stats;
  guint concealed = 0, late;

  /* balanced: depth 2..18, calm for 10.5 s before shrinking; 1 ms periods */
  jn_jitter_buffer_set_adaptive (jb, TRUE, 0.5, 1000);
  jn_jitter_buffer_get_depth_stats (jb, &stats);
  g_assert_cmpuint (stats.min_depth, ==, 2);
  g_assert_cmpuint (stats.max_depth, ==, 18);
  g_assert_cmpuint (stats.depth, ==, 2);

  /* a jitter burst: packets 100..109 each 4 periods late, the rest on time */
  for (guint i = 100; i < 110; i++)
    delay[i] = 4;
  late = simulate (jb, 0, 1000, delay, &concealed);
  jn_jitter_buffer_get_depth_stats (jb, &stats);
  /* each late packet deepened the buffer until none came late */
  g_assert_cmpuint (late, >, 0);
  g_assert_cmpuint (stats.grows, ==, late);
  g_assert_cmpuint (stats.depth, ==, 2 + late);
  g_assert_cmpuint (stats.stretched, ==, late);
  g_assert_cmpuint (stats.shrinks, ==, 0);

  /* the same burst again is now absorbed: no late packet, no growth */
  memset (delay, 0, sizeof (guint) * 4000);
  for (guint i = 100; i < 110; i++)
    delay[i] = MIN (4u, stats.depth - 1);
  late = simulate (jb, 1000, 1000, delay, &concealed);
  g_assert_cmpuint (late, ==, 0);

  /* a calm network: after 10.5 s the depth comes down one packet at a
   * time, merging two packets into one period each time */
  {
    JnJitterDepthStats before = stats;

    memset (delay, 0, sizeof (guint) * 4000);
    simulate (jb, 2000, 4000, delay, &concealed);
    simulate (jb, 6000, 4000, delay, &concealed);
    simulate (jb, 10000, 4000, delay, &concealed);
    jn_jitter_buffer_get_depth_stats (jb, &stats);
    g_assert_cmpuint (stats.shrinks, ==, 1);
    g_assert_cmpuint (stats.depth, ==, before.depth - 1);
  }
}

/* Twenty packets in a clump ahead of playout (a burst that arrived all at
 * once): the level, which is the latency, comes back to within a packet of
 * the depth in a few hundred periods, and stays. */
static void
test_jitter_buffer_drains (void)
{
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (3, FRAMES, 1);
  float packet[FRAMES] = { 0 }, out[FRAMES];
  guint32 next = 0, back_at = 0;

  /* 1 ms periods: excess drained after 100 ms, a packet every 8 */
  jn_jitter_buffer_set_adaptive (jb, TRUE, 0.5, 1000);
  for (guint t = 0; t < 200; t++)
    {
      jn_jitter_buffer_push (jb, next++, packet);
      jn_jitter_buffer_pop (jb, out, NULL);
    }
  g_assert_cmpuint (jn_jitter_buffer_get_level (jb), <=, jn_jitter_buffer_get_depth (jb) + 1);
  for (guint i = 0; i < 20; i++)
    jn_jitter_buffer_push (jb, next++, packet);
  g_assert_cmpuint (jn_jitter_buffer_get_level (jb), >=, jn_jitter_buffer_get_depth (jb) + 19);
  for (guint t = 1; t <= 1000; t++)
    {
      jn_jitter_buffer_push (jb, next++, packet);
      jn_jitter_buffer_pop (jb, out, NULL);
      if (back_at == 0 && jn_jitter_buffer_get_level (jb) <= jn_jitter_buffer_get_depth (jb) + 1)
        back_at = t;
      if (back_at != 0)
        g_assert_cmpuint (jn_jitter_buffer_get_level (jb), <=, jn_jitter_buffer_get_depth (jb) + 1);
    }
  g_test_message ("back within a packet of the depth after %u periods", back_at);
  g_assert_cmpuint (back_at, >, 0);
  g_assert_cmpuint (back_at, <=, 100 + 8 * 21);
}

static void
test_jitter_buffer_fixed (void)
{
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (3, FRAMES, 1);
  g_autofree guint *delay = g_new0 (guint, 500);
  JnJitterDepthStats stats;
  guint concealed = 0;

  /* not adaptive: late packets are dropped and counted, the depth stays */
  for (guint i = 100; i < 105; i++)
    delay[i] = 6;
  g_assert_cmpuint (simulate (jb, 0, 500, delay, &concealed), >, 0);
  jn_jitter_buffer_get_depth_stats (jb, &stats);
  g_assert_cmpuint (stats.depth, ==, 3);
  g_assert_cmpuint (stats.grows, ==, 0);
  g_assert_cmpuint (concealed, >, 0);
}

static void
test_jitter_buffer_finish (void)
{
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (4, FRAMES, 1);
  FilterLog log = { 0 };

  jn_jitter_buffer_set_filter (jb, filter_log, &log);

  /* fewer packets than the depth, then bye: they still play */
  push (jb, 7, JN_JITTER_PUSH_QUEUED);
  push (jb, 9, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_IDLE, 0);
  jn_jitter_buffer_finish (jb);
  pop (jb, JN_JITTER_POP_PLAYED, 7);
  pop (jb, JN_JITTER_POP_CONCEALED, 8);
  pop_faded (jb, JN_JITTER_POP_PLAYED, 9);   /* the last: it fades out */
  pop (jb, JN_JITTER_POP_IDLE, 0);
  pop (jb, JN_JITTER_POP_IDLE, 0);

  /* a sender gone in a gap: one more concealed period, faded, then idle */
  push (jb, 20, JN_JITTER_PUSH_QUEUED);
  push (jb, 21, JN_JITTER_PUSH_QUEUED);
  push (jb, 22, JN_JITTER_PUSH_QUEUED);
  push (jb, 23, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_PLAYED, 20);
  pop (jb, JN_JITTER_POP_PLAYED, 21);
  pop (jb, JN_JITTER_POP_PLAYED, 22);
  pop (jb, JN_JITTER_POP_PLAYED, 23);
  pop (jb, JN_JITTER_POP_CONCEALED, 24);
  jn_jitter_buffer_finish (jb);
  pop_faded (jb, JN_JITTER_POP_CONCEALED, 25);
  pop (jb, JN_JITTER_POP_IDLE, 0);
}

static void
test_jitter_buffer_wrap (void)
{
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (2, FRAMES, 1);

  push (jb, 0xFFFFFFFE, JN_JITTER_PUSH_QUEUED);
  push (jb, 0xFFFFFFFF, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_PLAYED, 0xFFFFFFFE);
  push (jb, 0, JN_JITTER_PUSH_QUEUED);
  push (jb, 1, JN_JITTER_PUSH_QUEUED);
  pop (jb, JN_JITTER_POP_PLAYED, 0xFFFFFFFF);
  pop (jb, JN_JITTER_POP_PLAYED, 0);
  pop (jb, JN_JITTER_POP_PLAYED, 1);
}

/* axis steps are 1, 2 or 5 times a power of ten, about span / n */
static void
test_nice_step (void)
{
  g_assert_cmpfloat_with_epsilon (jn_nice_step (100, 4), 20, 1e-9);
  g_assert_cmpfloat_with_epsilon (jn_nice_step (7, 5), 1, 1e-9);
  g_assert_cmpfloat_with_epsilon (jn_nice_step (0.9, 4), 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (jn_nice_step (2600, 6), 500, 1e-9);
  g_assert_cmpfloat_with_epsilon (jn_nice_step (90, 1), 100, 1e-9);
}

/* A copy played through a concealer: concealed as if lost, then refined
 * with that prediction.  On a tone, which PNBTR predicts well, the copy's
 * coding noise mostly goes; the packet after plays as it came (the gap
 * ended with the copy: no fade), and the concealer counts no gap.  With
 * data TRUE the period's time is spent (the concealer light), and the
 * copy plays as it decoded instead. */
static void
test_jitter_buffer_copy_refined (gconstpointer data)
{
  gboolean light = GPOINTER_TO_INT (data);
  enum { N = 128, LOST = 40 };
  JnAudioFormat format = { 48000, N, 1, JN_SAMPLE_S16, 0 };
  g_autoptr(JnJitterBuffer) jb = jn_jitter_buffer_new (2, N, 1);
  g_autoptr(JnConcealer) concealer = jn_concealer_new (1, "pnbtr", &format, FALSE);
  JnPeerStats stats = { 0 };
  JnJitterDepthStats depth;
  float packets[LOST + 4][N], out[N], plain[N], steps[N / JN_COPY_BLOCK];
  guint8 coded[256];
  double signal = 0, copy_noise = 0, refined_noise = 0;
  guint32 seq;

  for (guint p = 0; p < LOST + 4; p++)
    for (guint i = 0; i < N; i++)
      packets[p][i] = 0.5f * sinf (2 * G_PI * 440.0 * (p * N + i) / 48000.0);
  jn_concealer_attach (concealer, jb);
  jn_concealer_set_light (concealer, light);
  jn_audio_copy_encode (packets[LOST], N, 5, coded);
  jn_audio_copy_decode (coded, N, 5, plain);
  jn_audio_copy_decode_steps (coded, N, steps);

  for (guint p = 0; p < LOST + 3; p++)
    {
      /* LOST never comes; its copy does, with the packet after it */
      if (p == LOST + 1)
        g_assert_cmpint (jn_jitter_buffer_push_copy (jb, LOST, plain, steps), ==, JN_JITTER_PUSH_QUEUED);
      if (p != LOST)
        g_assert_cmpint (jn_jitter_buffer_push (jb, p, packets[p]), ==, JN_JITTER_PUSH_QUEUED);
      if (p < 1)
        continue;
      g_assert_cmpint (jn_jitter_buffer_pop (jb, out, &seq), ==, JN_JITTER_POP_PLAYED);
      g_assert_cmpuint (seq, ==, p - 1);
      if (seq == LOST)
        for (guint i = 0; i < N; i++)
          {
            signal += (double) packets[LOST][i] * packets[LOST][i];
            copy_noise += (double) (plain[i] - packets[LOST][i]) * (plain[i] - packets[LOST][i]);
            refined_noise += (double) (out[i] - packets[LOST][i]) * (out[i] - packets[LOST][i]);
          }
      else if (seq == LOST + 1)
        g_assert_cmpmem (out, sizeof out, packets[LOST + 1], sizeof out);
    }
  g_test_message ("copy %.1f dB, refined %.1f dB", 10 * log10 (signal / copy_noise),
                  10 * log10 (signal / refined_noise));
  if (light)
    {
      /* the copy as it decoded, only its edges smoothed into its neighbours */
      g_assert_cmpfloat (fabs (10 * log10 (copy_noise / refined_noise)), <, 1.0);
    }
  else
    g_assert_cmpfloat (10 * log10 (copy_noise / refined_noise), >=, 10.0);
  jn_jitter_buffer_get_depth_stats (jb, &depth);
  g_assert_cmpuint (depth.restored, ==, 1);
  g_assert_cmpuint (depth.restored_plain, ==, light ? 1 : 0);
  jn_concealer_fill (concealer, &stats);
  g_assert_cmpuint (stats.gaps_local_fit + stats.gaps_worker_model, ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stats/histogram", test_histogram);
  g_test_add_func ("/stats/series", test_series);
  g_test_add_func ("/stats/seq-window", test_seq_window);
  g_test_add_func ("/jitter-buffer/script", test_jitter_buffer_script);
  g_test_add_func ("/jitter-buffer/copy-no-anchor", test_jitter_buffer_copy_no_anchor);
  g_test_add_func ("/jitter-buffer/copy-edges", test_jitter_buffer_copy_edges);
  g_test_add_data_func ("/jitter-buffer/copy-refined", GINT_TO_POINTER (FALSE),
                        test_jitter_buffer_copy_refined);
  g_test_add_data_func ("/jitter-buffer/copy-plain-when-light", GINT_TO_POINTER (TRUE),
                        test_jitter_buffer_copy_refined);
  g_test_add_func ("/jitter-buffer/finish", test_jitter_buffer_finish);
  g_test_add_func ("/jitter-buffer/adaptive", test_jitter_buffer_adaptive);
  g_test_add_func ("/jitter-buffer/fixed", test_jitter_buffer_fixed);
  g_test_add_func ("/jitter-buffer/drains", test_jitter_buffer_drains);
  g_test_add_func ("/jitter-buffer/wrap", test_jitter_buffer_wrap);

  g_test_add_func ("/stats/nice-step", test_nice_step);
  return g_test_run ();
}
