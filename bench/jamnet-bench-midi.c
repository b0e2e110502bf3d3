/* jamnet-bench-midi.c: MIDI through bursty loss, with and without the
 * recovery journal
 *
 * Two media engines in this process, A playing and B listening, reach each
 * other only through the project's relay on 127.0.0.1 (5 ms each way, 1 ms
 * jitter), which loses A's MIDI datagrams and B's acknowledgements in
 * bursts of a mean 2.4 (a Gilbert-Elliott channel).  A plays 500
 * overlapping notes (one every 5 ms, each held 17 ms, keys reused every
 * 24) and presses the sustain pedal twice.  Measured at B's MIDI out: the
 * keys and pedal left down once A is quiet and the journal has settled, how
 * late a note-off the journal restored came after A sent it, how many
 * note-ons it started late or skipped; at A, journal bytes per MIDI
 * datagram.  Separately, the size of a journal with 10 notes held.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-media-engine.h"
#include "jn-relay.h"

#define HOLD_MS    17
#define EVERY_MS   5
#define KEYS       24
#define MAX_LOG    16384

typedef struct
{
  guint32 seq;
  gint64  time_us;
  guint8  data[3];
} Logged;

typedef struct
{
  GMutex  lock;
  guint   n;
  Logged  events[MAX_LOG];
} Log;

typedef struct
{
  guint   stuck;            /* keys sounding at B at the end */
  gboolean pedal_wrong;     /* B's pedal not where A left it */
  guint   restored;         /* note-offs lost that B heard otherwise (the journal,
                             * or without it the key's next note) */
  double  restored_p50_ms;  /* A's note-off to the key's end at B, for those */
  double  restored_p99_ms;
  guint64 late_starts;
  guint64 skipped_starts;
  double  journal_bytes;    /* per MIDI datagram A sent */
  guint64 journal_only;
  guint64 dropped;
  guint64 datagrams;
} Figures;

static void
log_event (gpointer user_data, guint32 peer_id, const JnMidiEvent *event, gint64 now)
{
  Log *log = user_data;

  g_mutex_lock (&log->lock);
  if (log->n < MAX_LOG)
    {
      log->events[log->n].seq = event->seq;
      log->events[log->n].time_us = now;
      memcpy (log->events[log->n].data, event->data, MIN (event->size, 3));
      log->n++;
    }
  g_mutex_unlock (&log->lock);
}

static gboolean
is_on (const guint8 *d)
{
  return (d[0] & 0xF0) == 0x90 && d[2] > 0;
}

static gboolean
is_off (const guint8 *d)
{
  return (d[0] & 0xF0) == 0x80 || ((d[0] & 0xF0) == 0x90 && d[2] == 0);
}

static double
percentile (GArray *values, double q)
{
  if (values->len == 0)
    return NAN;
  g_array_sort (values, jn_bench_compare_double);
  return g_array_index (values, double, (guint) MIN (values->len - 1, ceil (q * values->len) - 1));
}

