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

/* What JamNet's PipeWire node links itself to, each on its own. */
typedef enum
{
  JN_AUDIO_LINK_INPUT,         /* a source into our capture ports */
  JN_AUDIO_LINK_OUTPUT,        /* our playback ports into a sink */
  JN_AUDIO_LINK_MIDI_INPUT,    /* a MIDI port (a keyboard) into our midi_in */
  JN_AUDIO_LINK_MIDI_OUTPUT,   /* our midi_out into a MIDI port (a synth) */
  JN_AUDIO_N_LINKS,
} JnAudioLinkKind;

typedef enum
{
  JN_AUDIO_LINK_UNCONNECTED,   /* none asked: connect it in a patchbay */
  JN_AUDIO_LINK_WAITING,       /* asked for, but not (or no longer) there */
  JN_AUDIO_LINK_LINKED,
  JN_AUDIO_LINK_FAILED,        /* the daemon refused the link */
} JnAudioLinkState;

typedef struct
{
  const char *name;        /* shown in patchbays: "JamNet" */
  guint       rate;
  guint       channels;    /* per direction, 1..8 */
  guint       quantum;     /* requested period in frames, 32..1024 */
  gboolean    midi;        /* also a MIDI input and a MIDI output port */
  const char *device;      /* ALSA: the PCM ("default", "hw:1", "pipewire"); NULL: default */
  /* PipeWire: what to link to, per JnAudioLinkKind.  NULL or "": nothing
   * (a patchbay does it); "default": the system's default source or sink
   * (audio only), followed when it changes; else a node.name, or for MIDI
   * a port ("node.name:port.name", as pw-link lists them) or a node (all
   * its MIDI ports).  A device that is not there yet is linked when it
   * appears, and again after it comes back. */
  const char *connect[JN_AUDIO_N_LINKS];
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
 * (PipeWire, else ALSA, else null).  The null device is a silent clock;
 * "null:drift=+250ppm" makes that clock run fast (or slow, with -) by so
 * many parts per million, as a real sound card's does, up to
 * JN_AUDIO_MAX_DRIFT_PPM. */
#define JN_AUDIO_MAX_DRIFT_PPM 2000
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
/* The scheduling of the device thread JamNet runs (null, ALSA):
 * "SCHED_FIFO 18"; NULL where the backend runs its own (PipeWire's data
 * loop follows its client.conf). */
char          *jn_audio_device_describe_scheduling (JnAudioDevice *device);

/* Where one of config->connect stands now.  detail (may be NULL) gets a
 * new string: the device linked (its description), the one waited for,
 * or why the daemon refused. */
JnAudioLinkState jn_audio_device_get_link   (JnAudioDevice       *device,
                                             JnAudioLinkKind      kind,
                                             char               **detail);

/* Links kind to connect (as in JnAudioConfig) from now on, taking down
 * what was linked; FALSE where the backend links nothing itself (ALSA,
 * null), unless connect is NULL. */
gboolean         jn_audio_device_set_link   (JnAudioDevice       *device,
                                             JnAudioLinkKind      kind,
                                             const char          *connect,
                                             GError             **error);

/* One line for people: "Output: Built-in Audio", "MIDI in: waiting for
 * “Keystation:out”", from jn_audio_device_get_link()'s answer. */
char            *jn_audio_link_describe     (JnAudioLinkKind      kind,
                                             JnAudioLinkState     state,
                                             const char          *detail);

/* MIDI, when config->midi was set and the backend has MIDI ports
 * (PipeWire).  From one non-real-time thread each: send queues a complete
 * message for the next period (FALSE: no MIDI port, or the queue is full);
 * receive takes the oldest message that came in, returning its size, or 0
 * when there is none. */
/* Every link at once, for people: "Input: … · Output: …" (MIDI only when
 * asked for). */
char          *jn_audio_device_describe_links (JnAudioDevice     *device);
gboolean       jn_audio_device_send_midi    (JnAudioDevice       *device,
                                             const guint8        *data,
                                             gsize                size);
gsize          jn_audio_device_receive_midi (JnAudioDevice       *device,
                                             guint8              *data,
                                             gsize                max_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnAudioDevice, jn_audio_device_free)

G_END_DECLS
