/* test-cli.c: two real jamnet-cli processes on 127.0.0.1 stream the test
 * tone and MIDI to each other; each recording must equal what the other
 * side sent, sample for sample, and MIDI must arrive complete and in order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include <stdarg.h>

#include <sys/stat.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "jn-test-host.h"
#include "jn-test-signal.h"
#include "jn-wav.h"

#define RATE   48000
#define FRAMES 128

static const char *
cli_path (void)
{
  const char *path = g_getenv ("JAMNET_CLI");

  if (path == NULL)
    g_error ("JAMNET_CLI is not set; run through meson test");
  return path;
}

/* children die with the test, so a failing test leaves no host behind */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn (GSubprocessFlags flags, GError **error, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  va_list args;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) cli_path ());
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

/* Reads the host's stdout until it prints its URL. */
static char *
read_url (GSubprocess *host)
{
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  char *url = jn_test_read_host_url (in);

  if (url == NULL)
    g_error ("the host exited without printing its URL");
  return url;
}

static JsonObject *
load_json (JsonParser *parser, const char *path)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static JsonObject *
find_peer (JsonObject *stats, gint64 id)
{
  JsonArray *peers = json_object_get_array_member (stats, "peers");

  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);

      if (json_object_get_int_member (peer, "id") == id)
        return peer;
    }
  g_error ("no peer %" G_GINT64_FORMAT " in the stats", id);
}

/* The recording starts at the first packet played; the sender's packet n
 * carries frames n*FRAMES.. of its tone. */
static void
check_recording (JsonObject *peer, double min_seconds)
{
  const char *path = json_object_get_string_member (peer, "record_file");
  gint64 first = json_object_get_int_member (peer, "playout_first_seq");
  gboolean departed = json_object_get_boolean_member (peer, "departed");
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = jn_wav_load (path, &error);
  g_autofree float *expected = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (wav->rate, ==, RATE);
  g_assert_cmpuint (wav->channels, ==, 1);
  g_assert_cmpuint (wav->frames % FRAMES, ==, 0);
  g_assert_cmpfloat (wav->frames, >=, min_seconds * RATE);
  g_assert_cmpint (json_object_get_int_member (peer, "lost"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (peer, "concealed"), ==, 0);

  expected = g_new (float, wav->frames);
  jn_test_signal_fill (expected, (guint) wav->frames, 1, RATE, (guint64) first * FRAMES);
  for (gsize i = 0; i < wav->frames; i++)
    {
      float q = lrintf (expected[i] * 32768.f) / 32768.f;

      /* a peer that left: its last period fades out (the recording is
       * s16 too: within a step of the faded signal) */
      if (departed && i >= wav->frames - FRAMES)
        {
          if (fabsf (wav->samples[i]) > fabsf (q) + 1.f / 32768.f)
            g_error ("%s: sample %" G_GSIZE_FORMAT " of the fade is %f, sent %f", path, i,
                     wav->samples[i], q);
        }
      else if (wav->samples[i] != q)
        g_error ("%s: sample %" G_GSIZE_FORMAT " is %f, sent %f", path, i, wav->samples[i], q);
    }
  if (departed)
    g_assert_cmpfloat (fabsf (wav->samples[wav->frames - 1]), <=, 1.f / 32768.f);
}

static void
check_midi (const char *path, guint64 from, guint expected_events)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++, n++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *line, *event;
      const char *type = n % 2 == 0 ? "n+" : "n-";

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      line = json_node_get_object (json_parser_get_root (parser));
      event = json_object_get_object_member (line, "event");
      g_assert_cmpint (json_object_get_int_member (line, "from"), ==, from);
      /* in order, none missing, none twice; the CLI's test pattern */
      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, n);
      g_assert_cmpstr (json_object_get_string_member (event, "t"), ==, type);
      g_assert_cmpint (json_object_get_int_member (event, "n"), ==, 60 + (n / 2) % 24);
    }
  g_assert_cmpuint (n, ==, expected_events);
}

