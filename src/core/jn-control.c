/* jn-control.c: encoding and strict parsing of control messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-control"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "jn-control.h"
#include "jn-json.h"
#include "jn-room-mix.h"
#include "jn-error.h"

static const char *type_names[] = {
  [JN_CONTROL_HELLO] = "hello",
  [JN_CONTROL_WELCOME] = "welcome",
  [JN_CONTROL_ROSTER] = "roster",
  [JN_CONTROL_PEER_JOINED] = "peer-joined",
  [JN_CONTROL_PEER_LEFT] = "peer-left",
  [JN_CONTROL_TRANSPORT] = "transport",
  [JN_CONTROL_ERROR] = "error",
  [JN_CONTROL_CHALLENGE] = "challenge",
  [JN_CONTROL_CONFIRM] = "confirm",
  [JN_CONTROL_ICE] = "ice",
  [JN_CONTROL_MIDI] = "midi",
  [JN_CONTROL_MIX] = "mix",
  [JN_CONTROL_CHAT] = "chat",
  [JN_CONTROL_ECHO] = "echo",
};

static const char *session_error_codes[] = {
  [JN_SESSION_ERROR_WRONG_PASSPHRASE] = "wrong-passphrase",
  [JN_SESSION_ERROR_VERSION_MISMATCH] = "version-mismatch",
  [JN_SESSION_ERROR_BAD_REQUEST] = "bad-request",
  [JN_SESSION_ERROR_SESSION_FULL] = "session-full",
  [JN_SESSION_ERROR_CLOSED] = "closed",
  [JN_SESSION_ERROR_BAD_URL] = "bad-url",
  [JN_SESSION_ERROR_INSECURE] = "insecure",
  [JN_SESSION_ERROR_CERTIFICATE] = "certificate",
  [JN_SESSION_ERROR_CERTIFICATE_CHANGED] = "certificate-changed",
  [JN_SESSION_ERROR_TOO_MANY_ATTEMPTS] = "too-many-attempts",
  [JN_SESSION_ERROR_NO_SUCH_ROOM] = "no-such-room",
  [JN_SESSION_ERROR_ROOM_EXISTS] = "room-exists",
  [JN_SESSION_ERROR_SERVER_FULL] = "server-full",
  [JN_SESSION_ERROR_LOST] = "lost",
};

const char *
jn_control_type_to_string (JnControlType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);
  return type_names[type];
}

const char *
jn_session_error_code_to_string (int code)
{
  if (code < 0 || (guint) code >= G_N_ELEMENTS (session_error_codes))
    return "bad-request";
  return session_error_codes[code];
}

int
jn_session_error_code_from_string (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (session_error_codes); i++)
    if (code != NULL && g_strcmp0 (session_error_codes[i], code) == 0)
      return (int) i;
  return JN_SESSION_ERROR_BAD_REQUEST;
}

JnPeerInfo *
jn_peer_info_new (guint32     id,
                  const char *name,
                  const char *address,
                  guint16     udp_port)
{
  JnPeerInfo *info = g_new0 (JnPeerInfo, 1);

  info->id = id;
  info->name = g_strdup (name);
  info->address = g_strdup (address);
  info->udp_port = udp_port;
  return info;
}

void
jn_peer_info_free (JnPeerInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->address);
  sodium_memzero (&info->key, sizeof info->key);
  g_free (info);
}

void
jn_peer_info_set_key (JnPeerInfo      *info,
                      const JnLinkKey *key)
{
  info->has_key = key != NULL;
  if (key != NULL)
    info->key = *key;
}

JnControlMessage *
jn_control_message_new (JnControlType type)
{
  JnControlMessage *message = g_new0 (JnControlMessage, 1);

  message->type = type;
  message->version = JN_PROTOCOL_VERSION;
  message->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) jn_peer_info_free);
  message->candidates = g_ptr_array_new_with_free_func (g_free);
  message->midi_events = g_array_new (FALSE, TRUE, sizeof (JnMidiEvent));
  return message;
}

gboolean
jn_chat_text_is_valid (const char *text)
{
  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL) ||
      g_utf8_strlen (text, -1) > JN_CHAT_MAX_CHARS)
    return FALSE;
  for (const char *c = text; *c != '\0'; c = g_utf8_next_char (c))
    if (g_unichar_iscntrl (g_utf8_get_char (c)))
      return FALSE;
  return TRUE;
}

void
jn_control_message_free (JnControlMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->name);
  g_free (message->text);
  if (message->room_passphrase != NULL)
    sodium_memzero (message->room_passphrase, strlen (message->room_passphrase));
  g_free (message->room_passphrase);
  sodium_memzero (&message->hub_key, sizeof message->hub_key);
  g_free (message->hub_address);
  g_clear_pointer (&message->peers, g_ptr_array_unref);
  g_clear_pointer (&message->candidates, g_ptr_array_unref);
  g_clear_pointer (&message->midi_events, g_array_unref);
  g_free (message->stun);
  g_free (message->turn);
  g_free (message->turn_username);
  if (message->turn_password != NULL)
    sodium_memzero (message->turn_password, strlen (message->turn_password));
  g_free (message->turn_password);
  g_free (message->ice_ufrag);
  if (message->ice_pwd != NULL)
    sodium_memzero (message->ice_pwd, strlen (message->ice_pwd));
  g_free (message->ice_pwd);
  g_free (message->error_code);
  g_free (message->message);
  g_free (message);
}

/* --- encoding ------------------------------------------------------------ */

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_bytes32 (JsonBuilder *builder, const char *name, const guint8 *bytes)
{
  g_autofree char *text = g_base64_encode (bytes, 32);

  add_string (builder, name, text);
}

