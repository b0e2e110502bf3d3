/* jn-cli-options.c: jamnet-cli's options, their defaults and checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "jn-cli-options.h"
#include "jn-demo.h"
#include "jn-control.h"
#include "jn-midi.h"

static int
usage (GOptionContext *context)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("%s", help);
  return 2;
}

static gboolean parse_volume (JnCliOptions *o, const char *arg);

static gboolean
bad_value (int        *exit_status,
           const char *message)
{
  g_printerr ("%s", message);
  *exit_status = 2;
  return FALSE;
}

static gboolean
parse_mode (JnCliOptions  *o,
            int            argc,
            char         **argv)
{
  static const struct { const char *name; JnCliMode mode; gboolean url; } modes[] = {
    { "host", JN_CLI_HOST, FALSE }, { "join", JN_CLI_JOIN, TRUE }, { "demo", JN_CLI_DEMO, FALSE },
    { "latency-test", JN_CLI_LATENCY_TEST, TRUE }, { "list", JN_CLI_LIST, FALSE },
    { "devices", JN_CLI_DEVICES, FALSE }, { "rooms", JN_CLI_ROOMS, TRUE },
  };

  for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS (modes); i++)
    if (g_str_equal (argv[1], modes[i].name) && argc == (modes[i].url ? 3 : 2))
      {
        o->mode = modes[i].mode;
        o->url = modes[i].url ? g_strdup (argv[2]) : NULL;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_format (JnCliOptions  *o,
              GError       **error)
{
  o->format.rate = o->rate;
  o->format.frames = o->frames;
  o->format.channels = o->channels;
  if (g_str_equal (o->sample_format, "s16"))
    o->format.format = JN_SAMPLE_S16;
  else if (g_str_equal (o->sample_format, "s24"))
    o->format.format = JN_SAMPLE_S24;
  else if (g_str_equal (o->sample_format, "f32"))
    o->format.format = JN_SAMPLE_F32;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown sample format “%s” (use s16, s24 or f32)"), o->sample_format);
      return FALSE;
    }
  if (g_str_equal (o->codec, "opus"))
    {
      o->format.format = JN_SAMPLE_OPUS;
      o->format.bitrate = (guint32) MAX (o->bitrate_kbps, 0) * 1000;
    }
  else if (!g_str_equal (o->codec, "pcm"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown codec “%s” (use pcm or opus)"), o->codec);
      return FALSE;
    }
  return o->mode != JN_CLI_HOST && o->mode != JN_CLI_DEMO ? TRUE : jn_audio_format_validate (&o->format, error);
}

static gboolean
check (JnCliOptions *o,
       int          *exit_status)
{
  if (o->sample_format == NULL)
    o->sample_format = g_strdup ("s16");
  if (o->codec == NULL)
    o->codec = g_strdup ("pcm");
  for (guint k = JN_AUDIO_LINK_INPUT; k <= JN_AUDIO_LINK_OUTPUT; k++)
    if (o->connect[k] == NULL)
      o->connect[k] = g_strdup ("default");
  if (o->session == NULL)
    o->session = g_strdup (_("JamNet session"));
  if (o->name == NULL)
    o->name = g_strdup (o->mode == JN_CLI_JOIN ? g_get_user_name () : g_get_host_name ());
  if (o->port < 0 || o->port > 65535 || o->udp_port < 0 || o->udp_port > 65535)
    return bad_value (exit_status, _("Ports are numbers from 0 to 65535\n"));
  if (o->stun != NULL && !jn_ip_port_parse (o->stun, NULL, NULL))
    return bad_value (exit_status, _("--stun takes a numeric IP:PORT, such as 203.0.113.1:3478\n"));
  if (o->turn != NULL)
    {
      g_autofree char *ip_port = NULL, *username = NULL, *password = NULL;

      if (!jn_turn_server_parse (o->turn, &ip_port, &username, &password))
        return bad_value (exit_status, _("--turn takes USER:PASSWORD@IP:PORT, with a numeric IP\n"));
    }
  if (o->jitter_depth < 0 || o->jitter_depth > 32)
    return bad_value (exit_status, _("--jitter-depth must be 1..32 packets\n"));
  if (o->latency == NULL)
    o->latency = g_strdup ("balanced");
  if (g_str_equal (o->latency, "lowest"))
    o->safety = 0.0;
  else if (g_str_equal (o->latency, "balanced"))
    o->safety = 0.5;
  else if (g_str_equal (o->latency, "safest"))
    o->safety = 1.0;
  else
    {
      char *end = NULL;

      o->safety = g_ascii_strtod (o->latency, &end);
      if (end == o->latency || *end != '\0' || !(o->safety >= 0.0 && o->safety <= 1.0))
        return bad_value (exit_status, _("--latency takes lowest, balanced, safest or a number from 0 to 1\n"));
    }
  if (o->chat != NULL && !jn_chat_text_is_valid (o->chat))
    {
      g_autofree char *text = g_strdup_printf (_("--chat takes 1 to %d characters, without line breaks\n"),
                                               JN_CHAT_MAX_CHARS);

      return bad_value (exit_status, text);
    }
  if (o->redundancy == NULL || g_str_equal (o->redundancy, "0"))
    o->copies = 0;
  else if (g_str_equal (o->redundancy, "auto"))
    o->copies = -1;
  else
    {
      char *end = NULL;
      gint64 k = g_ascii_strtoll (o->redundancy, &end, 10);

      if (end == o->redundancy || *end != '\0' || k < 0 || k > JN_COPY_MAX)
        {
          g_autofree char *text = g_strdup_printf (_("--redundancy takes auto or 0..%d\n"), JN_COPY_MAX);

          return bad_value (exit_status, text);
        }
      o->copies = (int) k;
    }
  if (o->max_upload_kbps < 0)
    return bad_value (exit_status, _("--max-upload-kbps takes a number of kbit/s (0: no bound)\n"));
  if (o->midi_redundancy < 1 || o->midi_redundancy > JN_MIDI_REDUNDANCY_MAX)
    {
      g_autofree char *text = g_strdup_printf (_("--midi-redundancy must be 1..%d\n"), JN_MIDI_REDUNDANCY_MAX);

      return bad_value (exit_status, text);
    }
  if (!(o->monitor_gain >= 0 && o->monitor_gain <= 4) || !(o->master_gain >= 0 && o->master_gain <= 4))
    return bad_value (exit_status, _("--monitor and --master take a gain from 0 to 4\n"));
  for (guint i = 0; o->volume_args != NULL && o->volume_args[i] != NULL; i++)
    if (!parse_volume (o, o->volume_args[i]))
      {
        g_autofree char *text =
          g_strdup_printf (_("--volume takes NAME=GAIN or NAME=GAIN:PAN, a gain 0..4 or “mute” "
                             "and a pan -1 (left) .. 1 (right), not “%s”\n"), o->volume_args[i]);

        return bad_value (exit_status, text);
      }
  if (o->count < 1 || o->count > JN_LATENCY_TEST_MAX_CLICKS)
    {
      g_autofree char *text = g_strdup_printf (_("--count must be 1..%d\n"), JN_LATENCY_TEST_MAX_CLICKS);

      return bad_value (exit_status, text);
    }
  if (o->unlisted && !o->create_room)
    return bad_value (exit_status, _("--unlisted goes with --create: a room's listing is set "
                                     "when it is opened\n"));
  /* written so that NaN, which compares false with everything, fails */
  if (o->midi_interval_ms < 1 || o->midi_test < 0 || !(o->duration >= 0 && o->duration <= 1e7) ||
      !(o->delay_ms >= 0 && o->delay_ms <= 10000) || !(o->jitter_ms >= 0 && o->jitter_ms <= 10000) ||
      !(o->loss_percent >= 0 && o->loss_percent <= 100) || !(o->tempo >= 20 && o->tempo <= 400))
    return bad_value (exit_status, _("An option has a value out of range; see --help\n"));
  /* files written at the end must be writable from the start: a typo in a
   * path should not cost a whole session's figures */
  {
    const char *outputs[] = { o->stats_json, o->report, o->record, o->record_midi, o->metronome_log };

    for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
      {
        g_autofree char *dir = outputs[i] != NULL ? g_path_get_dirname (outputs[i]) : NULL;

        if (dir != NULL && (!g_file_test (dir, G_FILE_TEST_IS_DIR) || g_access (dir, W_OK) != 0))
          {
            g_autofree char *text = g_strdup_printf (_("Cannot write “%s”: “%s” is not a folder "
                                                       "you can write to\n"), outputs[i], dir);

            return bad_value (exit_status, text);
          }
      }
  }
  {
    g_autoptr(GError) error = NULL;

    if (!parse_format (o, &error))
      {
        g_printerr (_("jamnet-cli: %s\n"), error->message);
        *exit_status = 2;
        return FALSE;
      }
  }
  if (o->metronome_log != NULL)
    o->metronome = TRUE;
  if (o->insecure)
    g_printerr (_("jamnet-cli: WARNING: --insecure: audio and MIDI travel UNENCRYPTED and "
                  "UNAUTHENTICATED; anyone on the network can listen and inject. Use it only "
                  "to benchmark.\n"));
  return TRUE;
}

