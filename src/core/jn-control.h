/* jn-control.h: WebSocket control messages (docs/protocol.md, section 2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "jn-midi.h"
#include "jn-packet.h"
#include "jn-secure-transport.h"

G_BEGIN_DECLS

#define JN_NAME_MAX_CHARS   64
#define JN_PASSPHRASE_MAX_CHARS 256
#define JN_SESSION_MAX_PEERS 32
/* A mix room's players, the server's mix among them (each player sends one
 * stream and gets one, so a room may be a choir; docs/server.md) */
#define JN_ROOM_MAX_PLAYERS  128

typedef enum
{
  JN_CONTROL_HELLO,
  JN_CONTROL_WELCOME,
  JN_CONTROL_ROSTER,
  JN_CONTROL_PEER_JOINED,
  JN_CONTROL_PEER_LEFT,
  JN_CONTROL_TRANSPORT,
  JN_CONTROL_ERROR,
  JN_CONTROL_CHALLENGE,   /* host: its PAKE share and confirmation */
  JN_CONTROL_CONFIRM,     /* joiner: its confirmation */
  JN_CONTROL_ICE,         /* ICE credentials and candidates, relayed between members */
  JN_CONTROL_MIDI,        /* MIDI between members no UDP path joins, relayed */
  JN_CONTROL_MIX,         /* member to a mix room's server: how it hears another */
  JN_CONTROL_CHAT,        /* a line of text to everyone, relayed by the host */
  JN_CONTROL_ECHO,        /* a latency test: play back what the asker sends, relayed */
} JnControlType;

/* An echo asks for at most this many seconds of playing back */
#define JN_ECHO_MAX_S 40

/* A chat message's text: 1 to this many characters, no control characters */
#define JN_CHAT_MAX_CHARS 500

/* A midi message carries at most this many events. */
#define JN_CONTROL_MAX_MIDI_EVENTS 16

/* An ice message carries at most this many candidates; each is at most
 * JN_ICE_CANDIDATE_MAX_CHARS long (docs/protocol.md, 2.4). */
#define JN_ICE_MAX_CANDIDATES      16
#define JN_ICE_CANDIDATE_MAX_CHARS 512

typedef struct
{
  guint32  id;
  char    *name;
  char    *address;   /* numeric IP as the host sees it */
  guint16  udp_port;
  gboolean  has_key;
  JnLinkKey key;      /* the media key of the link with this peer */
} JnPeerInfo;

typedef struct
{
  JnControlType type;
  guint         version;
  char         *name;          /* hello: player; welcome: session */
  gboolean      has_pake;      /* hello (optional), challenge */
  guint8        pake[32];      /* the sender's SPAKE2 share (jn-pake.h) */
  guint8        confirm[32];   /* challenge, confirm: key confirmation */
  guint16       udp_port;      /* hello */
  gboolean      aes;           /* hello: the joiner runs AES-256-GCM in hardware */
  gboolean      mixes;         /* hello: the joiner plays in mix rooms (3.7) */
  gboolean      create;        /* hello to a server: make the room if it is not there */
  gboolean      listed;        /* hello with create: the server lists the room */
  char         *room_passphrase; /* hello with create: the room's, or NULL (over TLS) */
  guint32       peer_id;       /* welcome: yours; peer-left: who left; ice: the other end;
                                * mix: whose */
  JnAudioFormat format;        /* welcome: the session's audio format */
  gboolean      sealed;        /* welcome: media is sealed (docs/protocol.md, 3.5) */
  gboolean      ice;           /* welcome: media links are found by ICE */
  char         *stun;          /* welcome with ice: a STUN server, "IP:PORT", or NULL */
  char         *turn;          /* welcome with ice: a TURN server, "IP:PORT", or NULL */
  char         *turn_username; /* its short-lived credentials (TURN REST: use-auth-secret) */
  char         *turn_password;
  gboolean      hub;           /* welcome: a forward room; media goes through its server */
  guint16       hub_port;      /* its UDP port */
  char         *hub_address;   /* its address, as it sees this connection (numeric) */
  JnLinkKey     hub_key;       /* the key of the joiner's link with it */
  gboolean      hub_mix;       /* welcome with hub: a mix room (docs/protocol.md 3.7) */
  char         *ice_ufrag;     /* ice: the sender's credentials, in its first ice message */
  char         *ice_pwd;
  GPtrArray    *candidates;    /* ice: SDP "candidate:" lines (char*) */
  gboolean      ice_done;      /* ice: the sender has gathered all it will */
  GArray       *midi_events;   /* midi: JnMidiEvent */
  GPtrArray    *peers;         /* roster: all; peer-joined: exactly one */
  double        gain;          /* mix: of peer_id, 0 .. JN_MIX_GAIN_MAX */
  gboolean      mute;          /* mix */
  double        pan;           /* mix: -1 (left) .. 1 */
  double        tempo_bpm;     /* transport */
  gboolean      playing;       /* transport */
  gint64        epoch_us;      /* transport: beat 0 on the host's clock, 0 unknown */
  char         *text;          /* chat (peer_id: who said it, as the host relays it) */
  guint         seconds;       /* echo: how long to play back, 0 stop (peer_id: to whom, or
                                * as the host relays it, who asks) */
  char         *error_code;    /* error: "wrong-passphrase", ... */
  char         *message;       /* error: human-readable */
} JnControlMessage;

