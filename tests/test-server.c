/* test-server.c: jamnet-server's rooms over real wss:// on the loopback
 *
 * Players create and join rooms by name through JnSession, as the CLI and
 * the app do; the room list is fetched over HTTPS as the app's Internet
 * section fetches it; the configuration parser and the program itself
 * are held to naming the line of each mistake.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "jn-host.h"
#include "jn-identity.h"
#include "jn-room-list.h"
#include "jn-server.h"
#include "jn-server-config.h"
#include "jn-session.h"
#include "jn-test-session.h"

static char *home;

typedef struct
{
  JnServer *server;
  char     *host_port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = jn_identity_load (NULL, &error);

  g_assert_no_error (error);
  f->server = jn_server_new (certificate, "Test server");
  jn_server_set_limits (f->server, 5, 3, 2);
  g_assert_true (jn_server_add_room (f->server, "Friday Band", "open sesame", TRUE, 2, &error));
  g_assert_true (jn_server_add_room (f->server, "Back room", NULL, FALSE, 0, &error));
  g_assert_no_error (error);
  g_assert_true (jn_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->host_port = g_strdup_printf ("127.0.0.1:%u", jn_server_get_port (f->server));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  jn_server_shutdown (f->server);
  g_clear_object (&f->server);
  g_free (f->host_port);
}

/* jamnet://HOST:PORT/ROOM with the server's fingerprint */
static char *
room_url (Fixture    *f,
          const char *room)
{
  return jn_room_url (f->host_port, room, jn_server_get_fingerprint (f->server));
}

static JnSession *
join_room (const char  *url,
           const char  *name,
           const char  *passphrase,
           gboolean     create,
           gboolean     unlisted,
           GError     **error)
{
  JnSessionConfig config;

  jn_session_config_init (&config);
  config.player_name = name;
  config.bind_address = "127.0.0.1";
  config.create_room = create;
  config.room_unlisted = unlisted;
  return jn_test_join (&config, url, passphrase, error);
}

static void
iterate_until (gboolean (*done) (gpointer), gpointer data, guint timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

typedef struct
{
  gboolean    done;
  JnRoomList *list;
  GError     *error;
} ListAnswer;

static void
on_list (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ListAnswer *answer = user_data;

  answer->list = jn_room_list_fetch_finish (result, &answer->error);
  answer->done = TRUE;
}

/* The server's list, as the app fetches it; NULL with error set. */
static JnRoomList *
fetch_list (const char *server, GError **error)
{
  ListAnswer answer = { 0 };

  jn_room_list_fetch_async (server, NULL, on_list, &answer);
  while (!answer.done)
    g_main_context_iteration (NULL, TRUE);
  if (answer.error != NULL)
    g_propagate_error (error, answer.error);
  return answer.list;
}

static JnRoomListing *
find_room (JnRoomList *list, const char *name)
{
  for (guint i = 0; i < list->rooms->len; i++)
    {
      JnRoomListing *room = g_ptr_array_index (list->rooms, i);

      if (g_str_equal (room->name, name))
        return room;
    }
  return NULL;
}

static gboolean
each_sees_one (gpointer data)
{
  JnSession **players = data;

  return g_list_model_get_n_items (jn_session_get_peers (players[0])) == 1 &&
         g_list_model_get_n_items (jn_session_get_peers (players[1])) == 1;
}

/* Audio flows both ways on a path ICE found. */
static gboolean
both_play (gpointer data)
{
  JnSession **players = data;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (jn_session_get_peers (players[i]), 0);

      if (peer == NULL || jn_peer_get_path (peer) != JN_PEER_PATH_DIRECT ||
          jn_peer_get_stats (peer)->audio_packets < 50)
        return FALSE;
    }
  return TRUE;
}