gboolean
jn_cli_options_parse (JnCliOptions   *o,
                      int            *argc,
                      char         ***argv,
                      int            *exit_status)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &o->port, N_("host: WebSocket port (0 picks a free one)"), "N" },
    { "udp-port", 0, 0, G_OPTION_ARG_INT, &o->udp_port, N_("UDP media port (default: any free one)"), "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &o->bind, N_("IP address to listen on (default: all)"), "ADDR" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &o->name, N_("Your name in the session"), "NAME" },
    { "session", 's', 0, G_OPTION_ARG_STRING, &o->session, N_("host: session name"), "NAME" },
    { "passphrase", 0, 0, G_OPTION_ARG_STRING, &o->passphrase, N_("Session passphrase"), "TEXT" },
    { "certificate", 0, 0, G_OPTION_ARG_FILENAME, &o->certificate, N_("host: present this certificate (a PEM file with its key) instead of your own, made on first use"), "FILE" },
    { "trust-new-certificate", 0, 0, G_OPTION_ARG_NONE, &o->trust_new_certificate, N_("join: accept a session whose certificate changed since you last joined it (only when its host says it made a new one)"), NULL },
    { "create", 0, 0, G_OPTION_ARG_NONE, &o->create_room, N_("join a server's room (jamnet://server/room): open it if it is not, with --passphrase if given"), NULL },
    { "unlisted", 0, 0, G_OPTION_ARG_NONE, &o->unlisted, N_("with --create: keep the room off the server's room list (join it by its link)"), NULL },
    { "stun", 0, 0, G_OPTION_ARG_STRING, &o->stun, N_("join a room: find your public address with this STUN server instead of the room's"), "IP:PORT" },
    { "turn", 0, 0, G_OPTION_ARG_STRING, &o->turn, N_("join a room: relay through this TURN server instead of the room's"), "USER:PASSWORD@IP:PORT" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &o->input, N_("Stream this WAV file (default: a test tone)"), "FILE" },
    { "silence", 0, 0, G_OPTION_ARG_NONE, &o->silence, N_("Stream silence"), NULL },
    { "audio", 'a', 0, G_OPTION_ARG_STRING, &o->audio, N_("Play and capture through an audio device: pipewire, alsa, null or auto; null:drift=+250ppm is a null device whose clock runs fast"), "BACKEND" },
    { "record", 'r', 0, G_OPTION_ARG_FILENAME, &o->record, N_("Record each peer to FILE-<peer id>.wav"), "FILE" },
    { "record-midi", 0, 0, G_OPTION_ARG_FILENAME, &o->record_midi, N_("Write received MIDI as JMID lines"), "FILE" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o->duration, N_("Stop after this many seconds"), "S" },
    { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &o->stats_json, N_("Write the final stats as JSON"), "FILE" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &o->report, N_("At the end, write a session report: per-peer latency over time (.json, .csv, .html or .pdf)"), "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("No per-second stats lines"), NULL },
    { "latency", 'l', 0, G_OPTION_ARG_STRING, &o->latency, N_("Jitter buffer: lowest, balanced (default), safest, or 0..1"), "MODE" },
    { "jitter-depth", 0, 0, G_OPTION_ARG_INT, &o->jitter_depth, N_("Fixed jitter buffer depth in packets (default: adaptive)"), "N" },
    { "plc", 0, 0, G_OPTION_ARG_STRING, &o->plc, N_("Loss concealment: pnbtr (default), burg, repeat, zero"), "METHOD" },
    { "pnbtr-backend", 0, 0, G_OPTION_ARG_STRING, &o->pnbtr_backend, N_("Where PNBTR fits its models: auto (default), cpu, opencl, cuda, off"), "BACKEND" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &o->frames, N_("host: frames per packet (default 128)"), "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &o->rate, N_("host: sample rate (default 48000)"), "HZ" },
    { "channels", 0, 0, G_OPTION_ARG_INT, &o->channels, N_("host: channels (default 1)"), "N" },
    { "sample-format", 0, 0, G_OPTION_ARG_STRING, &o->sample_format, N_("host: s16, s24 or f32 (default s16)"), "FMT" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &o->codec, N_("host: pcm (default) or opus"), "CODEC" },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &o->bitrate_kbps, N_("host: Opus kbit/s per channel, 32..256 (default 128)"), "KBPS" },
    { "tempo", 0, 0, G_OPTION_ARG_DOUBLE, &o->tempo, N_("host: session tempo in BPM (default 120)"), "BPM" },
    { "midi-test", 0, 0, G_OPTION_ARG_INT, &o->midi_test, N_("Send N test MIDI notes on/off"), "N" },
    { "midi-interval", 0, 0, G_OPTION_ARG_INT, &o->midi_interval_ms, N_("Milliseconds between test MIDI events (default 10)"), "MS" },
    { "redundancy", 0, 0, G_OPTION_ARG_STRING, &o->redundancy, N_("Send copies of the last K audio packets in each one: auto (as the others' losses ask) or 0..4 (default 0; PCM only)"), "auto|K" },
    { "max-upload-kbps", 0, 0, G_OPTION_ARG_INT, &o->max_upload_kbps, N_("With --redundancy auto: keep the upload to all players within this many kbit/s (default 0: no bound)"), "N" },
    { "midi-redundancy", 0, 0, G_OPTION_ARG_INT, &o->midi_redundancy, N_("Send each MIDI event K times, 1..5 (default 1)"), "K" },
    { "audio-device", 0, 0, G_OPTION_ARG_STRING, &o->audio_device, N_("ALSA: the PCM to use (default: default)"), "NAME" },
    { "audio-in", 0, 0, G_OPTION_ARG_STRING, &o->connect[JN_AUDIO_LINK_INPUT], N_("PipeWire: record from this source (see “devices”; default: default, none: use a patchbay)"), "NAME" },
    { "audio-out", 0, 0, G_OPTION_ARG_STRING, &o->connect[JN_AUDIO_LINK_OUTPUT], N_("PipeWire: play to this sink (see “devices”; default: default, none: use a patchbay)"), "NAME" },
    { "midi-in", 0, 0, G_OPTION_ARG_STRING, &o->connect[JN_AUDIO_LINK_MIDI_INPUT], N_("PipeWire: take MIDI from this port (see “devices”; default: none)"), "PORT" },
    { "midi-out", 0, 0, G_OPTION_ARG_STRING, &o->connect[JN_AUDIO_LINK_MIDI_OUTPUT], N_("PipeWire: send the others' MIDI to this port (see “devices”; default: none)"), "PORT" },
    { "monitor", 0, 0, G_OPTION_ARG_DOUBLE, &o->monitor_gain, N_("With --audio: hear yourself at this gain, 0..4 (default 0)"), "GAIN" },
    { "master", 0, 0, G_OPTION_ARG_DOUBLE, &o->master_gain, N_("With --audio: gain of the others' mix, 0..4 (default 1)"), "GAIN" },
    { "volume", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->volume_args, N_("How loud a player is for you, GAIN 0..4 or mute, and where, PAN -1 (left) .. 1 (right); in a mix room the server mixes it so (repeatable)"), "NAME=GAIN[:PAN]" },
    { "metronome", 0, 0, G_OPTION_ARG_NONE, &o->metronome, N_("Play a click on the session's shared beat (needs --audio to be heard)"), NULL },
    { "metronome-log", 0, 0, G_OPTION_ARG_FILENAME, &o->metronome_log, N_("Write when each click sounds, as JSON lines"), "FILE" },
    { "chat", 0, 0, G_OPTION_ARG_STRING, &o->chat, N_("Say this to everyone once another player is there (what the others say is printed)"), "TEXT" },
    { "private", 0, 0, G_OPTION_ARG_NONE, &o->private_session, N_("host: do not announce the session on the LAN"), NULL },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &o->insecure, N_("Send and take media unencrypted, for benchmarks against other apps; joins only sessions run the same way"), NULL },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &o->echo, N_("Send back what the others send (for their latency-test)"), NULL },
    { "count", 0, 0, G_OPTION_ARG_INT, &o->count, N_("latency-test: clicks to time (default 10)"), "N" },
    { "delay", 0, 0, G_OPTION_ARG_DOUBLE, &o->delay_ms, N_("demo: emulated one-way delay (default 20)"), "MS" },
    { "jitter", 0, 0, G_OPTION_ARG_DOUBLE, &o->jitter_ms, N_("demo: emulated jitter (default 4)"), "MS" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &o->loss_percent, N_("demo: emulated packet loss (default 2)"), "PERCENT" },
    { NULL }
  };

  memset (o, 0, sizeof *o);
  o->port = JN_DEFAULT_PORT;
  o->frames = 128;
  o->rate = 48000;
  o->bitrate_kbps = JN_OPUS_DEFAULT_BITRATE / 1000;
  o->channels = 1;
  o->midi_interval_ms = 10;
  o->midi_redundancy = 1;
  o->tempo = 120.0;
  o->count = 10;
  o->master_gain = 1.0;
  o->delay_ms = JN_DEMO_DELAY_MS;
  o->jitter_ms = JN_DEMO_JITTER_MS;
  o->loss_percent = JN_DEMO_LOSS_PERCENT;

  context = g_option_context_new (_("host | join URL | demo | latency-test URL | list | rooms SERVER | devices"));
  g_option_context_set_summary (context,
    _("Play music live with other people over the network, headless.\n\n"
      "  host          host a session\n"
      "  join URL      join the session at URL (host:port, jamnet://host:port, ws://...)\n"
      "                or a server's room (jamnet://server:port/room; --create opens it)\n"
      "  demo          host a session with a simulated player behind an emulated network\n"
      "  latency-test URL  time clicks echoed by a peer running with --echo\n"
      "  list          the sessions announced on the LAN\n"
      "  rooms SERVER  the rooms a JamNet server lists\n"
      "  devices       the audio and MIDI devices --audio-in, --audio-out, --midi-in, --midi-out can name"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      *exit_status = 2;
      return FALSE;
    }
  if (!parse_mode (o, *argc, *argv))
    {
      *exit_status = usage (context);
      return FALSE;
    }
  return check (o, exit_status);
}