JnPeerInfo       *jn_peer_info_new           (guint32      id,
                                              const char  *name,
                                              const char  *address,
                                              guint16      udp_port);
void              jn_peer_info_free          (JnPeerInfo  *info);
void              jn_peer_info_set_key       (JnPeerInfo  *info,
                                              const JnLinkKey *key);

/* UTF-8, 1 to JN_CHAT_MAX_CHARS characters, none of them a control one */
gboolean          jn_chat_text_is_valid      (const char  *text);
JnControlMessage *jn_control_message_new     (JnControlType type);
void              jn_control_message_free    (JnControlMessage *message);
const char       *jn_control_type_to_string  (JnControlType type);

char             *jn_control_message_to_json (const JnControlMessage *message);
JnControlMessage *jn_control_message_parse   (const char  *text,
                                              gssize       length,
                                              GError     **error);

/* Sends the message as one text frame. */
void              jn_control_message_send    (const JnControlMessage  *message,
                                              SoupWebsocketConnection *connection);
/* Disconnects handler_data's handlers from *connection, closes it if it
 * is open (going away) and clears it. */
void              jn_control_drop_connection (SoupWebsocketConnection **connection,
                                              gpointer     handler_data);
/* TRUE when hello speaks our protocol version; else answers
 * version-mismatch and closes the connection. */
gboolean          jn_control_check_version   (const JnControlMessage  *hello,
                                              SoupWebsocketConnection *connection);
/* Sends an error message, then closes the connection. */
void              jn_control_send_error_and_close (SoupWebsocketConnection *connection,
                                              int          session_error,
                                              const char  *text);

/* "IP:PORT" or "[IPv6]:PORT", numeric, with a port; ip and port may be
 * NULL. */
gboolean          jn_ip_port_parse           (const char  *text,
                                              char       **ip,
                                              guint16     *port);

/* "USER:PASSWORD@IP:PORT", a TURN server with the player's own
 * credentials. */
gboolean          jn_turn_server_parse       (const char  *text,
                                              char       **ip_port,
                                              char       **username,
                                              char       **password);
/* Short-lived TURN credentials by the TURN REST convention (coturn's
 * use-auth-secret): a username valid for ttl_s seconds from now, ending
 * in label, and its password, derived from the secret the TURN server
 * shares. */
void              jn_turn_credentials        (const char  *secret,
                                              guint        ttl_s,
                                              const char  *label,
                                              char       **username,
                                              char       **password);

#define JN_DEFAULT_PORT 7420
#define JN_WEBSOCKET_PATH "/jamnet"

/* Maps the "code" of an error message to JN_SESSION_ERROR codes and back. */
const char       *jn_session_error_code_to_string   (int          code);
int               jn_session_error_code_from_string (const char  *code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnControlMessage, jn_control_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnPeerInfo, jn_peer_info_free)

G_END_DECLS