static void
test_create_and_join (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnSession) ana = NULL, bo = NULL;
  g_autoptr(JnRoomList) list = NULL;
  g_autofree char *url = room_url (f, "Bühne 2 (100%)");
  g_autofree char *other_case = room_url (f, "bühne 2 (100%)");
  g_autofree char *fp_server = g_strdup_printf ("jamnet://%s/?fp=%s", f->host_port,
                                                jn_server_get_fingerprint (f->server));
  JnSession *players[2];
  JnRoomListing *room;

  /* a room that is not open is not joined by accident */
  ana = join_room (url, "Ana", NULL, FALSE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_NO_SUCH_ROOM);
  g_assert_null (ana);
  g_clear_error (&error);
  g_assert_cmpint (jn_server_get_room_players (f->server, "Bühne 2 (100%)"), ==, -1);

  ana = join_room (url, "Ana", NULL, TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jn_session_get_name (ana), ==, "Bühne 2 (100%)");
  /* by name, whatever its case */
  bo = join_room (other_case, "Bo", NULL, FALSE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (jn_server_get_room_players (f->server, "BÜHNE 2 (100%)"), ==, 2);

  /* each sees the other and nobody else: the room plays no audio itself */
  players[0] = ana;
  players[1] = bo;
  iterate_until (each_sees_one, players, 5);
  g_assert_true (each_sees_one (players));
  g_assert_null (jn_session_lookup_peer (ana, JN_HOST_PEER_ID));
  g_assert_nonnull (jn_session_lookup_peer (ana, 3));
  g_assert_nonnull (jn_session_lookup_peer (bo, 2));
  /* their link is ICE's: on the loopback, between host candidates */
  iterate_until (both_play, players, 5);
  g_assert_true (both_play (players));

  /* it is listed, with its players; the unlisted one of the configuration is not */
  list = fetch_list (fp_server, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (list->server, ==, "Test server");
  g_assert_cmpuint (list->rooms_open, ==, 3);
  g_assert_cmpuint (list->players, ==, 2);
  g_assert_cmpuint (list->rooms->len, ==, 2);
  room = find_room (list, "Bühne 2 (100%)");
  g_assert_nonnull (room);
  g_assert_cmpuint (room->players, ==, 2);
  g_assert_cmpuint (room->max_players, ==, 3);
  g_assert_false (room->passphrase);
  g_assert_cmpstr (room->url, ==, url);
  room = find_room (list, "Friday Band");
  g_assert_nonnull (room);
  g_assert_true (room->passphrase);
  g_assert_cmpuint (room->max_players, ==, 2);
  g_assert_null (find_room (list, "Back room"));

  /* the second creator of a name hears it is taken */
  g_clear_object (&bo);
  bo = join_room (url, "Bo", NULL, TRUE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_ROOM_EXISTS);
  g_assert_null (bo);
  g_clear_error (&error);

  /* the last one out closes a room a player made */
  jn_session_leave (ana);
  g_clear_object (&ana);
  {
    gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

    while (jn_server_get_room_players (f->server, "Bühne 2 (100%)") >= 0 && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_cmpint (jn_server_get_room_players (f->server, "Bühne 2 (100%)"), ==, -1);
  /* those of the configuration stay */
  g_assert_cmpint (jn_server_get_room_players (f->server, "Friday Band"), ==, 0);
  g_assert_cmpint (jn_server_get_room_players (f->server, "Back room"), ==, 0);
}

static void
test_passphrase_and_full (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnSession) ana = NULL, bo = NULL, cy = NULL, di = NULL, eve = NULL;
  g_autofree char *url = room_url (f, "Friday Band");
  g_autofree char *secret = room_url (f, "Secret");
  g_autoptr(JnRoomList) list = NULL;

  cy = join_room (url, "Cy", "wrong", FALSE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_assert_null (cy);
  g_clear_error (&error);
  cy = join_room (url, "Cy", NULL, FALSE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);

  ana = join_room (url, "Ana", "open sesame", FALSE, FALSE, &error);
  g_assert_no_error (error);
  bo = join_room (url, "Bo", "open sesame", FALSE, FALSE, &error);
  g_assert_no_error (error);
  cy = join_room (url, "Cy", "open sesame", FALSE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_SESSION_FULL);
  g_assert_nonnull (strstr (error->message, "(2 players)"));
  g_assert_null (cy);
  g_clear_error (&error);
  g_assert_cmpint (jn_server_get_room_players (f->server, "Friday Band"), ==, 2);

  /* a room made with a passphrase and unlisted: its creator passes the
   * check the room then holds everyone to, and nobody finds it in the list */
  di = join_room (secret, "Di", "moonlight", TRUE, TRUE, &error);
  g_assert_no_error (error);
  eve = join_room (secret, "Eve", "sunlight", FALSE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_assert_null (eve);
  g_clear_error (&error);
  eve = join_room (secret, "Eve", "moonlight", FALSE, FALSE, &error);
  g_assert_no_error (error);
  list = fetch_list (f->host_port, &error);
  g_assert_no_error (error);
  g_assert_null (find_room (list, "Secret"));
  g_assert_cmpuint (list->rooms_open, ==, 3);
  g_assert_cmpint (jn_server_get_room_players (f->server, "Secret"), ==, 2);

  jn_session_leave (ana);
  jn_session_leave (bo);
  jn_session_leave (di);
  jn_session_leave (eve);
}

static void
test_limits (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) players = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *url = NULL;
  g_autofree char *no_room = g_strdup_printf ("wss://%s/jamnet?fp=%s", f->host_port,
                                              jn_server_get_fingerprint (f->server));
  JnSession *s;

  /* the server holds 4 rooms: the 2 of its configuration and 2 more */
  jn_server_set_limits (f->server, 4, 3, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("room %u", i);

      g_free (url);
      url = room_url (f, name);
      s = join_room (url, "Ana", NULL, TRUE, FALSE, &error);
      g_assert_no_error (error);
      g_ptr_array_add (players, s);
    }
  g_free (url);
  url = room_url (f, "one too many");
  s = join_room (url, "Ana", NULL, TRUE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_SERVER_FULL);
  g_assert_null (s);
  g_clear_error (&error);
  g_assert_cmpuint (jn_server_get_n_rooms (f->server), ==, 4);

  /* with room for more, one address still opens only so many */
  jn_server_set_limits (f->server, 6, 3, 2);
  s = join_room (url, "Ana", NULL, TRUE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_TOO_MANY_ATTEMPTS);
  g_assert_nonnull (strstr (error->message, "2 rooms open"));
  g_assert_null (s);
  g_clear_error (&error);
  g_assert_cmpuint (jn_server_get_n_rooms (f->server), ==, 4);

  /* a server is no player's session: it asks for a room */
  s = join_room (no_room, "Ana", NULL, FALSE, FALSE, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_NO_SUCH_ROOM);
  g_assert_nonnull (strstr (error->message, "name a room"));
  g_clear_error (&error);

  for (guint i = 0; i < players->len; i++)
    jn_session_leave (g_ptr_array_index (players, i));
}

static void
test_list_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnRoomList) list = NULL;
  g_autofree char *wrong_fp = g_strdup_printf ("%s?fp=%s", f->host_port,
                                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  static const char *hostile[] = {
    "", "[]", "{\"server\":\"x\"}", "{\"server\":\"x\",\"rooms\":{},\"players\":0,\"rooms_open\":0}",
    "{\"server\":\"x\",\"rooms\":[],\"players\":-1,\"rooms_open\":0}", "not json",
  };

  /* a link's fingerprint is believed, not whatever answers */
  list = fetch_list (wrong_fp, &error);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE);
  g_assert_null (list);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      list = jn_room_list_parse (hostile[i], strlen (hostile[i]), "h:1", NULL, &error);
      g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST);
      g_assert_null (list);
      g_clear_error (&error);
    }
  /* a bad entry is skipped, the good ones stay */
  {
    static const char text[] =
      "{\"server\":\"x\",\"players\":3,\"rooms_open\":9,\"rooms\":["
      "{\"name\":\"a/b\",\"players\":1,\"max_players\":2,\"passphrase\":false},"
      "{\"name\":\"ok\",\"players\":1,\"max_players\":2,\"passphrase\":true},"
      "{\"name\":\"neg\",\"players\":-1,\"max_players\":2,\"passphrase\":false},"
      "{\"name\":\"\",\"players\":1,\"max_players\":2,\"passphrase\":false},"
      "7, null]}";

    list = jn_room_list_parse (text, strlen (text), "h:1", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->rooms->len, ==, 1);
    g_assert_cmpstr (((JnRoomListing *) g_ptr_array_index (list->rooms, 0))->name, ==, "ok");
    g_assert_cmpstr (((JnRoomListing *) g_ptr_array_index (list->rooms, 0))->url, ==,
                     "jamnet://h:1/ok");
  }
}

