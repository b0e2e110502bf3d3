/* jn-client.h: joining a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-ice-transport.h"
#include "jn-media-engine.h"

G_BEGIN_DECLS

#define JN_TYPE_CLIENT (jn_client_get_type ())
G_DECLARE_FINAL_TYPE (JnClient, jn_client, JN, CLIENT, GObject)

/* Accepts wss://HOST:PORT/PATH, jamnet://HOST[:PORT][/ROOM] and
 * HOST[:PORT][/ROOM], each with an optional ?fp=FINGERPRINT (ws:// is
 * taken as wss://); returns the WebSocket URL to connect to, wss://, with
 * ?fp= when one was given: a player's session at /jamnet, a server's room
 * at /jamnet/rooms/ROOM. */
char        *jn_session_url_normalize  (const char          *text,
                                        GError             **error);

/* jn_session_url_normalize()'s URL, parsed (its path escaped), with its
 * HOST:PORT and its fingerprint (NULL when it names none). */
GUri        *jn_session_url_parse      (const char          *text,
                                        char               **host_port,
                                        char               **fingerprint,
                                        GError             **error);

/* TRUE when text is a server's room (its media links are ICE's). */
gboolean     jn_session_url_is_room    (const char          *text);

JnClient    *jn_client_new             (JnMediaEngine       *engine,
                                        const char          *name,
                                        const char          *passphrase);
/* Connects, says hello and waits for welcome and roster.  On success the
 * media engine has the session's format, our peer id and every member. */
void         jn_client_join_async      (JnClient            *self,
                                        const char          *url,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean     jn_client_join_finish     (JnClient            *self,
                                        GAsyncResult        *result,
                                        GError             **error);
const char  *jn_client_get_session_name (JnClient           *self);
double       jn_client_get_tempo       (JnClient            *self);
/* Beat 0 of the session's grid on the host's clock; 0 if the host did not
 * say (then a metronome cannot follow it). */
gint64       jn_client_get_epoch       (JnClient            *self);
void         jn_client_leave           (JnClient            *self);
/* A certificate that differs from the one remembered for the session's
 * address is accepted (and remembered) instead of refused. */
void         jn_client_set_trust_new_certificate (JnClient  *self,
                                        gboolean             trust);
/* Joining a server's room: hello asks the server to make the room when
 * it is not open, with the client's passphrase, listed or not. */
void         jn_client_set_create_room (JnClient            *self,
                                        gboolean             create,
                                        gboolean             listed);
/* The media engine runs: ICE sessions with the peers may begin (a joiner's
 * engine starts once it has joined; until then what peers send is kept). */
void         jn_client_media_started   (JnClient            *self);

/* Sends event over the room's control plane to each peer no working ICE
 * pair joins yet, or ever (no UDP path: MIDI still flows); the number of
 * peers. */
/* A line to everyone in the session, through the host (FALSE: not joined,
 * or not a valid chat line); "chat" (id, text) is what the others say. */
gboolean     jn_client_send_chat       (JnClient            *self,
                                        const char          *text);
/* Asks peer `to`, through the host, to play back what we send for
 * seconds (a latency test; 0: stop now; FALSE: not joined); "echo-requested" (id,
 * seconds) is someone asking us. */
gboolean     jn_client_request_echo    (JnClient            *self,
                                        guint32              to,
                                        guint                seconds);
guint        jn_client_send_midi       (JnClient            *self,
                                        const JnMidiEvent   *event);

/* In a mix room: how the server mixes peer_id for us (docs/protocol.md
 * 3.7); FALSE, nothing sent, elsewhere. */
gboolean     jn_client_send_mix        (JnClient            *self,
                                        guint32              peer_id,
                                        double               gain,
                                        gboolean             mute,
                                        double               pan);

/* Where a link with a peer stands, in a session whose links ICE finds. */
typedef struct
{
  JnIceState state;
  gboolean   has_pair;
  JnIcePair  pair;      /* the pair datagrams take, when has_pair */
} JnLinkInfo;

/* FALSE when the session's links are not ICE's, or peer_id is none. */
gboolean     jn_client_get_link        (JnClient            *self,
                                        guint32              peer_id,
                                        JnLinkInfo          *info);
/* The player's own STUN and TURN servers ("IP:PORT", each NULL for
 * the room's), used instead of those the room names. */
void         jn_client_set_ice_servers (JnClient            *self,
                                        const char          *stun,
                                        const char          *turn,
                                        const char          *turn_username,
                                        const char          *turn_password);
/* The fingerprint of the certificate the host presented, once connected. */
const char  *jn_client_get_fingerprint (JnClient            *self);

G_END_DECLS
