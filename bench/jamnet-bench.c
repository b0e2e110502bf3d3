/* jamnet-bench.c: benchmarks that print figures (not tests)
 *
 *   jamnet-bench codec      ns per operation of every codec
 *   jamnet-bench loopback   one-way latency between two jamnet-cli
 *                           processes on 127.0.0.1
 *   jamnet-bench internet   one-way delay and setup time on plain UDP, ICE's
 *                           direct and relayed paths (network namespaces)
 *   jamnet-bench server     a jamnet-server's memory and CPU per room and
 *                           player, join times
 *   jamnet-bench midi-loss  MIDI through bursty loss, with and without the
 *                           recovery journal: stuck notes, restored note-offs
 *   jamnet-bench audio-path the audio callback's cost, xruns over a run
 *   jamnet-bench pnbtr      PNBTR backends (CPU, OpenCL, CUDA): samples/s
 *                           and batch latency per batch size
 *   jamnet-bench plc        conceal a loss trace in a WAV file, measure it
 *   jamnet-bench plc-trace  write a bursty loss trace
 *   jamnet-bench plc-suite  every method x loss rate over a corpus
 *   jamnet-bench plc-features  training data for PNBTR's learned blend
 *   jamnet-bench copy-codings  how well each candidate coding of an audio
 *                           packet's copies restores it, and its bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include "jn-bench-util.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-midi.h"
#include "jn-packet.h"
#include "jn-client.h"
#include "jn-secure-transport.h"
#include "jn-bench-report.h"
#include "jn-codec.h"
#include "jn-test-host.h"
#include "pnbtr-bench.h"

#define REPEATS 15

/* --- method -------------------------------------------------------------- */

typedef struct
{
  double median;
  double p95;
  double min;
  double max;
  double samples[REPEATS];   /* ns per operation, one per repeat */
} Figure;

/* Runs fn iterations times per sample, REPEATS samples after one warm-up
 * sample; returns ns per operation over the samples. */
static Figure
measure (void (*fn) (gpointer), gpointer data, guint iterations)
{
  double samples[REPEATS];
  Figure f;

  for (guint i = 0; i < iterations / 4 + 1; i++)
    fn (data);
  for (guint r = 0; r < REPEATS; r++)
    {
      gint64 start = g_get_monotonic_time ();

      for (guint i = 0; i < iterations; i++)
        fn (data);
      samples[r] = (g_get_monotonic_time () - start) * 1000.0 / iterations;
      f.samples[r] = samples[r];
    }
  qsort (samples, REPEATS, sizeof (double), jn_bench_compare_double);
  f.median = samples[REPEATS / 2];
  f.p95 = samples[(int) ceil (0.95 * REPEATS) - 1];
  f.min = samples[0];
  f.max = samples[REPEATS - 1];
  return f;
}

/* Prints a codec figure and adds it to the report as `id` (ns). */
static void
print_figure (const char *id, const char *name, Figure f, double target_ns)
{
  jn_report_add_samples (jn_bench_report (), "codec", id, "ns", JN_BETTER_LOWER, f.samples, REPEATS);
  g_print ("  %-34s %9.1f ns/op  (p95 %9.1f, min %9.1f, max %9.1f)  %11.0f op/s",
           name, f.median, f.p95, f.min, f.max, 1e9 / f.median);
  if (target_ns > 0)
    g_print ("   target %.0f ns: %s", target_ns, f.median <= target_ns ? "met" : "NOT met");
  g_print ("\n");
}

/* --- codec --------------------------------------------------------------- */

typedef struct
{
  guint8         buf[JN_PACKET_MAX_SIZE];
  gsize          size;
  JnPacket       packet;
  JnMidiEvent    event;
  JnPacketHeader header;
  JnAudioFormat  format;
  float          samples[2 * 1024];
  char          *jmid;
  JnLinkKey      key;
  guint8         sealed[JN_PACKET_MAX_SIZE];
  gsize          sealed_size;
  guint8         opened[JN_PACKET_MAX_SIZE];
  guint64        counter;
  JnCodec       *opus_enc;
  JnCodec       *opus_dec;
  volatile guint sink;
} Codec;

static void
midi_encode (gpointer data)
{
  Codec *c = data;

  c->event.seq++;
  c->size = jn_packet_encode_midi (c->buf, sizeof c->buf, &c->header, &c->event, 1);
}

