/* jn-pw-links.h: JamNet's PipeWire node links itself to the devices the
 * musician picked (private to the PipeWire backend)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <pipewire/pipewire.h>

#include "jn-audio.h"

G_BEGIN_DECLS

typedef struct _JnPwLinks JnPwLinks;

/* With the thread loop that runs `core` locked.  connect: as in
 * JnAudioConfig; node_id: our node, its ports found by name (capture_N,
 * playback_N, midi_in, midi_out). */
JnPwLinks        *jn_pw_links_new      (struct pw_core     *core,
                                        guint32             node_id,
                                        const char * const *connect);
/* With the loop locked, or stopped: takes the links it made down. */
void              jn_pw_links_free     (JnPwLinks          *links);
/* With the loop locked: link `kind` to connect instead (NULL: nothing). */
void              jn_pw_links_set_connect (JnPwLinks       *links,
                                        JnAudioLinkKind     kind,
                                        const char         *connect);
/* From any thread. */
JnAudioLinkState  jn_pw_links_get      (JnPwLinks          *links,
                                        JnAudioLinkKind     kind,
                                        char              **detail);

/* What a registry Port global's properties say about it: its node, its
 * direction (out: it sends), whether it carries MIDI rather than audio.
 * FALSE for a port that is neither, or lacks a node or a direction. */
gboolean          jn_pw_port_parse     (const struct spa_dict *port_props,
                                        guint32               *node_id,
                                        gboolean              *out,
                                        gboolean              *midi);

/* "node.name:port.name", the name pw-link shows and `connect` takes for a
 * MIDI port, from a port's properties and its node's name. */
char             *jn_pw_port_name      (const struct spa_dict *port_props,
                                        const char            *node_name);

/* The object.path of this process's own nodes ("jamnet:" and a token unique
 * to the process; a key the registry passes on, and no pid, which a
 * sandbox would change), so a device list in the same process leaves
 * them out. */
const char       *jn_pw_own_object_path (void);

G_END_DECLS