static void
test_config (void)
{
  static const struct { const char *text; const char *message; } bad[] = {
    { "[server]\nport = 70000\n", "conf:2: port must be" },
    { "# a comment\n[server]\nname = x\n\n[room Jam]\nlsted = yes\n", "conf:6: a [room] has no key “lsted”" },
    { "[room Jam]\nlisted = maybe\n", "conf:2: listed must be true or false" },
    { "port = 1\n", "conf:1: “port” comes before any section" },
    { "[server]\nmax-players = 200\n", "conf:2: max-players must be 1 to 127" },
    { "[server]\nmax-players = 40\n", "conf:1: max-players 40 needs media = mix" },
    { "[server]\nmedia = forward\n[room a]\nmax-players = 32\n", "conf:1: max-players 32 needs media = mix" },
    { "[room a]\n[room A]\n", "conf:2: a second room named “A”" },
    { "[room a/b]\n", "conf:1: “a/b” cannot name a room" },
    { "[server\n", "conf:1: a section header must end" },
    { "[servers]\n", "conf:1: unknown section [servers]" },
    { "[server]\nlisten = everywhere\n", "conf:2: listen must be an IP address" },
    { "[server]\njust words\n", "conf:2: expected “key = value”" },
    { "[server]\nmax-rooms = 1\n[room a]\n[room b]\n", "2 rooms are configured but max-rooms is 1" },
    { "[server]\nport = 12x\n", "conf:2: port must be" },
    { "[server]\nstun = stun.example.com:3478\n", "conf:2: stun must be a numeric IP:PORT" },
    { "[server]\nturn = 203.0.113.1\n", "conf:2: turn must be a numeric IP:PORT" },
    { "[server]\nturn-secret = short\n", "conf:2: turn-secret must have at least 16" },
    { "[server]\nturn = 203.0.113.1:3478\n", "turn and turn-secret go together" },
    { "[server]\nturn-lifetime = 5\n", "conf:2: turn-lifetime must be 60 to 604800" },
    { "[server]\ncodec = flac\n", "conf:2: codec must be pcm or opus" },
    { "[server]\nmedia = hub\n", "conf:2: media must be mesh, forward or mix" },
    { "[server]\nmax-players-per-address = 0\n", "conf:2: max-players-per-address must be 1 to 127" },
    { "[server]\nmedia-ports = 7599-7500\n", "conf:2: media-ports must be a range" },
    { "[server]\nmedia-ports = 7500\n", "conf:2: media-ports must be a range" },
    { "[server]\nbitrate = 512\n", "conf:2: bitrate must be 32 to 256 kbit/s" },
    { "[server]\nchannels = 3\n", "conf:2: channels must be 1 or 2" },
  };
  static const char good[] =
    "; JamNet server\n"
    "[server]\n"
    "name = Studio  \n"
    "listen = ::\n"
    "port=7500\n"
    "max-rooms = 10\n"
    "max-players = 12\n"
    "max-rooms-per-address = 3\n"
    "stun = 203.0.113.1:3478\n"
    "turn = [2001:db8::1]:3478\n"
    "turn-secret = a secret of twenty\n"
    "codec = opus\n"
    "bitrate = 96\n"
    "media = forward\n"
    "channels = 2\n"
    "max-players-per-address = 12\n"
    "media-ports = 7500 - 7599\n"
    "\n"
    "[room Friday Band]\n"
    "passphrase = open sesame\n"
    "max-players = 6\n"
    "[room Back room]\n"
    "listed = false\n";
  g_autoptr(JnServerConfig) config = jn_server_config_new ();
  g_autoptr(GError) error = NULL;
  JnServerRoomConfig *room;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JnServerConfig) c = jn_server_config_new ();
      g_autoptr(GError) e = NULL;

      g_assert_false (jn_server_config_parse (c, "conf", bad[i].text, strlen (bad[i].text), &e));
      g_assert_nonnull (e);
      if (strstr (e->message, bad[i].message) == NULL)
        g_error ("config %u: “%s” does not say “%s”", i, e->message, bad[i].message);
    }

  g_assert_true (jn_server_config_parse (config, "conf", good, strlen (good), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->name, ==, "Studio");
  g_assert_cmpstr (config->listen, ==, "::");
  g_assert_cmpuint (config->port, ==, 7500);
  g_assert_cmpuint (config->max_rooms, ==, 10);
  g_assert_cmpuint (config->max_players, ==, 12);
  g_assert_cmpuint (config->rooms_per_address, ==, 3);
  g_assert_cmpstr (config->stun, ==, "203.0.113.1:3478");
  g_assert_cmpstr (config->turn, ==, "[2001:db8::1]:3478");
  g_assert_cmpstr (config->turn_secret, ==, "a secret of twenty");
  g_assert_cmpuint (config->turn_lifetime_s, ==, JN_SERVER_DEFAULT_TURN_LIFETIME_S);
  g_assert_true (config->opus);
  g_assert_cmpint (config->media, ==, JN_ROOM_MEDIA_FORWARD);
  g_assert_cmpuint (config->channels, ==, 2);
  g_assert_cmpuint (config->players_per_address, ==, 12);
  g_assert_cmpuint (config->media_port_min, ==, 7500);
  g_assert_cmpuint (config->media_port_max, ==, 7599);
  g_assert_cmpuint (config->bitrate, ==, 96000);
  g_assert_cmpuint (config->rooms->len, ==, 2);
  room = g_ptr_array_index (config->rooms, 0);
  g_assert_cmpstr (room->name, ==, "Friday Band");
  g_assert_cmpstr (room->passphrase, ==, "open sesame");
  g_assert_true (room->listed);
  g_assert_cmpuint (room->max_players, ==, 6);
  room = g_ptr_array_index (config->rooms, 1);
  g_assert_null (room->passphrase);
  g_assert_false (room->listed);
  g_assert_cmpuint (room->max_players, ==, 0);
}