static void
midi_decode (gpointer data)
{
  Codec *c = data;

  c->sink += jn_packet_decode (c->buf, c->size, &c->packet, NULL);
}

static void
jmid_encode (gpointer data)
{
  Codec *c = data;
  char *text;

  c->event.seq++;
  text = jn_midi_event_to_jmid_string (&c->event);
  c->sink += text[0];
  g_free (text);
}

static void
jmid_decode (gpointer data)
{
  Codec *c = data;
  JnMidiEvent event;

  c->sink += jn_midi_event_from_jmid_string (c->jmid, -1, &event, NULL);
}

static void
audio_encode (gpointer data)
{
  Codec *c = data;

  c->header.seq++;
  c->size = jn_packet_encode_audio (c->buf, sizeof c->buf, &c->header, &c->format, c->samples);
}

static void
audio_decode (gpointer data)
{
  Codec *c = data;

  if (jn_packet_decode (c->buf, c->size, &c->packet, NULL))
    jn_packet_audio_to_float (&c->packet, c->samples);
  c->sink += (guint) c->samples[0];
}

static void
audio_seal (gpointer data)
{
  Codec *c = data;

  c->sealed_size = jn_seal_datagram (&c->key, c->counter++, c->buf, c->size, c->sealed);
}

static void
audio_open (gpointer data)
{
  Codec *c = data;

  c->sink += (guint) jn_open_datagram (&c->key, c->sealed, c->sealed_size, c->opened, NULL);
}

static void
opus_encode (gpointer data)
{
  Codec *c = data;

  c->size = jn_codec_encode (c->opus_enc, c->samples, c->buf, sizeof c->buf);
}

static void
opus_decode (gpointer data)
{
  Codec *c = data;

  c->sink += jn_codec_decode (c->opus_dec, c->buf, c->size, c->samples + 1024);
}

/* messages per second for an encode + decode, per repeat */
static void
add_roundtrip (const char *id, const Figure *enc, const Figure *dec)
{
  double rate[REPEATS];

  for (guint r = 0; r < REPEATS; r++)
    rate[r] = 1e9 / (enc->samples[r] + dec->samples[r]);
  jn_report_add_samples (jn_bench_report (), "codec", id, "msg/s", JN_BETTER_HIGHER, rate, REPEATS);
}

