/* test-audio.c: audio backends.  Run by pipewire-session.sh, which gives it
 * a private PipeWire daemon and a null sink called jamnet-test-sink.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "jn-audio.h"
#include "jn-device-list.h"
#include "jn-ring.h"
#include "jn-test-host.h"

#define RATE    48000
#define QUANTUM 256
#define TONE_HZ 1000.0

typedef struct
{
  JnRing *captured;
  double  phase;
  guint64 dropped;
} Loop;

/* the real-time callback: plays a tone, keeps what comes in */
static void
loop_process (gpointer user_data, const float *const *capture, float *const *playback,
              guint frames, guint channels)
{
  Loop *loop = user_data;

  for (guint i = 0; i < frames; i++)
    {
      playback[0][i] = (float) (0.5 * sin (loop->phase));
      loop->phase += 2 * G_PI * TONE_HZ / RATE;
      if (loop->phase > 2 * G_PI)
        loop->phase -= 2 * G_PI;
    }
  if (!jn_ring_write (loop->captured, capture[0], frames))
    loop->dropped++;
}

/* Links two ports with pw-link; a new node's ports take a moment to show
 * up in the registry, so it tries for up to 2 s. */
static void
pw_link (const char *from, const char *to)
{
  for (guint attempt = 0; attempt < 40; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) link = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                                      "pw-link", from, to, NULL);

      g_assert_no_error (error);
      if (g_subprocess_wait_check (link, NULL, NULL))
        return;
      g_usleep (50000);
    }
  g_error ("pw-link %s %s kept failing", from, to);
}

static void
test_pipewire_loopback (void)
{
  JnAudioConfig config = { "jamnet-test", RATE, 1, QUANTUM };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnRing) ring = jn_ring_new (RATE * 4);
  Loop loop = { ring, 0.0, 0 };
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, loop_process, &loop, &error);
  g_autofree float *got = g_new (float, RATE);
  double rms = 0.0, best = 0.0;
  gsize n;

  g_assert_no_error (error);
  g_assert_cmpstr (jn_audio_device_get_backend (device), ==, "pipewire");

  /* JamNet's output into the sink, the sink's monitor back into JamNet */
  pw_link ("jamnet-test:playback_1", "jamnet-test-sink:playback_MONO");
  pw_link ("jamnet-test-sink:monitor_MONO", "jamnet-test:capture_1");

  /* let it run a second, then look at the last half second that came in */
  g_usleep (1500000);
  n = jn_ring_get_readable (ring);
  g_assert_cmpuint (n, >, RATE);
  while (jn_ring_get_readable (ring) > RATE / 2)
    g_assert_true (jn_ring_read (ring, got, MIN (jn_ring_get_readable (ring) - RATE / 2, (gsize) RATE)));
  g_assert_true (jn_ring_read (ring, got, RATE / 2));

  for (guint i = 0; i < RATE / 2; i++)
    rms += (double) got[i] * got[i];
  rms = sqrt (rms / (RATE / 2));
  /* a 0.5 sine has an RMS of 0.354 */
  g_assert_cmpfloat (fabs (rms - 0.5 / G_SQRT2), <, 0.02);

  /* and it is our tone: correlation with a 1 kHz sine at the best phase */
  for (guint k = 0; k < 48; k++)
    {
      double xy = 0.0, yy = 0.0;

      for (guint i = 0; i < RATE / 2; i++)
        {
          double ref = sin (2 * G_PI * TONE_HZ * (i + k) / RATE);

          xy += got[i] * ref;
          yy += ref * ref;
        }
      best = MAX (best, xy / sqrt (yy * rms * rms * (RATE / 2)));
    }
  g_assert_cmpfloat (best, >, 0.99);
  g_assert_cmpuint (jn_audio_device_get_periods (device), >, RATE / QUANTUM / 2);
  g_test_message ("periods %" G_GUINT64_FORMAT ", xruns %" G_GUINT64_FORMAT ", ring overruns %" G_GUINT64_FORMAT,
                  jn_audio_device_get_periods (device), jn_audio_device_get_xruns (device), loop.dropped);
}

