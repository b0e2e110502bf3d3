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

/* Whether pw-link -l shows a link from one port to another ("node:port") */
static gboolean
pw_linked (const char *from, const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) list = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "pw-link", "-l", NULL);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  const char *port = NULL;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (list, NULL, NULL, &out, NULL, &error));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *arrow = strstr (lines[i], "|-> ");

      if (lines[i][0] != ' ' && lines[i][0] != '\0')
        port = lines[i];
      else if (arrow != NULL && g_strcmp0 (port, from) == 0 && g_str_equal (arrow + 4, to))
        return TRUE;
    }
  return FALSE;
}

static gboolean
wait_linked (const char *from, const char *to, gboolean linked, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (pw_linked (from, to) != linked)
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (20000);
    }
  return TRUE;
}

/* Waits until one of the device's links reaches a state; returns its detail */
static char *
wait_link_state (JnAudioDevice *device, JnAudioLinkKind kind, JnAudioLinkState state, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  char *detail = NULL;

  while (jn_audio_device_get_link (device, kind, &detail) != state)
    {
      g_free (detail);
      if (g_get_monotonic_time () > end)
        {
          jn_audio_device_get_link (device, kind, &detail);
          g_error ("link %d stayed in state %d (%s), expected %d", kind,
                   jn_audio_device_get_link (device, kind, NULL), detail, state);
        }
      g_usleep (10000);
    }
  return detail;
}

/* The id of the node with this node.name, from pw-cli ls; 0 when none */
static guint32
node_id (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) list = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "pw-cli", "ls", "Node", NULL);
  g_autofree char *out = NULL, *wanted = g_strdup_printf ("node.name = \"%s\"", name);
  g_auto(GStrv) lines = NULL;
  guint32 id = 0;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (list, NULL, NULL, &out, NULL, &error));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *text = g_strstrip (lines[i]);

      /* "id 57, type PipeWire:Interface:Node/3" */
      if (g_str_has_prefix (text, "id "))
        id = (guint32) g_ascii_strtoull (text + 3, NULL, 10);
      else if (g_str_equal (text, wanted))
        return id;
    }
  return 0;
}

/* A null sink (or, by its media class, a virtual source) with two channels */
static guint32
create_sink (const char *name, const char *media_class)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("{ factory.name=support.null-audio-sink node.name=%s "
                                           "node.description=\"%s device\" media.class=%s "
                                           "audio.position=[ FL FR ] object.linger=true }",
                                           name, name, media_class);
  g_autoptr(GSubprocess) create = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "pw-cli",
                                                    "create-node", "adapter", spec, NULL);
  guint32 id = 0;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (create, NULL, &error));
  for (guint attempt = 0; attempt < 100 && id == 0; attempt++)
    if ((id = node_id (name)) == 0)
      g_usleep (20000);
  g_assert_cmpuint (id, >, 0);
  return id;
}

static void
destroy_object (guint32 id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("%u", id);
  g_autoptr(GSubprocess) destroy = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                                     "pw-cli", "destroy", text, NULL);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (destroy, NULL, &error));
}

#define BLOCKS 50