static int
bench_codec (void)
{
  g_autofree Codec *c = g_new0 (Codec, 1);
  Figure enc, dec;

  c->header = (JnPacketHeader) { JN_PACKET_MIDI, 0, 2, 1, 0, 0, 123456789 };
  jn_midi_event_init_short (&c->event, 0x90, 60, 100);
  c->event.timestamp_us = 1234567890;

  g_print ("codec (median of %d samples after warm-up; seed targets: JSON 400 ns serialize, "
           "300 ns deserialize, 484,027 msg/s)\n", REPEATS);

  enc = measure (midi_encode, c, 200000);
  print_figure ("midi.encode_ns", "MIDI binary encode", enc, 400);
  dec = measure (midi_decode, c, 200000);
  print_figure ("midi.decode_ns", "MIDI binary decode", dec, 300);
  add_roundtrip ("midi.roundtrip_per_s", &enc, &dec);
  g_print ("  %-34s %9.0f msg/s (encode + decode)   target 484027: %s\n", "MIDI binary round trip",
           1e9 / (enc.median + dec.median), 1e9 / (enc.median + dec.median) >= 484027 ? "met" : "NOT met");

  c->jmid = jn_midi_event_to_jmid_string (&c->event);
  enc = measure (jmid_encode, c, 20000);
  print_figure ("jmid.encode_ns", "JMID JSON encode (json-glib)", enc, 400);
  dec = measure (jmid_decode, c, 20000);
  print_figure ("jmid.decode_ns", "JMID JSON decode (json-glib)", dec, 300);
  add_roundtrip ("jmid.roundtrip_per_s", &enc, &dec);
  g_print ("  %-34s %9.0f msg/s (encode + decode)   target 484027: %s\n", "JMID JSON round trip",
           1e9 / (enc.median + dec.median), 1e9 / (enc.median + dec.median) >= 484027 ? "met" : "NOT met");
  g_free (c->jmid);

  for (guint f = 0; f < 2; f++)
    {
      g_autofree char *enc_name = NULL, *dec_name = NULL;

      c->header.kind = JN_PACKET_AUDIO;
      c->format = (JnAudioFormat) { 48000, 128, 1, f ? JN_SAMPLE_F32 : JN_SAMPLE_S16 };
      for (guint i = 0; i < 128; i++)
        c->samples[i] = (float) sin (i * 0.1) * 0.5f;
      enc_name = g_strdup_printf ("audio 128 frames %s encode", f ? "f32" : "s16");
      dec_name = g_strdup_printf ("audio 128 frames %s decode", f ? "f32" : "s16");
      print_figure (f ? "audio.f32.encode_ns" : "audio.s16.encode_ns", enc_name,
                    measure (audio_encode, c, 100000), 0);
      print_figure (f ? "audio.f32.decode_ns" : "audio.s16.decode_ns", dec_name,
                    measure (audio_decode, c, 100000), 0);

      /* sealing (docs/protocol.md 3.5) of the datagram just encoded, with
       * each AEAD this CPU runs; a session uses AES-256-GCM where both
       * ends can, so that is the figure the target is on */
      for (JnCipher cipher = JN_CIPHER_XCHACHA20_POLY1305; cipher <= JN_CIPHER_AES256_GCM; cipher++)
        {
          const char *fmt = f ? "f32" : "s16";
          gboolean session_cipher = cipher == JN_CIPHER_AES256_GCM || !jn_cipher_aes_available ();
          g_autofree char *seal_id = g_strdup_printf ("%s.%s.seal_ns", jn_cipher_to_string (cipher), fmt);
          g_autofree char *open_id = g_strdup_printf ("%s.%s.open_ns", jn_cipher_to_string (cipher), fmt);

          if (cipher == JN_CIPHER_AES256_GCM && !jn_cipher_aes_available ())
            {
              g_print ("  %-34s SKIP: this CPU has no AES instructions\n", "AES-256-GCM");
              continue;
            }
          g_free (enc_name);
          g_free (dec_name);
          enc_name = g_strdup_printf ("%s seal (%s)", fmt, jn_cipher_to_string (cipher));
          dec_name = g_strdup_printf ("%s open (%s)", fmt, jn_cipher_to_string (cipher));
          jn_link_key_generate (&c->key, cipher);
          audio_encode (c);
          print_figure (seal_id, enc_name, measure (audio_seal, c, 100000),
                        session_cipher ? 1000 : 0);
          if (jn_open_datagram (&c->key, c->sealed, c->sealed_size, c->opened, NULL) != c->size)
            {
              g_printerr ("a sealed datagram did not open\n");
              return 1;
            }
          print_figure (open_id, dec_name, measure (audio_open, c, 100000),
                        session_cipher ? 1000 : 0);
        }
    }
  /* Opus (docs/codec.md): one packet coded and decoded, mono, a session's
   * default bitrate; a mix server does one decode per player and one
   * encode per personal mix each period */
  for (guint frames = 64; frames <= 128; frames *= 2)
    {
      JnAudioFormat format = { 48000, frames, 1, JN_SAMPLE_OPUS, JN_OPUS_DEFAULT_BITRATE };
      g_autofree char *enc_id = g_strdup_printf ("opus.%u.encode_ns", frames);
      g_autofree char *dec_id = g_strdup_printf ("opus.%u.decode_ns", frames);
      g_autofree char *enc_name = g_strdup_printf ("Opus %u frames 128 kbit/s encode", frames);
      g_autofree char *dec_name = g_strdup_printf ("Opus %u frames 128 kbit/s decode", frames);

      c->opus_enc = jn_codec_new_encoder (&format, NULL);
      c->opus_dec = jn_codec_new_decoder (&format, NULL);
      for (guint i = 0; i < frames; i++)
        c->samples[i] = (float) (sin (i * 0.1) * 0.4 + sin (i * 0.37) * 0.1);
      print_figure (enc_id, enc_name, measure (opus_encode, c, 20000), 0);
      opus_encode (c);
      print_figure (dec_id, dec_name, measure (opus_decode, c, 20000), 0);
      g_clear_pointer (&c->opus_enc, jn_codec_free);
      g_clear_pointer (&c->opus_dec, jn_codec_free);
    }
  {
    static const char *const figures[] = { "midi.encode_ns", "midi.decode_ns", "jmid.encode_ns",
                                           "jmid.decode_ns", "audio.s16.encode_ns",
                                           "audio.s16.decode_ns", "audio.f32.encode_ns",
                                           "audio.f32.decode_ns", "aes256gcm.s16.seal_ns",
                                           "aes256gcm.s16.open_ns", "aes256gcm.f32.seal_ns",
                                           "aes256gcm.f32.open_ns", NULL };

    jn_bench_percentile_chart ("codec", "codec: time per operation", "ns", figures);
  }
  jn_report_add_suite (jn_bench_report (), "codec", TRUE, NULL);
  return 0;
}

