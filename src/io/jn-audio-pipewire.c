/* jn-audio-pipewire.c: the PipeWire backend
 *
 * One pw_filter node with a capture and a playback port per channel, so
 * JamNet shows up in patchbays (qpwgraph, Helvum) as one node named after
 * the session.  Its process callback runs on PipeWire's data thread
 * (PW_FILTER_FLAG_RT_PROCESS) and only hands pointers to the user's
 * callback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <pipewire/filter.h>
#include <pipewire/pipewire.h>
#include <spa/control/control.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>

#include "jn-audio-private.h"
#include "jn-pw-links.h"

#define MAX_FRAMES 8192
#define START_TIMEOUT_S 3

typedef struct
{
  JnAudioDevice         *device;
  struct pw_thread_loop *loop;
  struct pw_filter      *filter;
  void                  *in[8];
  void                  *out[8];
  void                  *midi_in;
  void                  *midi_out;
  enum pw_filter_state   state;
  char                  *error;
  uint64_t               next_position;
  uint32_t               clock_id;
  float                 *silence;
  float                 *scratch;
  JnPwLinks             *links;     /* or NULL: nothing to link */
} Pw;

/* MIDI that came in on our port this period, into the receive queue */
static void
read_midi (Pw *pw)
{
  struct pw_buffer *b = pw_filter_dequeue_buffer (pw->midi_in);
  struct spa_data *d;
  struct spa_pod *pod;
  struct spa_pod_control *c;

  if (b == NULL)
    return;
  d = &b->buffer->datas[0];
  if (d->data != NULL &&
      (pod = spa_pod_from_data (d->data, d->maxsize, d->chunk->offset, d->chunk->size)) != NULL &&
      spa_pod_is_sequence (pod))
    SPA_POD_SEQUENCE_FOREACH ((struct spa_pod_sequence *) pod, c)
      {
        if (c->type == SPA_CONTROL_Midi)
          jn_midi_queue_push (pw->device->midi_received, SPA_POD_BODY (&c->value),
                              SPA_POD_BODY_SIZE (&c->value));
      }
  pw_filter_queue_buffer (pw->midi_in, b);
}

/* What was queued to send, onto our MIDI output for this period */
static void
write_midi (Pw *pw)
{
  struct pw_buffer *b = pw_filter_dequeue_buffer (pw->midi_out);
  struct spa_pod_builder builder;
  struct spa_pod_frame frame;
  struct spa_data *d;
  guint8 message[JN_AUDIO_MIDI_MAX];
  gsize size;

  if (b == NULL)
    return;
  d = &b->buffer->datas[0];
  if (d->data == NULL)
    {
      pw_filter_queue_buffer (pw->midi_out, b);
      return;
    }
  spa_pod_builder_init (&builder, d->data, d->maxsize);
  spa_pod_builder_push_sequence (&builder, &frame, 0);
  while ((size = jn_midi_queue_pop (pw->device->midi_to_send, message, sizeof message)) > 0)
    {
      spa_pod_builder_control (&builder, 0, SPA_CONTROL_Midi);
      spa_pod_builder_bytes (&builder, message, (uint32_t) size);
    }
  spa_pod_builder_pop (&builder, &frame);
  d->chunk->offset = 0;
  d->chunk->size = builder.state.offset;
  d->chunk->stride = 1;
  pw_filter_queue_buffer (pw->midi_out, b);
}

static void
on_process (void                   *data,
            struct spa_io_position *position)
{
  Pw *pw = data;
  JnAudioDevice *device = pw->device;
  guint channels = device->config.channels;
  uint32_t n = position->clock.duration;
  const float *capture[8];
  float *playback[8];

  if (n > MAX_FRAMES)
    n = MAX_FRAMES;
  for (guint c = 0; c < channels; c++)
    {
      const float *in = pw_filter_get_dsp_buffer (pw->in[c], n);
      float *out = pw_filter_get_dsp_buffer (pw->out[c], n);

      /* an unconnected port has no buffer */
      capture[c] = in ? in : pw->silence;
      playback[c] = out ? out : pw->scratch + (gsize) c * MAX_FRAMES;
    }
  /* a cycle that skipped us: the graph's clock moved on further than one
   * period (PipeWire 0.3 reports no xrun count to clients).  A new driver
   * (the node was linked elsewhere) restarts the count, it is no xrun. */
  if (pw->next_position != 0 && position->clock.id == pw->clock_id &&
      position->clock.position > pw->next_position)
    atomic_fetch_add (&device->xruns, 1);
  pw->clock_id = position->clock.id;
  pw->next_position = position->clock.position + n;