static gboolean
run_once (double loss, guint redundancy, gboolean journal, guint pairs, guint32 seed,
          Figures *f, GError **error)
{
  static const JnAudioFormat format = { 48000, 128, 1, JN_SAMPLE_S16 };
  static const JnMediaCallbacks receiver = { NULL, NULL, log_event };
  g_autoptr(JnMediaEngine) a = NULL;
  g_autoptr(JnMediaEngine) b = NULL;
  g_autoptr(JnRelay) relay = NULL;
  g_autofree Log *log = g_new0 (Log, 1);
  guint n_sent = 0, max_sent = 2 * pairs + 8, n_heard;
  g_autofree Logged *sent = g_new0 (Logged, max_sent);
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (double));
  JnImpairment midi = { .delay_us = 5000, .jitter_us = 1000, .loss = loss, .mean_burst = 2.4,
                        .loss_kinds = 1u << JN_PACKET_MIDI };
  JnImpairment acks = { .delay_us = 5000, .jitter_us = 1000, .loss = loss, .mean_burst = 2.4,
                        .loss_kinds = 1u << JN_PACKET_SYNC_PONG };
  gboolean on[128] = { FALSE }, pedal = FALSE, sender_pedal = FALSE;
  JnPeerStats stats;
  JnEngineStats engine;
  JnRelayCounts counts;
  gint64 start, end;

  memset (f, 0, sizeof *f);
  g_mutex_init (&log->lock);
  if ((a = jn_media_engine_new ("127.0.0.1", 0, error)) == NULL ||
      (b = jn_media_engine_new ("127.0.0.1", 0, error)) == NULL ||
      (relay = jn_relay_new (NULL, "127.0.0.1", jn_media_engine_get_port (a), "127.0.0.1",
                             jn_media_engine_get_port (b), seed, error)) == NULL)
    goto fail;
  for (guint i = 0; i < 2; i++)
    {
      JnMediaEngine *e = i ? b : a;

      jn_media_engine_set_format (e, &format);
      jn_media_engine_set_local_id (e, i + 1);
      jn_media_engine_set_midi_redundancy (e, redundancy);
      jn_media_engine_set_midi_journal (e, journal);
      jn_media_engine_set_send_audio (e, FALSE);
    }
  jn_media_engine_set_callbacks (b, &receiver, log);
  jn_relay_set_impairment (relay, JN_RELAY_A_TO_B, &midi);
  jn_relay_set_impairment (relay, JN_RELAY_B_TO_A, &acks);
  if (!jn_media_engine_set_concealment (b, "zero", error) ||
      !jn_media_engine_add_peer (a, 2, "b", "127.0.0.1", jn_relay_get_port (relay, JN_RELAY_A_TO_B),
                                 NULL, error) ||
      !jn_media_engine_add_peer (b, 1, "a", "127.0.0.1", jn_relay_get_port (relay, JN_RELAY_B_TO_A),
                                 NULL, error) ||
      !jn_media_engine_start (b, error) || !jn_media_engine_start (a, error))
    goto fail;
  for (end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       !(jn_media_engine_get_peer (a, 2, &stats) && stats.synced); g_usleep (5000))
    if (g_get_monotonic_time () > end)
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the engines never synced");
        goto fail;
      }

  /* A plays, one ms at a time, against its own clock */
  start = g_get_monotonic_time ();
  for (guint t = 0; t <= pairs * EVERY_MS + HOLD_MS; t++)
    {
      guint8 ev[3][3];
      guint n = 0;

      while (g_get_monotonic_time () < start + (gint64) t * 1000)
        g_usleep (200);
      if (t % 500 == 250 && t / 500 < 4)
        {
          sender_pedal = (t / 500) % 2 == 0;
          ev[n][0] = 0xB0, ev[n][1] = 64, ev[n][2] = sender_pedal ? 127 : 0, n++;
        }
      if (t >= HOLD_MS && (t - HOLD_MS) % EVERY_MS == 0 && (t - HOLD_MS) / EVERY_MS < pairs)
        ev[n][0] = 0x80, ev[n][1] = 40 + (t - HOLD_MS) / EVERY_MS % KEYS, ev[n][2] = 0, n++;
      if (t % EVERY_MS == 0 && t / EVERY_MS < pairs)
        ev[n][0] = 0x90, ev[n][1] = 40 + t / EVERY_MS % KEYS, ev[n][2] = 1 + (t / EVERY_MS * 7) % 126, n++;
      for (guint i = 0; i < n && n_sent < max_sent; i++)
        {
          sent[n_sent].seq = n_sent;
          sent[n_sent].time_us = g_get_monotonic_time ();
          memcpy (sent[n_sent].data, ev[i], 3);
          n_sent++;
          if (!jn_media_engine_send_midi (a, ev[i], 3, error))
            goto fail;
        }
    }
  /* the journal goes again until B acknowledges it */
  g_usleep (1500000);
  jn_media_engine_get_peer (b, 1, &stats);
  jn_media_engine_get_stats (a, &engine);
  jn_relay_get_counts (relay, JN_RELAY_A_TO_B, &counts);
  /* what B's MIDI out heard until now: stopping releases whatever is left */
  g_mutex_lock (&log->lock);
  n_heard = log->n;
  g_mutex_unlock (&log->lock);
  jn_media_engine_stop (a);
  jn_media_engine_stop (b);

  /* B's keys and pedal at the end; the note-offs the journal restored:
   * after an original note-on at B, the next off of that key, when it is
   * not the pair's own note-off */
  g_mutex_lock (&log->lock);
  for (guint i = 0; i < n_heard; i++)
    {
      const Logged *e = &log->events[i];

      if (is_on (e->data) || is_off (e->data))
        on[e->data[1]] = is_on (e->data);
      else if ((e->data[0] & 0xF0) == 0xB0 && e->data[1] == 64)
        pedal = e->data[2] >= 64;
      if (!is_on (e->data) || e->seq >= n_sent || memcmp (e->data, sent[e->seq].data, 3) != 0)
        continue;
      /* an original note-on: which note-off of A's ends it */
      for (guint s = e->seq + 1; s < n_sent; s++)
        if (is_off (sent[s].data) && sent[s].data[1] == e->data[1])
          {
            for (guint k = i + 1; k < n_heard; k++)
              if (is_off (log->events[k].data) && log->events[k].data[1] == e->data[1])
                {
                  if (log->events[k].seq != s)
                    {
                      double ms = (log->events[k].time_us - sent[s].time_us) / 1000.0;

                      g_array_append_val (delays, ms);
                    }
                  break;
                }
            break;
          }
    }
  g_mutex_unlock (&log->lock);
  g_mutex_clear (&log->lock);
  for (guint k = 0; k < 128; k++)
    f->stuck += on[k];
  f->pedal_wrong = pedal != sender_pedal;
  f->restored = delays->len;
  f->restored_p50_ms = percentile (delays, 0.5);
  f->restored_p99_ms = percentile (delays, 0.99);
  f->late_starts = stats.midi_late_starts;
  f->skipped_starts = stats.midi_skipped_starts;
  f->journal_bytes = engine.midi_packets_sent > 0
                     ? (double) engine.midi_journal_bytes / engine.midi_packets_sent : 0;
  f->journal_only = engine.midi_journal_only;
  f->dropped = counts.dropped;
  f->datagrams = engine.midi_packets_sent;
  return TRUE;

