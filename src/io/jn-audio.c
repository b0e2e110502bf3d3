/* jn-audio.c: choosing and running an audio backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "jn-audio-private.h"
#include "jn-realtime.h"

G_DEFINE_QUARK (jn-audio-error-quark, jn_audio_error)

static const JnAudioBackend *backends[] = {
#ifdef JN_HAVE_PIPEWIRE
  &jn_audio_backend_pipewire,
#endif
#ifdef JN_HAVE_ALSA
  &jn_audio_backend_alsa,
#endif
  &jn_audio_backend_null,
};

static void
free_strings (JnAudioDevice *device)
{
  g_free (device->name);
  g_free (device->device_name);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    g_free (device->connect[k]);
}

/* "null:drift=+250ppm": the backend's name, and its options after a colon
 * (only the null device has any) */
static gboolean
parse_options (const char  *spec,
               char       **name,
               double      *drift_ppm,
               GError     **error)
{
  const char *colon = strchr (spec, ':');
  g_auto(GStrv) options = NULL;

  *drift_ppm = 0;
  *name = colon != NULL ? g_strndup (spec, (gsize) (colon - spec)) : g_strdup (spec);
  if (colon == NULL)
    return TRUE;
  options = g_strsplit (colon + 1, ",", -1);
  for (guint i = 0; options[i] != NULL; i++)
    {
      char *end = NULL;

      if (g_str_equal (*name, "null") && g_str_has_prefix (options[i], "drift="))
        {
          *drift_ppm = g_ascii_strtod (options[i] + strlen ("drift="), &end);
          if (end != options[i] + strlen ("drift=") && g_str_equal (end, "ppm") &&
              *drift_ppm >= -JN_AUDIO_MAX_DRIFT_PPM && *drift_ppm <= JN_AUDIO_MAX_DRIFT_PPM)
            continue;
        }
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_UNKNOWN_BACKEND,
                   /* TRANSLATORS: %s is what was given after "null:"; keep drift=…ppm as it is */
                   g_str_equal (*name, "null") ? _("The null audio device does not understand “%s” (it takes drift=-2000ppm … drift=+2000ppm)")
                                               : _("The %s audio backend takes no options (“%s”)"),
                   g_str_equal (*name, "null") ? options[i] : *name, options[i]);
      g_clear_pointer (name, g_free);
      return FALSE;
    }
  return TRUE;
}

JnAudioDevice *
jn_audio_device_new (const char          *spec,
                     const JnAudioConfig *config,
                     JnAudioProcess       process,
                     gpointer             user_data,
                     GError             **error)
{
  g_autoptr(GError) first_error = NULL;
  g_autofree char *backend = NULL;
  double drift_ppm = 0;

  g_return_val_if_fail (config != NULL && process != NULL, NULL);
  g_return_val_if_fail (config->channels >= 1 && config->channels <= 8, NULL);
  g_return_val_if_fail (config->rate >= 8000 && config->quantum >= 16, NULL);

  if (spec != NULL && !parse_options (spec, &backend, &drift_ppm, error))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (backends); i++)
    {
      JnAudioDevice *device;
      g_autoptr(GError) local_error = NULL;

      if (backend != NULL && !g_str_equal (backend, backends[i]->name))
        continue;

      device = g_new0 (JnAudioDevice, 1);
      device->backend = backends[i];
      device->config = *config;
      device->name = g_strdup (config->name ? config->name : "JamNet");
      device->config.name = device->name;
      device->device_name = g_strdup (config->device);
      device->config.device = device->device_name;
      for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
        {
          device->connect[k] = config->connect[k] && *config->connect[k] ? g_strdup (config->connect[k]) : NULL;
          device->config.connect[k] = device->connect[k];
        }
      device->process = process;
      device->drift_ppm = drift_ppm;
      device->midi_received = jn_midi_queue_new ();
      device->midi_to_send = jn_midi_queue_new ();
      device->user_data = user_data;
      /* until the backend knows better: one period each way */
      atomic_init (&device->capture_latency, config->quantum);
      atomic_init (&device->playback_latency, config->quantum);
      device->backend_data = backends[i]->open (device, &local_error);
      if (device->backend_data != NULL)
        {
          if (backend == NULL && first_error != NULL)
            g_message ("%s; using the %s audio backend", first_error->message, backends[i]->name);
          return device;
        }
      free_strings (device);
      jn_ring_free (device->midi_received);
      jn_ring_free (device->midi_to_send);
      g_free (device);
      if (backend != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  if (backend != NULL)
    g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_UNKNOWN_BACKEND,
                 _("Unknown audio backend “%s” (this JamNet has: %s)"), backend,
#ifdef JN_HAVE_PIPEWIRE
                 "pipewire, "
#endif
#ifdef JN_HAVE_ALSA
                 "alsa, "
#endif
                 "null");
  else
    g_propagate_error (error, g_steal_pointer (&first_error));
  return NULL;
}