/* A server whose rooms code with Opus: its players learn the codec and
 * bitrate from the room's welcome and hear each other; its list says so,
 * with the load a directory places rooms by. */
static void
test_opus_room (Fixture *f, gconstpointer data)
{
  JnAudioFormat opus = { 48000, 128, 1, JN_SAMPLE_OPUS, 96000 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JnSession) ana = NULL, bo = NULL;
  g_autofree char *url = room_url (f, "Opus Room");
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *list, *load;
  JnSession *players[2];

  jn_server_set_format (f->server, &opus);
  ana = join_room (url, "Ana", NULL, TRUE, FALSE, &error);
  g_assert_no_error (error);
  bo = join_room (url, "Bo", NULL, FALSE, FALSE, &error);
  g_assert_no_error (error);
  players[0] = ana;
  players[1] = bo;
  iterate_until (each_sees_one, players, 5);
  iterate_until (both_play, players, 5);
  g_assert_true (both_play (players));
  for (guint i = 0; i < 2; i++)
    {
      const JnAudioFormat *format = jn_session_get_format (players[i]);
      g_autoptr(JnPeer) peer = g_list_model_get_item (jn_session_get_peers (players[i]), 0);

      g_assert_cmpint (format->format, ==, JN_SAMPLE_OPUS);
      g_assert_cmpuint (format->bitrate, ==, 96000);
      g_assert_cmpuint (jn_peer_get_stats (peer)->decode_errors, ==, 0);
    }

  text = jn_server_dup_room_list (f->server);
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  list = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (list, "codec"), ==, "opus");
  g_assert_cmpint (json_object_get_int_member (list, "players"), ==, 2);
  load = json_object_get_object_member (list, "load");
  g_assert_nonnull (load);
  g_assert_cmpint (json_object_get_int_member (load, "cores"), >=, 1);
  g_assert_cmpfloat (json_object_get_double_member (load, "cpu_percent"), >=, 0.0);
  g_assert_cmpint (json_object_get_int_member (load, "cpu_seconds"), >, 0);
}

