/* jn-midi.h: MIDI events, their validation and their JSON form (JMID)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Largest SysEx message (F0 .. F7 included) JamNet carries. */
#define JN_MIDI_SYSEX_MAX 256
/* Largest burst redundancy factor: each event is sent k times. */
#define JN_MIDI_REDUNDANCY_MAX 5

/* One complete MIDI message (no running status) with its own sequence
 * number and sender timestamp.  Fixed size so it can live in rings. */
typedef struct
{
  guint32 seq;
  guint64 timestamp_us;
  guint16 size;
  guint8  data[JN_MIDI_SYSEX_MAX];
} JnMidiEvent;

gboolean     jn_midi_event_validate     (const guint8 *data,
                                         gsize         size,
                                         GError      **error);

void         jn_midi_event_init_short   (JnMidiEvent  *event,
                                         guint8        status,
                                         guint8        data1,
                                         guint8        data2);

/* JMID: {"t":"n+","n":60,"v":100,"c":1,"ts":...,"seq":...} */
JsonNode    *jn_midi_event_to_jmid      (const JnMidiEvent *event);
char        *jn_midi_event_to_jmid_string (const JnMidiEvent *event);
gboolean     jn_midi_event_from_jmid    (JsonNode     *node,
                                         JnMidiEvent  *event,
                                         GError      **error);
gboolean     jn_midi_event_from_jmid_string (const char   *text,
                                         gssize        length,
                                         JnMidiEvent  *event,
                                         GError      **error);

G_END_DECLS