static void
test_two_processes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *host_wav = g_build_filename (dir, "host.wav", NULL);
  g_autofree char *host_midi = g_build_filename (dir, "host-midi.jsonl", NULL);
  g_autofree char *host_json = g_build_filename (dir, "host.json", NULL);
  g_autofree char *join_wav = g_build_filename (dir, "join.wav", NULL);
  g_autofree char *join_midi = g_build_filename (dir, "join-midi.jsonl", NULL);
  g_autofree char *join_json = g_build_filename (dir, "join.json", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(JsonParser) host_parser = json_parser_new ();
  g_autoptr(JsonParser) join_parser = json_parser_new ();
  g_autofree char *url = NULL;
  JsonObject *host_stats, *join_stats, *peer;

  g_assert_no_error (error);
  /* the host sends MIDI plainly, the joiner with 3x burst redundancy */
  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                "host", "--port", "0", "--bind", "127.0.0.1", "--name", "Host", "-q",
                "--duration", "60", "--jitter-depth", "16",
                "--record", host_wav, "--record-midi", host_midi, "--stats-json", host_json,
                "--midi-test", "30", "--midi-interval", "5", NULL);
  g_assert_no_error (error);
  url = read_url (host);

  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                "join", url, "--bind", "127.0.0.1", "--name", "Joiner", "-q",
                "--duration", "2.5", "--jitter-depth", "16",
                "--record", join_wav, "--record-midi", join_midi, "--stats-json", join_json,
                "--midi-test", "40", "--midi-interval", "5", "--midi-redundancy", "3", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (join, NULL, &error));
  g_assert_no_error (error);

  /* let the host play out the joiner's last packets, then end it */
  g_usleep (500000);
  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
  g_assert_no_error (error);

  host_stats = load_json (host_parser, host_json);
  join_stats = load_json (join_parser, join_json);
  g_assert_cmpstr (json_object_get_string_member (host_stats, "role"), ==, "host");
  g_assert_cmpint (json_object_get_int_member (join_stats, "local_id"), ==, 2);

  /* the host heard the joiner from its first packet to its bye */
  peer = find_peer (host_stats, 2);
  g_assert_cmpstr (json_object_get_string_member (peer, "name"), ==, "Joiner");
  g_assert_true (json_object_get_boolean_member (peer, "departed"));
  g_assert_true (json_object_get_boolean_member (peer, "said_bye"));
  /* its media waits for the host's consent: a few periods at most */
  g_assert_cmpint (json_object_get_int_member (peer, "playout_first_seq"), <, 10);
  g_assert_cmpint (json_object_get_int_member (peer, "played"), ==,
                   json_object_get_int_member (peer, "audio_packets"));
  g_assert_cmpint (json_object_get_int_member (peer, "duplicates"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (peer, "midi_events"), ==, 40);
  g_assert_cmpint (json_object_get_int_member (peer, "midi_duplicates"), ==, 80);
  g_assert_cmpint (json_object_get_int_member (peer, "midi_missing"), ==, 0);
  check_recording (peer, 2.0);
  check_midi (host_midi, 2, 40);

  peer = find_peer (join_stats, 1);
  g_assert_cmpstr (json_object_get_string_member (peer, "name"), ==, "Host");
  g_assert_true (json_object_get_boolean_member (peer, "synced"));
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (peer, "rtt_ms"), "p50"),
                     >, 0.0);
  g_assert_cmpint (json_object_get_int_member (peer, "midi_events"), ==, 30);
  g_assert_cmpint (json_object_get_int_member (peer, "midi_duplicates"), ==, 0);
  check_recording (peer, 1.5);
  check_midi (join_midi, 1, 30);

  g_assert_cmpint (json_object_get_int_member (host_stats, "dropped_malformed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (join_stats, "dropped_malformed"), ==, 0);
}

/* The SNR in dB of a recording of the CLI's tone, coded with Opus: the
 * decoded audio lags what was sent by the codec's 64 frames. */
static double
opus_recording_snr (JsonObject *peer)
{
  const char *path = json_object_get_string_member (peer, "record_file");
  gint64 first = json_object_get_int_member (peer, "playout_first_seq");
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = jn_wav_load (path, &error);
  g_autofree float *expected = NULL;
  double sig = 0, err = 0;

  g_assert_no_error (error);
  g_assert_cmpfloat (wav->frames, >=, RATE);
  expected = g_new (float, wav->frames);
  jn_test_signal_fill (expected, (guint) wav->frames, 1, RATE, (guint64) first * FRAMES - 64);
  /* past the decoder's first frames */
  for (gsize i = 4 * FRAMES; i < wav->frames; i++)
    {
      sig += (double) expected[i] * expected[i];
      err += ((double) wav->samples[i] - expected[i]) * ((double) wav->samples[i] - expected[i]);
    }
  return 10.0 * log10 (sig / MAX (err, 1e-20));
}

/* A host that chooses Opus: the joiner learns it from the welcome, both
 * code and decode at the host's bitrate, and nothing fails to decode. */
static void
test_opus (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *host_wav = g_build_filename (dir, "host.wav", NULL);
  g_autofree char *host_json = g_build_filename (dir, "host.json", NULL);
  g_autofree char *join_json = g_build_filename (dir, "join.json", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL, bad = NULL;
  g_autoptr(JsonParser) host_parser = json_parser_new ();
  g_autoptr(JsonParser) join_parser = json_parser_new ();
  g_autoptr(GInputStream) bad_err = NULL;
  g_autofree char *url = NULL;
  char message[512] = { 0 };
  gsize got = 0;
  JsonObject *host_stats, *join_stats;

  g_assert_no_error (error);
  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                "host", "--port", "0", "--bind", "127.0.0.1", "-q", "--duration", "60",
                "--jitter-depth", "16", "--codec", "opus", "--bitrate", "96",
                "--record", host_wav, "--stats-json", host_json, NULL);
  g_assert_no_error (error);
  url = read_url (host);
  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "join", url, "--bind", "127.0.0.1",
                "-q", "--duration", "2", "--jitter-depth", "16", "--stats-json", join_json, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (join, NULL, &error));
  g_usleep (300000);
  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
  g_assert_no_error (error);

  host_stats = load_json (host_parser, host_json);
  join_stats = load_json (join_parser, join_json);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *stats = i ? join_stats : host_stats;
      JsonObject *format = json_object_get_object_member (stats, "format");
      JsonObject *peer = find_peer (stats, i ? 1 : 2);

      g_assert_cmpstr (json_object_get_string_member (format, "codec"), ==, "opus");
      g_assert_cmpint (json_object_get_int_member (format, "bitrate"), ==, 96000);
      g_assert_cmpint (json_object_get_int_member (stats, "dropped_malformed"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (stats, "encode_errors"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (peer, "decode_errors"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (peer, "audio_packets"), >, 500);
    }
  /* what the host heard of the joiner's tone follows it closely */
  {
    double snr = opus_recording_snr (find_peer (host_stats, 2));

    g_test_message ("the joiner's tone through Opus at 96 kbit/s: SNR %.1f dB", snr);
    g_assert_cmpfloat (snr, >, 18.0);
  }

  /* a codec it does not know is refused before anything starts */
  bad = spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
               "host", "--port", "0", "--codec", "flac", NULL);
  g_assert_no_error (error);
  bad_err = g_object_ref (g_subprocess_get_stderr_pipe (bad));
  g_input_stream_read_all (bad_err, message, sizeof message - 1, &got, NULL, NULL);
  g_assert_true (g_subprocess_wait (bad, NULL, NULL));
  g_assert_false (g_subprocess_get_successful (bad));
  g_assert_nonnull (strstr (message, "Unknown codec “flac”"));
}

/* A joiner killed while it holds a note: the host's MIDI out gets the
 * note's release as soon as the joiner is gone. */
static void
test_notes_released (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *host_midi = g_build_filename (dir, "host-midi.jsonl", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autofree char *url = NULL, *contents = NULL;
  g_auto(GStrv) lines = NULL;

  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind",
                "127.0.0.1", "-q", "--duration", "60", "--record-midi", host_midi, NULL);
  g_assert_no_error (error);
  url = read_url (host);
  /* the note-on goes at 5 s (synced long before), its note-off at 10 s:
   * killed at 7.5 s, in between (the recording is written at the end) */
  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "join", url, "--bind", "127.0.0.1",
                "-q", "--duration", "30", "--midi-test", "2", "--midi-interval", "5000", NULL);
  g_assert_no_error (error);
  g_usleep (7500000);
  g_subprocess_send_signal (join, SIGKILL);
  g_assert_true (g_subprocess_wait (join, NULL, NULL));
  g_usleep (1000000);
  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (host_midi, &contents, NULL, NULL));
  lines = g_strsplit (g_strstrip (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *line, *event;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      line = json_node_get_object (json_parser_get_root (parser));
      event = json_object_get_object_member (line, "event");
      g_assert_cmpint (json_object_get_int_member (line, "from"), ==, 2);
      g_assert_cmpstr (json_object_get_string_member (event, "t"), ==, i ? "n-" : "n+");
      g_assert_cmpint (json_object_get_int_member (event, "n"), ==, 60);
    }
}

