/* jn-server-config.c: reading jamnet-server.conf
 *
 * The format is GKeyFile's look ([server], [room NAME], key = value, #
 * comments) with a parser of its own, so that every mistake names its
 * line and nothing unknown is silently ignored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-server-config"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jn-concealer.h"
#include "jn-control.h"
#include "jn-error.h"
#include "jn-server.h"
#include "jn-packet.h"
#include "jn-server-config.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

static void
room_config_free (JnServerRoomConfig *room)
{
  g_free (room->name);
  g_free (room->passphrase);
  g_free (room);
}

JnServerConfig *
jn_server_config_new (void)
{
  JnServerConfig *config = g_new0 (JnServerConfig, 1);

  config->port = JN_DEFAULT_PORT;
  config->max_rooms = JN_SERVER_DEFAULT_MAX_ROOMS;
  config->max_players = JN_SERVER_DEFAULT_MAX_PLAYERS;
  config->rooms_per_address = JN_SERVER_DEFAULT_ROOMS_PER_ADDRESS;
  config->turn_lifetime_s = JN_SERVER_DEFAULT_TURN_LIFETIME_S;
  config->bitrate = JN_OPUS_DEFAULT_BITRATE;
  config->channels = 1;
  config->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) room_config_free);
  return config;
}

void
jn_server_config_free (JnServerConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->name);
  g_free (config->listen);
  g_free (config->stun);
  g_free (config->turn);
  if (config->turn_secret != NULL)
    memset (config->turn_secret, 0, strlen (config->turn_secret));
  g_free (config->turn_secret);
  g_free (config->pnbtr_backend);
  g_free (config->certificate);
  g_clear_pointer (&config->rooms, g_ptr_array_unref);
  g_free (config);
}

G_GNUC_PRINTF (4, 5)
static gboolean
line_error (GError    **error,
            const char *filename,
            guint       line,
            const char *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", filename, line, text);
  return FALSE;
}

static gboolean
parse_count (const char *value,
             guint       min,
             guint       max,
             guint      *out)
{
  char *end;
  guint64 v;

  if (!g_ascii_isdigit (*value))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull (value, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_bool (const char *value,
            gboolean   *out)
{
  if (g_str_equal (value, "true") || g_str_equal (value, "yes"))
    *out = TRUE;
  else if (g_str_equal (value, "false") || g_str_equal (value, "no"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
server_key (JnServerConfig *config,
            const char     *key,
            const char     *value,
            const char     *filename,
            guint           line,
            GError        **error)
{
  guint n;

  if (g_str_equal (key, "name"))
    {
      if (g_utf8_strlen (value, -1) > JN_NAME_MAX_CHARS || *value == '\0')
        return line_error (error, filename, line, _("name must have 1 to %d characters"),
                           JN_NAME_MAX_CHARS);
      g_free (config->name);
      config->name = g_strdup (value);
    }
  else if (g_str_equal (key, "listen"))
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (value);

      if (address == NULL)
        return line_error (error, filename, line,
                           _("listen must be an IP address (such as 0.0.0.0 or ::), not “%s”"),
                           value);
      g_free (config->listen);
      config->listen = g_strdup (value);
    }
  else if (g_str_equal (key, "port"))
    {
      if (!parse_count (value, 1, 65535, &n))
        return line_error (error, filename, line, _("port must be 1 to 65535, not “%s”"), value);
      config->port = (guint16) n;
    }
  else if (g_str_equal (key, "certificate"))
    {
      g_free (config->certificate);
      config->certificate = g_strdup (value);
    }
  else if (g_str_equal (key, "max-rooms"))
    {
      if (!parse_count (value, 1, 100000, &n))
        return line_error (error, filename, line, _("max-rooms must be 1 to 100000, not “%s”"),
                           value);
      config->max_rooms = n;
    }
  else if (g_str_equal (key, "max-players"))
    {
      if (!parse_count (value, 1, JN_ROOM_MAX_PLAYERS - 1, &n))
        return line_error (error, filename, line, _("max-players must be 1 to %d, not “%s”"),
                           JN_ROOM_MAX_PLAYERS - 1, value);
      config->max_players = n;
    }
  else if (g_str_equal (key, "max-rooms-per-address"))
    {
      if (!parse_count (value, 1, 100000, &n))
        return line_error (error, filename, line,
                           _("max-rooms-per-address must be 1 to 100000, not “%s”"), value);
      config->rooms_per_address = n;
    }
  else if (g_str_equal (key, "stun"))
    {
      if (!jn_ip_port_parse (value, NULL, NULL))
        return line_error (error, filename, line,
                           _("stun must be a numeric IP:PORT (such as 203.0.113.1:3478), not “%s”"),
                           value);
      g_free (config->stun);
      config->stun = g_strdup (value);
    }
  else if (g_str_equal (key, "turn"))
    {
      if (!jn_ip_port_parse (value, NULL, NULL))
        return line_error (error, filename, line,
                           _("turn must be a numeric IP:PORT (such as 203.0.113.1:3478), not “%s”"),
                           value);
      g_free (config->turn);
      config->turn = g_strdup (value);
    }
  else if (g_str_equal (key, "turn-secret"))
    {
      if (strlen (value) < 16)
        return line_error (error, filename, line,
                           _("turn-secret must have at least 16 characters (the TURN server’s "
                             "static-auth-secret)"));
      g_free (config->turn_secret);
      config->turn_secret = g_strdup (value);
    }
  else if (g_str_equal (key, "turn-lifetime"))
    {
      if (!parse_count (value, 60, 7 * 24 * 3600, &n))
        return line_error (error, filename, line,
                           _("turn-lifetime must be 60 to 604800 seconds, not “%s”"), value);
      config->turn_lifetime_s = n;
    }
  else if (g_str_equal (key, "codec"))
    {
      if (!g_str_equal (value, "pcm") && !g_str_equal (value, "opus"))
        return line_error (error, filename, line, _("codec must be pcm or opus, not “%s”"), value);
      config->opus = g_str_equal (value, "opus");
    }
  else if (g_str_equal (key, "max-players-per-address"))
    {
      if (!parse_count (value, 1, JN_ROOM_MAX_PLAYERS - 1, &n))
        return line_error (error, filename, line,
                           _("max-players-per-address must be 1 to %d, not “%s”"),
                           JN_ROOM_MAX_PLAYERS - 1, value);
      config->players_per_address = n;
    }
  else if (g_str_equal (key, "media-ports"))
    {
      g_auto(GStrv) range = g_strsplit (value, "-", 2);
      guint low = 0, high = 0;

      if (g_strv_length (range) != 2 || !parse_count (g_strstrip (range[0]), 1, 65535, &low) ||
          !parse_count (g_strstrip (range[1]), low, 65535, &high))
        return line_error (error, filename, line,
                           _("media-ports must be a range of UDP ports LOW-HIGH (such as "
                             "7500-7599), not “%s”"), value);
      config->media_port_min = (guint16) low;
      config->media_port_max = (guint16) high;
    }
  else if (g_str_equal (key, "media"))
    {
      if (g_str_equal (value, "mesh"))
        config->media = JN_ROOM_MEDIA_MESH;
      else if (g_str_equal (value, "forward"))
        config->media = JN_ROOM_MEDIA_FORWARD;
      else if (g_str_equal (value, "mix"))
        config->media = JN_ROOM_MEDIA_MIX;
      else
        return line_error (error, filename, line, _("media must be mesh, forward or mix, not “%s”"),
                           value);
    }
  else if (g_str_equal (key, "pnbtr-backend"))
    {
      if (!jn_concealer_check_backend (value, NULL))
        return line_error (error, filename, line,
                           _("pnbtr-backend must be auto, cpu, opencl, cuda or off, not “%s”"), value);
      g_free (config->pnbtr_backend);
      config->pnbtr_backend = g_strdup (value);
    }
  else if (g_str_equal (key, "channels"))
    {
      if (!g_str_equal (value, "1") && !g_str_equal (value, "2"))
        return line_error (error, filename, line, _("channels must be 1 or 2, not “%s”"), value);
      config->channels = g_str_equal (value, "2") ? 2 : 1;
    }
  else if (g_str_equal (key, "bitrate"))
    {
      if (!parse_count (value, JN_OPUS_MIN_BITRATE / 1000, JN_OPUS_MAX_BITRATE / 1000, &n))
        return line_error (error, filename, line,
                           _("bitrate must be %d to %d kbit/s per channel, not “%s”"),
                           JN_OPUS_MIN_BITRATE / 1000, JN_OPUS_MAX_BITRATE / 1000, value);
      config->bitrate = n * 1000;
    }
  else
    return line_error (error, filename, line,
                       _("[server] has no key “%s” (it has name, listen, port, certificate, "
                         "max-rooms, max-rooms-per-address, max-players, max-players-per-address, "
                         "stun, turn, turn-secret, turn-lifetime, media, media-ports, codec, "
                         "bitrate, channels and pnbtr-backend)"), key);
  return TRUE;
}

const char *
jn_room_media_to_string (JnRoomMedia media)
{
  switch (media)
    {
    case JN_ROOM_MEDIA_FORWARD: return "forward";
    case JN_ROOM_MEDIA_MIX: return "mix";
    case JN_ROOM_MEDIA_MESH:
    default: return "mesh";
    }
}

static gboolean
room_key (JnServerRoomConfig *room,
          const char         *key,
          const char         *value,
          const char         *filename,
          guint               line,
          GError            **error)
{
  if (g_str_equal (key, "passphrase"))
    {
      if (g_utf8_strlen (value, -1) > JN_PASSPHRASE_MAX_CHARS)
        return line_error (error, filename, line, _("passphrase is longer than %d characters"),
                           JN_PASSPHRASE_MAX_CHARS);
      g_free (room->passphrase);
      room->passphrase = *value != '\0' ? g_strdup (value) : NULL;
    }
  else if (g_str_equal (key, "listed"))
    {
      if (!parse_bool (value, &room->listed))
        return line_error (error, filename, line, _("listed must be true or false, not “%s”"),
                           value);
    }
  else if (g_str_equal (key, "max-players"))
    {
      if (!parse_count (value, 1, JN_ROOM_MAX_PLAYERS - 1, &room->max_players))
        return line_error (error, filename, line, _("max-players must be 1 to %d, not “%s”"),
                           JN_ROOM_MAX_PLAYERS - 1, value);
    }
  else
    return line_error (error, filename, line,
                       _("a [room] has no key “%s” (it has passphrase, listed and max-players)"),
                       key);
  return TRUE;
}

gboolean
jn_server_config_parse (JnServerConfig  *config,
                        const char      *filename,
                        const char      *text,
                        gsize            length,
                        GError         **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = NULL;
  g_autofree char *copy = NULL;
  JnServerRoomConfig *room = NULL;
  gboolean in_server = FALSE;

  if (!g_utf8_validate_len (text, length, NULL) || memchr (text, '\0', length) != NULL)
    return line_error (error, filename, 1, _("the file is not UTF-8 text"));
  copy = g_strndup (text, length);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      guint number = i + 1;
      char *equals, *key, *value;

      if (*line == '\0' || *line == '#' || *line == ';')
        continue;
      if (*line == '[')
        {
          size_t end = strlen (line) - 1;
          g_autofree char *folded = NULL;

          if (line[end] != ']')
            return line_error (error, filename, number, _("a section header must end with “]”"));
          line[end] = '\0';
          line = g_strstrip (line + 1);
          room = NULL;
          in_server = FALSE;
          if (g_str_equal (line, "server"))
            {
              in_server = TRUE;
              continue;
            }
          if (!g_str_has_prefix (line, "room ") && !g_str_has_prefix (line, "room\t"))
            return line_error (error, filename, number,
                               _("unknown section [%s] (there are [server] and [room NAME])"),
                               line);
          line = g_strstrip (line + 5);
          if (!jn_room_name_is_valid (line))
            return line_error (error, filename, number,
                               _("“%s” cannot name a room: use 1 to %d characters, without "
                                 "“/”"), line, JN_NAME_MAX_CHARS);
          folded = g_utf8_casefold (line, -1);
          if (g_hash_table_contains (names, folded))
            return line_error (error, filename, number,
                               _("a second room named “%s” (names are compared without case)"),
                               line);
          g_hash_table_add (names, g_steal_pointer (&folded));
          room = g_new0 (JnServerRoomConfig, 1);
          room->name = g_strdup (line);
          room->listed = TRUE;
          g_ptr_array_add (config->rooms, room);
          continue;
        }
      equals = strchr (line, '=');
      if (equals == NULL)
        return line_error (error, filename, number,
                           _("expected “key = value” or a [section], not “%s”"), line);
      *equals = '\0';
      key = g_strstrip (line);
      value = g_strstrip (equals + 1);
      if (room != NULL)
        {
          if (!room_key (room, key, value, filename, number, error))
            return FALSE;
        }
      else if (in_server)
        {
          if (!server_key (config, key, value, filename, number, error))
            return FALSE;
        }
      else
        return line_error (error, filename, number,
                           _("“%s” comes before any section: put it under [server]"), key);
    }
  if (config->media != JN_ROOM_MEDIA_MIX)
    {
      guint most = config->max_players;

      for (guint i = 0; i < config->rooms->len; i++)
        most = MAX (most, ((JnServerRoomConfig *) g_ptr_array_index (config->rooms, i))->max_players);
      if (most >= JN_SESSION_MAX_PEERS)
        return line_error (error, filename, 1,
                           _("max-players %u needs media = mix: in a mesh or forward room every "
                             "player gets everyone's stream, and such a room holds at most %d"),
                           most, JN_SESSION_MAX_PEERS - 1);
    }
  if (config->rooms->len > config->max_rooms)
    return line_error (error, filename, 1, _("%u rooms are configured but max-rooms is %u"),
                       config->rooms->len, config->max_rooms);
  if ((config->turn != NULL) != (config->turn_secret != NULL))
    return line_error (error, filename, 1,
                       _("turn and turn-secret go together: players get credentials for the "
                         "TURN server derived from its secret"));
  return TRUE;
}

gboolean
jn_server_config_load (JnServerConfig  *config,
                       const char      *filename,
                       GError         **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents (filename, &text, &length, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot read the configuration: %s"), local_error->message);
      return FALSE;
    }
  if (length > CONFIG_MAX_BYTES)
    return line_error (error, filename, 1, _("the file is larger than 1 MiB"));
  return jn_server_config_parse (config, filename, text, length, error);
}