void
jn_audio_device_free (JnAudioDevice *device)
{
  if (device == NULL)
    return;
  device->backend->close (device->backend_data);
  free_strings (device);
  jn_ring_free (device->midi_received);
  jn_ring_free (device->midi_to_send);
  g_free (device);
}

const char *
jn_audio_device_get_backend (JnAudioDevice *device)
{
  return device->backend->name;
}

guint64
jn_audio_device_get_xruns (JnAudioDevice *device)
{
  return atomic_load (&device->xruns);
}

guint64
jn_audio_device_get_periods (JnAudioDevice *device)
{
  return atomic_load (&device->periods);
}

void
jn_audio_device_get_latency (JnAudioDevice *device,
                             guint         *capture_frames,
                             guint         *playback_frames)
{
  *capture_frames = atomic_load (&device->capture_latency);
  *playback_frames = atomic_load (&device->playback_latency);
}

void
jn_audio_device_thread_realtime (JnAudioDevice *device)
{
  g_autoptr(GError) error = NULL;
  const char *via;

  atomic_store (&device->thread_tid, jn_realtime_get_tid ());
  if (jn_realtime_wanted () &&
      jn_realtime_acquire (jn_realtime_get_tid (), JN_REALTIME_PRIORITY_DEVICE, &via, &error) == 0)
    g_debug ("The %s device thread keeps normal priority: %s", device->backend->name, error->message);
}

char *
jn_audio_device_describe_scheduling (JnAudioDevice *device)
{
  pid_t tid = atomic_load (&device->thread_tid);

  return tid != 0 ? jn_realtime_describe (tid) : NULL;
}

JnAudioLinkState
jn_audio_device_get_link (JnAudioDevice    *device,
                          JnAudioLinkKind   kind,
                          char            **detail)
{
  g_return_val_if_fail (kind < JN_AUDIO_N_LINKS, JN_AUDIO_LINK_UNCONNECTED);

  if (detail != NULL)
    *detail = NULL;
  if (device->backend->get_link == NULL || device->connect[kind] == NULL)
    return JN_AUDIO_LINK_UNCONNECTED;
  return device->backend->get_link (device->backend_data, kind, detail);
}

gboolean
jn_audio_device_set_link (JnAudioDevice    *device,
                          JnAudioLinkKind   kind,
                          const char       *connect,
                          GError          **error)
{
  g_return_val_if_fail (device != NULL, FALSE);
  g_return_val_if_fail (kind < JN_AUDIO_N_LINKS, FALSE);

  if (connect != NULL && *connect == '\0')
    connect = NULL;
  if (device->backend->set_link == NULL)
    {
      if (connect == NULL)
        return TRUE;   /* nothing linked, nothing asked */
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_FAILED,
                   /* TRANSLATORS: %s is the audio backend, "alsa" or "null" */
                   _("Devices change during a session only through PipeWire; with %s the change "
                     "applies to the next session"),
                   device->backend->name);
      return FALSE;
    }
  g_free (device->connect[kind]);
  device->connect[kind] = g_strdup (connect);
  device->config.connect[kind] = device->connect[kind];
  device->backend->set_link (device->backend_data, kind, connect);
  return TRUE;
}