static double
summary (JsonObject *peer, const char *figure, const char *stat)
{
  return json_object_get_double_member (json_object_get_object_member (peer, figure), stat);
}

/* A joiner stopped for 5 s (SIGSTOP) and let go: the host shows it "not
 * heard from" after 3 s, counts what it skipped as not sent rather than
 * lost; the joiner drops what waited in its socket as stale, so its buffer
 * is back at its target within a second and neither side's delays carry
 * the stall. */
static void
test_stall (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *host_json = g_build_filename (dir, "host.json", NULL);
  g_autofree char *join_json = g_build_filename (dir, "join.json", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(JsonParser) hp = json_parser_new ();
  g_autoptr(JsonParser) jp = json_parser_new ();
  g_autoptr(GDataInputStream) host_in = NULL;
  g_autoptr(GString) host_out = g_string_new (NULL);
  g_autofree char *url = NULL, *join_out = NULL, *line = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *of_join, *of_host;
  guint checked = 0;

  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind",
                "127.0.0.1", "--name", "host", "--duration", "17", "--stats-json", host_json, NULL);
  g_assert_no_error (error);
  host_in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  url = jn_test_read_host_url (host_in);
  g_assert_nonnull (url);
  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "join", url, "--bind", "127.0.0.1",
                "--name", "joiner", "--duration", "14", "--stats-json", join_json, NULL);
  g_assert_no_error (error);
  g_usleep (4 * G_USEC_PER_SEC);
  g_subprocess_send_signal (join, SIGSTOP);
  g_usleep (5 * G_USEC_PER_SEC);
  g_subprocess_send_signal (join, SIGCONT);
  g_assert_true (g_subprocess_communicate_utf8 (join, NULL, NULL, &join_out, NULL, &error));
  g_assert_no_error (error);
  while ((line = g_data_input_stream_read_line_utf8 (host_in, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (host_out, "%s\n", line);
      g_clear_pointer (&line, g_free);
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (host_out->str, "joiner       not heard from for "));

  /* the host: the 5 s the joiner skipped are not loss; its round trips
   * never timed the stall */
  of_join = find_peer (load_json (hp, host_json), 2);
  g_test_message ("host of joiner: not sent %" G_GINT64_FORMAT ", lost %" G_GINT64_FORMAT
                  ", rtt max %.2f ms", json_object_get_int_member (of_join, "not_sent"),
                  json_object_get_int_member (of_join, "lost"), summary (of_join, "rtt_ms", "max"));
  g_assert_cmpint (json_object_get_int_member (of_join, "not_sent"), >=, 1500);
  g_assert_cmpint (json_object_get_int_member (of_join, "not_sent"), <=, 2300);
  g_assert_cmpfloat (json_object_get_double_member (of_join, "loss_percent"), <, 1);
  g_assert_cmpfloat (summary (of_join, "rtt_ms", "max"), <, 100);

  /* the joiner: what waited out its stall is stale, not late, and not
   * timed */
  of_host = find_peer (load_json (jp, join_json), 1);
  g_test_message ("joiner of host: stale %" G_GINT64_FORMAT ", late %" G_GINT64_FORMAT
                  ", restarts %" G_GINT64_FORMAT ", one-way p99 %.3f ms",
                  json_object_get_int_member (of_host, "stale"),
                  json_object_get_int_member (of_host, "late"),
                  json_object_get_int_member (of_host, "buffer_restarts"),
                  summary (of_host, "one_way_ms", "p99"));
  g_assert_cmpint (json_object_get_int_member (of_host, "stale"), >=, 1000);
  g_assert_cmpint (json_object_get_int_member (of_host, "late"), <=, 10);
  g_assert_cmpint (json_object_get_int_member (of_host, "buffer_restarts"), >=, 1);
  g_assert_cmpfloat (summary (of_host, "one_way_ms", "p99"), <, 20);
  g_assert_cmpfloat (summary (of_host, "rtt_ms", "max"), <, 100);

  /* a second after it resumed (at 9 s of its clock), its buffer of the
   * host holds no more than a packet over its target: nothing of the
   * stall waits in it.  A level under the target is the buffer growing
   * after a late packet on a loaded machine (the target rose, the level
   * follows over the next periods), not the stall's doing. */
  lines = g_strsplit (join_out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      double t;
      guint level, target;
      const char *b = strstr (lines[i], "buffer ");

      if (sscanf (lines[i], "[ %lf s] host", &t) != 1 || b == NULL || t < 10.2 ||
          sscanf (b, "buffer %u/%u", &level, &target) != 2)
        continue;
      if (level > target + 1)
        g_error ("a second after the stall: %s", lines[i]);
      checked++;
      break;
    }
  /* (a joiner whose lines after the stall say nothing of its buffer, seen
   * once on a loaded machine, leaves nothing to check: its output is shown) */
  if (checked == 0)
    g_test_message ("no buffer line of the host after 10.2 s in the joiner's output:\n%s", join_out);
  g_assert_cmpuint (checked, <=, 1);
}

/* A 600 MiB WAV as input is streamed: the host's memory stays near what
 * it takes without one (the file is sparse: no disk is written). */
static void
test_large_wav (void)
{
  static const guint8 header[44] = {
    'R', 'I', 'F', 'F', 0x24, 0x00, 0x80, 0x25, 'W', 'A', 'V', 'E',
    'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0xBB, 0, 0, 0, 0x77, 1, 0, 2, 0, 16, 0,
    'd', 'a', 't', 'a', 0x00, 0x00, 0x80, 0x25,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *wav = g_build_filename (dir, "long.wav", NULL);
  guint64 kib[2];

  g_assert_no_error (error);
  {
    FILE *fp = g_fopen (wav, "wb");

    g_assert_nonnull (fp);
    g_assert_cmpuint (fwrite (header, 1, sizeof header, fp), ==, sizeof header);
    g_assert_cmpint (ftruncate (fileno (fp), sizeof header + ((gint64) 600 << 20)), ==, 0);
    fclose (fp);
  }
  for (guint with_file = 0; with_file < 2; with_file++)
    {
      g_autoptr(GSubprocess) host = NULL;

      if (with_file)
        host = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "host", "--port", "0", "--bind",
                      "127.0.0.1", "-q", "--duration", "4", "--input", wav, NULL);
      else
        host = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "host", "--port", "0", "--bind",
                      "127.0.0.1", "-q", "--duration", "4", NULL);
      g_assert_no_error (error);
      g_usleep (3 * G_USEC_PER_SEC);
      kib[with_file] = jn_test_process_status_kib (g_subprocess_get_identifier (host), "VmHWM:");
      g_assert_cmpuint (kib[with_file], >, 0);
      g_assert_true (g_subprocess_wait_check (host, NULL, &error));
      g_assert_no_error (error);
    }
  g_test_message ("peak memory: %" G_GUINT64_FORMAT " KiB with the tone, %" G_GUINT64_FORMAT
                  " KiB with a 600 MiB WAV", kib[0], kib[1]);
  g_assert_cmpuint (kib[1], <, kib[0] + 16 * 1024);
  g_unlink (wav);
  g_rmdir (dir);
}