typedef struct
{
  double phase;
  float  level;     /* decaying peak of what comes in */
} Tone;

static void
tone_process (gpointer user_data, const float *const *capture, float *const *playback,
              guint frames, guint channels)
{
  Tone *tone = user_data;

  for (guint i = 0; i < frames; i++)
    {
      playback[0][i] = (float) (0.5 * sin (tone->phase));
      tone->phase += 2 * G_PI * TONE_HZ / RATE;
      tone->level = MAX (tone->level * 0.9999f, fabsf (capture[0][i]));
    }
}

/* The ALSA backend, through the pipewire-alsa plugin ("pipewire" PCM):
 * periods run without xruns, and the session manager routes the plugin's
 * streams through the null sink, so our tone comes back on capture. */
static void
test_alsa_through_pipewire (void)
{
  JnAudioConfig config = { "jamnet-alsa", RATE, 1, QUANTUM, FALSE, "pipewire" };
  g_autoptr(GError) error = NULL;
  Tone tone = { 0 };
  JnAudioDevice *device;

  device = jn_audio_device_new ("alsa", &config, tone_process, &tone, &error);
  if (device == NULL && g_error_matches (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_UNKNOWN_BACKEND))
    {
      g_test_skip ("this JamNet was built without ALSA");
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (jn_audio_device_get_backend (device), ==, "alsa");
  g_usleep (1500000);
  g_assert_cmpuint (jn_audio_device_get_periods (device), >, 200);
  g_test_message ("ALSA: %" G_GUINT64_FORMAT " periods, %" G_GUINT64_FORMAT " xruns, level back %.3f",
                  jn_audio_device_get_periods (device), jn_audio_device_get_xruns (device), tone.level);
  g_assert_cmpfloat (tone.level, >, 0.3f);
  jn_audio_device_free (device);

  /* MIDI needs the ALSA sequencer, which these machines lack: the device
   * still plays, without MIDI ports */
  config.midi = TRUE;
  device = jn_audio_device_new ("alsa", &config, tone_process, &tone, &error);
  g_assert_no_error (error);
  if (!g_file_test ("/dev/snd/seq", G_FILE_TEST_EXISTS))
    g_assert_false (jn_audio_device_send_midi (device, (const guint8 *) "\x90\x3c\x64", 3));
  jn_audio_device_free (device);
  config.midi = FALSE;

  /* a device that is not there says which */
  config.device = "jamnet-no-such-pcm";
  device = jn_audio_device_new ("alsa", &config, tone_process, &tone, &error);
  g_assert_null (device);
  g_assert_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "jamnet-no-such-pcm"));
}

static void
count_periods (gpointer user_data, const float *const *capture, float *const *playback,
               guint frames, guint channels)
{
  guint *periods = user_data;

  for (guint c = 0; c < channels; c++)
    for (guint i = 0; i < frames; i++)
      g_assert_true (capture[c][i] == 0.f);
  g_atomic_int_inc (periods);
}

static void
test_null_clock (void)
{
  JnAudioConfig config = { "jamnet-null", RATE, 2, 128 };
  g_autoptr(GError) error = NULL;
  guint periods = 0;
  JnAudioDevice *device = jn_audio_device_new ("null", &config, count_periods, &periods, &error);
  guint n;

  g_assert_no_error (error);
  g_assert_cmpstr (jn_audio_device_get_backend (device), ==, "null");
  /* the null device has no MIDI ports */
  g_assert_false (jn_audio_device_send_midi (device, (const guint8 *) "\x90\x3c\x64", 3));
  g_usleep (500000);
  jn_audio_device_free (device);
  n = g_atomic_int_get (&periods);
  /* 0.5 s of 128-frame periods at 48 kHz is 187.5 */
  g_assert_cmpuint (n, >, 140);
  g_assert_cmpuint (n, <, 200);
}