char *
jn_audio_link_describe (JnAudioLinkKind   kind,
                        JnAudioLinkState  state,
                        const char       *detail)
{
  const char *what[] = { N_("Input"), N_("Output"), N_("MIDI in"), N_("MIDI out") };
  const char *name = _(what[MIN (kind, JN_AUDIO_N_LINKS - 1)]);
  gboolean is_default = g_strcmp0 (detail, "default") == 0;

  switch (state)
    {
    case JN_AUDIO_LINK_LINKED:
      /* TRANSLATORS: "Output: Built-in Audio Analog Stereo" */
      return g_strdup_printf (_("%s: %s"), name, detail ? detail : "");
    case JN_AUDIO_LINK_WAITING:
      if (is_default)
        /* TRANSLATORS: "Input: no default device" */
        return g_strdup_printf (_("%s: no default device"), name);
      /* TRANSLATORS: "MIDI in: waiting for “Keystation”", a device not plugged in */
      return g_strdup_printf (_("%s: waiting for “%s”"), name, detail ? detail : "");
    case JN_AUDIO_LINK_FAILED:
      /* TRANSLATORS: "Output: PipeWire refused the link (reason)" */
      return g_strdup_printf (_("%s: PipeWire refused the link (%s)"), name, detail ? detail : "");
    case JN_AUDIO_LINK_UNCONNECTED:
    default:
      /* TRANSLATORS: "Input: not connected (connect it in a patchbay)" */
      return g_strdup_printf (_("%s: not connected (connect it in a patchbay)"), name);
    }
}

char *
jn_audio_device_describe_links (JnAudioDevice *device)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (device != NULL, NULL);

  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      g_autofree char *detail = NULL, *line = NULL;
      JnAudioLinkState state = jn_audio_device_get_link (device, k, &detail);

      /* MIDI only when asked for */
      if (state == JN_AUDIO_LINK_UNCONNECTED && k >= JN_AUDIO_LINK_MIDI_INPUT)
        continue;
      line = jn_audio_link_describe (k, state, detail);
      g_string_append_printf (text, "%s%s", text->len ? " · " : "", line);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
jn_audio_device_send_midi (JnAudioDevice *device,
                           const guint8  *data,
                           gsize          size)
{
  return device->midi_ports && jn_midi_queue_push (device->midi_to_send, data, size);
}

gsize
jn_audio_device_receive_midi (JnAudioDevice *device,
                              guint8        *data,
                              gsize          max_size)
{
  return device->midi_ports ? jn_midi_queue_pop (device->midi_received, data, max_size) : 0;
}

JnRing *
jn_midi_queue_new (void)
{
  return jn_ring_new (JN_MIDI_QUEUE_SIZE, sizeof (JnMidiMessage));
}

gboolean
jn_midi_queue_push (JnRing       *queue,
                    const guint8 *data,
                    gsize         size)
{
  JnMidiMessage *slot;

  if (size == 0 || size > JN_AUDIO_MIDI_MAX || (slot = jn_ring_reserve (queue)) == NULL)
    return FALSE;
  memcpy (slot->data, data, size);
  slot->size = (guint16) size;
  jn_ring_commit (queue);
  return TRUE;
}

gsize
jn_midi_queue_pop (JnRing *queue,
                   guint8 *data,
                   gsize   max_size)
{
  const JnMidiMessage *slot = jn_ring_peek (queue, 0);
  gsize size;

  if (slot == NULL)
    return 0;
  size = MIN (slot->size, max_size);
  memcpy (data, slot->data, size);
  jn_ring_skip (queue, 1);
  return size;
}