static void
add_peer (JsonBuilder *builder, const JnPeerInfo *info)
{
  json_builder_begin_object (builder);
  add_int (builder, "id", info->id);
  add_string (builder, "name", info->name ? info->name : "");
  add_string (builder, "address", info->address ? info->address : "");
  add_int (builder, "udp_port", info->udp_port);
  if (info->has_key)
    {
      g_autofree char *key = g_base64_encode (info->key.bytes, sizeof info->key.bytes);

      add_string (builder, "key", key);
      add_string (builder, "cipher", jn_cipher_to_string (info->key.cipher));
      sodium_memzero (key, strlen (key));
    }
  json_builder_end_object (builder);
}

char *
jn_control_message_to_json (const JnControlMessage *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (message != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "type", jn_control_type_to_string (message->type));
  add_int (builder, "version", message->version);

  switch (message->type)
    {
    case JN_CONTROL_HELLO:
      add_string (builder, "name", message->name ? message->name : "");
      if (message->has_pake)
        add_bytes32 (builder, "pake", message->pake);
      add_int (builder, "udp_port", message->udp_port);
      json_builder_set_member_name (builder, "aes");
      json_builder_add_boolean_value (builder, message->aes);
      if (message->mixes)
        {
          json_builder_set_member_name (builder, "mix");
          json_builder_add_boolean_value (builder, TRUE);
        }
      if (message->create)
        {
          json_builder_set_member_name (builder, "create");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "listed");
          json_builder_add_boolean_value (builder, message->listed);
          if (message->room_passphrase != NULL)
            add_string (builder, "passphrase", message->room_passphrase);
          json_builder_end_object (builder);
        }
      break;

    case JN_CONTROL_CHALLENGE:
      add_bytes32 (builder, "pake", message->pake);
      add_bytes32 (builder, "confirm", message->confirm);
      break;

    case JN_CONTROL_CONFIRM:
      add_bytes32 (builder, "confirm", message->confirm);
      break;

    case JN_CONTROL_WELCOME:
      add_int (builder, "peer_id", message->peer_id);
      add_string (builder, "session", message->name ? message->name : "");
      json_builder_set_member_name (builder, "audio");
      json_builder_begin_object (builder);
      add_int (builder, "rate", message->format.rate);
      add_int (builder, "frames", message->format.frames);
      add_int (builder, "channels", message->format.channels);
      add_int (builder, "format", message->format.format);
      if (message->format.format == JN_SAMPLE_OPUS)
        add_int (builder, "bitrate", message->format.bitrate);
      json_builder_end_object (builder);
      add_string (builder, "media", message->sealed ? "sealed" : "clear");
      if (message->hub)
        {
          g_autofree char *key = g_base64_encode (message->hub_key.bytes,
                                                  sizeof message->hub_key.bytes);

          json_builder_set_member_name (builder, "hub");
          json_builder_begin_object (builder);
          add_string (builder, "address", message->hub_address ? message->hub_address : "");
          add_int (builder, "port", message->hub_port);
          add_string (builder, "key", key);
          add_string (builder, "cipher", jn_cipher_to_string (message->hub_key.cipher));
          if (message->hub_mix)
            add_string (builder, "media", "mix");
          json_builder_end_object (builder);
          sodium_memzero (key, strlen (key));
        }
      if (message->ice)
        {
          json_builder_set_member_name (builder, "ice");
          json_builder_begin_object (builder);
          if (message->stun != NULL)
            add_string (builder, "stun", message->stun);
          if (message->turn != NULL)
            {
              json_builder_set_member_name (builder, "turn");
              json_builder_begin_object (builder);
              add_string (builder, "server", message->turn);
              add_string (builder, "username", message->turn_username ? message->turn_username : "");
              add_string (builder, "password", message->turn_password ? message->turn_password : "");
              json_builder_end_object (builder);
            }
          json_builder_end_object (builder);
        }
      break;

    case JN_CONTROL_MIDI:
      add_int (builder, "peer_id", message->peer_id);
      g_return_val_if_fail (message->midi_events->len <= JN_CONTROL_MAX_MIDI_EVENTS, NULL);
      json_builder_set_member_name (builder, "events");
      json_builder_begin_array (builder);
      for (guint i = 0; i < message->midi_events->len; i++)
        json_builder_add_value (builder, jn_midi_event_to_jmid (&g_array_index (message->midi_events,
                                                                                JnMidiEvent, i)));
      json_builder_end_array (builder);
      break;

    case JN_CONTROL_ICE:
      add_int (builder, "peer_id", message->peer_id);
      if (message->ice_ufrag != NULL && message->ice_pwd != NULL)
        {
          add_string (builder, "ufrag", message->ice_ufrag);
          add_string (builder, "pwd", message->ice_pwd);
        }
      g_return_val_if_fail (message->candidates->len <= JN_ICE_MAX_CANDIDATES, NULL);
      if (message->candidates->len > 0)
        {
          json_builder_set_member_name (builder, "candidates");
          json_builder_begin_array (builder);
          for (guint i = 0; i < message->candidates->len; i++)
            json_builder_add_string_value (builder, g_ptr_array_index (message->candidates, i));
          json_builder_end_array (builder);
        }
      if (message->ice_done)
        {
          json_builder_set_member_name (builder, "done");
          json_builder_add_boolean_value (builder, TRUE);
        }
      break;

    case JN_CONTROL_ROSTER:
      json_builder_set_member_name (builder, "peers");
      json_builder_begin_array (builder);
      for (guint i = 0; i < message->peers->len; i++)
        add_peer (builder, g_ptr_array_index (message->peers, i));
      json_builder_end_array (builder);
      break;

    case JN_CONTROL_PEER_JOINED:
      g_return_val_if_fail (message->peers->len == 1, NULL);
      json_builder_set_member_name (builder, "peer");
      add_peer (builder, g_ptr_array_index (message->peers, 0));
      break;

    case JN_CONTROL_PEER_LEFT:
      add_int (builder, "peer_id", message->peer_id);
      break;

    case JN_CONTROL_MIX:
      add_int (builder, "peer_id", message->peer_id);
      json_builder_set_member_name (builder, "gain");
      json_builder_add_double_value (builder, message->gain);
      json_builder_set_member_name (builder, "mute");
      json_builder_add_boolean_value (builder, message->mute);
      json_builder_set_member_name (builder, "pan");
      json_builder_add_double_value (builder, message->pan);
      break;

    case JN_CONTROL_CHAT:
      if (message->peer_id != 0)
        add_int (builder, "peer_id", message->peer_id);
      add_string (builder, "text", message->text ? message->text : "");
      break;

    case JN_CONTROL_ECHO:
      add_int (builder, "peer_id", message->peer_id);
      add_int (builder, "seconds", message->seconds);
      break;

    case JN_CONTROL_TRANSPORT:
      json_builder_set_member_name (builder, "tempo");
      json_builder_add_double_value (builder, message->tempo_bpm);
      json_builder_set_member_name (builder, "playing");
      json_builder_add_boolean_value (builder, message->playing);
      if (message->epoch_us > 0)
        add_int (builder, "epoch_us", message->epoch_us);
      break;

    case JN_CONTROL_ERROR:
      add_string (builder, "code", message->error_code ? message->error_code : "bad-request");
      add_string (builder, "message", message->message ? message->message : "");
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

void
jn_control_drop_connection (SoupWebsocketConnection **connection,
                            gpointer                  handler_data)
{
  if (*connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*connection, handler_data);
  if (soup_websocket_connection_get_state (*connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (*connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  g_clear_object (connection);
}

gboolean
jn_control_check_version (const JnControlMessage  *hello,
                          SoupWebsocketConnection *connection)
{
  g_autofree char *text = NULL;

  if (hello->version == JN_PROTOCOL_VERSION)
    return TRUE;
  text = g_strdup_printf (_("This session speaks JamNet protocol version %d, your app speaks "
                            "version %u. Update JamNet on the older side."),
                          JN_PROTOCOL_VERSION, hello->version);
  jn_control_send_error_and_close (connection, JN_SESSION_ERROR_VERSION_MISMATCH, text);
  return FALSE;
}

void
jn_control_message_send (const JnControlMessage  *message,
                         SoupWebsocketConnection *connection)
{
  g_autofree char *text = NULL;

  if (soup_websocket_connection_get_state (connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  text = jn_control_message_to_json (message);
  if (text != NULL)
    soup_websocket_connection_send_text (connection, text);
}

void
jn_control_send_error_and_close (SoupWebsocketConnection *connection,
                                 int                      session_error,
                                 const char              *text)
{
  g_autoptr(JnControlMessage) error = jn_control_message_new (JN_CONTROL_ERROR);

  error->error_code = g_strdup (jn_session_error_code_to_string (session_error));
  error->message = g_strdup (text);
  jn_control_message_send (error, connection);
  if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                     error->error_code);
}

gboolean
jn_ip_port_parse (const char  *text,
                  char       **ip,
                  guint16     *port)
{
  g_autoptr(GSocketConnectable) parsed = NULL;
  const char *host;

  if (text == NULL || strlen (text) > 64 ||
      (parsed = g_network_address_parse (text, 0, NULL)) == NULL)
    return FALSE;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed));
  if (!g_hostname_is_ip_address (host) || g_network_address_get_port (G_NETWORK_ADDRESS (parsed)) == 0)
    return FALSE;
  if (ip != NULL)
    *ip = g_strdup (host);
  if (port != NULL)
    *port = g_network_address_get_port (G_NETWORK_ADDRESS (parsed));
  return TRUE;
}

gboolean
jn_turn_server_parse (const char  *text,
                      char       **ip_port,
                      char       **username,
                      char       **password)
{
  const char *at = text != NULL ? strrchr (text, '@') : NULL;
  const char *colon;

  if (at == NULL || !jn_ip_port_parse (at + 1, NULL, NULL))
    return FALSE;
  colon = memchr (text, ':', (gsize) (at - text));
  if (colon == NULL || colon == text)
    return FALSE;
  *ip_port = g_strdup (at + 1);
  *username = g_strndup (text, (gsize) (colon - text));
  *password = g_strndup (colon + 1, (gsize) (at - colon - 1));
  return TRUE;
}

void
jn_turn_credentials (const char  *secret,
                     guint        ttl_s,
                     const char  *label,
                     char       **username,
                     char       **password)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  guint8 digest[20];
  gsize length = sizeof digest;

  /* "EXPIRY:LABEL", its key the base64 of HMAC-SHA1(secret, username) */
  *username = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", g_get_real_time () / G_USEC_PER_SEC + ttl_s,
                               label);
  g_hmac_update (hmac, (const guchar *) *username, -1);
  g_hmac_get_digest (hmac, digest, &length);
  *password = g_base64_encode (digest, length);
  sodium_memzero (digest, sizeof digest);
}

/* --- parsing ------------------------------------------------------------- */

G_GNUC_PRINTF (2, 3)
static gboolean
bad_message (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (JN_PROTOCOL_ERROR,
                                                JN_PROTOCOL_ERROR_BAD_MESSAGE, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
read_int (JsonObject *object, const char *name, gint64 min, gint64 max,
          gint64 *out, GError **error)
{
  if (!jn_json_get_int (object, name, out))
    return bad_message (error, "control message needs an integer \"%s\"", name);
  if (*out < min || *out > max)
    return bad_message (error, "control message field \"%s\" = %" G_GINT64_FORMAT
                        " is out of range", name, *out);
  return TRUE;
}

static gboolean
read_string (JsonObject *object, const char *name, gboolean optional,
             guint max_chars, char **out, GError **error)
{
  const char *value = jn_json_get_string (object, name);

  if (value == NULL && optional && !json_object_has_member (object, name))
    return TRUE;
  if (value == NULL)
    return bad_message (error, "control message needs a string \"%s\"", name);
  if (!g_utf8_validate (value, -1, NULL))
    return bad_message (error, "control message field \"%s\" is not UTF-8", name);
  if (max_chars > 0 && g_utf8_strlen (value, -1) > max_chars)
    return bad_message (error, "control message field \"%s\" is longer than %u characters",
                        name, max_chars);
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

/* 32 bytes in base64: exactly 44 characters of its alphabet */
static gboolean
read_bytes32 (JsonObject *object, const char *name, guint8 *out, GError **error)
{
  const char *text = jn_json_get_string (object, name);
  g_autofree guint8 *bytes = NULL;
  gsize n = 0;

  /* g_base64_decode() would skip what is not base64: check first */
  if (text == NULL || strlen (text) != 44 ||
      strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != 44 ||
      (bytes = g_base64_decode (text, &n)) == NULL || n != 32)
    {
      if (bytes != NULL)
        sodium_memzero (bytes, n);
      return bad_message (error, "control message needs 32 bytes of base64 in \"%s\"", name);
    }
  memcpy (out, bytes, 32);
  sodium_memzero (bytes, n);
  return TRUE;
}

/* hello's "create": {"listed": BOOL, "passphrase": STRING (optional)} */
static gboolean
read_create (JsonObject       *object,
             JnControlMessage *message,
             GError          **error)
{
  JsonNode *node = json_object_get_member (object, "create");
  JsonObject *create;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad_message (error, "hello's \"create\" is not an object");
  create = json_node_get_object (node);
  message->create = TRUE;
  message->listed = TRUE;
  if (json_object_has_member (create, "listed") &&
      !jn_json_get_boolean (create, "listed", &message->listed))
    return bad_message (error, "hello's \"create\" has a non-boolean \"listed\"");
  if (!read_string (create, "passphrase", TRUE, JN_PASSPHRASE_MAX_CHARS,
                    &message->room_passphrase, error))
    return FALSE;
  if (message->room_passphrase != NULL && *message->room_passphrase == '\0')
    g_clear_pointer (&message->room_passphrase, g_free);
  return TRUE;
}

/* welcome's "ice": {"stun": "IP:PORT" (optional)} */
static gboolean
read_ice_paths (JsonObject       *object,
                JnControlMessage *message,
                GError          **error)
{
  JsonNode *node = json_object_get_member (object, "ice");

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad_message (error, "welcome's \"ice\" is not an object");
  message->ice = TRUE;
  if (!read_string (json_node_get_object (node), "stun", TRUE, 64, &message->stun, error))
    return FALSE;
  /* numeric: a name would be resolved on the media thread */
  if (message->stun != NULL && !jn_ip_port_parse (message->stun, NULL, NULL))
    return bad_message (error, "welcome's STUN server \"%s\" is not a numeric IP:PORT",
                        message->stun);
  if (json_object_has_member (json_node_get_object (node), "turn"))
    {
      JsonNode *turn = json_object_get_member (json_node_get_object (node), "turn");
      JsonObject *t;

      if (!JSON_NODE_HOLDS_OBJECT (turn))
        return bad_message (error, "welcome's \"turn\" is not an object");
      t = json_node_get_object (turn);
      if (!read_string (t, "server", FALSE, 64, &message->turn, error) ||
          !read_string (t, "username", FALSE, 256, &message->turn_username, error) ||
          !read_string (t, "password", FALSE, 256, &message->turn_password, error))
        return FALSE;
      if (!jn_ip_port_parse (message->turn, NULL, NULL))
        return bad_message (error, "welcome's TURN server \"%s\" is not a numeric IP:PORT",
                            message->turn);
    }
  return TRUE;
}

/* ice: {"peer_id", "ufrag" + "pwd" (optional, together), "candidates"
 * (optional), "done" (optional)} */
static gboolean
read_ice (JsonObject       *object,
          JnControlMessage *message,
          GError          **error)
{
  JsonNode *node;
  JsonArray *array;
  gint64 v;

  if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
    return FALSE;
  message->peer_id = (guint32) v;
  if (json_object_has_member (object, "ufrag") || json_object_has_member (object, "pwd"))
    {
      /* what RFC 8445 allows: 4 and 22 to 256 characters */
      if (!read_string (object, "ufrag", FALSE, 256, &message->ice_ufrag, error) ||
          !read_string (object, "pwd", FALSE, 256, &message->ice_pwd, error))
        return FALSE;
      if (strlen (message->ice_ufrag) < 4 || strlen (message->ice_pwd) < 22)
        return bad_message (error, "ice credentials are too short");
    }
  if (json_object_has_member (object, "done") &&
      !jn_json_get_boolean (object, "done", &message->ice_done))
    return bad_message (error, "ice has a non-boolean \"done\"");
  if (!json_object_has_member (object, "candidates"))
    return TRUE;
  node = json_object_get_member (object, "candidates");
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad_message (error, "ice's \"candidates\" is not an array");
  array = json_node_get_array (node);
  if (json_array_get_length (array) > JN_ICE_MAX_CANDIDATES)
    return bad_message (error, "ice carries more than %d candidates", JN_ICE_MAX_CANDIDATES);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *line = JSON_NODE_HOLDS_VALUE (element) &&
                         json_node_get_value_type (element) == G_TYPE_STRING
                         ? json_node_get_string (element) : NULL;

      /* printable ASCII, as SDP is */
      if (line == NULL || *line == '\0' || strlen (line) > JN_ICE_CANDIDATE_MAX_CHARS)
        return bad_message (error, "ice candidate %u is not a string of 1 to %d characters", i,
                            JN_ICE_CANDIDATE_MAX_CHARS);
      for (const char *p = line; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e)
          return bad_message (error, "ice candidate %u is not printable ASCII", i);
      g_ptr_array_add (message->candidates, g_strdup (line));
    }
  return TRUE;
}

/* midi: {"peer_id", "events": [JMID, ...]} (section 5) */
static gboolean
read_midi (JsonObject       *object,
           JnControlMessage *message,
           GError          **error)
{
  JsonNode *node = json_object_get_member (object, "events");
  JsonArray *array;
  gint64 v;

  if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
    return FALSE;
  message->peer_id = (guint32) v;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return bad_message (error, "midi has no \"events\" array");
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0 || json_array_get_length (array) > JN_CONTROL_MAX_MIDI_EVENTS)
    return bad_message (error, "midi carries 1 to %d events", JN_CONTROL_MAX_MIDI_EVENTS);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JnMidiEvent event = { 0 };
      g_autoptr(GError) local = NULL;

      if (!jn_midi_event_from_jmid (json_array_get_element (array, i), &event, &local))
        return bad_message (error, "midi event %u: %s", i, local->message);
      g_array_append_val (message->midi_events, event);
    }
  return TRUE;
}

static JnPeerInfo *
read_peer (JsonNode *node, GError **error)
{
  g_autoptr(JnPeerInfo) info = jn_peer_info_new (0, NULL, NULL, 0);
  JsonObject *object;
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_message (error, "peer entry is not an object");
      return NULL;
    }
  object = json_node_get_object (node);
  if (!read_int (object, "id", 1, G_MAXUINT32, &v, error))
    return NULL;
  info->id = (guint32) v;
  if (!read_string (object, "name", FALSE, JN_NAME_MAX_CHARS, &info->name, error) ||
      !read_string (object, "address", FALSE, 64, &info->address, error) ||
      !read_int (object, "udp_port", 0, 65535, &v, error))
    return NULL;
  info->udp_port = (guint16) v;
  if (!g_hostname_is_ip_address (info->address))
    {
      bad_message (error, "peer address \"%s\" is not a numeric IP address", info->address);
      return NULL;
    }
  if (json_object_has_member (object, "key"))
    {
      if (!read_bytes32 (object, "key", info->key.bytes, error))
        return NULL;
      info->key.cipher = jn_cipher_from_string (jn_json_get_string (object, "cipher"));
      if (info->key.cipher == 0)
        {
          bad_message (error, "peer %u has a key without a known \"cipher\"", info->id);
          return NULL;
        }
      info->has_key = TRUE;
    }
  return g_steal_pointer (&info);
}