  /* one cycle each way through the graph, plus the driver's own delay
   * (positive for capture, negative for playback) */
  atomic_store_explicit (&device->capture_latency,
                         n + (position->clock.delay > 0 ? (guint) position->clock.delay : 0),
                         memory_order_relaxed);
  atomic_store_explicit (&device->playback_latency,
                         n + (position->clock.delay < 0 ? (guint) -position->clock.delay : 0),
                         memory_order_relaxed);
  device->process (device->user_data, capture, playback, n, channels);
  if (pw->midi_in != NULL)
    {
      read_midi (pw);
      write_midi (pw);
    }
  atomic_fetch_add (&device->periods, 1);
}

static void
on_state_changed (void                 *data,
                  enum pw_filter_state  old,
                  enum pw_filter_state  state,
                  const char           *error)
{
  Pw *pw = data;

  pw->state = state;
  if (error != NULL && pw->error == NULL)
    pw->error = g_strdup (error);
  pw_thread_loop_signal (pw->loop, false);
}

static const struct pw_filter_events filter_events = {
  PW_VERSION_FILTER_EVENTS,
  .state_changed = on_state_changed,
  .process = on_process,
};

static void
pw_close (gpointer data)
{
  Pw *pw = data;

  if (pw->links != NULL)
    {
      pw_thread_loop_lock (pw->loop);
      jn_pw_links_free (pw->links);
      pw_thread_loop_unlock (pw->loop);
    }
  if (pw->loop != NULL)
    pw_thread_loop_stop (pw->loop);
  if (pw->filter != NULL)
    pw_filter_destroy (pw->filter);
  if (pw->loop != NULL)
    pw_thread_loop_destroy (pw->loop);
  g_free (pw->error);
  g_free (pw->silence);
  g_free (pw->scratch);
  g_free (pw);
}

