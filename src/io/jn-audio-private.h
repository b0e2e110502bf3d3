/* jn-audio-private.h: what every backend provides
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdatomic.h>

#include "jn-audio.h"
#include "jn-ring.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  gpointer  (*open)  (JnAudioDevice *device, GError **error);
  void      (*close) (gpointer backend_data);
  /* optional: where config->connect stands (NULL: the backend links nothing) */
  JnAudioLinkState (*get_link) (gpointer backend_data, JnAudioLinkKind kind, char **detail);
  /* optional: link kind to connect instead, from now on (NULL: nothing) */
  void      (*set_link) (gpointer backend_data, JnAudioLinkKind kind, const char *connect);
} JnAudioBackend;

/* MIDI messages between threads: a JnRing of JnMidiMessage. */
#define JN_MIDI_QUEUE_SIZE 256

typedef struct
{
  guint16 size;
  guint8  data[JN_AUDIO_MIDI_MAX];
} JnMidiMessage;

JnRing  *jn_midi_queue_new  (void);
gboolean jn_midi_queue_push (JnRing *queue, const guint8 *data, gsize size);
gsize    jn_midi_queue_pop  (JnRing *queue, guint8 *data, gsize max_size);

struct _JnAudioDevice
{
  const JnAudioBackend *backend;
  gpointer              backend_data;
  JnAudioConfig         config;
  char                 *name;
  char                 *device_name;
  char                 *connect[JN_AUDIO_N_LINKS];
  JnAudioProcess        process;
  double                drift_ppm;         /* null: its clock runs this much fast (+) or slow (-) */
  gpointer              user_data;
  atomic_uint_least64_t xruns;
  atomic_uint_least64_t periods;
  atomic_int            thread_tid;        /* the device thread JamNet runs, once it asked */
  atomic_uint           capture_latency;   /* frames, set by the backend */
  atomic_uint           playback_latency;
  /* MIDI: a backend that opened MIDI ports sets midi_ports and moves
   * messages between them and these queues on its real-time thread */
  gboolean              midi_ports;
  JnRing               *midi_received;     /* backend -> receive_midi() */
  JnRing               *midi_to_send;      /* send_midi() -> backend */
};



/* On a device thread JamNet runs itself (null, ALSA), before its first
 * period: real-time scheduling, as the media thread has (jn-realtime.h). */
void     jn_audio_device_thread_realtime (JnAudioDevice *device);

extern const JnAudioBackend jn_audio_backend_pipewire;
extern const JnAudioBackend jn_audio_backend_null;
extern const JnAudioBackend jn_audio_backend_alsa;

G_END_DECLS