typedef struct
{
  JnSession **players;
  guint       n;
} Band;

/* Each player hears every other, through the server. */
static gboolean
band_plays (gpointer data)
{
  Band *band = data;

  for (guint i = 0; i < band->n; i++)
    {
      GListModel *peers = jn_session_get_peers (band->players[i]);

      if (g_list_model_get_n_items (peers) != band->n - 1)
        return FALSE;
      for (guint k = 0; k < band->n - 1; k++)
        {
          g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);

          if (jn_peer_get_path (peer) != JN_PEER_PATH_SERVER ||
              jn_peer_get_stats (peer)->audio_packets < 100 || !jn_peer_get_stats (peer)->synced)
            return FALSE;
        }
    }
  return TRUE;
}

/* A forward room: every player sends one stream, to the server, which
 * sends it on to the others; each hears all the others, clock-synced
 * through it; a player who leaves does not stop the others. */
static void
test_forward_room (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = room_url (f, "Forward");
  JnSession *players[3] = { NULL };
  Band band = { players, 3 };
  JnForwarderStats stats;
  JnForwarder *forwarder;

  jn_server_set_media (f->server, JN_ROOM_MEDIA_FORWARD);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("Player %u", i + 1);

      players[i] = join_room (url, name, NULL, i == 0, FALSE, &error);
      g_assert_no_error (error);
    }
  iterate_until (band_plays, &band, 10);
  g_assert_true (band_plays (&band));

  for (guint i = 0; i < 3; i++)
    {
      GListModel *peers = jn_session_get_peers (players[i]);

      for (guint k = 0; k < 2; k++)
        {
          g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);
          const JnPeerStats *s = jn_peer_get_stats (peer);
          JnEngineStats sender = { 0 };

          for (guint j = 0; j < 3; j++)
            if (jn_session_get_local_id (players[j]) == jn_peer_get_id (peer))
              jn_media_engine_get_stats (jn_session_get_engine (players[j]), &sender);
          g_assert_true (s->synced);
          /* nothing lost on the way; on a loaded machine a sender whose
           * thread stalled skips the periods it missed, and only those */
          g_assert_cmpuint (s->lost, <=, sender.clock_skips);
          g_assert_cmpfloat (s->rtt_ms.p50, >, 0.0);
        }
    }
  /* one stream up per player, whatever the band's size: a datagram a
   * period and the clock sync, not one a period for each listener */
  {
    g_autoptr(JnPeer) peer = g_list_model_get_item (jn_session_get_peers (players[1]), 0);
    guint32 from = jn_peer_get_id (peer);
    JnSession *sender = NULL;
    JnEngineStats e0, e1;
    guint64 h0, h1;
    gint64 start, end;
    double periods;

    for (guint i = 0; i < 3; i++)
      if (jn_session_get_local_id (players[i]) == from)
        sender = players[i];
    g_assert_nonnull (sender);
    jn_media_engine_get_stats (jn_session_get_engine (sender), &e0);
    h0 = jn_peer_get_stats (peer)->audio_packets;
    start = g_get_monotonic_time ();
    end = start + G_USEC_PER_SEC;
    while (g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE);
    jn_media_engine_get_stats (jn_session_get_engine (sender), &e1);
    h1 = jn_peer_get_stats (peer)->audio_packets;
    periods = (g_get_monotonic_time () - start) * 48000.0 / 128 / G_USEC_PER_SEC;
    g_test_message ("in %.0f periods a player sent %" G_GUINT64_FORMAT " datagrams; another "
                    "heard %" G_GUINT64_FORMAT " audio packets from it", periods,
                    e1.packets_sent - e0.packets_sent, h1 - h0);
    /* against the periods, not what arrived (on a loaded machine some
     * come late): one a period and the clock sync, where a mesh would send
     * one a period to each of the two others */
    g_assert_cmpuint (h1 - h0, >, 0);
    g_assert_cmpfloat (e1.packets_sent - e0.packets_sent, <, periods * 1.25);
  }
  forwarder = jn_server_get_room_forwarder (f->server, "Forward");
  g_assert_nonnull (forwarder);
  jn_forwarder_get_stats (forwarder, &stats);
  g_assert_cmpuint (stats.dropped_forged, ==, 0);
  g_assert_cmpuint (stats.dropped_format, ==, 0);
  g_assert_cmpuint (stats.dropped_budget, ==, 0);
  g_assert_cmpuint (stats.forwarded, >, stats.received);

  /* one goes; the other two go on hearing each other */
  jn_session_leave (players[2]);
  g_clear_object (&players[2]);
  band.n = 2;
  iterate_until (band_plays, &band, 5);
  g_assert_true (band_plays (&band));
  for (guint i = 0; i < 2; i++)
    {
      jn_session_leave (players[i]);
      g_clear_object (&players[i]);
    }
}

