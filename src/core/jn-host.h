/* jn-host.h: hosting a session (the WebSocket control plane's server side)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-control.h"
#include "jn-forwarder.h"
#include "jn-media-engine.h"

G_BEGIN_DECLS

#define JN_TYPE_HOST (jn_host_get_type ())
G_DECLARE_FINAL_TYPE (JnHost, jn_host, JN, HOST, GObject)

/* The host is always peer 1 of its session. */
#define JN_HOST_PEER_ID 1

/* What the control plane turned away (docs/protocol.md, section 2). */
typedef struct
{
  guint64 failed_passphrases;  /* PAKE runs that did not confirm */
  guint64 refused_guessing;    /* hellos refused: too many failures from the address */
  guint64 refused_hellos;      /* hellos refused: too many from the address, or members */
  guint64 refused_connections; /* closed on accepting: too many pending (per address, in all) */
  guint64 timed_out;           /* no WebSocket within the handshake's time (slowloris) */
  guint64 tls_failures;        /* TLS handshakes that failed */
  guint64 accept_failures;     /* accept() failed (no descriptors left): paused and retried */
  guint64 ice_relayed;         /* ice messages passed from one member to another */
  guint64 ice_dropped;         /* ice messages dropped: to nobody there, or past a member's rate */
  guint64 midi_relayed;        /* midi messages passed between members UDP does not join */
  guint64 midi_dropped;        /* midi messages dropped: to nobody there, or past a member's rate */
  guint64 silent;              /* members dropped: nothing heard from them for 7 s */
  guint64 chat_relayed;        /* chat lines passed to everyone */
  guint64 chat_dropped;        /* chat lines past a member's rate (5 at once, 1 a second) */
} JnHostStats;

JnHost      *jn_host_new            (JnMediaEngine *engine,
                                     const char    *session_name,
                                     const char    *player_name,
                                     const char    *passphrase);
/* A room of a jamnet-server: the control plane of a session without a
 * player of its own (no engine; members start at peer 2).  fingerprint is
 * the server's certificate's, which the passphrase check is bound to;
 * max_members below JN_ROOM_MAX_PLAYERS. */
JnHost      *jn_host_new_room       (const char    *room_name,
                                     const char    *passphrase,
                                     guint          max_members,
                                     const char    *fingerprint,
                                     const JnAudioFormat *format);
/* At most n members from one address at a time (default 8). */
void         jn_host_set_members_per_address (JnHost *self,
                                     guint          n);
/* Makes a room a forward room: its members' media goes through
 * forwarder, which the host owns from here (before anyone joins). */
void         jn_host_set_forwarder  (JnHost        *self,
                                     JnForwarder   *forwarder);
JnForwarder *jn_host_get_forwarder  (JnHost        *self);
/* A joiner's connection, accepted elsewhere (a server's listener): from
 * address, reaching us at local_address; hello, when given, is its first
 * message, already read (and owned by the host from here). */
void         jn_host_take           (JnHost        *self,
                                     SoupWebsocketConnection *connection,
                                     const char    *address,
                                     const char    *local_address,
                                     JnControlMessage *hello);
/* A player's own session: address NULL listens on every interface; port
 * 0 picks a free one.  The control plane is TLS (wss://) with
 * certificate, which must hold its key (jn_identity_load()). */
gboolean     jn_host_listen         (JnHost        *self,
                                     const char    *address,
                                     guint16        port,
                                     GTlsCertificate *certificate,
                                     GError       **error);
guint16      jn_host_get_port       (JnHost        *self);
/* wss:// URL on loopback with the certificate's fingerprint (?fp=), for
 * local joiners and tests. */
char        *jn_host_dup_local_url  (JnHost        *self);
/* jn_certificate_fingerprint() of the certificate the host presents. */
const char  *jn_host_get_fingerprint (JnHost       *self);
guint        jn_host_get_n_members  (JnHost        *self);
/* Members and those still saying hello. */
guint        jn_host_get_n_connections (JnHost     *self);
void         jn_host_get_stats      (JnHost        *self,
                                     JnHostStats   *stats);
/* The STUN server ("IP:PORT", or NULL) a room's welcome names to its
 * members, whose media links ICE finds. */
void         jn_host_set_stun       (JnHost        *self,
                                     const char    *stun);
/* The TURN server ("IP:PORT", or NULL) a room's welcome names, with
 * credentials for each member derived from the secret it shares with
 * that server, valid for ttl_s seconds (TURN REST, use-auth-secret). */
void         jn_host_set_turn       (JnHost        *self,
                                     const char    *turn,
                                     const char    *secret,
                                     guint          ttl_s);
void         jn_host_set_transport  (JnHost        *self,
                                     double         tempo_bpm,
                                     gboolean       playing);
/* The host player says text to everyone (FALSE: not a valid chat line,
 * jn_chat_text_is_valid()); "chat" (id, text) is what members say. */
gboolean     jn_host_send_chat      (JnHost        *self,
                                     const char    *text);
/* The host player asks member `to` to play back what it sends for
 * seconds (a latency test; 0: stop now); FALSE when there is no such member.
 * "echo-requested" (id, seconds) is a member asking the host player. */
gboolean     jn_host_request_echo   (JnHost        *self,
                                     guint32        to,
                                     guint          seconds);
/* The session's beat grid: beat 0 on this host's monotonic clock. */
gint64       jn_host_get_epoch      (JnHost        *self);
double       jn_host_get_tempo      (JnHost        *self);
/* Stops listening, drops connections still in their handshake, tells
 * every member the session is over and closes their connections. */
void         jn_host_shutdown       (JnHost        *self);

G_END_DECLS