/* Runs the CLI with args, expecting it to exit with status 2 (a bad
 * option) saying `says`, before any session starts. */
static void
expect_refusal (const char *says, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) cli = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("JAMNET_CLI"));
  va_start (ap, says);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  cli = g_subprocess_newv ((const char * const *) argv->pdata,
                           G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (cli, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (cli));
  if (strstr (err, says) == NULL || g_subprocess_get_exit_status (cli) == 0)
    g_error ("expected a refusal saying “%s”, got status %d: %s", says,
             g_subprocess_get_exit_status (cli), err);
}

/* How a joiner's session ends: the host ending it is a normal end (status
 * 0); the host dying is not (status 1, and the reason) */
static void
test_session_end (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);

  for (guint killed = 0; killed < 2; killed++)
    {
      g_autoptr(GSubprocess) host = NULL, join = NULL;
      g_autofree char *url = NULL, *out = NULL, *err = NULL;

      host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind",
                    "127.0.0.1", "-q", "--duration", "60", NULL);
      g_assert_no_error (error);
      url = read_url (host);
      join = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                    "join", url, "--bind", "127.0.0.1", "-q", "--duration", "30", NULL);
      g_assert_no_error (error);
      g_usleep (1500000);
      g_subprocess_send_signal (host, killed ? SIGKILL : SIGTERM);
      g_assert_true (g_subprocess_communicate_utf8 (join, NULL, NULL, &out, &err, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_wait (host, NULL, NULL));
      if (killed)
        {
          g_assert_cmpint (g_subprocess_get_exit_status (join), ==, 1);
          g_assert_nonnull (strstr (err, "The connection to the host broke"));
        }
      else
        {
          g_assert_cmpint (g_subprocess_get_exit_status (join), ==, 0);
          g_assert_nonnull (strstr (out, "The host ended the session"));
        }
    }

  /* values that used to pass, and files that would only fail at the end */
  expect_refusal ("--redundancy takes auto or 0..4", "host", "--port", "0", "--redundancy", "5", NULL);
  expect_refusal ("--redundancy takes auto or 0..4", "host", "--port", "0", "--redundancy", "some", NULL);
  expect_refusal ("--max-upload-kbps takes", "host", "--port", "0", "--max-upload-kbps", "-1", NULL);
  expect_refusal ("--chat takes 1 to 500 characters", "host", "--port", "0", "--chat", "two\nlines", NULL);
  expect_refusal ("out of range", "host", "--port", "0", "--tempo", "nan", NULL);
  expect_refusal ("out of range", "host", "--port", "0", "--duration", "nan", NULL);
  expect_refusal ("is not a folder you can write to", "host", "--port", "0", "--stats-json",
                  "/nonexistent/stats.json", NULL);
  expect_refusal ("is not a folder you can write to", "host", "--port", "0", "--report",
                  "/nonexistent/report.html", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  expect_refusal ("is not a regular file", "host", "--port", "0", "--input", fifo, NULL);
  g_unlink (fifo);
  g_rmdir (dir);
}


