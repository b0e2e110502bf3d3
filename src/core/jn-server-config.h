/* jn-server-config.h: jamnet-server's configuration file (docs/server.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where a room's media goes (docs/server.md) */
typedef enum
{
  JN_ROOM_MEDIA_MESH,     /* between its players */
  JN_ROOM_MEDIA_FORWARD,  /* through the server, each stream to every other player */
  JN_ROOM_MEDIA_MIX,      /* into the server's mix: each player gets one mix of the others */
} JnRoomMedia;

const char *jn_room_media_to_string (JnRoomMedia media);

G_END_DECLS

G_BEGIN_DECLS

typedef struct
{
  char    *name;
  char    *passphrase;   /* NULL: none */
  gboolean listed;
  guint    max_players;  /* 0: the server's */
} JnServerRoomConfig;

typedef struct
{
  char      *name;         /* NULL: the machine's host name */
  char      *listen;       /* NULL: every interface */
  guint16    port;
  char      *certificate;  /* NULL: the service's own, made on first use */
  guint      max_rooms;
  guint      max_players;
  guint      rooms_per_address;  /* rooms one address may have opened */
  char      *stun;         /* "IP:PORT" of the STUN server rooms name, or NULL */
  char      *turn;         /* "IP:PORT" of the TURN server rooms name, or NULL */
  char      *turn_secret;  /* the secret it shares (coturn's static-auth-secret) */
  guint      turn_lifetime_s; /* how long a member's TURN credentials hold */
  gboolean   opus;         /* the rooms' codec: Opus, else PCM s16 */
  JnRoomMedia media;       /* where the rooms' media goes */
  guint      channels;     /* the rooms' audio: 1 or 2 */
  char      *pnbtr_backend; /* mix rooms' PNBTR worker: auto, cpu, opencl, cuda, off */
  guint      players_per_address; /* 0: the default */
  guint16    media_port_min; /* forward rooms' UDP ports; 0: any free one */
  guint16    media_port_max;
  guint      bitrate;      /* Opus: bit/s per channel */
  GPtrArray *rooms;        /* JnServerRoomConfig* */
} JnServerConfig;

JnServerConfig *jn_server_config_new   (void);
void            jn_server_config_free  (JnServerConfig *config);
/* Reads text (of the file called filename, for messages) over config's
 * defaults.  A mistake fails the whole file with a message naming its
 * line: "FILE:LINE: ...". */
gboolean        jn_server_config_parse (JnServerConfig *config,
                                        const char     *filename,
                                        const char     *text,
                                        gsize           length,
                                        GError        **error);
gboolean        jn_server_config_load  (JnServerConfig *config,
                                        const char     *filename,
                                        GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnServerConfig, jn_server_config_free)

G_END_DECLS