/* Each player hears the room's mix, and knows the others. */
static gboolean
band_mixes (gpointer data)
{
  Band *band = data;

  for (guint i = 0; i < band->n; i++)
    {
      GListModel *peers = jn_session_get_peers (band->players[i]);
      gboolean heard = FALSE;

      if (g_list_model_get_n_items (peers) != band->n)
        return FALSE;
      for (guint k = 0; k < band->n; k++)
        {
          g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);

          if (jn_peer_get_path (peer) != JN_PEER_PATH_SERVER)
            return FALSE;
          if (jn_peer_get_id (peer) == JN_HUB_PEER_ID)
            heard = jn_peer_get_stats (peer)->audio_packets >= 100 && jn_peer_get_stats (peer)->synced;
        }
      if (!heard)
        return FALSE;
    }
  return TRUE;
}

static gboolean
server_reported (gpointer data)
{
  return jn_peer_get_stats (data)->server_depth > 0;
}

typedef struct
{
  JnForwarder *forwarder;
  guint32      listener, source;
  double       gain, pan;
  gboolean     mute;
} Asked;

static gboolean
mix_asked (gpointer data)
{
  Asked *a = data;
  double gain, pan;
  gboolean mute;

  return jn_forwarder_get_mix_gain (a->forwarder, a->listener, a->source, &gain, &mute, &pan) &&
         gain == a->gain && mute == a->mute && pan == a->pan;
}