JnControlMessage *
jn_control_message_parse (const char  *text,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JnControlMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *type = NULL;
  g_autofree char *media = NULL;
  JsonNode *root;
  JsonObject *object;
  gint64 v;
  guint t;

  g_return_val_if_fail (text != NULL, NULL);

  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_JSON,
                   "control message is not valid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      bad_message (error, "control message is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);

  if (!read_string (object, "type", FALSE, 32, &type, error))
    return NULL;
  for (t = 0; t < G_N_ELEMENTS (type_names); t++)
    if (g_str_equal (type_names[t], type))
      break;
  if (t == G_N_ELEMENTS (type_names))
    {
      bad_message (error, "unknown control message type \"%s\"", type);
      return NULL;
    }

  message = jn_control_message_new (t);
  /* The version is parsed, not checked: the receiver decides what a version
   * mismatch means (the host answers with an error message). */
  if (!read_int (object, "version", 0, G_MAXUINT16, &v, error))
    return NULL;
  message->version = (guint) v;

  switch (message->type)
    {
    case JN_CONTROL_HELLO:
      /* udp_port 0: media links are found by ICE, not at a port */
      if (!read_string (object, "name", FALSE, JN_NAME_MAX_CHARS, &message->name, error) ||
          !read_int (object, "udp_port", 0, 65535, &v, error))
        return NULL;
      message->udp_port = (guint16) v;
      if (json_object_has_member (object, "aes") &&
          !jn_json_get_boolean (object, "aes", &message->aes))
        {
          bad_message (error, "hello has a non-boolean \"aes\"");
          return NULL;
        }
      if (json_object_has_member (object, "mix") &&
          !jn_json_get_boolean (object, "mix", &message->mixes))
        {
          bad_message (error, "hello has a non-boolean \"mix\"");
          return NULL;
        }
      if (json_object_has_member (object, "pake"))
        {
          if (!read_bytes32 (object, "pake", message->pake, error))
            return NULL;
          message->has_pake = TRUE;
        }
      if (json_object_has_member (object, "create") && !read_create (object, message, error))
        return NULL;
      break;

    case JN_CONTROL_CHALLENGE:
      if (!read_bytes32 (object, "pake", message->pake, error) ||
          !read_bytes32 (object, "confirm", message->confirm, error))
        return NULL;
      message->has_pake = TRUE;
      break;

    case JN_CONTROL_CONFIRM:
      if (!read_bytes32 (object, "confirm", message->confirm, error))
        return NULL;
      break;

    case JN_CONTROL_WELCOME:
      {
        JsonNode *audio = json_object_get_member (object, "audio");
        JsonObject *a;

        if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
          return NULL;
        message->peer_id = (guint32) v;
        if (!read_string (object, "session", FALSE, JN_NAME_MAX_CHARS, &message->name, error))
          return NULL;
        if (audio == NULL || !JSON_NODE_HOLDS_OBJECT (audio))
          {
            bad_message (error, "welcome has no \"audio\" object");
            return NULL;
          }
        a = json_node_get_object (audio);
        if (!read_int (a, "rate", 0, G_MAXUINT32, &v, error))
          return NULL;
        message->format.rate = (guint32) v;
        if (!read_int (a, "frames", 0, G_MAXUINT16, &v, error))
          return NULL;
        message->format.frames = (guint16) v;
        if (!read_int (a, "channels", 0, G_MAXUINT8, &v, error))
          return NULL;
        message->format.channels = (guint8) v;
        if (!read_int (a, "format", 0, G_MAXUINT8, &v, error))
          return NULL;
        message->format.format = (JnSampleFormat) v;
        message->format.bitrate = 0;
        if (message->format.format == JN_SAMPLE_OPUS)
          {
            if (!read_int (a, "bitrate", 0, G_MAXUINT32, &v, error))
              return NULL;
            message->format.bitrate = (guint32) v;
          }
        if (!jn_audio_format_validate (&message->format, &local_error))
          {
            bad_message (error, "welcome has an unusable audio format: %s", local_error->message);
            return NULL;
          }
        if (!read_string (object, "media", FALSE, 16, &media, error))
          return NULL;
        if (!g_str_equal (media, "sealed") && !g_str_equal (media, "clear"))
          {
            bad_message (error, "welcome has an unknown media mode \"%s\"", media);
            return NULL;
          }
        message->sealed = g_str_equal (media, "sealed");
        if (json_object_has_member (object, "ice") && !read_ice_paths (object, message, error))
          return NULL;
        if (json_object_has_member (object, "hub"))
          {
            JsonNode *hub = json_object_get_member (object, "hub");
            JsonObject *h;

            if (!JSON_NODE_HOLDS_OBJECT (hub) || message->ice)
              {
                bad_message (error, "welcome's \"hub\" is not an object, or comes with \"ice\"");
                return NULL;
              }
            h = json_node_get_object (hub);
            if (!read_string (h, "address", FALSE, 64, &message->hub_address, error) ||
                !read_int (h, "port", 1, G_MAXUINT16, &v, error) ||
                !read_bytes32 (h, "key", message->hub_key.bytes, error))
              return NULL;
            if (!g_hostname_is_ip_address (message->hub_address))
              {
                bad_message (error, "welcome's hub address \"%s\" is not a numeric IP address",
                             message->hub_address);
                return NULL;
              }
            message->hub_port = (guint16) v;
            message->hub_key.cipher = jn_cipher_from_string (jn_json_get_string (h, "cipher"));
            if (message->hub_key.cipher == 0)
              {
                bad_message (error, "welcome's hub key has no known \"cipher\"");
                return NULL;
              }
            if (json_object_has_member (h, "media"))
              {
                if (g_strcmp0 (jn_json_get_string (h, "media"), "mix") != 0)
                  {
                    bad_message (error, "welcome's hub \"media\" is not \"mix\"");
                    return NULL;
                  }
                message->hub_mix = TRUE;
              }
            message->hub = TRUE;
          }
      }
      break;

    case JN_CONTROL_ICE:
      if (!read_ice (object, message, error))
        return NULL;
      break;

    case JN_CONTROL_MIDI:
      if (!read_midi (object, message, error))
        return NULL;
      break;

    case JN_CONTROL_ROSTER:
      {
        JsonNode *node = json_object_get_member (object, "peers");
        JsonArray *array;

        if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
          {
            bad_message (error, "roster has no \"peers\" array");
            return NULL;
          }
        array = json_node_get_array (node);
        if (json_array_get_length (array) > JN_ROOM_MAX_PLAYERS)
          {
            bad_message (error, "roster lists more than %d peers", JN_ROOM_MAX_PLAYERS);
            return NULL;
          }
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            JnPeerInfo *info = read_peer (json_array_get_element (array, i), error);

            if (info == NULL)
              return NULL;
            g_ptr_array_add (message->peers, info);
          }
      }
      break;

    case JN_CONTROL_PEER_JOINED:
      {
        JnPeerInfo *info = read_peer (json_object_get_member (object, "peer"), error);

        if (info == NULL)
          return NULL;
        g_ptr_array_add (message->peers, info);
      }
      break;

    case JN_CONTROL_PEER_LEFT:
      if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
        return NULL;
      message->peer_id = (guint32) v;
      break;

    case JN_CONTROL_MIX:
      if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
        return NULL;
      message->peer_id = (guint32) v;
      if (!jn_json_get_number (object, "gain", &message->gain) ||
          !(message->gain >= 0.0 && message->gain <= JN_MIX_GAIN_MAX) ||
          !jn_json_get_boolean (object, "mute", &message->mute) ||
          !jn_json_get_number (object, "pan", &message->pan) ||
          !(message->pan >= -1.0 && message->pan <= 1.0))
        {
          bad_message (error, "mix needs a \"gain\" 0..%g, a boolean \"mute\" and a \"pan\" -1..1",
                       JN_MIX_GAIN_MAX);
          return NULL;
        }
      break;

    case JN_CONTROL_ECHO:
      if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
        return NULL;
      message->peer_id = (guint32) v;
      if (!read_int (object, "seconds", 0, JN_ECHO_MAX_S, &v, error))
        return NULL;
      message->seconds = (guint) v;
      break;

    case JN_CONTROL_CHAT:
      if (json_object_has_member (object, "peer_id"))
        {
          if (!read_int (object, "peer_id", 1, G_MAXUINT32, &v, error))
            return NULL;
          message->peer_id = (guint32) v;
        }
      if (!read_string (object, "text", FALSE, JN_CHAT_MAX_CHARS, &message->text, error))
        return NULL;
      if (!jn_chat_text_is_valid (message->text))
        {
          bad_message (error, "chat \"text\" is empty or has control characters");
          return NULL;
        }
      break;

    case JN_CONTROL_TRANSPORT:
      {
        if (!jn_json_get_number (object, "tempo", &message->tempo_bpm))
          {
            bad_message (error, "transport needs a number \"tempo\"");
            return NULL;
          }
        if (!(message->tempo_bpm >= 20.0 && message->tempo_bpm <= 400.0))
          {
            bad_message (error, "transport tempo %.1f BPM is outside 20..400", message->tempo_bpm);
            return NULL;
          }
        if (!jn_json_get_boolean (object, "playing", &message->playing))
          {
            bad_message (error, "transport needs a boolean \"playing\"");
            return NULL;
          }
        /* optional: where beat 0 lies on the host's monotonic clock */
        if (json_object_has_member (object, "epoch_us") &&
            !read_int (object, "epoch_us", 1, G_MAXINT64, &message->epoch_us, error))
          return NULL;
      }
      break;

    case JN_CONTROL_ERROR:
      if (!read_string (object, "code", FALSE, 64, &message->error_code, error) ||
          !read_string (object, "message", FALSE, 1024, &message->message, error))
        return NULL;
      break;

    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&message);
}
