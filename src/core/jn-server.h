/* jn-server.h: a jamnet-server's rooms (docs/server.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-control.h"
#include "jn-forwarder.h"
#include "jn-server-config.h"

G_BEGIN_DECLS

#define JN_TYPE_SERVER (jn_server_get_type ())
G_DECLARE_FINAL_TYPE (JnServer, jn_server, JN, SERVER, GObject)

/* Where rooms are reached: wss://HOST:PORT/jamnet/rooms/ROOM */
#define JN_ROOMS_PATH JN_WEBSOCKET_PATH "/rooms"
/* What lists the listed rooms: GET https://HOST:PORT/rooms */
#define JN_ROOM_LIST_PATH "/rooms"

#define JN_SERVER_DEFAULT_MAX_ROOMS   100
#define JN_SERVER_DEFAULT_MAX_PLAYERS 8
#define JN_SERVER_DEFAULT_ROOMS_PER_ADDRESS 4
/* a member's TURN credentials hold this long: a long evening's jam */
#define JN_SERVER_DEFAULT_TURN_LIFETIME_S (12 * 3600)

/* certificate must hold its key (jn_identity_load()); name is what the
 * room list calls the server. */
JnServer    *jn_server_new           (GTlsCertificate *certificate,
                                      const char      *name);
/* Rooms open at most (those of the configuration count too), the
 * players of a room a player opened, and the rooms one address may have
 * opened that are still open. */
void         jn_server_set_limits    (JnServer        *self,
                                      guint            max_rooms,
                                      guint            max_players,
                                      guint            rooms_per_address);
/* The STUN server ("IP:PORT", or NULL) its rooms name to their members:
 * ICE finds a path through their NATs with it (docs/internet.md). */
void         jn_server_set_stun      (JnServer        *self,
                                      const char      *stun);
/* The TURN server ("IP:PORT", or NULL) its rooms name, for pairs of
 * players no direct path joins, and the secret it shares with it: each
 * member gets credentials of its own, valid for lifetime_s. */
void         jn_server_set_turn      (JnServer        *self,
                                      const char      *turn,
                                      const char      *secret,
                                      guint            lifetime_s);
/* A room that stays open while empty (from the configuration); passphrase
 * NULL for none, max_players 0 for the server's. */
/* The rooms' audio format from now on (rooms already open keep theirs):
 * 48 kHz, 128 frames, mono; PCM s16, or Opus at format->bitrate. */
void         jn_server_set_format    (JnServer        *self,
                                      const JnAudioFormat *format);
/* Players from one address a room takes at a time, for rooms opened from
 * now on (0: the default, 8). */
void         jn_server_set_players_per_address (JnServer *self,
                                      guint            n);
/* Forward rooms' UDP ports, one each: the first free one of low..high
 * (0, 0: any free one). */
void         jn_server_set_media_ports (JnServer      *self,
                                      guint16          low,
                                      guint16          high);
/* Rooms opened from now on leave their members' media between them (mesh,
 * the default), carry it through the server (forward), or mix it there. */
void         jn_server_set_media     (JnServer        *self,
                                      JnRoomMedia      media);
/* Mix rooms' PNBTR worker (jn_concealer_check_backend()); NULL: cpu, or
 * off where $JAMNET_PNBTR_BACKEND says so */
void         jn_server_set_pnbtr_backend (JnServer    *self,
                                      const char      *backend);
gboolean     jn_server_add_room      (JnServer        *self,
                                      const char      *name,
                                      const char      *passphrase,
                                      gboolean         listed,
                                      guint            max_players,
                                      GError         **error);
/* address NULL listens on every interface; port 0 picks a free one. */
gboolean     jn_server_listen        (JnServer        *self,
                                      const char      *address,
                                      guint16          port,
                                      GError         **error);
guint16      jn_server_get_port      (JnServer        *self);
const char  *jn_server_get_fingerprint (JnServer      *self);
guint        jn_server_get_n_rooms   (JnServer        *self);
guint        jn_server_get_n_players (JnServer        *self);
/* Players in the room called name, or -1 when there is none. */
int          jn_server_get_room_players (JnServer     *self,
                                      const char      *name);
/* The body of GET /rooms: the server, its load and its listed rooms. */
char        *jn_server_dup_room_list (JnServer        *self);
/* The forwarder of an open forward room, or NULL. */
JnForwarder *jn_server_get_room_forwarder (JnServer   *self,
                                           const char *room);
/* Tells every room's players the server is going away and stops. */
void         jn_server_shutdown      (JnServer        *self);

/* "jamnet://HOST:PORT/ROOM?fp=FINGERPRINT", ROOM escaped as a path
 * segment. */
char        *jn_room_url             (const char      *host_port,
                                      const char      *room,
                                      const char      *fingerprint);
/* Whether name can be a room's: 1 to JN_NAME_MAX_CHARS characters of
 * UTF-8, no control characters, not only spaces. */
gboolean     jn_room_name_is_valid   (const char      *name);

G_END_DECLS