static void
test_no_server (void)
{
  JnAudioConfig config = { "jamnet-lonely", RATE, 1, 128 };
  g_autoptr(GError) error = NULL;
  guint periods = 0;
  JnAudioDevice *device;

  /* a daemon name nobody answers to */
  g_setenv ("PIPEWIRE_REMOTE", "jamnet-no-such-daemon", TRUE);
  device = jn_audio_device_new ("pipewire", &config, count_periods, &periods, &error);
  g_assert_null (device);
  g_assert_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_SERVER);
  g_assert_nonnull (strstr (error->message, "PipeWire"));
  g_clear_error (&error);

  /* the automatic choice falls back to the null device, and says so */
  device = jn_audio_device_new (NULL, &config, count_periods, &periods, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jn_audio_device_get_backend (device), ==, "null");
  jn_audio_device_free (device);
  g_unsetenv ("PIPEWIRE_REMOTE");

  device = jn_audio_device_new ("jack", &config, count_periods, &periods, &error);
  g_assert_null (device);
  g_assert_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_UNKNOWN_BACKEND);
  g_assert_nonnull (strstr (error->message, "jack"));
}

static void
silent_process (gpointer user_data, const float *const *capture, float *const *playback,
                guint frames, guint channels)
{
  for (guint c = 0; c < channels; c++)
    memset (playback[c], 0, sizeof (float) * frames);
}

/* JamNet's MIDI output linked to its own MIDI input through the daemon:
 * every message comes back, whole and in order */
static void
test_pipewire_midi (void)
{
  JnAudioConfig config = { "jamnet-midi", RATE, 1, QUANTUM, TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
  guint8 sent[24][JN_AUDIO_MIDI_MAX], got[JN_AUDIO_MIDI_MAX];
  gsize sizes[24];
  guint received = 0;
  gint64 deadline;

  g_assert_no_error (error);
  pw_link ("jamnet-midi:midi_out", "jamnet-midi:midi_in");
  g_usleep (100000);

  for (guint i = 0; i < 24; i++)
    {
      if (i == 23)
        {
          /* a SysEx: F0 7E 7F 06 01 F7 plus payload */
          sizes[i] = 40;
          sent[i][0] = 0xF0;
          for (guint k = 1; k < 39; k++)
            sent[i][k] = k & 0x7F;
          sent[i][39] = 0xF7;
        }
      else if (i == 22)
        {
          sizes[i] = 3;
          sent[i][0] = 0xB3; sent[i][1] = 7; sent[i][2] = 99;
        }
      else
        {
          sizes[i] = 3;
          sent[i][0] = i % 2 ? 0x80 : 0x90;
          sent[i][1] = 60 + i / 2;
          sent[i][2] = i % 2 ? 0 : 100;
        }
      g_assert_true (jn_audio_device_send_midi (device, sent[i], sizes[i]));
      if (i % 5 == 4)
        g_usleep (3000);
    }

  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (received < 24 && g_get_monotonic_time () < deadline)
    {
      gsize n = jn_audio_device_receive_midi (device, got, sizeof got);

      if (n == 0)
        {
          g_usleep (2000);
          continue;
        }
      g_assert_cmpmem (got, n, sent[received], sizes[received]);
      received++;
    }
  g_assert_cmpuint (received, ==, 24);
  g_assert_cmpuint (jn_audio_device_receive_midi (device, got, sizeof got), ==, 0);
}

static JnDevice *
find_device (GListModel *list, const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(JnDevice) device = g_list_model_get_item (list, i);

      if (g_str_equal (jn_device_get_name (device), name))
        return device;
    }
  return NULL;
}

static gboolean
wait_for_device (GListModel *list, const char *name, gboolean present, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while ((find_device (list, name) != NULL) != present)
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return TRUE;
}

static void
count_changes (GListModel *list, guint position, guint removed, guint added, guint *changes)
{
  (*changes)++;
}