void
jn_cli_options_clear (JnCliOptions *o)
{
  char **strings[] = {
    &o->url, &o->bind, &o->name, &o->session, &o->passphrase, &o->input, &o->record, &o->record_midi,
    &o->stats_json, &o->report, &o->latency, &o->plc, &o->pnbtr_backend, &o->audio, &o->audio_device,
    &o->sample_format, &o->codec, &o->metronome_log, &o->certificate, &o->stun, &o->turn,
    &o->redundancy, &o->chat,
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    g_clear_pointer (&o->connect[k], g_free);
  g_clear_pointer (&o->volume_args, g_strfreev);
  g_clear_pointer (&o->volumes, g_array_unref);
}

static void
clear_volume (JnCliVolume *v)
{
  g_free (v->name);
}

/* NAME=GAIN[:PAN]; the name is everything before the last '=' */
static gboolean
parse_volume (JnCliOptions *o,
              const char   *arg)
{
  const char *eq = strrchr (arg, '=');
  g_auto(GStrv) parts = NULL;
  JnCliVolume v = { 0 };
  char *end;

  if (eq == NULL || eq == arg)
    return FALSE;
  parts = g_strsplit (eq + 1, ":", 3);
  if (parts[0] == NULL || (parts[1] != NULL && parts[2] != NULL))
    return FALSE;
  if (g_str_equal (parts[0], "mute"))
    v.mute = TRUE, v.gain = 1.0;
  else
    {
      v.gain = g_ascii_strtod (parts[0], &end);
      if (end == parts[0] || *end != '\0' || !(v.gain >= 0 && v.gain <= 4))
        return FALSE;
    }
  if (parts[1] != NULL)
    {
      v.pan = g_ascii_strtod (parts[1], &end);
      if (end == parts[1] || *end != '\0' || !(v.pan >= -1 && v.pan <= 1))
        return FALSE;
    }
  if (o->volumes == NULL)
    {
      o->volumes = g_array_new (FALSE, TRUE, sizeof (JnCliVolume));
      g_array_set_clear_func (o->volumes, (GDestroyNotify) clear_volume);
    }
  v.name = g_strndup (arg, eq - arg);
  g_array_append_val (o->volumes, v);
  return TRUE;
}

gboolean
jn_cli_options_apply_volume (const JnCliOptions *o,
                             JnPeer             *peer)
{
  for (guint i = 0; o->volumes != NULL && i < o->volumes->len; i++)
    {
      const JnCliVolume *v = &g_array_index (o->volumes, JnCliVolume, i);

      if (g_strcmp0 (v->name, jn_peer_get_name (peer)) == 0)
        {
          jn_peer_set_gain (peer, v->gain);
          jn_peer_set_muted (peer, v->mute);
          jn_peer_set_pan (peer, v->pan);
          return TRUE;
        }
    }
  return FALSE;
}

void
jn_cli_options_session_config (const JnCliOptions *o,
                               JnSessionConfig    *config)
{
  jn_session_config_init (config);
  config->player_name = o->name;
  config->bind_address = o->bind;
  config->port = (guint16) o->port;
  config->udp_port = (guint16) o->udp_port;
  config->announce = !o->private_session;
  config->format = o->format;
  config->tempo_bpm = o->tempo;
  config->jitter_depth = (guint) o->jitter_depth;
  config->latency_safety = o->safety;
  config->concealment = o->plc;
  config->pnbtr_backend = o->pnbtr_backend;
  config->midi_redundancy = (guint) o->midi_redundancy;
  config->audio_copies = o->copies > 0 ? (guint) o->copies : 0;
  config->audio_copies_auto = o->copies < 0;
  config->max_upload_kbps = (guint) o->max_upload_kbps;
  config->audio_backend = o->audio;
  config->alsa_device = o->audio_device;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    config->connect[k] = g_strcmp0 (o->connect[k], "none") == 0 ? NULL : o->connect[k];
  config->monitor_gain = o->monitor_gain;
  config->master_gain = o->master_gain;
  config->metronome = o->metronome;
  config->insecure = o->insecure;
  config->certificate_file = o->certificate;
  config->trust_new_certificate = o->trust_new_certificate;
  config->create_room = o->create_room;
  config->room_unlisted = o->unlisted;
  config->stun = o->stun;
  config->turn = o->turn;
}

gboolean
jn_cli_options_setup_session (const JnCliOptions  *o,
                              JnSession           *session,
                              guint               *wav_rate,
                              GError             **error)
{
  JnCaptureSource *source;

  if (o->echo)
    source = jn_capture_source_new (JN_CAPTURE_ECHO);
  else if (o->silence)
    source = jn_capture_source_new (JN_CAPTURE_SILENCE);
  else if (o->input != NULL)
    {
      JnWavReader *reader = jn_wav_reader_open (o->input, error);

      if (reader == NULL)
        return FALSE;
      *wav_rate = jn_wav_reader_get_rate (reader);
      source = jn_capture_source_new_wav (reader);
    }
  else
    source = jn_capture_source_new (JN_CAPTURE_TONE);
  jn_session_set_capture_source (session, source);
  if (o->record != NULL || o->record_midi != NULL || o->metronome_log != NULL)
    {
      JnRecorder *recorder = jn_recorder_new (o->record, o->record_midi, o->metronome_log, error);

      if (recorder == NULL)
        return FALSE;
      jn_session_set_recorder (session, recorder);
    }
  if (o->mode == JN_CLI_LATENCY_TEST)
    jn_session_set_latency_test (session, jn_latency_test_new ((guint) o->count));
  return TRUE;
}
