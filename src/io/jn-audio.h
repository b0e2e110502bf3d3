/* jn-audio.h: audio devices (src/io): one interface, several backends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define JN_AUDIO_ERROR (jn_audio_error_quark ())

typedef enum
{
  JN_AUDIO_ERROR_NO_SERVER,     /* no PipeWire daemon answers */
  JN_AUDIO_ERROR_FAILED,
  JN_AUDIO_ERROR_UNKNOWN_BACKEND,
  JN_AUDIO_ERROR_NO_DEVICE,     /* the named device does not exist or is busy */
} JnAudioError;

GQuark jn_audio_error_quark (void);

typedef struct
{
  const char *name;        /* shown in patchbays: "JamNet" */
  guint       rate;
  guint       channels;    /* per direction, 1..8 */
  guint       quantum;     /* requested period in frames, 32..1024 */
  gboolean    midi;        /* also a MIDI input and a MIDI output port */
  const char *device;      /* ALSA: the PCM ("default", "hw:1", "pipewire"); NULL: default */
} JnAudioConfig;

/* Largest MIDI message the device passes (SysEx included). */
#define JN_AUDIO_MIDI_MAX 256

/* The real-time callback, once per period on the device's thread: capture
 * and playback are planar, one pointer per channel, `frames` long.  It must
 * not allocate, lock, or make a syscall. */
typedef void (*JnAudioProcess) (gpointer            user_data,
                                const float *const *capture,
                                float *const       *playback,
                                guint               frames,
                                guint               channels);

typedef struct _JnAudioDevice JnAudioDevice;

/* backend: "pipewire", "alsa", "null", or NULL for the first that works
 * (PipeWire, else ALSA, else null).  The null device is a silent clock. */
JnAudioDevice *jn_audio_device_new          (const char          *backend,
                                             const JnAudioConfig *config,
                                             JnAudioProcess       process,
                                             gpointer             user_data,
                                             GError             **error);
void           jn_audio_device_free         (JnAudioDevice       *device);
const char    *jn_audio_device_get_backend  (JnAudioDevice       *device);
/* Periods the device had to run without us in time (reported by the
 * server), plus periods the callback saw late. */
guint64        jn_audio_device_get_xruns    (JnAudioDevice       *device);
guint64        jn_audio_device_get_periods  (JnAudioDevice       *device);
/* The device's own latency in frames, as its backend reports it now:
 * capture (sound in to the callback) and playback (callback to sound out). */
void           jn_audio_device_get_latency  (JnAudioDevice       *device,
                                             guint               *capture_frames,
                                             guint               *playback_frames);

/* MIDI, when config->midi was set and the backend has MIDI ports
 * (PipeWire).  From one non-real-time thread each: send queues a complete
 * message for the next period (FALSE: no MIDI port, or the queue is full);
 * receive takes the oldest message that came in, returning its size, or 0
 * when there is none. */
gboolean       jn_audio_device_send_midi    (JnAudioDevice       *device,
                                             const guint8        *data,
                                             gsize                size);
gsize          jn_audio_device_receive_midi (JnAudioDevice       *device,
                                             guint8              *data,
                                             gsize                max_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnAudioDevice, jn_audio_device_free)

G_END_DECLS