fail:
  g_mutex_clear (&log->lock);
  return FALSE;
}

static void
track (JnMidiJournalWriter *w, guint32 seq, guint8 status, guint8 note)
{
  JnMidiEvent e;

  memset (&e, 0, sizeof e);
  jn_midi_event_init_short (&e, status, note, 100);
  e.seq = seq;
  jn_midi_journal_writer_track (w, &e, 0);
}

/* The journal of 10 notes held, on one channel and on ten. */
static void
journal_sizes (gsize *one, gsize *ten)
{
  g_autofree JnMidiJournalWriter *w = g_new0 (JnMidiJournalWriter, 1);
  guint8 buf[JN_MIDI_JOURNAL_MAX];

  jn_midi_journal_writer_init (w);
  for (guint i = 0; i < 10; i++)
    track (w, i, 0x90, 60 + i);
  *one = jn_midi_journal_writer_encode (w, NULL, 0, buf, sizeof buf);
  jn_midi_journal_writer_init (w);
  for (guint i = 0; i < 10; i++)
    track (w, i, 0x90 | i, 60 + i);
  *ten = jn_midi_journal_writer_encode (w, NULL, 0, buf, sizeof buf);
}

int
jn_bench_midi_loss (int    argc,
                    char **argv)
{
  static const double losses[] = { 0, 0.05, 0.2, 0.5 };
  static const guint redundancies[] = { 1, 3 };
  guint pairs = 500, worst = 0;
  guint32 seed = g_random_int ();
  gsize one, ten;
  int rc = 0;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--pairs") && i + 1 < argc)
      pairs = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else if (g_str_equal (argv[i], "--seed") && i + 1 < argc)
      seed = (guint32) g_ascii_strtoull (argv[++i], NULL, 10);
    else
      {
        g_printerr ("usage: jamnet-bench midi-loss [--pairs N (10..4000, default 500)] "
                    "[--seed N (default: random)]\n");
        return g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") ? 0 : 2;
      }
  if (pairs < 10 || pairs > 4000)
    return jn_bench_fail ("--pairs takes 10..4000");

  journal_sizes (&one, &ten);
  g_print ("midi-loss: two media engines through the relay (5 ms each way), A's MIDI and B's "
           "acknowledgements lost in bursts of a mean 2.4; %u notes, each held 17 ms, one every "
           "5 ms; relay seed %u\n", pairs, seed);
  g_print ("  journal of 10 notes held: %" G_GSIZE_FORMAT " bytes on one channel, %" G_GSIZE_FORMAT
           " on ten\n", one, ten);
  jn_report_add_value (jn_bench_report (), "midi-loss", "journal_bytes.10_notes", "bytes",
                       JN_BETTER_LOWER, (double) one);
  jn_report_add_value (jn_bench_report (), "midi-loss", "journal_bytes.10_notes_10_channels",
                       "bytes", JN_BETTER_LOWER, (double) ten);
  g_print ("  journal  loss  copies  dropped       stuck  pedal  lost offs  ended after p50 / p99 ms  "
           "late starts  skipped  journal B/datagram  journal-only\n");
  for (guint j = 0; j < 2 && rc == 0; j++)
    for (guint l = 0; l < G_N_ELEMENTS (losses) && rc == 0; l++)
      for (guint r = 0; r < G_N_ELEMENTS (redundancies) && rc == 0; r++)
        {
          g_autoptr(GError) error = NULL;
          gboolean journal = j == 0;
          Figures f;

          if (!run_once (losses[l], redundancies[r], journal, pairs, seed + l * 2 + r, &f, &error))
            {
              g_printerr ("midi-loss: %s\n", error->message);
              rc = 1;
              break;
            }
          g_print ("  %-7s  %3.0f %%  %6u  %4" G_GUINT64_FORMAT "/%-5" G_GUINT64_FORMAT "  %5u  "
                   "%-5s  %9u  %16.1f / %6.1f  %11" G_GUINT64_FORMAT "  %7" G_GUINT64_FORMAT
                   "  %18.1f  %12" G_GUINT64_FORMAT "\n",
                   journal ? "on" : "off", losses[l] * 100, redundancies[r], f.dropped, f.datagrams,
                   f.stuck, f.pedal_wrong ? "wrong" : "right", f.restored, f.restored_p50_ms,
                   f.restored_p99_ms, f.late_starts, f.skipped_starts, f.journal_bytes,
                   f.journal_only);
          {
            g_autofree char *id = g_strdup_printf ("%s.%.0f.%u", journal ? "journal" : "no_journal",
                                                   losses[l] * 100, redundancies[r]);
            g_autofree char *stuck = g_strdup_printf ("%s.stuck_notes", id);

            jn_report_add_value (jn_bench_report (), "midi-loss", stuck, "notes", JN_BETTER_LOWER,
                                 f.stuck + (f.pedal_wrong ? 1 : 0));
            if (!journal)
              continue;
            worst = MAX (worst, f.stuck + (f.pedal_wrong ? 1 : 0));
            if (f.restored > 0)
              {
                g_autofree char *p50 = g_strdup_printf ("%s.restored_off_ms.p50", id);
                g_autofree char *p99 = g_strdup_printf ("%s.restored_off_ms.p99", id);

                jn_report_add_value (jn_bench_report (), "midi-loss", p50, "ms", JN_BETTER_LOWER,
                                     f.restored_p50_ms);
                jn_report_add_value (jn_bench_report (), "midi-loss", p99, "ms", JN_BETTER_LOWER,
                                     f.restored_p99_ms);
              }
            {
              g_autofree char *bytes = g_strdup_printf ("%s.journal_bytes_per_datagram", id);

              jn_report_add_value (jn_bench_report (), "midi-loss", bytes, "bytes", JN_BETTER_LOWER,
                                   f.journal_bytes);
            }
          }
        }
  if (rc == 0)
    jn_report_add_value (jn_bench_report (), "midi-loss", "journal.stuck_notes.max", "notes",
                         JN_BETTER_LOWER, worst);
  g_print ("  (stuck: keys B still sounds once A is quiet, plus 1 when its pedal is not where A "
           "left it; lost offs: note-offs of notes B started that B did not hear, and how long "
           "after A's note-off B's key ended: by the journal, or without it by the key's next "
           "note)\n");
  jn_report_add_suite (jn_bench_report (), "midi-loss", rc == 0, NULL);
  return rc;
}