/* --- loopback ------------------------------------------------------------ */

char *
jn_bench_program_path (const char *argv0,
                       const char *variable,
                       const char *subdir,
                       const char *name)
{
  g_autofree char *dir = NULL;
  char *path;

  if (g_getenv (variable) != NULL)
    return g_strdup (g_getenv (variable));
  dir = g_path_get_dirname (argv0);
  path = g_build_filename (dir, "..", "src", subdir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return path;
  g_free (path);
  return g_find_program_in_path (name);
}

char *
jn_bench_cli_path (const char *argv0)
{
  return jn_bench_program_path (argv0, "JAMNET_CLI", "cli", "jamnet-cli");
}

static void
print_summary (const char *id, const char *name, JsonObject *peer, const char *member)
{
  JsonObject *s = json_object_get_object_member (peer, member);
  JnDescription d = {
    (guint) json_object_get_int_member (s, "count"), json_object_get_double_member (s, "mean"),
    json_object_get_double_member (s, "p50"), json_object_get_double_member (s, "p95"),
    json_object_get_double_member (s, "p99"), json_object_get_double_member (s, "max"), NAN,
  };

  jn_report_add_summary (jn_bench_report (), "loopback", id, "ms", JN_BETTER_LOWER, &d);
  g_print ("  %-28s p50 %8.3f ms  p95 %8.3f  p99 %8.3f  max %8.3f  (n = %" G_GINT64_FORMAT ")\n",
           name, json_object_get_double_member (s, "p50"), json_object_get_double_member (s, "p95"),
           json_object_get_double_member (s, "p99"), json_object_get_double_member (s, "max"),
           json_object_get_int_member (s, "count"));
}

static void
on_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  jn_client_join_finish (JN_CLIENT (source), result, error);
  *(gboolean *) g_object_get_data (source, "done") = TRUE;
}

/* Connection set-up: hello to roster, in this process, `n` times. */
static gboolean
measure_connect (const char *url, double *ms, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JnMediaEngine) engine = jn_media_engine_new_sealed ("127.0.0.1", 0, error);
      g_autoptr(JnClient) client = NULL;
      gboolean done = FALSE;
      double t0;

      if (engine == NULL)
        return FALSE;
      client = jn_client_new (engine, "connect-probe", NULL);
      g_object_set_data (G_OBJECT (client), "done", &done);
      t0 = jn_bench_now_ns ();
      jn_client_join_async (client, url, NULL, on_joined, error);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      ms[i] = (jn_bench_now_ns () - t0) / 1e6;
      if (*error != NULL)
        return FALSE;
      jn_client_leave (client);
    }
  return TRUE;
}

/* One host and one joiner, sealed or clear (--insecure on both): the
 * joiner's stats of the host.  Also times connection set-up when connect
 * is not NULL. */
static JsonObject *
run_pair (const char *cli, const char *dir, gboolean insecure, JsonParser *parser,
          double *connect, guint n_connect, GError **error)
{
  g_autofree char *stats = g_build_filename (dir, insecure ? "clear.json" : "sealed.json", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *url = NULL;
  JsonObject *root;

  /* the host sends 2000 MIDI events 2 ms apart; the joiner measures them */
  host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, error,
                           cli, "host", "--port", "0", "--bind", "127.0.0.1", "-q", "--duration", "60",
                           "--midi-test", "2000", "--midi-interval", "2",
                           insecure ? "--insecure" : NULL, NULL);
  if (host == NULL)
    return NULL;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  url = jn_test_read_host_url (out);
  if (url == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the host did not start");
      g_subprocess_force_exit (host);
      return NULL;
    }
  join = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, error, cli, "join", url,
                           "--bind", "127.0.0.1", "-q", "--duration", "6", "--stats-json", stats,
                           insecure ? "--insecure" : NULL, NULL);
  if (join == NULL || !g_subprocess_wait_check (join, NULL, error))
    {
      g_subprocess_force_exit (host);
      return NULL;
    }
  /* after the latency run, so that both runs see the same host */
  if (connect != NULL && !measure_connect (url, connect, n_connect, error))
    {
      g_subprocess_force_exit (host);
      return NULL;
    }
  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, NULL);
  if (!json_parser_load_from_file (parser, stats, error))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  return json_array_get_object_element (json_object_get_array_member (root, "peers"), 0);
}

