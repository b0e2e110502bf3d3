/* jn-device-list.h: the audio inputs and outputs and MIDI ports of the
 * system, as a GListModel that follows devices coming and going
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  JN_DEVICE_AUDIO_INPUT,
  JN_DEVICE_AUDIO_OUTPUT,
  JN_DEVICE_MIDI_INPUT,    /* a MIDI port that sends: a keyboard, a sequencer */
  JN_DEVICE_MIDI_OUTPUT,   /* a MIDI port that receives: a synth */
} JnDeviceKind;

#define JN_TYPE_DEVICE (jn_device_get_type ())
G_DECLARE_FINAL_TYPE (JnDevice, jn_device, JN, DEVICE, GObject)

/* what JnAudioConfig.connect takes: node.name for audio, for MIDI the port
 * as pw-link shows it ("node.name:port.name") */
const char   *jn_device_get_name        (JnDevice *self);
const char   *jn_device_get_description (JnDevice *self);   /* for people */
JnDeviceKind  jn_device_get_kind        (JnDevice *self);
guint32       jn_device_get_id          (JnDevice *self);

#define JN_TYPE_DEVICE_LIST (jn_device_list_get_type ())
G_DECLARE_FINAL_TYPE (JnDeviceList, jn_device_list, JN, DEVICE_LIST, GObject)

/* A GListModel of JnDevice (audio sources and sinks, and MIDI ports of
 * other programs and the MIDI bridge, not this process's own), updated on the thread-default main context of
 * the caller.  NULL and an error when no PipeWire daemon answers (or this
 * JamNet was built without PipeWire). */
JnDeviceList *jn_device_list_new        (GError **error);
/* TRUE once the list holds what the daemon had when it was made (a moment
 * after jn_device_list_new(), on the owner's main context). */
gboolean      jn_device_list_is_ready   (JnDeviceList *self);

G_END_DECLS