static void
test_pipewire_loopback (void)
{
  JnAudioConfig config = { "jamnet-test", RATE, 1, QUANTUM };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnRing) ring = jn_ring_new (RATE * 4, sizeof (float));
  Loop loop = { ring, 0.0, 0 };
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, loop_process, &loop, &error);
  g_autofree float *got = g_new (float, RATE);
  double rms = 0.0, best = 0.0;
  guint good = 0;
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

  /* and it is our tone: correlation with a 1 kHz sine at the best phase,
   * block by block (10 ms), so that one period the busy machine dropped
   * (a phase jump, counted as an xrun) does not hide that every other
   * block is the tone */
  for (guint b = 0; b < BLOCKS; b++)
    {
      const float *x = got + b * (RATE / 2 / BLOCKS);
      guint len = RATE / 2 / BLOCKS;
      double xx = 0.0, block_best = 0.0;

      for (guint i = 0; i < len; i++)
        xx += (double) x[i] * x[i];
      for (guint k = 0; k < 48 && xx > 0.0; k++)
        {
          double xy = 0.0, yy = 0.0;

          for (guint i = 0; i < len; i++)
            {
              double ref = sin (2 * G_PI * TONE_HZ * (i + k) / RATE);

              xy += x[i] * ref;
              yy += ref * ref;
            }
          block_best = MAX (block_best, xy / sqrt (yy * xx));
        }
      good += block_best > 0.99;
      best = MAX (best, block_best);
    }
  g_test_message ("%u of %u blocks are the tone (best correlation %.4f)", good, BLOCKS, best);
  g_assert_cmpuint (good, >=, BLOCKS * 9 / 10);
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

  /* a clock error for it, and only within bounds; no other backend takes
   * options (what a drift this small does is /cli/drift's to show) */
  {
    static const char *const refused[] = { "null:drift=250", "null:drift=+2500ppm", "null:drift=nanppm",
                                           "null:speed=2", "pipewire:drift=+1ppm" };

    device = jn_audio_device_new ("null:drift=-2000ppm", &config, count_periods, &periods, &error);
    g_assert_no_error (error);
    jn_audio_device_free (device);
    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_autoptr(GError) refusal = NULL;

        g_assert_null (jn_audio_device_new (refused[i], &config, count_periods, &periods, &refusal));
        g_assert_error (refusal, JN_AUDIO_ERROR, JN_AUDIO_ERROR_UNKNOWN_BACKEND);
        g_test_message ("%s: %s", refused[i], refusal->message);
      }
  }
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

  /* MIDI ports, by port: another program's are listed, with the direction
   * they have for us; this process's own node is left out */
  {
    JnAudioConfig config = { "jamnet-own", RATE, 1, QUANTUM, TRUE };
    g_autoptr(JnAudioDevice) own = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
    g_autoptr(GSubprocess) other = NULL;
    JnDevice *port;

    g_assert_no_error (error);
    other = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("JAMNET_CLI"), "host",
                              "--port", "0", "--bind", "127.0.0.1", "--private", "--name", "Lister",
                              "--audio", "pipewire", "-q", "--duration", "10", NULL);
    g_assert_no_error (error);
    g_assert_true (wait_for_device (G_LIST_MODEL (list), "JamNet Lister:midi_out", TRUE, 3000));
    g_assert_true (wait_for_device (G_LIST_MODEL (list), "JamNet Lister:midi_in", TRUE, 1000));
    port = find_device (G_LIST_MODEL (list), "JamNet Lister:midi_out");
    g_assert_cmpint (jn_device_get_kind (port), ==, JN_DEVICE_MIDI_INPUT);
    g_assert_cmpstr (jn_device_get_description (port), ==, "JamNet Lister: midi_out");
    g_assert_cmpint (jn_device_get_kind (find_device (G_LIST_MODEL (list), "JamNet Lister:midi_in")), ==,
                     JN_DEVICE_MIDI_OUTPUT);
    g_assert_null (find_device (G_LIST_MODEL (list), "jamnet-own:midi_out"));

    /* jamnet-cli devices lists the same names, under their options */
    {
      g_autoptr(GSubprocess) devices = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                                         g_getenv ("JAMNET_CLI"), "devices", NULL);
      g_autofree char *text = NULL;
      const char *outputs, *midi_in, *midi_out;

      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (devices, NULL, NULL, &text, NULL, &error));
      g_assert_true (g_subprocess_get_if_exited (devices) && g_subprocess_get_exit_status (devices) == 0);
      outputs = strstr (text, "(--audio-out)");
      midi_in = strstr (text, "(--midi-in)");
      midi_out = strstr (text, "(--midi-out)");
      g_assert_true (outputs != NULL && midi_in != NULL && midi_out != NULL);
      g_assert_true (strstr (outputs, "jamnet-test-sink") < midi_in);
      g_assert_true (strstr (midi_in, "JamNet Lister:midi_out") < midi_out);
      g_assert_nonnull (strstr (midi_out, "JamNet Lister:midi_in"));
      /* the other process's list has our node, which is not its own */
      g_assert_nonnull (strstr (midi_out, "jamnet-own:midi_in"));
    }
    g_assert_null (find_device (G_LIST_MODEL (list), "jamnet-own"));
    g_subprocess_send_signal (other, SIGTERM);
    g_assert_true (g_subprocess_wait_check (other, NULL, &error));
    g_assert_true (wait_for_device (G_LIST_MODEL (list), "JamNet Lister:midi_out", FALSE, 2000));
  }
}