/* The device list follows the graph: the test's null sink is there; a new
 * sink appears within a second, and disappears when it is destroyed. */
static void
test_device_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDeviceList) list = jn_device_list_new (&error);
  g_autoptr(GSubprocess) create = NULL;
  g_autofree char *out = NULL;
  guint changes = 0;
  JnDevice *sink;

  g_assert_no_error (error);
  g_assert_true (g_type_is_a (g_list_model_get_item_type (G_LIST_MODEL (list)), JN_TYPE_DEVICE));
  g_signal_connect (list, "items-changed", G_CALLBACK (count_changes), &changes);
  g_assert_true (wait_for_device (G_LIST_MODEL (list), "jamnet-test-sink", TRUE, 2000));
  sink = find_device (G_LIST_MODEL (list), "jamnet-test-sink");
  g_assert_cmpint (jn_device_get_kind (sink), ==, JN_DEVICE_AUDIO_OUTPUT);

  create = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "pw-cli", "create-node", "adapter",
                             "{ factory.name=support.null-audio-sink node.name=jamnet-hotplug "
                             "media.class=Audio/Source/Virtual audio.position=[ MONO ] object.linger=true }",
                             NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (create, NULL, NULL, &out, NULL, &error));
  g_assert_true (wait_for_device (G_LIST_MODEL (list), "jamnet-hotplug", TRUE, 1000));
  g_assert_cmpint (jn_device_get_kind (find_device (G_LIST_MODEL (list), "jamnet-hotplug")), ==,
                   JN_DEVICE_AUDIO_INPUT);
  g_assert_cmpuint (changes, >, 0);

  /* unplugged: gone from the list */
  {
    g_autofree char *id = g_strdup_printf ("%u", jn_device_get_id (find_device (G_LIST_MODEL (list),
                                                                                 "jamnet-hotplug")));
    g_autoptr(GSubprocess) destroy = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                                       "pw-cli", "destroy", id, NULL);

    g_assert_true (g_subprocess_wait_check (destroy, NULL, &error));
  }
  g_assert_true (wait_for_device (G_LIST_MODEL (list), "jamnet-hotplug", FALSE, 2000));
}