static gpointer
pw_open (JnAudioDevice  *device,
         GError        **error)
{
  Pw *pw = g_new0 (Pw, 1);
  const JnAudioConfig *config = &device->config;
  g_autofree char *latency = g_strdup_printf ("%u/%u", config->quantum, config->rate);
  g_autofree char *rate = g_strdup_printf ("1/%u", config->rate);
  gboolean link = FALSE;
  gint64 deadline;

  pw_init (NULL, NULL);
  pw->device = device;
  pw->silence = g_new0 (float, MAX_FRAMES);
  pw->scratch = g_new0 (float, (gsize) MAX_FRAMES * config->channels);
  pw->state = PW_FILTER_STATE_UNCONNECTED;
  pw->loop = pw_thread_loop_new ("jn-audio-pw", NULL);
  if (pw->loop == NULL)
    goto fail;

  pw->filter = pw_filter_new_simple (pw_thread_loop_get_loop (pw->loop), config->name,
                                     pw_properties_new (PW_KEY_MEDIA_TYPE, "Audio",
                                                        PW_KEY_MEDIA_CATEGORY, "Duplex",
                                                        PW_KEY_MEDIA_ROLE, "Communication",
                                                        PW_KEY_NODE_NAME, config->name,
                                                        PW_KEY_NODE_DESCRIPTION, config->name,
                                                        PW_KEY_NODE_LATENCY, latency,
                                                        PW_KEY_NODE_RATE, rate,
                                                        PW_KEY_NODE_ALWAYS_PROCESS, "true",
                                                        /* so our own device list leaves us out */
                                                        PW_KEY_OBJECT_PATH, jn_pw_own_object_path (),
                                                        NULL),
                                     &filter_events, pw);
  if (pw->filter == NULL)
    goto fail;

  for (guint c = 0; c < config->channels; c++)
    {
      g_autofree char *in_name = g_strdup_printf ("capture_%u", c + 1);
      g_autofree char *out_name = g_strdup_printf ("playback_%u", c + 1);

      pw->in[c] = pw_filter_add_port (pw->filter, PW_DIRECTION_INPUT, PW_FILTER_PORT_FLAG_MAP_BUFFERS, 0,
                                      pw_properties_new (PW_KEY_FORMAT_DSP, "32 bit float mono audio",
                                                         PW_KEY_PORT_NAME, in_name, NULL),
                                      NULL, 0);
      pw->out[c] = pw_filter_add_port (pw->filter, PW_DIRECTION_OUTPUT, PW_FILTER_PORT_FLAG_MAP_BUFFERS, 0,
                                       pw_properties_new (PW_KEY_FORMAT_DSP, "32 bit float mono audio",
                                                          PW_KEY_PORT_NAME, out_name, NULL),
                                       NULL, 0);
      if (pw->in[c] == NULL || pw->out[c] == NULL)
        goto fail;
    }

  if (config->midi)
    {
      pw->midi_in = pw_filter_add_port (pw->filter, PW_DIRECTION_INPUT, PW_FILTER_PORT_FLAG_MAP_BUFFERS, 0,
                                        pw_properties_new (PW_KEY_FORMAT_DSP, "8 bit raw midi",
                                                           PW_KEY_PORT_NAME, "midi_in", NULL),
                                        NULL, 0);
      pw->midi_out = pw_filter_add_port (pw->filter, PW_DIRECTION_OUTPUT, PW_FILTER_PORT_FLAG_MAP_BUFFERS, 0,
                                         pw_properties_new (PW_KEY_FORMAT_DSP, "8 bit raw midi",
                                                            PW_KEY_PORT_NAME, "midi_out", NULL),
                                         NULL, 0);
      if (pw->midi_in == NULL || pw->midi_out == NULL)
        goto fail;
      device->midi_ports = TRUE;
    }

  if (pw_filter_connect (pw->filter, PW_FILTER_FLAG_RT_PROCESS, NULL, 0) < 0)
    goto fail;
  if (pw_thread_loop_start (pw->loop) < 0)
    goto fail;

  /* wait until the daemon took the node, or said no */
  pw_thread_loop_lock (pw->loop);
  deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  while (pw->state != PW_FILTER_STATE_PAUSED && pw->state != PW_FILTER_STATE_STREAMING &&
         pw->state != PW_FILTER_STATE_ERROR && g_get_monotonic_time () < deadline)
    pw_thread_loop_timed_wait (pw->loop, 1);
  /* then link ourselves to the devices asked for */
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    link |= config->connect[k] != NULL;
  if (link && (pw->state == PW_FILTER_STATE_PAUSED || pw->state == PW_FILTER_STATE_STREAMING))
    pw->links = jn_pw_links_new (pw_filter_get_core (pw->filter), pw_filter_get_node_id (pw->filter),
                                 config->connect);
  pw_thread_loop_unlock (pw->loop);
  if (pw->state == PW_FILTER_STATE_PAUSED || pw->state == PW_FILTER_STATE_STREAMING)
    return pw;

fail:
  g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_SERVER,
               _("No PipeWire daemon answers (%s)"),
               pw->error ? pw->error : _("is PipeWire running for this user?"));
  pw_close (pw);
  return NULL;
}

static JnAudioLinkState
pw_get_link (gpointer          data,
             JnAudioLinkKind   kind,
             char            **detail)
{
  Pw *pw = data;

  return pw->links ? jn_pw_links_get (pw->links, kind, detail) : JN_AUDIO_LINK_UNCONNECTED;
}

static void
pw_set_link (gpointer         data,
             JnAudioLinkKind  kind,
             const char      *connect)
{
  Pw *pw = data;

  pw_thread_loop_lock (pw->loop);
  if (pw->links != NULL)
    jn_pw_links_set_connect (pw->links, kind, connect);
  else if (connect != NULL)
    {
      const char *wanted[JN_AUDIO_N_LINKS] = { NULL };

      /* opened with nothing to link: the links start now */
      wanted[kind] = connect;
      pw->links = jn_pw_links_new (pw_filter_get_core (pw->filter), pw_filter_get_node_id (pw->filter), wanted);
    }
  pw_thread_loop_unlock (pw->loop);
}

const JnAudioBackend jn_audio_backend_pipewire = {
  .name = "pipewire",
  .open = pw_open,
  .close = pw_close,
  .get_link = pw_get_link,
  .set_link = pw_set_link,
};