/* The node links itself: its playback into the sink it was told, and that
 * sink's monitor (a sink named as the input) back into its capture; the
 * tone comes back.  Nothing links it when nothing is asked. */
static void
test_connect_devices (void)
{
  JnAudioConfig config = { "jamnet-linked", RATE, 1, QUANTUM, FALSE, NULL,
                           { "jamnet-test-sink", "jamnet-test-sink" } };
  JnAudioConfig plain = { "jamnet-plain", RATE, 1, QUANTUM };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnRing) ring = jn_ring_new (RATE * 4, sizeof (float));
  Loop loop = { ring, 0.0, 0 };
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, loop_process, &loop, &error);
  g_autoptr(JnAudioDevice) other = NULL;
  g_autofree char *out_detail = NULL, *in_detail = NULL;
  g_autofree float *got = g_new (float, RATE / 2);
  double rms = 0.0;

  g_assert_no_error (error);
  out_detail = wait_link_state (device, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
  in_detail = wait_link_state (device, JN_AUDIO_LINK_INPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_cmpstr (out_detail, ==, "jamnet-test-sink");
  g_assert_cmpstr (in_detail, ==, "jamnet-test-sink");
  g_assert_true (pw_linked ("jamnet-linked:playback_1", "jamnet-test-sink:playback_MONO"));
  g_assert_true (pw_linked ("jamnet-test-sink:monitor_MONO", "jamnet-linked:capture_1"));
  g_assert_cmpint (jn_audio_device_get_link (device, JN_AUDIO_LINK_MIDI_INPUT, NULL), ==,
                   JN_AUDIO_LINK_UNCONNECTED);

  g_usleep (1000000);
  while (jn_ring_get_readable (ring) > RATE / 2)
    g_assert_true (jn_ring_read (ring, got, MIN (jn_ring_get_readable (ring) - RATE / 2, (gsize) RATE / 2)));
  g_assert_true (jn_ring_read (ring, got, RATE / 2));
  for (guint i = 0; i < RATE / 2; i++)
    rms += (double) got[i] * got[i];
  rms = sqrt (rms / (RATE / 2));
  g_assert_cmpfloat (fabs (rms - 0.5 / G_SQRT2), <, 0.02);

  /* a device opened with nothing to connect is linked to nothing */
  other = jn_audio_device_new ("pipewire", &plain, silent_process, NULL, &error);
  g_assert_no_error (error);
  g_usleep (300000);
  g_assert_false (pw_linked ("jamnet-plain:playback_1", "jamnet-test-sink:playback_MONO"));
  g_assert_cmpint (jn_audio_device_get_link (other, JN_AUDIO_LINK_OUTPUT, NULL), ==, JN_AUDIO_LINK_UNCONNECTED);

  /* our links go with us */
  g_clear_pointer (&device, jn_audio_device_free);
  g_assert_true (wait_linked ("jamnet-test-sink:monitor_MONO", "jamnet-linked:capture_1", FALSE, 2000));
}

/* "default" follows the session manager's default sink; as the input it
 * does not take a sink's monitor (the test session has no source, and
 * WirePlumber names the sink's monitor instead: that would send everyone's
 * audio back to them). */
static void
test_connect_default (void)
{
  JnAudioConfig config = { "jamnet-default", RATE, 1, QUANTUM, FALSE, NULL, { "default", "default" } };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
  g_autofree char *detail = NULL;

  g_assert_no_error (error);
  detail = wait_link_state (device, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_cmpstr (detail, ==, "jamnet-test-sink");
  g_assert_true (pw_linked ("jamnet-default:playback_1", "jamnet-test-sink:playback_MONO"));
  g_clear_pointer (&detail, g_free);
  g_assert_cmpint (jn_audio_device_get_link (device, JN_AUDIO_LINK_INPUT, &detail), ==, JN_AUDIO_LINK_WAITING);
  g_assert_false (pw_linked ("jamnet-test-sink:monitor_MONO", "jamnet-default:capture_1"));
}

/* A device that is not there yet: the link waits, is made when the device
 * appears (mono to both of its channels; its first channel into ours),
 * waits again when it goes, and comes back with it. */
static void
test_connect_hotplug (void)
{
  JnAudioConfig config = { "jamnet-late", RATE, 1, QUANTUM, FALSE, NULL,
                           { "jamnet-late-mic", "jamnet-late-sink" } };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
  g_autofree char *detail = NULL;
  guint32 sink, mic;

  g_assert_no_error (error);
  g_usleep (200000);
  g_assert_cmpint (jn_audio_device_get_link (device, JN_AUDIO_LINK_OUTPUT, &detail), ==, JN_AUDIO_LINK_WAITING);
  g_assert_cmpstr (detail, ==, "jamnet-late-sink");
  g_clear_pointer (&detail, g_free);

  for (guint round = 0; round < 2; round++)
    {
      sink = create_sink ("jamnet-late-sink", "Audio/Sink");
      mic = create_sink ("jamnet-late-mic", "Audio/Source/Virtual");
      detail = wait_link_state (device, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
      g_assert_cmpstr (detail, ==, "jamnet-late-sink device");
      g_clear_pointer (&detail, g_free);
      g_assert_true (pw_linked ("jamnet-late:playback_1", "jamnet-late-sink:playback_FL"));
      g_assert_true (pw_linked ("jamnet-late:playback_1", "jamnet-late-sink:playback_FR"));
      detail = wait_link_state (device, JN_AUDIO_LINK_INPUT, JN_AUDIO_LINK_LINKED, 3000);
      g_clear_pointer (&detail, g_free);
      g_assert_true (pw_linked ("jamnet-late-mic:capture_FL", "jamnet-late:capture_1"));
      g_assert_false (pw_linked ("jamnet-late-mic:capture_FR", "jamnet-late:capture_1"));

      destroy_object (sink);
      destroy_object (mic);
      detail = wait_link_state (device, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_WAITING, 3000);
      g_clear_pointer (&detail, g_free);
      detail = wait_link_state (device, JN_AUDIO_LINK_INPUT, JN_AUDIO_LINK_WAITING, 3000);
      g_clear_pointer (&detail, g_free);
    }
}

/* Devices chosen during a session: the output moves to another sink (the
 * old links go), then to nothing; a node opened with nothing to link
 * links once asked; a backend that links nothing itself says so. */
static void
test_connect_live (void)
{
  JnAudioConfig config = { "jamnet-moving", RATE, 1, QUANTUM, FALSE, NULL, { NULL, "jamnet-test-sink" } };
  JnAudioConfig plain = { "jamnet-unlinked", RATE, 1, QUANTUM };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnAudioDevice) device = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
  g_autoptr(JnAudioDevice) other = NULL, null = NULL;
  g_autofree char *detail = NULL;
  guint32 second;

  g_assert_no_error (error);
  detail = wait_link_state (device, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_cmpstr (detail, ==, "jamnet-test-sink");
  g_clear_pointer (&detail, g_free);
  g_assert_true (pw_linked ("jamnet-moving:playback_1", "jamnet-test-sink:playback_MONO"));

  second = create_sink ("jamnet-second-sink", "Audio/Sink");
  g_assert_true (jn_audio_device_set_link (device, JN_AUDIO_LINK_OUTPUT, "jamnet-second-sink", &error));
  g_assert_no_error (error);
  detail = wait_link_state (device, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_true (g_str_has_prefix (detail, "jamnet-second-sink"));
  g_clear_pointer (&detail, g_free);
  g_assert_true (wait_linked ("jamnet-moving:playback_1", "jamnet-second-sink:playback_FL", TRUE, 3000));
  g_assert_true (wait_linked ("jamnet-moving:playback_1", "jamnet-test-sink:playback_MONO", FALSE, 3000));

  g_assert_true (jn_audio_device_set_link (device, JN_AUDIO_LINK_OUTPUT, NULL, &error));
  g_assert_cmpint (jn_audio_device_get_link (device, JN_AUDIO_LINK_OUTPUT, NULL), ==, JN_AUDIO_LINK_UNCONNECTED);
  g_assert_true (wait_linked ("jamnet-moving:playback_1", "jamnet-second-sink:playback_FL", FALSE, 3000));

  other = jn_audio_device_new ("pipewire", &plain, silent_process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (jn_audio_device_set_link (other, JN_AUDIO_LINK_OUTPUT, "jamnet-test-sink", &error));
  detail = wait_link_state (other, JN_AUDIO_LINK_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_true (pw_linked ("jamnet-unlinked:playback_1", "jamnet-test-sink:playback_MONO"));
  destroy_object (second);

  null = jn_audio_device_new ("null", &plain, silent_process, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (jn_audio_device_set_link (null, JN_AUDIO_LINK_OUTPUT, "jamnet-test-sink", &error));
  g_assert_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_FAILED);
  g_test_message ("null: %s", error->message);
  g_clear_error (&error);
  g_assert_true (jn_audio_device_set_link (null, JN_AUDIO_LINK_OUTPUT, NULL, &error));
}

/* MIDI by port: a keyboard's output into our midi_in and our midi_out into
 * its input, named as pw-link names them; notes go through both ways. */
static void
test_connect_midi (void)
{
  JnAudioConfig keys_config = { "jamnet-kbd", RATE, 1, QUANTUM, TRUE };
  JnAudioConfig config = { "jamnet-player", RATE, 1, QUANTUM, TRUE, NULL,
                           { NULL, NULL, "jamnet-kbd:midi_out", "jamnet-kbd:midi_in" } };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnAudioDevice) keys = jn_audio_device_new ("pipewire", &keys_config, silent_process, NULL, &error);
  g_autoptr(JnAudioDevice) player = NULL;
  g_autofree char *detail = NULL;
  JnAudioDevice *from[2], *to[2];

  g_assert_no_error (error);
  player = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
  g_assert_no_error (error);
  detail = wait_link_state (player, JN_AUDIO_LINK_MIDI_INPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_cmpstr (detail, ==, "midi_out");
  g_clear_pointer (&detail, g_free);
  detail = wait_link_state (player, JN_AUDIO_LINK_MIDI_OUTPUT, JN_AUDIO_LINK_LINKED, 3000);
  g_assert_cmpint (jn_audio_device_get_link (player, JN_AUDIO_LINK_OUTPUT, NULL), ==, JN_AUDIO_LINK_UNCONNECTED);
  g_usleep (100000);

  from[0] = keys; to[0] = player;
  from[1] = player; to[1] = keys;
  for (guint way = 0; way < 2; way++)
    {
      guint received = 0;
      gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

      for (guint i = 0; i < 8; i++)
        {
          guint8 note[3] = { 0x90 | way, (guint8) (48 + i), 64 };

          g_assert_true (jn_audio_device_send_midi (from[way], note, 3));
        }
      while (received < 8 && g_get_monotonic_time () < deadline)
        {
          guint8 got[JN_AUDIO_MIDI_MAX];
          gsize n = jn_audio_device_receive_midi (to[way], got, sizeof got);

          if (n == 0)
            {
              g_usleep (2000);
              continue;
            }
          g_assert_cmpuint (n, ==, 3);
          g_assert_cmpuint (got[0], ==, 0x90 | way);
          g_assert_cmpuint (got[1], ==, 48 + received);
          received++;
        }
      g_assert_cmpuint (received, ==, 8);
    }
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
  guint received = 0, last_note = 0;
  gint64 xruns = 0;

  host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "host", "--port", "0",
                           "--bind", "127.0.0.1", "--name", "Host", "--audio", "pipewire",
                           "--midi-in", "jamnet-keys:midi_out", "--frames", "256", "-q", "--duration", "20", "--stats-json", host_json, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  url = jn_test_read_host_url (out);
  g_assert_nonnull (url);

  join = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, cli, "join", url, "--bind",
                           "127.0.0.1", "--name", "Joiner", "--audio", "pipewire", "-q",
                           "--midi-out", "jamnet-keys:midi_in",
                           "--duration", "4", "--stats-json", join_json, NULL);
  g_assert_no_error (error);

  /* a keyboard (our node, made after both were told to link to it) plays
   * into the host's MIDI port; the notes cross the network and come out
   * of the joiner's MIDI port, back to us */
  {
    JnAudioConfig config = { "jamnet-keys", RATE, 1, QUANTUM, TRUE };
    g_autoptr(JnAudioDevice) keys = jn_audio_device_new ("pipewire", &config, silent_process, NULL, &error);
    guint8 got[JN_AUDIO_MIDI_MAX];
    gint64 deadline;

    g_assert_no_error (error);
    g_assert_true (wait_linked ("jamnet-keys:midi_out", "JamNet Host:midi_in", TRUE, 3000));
    g_assert_true (wait_linked ("JamNet Joiner:midi_out", "jamnet-keys:midi_in", TRUE, 3000));
    /* both play to the default sink; the default input is the sink's
     * monitor, which they leave alone */
    g_assert_true (wait_linked ("JamNet Host:playback_1", "jamnet-test-sink:playback_MONO", TRUE, 3000));
    g_assert_false (pw_linked ("jamnet-test-sink:monitor_MONO", "JamNet Host:capture_1"));
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
        /* in the order played, each once */
        g_assert_cmpuint (got[1], >=, 60 + received);
        g_assert_cmpuint (got[1], <, 70);
        g_assert_cmpuint (got[1], >, last_note);
        last_note = got[1];
        received++;
      }
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
      /* deadlines are missed on these shared, non-real-time cores (on a
       * quiet day about one run in eight showed one xrun, on a busy one
       * 3 to 66 of 750 periods, the code before and after alike): xruns
       * over time are a benchmark figure (jamnet-bench audio-path); here
       * audio must flow, with fewer than a tenth of the periods missed */
      xruns += json_object_get_int_member (audio, "xruns");
      g_assert_cmpint (json_object_get_int_member (audio, "xruns"), <,
                       json_object_get_int_member (audio, "periods") / 10);
      g_assert_cmpint (json_object_get_int_member (peer, "audio_packets"), >, 550);
      /* the packet clock follows the node's cycles: two 128-frame packets
       * a 256-frame cycle, sent as each cycle captures them, never paced
       * by the media thread's own timer while the node runs */
      g_test_message ("%s: %" G_GINT64_FORMAT " packets sent, clock fallbacks %" G_GINT64_FORMAT
                      ", skips %" G_GINT64_FORMAT, i ? "join" : "host",
                      json_object_get_int_member (stats[i], "packets_sent"),
                      json_object_get_int_member (stats[i], "clock_fallbacks"),
                      json_object_get_int_member (stats[i], "clock_skips"));
      /* (50 ms without a cycle would be xruns too) */
      g_assert_cmpint (json_object_get_int_member (stats[i], "clock_fallbacks"), <=,
                       json_object_get_int_member (audio, "xruns"));
      /* the device reports at least its own 256-frame cycle each way, and
       * the end-to-end estimate adds it to network and jitter buffer */
      g_assert_cmpfloat (json_object_get_double_member (audio, "capture_latency_ms"), >=, 256 * 1000.0 / RATE);
      g_assert_cmpfloat (json_object_get_double_member (audio, "playback_latency_ms"), >=, 256 * 1000.0 / RATE);
      g_assert_cmpfloat (json_object_get_double_member (peer, "end_to_end_ms"), >,
                         json_object_get_double_member (audio, "capture_latency_ms") +
                         json_object_get_double_member (audio, "playback_latency_ms"));
    }
  /* every note crossed, unless a cycle PipeWire missed took its MIDI with
   * it (at most one note a missed cycle) */
  g_test_message ("%u of 10 notes came back; %" G_GINT64_FORMAT " xruns in all", received, xruns);
  g_assert_cmpuint (received, >, 0);
  g_assert_cmpint (10 - (gint64) received, <=, xruns);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/audio/pipewire-loopback", test_pipewire_loopback);
  g_test_add_func ("/audio/pipewire-midi", test_pipewire_midi);
  g_test_add_func ("/audio/alsa-through-pipewire", test_alsa_through_pipewire);
  g_test_add_func ("/audio/device-list", test_device_list);
  g_test_add_func ("/audio/connect-devices", test_connect_devices);
  g_test_add_func ("/audio/connect-default", test_connect_default);
  g_test_add_func ("/audio/connect-hotplug", test_connect_hotplug);
  g_test_add_func ("/audio/connect-live", test_connect_live);
  g_test_add_func ("/audio/connect-midi", test_connect_midi);
  g_test_add_func ("/audio/null-clock", test_null_clock);
  g_test_add_func ("/audio/no-server", test_no_server);
  g_test_add_func ("/audio/session-on-pipewire", test_session_on_pipewire);

  return g_test_run ();
}