static JnPeer *
find_peer (JnSession *session, guint32 id)
{
  GListModel *peers = jn_session_get_peers (session);

  for (guint k = 0; k < g_list_model_get_n_items (peers); k++)
    {
      g_autoptr(JnPeer) peer = g_list_model_get_item (peers, k);

      if (jn_peer_get_id (peer) == id)
        return peer;
    }
  return NULL;
}

/* A mix room: every player sends one stream and hears one, the room's mix
 * ("Room mix"), made as it asks with its volume, mute and pan for each of
 * the others; a player who leaves does not stop the others' mixes. */
static void
test_mix_room (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = room_url (f, "Choir");
  JnSession *players[3] = { NULL };
  Band band = { players, 3 };
  JnForwarder *forwarder;
  JnRoomMixStats ms;
  JnPeer *other, *mix;
  Asked asked;
  guint32 id0, id1;

  jn_server_set_media (f->server, JN_ROOM_MEDIA_MIX);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("Singer %u", i + 1);

      players[i] = join_room (url, name, NULL, i == 0, FALSE, &error);
      g_assert_no_error (error);
    }
  iterate_until (band_mixes, &band, 10);
  g_assert_true (band_mixes (&band));
  forwarder = jn_server_get_room_forwarder (f->server, "Choir");
  g_assert_nonnull (forwarder);
  g_assert_true (jn_forwarder_is_mix (forwarder));
  mix = find_peer (players[0], JN_HUB_PEER_ID);
  g_assert_nonnull (mix);
  g_assert_cmpstr (jn_peer_get_name (mix), ==, "Room mix");
  /* its end-to-end figure has the server's part: the way up, the server's
   * buffer (which its pongs report) and its mix period and codec */
  iterate_until (server_reported, mix, 5);
  {
    const JnPeerStats *s = jn_peer_get_stats (mix);
    JnDelayParts parts;
    double period_ms = 128 * 1000.0 / 48000;

    g_assert_true (s->room_mix);
    g_assert_cmpuint (s->server_depth, >=, 1);
    jn_peer_get_delay_parts (mix, &parts);
    g_assert_cmpfloat_with_epsilon (parts.server_ms,
                                    s->one_way_ms.last + (s->server_depth + 1) * period_ms, 1e-9);
    g_assert_cmpfloat_with_epsilon (jn_peer_get_end_to_end_ms (mix), jn_delay_parts_total (&parts),
                                    1e-9);
  }

  /* the first singer turns the second down, pans it, then mutes it */
  id0 = jn_session_get_local_id (players[0]);
  id1 = jn_session_get_local_id (players[1]);
  other = find_peer (players[0], id1);
  g_assert_nonnull (other);
  jn_peer_set_gain (other, 0.5);
  jn_peer_set_pan (other, -0.25);
  asked = (Asked) { forwarder, id0, id1, 0.5, -0.25, FALSE };
  iterate_until (mix_asked, &asked, 5);
  g_assert_true (mix_asked (&asked));
  jn_peer_set_muted (other, TRUE);
  asked.mute = TRUE;
  iterate_until (mix_asked, &asked, 5);
  g_assert_true (mix_asked (&asked));
  /* the room's mix itself is turned down here, not at the server */
  jn_peer_set_gain (mix, 0.8);
  asked = (Asked) { forwarder, id0, JN_HUB_PEER_ID, 0.8, 0.0, FALSE };
  {
    gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

    while (g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_false (mix_asked (&asked));

  /* one goes; the other two go on hearing their mixes */
  jn_session_leave (players[2]);
  g_clear_object (&players[2]);
  band.n = 2;
  iterate_until (band_mixes, &band, 5);
  g_assert_true (band_mixes (&band));
  jn_forwarder_get_mix_stats (forwarder, &ms);
  g_test_message ("%" G_GUINT64_FORMAT " mixes, %" G_GUINT64_FORMAT " late, %" G_GUINT64_FORMAT
                  " member-periods played, %" G_GUINT64_FORMAT " concealed", ms.mixes,
                  ms.late_mixes, ms.played, ms.concealed);
  g_assert_cmpuint (ms.members, ==, 2);
  g_assert_cmpuint (ms.played, >, 0);
  for (guint i = 0; i < 2; i++)
    {
      jn_session_leave (players[i]);
      g_clear_object (&players[i]);
    }
}

/* Forward rooms take their UDP ports from the configured range, the first
 * free one each. */
static void
test_media_ports (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = jn_identity_load (NULL, &error);
  g_autoptr(JnServer) server = NULL;
  g_autoptr(GSocket) probe = NULL;
  guint16 low = 0, ports[2];

  g_assert_no_error (error);
  /* two free ports in a row, found by asking the system for one */
  for (guint tries = 0; tries < 20 && low == 0; tries++)
    {
      g_autoptr(GSocket) next = NULL;
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) at = NULL;
      guint16 p;

      g_clear_object (&probe);
      probe = jn_test_udp_socket (&p);
      if (p >= 65535)
        continue;
      g_clear_object (&probe);   /* free again, as is the next one if it binds */
      next = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
      at = g_inet_socket_address_new (lo, p + 1);
      if (next != NULL && g_socket_bind (next, at, FALSE, NULL))
        low = p;
    }
  g_assert_cmpuint (low, !=, 0);

  server = jn_server_new (certificate, "Ports");
  jn_server_set_media (server, JN_ROOM_MEDIA_FORWARD);
  jn_server_set_media_ports (server, low, low + 1);
  g_assert_true (jn_server_listen (server, "127.0.0.1", 0, &error));
  g_assert_true (jn_server_add_room (server, "One", NULL, TRUE, 0, &error));
  g_assert_true (jn_server_add_room (server, "Two", NULL, TRUE, 0, &error));
  g_assert_no_error (error);
  ports[0] = jn_forwarder_get_port (jn_server_get_room_forwarder (server, "One"));
  ports[1] = jn_forwarder_get_port (jn_server_get_room_forwarder (server, "Two"));
  g_assert_cmpuint (MIN (ports[0], ports[1]), ==, low);
  g_assert_cmpuint (MAX (ports[0], ports[1]), ==, low + 1);
  jn_server_shutdown (server);
}