#define RUNS 3

static double
p99_of (JsonObject *peer, const char *member)
{
  return json_object_get_double_member (json_object_get_object_member (peer, member), "p99");
}

static int
bench_loopback (const char *argv0)
{
  double connect[12];   /* within the host's hellos per address (docs/protocol.md) */
  g_autoptr(GError) error = NULL;
  g_autofree char *cli = jn_bench_cli_path (argv0);
  g_autofree char *dir = g_dir_make_tmp ("jamnet-bench-XXXXXX", &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *peer;

  if (cli == NULL || dir == NULL)
    {
      g_printerr ("jamnet-cli not found (set JAMNET_CLI)\n");
      return 1;
    }

  g_print ("loopback: two jamnet-cli processes on 127.0.0.1, 48 kHz / 128 frames, "
           "2000 MIDI events 2 ms apart (target: < 1 ms local latency; sealing adds "
           "nothing measurable at p99)\n");
  peer = run_pair (cli, dir, FALSE, parser, connect, G_N_ELEMENTS (connect), &error);
  if (peer == NULL)
    goto fail;
  jn_report_add_samples (jn_bench_report (), "loopback", "connect_ms", "ms", JN_BETTER_LOWER,
                         connect, G_N_ELEMENTS (connect));
  print_summary ("midi.one_way_ms", "MIDI one-way", peer, "midi_one_way_ms");
  print_summary ("audio.one_way_ms", "audio one-way", peer, "one_way_ms");
  print_summary ("sync.rtt_ms", "clock-sync RTT", peer, "rtt_ms");
  print_summary ("jitter_ms", "interarrival jitter", peer, "jitter_ms");
  jn_report_add_value (jn_bench_report (), "loopback", "midi.delivery_pct", "%", JN_BETTER_HIGHER,
                       100.0 * json_object_get_int_member (peer, "midi_events") / 2000.0);
  g_print ("  MIDI delivered %" G_GINT64_FORMAT " of 2000, audio lost %" G_GINT64_FORMAT
           ", late %" G_GINT64_FORMAT "\n",
           json_object_get_int_member (peer, "midi_events"), json_object_get_int_member (peer, "lost"),
           json_object_get_int_member (peer, "late"));

  /* the same in the clear, for what sealing costs: p99s swing by a
   * millisecond from run to run on a busy machine, so the two are run in
   * turn, RUNS each, and their medians compared against that spread */
  g_print ("  sealed and clear (--insecure), %d runs each in turn, p99 of one-way delay:\n", RUNS);
  {
    double p99[2][2][RUNS];   /* [sealed?][midi, audio][run] */
    double median[2][2], spread[2];
    static const char *const figures[] = { "midi.one_way_ms", "audio.one_way_ms", "sync.rtt_ms",
                                           "jitter_ms", "clear.midi.one_way_ms",
                                           "clear.audio.one_way_ms", NULL };

    p99[1][0][0] = p99_of (peer, "midi_one_way_ms");
    p99[1][1][0] = p99_of (peer, "one_way_ms");
    for (guint r = 0; r < RUNS; r++)
      for (guint sealed = 0; sealed < 2; sealed++)
        {
          g_autoptr(JsonParser) run_parser = json_parser_new ();
          JsonObject *o;

          if (sealed && r == 0)
            continue;   /* the first sealed run is the one above */
          o = run_pair (cli, dir, !sealed, run_parser, NULL, 0, &error);
          if (o == NULL)
            goto fail;
          if (!sealed && r == 0)
            {
              print_summary ("clear.midi.one_way_ms", "MIDI one-way, clear", o, "midi_one_way_ms");
              print_summary ("clear.audio.one_way_ms", "audio one-way, clear", o, "one_way_ms");
            }
          p99[sealed][0][r] = p99_of (o, "midi_one_way_ms");
          p99[sealed][1][r] = p99_of (o, "one_way_ms");
        }
    for (guint sealed = 0; sealed < 2; sealed++)
      {
        for (guint k = 0; k < 2; k++)
          {
            double sorted[RUNS];

            memcpy (sorted, p99[sealed][k], sizeof sorted);
            qsort (sorted, RUNS, sizeof (double), jn_bench_compare_double);
            median[sealed][k] = sorted[RUNS / 2];
          }
        g_print ("    %-7s MIDI", sealed ? "sealed" : "clear");
        for (guint r = 0; r < RUNS; r++)
          g_print (" %.3f", p99[sealed][0][r]);
        g_print ("  audio");
        for (guint r = 0; r < RUNS; r++)
          g_print (" %.3f", p99[sealed][1][r]);
        g_print (" ms\n");
      }
    for (guint k = 0; k < 2; k++)
      {
        double lo = p99[0][k][0], hi = p99[0][k][0];

        for (guint r = 1; r < RUNS; r++)
          {
            lo = MIN (lo, p99[0][k][r]);
            hi = MAX (hi, p99[0][k][r]);
          }
        spread[k] = hi - lo;
      }
    jn_report_add_value (jn_bench_report (), "loopback", "sealing.midi_p99_cost_ms", "ms",
                         JN_BETTER_LOWER, median[1][0] - median[0][0]);
    jn_report_add_value (jn_bench_report (), "loopback", "sealing.audio_p99_cost_ms", "ms",
                         JN_BETTER_LOWER, median[1][1] - median[0][1]);
    g_print ("  sealed minus clear, medians of p99: MIDI %+.3f ms (clear runs spread %.3f), "
             "audio %+.3f ms (spread %.3f); target no measurable difference (within the "
             "spread, or 0.05 ms): %s\n",
             median[1][0] - median[0][0], spread[0], median[1][1] - median[0][1], spread[1],
             median[1][0] - median[0][0] <= MAX (spread[0], 0.05) &&
             median[1][1] - median[0][1] <= MAX (spread[1], 0.05) ? "met" : "NOT met");
    jn_bench_percentile_chart ("loopback", "loopback: latency percentiles", "ms", figures);
  }
  jn_report_add_suite (jn_bench_report (), "loopback", TRUE, NULL);
  g_print ("  target < 1 ms MIDI one-way p99: %s\n",
           p99_of (peer, "midi_one_way_ms") < 1.0 ? "met" : "NOT met");
  return 0;

fail:
  g_printerr ("loopback benchmark failed: %s\n", error ? error->message : "?");
  return 1;
}

static void
print_usage (FILE *to)
{
  fprintf (to, "usage: jamnet-bench SUITE [OPTIONS] [--json|--csv|--html|--pdf FILE]\n"
               "         [--save-baseline NAME] [--baseline NAME [--fail-on-regression]]\n"
               "  suites: all, codec, loopback, mesh, audio-path, pnbtr, plc-suite, soak, server,\n"
               "          internet, hub, midi-loss, drift\n"
               "  tools:  report --from FILE --format html|pdf|csv, plc, plc-trace, plc-features,\n"
               "          copy-codings\n"
               "  (--help after each)\n");
}

static const char *suite_names[] = { "codec", "loopback", "mesh", "audio-path", "pnbtr",
                                     "plc-suite", "soak", "server", "internet", "hub", "midi-loss",
                                     "drift", NULL };

static int
run_suite (const char *argv0, int argc, char **argv)
{
  const char *suite = argv[0];

  if (g_str_equal (suite, "codec"))
    return bench_codec ();
  if (g_str_equal (suite, "loopback"))
    return bench_loopback (argv0);
  if (g_str_equal (suite, "mesh"))
    return jn_bench_mesh (argc, argv);
  if (g_str_equal (suite, "soak"))
    return jn_bench_soak (argv0, argc, argv);
  if (g_str_equal (suite, "server"))
    return jn_bench_server (argv0, argc, argv);
  if (g_str_equal (suite, "internet"))
    return jn_bench_internet (argv0, argc, argv);
  if (g_str_equal (suite, "hub"))
    return jn_bench_hub (argv0, argc, argv);
  if (g_str_equal (suite, "midi-loss"))
    return jn_bench_midi_loss (argc, argv);
  if (g_str_equal (suite, "drift"))
    return jn_bench_drift (argc, argv);
  if (g_str_equal (suite, "plc-suite"))
    return jn_bench_plc_suite (argc, argv);
  if (g_str_equal (suite, "audio-path"))
    return jn_bench_audio_path (argc, argv);
  if (g_str_equal (suite, "pnbtr"))
    return jn_bench_pnbtr (argc, argv);
  return -1;
}

/* every suite with quick settings, one report */
static int
run_all (const char *argv0)
{
  g_autofree char *corpus = g_build_filename (JN_SOURCE_DIR, "tests", "data", NULL);
  char *plc[] = { "plc-suite", "--corpus", corpus, "--methods", "zero,repeat,burg,burg:1024:8192,pnbtr",
                  NULL };
  char *audio[] = { "audio-path", "5", NULL };
  char *pnbtr[] = { "pnbtr", "--seconds", "0.3", NULL };
  char *soak[] = { "soak", "--seconds", "20", NULL };
  char *internet[] = { "internet", "--seconds", "5", NULL };
  char *hub[] = { "hub", "--seconds", "3", NULL };
  char *drift[] = { "drift", "--seconds", "20", NULL };
  int rc = 0;

  for (guint i = 0; suite_names[i] != NULL; i++)
    {
      char *plain[] = { (char *) suite_names[i], NULL };
      char **args = g_str_equal (suite_names[i], "plc-suite") ? plc
                    : g_str_equal (suite_names[i], "audio-path") ? audio
                    : g_str_equal (suite_names[i], "pnbtr") ? pnbtr
                    : g_str_equal (suite_names[i], "soak") ? soak
                    : g_str_equal (suite_names[i], "internet") ? internet
                    : g_str_equal (suite_names[i], "hub") ? hub
                    : g_str_equal (suite_names[i], "drift") ? drift : plain;

      g_print ("\n=== %s ===\n", suite_names[i]);
      if (run_suite (argv0, (int) g_strv_length (args), args) != 0)
        {
          jn_report_add_suite (jn_bench_report (), suite_names[i], FALSE, "the suite failed");
          rc = 1;
        }
    }
  return rc;
}

int
main (int argc, char *argv[])
{
  int rc;

  setlocale (LC_ALL, "");
  /* the reports' headings and words in the reader's language
   * (JAMNET_LOCALEDIR: the build tree's translations) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* tools, not suites: no report */
  if (argc >= 2 && g_str_equal (argv[1], "report"))
    return jn_bench_report_command (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "plc"))
    return jn_bench_plc (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "plc-trace"))
    return jn_bench_plc_trace (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "copy-codings"))
    return jn_bench_copy_codings (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "plc-features"))
    return jn_bench_plc_features (argc - 1, argv + 1);

  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      print_usage (stdout);
      return 0;
    }
  /* the suites without options of their own still answer --help */
  for (int i = 2; i < argc; i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      {
        static const struct { const char *suite, *options, *what; } plain[] = {
          { "all", "", "every suite with quick settings, one report" },
          { "codec", "", "ns per operation of every codec" },
          { "loopback", "", "one-way latency between two jamnet-cli processes on 127.0.0.1" },
          { "soak", "[--seconds S] ", "a host and a player held for a while (default 60 s)" },
          { "server", "[--rooms R] [--players P] ",
            "a jamnet-server's memory, CPU and join times (default 50 rooms of 4)" },
          { "mesh", "[SECONDS] ", "2, 4 and 8 peers in one process, full mesh (default 5 s a size)" },
          { "audio-path", "[SECONDS] ", "the audio callback's cost, the media thread's with 16 peers, copies and loss, xruns over a run (default 60 s)" },
        };

        for (guint k = 0; k < G_N_ELEMENTS (plain); k++)
          if (g_str_equal (argv[1], plain[k].suite))
            {
              g_print ("usage: jamnet-bench %s %s[--json|--csv|--html|--pdf FILE]\n  %s\n",
                       plain[k].suite, plain[k].options, plain[k].what);
              return 0;
            }
      }
  if (jn_bench_report_parse (&argc, argv) != 0)
    return 2;
  if (argc >= 2 && g_str_equal (argv[1], "all"))
    rc = run_all (argv[0]);
  else if (argc < 2 || (rc = run_suite (argv[0], argc - 1, argv + 1)) < 0)
    {
      print_usage (stderr);
      return 2;
    }
  if (rc == 2)   /* a usage error: nothing was measured */
    return rc;
  {
    int finish = jn_bench_report_finish (jn_bench_gpu_device ());

    return rc != 0 ? rc : finish;
  }
}