/* Two real processes chat: the host's line reaches the joiner, printed
 * with the host's name */
static void
test_chat (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autofree char *url = NULL, *out = NULL;

  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind", "127.0.0.1", "-q",
                "--name", "Ana", "--duration", "20", "--chat", "Take it from the bridge", NULL);
  g_assert_no_error (error);
  url = read_url (host);
  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "join", url, "--bind", "127.0.0.1", "-q",
                "--name", "Bo", "--duration", "2", "--chat", "Ready", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (join, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", out);
  g_assert_cmpint (g_subprocess_get_exit_status (join), ==, 0);
  g_assert_nonnull (strstr (out, "[chat] Ana: Take it from the bridge"));
  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait (host, NULL, NULL));
}

static void
test_wrong_passphrase (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autofree char *url = NULL;
  g_autofree char *err = NULL;

  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                "host", "--port", "0", "--bind", "127.0.0.1", "-q", "--duration", "30",
                "--passphrase", "blue moon", NULL);
  g_assert_no_error (error);
  url = read_url (host);

  join = spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                "join", url, "--bind", "127.0.0.1", "-q", "--passphrase", "red sun", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (join, NULL, NULL, NULL, &err, &error));
  g_assert_true (g_subprocess_get_if_exited (join));
  g_assert_cmpint (g_subprocess_get_exit_status (join), ==, 1);
  g_assert_nonnull (strstr (err, "The session passphrase is wrong."));

  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
}

/* latency-test against a host that echoes: four clicks are timed (one
 * whose packet came too late to be played is lost and retried), after
 * both jitter buffers (3 packets each, of which 2 to 3 periods are waited
 * out depending on how the two packet clocks are phased) and the network */
static void
test_latency_test (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) host = NULL, probe = NULL;
  g_autofree char *url = NULL, *output = NULL;
  const char *median;
  double ms, period = 128 * 1000.0 / 48000;

  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                "host", "--port", "0", "--bind", "127.0.0.1", "-q", "--duration", "30",
                "--echo", "--jitter-depth", "3", NULL);
  g_assert_no_error (error);
  url = read_url (host);

  probe = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                 "latency-test", url, "--bind", "127.0.0.1", "-q", "--jitter-depth", "3",
                 "--count", "4", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (probe, NULL, NULL, &output, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (probe));
  g_assert_cmpint (g_subprocess_get_exit_status (probe), ==, 0);
  median = strstr (output, "median ");
  g_assert_nonnull (median);
  g_assert_nonnull (strstr (output, "over 4 clicks"));
  ms = g_ascii_strtod (median + strlen ("median "), NULL);
  g_assert_cmpfloat (ms, >=, 4 * period - 0.01);   /* printed to 0.01 ms */
  g_assert_cmpfloat (ms, <=, 9 * period + 10.0);

  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
}

static GHashTable *
load_beats (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *beats = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      o = json_node_get_object (json_parser_get_root (parser));
      g_hash_table_insert (beats, g_memdup2 (&(gint64) { json_object_get_int_member (o, "beat_us") }, 8),
                           g_memdup2 (&(gint64) { json_object_get_int_member (o, "local_us") }, 8));
    }
  return beats;
}

/* Both sides click on the host's beat grid at the same moment: on one
 * machine the two processes share the monotonic clock, so a beat's local
 * time must agree to well under a millisecond. */
static void
test_metronome (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-metro-XXXXXX", &error);
  g_autofree char *host_log = g_build_filename (dir, "host.jsonl", NULL);
  g_autofree char *join_log = g_build_filename (dir, "join.jsonl", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(GHashTable) h = NULL, j = NULL;
  g_autofree char *url = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint common = 0;

  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind", "127.0.0.1",
                "-q", "--duration", "30", "--tempo", "240", "--metronome-log", host_log, NULL);
  g_assert_no_error (error);
  url = read_url (host);
  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "join", url, "--bind", "127.0.0.1", "-q",
                "--duration", "2.5", "--metronome-log", join_log, NULL);
  g_assert_true (g_subprocess_wait_check (join, NULL, &error));
  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));

  h = load_beats (host_log);
  j = load_beats (join_log);
  g_hash_table_iter_init (&iter, j);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 *host_local = g_hash_table_lookup (h, key);

      g_assert_nonnull (host_local);   /* the joiner's beats are the host's */
      g_assert_cmpint (ABS (*(gint64 *) value - *host_local), <, 1000);
      /* and on the 240 BPM grid */
      g_assert_true (g_hash_table_contains (h, &(gint64) { *(gint64 *) key + 250000 }) ||
                     g_hash_table_contains (j, &(gint64) { *(gint64 *) key - 250000 }));
      common++;
    }
  g_assert_cmpuint (common, >=, 6);
}

