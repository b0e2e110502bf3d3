/* jn-room-list.h: the rooms a jamnet-server lists (GET /rooms)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char    *name;
  guint    players;
  guint    max_players;
  gboolean passphrase;   /* joining it needs one */
  char    *url;          /* jamnet://HOST:PORT/ROOM[?fp=] to join it */
  /* a mix room's health, for a directory and benchmarks (docs/server.md) */
  gboolean mixed;
  double   mixes;        /* periods mixed since it opened */
  double   late_mixes;   /* of them, more than a period late */
  double   skipped;      /* periods left out after a stall */
  double   concealed;    /* member-periods concealed, and played from packets */
  double   played;
} JnRoomListing;

typedef struct
{
  char      *server;     /* what the server calls itself */
  char      *host_port;  /* HOST:PORT it was fetched from */
  guint      rooms_open; /* listed or not */
  guint      players;    /* in all its rooms */
  GPtrArray *rooms;      /* JnRoomListing*, sorted by name */
} JnRoomList;

void          jn_room_list_free        (JnRoomList  *list);
/* The server's reply, read as hostile: at most JN_ROOM_LIST_MAX rooms,
 * names as a room's must be. */
#define JN_ROOM_LIST_MAX 1000
JnRoomList   *jn_room_list_parse       (const char  *text,
                                        gsize        length,
                                        const char  *host_port,
                                        const char  *fingerprint,
                                        GError     **error);
/* server as jn_session_url_normalize() takes it (HOST[:PORT],
 * jamnet://HOST:PORT/?fp=...); with a fingerprint, only that certificate
 * is believed.  Without one any is: the list is public, and joining a room
 * checks its certificate as any join does. */
void          jn_room_list_fetch_async  (const char          *server,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
JnRoomList   *jn_room_list_fetch_finish (GAsyncResult        *result,
                                         GError             **error);

/* The link of room on server (as jn_room_list_fetch_async() takes it),
 * the server's fingerprint with it when server names one. */
char         *jn_server_room_url        (const char          *server,
                                         const char          *room,
                                         GError             **error);

/* HOST:PORT of a server's address, to show; NULL when it is none. */
char         *jn_server_dup_host_port   (const char          *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnRoomList, jn_room_list_free)

G_END_DECLS
