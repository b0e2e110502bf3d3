/* jn-audio-alsa.c: the ALSA backend, for when no PipeWire daemon answers
 *
 * A capture and a playback PCM (32-bit float interleaved, or 16-bit
 * converted), run by one thread that reads a period, calls the process
 * callback and writes a period.  An xrun is recovered and counted.  MIDI
 * goes through the ALSA sequencer when the system has one; where it does
 * not, the device works without MIDI and says why once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio"

#include "config.h"

#include <alsa/asoundlib.h>
#include <math.h>
#include <glib/gi18n-lib.h>

#include "jn-audio-private.h"

typedef struct
{
  JnAudioDevice *device;
  snd_pcm_t     *capture;
  snd_pcm_t     *playback;
  gboolean       s16;           /* the PCMs run 16-bit; converted here */
  GThread       *thread;
  atomic_bool    running;
  float         *in;            /* interleaved period */
  float         *out;
  gint16        *raw;
  float         *planar_in;
  float         *planar_out;

  /* MIDI through the sequencer, when the system has one */
  snd_seq_t        *seq;
  int               seq_port;
  snd_midi_event_t *decoder;   /* sequencer events -> bytes */
  snd_midi_event_t *encoder;   /* bytes -> sequencer events */
} Alsa;

static gboolean
configure (snd_pcm_t  *pcm,
           guint       rate,
           guint       channels,
           guint       period,
           gboolean   *s16,
           GError    **error)
{
  snd_pcm_hw_params_t *hw;
  snd_pcm_uframes_t frames = period, buffer = 3 * (snd_pcm_uframes_t) period;
  unsigned int r = rate;
  int err;

  snd_pcm_hw_params_alloca (&hw);
  if ((err = snd_pcm_hw_params_any (pcm, hw)) < 0 ||
      (err = snd_pcm_hw_params_set_access (pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
    goto fail;
  if (snd_pcm_hw_params_set_format (pcm, hw, SND_PCM_FORMAT_FLOAT_LE) == 0)
    *s16 = FALSE;
  else if ((err = snd_pcm_hw_params_set_format (pcm, hw, SND_PCM_FORMAT_S16_LE)) == 0)
    *s16 = TRUE;
  else
    goto fail;
  if ((err = snd_pcm_hw_params_set_channels (pcm, hw, channels)) < 0 ||
      (err = snd_pcm_hw_params_set_rate_near (pcm, hw, &r, NULL)) < 0 ||
      (err = snd_pcm_hw_params_set_period_size_near (pcm, hw, &frames, NULL)) < 0 ||
      (err = snd_pcm_hw_params_set_buffer_size_near (pcm, hw, &buffer)) < 0 ||
      (err = snd_pcm_hw_params (pcm, hw)) < 0)
    goto fail;
  if (r != rate || frames != period)
    {
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_FAILED,
                   _("The ALSA device runs at %u Hz with %lu-frame periods, JamNet needs %u Hz "
                     "and %u frames"), r, (unsigned long) frames, rate, period);
      return FALSE;
    }
  return TRUE;

fail:
  g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_FAILED,
               _("The ALSA device refuses %u Hz, %u channels: %s"), rate, channels, snd_strerror (err));
  return FALSE;
}

/* Reads or writes one whole period, recovering from xruns (counted). */
static gboolean
transfer (Alsa      *alsa,
          snd_pcm_t *pcm,
          gboolean   reading,
          void      *data,
          guint      frames)
{
  JnAudioDevice *device = alsa->device;
  guint done = 0;
  gsize frame_bytes = (gsize) device->config.channels * (alsa->s16 ? 2 : 4);

  while (done < frames && atomic_load (&alsa->running))
    {
      snd_pcm_sframes_t n = reading
        ? snd_pcm_readi (pcm, (char *) data + done * frame_bytes, frames - done)
        : snd_pcm_writei (pcm, (const char *) data + done * frame_bytes, frames - done);

      if (n == -EPIPE || n == -ESTRPIPE)
        {
          atomic_fetch_add (&device->xruns, 1);
          if (snd_pcm_recover (pcm, (int) n, 1) < 0)
            return FALSE;
          continue;
        }
      if (n == -EAGAIN || n == -EINTR)
        continue;
      if (n < 0)
        return FALSE;
      done += (guint) n;
    }
  return TRUE;
}

/* Once a period, on the ALSA thread: what came in on our sequencer port
 * into the receive queue, and what was queued out of it. */
static void
pump_midi (Alsa *alsa)
{
  snd_seq_event_t *in;
  guint8 bytes[JN_AUDIO_MIDI_MAX];
  gsize size;

  while (snd_seq_event_input (alsa->seq, &in) >= 0 && in != NULL)
    {
      long n = snd_midi_event_decode (alsa->decoder, bytes, sizeof bytes, in);

      if (n > 0)
        jn_midi_queue_push (alsa->device->midi_received, bytes, (gsize) n);
    }
  while ((size = jn_midi_queue_pop (alsa->device->midi_to_send, bytes, sizeof bytes)) > 0)
    {
      snd_seq_event_t ev;

      snd_midi_event_reset_encode (alsa->encoder);
      snd_seq_ev_clear (&ev);
      if (snd_midi_event_encode (alsa->encoder, bytes, (long) size, &ev) <= 0 ||
          ev.type == SND_SEQ_EVENT_NONE)
        continue;
      snd_seq_ev_set_source (&ev, alsa->seq_port);
      snd_seq_ev_set_subs (&ev);
      snd_seq_ev_set_direct (&ev);
      snd_seq_event_output_direct (alsa->seq, &ev);
    }
}

/* A sequencer client with one port others can connect to; FALSE with the
 * reason when the system has no sequencer. */
static gboolean
open_sequencer (Alsa        *alsa,
                const char  *name,
                GError     **error)
{
  int err;

  if ((err = snd_seq_open (&alsa->seq, "default", SND_SEQ_OPEN_DUPLEX, SND_SEQ_NONBLOCK)) < 0)
    {
      alsa->seq = NULL;
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_DEVICE,
                   _("MIDI through ALSA needs the ALSA sequencer, which is not available here (%s)"),
                   snd_strerror (err));
      return FALSE;
    }
  snd_seq_set_client_name (alsa->seq, name);
  alsa->seq_port = snd_seq_create_simple_port (alsa->seq, name,
                                               SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ |
                                               SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE,
                                               SND_SEQ_PORT_TYPE_MIDI_GENERIC |
                                               SND_SEQ_PORT_TYPE_APPLICATION);
  if (alsa->seq_port < 0 || snd_midi_event_new (JN_AUDIO_MIDI_MAX, &alsa->decoder) < 0 ||
      snd_midi_event_new (JN_AUDIO_MIDI_MAX, &alsa->encoder) < 0)
    {
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_FAILED,
                   _("Cannot create JamNet's ALSA sequencer port"));
      return FALSE;
    }
  snd_midi_event_no_status (alsa->decoder, 1);   /* complete messages, no running status */
  return TRUE;
}