/* jamnet-cli list shows a hosted session with its address, and not a
 * private one */
static void
test_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) open_host = NULL, private_host = NULL, list = NULL;
  g_autofree char *open_url = NULL, *private_url = NULL, *output = NULL, *expected = NULL;

  open_host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind", "127.0.0.1",
                     "-q", "--duration", "30", "--session", "Open jam", "--name", "Ana", NULL);
  private_host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind", "127.0.0.1",
                        "-q", "--duration", "30", "--session", "Secret jam", "--private", NULL);
  g_assert_no_error (error);
  open_url = read_url (open_host);
  private_url = read_url (private_host);

  list = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "list", "--bind", "127.0.0.1", "--duration", "1.5", NULL);
  g_assert_true (g_subprocess_communicate_utf8 (list, NULL, NULL, &output, NULL, &error));
  g_assert_no_error (error);
  /* wss://127.0.0.1:PORT/jamnet?fp=FP is announced as jamnet://127.0.0.1:PORT/?fp=FP */
  {
    g_autofree char *host_port = g_strndup (open_url + strlen ("wss://"),
                                            strcspn (open_url + strlen ("wss://"), "/"));

    expected = g_strdup_printf ("jamnet://%s/?fp=%s", host_port, strstr (open_url, "fp=") + 3);
  }
  g_assert_nonnull (strstr (output, "Open jam — Ana, 1 player"));
  g_assert_nonnull (strstr (output, expected));
  g_assert_null (strstr (output, "Secret jam"));

  g_subprocess_send_signal (open_host, SIGTERM);
  g_subprocess_send_signal (private_host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (open_host, NULL, &error));
  g_assert_true (g_subprocess_wait_check (private_host, NULL, &error));
}

/* Runs prefix... jamnet-cli host for a moment on the null device and
 * returns its final stats; *err gets what it printed on stderr. */
static JsonObject *
run_host (JsonParser  *parser,
          const char  *realtime_env,
          const char  *prefix,
          char       **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) host = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-rt-XXXXXX", &error);
  g_autofree char *json = g_build_filename (dir, "stats.json", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *args[] = { "host", "--port", "0", "--bind", "127.0.0.1", "--insecure", "--audio", "null",
                         "--duration", "1.5", "--stats-json", json, NULL };
  JsonObject *stats;

  g_assert_no_error (error);
  if (prefix != NULL)
    {
      g_auto(GStrv) words = g_strsplit (prefix, " ", -1);

      for (guint i = 0; words[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (words[i]));
    }
  g_ptr_array_set_free_func (argv, g_free);
  g_ptr_array_add (argv, g_strdup (cli_path ()));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  if (realtime_env != NULL)
    g_subprocess_launcher_setenv (launcher, "JAMNET_REALTIME", realtime_env, TRUE);
  /* no RealtimeKit to ask on a developer's machine either */
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent", TRUE);
  host = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (host, NULL, NULL, NULL, err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (host));
  g_assert_cmpint (g_subprocess_get_exit_status (host), ==, 0);
  stats = load_json (parser, json);
  g_unlink (json);
  g_rmdir (dir);
  return stats;
}

static guint
count (const char *text,
       const char *what)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, what)) != NULL; p++)
    n++;
  return n;
}

/* The media thread and the null device's thread run SCHED_FIFO where the
 * system lets us; refused, the reason is told once; JAMNET_REALTIME=0 does
 * not ask. */
static void
test_realtime (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *err = NULL;
  JsonObject *stats, *media, *audio;

  stats = run_host (parser, NULL, NULL, &err);
  media = json_object_get_object_member (stats, "media_thread");
  audio = json_object_get_object_member (stats, "audio");
  if (geteuid () == 0)
    {
      /* root: CAP_SYS_NICE, so by ourselves; read back from the kernel */
      g_assert_cmpstr (json_object_get_string_member (media, "state"), ==, "granted");
      g_assert_cmpstr (json_object_get_string_member (media, "via"), ==, "direct");
      g_assert_cmpstr (json_object_get_string_member (media, "scheduling"), ==, "SCHED_FIFO 15");
      g_assert_cmpstr (json_object_get_string_member (audio, "thread_scheduling"), ==, "SCHED_FIFO 18");
      g_assert_cmpuint (count (err, "normal priority"), ==, 0);
    }
  else
    g_assert_cmpstr (json_object_get_string_member (media, "state"), !=, "pending");
  g_clear_pointer (&err, g_free);

  stats = run_host (parser, "0", NULL, &err);
  media = json_object_get_object_member (stats, "media_thread");
  g_assert_cmpstr (json_object_get_string_member (media, "state"), ==, "not-asked");
  g_assert_cmpstr (json_object_get_string_member (media, "scheduling"), ==, "SCHED_OTHER");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (stats, "audio"),
                                                  "thread_scheduling"), ==, "SCHED_OTHER");
  g_clear_pointer (&err, g_free);

  /* without CAP_SYS_NICE, RLIMIT_RTPRIO 0 and no RealtimeKit: refused */
  if (geteuid () != 0 || !g_file_test ("/usr/bin/setpriv", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("not root, or no setpriv: the refusal is not tried");
      return;
    }
  stats = run_host (parser, NULL, "/usr/bin/setpriv --bounding-set -sys_nice", &err);
  media = json_object_get_object_member (stats, "media_thread");
  g_assert_cmpstr (json_object_get_string_member (media, "state"), ==, "refused");
  g_assert_cmpstr (json_object_get_string_member (media, "scheduling"), ==, "SCHED_OTHER");
  g_assert_nonnull (strstr (json_object_get_string_member (media, "refusal"), "RealtimeKit refused"));
  g_assert_cmpuint (count (err, "The media thread runs at normal priority"), ==, 1);
}