/* The program reads its file as the service does, and says where it is wrong. */
static void
test_program_config (void)
{
  const char *program = g_getenv ("JAMNET_SERVER");
  g_autofree char *path = g_build_filename (home, "bad.conf", NULL);
  g_autofree char *good = g_build_filename (home, "good.conf", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (program == NULL)
    {
      g_test_skip ("JAMNET_SERVER is not set (run through meson test)");
      return;
    }
  g_assert_true (g_file_set_contents (path, "[server]\nport = 7420\nmax_rooms = 5\n", -1, NULL));
  {
    const char *argv[] = { program, "--config", path, "--check", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
  }
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "bad.conf:3: [server] has no key “max_rooms”"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the sample configuration the package ships is a good one */
  {
    g_autofree char *sample = g_build_filename (g_getenv ("JAMNET_SOURCE_DIR"), "data",
                                                "jamnet-server.conf", NULL);
    const char *argv[] = { program, "--config", sample, "--check", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("%s: %s", sample, err);
  }
}

int
main (int argc, char **argv)
{
  int status;

  /* before GLib reads them: a home of our own for identity and trust */
  home = jn_test_make_home ("jamnet-server-XXXXXX");
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/create-and-join", Fixture, NULL, fixture_set_up, test_create_and_join,
              fixture_tear_down);
  g_test_add ("/server/passphrase-and-full", Fixture, NULL, fixture_set_up,
              test_passphrase_and_full, fixture_tear_down);
  g_test_add ("/server/limits", Fixture, NULL, fixture_set_up, test_limits, fixture_tear_down);
  g_test_add ("/server/list-errors", Fixture, NULL, fixture_set_up, test_list_errors,
              fixture_tear_down);
  g_test_add ("/server/opus-room", Fixture, NULL, fixture_set_up, test_opus_room,
              fixture_tear_down);
  g_test_add ("/server/mix-room", Fixture, NULL, fixture_set_up, test_mix_room, fixture_tear_down);
  g_test_add ("/server/forward-room", Fixture, NULL, fixture_set_up, test_forward_room,
              fixture_tear_down);
  g_test_add_func ("/server/media-ports", test_media_ports);
  g_test_add_func ("/server/config", test_config);
  g_test_add_func ("/server/program-config", test_program_config);
  status = g_test_run ();

  jn_test_remove_home (home);
  return status;
}
