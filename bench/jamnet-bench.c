/* jamnet-bench.c: benchmarks that print figures (not tests)
 *
 *   jamnet-bench codec      ns per operation of every codec
 *   jamnet-bench loopback   one-way latency between two jamnet-cli
 *                           processes on 127.0.0.1
 *   jamnet-bench audio-path the audio callback's cost, xruns over a run
 *   jamnet-bench pnbtr      PNBTR backends (CPU, OpenCL, CUDA): samples/s
 *                           and batch latency per batch size
 *   jamnet-bench plc        conceal a loss trace in a WAV file, measure it
 *   jamnet-bench plc-trace  write a bursty loss trace
 *   jamnet-bench plc-suite  every method x loss rate over a corpus
 *   jamnet-bench plc-features  training data for PNBTR's learned blend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include "jn-bench-util.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-midi.h"
#include "jn-packet.h"
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
    }
  qsort (samples, REPEATS, sizeof (double), jn_bench_compare_double);
  f.median = samples[REPEATS / 2];
  f.p95 = samples[(int) ceil (0.95 * REPEATS) - 1];
  f.min = samples[0];
  f.max = samples[REPEATS - 1];
  return f;
}

static void
print_figure (const char *name, Figure f, double target_ns)
{
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
  print_figure ("MIDI binary encode", enc, 400);
  dec = measure (midi_decode, c, 200000);
  print_figure ("MIDI binary decode", dec, 300);
  g_print ("  %-34s %9.0f msg/s (encode + decode)   target 484027: %s\n", "MIDI binary round trip",
           1e9 / (enc.median + dec.median), 1e9 / (enc.median + dec.median) >= 484027 ? "met" : "NOT met");

  c->jmid = jn_midi_event_to_jmid_string (&c->event);
  enc = measure (jmid_encode, c, 20000);
  print_figure ("JMID JSON encode (json-glib)", enc, 400);
  dec = measure (jmid_decode, c, 20000);
  print_figure ("JMID JSON decode (json-glib)", dec, 300);
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
      print_figure (enc_name, measure (audio_encode, c, 100000), 0);
      print_figure (dec_name, measure (audio_decode, c, 100000), 0);
    }
  return 0;
}

/* --- loopback ------------------------------------------------------------ */

static char *
cli_path (const char *argv0)
{
  g_autofree char *dir = NULL;
  char *path;

  if (g_getenv ("JAMNET_CLI") != NULL)
    return g_strdup (g_getenv ("JAMNET_CLI"));
  dir = g_path_get_dirname (argv0);
  path = g_build_filename (dir, "..", "src", "cli", "jamnet-cli", NULL);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return path;
  g_free (path);
  return g_find_program_in_path ("jamnet-cli");
}

static void
print_summary (const char *name, JsonObject *peer, const char *member)
{
  JsonObject *s = json_object_get_object_member (peer, member);

  g_print ("  %-28s p50 %8.3f ms  p95 %8.3f  p99 %8.3f  max %8.3f  (n = %" G_GINT64_FORMAT ")\n",
           name, json_object_get_double_member (s, "p50"), json_object_get_double_member (s, "p95"),
           json_object_get_double_member (s, "p99"), json_object_get_double_member (s, "max"),
           json_object_get_int_member (s, "count"));
}

static int
bench_loopback (const char *argv0)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cli = cli_path (argv0);
  g_autofree char *dir = g_dir_make_tmp ("jamnet-bench-XXXXXX", &error);
  g_autofree char *stats = NULL;
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *url = NULL;
  JsonObject *root, *peer;

  if (cli == NULL || dir == NULL)
    {
      g_printerr ("jamnet-cli not found (set JAMNET_CLI)\n");
      return 1;
    }
  stats = g_build_filename (dir, "join.json", NULL);

  /* the host sends 2000 MIDI events 2 ms apart; the joiner measures them */
  host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "host", "--port", "0",
                           "--bind", "127.0.0.1", "-q", "--duration", "60",
                           "--midi-test", "2000", "--midi-interval", "2", NULL);
  if (host == NULL)
    goto fail;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  url = jn_test_read_host_url (out);
  if (url == NULL)
    {
      g_printerr ("the host did not start\n");
      return 1;
    }

  g_print ("loopback: two jamnet-cli processes on 127.0.0.1, 48 kHz / 128 frames, "
           "2000 MIDI events 2 ms apart (target: < 1 ms local latency)\n");
  join = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli, "join", url, "--bind", "127.0.0.1",
                           "-q", "--duration", "6", "--stats-json", stats, NULL);
  if (join == NULL || !g_subprocess_wait_check (join, NULL, &error))
    goto fail;
  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, NULL);

  if (!json_parser_load_from_file (parser, stats, &error))
    goto fail;
  root = json_node_get_object (json_parser_get_root (parser));
  peer = json_array_get_object_element (json_object_get_array_member (root, "peers"), 0);
  print_summary ("MIDI one-way", peer, "midi_one_way_ms");
  print_summary ("audio one-way", peer, "one_way_ms");
  print_summary ("clock-sync RTT", peer, "rtt_ms");
  print_summary ("interarrival jitter", peer, "jitter_ms");
  g_print ("  MIDI delivered %" G_GINT64_FORMAT " of 2000, audio lost %" G_GINT64_FORMAT
           ", late %" G_GINT64_FORMAT "\n",
           json_object_get_int_member (peer, "midi_events"), json_object_get_int_member (peer, "lost"),
           json_object_get_int_member (peer, "late"));
  g_print ("  target < 1 ms MIDI one-way p99: %s\n",
           json_object_get_double_member (json_object_get_object_member (peer, "midi_one_way_ms"), "p99") < 1.0
           ? "met" : "NOT met");
  return 0;

fail:
  g_printerr ("loopback benchmark failed: %s\n", error ? error->message : "?");
  if (host != NULL)
    g_subprocess_force_exit (host);
  return 1;
}

int
jn_bench_fail (const char *message)
{
  g_printerr ("jamnet-bench: %s\n", message);
  return 1;
}

int
jn_bench_compare_strings (const char **a, const char **b)
{
  return strcmp (*a, *b);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "");

  if (argc == 2 && g_str_equal (argv[1], "codec"))
    return bench_codec ();
  if (argc == 2 && g_str_equal (argv[1], "loopback"))
    return bench_loopback (argv[0]);
  if (argc >= 2 && g_str_equal (argv[1], "plc"))
    return jn_bench_plc (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "plc-trace"))
    return jn_bench_plc_trace (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "plc-suite"))
    return jn_bench_plc_suite (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "audio-path"))
    return jn_bench_audio_path (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "pnbtr"))
    return pnbtr_bench_main (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "plc-features"))
    return jn_bench_plc_features (argc - 1, argv + 1);

  g_printerr ("usage: jamnet-bench codec | loopback | audio-path | pnbtr | plc | plc-trace | plc-suite | plc-features"
              "  (--help after each)\n");
  return 2;
}