/* Seconds of the per-second lines about name in out, from 10 s on, whose
 * buffer level stood more than a packet from its target */
static guint
count_level_off (const char *out, const char *name, guint *lines_seen)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("%s ", name);
  guint off = 0;

  *lines_seen = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      double t;
      guint level, target;
      const char *after = strstr (lines[i], "] "), *b = strstr (lines[i], "buffer ");

      if (sscanf (lines[i], "[ %lf s]", &t) != 1 || after == NULL || b == NULL || t < 10 ||
          !g_str_has_prefix (after + 2, prefix) || sscanf (b, "buffer %u/%u", &level, &target) != 2)
        continue;
      (*lines_seen)++;
      if (level > target + 1)
        {
          g_test_message ("%s", lines[i]);
          off++;
        }
    }
  return off;
}

static void
check_drifted (JsonObject *peer, double truth, double seconds)
{
  /* resampled from its estimate after 8 s, the drift is taken up a packet
   * now and then without dropping or repeating one: the resampler took
   * that many, none was concealed for it */
  double expected_slip = truth * 1e-6 * (seconds - 8) * RATE / FRAMES;

  g_test_message ("drift %+.2f ppm (truth %+.0f), resampled %d at %+.1f ppm, slip %" G_GINT64_FORMAT
                  " (drift alone %+.1f), late %" G_GINT64_FORMAT ", concealed %" G_GINT64_FORMAT
                  ", lost %" G_GINT64_FORMAT ", stretched %" G_GINT64_FORMAT,
                  json_object_get_double_member (peer, "drift_ppm"), truth,
                  json_object_get_boolean_member (peer, "resampled"),
                  json_object_get_double_member (peer, "resample_ppm"),
                  json_object_get_int_member (peer, "resample_slip"), expected_slip,
                  json_object_get_int_member (peer, "late"), json_object_get_int_member (peer, "concealed"),
                  json_object_get_int_member (peer, "lost"), json_object_get_int_member (peer, "stretched"));
  /* within 5 ppm on a quiet machine; a busy one, under ASan, has seen 6.9
   * (docs/architecture.md, the estimator's tail) */
  g_assert_cmpfloat (fabs (json_object_get_double_member (peer, "drift_ppm") - truth), <, 10);
  /* (a peer that left is not resampled any more: its slip stays) */
  if (!json_object_get_boolean_member (peer, "departed"))
    g_assert_true (json_object_get_boolean_member (peer, "resampled"));
  g_assert_cmpfloat (fabs (json_object_get_int_member (peer, "resample_slip") - expected_slip), <=, 3);
  /* what was concealed was lost on the network, came late (a busy
   * machine, the emulated jitter), or was inserted while the buffer grew
   * after it: never a packet a period for the drift, which would be
   * concealed with nothing to explain it (one each 11 s) */
  g_assert_cmpint (json_object_get_int_member (peer, "concealed") -
                   json_object_get_int_member (peer, "lost") -
                   json_object_get_int_member (peer, "late") -
                   json_object_get_int_member (peer, "stretched"), <=, 2);
}