static JsonObject *
load_stats (JsonParser *parser, const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* Two jamnet-cli processes, host and join, each with its own node in the
 * same PipeWire graph at a 256-frame quantum, for a few seconds: at most a
 * couple of xruns, audio flows, and MIDI goes keyboard -> host -> network
 * -> joiner. */
static void
test_session_on_pipewire (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-pwsession-XXXXXX", &error);
  g_autofree char *host_json = g_build_filename (dir, "host.json", NULL);
  g_autofree char *join_json = g_build_filename (dir, "join.json", NULL);
  g_autoptr(GSubprocess) host = NULL, join = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(JsonParser) hp = json_parser_new (), jp = json_parser_new ();
  g_autofree char *url = NULL;
  const char *cli = g_getenv ("JAMNET_CLI");
  JsonObject *stats[2];

  host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "host", "--port", "0",
                           "--bind", "127.0.0.1", "--name", "Host", "--audio", "pipewire",
                           "--frames", "256", "-q", "--duration", "20", "--stats-json", host_json, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  url = jn_test_read_host_url (out);
  g_assert_nonnull (url);

  join = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, cli, "join", url, "--bind",
                           "127.0.0.1", "--name", "Joiner", "--audio", "pipewire", "-q",
                           "--duration", "4", "--stats-json", join_json, NULL);
  g_assert_no_error (error);

  /* a keyboard (our node) plays into the host's MIDI port; the notes cross
   * the network and come out of the joiner's MIDI port, back to us */
  {
    JnAudioConfig config = { "jamnet-keys", RATE, 1, QUANTUM, TRUE };
    g_autoptr(JnAudioDevice) keys = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
    guint8 got[JN_AUDIO_MIDI_MAX];
    guint received = 0;
    gint64 deadline;

    g_assert_no_error (error);
    pw_link ("jamnet-keys:midi_out", "JamNet Host:midi_in");
    pw_link ("JamNet Joiner:midi_out", "jamnet-keys:midi_in");
    g_usleep (300000);   /* the joiner's clock sync */
    for (guint i = 0; i < 10; i++)
      {
        guint8 note[3] = { 0x90, (guint8) (60 + i), 90 };

        g_assert_true (jn_audio_device_send_midi (keys, note, 3));
        g_usleep (20000);
      }
    deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    while (received < 10 && g_get_monotonic_time () < deadline)
      {
        gsize n = jn_audio_device_receive_midi (keys, got, sizeof got);

        if (n == 0)
          {
            g_usleep (2000);
            continue;
          }
        g_assert_cmpuint (n, ==, 3);
        g_assert_cmpuint (got[0], ==, 0x90);
        g_assert_cmpuint (got[1], ==, 60 + received);
        received++;
      }
    g_assert_cmpuint (received, ==, 10);
  }
  g_assert_true (g_subprocess_wait_check (join, NULL, &error));
  g_subprocess_send_signal (host, SIGTERM);
  g_assert_true (g_subprocess_wait_check (host, NULL, &error));

  stats[0] = load_stats (hp, host_json);
  stats[1] = load_stats (jp, join_json);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *audio = json_object_get_object_member (stats[i], "audio");
      JsonObject *peer = json_array_get_object_element (json_object_get_array_member (stats[i], "peers"), 0);

      g_assert_nonnull (audio);
      g_test_message ("%s: %" G_GINT64_FORMAT " periods, %" G_GINT64_FORMAT " xruns, capture underruns %"
                      G_GINT64_FORMAT ", playback underruns %" G_GINT64_FORMAT, i ? "join" : "host",
                      json_object_get_int_member (audio, "periods"),
                      json_object_get_int_member (audio, "xruns"),
                      json_object_get_int_member (audio, "capture_underruns"),
                      json_object_get_int_member (audio, "playback_underruns"));
      g_assert_cmpstr (json_object_get_string_member (audio, "backend"), ==, "pipewire");
      /* 4 s of 256-frame periods at 48 kHz is 750 */
      g_assert_cmpint (json_object_get_int_member (audio, "periods"), >, 550);
      /* a deadline now and then may be missed on these shared, non-real-time
       * cores (about one run in eight shows one xrun, with or without the
       * PNBTR worker): xruns over time are a benchmark figure
       * (jamnet-bench audio-path); here, audio must flow with at most a
       * couple of them */
      g_assert_cmpint (json_object_get_int_member (audio, "xruns"), <=, 2);
      g_assert_cmpint (json_object_get_int_member (peer, "audio_packets"), >, 550);
      /* the device reports at least its own 256-frame cycle each way, and
       * the end-to-end estimate adds it to network and jitter buffer */
      g_assert_cmpfloat (json_object_get_double_member (audio, "capture_latency_ms"), >=, 256 * 1000.0 / RATE);
      g_assert_cmpfloat (json_object_get_double_member (audio, "playback_latency_ms"), >=, 256 * 1000.0 / RATE);
      g_assert_cmpfloat (json_object_get_double_member (peer, "end_to_end_ms"), >,
                         json_object_get_double_member (audio, "capture_latency_ms") +
                         json_object_get_double_member (audio, "playback_latency_ms"));
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/audio/pipewire-loopback", test_pipewire_loopback);
  g_test_add_func ("/audio/pipewire-midi", test_pipewire_midi);
  g_test_add_func ("/audio/alsa-through-pipewire", test_alsa_through_pipewire);
  g_test_add_func ("/audio/device-list", test_device_list);
  g_test_add_func ("/audio/null-clock", test_null_clock);
  g_test_add_func ("/audio/no-server", test_no_server);
  g_test_add_func ("/audio/session-on-pipewire", test_session_on_pipewire);

  return g_test_run ();
}