static gpointer
alsa_thread (gpointer data)
{
  Alsa *alsa = data;
  JnAudioDevice *device = alsa->device;
  guint frames = device->config.quantum, channels = device->config.channels;
  gsize n = (gsize) frames * channels;
  const float *capture[8];
  float *playback[8];

  jn_audio_device_thread_realtime (device);
  for (guint c = 0; c < channels; c++)
    {
      capture[c] = alsa->planar_in + (gsize) c * frames;
      playback[c] = alsa->planar_out + (gsize) c * frames;
    }

  /* two periods of silence first, so playback does not start empty */
  memset (alsa->out, 0, sizeof (float) * n);
  memset (alsa->raw, 0, sizeof (gint16) * n);
  for (guint k = 0; k < 2; k++)
    transfer (alsa, alsa->playback, FALSE, alsa->s16 ? (void *) alsa->raw : (void *) alsa->out, frames);

  while (atomic_load (&alsa->running))
    {
      if (!transfer (alsa, alsa->capture, TRUE, alsa->s16 ? (void *) alsa->raw : (void *) alsa->in, frames))
        break;
      for (gsize i = 0; i < n; i++)
        {
          float v = alsa->s16 ? alsa->raw[i] / 32768.f : alsa->in[i];

          alsa->planar_in[(i % channels) * frames + i / channels] = v;
        }
      device->process (device->user_data, capture, playback, frames, channels);
      atomic_fetch_add (&device->periods, 1);
      if (alsa->seq != NULL)
        pump_midi (alsa);
      for (gsize i = 0; i < n; i++)
        {
          float v = alsa->planar_out[(i % channels) * frames + i / channels];

          if (alsa->s16)
            alsa->raw[i] = (gint16) CLAMP (lrintf (v * 32768.f), -32768, 32767);
          else
            alsa->out[i] = v;
        }
      if (!transfer (alsa, alsa->playback, FALSE, alsa->s16 ? (void *) alsa->raw : (void *) alsa->out, frames))
        break;
      {
        /* what is queued ahead of the DAC is the playback latency */
        snd_pcm_sframes_t delay;

        if (snd_pcm_delay (alsa->playback, &delay) == 0 && delay >= 0)
          atomic_store_explicit (&device->playback_latency, (guint) delay, memory_order_relaxed);
      }
    }
  return NULL;
}