static gint
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The test tone as the host played it, resampled: THD+N over 10.7 ms
 * windows from 15 s on, at the pitch the drift gives (the linear terms of
 * the fit take up the level's pull); the 99th percentile under -75 dB
 * (a concealed packet, or the 40 frames played twice as resampling
 * started, spoil a window or two) */
static void
check_tone (JsonObject *peer)
{
  const guint window = 512;
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = jn_wav_load (json_object_get_string_member (peer, "record_file"), &error);
  g_autoptr(GArray) db = g_array_new (FALSE, FALSE, sizeof (double));
  double hz[JN_TEST_SIGNAL_N_TONES], ratio = 1 + json_object_get_double_member (peer, "drift_ppm") * 1e-6;
  double p50, p99;

  g_assert_no_error (error);
  for (guint k = 0; k < JN_TEST_SIGNAL_N_TONES; k++)
    hz[k] = jn_test_signal_tones[k] * ratio;
  for (gsize at = 15 * RATE; at + window <= wav->frames; at += window)
    {
      double d = jn_test_signal_residual_db (wav->samples + at, window, RATE, hz, JN_TEST_SIGNAL_N_TONES);

      g_array_append_val (db, d);
    }
  g_assert_cmpuint (db->len, >, 3000);
  g_array_sort (db, compare_double);
  p50 = g_array_index (db, double, db->len / 2);
  p99 = g_array_index (db, double, db->len * 99 / 100);
  g_test_message ("tone through the session: THD+N median %.1f dB, p99 %.1f dB, worst %.1f dB",
                  p50, p99, g_array_index (db, double, db->len - 1));
  g_assert_cmpfloat (p99, <, -75);
}

/* Two sound cards 250 ppm apart (a null device with a clock error, and a
 * joiner without a device, on this machine's clock, streaming the test
 * tone) for a minute, the equivalent of ten minutes at 25 ppm: each side estimates the
 * other's drift within 5 ppm and resamples it away, its buffer within a
 * packet of its target each second.  At the same time, the other sign
 * through the demo's emulated network (20 ms, 4 ms jitter, 2 % loss), its
 * buffer's mean level within a packet of its target. */
static void
test_drift (void)
{
  const double seconds = 60;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-cli-XXXXXX", &error);
  g_autofree char *host_json = g_build_filename (dir, "host.json", NULL);
  g_autofree char *join_json = g_build_filename (dir, "join.json", NULL);
  g_autofree char *demo_json = g_build_filename (dir, "demo.json", NULL);
  g_autofree char *host_wav = g_build_filename (dir, "host.wav", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL, demo = NULL;
  g_autoptr(JsonParser) hp = json_parser_new ();
  g_autoptr(JsonParser) jp = json_parser_new ();
  g_autoptr(JsonParser) dp = json_parser_new ();
  g_autofree char *url = NULL, *join_out = NULL, *demo_out = NULL, *host_duration = NULL;
  g_autofree char *join_duration = NULL;
  JsonObject *of_join, *player;
  guint lines, off;

  host_duration = g_strdup_printf ("%.0f", seconds + 2);
  join_duration = g_strdup_printf ("%.0f", seconds);
  host = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "host", "--port", "0", "--bind", "127.0.0.1",
                "--private", "--name", "host", "--audio", "null:drift=+250ppm", "--plc", "repeat",
                "--duration", host_duration, "-q", "--record", host_wav, "--stats-json", host_json,
                NULL);
  g_assert_no_error (error);
  url = read_url (host);
  join = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "join", url, "--bind", "127.0.0.1", "--name",
                "joiner", "--plc", "repeat", "--duration", join_duration, "--stats-json", join_json,
                NULL);
  g_assert_no_error (error);
  demo = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "demo", "--port", "0", "--private",
                "--audio", "null:drift=-250ppm", "--plc", "repeat", "--duration", join_duration,
                "--stats-json", demo_json, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (join, NULL, NULL, &join_out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (demo, NULL, NULL, &demo_out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (join));
  g_assert_true (g_subprocess_get_successful (demo));

  /* the host's card runs fast: the joiner hears it fast, the host hears
   * the joiner slow */
  check_drifted (find_peer (load_json (jp, join_json), 1), +250, seconds);
  of_join = find_peer (load_json (hp, host_json), 2);
  check_drifted (of_join, -250, seconds);
  check_tone (of_join);
  /* the demo's card runs slow: its simulated player (this machine's clock)
   * is fast to it, through loss and jitter */
  player = json_array_get_object_element (json_object_get_array_member (load_json (dp, demo_json), "peers"), 0);
  check_drifted (player, +250, seconds);
  /* a busy machine may hold a second or two off (the buffer adapting to
   * it, not to the drift, which would stay) */
  off = count_level_off (join_out, "host", &lines);
  g_test_message ("joiner: %u of %u seconds more than a packet off the target", off, lines);
  g_assert_cmpuint (lines, >=, seconds - 15);
  g_assert_cmpuint (off, <=, 2);
  /* through jitter of more than a packet, a second's level may be off
   * by the jitter alone; over the run, a drift not taken up would carry
   * its mean away (five packets in this minute).  The target it is held
   * to is the depth of each moment: a late packet on a busy machine
   * raises it for a calm stretch (10 s), and the level follows */
  {
    double mean = summary (player, "buffer_level", "mean");
    double depth = json_object_get_double_member (player, "jitter_depth_mean");

    off = count_level_off (demo_out, "Simulated", &lines);
    g_test_message ("demo: %u of %u seconds more than a packet off the target; level %.2f on the "
                    "mean, target %.2f on the mean (%" G_GINT64_FORMAT " grows)", off, lines, mean,
                    depth, json_object_get_int_member (player, "depth_grows"));
    g_assert_cmpuint (lines, >=, seconds - 15);
    g_assert_cmpfloat (depth, >=, 1);
    g_assert_cmpfloat (fabs (mean - (depth - 0.5)), <=, 1);
  }
  g_unlink (json_object_get_string_member (of_join, "record_file"));
  g_unlink (host_json);
  g_unlink (join_json);
  g_unlink (demo_json);
  g_rmdir (dir);
}

/* With the build tree's translations and German asked for, the CLI speaks
 * German: the .mo files are built and found, and its messages go through
 * gettext */
static void
test_german (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) help = NULL, bad = NULL;
  g_autofree char *output = NULL, *complaint = NULL;

  if (g_getenv ("JAMNET_LOCALEDIR") == NULL)
    {
      g_test_skip ("JAMNET_LOCALEDIR is not set");
      return;
    }
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "de", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  help = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JAMNET_CLI"), "--help", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (help, NULL, NULL, &output, NULL, &error));
  g_assert_nonnull (strstr (output, "Live mit anderen über das Netzwerk musizieren, ohne Oberfläche."));
  g_assert_nonnull (strstr (output, "die im lokalen Netz angekündigten Sessions"));

  bad = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JAMNET_CLI"), "host", "--port", "70000", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (bad, NULL, NULL, &complaint, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (bad), ==, 2);
  g_assert_nonnull (strstr (complaint, "Ports sind Zahlen von 0 bis 65535"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/two-processes", test_two_processes);
  g_test_add_func ("/cli/opus", test_opus);
  g_test_add_func ("/cli/session-end", test_session_end);
  g_test_add_func ("/cli/chat", test_chat);
  g_test_add_func ("/cli/notes-released", test_notes_released);
  g_test_add_func ("/cli/stall", test_stall);
  g_test_add_func ("/cli/large-wav", test_large_wav);
  g_test_add_func ("/cli/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/cli/latency-test", test_latency_test);
  g_test_add_func ("/cli/metronome", test_metronome);
  g_test_add_func ("/cli/list", test_list);
  g_test_add_func ("/cli/german", test_german);
  g_test_add_func ("/cli/realtime", test_realtime);
  g_test_add_func ("/cli/drift", test_drift);

  return g_test_run ();
}