static void
alsa_close (gpointer data)
{
  Alsa *alsa = data;

  if (alsa->thread != NULL)
    {
      atomic_store (&alsa->running, FALSE);
      g_thread_join (alsa->thread);
    }
  if (alsa->capture != NULL)
    snd_pcm_close (alsa->capture);
  if (alsa->playback != NULL)
    snd_pcm_close (alsa->playback);
  if (alsa->decoder != NULL)
    snd_midi_event_free (alsa->decoder);
  if (alsa->encoder != NULL)
    snd_midi_event_free (alsa->encoder);
  if (alsa->seq != NULL)
    snd_seq_close (alsa->seq);
  g_free (alsa->in);
  g_free (alsa->out);
  g_free (alsa->raw);
  g_free (alsa->planar_in);
  g_free (alsa->planar_out);
  g_free (alsa);
}

static gpointer
alsa_open (JnAudioDevice  *device,
           GError        **error)
{
  Alsa *alsa = g_new0 (Alsa, 1);
  const JnAudioConfig *config = &device->config;
  const char *name = config->device ? config->device : "default";
  gsize n = (gsize) config->quantum * config->channels;
  gboolean capture_s16 = FALSE;
  int err;

  alsa->device = device;
  if ((err = snd_pcm_open (&alsa->capture, name, SND_PCM_STREAM_CAPTURE, 0)) < 0 ||
      (err = snd_pcm_open (&alsa->playback, name, SND_PCM_STREAM_PLAYBACK, 0)) < 0)
    {
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_DEVICE,
                   _("Cannot open the ALSA device “%s”: %s"), name, snd_strerror (err));
      alsa_close (alsa);
      return NULL;
    }
  if (!configure (alsa->capture, config->rate, config->channels, config->quantum, &capture_s16, error) ||
      !configure (alsa->playback, config->rate, config->channels, config->quantum, &alsa->s16, error))
    {
      g_prefix_error (error, "%s: ", name);
      alsa_close (alsa);
      return NULL;
    }
  if (capture_s16 != alsa->s16)
    {
      g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_FAILED,
                   _("The ALSA device “%s” offers different sample formats for capture and playback"),
                   name);
      alsa_close (alsa);
      return NULL;
    }
  if (config->midi)
    {
      g_autoptr(GError) midi_error = NULL;

      /* audio works without MIDI: say why there is none, once */
      if (open_sequencer (alsa, config->name, &midi_error))
        device->midi_ports = TRUE;
      else
        {
          g_message ("%s", midi_error->message);
          if (alsa->seq != NULL)
            snd_seq_close (alsa->seq);
          alsa->seq = NULL;
        }
    }

  alsa->in = g_new0 (float, n);
  alsa->out = g_new0 (float, n);
  alsa->raw = g_new0 (gint16, n);
  alsa->planar_in = g_new0 (float, n);
  alsa->planar_out = g_new0 (float, n);
  snd_pcm_start (alsa->capture);
  atomic_store (&alsa->running, TRUE);
  alsa->thread = g_thread_new ("jn-audio-alsa", alsa_thread, alsa);
  return alsa;
}

const JnAudioBackend jn_audio_backend_alsa = {
  .name = "alsa",
  .open = alsa_open,
  .close = alsa_close,
};
