/* test-discovery.c: the LAN beacon, on loopback (interface 127.0.0.1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>

#include "jn-discovery.h"

#define LO "127.0.0.1"
/* a certificate fingerprint (jn-identity.h) */
#define FP "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static JnSessionInfo *
find (JnDiscovery *d, const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (d)); i++)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (d), i);

      if (g_str_equal (jn_session_info_get_name (info), name))
        return info;
    }
  return NULL;
}

/* spins the main context until `name` is listed (or not); returns the ms it took */
static gint64
wait_for (JnDiscovery *d, const char *name, gboolean present, guint players, gint64 limit_ms)
{
  gint64 start = g_get_monotonic_time ();

  for (;;)
    {
      JnSessionInfo *info = find (d, name);

      if (present ? (info != NULL && (players == 0 || jn_session_info_get_players (info) == players))
                  : info == NULL)
        return (g_get_monotonic_time () - start) / 1000;
      if (g_get_monotonic_time () - start > limit_ms * 1000)
        g_error ("“%s” %s after %" G_GINT64_FORMAT " ms", name, present ? "did not appear" : "did not go",
                 limit_ms);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
send_raw (const char *text, gsize size)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string (JN_DISCOVERY_GROUP);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (group, JN_DISCOVERY_PORT);
  struct in_addr lo;

  inet_pton (AF_INET, LO, &lo);
  setsockopt (g_socket_get_fd (socket), IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
  g_assert_cmpint (g_socket_send_to (socket, to, text, size, NULL, NULL), ==, (gssize) size);
}

/* As send_raw(), from another loopback address (a second machine's
 * beacon, or a forger's) */
static void
send_raw_from (const char *source, const char *text, gsize size)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string (JN_DISCOVERY_GROUP);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (group, JN_DISCOVERY_PORT);
  g_autoptr(GInetAddress) from_address = g_inet_address_new_from_string (source);
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new (from_address, 0);
  g_autoptr(GError) error = NULL;
  struct in_addr lo;

  g_assert_true (g_socket_bind (socket, from, FALSE, &error));
  g_assert_no_error (error);
  inet_pton (AF_INET, LO, &lo);
  setsockopt (g_socket_get_fd (socket), IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
  g_assert_cmpint (g_socket_send_to (socket, to, text, size, NULL, NULL), ==, (gssize) size);
}

/* Sessions listed under name.  Other hosts on this machine or LAN may be
 * announcing too, so the tests count only the sessions they made. */
static int
count_named (JnDiscovery *d, const char *name)
{
  int n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (d)); i++)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (d), i);

      n += g_str_equal (jn_session_info_get_name (info), name);
    }
  return n;
}

static void
test_announce_and_go (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = jn_discovery_new (LO, &error);
  JnAnnouncer *a, *b;
  JnSessionInfo *info;
  g_autofree char *url = NULL;

  g_assert_no_error (error);
  g_assert_true (g_type_is_a (g_list_model_get_item_type (G_LIST_MODEL (d)), JN_TYPE_SESSION_INFO));

  a = jn_announcer_new (LO, "Friday jam", "Ana", 7420, TRUE, FP, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wait_for (d, "Friday jam", TRUE, 0, 1000), <, 1000);
  info = find (d, "Friday jam");
  g_assert_cmpstr (jn_session_info_get_host_name (info), ==, "Ana");
  g_assert_cmpstr (jn_session_info_get_address (info), ==, LO);
  g_assert_cmpuint (jn_session_info_get_port (info), ==, 7420);
  g_assert_cmpuint (jn_session_info_get_players (info), ==, 1);
  g_assert_true (jn_session_info_has_passphrase (info));
  url = jn_session_info_dup_url (info);
  /* the announced certificate is pinned in the link the browser joins */
  g_assert_cmpstr (jn_session_info_get_fingerprint (info), ==, FP);
  g_assert_cmpstr (url, ==, "jamnet://127.0.0.1:7420/?fp=" FP);

  /* news travel at once */
  jn_announcer_set_players (a, 3);
  wait_for (d, "Friday jam", TRUE, 3, 500);

  b = jn_announcer_new (LO, "Blues", "Bo", 7500, FALSE, FP, &error);
  wait_for (d, "Blues", TRUE, 0, 1000);
  g_assert_cmpint (count_named (d, "Friday jam"), ==, 1);
  g_assert_cmpint (count_named (d, "Blues"), ==, 1);

  /* a host that ends its session says bye: gone at once, the other stays */
  jn_announcer_free (a);
  g_assert_cmpint (wait_for (d, "Friday jam", FALSE, 0, 500), <, 500);
  g_assert_nonnull (find (d, "Blues"));
  jn_announcer_free (b);
  wait_for (d, "Blues", FALSE, 0, 500);
}

/* A browser that starts after the host asks, and hears back at once. */
static void
test_late_browser (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnAnnouncer) a = jn_announcer_new (LO, "Early bird", "Cy", 7600, FALSE, FP, &error);
  g_autoptr(JnDiscovery) d = NULL;

  g_assert_no_error (error);
  g_usleep (200000);
  d = jn_discovery_new (LO, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wait_for (d, "Early bird", TRUE, 0, 800), <, 800);
}

/* A host that vanishes without a bye is dropped after 3.5 s of silence. */
static void
test_expiry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = jn_discovery_new (LO, &error);
  const char *beacon = "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"deadbeef\",\"session\":\"Ghost\","
                       "\"host\":\"Gus\",\"port\":7700,\"players\":2,\"passphrase\":false,\"fp\":\"" FP "\"}";
  gint64 gone;

  g_assert_no_error (error);
  send_raw (beacon, strlen (beacon));
  wait_for (d, "Ghost", TRUE, 2, 1000);
  gone = wait_for (d, "Ghost", FALSE, 0, 5000);
  g_assert_cmpint (gone, >=, JN_DISCOVERY_EXPIRE_MS - 600);
}

static void
test_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = jn_discovery_new (LO, &error);
  static const char *bad[] = {
    "not json",
    "[1,2]",
    /* another protocol version */
    "{\"jamnet\":\"announce\",\"version\":2,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":0,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":999,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"dance\",\"version\":3,\"id\":\"a\"}",
    /* members that are not the scalars they should be (once a GLib
     * critical: the browser aborted under G_DEBUG=fatal-criticals) */
    "{\"jamnet\":{},\"version\":3,\"id\":\"a\"}",
    "{\"jamnet\":\"announce\",\"version\":[1],\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":{\"a\":1},\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":{\"S\":1},\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":[\"H\"],\"port\":1,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":{},\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":\"7420\",\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":[],\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"passphrase\":{},\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1.5,\"players\":1,\"fp\":\"" FP "\"}",
    "{\"jamnet\":\"bye\",\"version\":3,\"id\":[]}",
    /* no certificate fingerprint, a short one, one of the wrong type */
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":\"AAAA\"}",
    "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"a\",\"session\":\"S\",\"host\":\"H\",\"port\":1,\"players\":1,\"fp\":7}",
  };
  char big[4000];
  gint64 end;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    send_raw (bad[i], strlen (bad[i]));
  memset (big, '{', sizeof big);
  send_raw (big, sizeof big);
  end = g_get_monotonic_time () + 500000;
  while (jn_discovery_get_ignored (d) < G_N_ELEMENTS (bad) + 1 && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  /* at least ours: a browser elsewhere on the LAN may send what this one
   * ignores too */
  g_assert_cmpuint (jn_discovery_get_ignored (d), >=, G_N_ELEMENTS (bad) + 1);
  g_assert_cmpint (count_named (d, "S"), ==, 0);
  g_assert_cmpint (count_named (d, ""), ==, 0);
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

/* A flood of forged sessions stops at JN_DISCOVERY_MAX_SESSIONS, and a
 * session listed before it stays listed. */
static void
test_flood (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = jn_discovery_new (LO, &error);
  const char *real = "{\"jamnet\":\"announce\",\"version\":3,\"id\":\"real-one\",\"session\":\"Real\","
                     "\"host\":\"H\",\"port\":7420,\"players\":1,\"fp\":\"" FP "\"}";
  guint64 ignored_before;
  gint64 end;

  g_assert_no_error (error);
  send_raw (real, strlen (real));
  wait_for (d, "Real", TRUE, 1, 2000);
  ignored_before = jn_discovery_get_ignored (d);
  /* more than enough over the limit that a datagram lost on the way
   * cannot keep the list under it */
  for (guint i = 0; i < JN_DISCOVERY_MAX_SESSIONS + 100; i++)
    {
      g_autofree char *forged = g_strdup_printf ("{\"jamnet\":\"announce\",\"version\":3,\"id\":\"forged-%u\","
                                                 "\"session\":\"Forged\",\"host\":\"H\",\"port\":%u,"
                                                 "\"players\":1,\"fp\":\"" FP "\"}", i, 1000 + i);

      send_raw (forged, strlen (forged));
      if (i % 10 == 0)
        while (g_main_context_iteration (NULL, FALSE))
          ;
    }
  end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (G_LIST_MODEL (d)) < JN_DISCOVERY_MAX_SESSIONS && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  spin (100);   /* whatever is still on its way */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (d)), ==, JN_DISCOVERY_MAX_SESSIONS);
  g_assert_cmpint (count_named (d, "Forged"), <, JN_DISCOVERY_MAX_SESSIONS);
  g_assert_cmpint (count_named (d, "Real"), ==, 1);
  g_assert_cmpuint (jn_discovery_get_ignored (d), >, ignored_before);
}

/* A bye from anywhere but the session's own address is forged: the
 * session stays listed.  One from its own address is believed only once
 * the session's port refuses connections, as it does when it really
 * ends; while something still listens there the session stays. */
static void
test_forged_bye (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = jn_discovery_new (LO, &error);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autofree char *announce = NULL;
  const char *bye = "{\"jamnet\":\"bye\",\"version\":3,\"id\":\"bye-target\"}";
  guint64 ignored;
  guint16 port;
  gint64 start;

  g_assert_no_error (error);
  {
    g_autoptr(GInetAddress) lo = g_inet_address_new_from_string (LO);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_true (g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                  NULL, &bound, &error));
    g_assert_no_error (error);
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }
  announce = g_strdup_printf ("{\"jamnet\":\"announce\",\"version\":3,\"id\":\"bye-target\",\"session\":\"Keep me\","
                              "\"host\":\"H\",\"port\":%u,\"players\":1,\"fp\":\"" FP "\"}", port);
  send_raw (announce, strlen (announce));
  wait_for (d, "Keep me", TRUE, 1, 2000);

  ignored = jn_discovery_get_ignored (d);
  for (guint i = 0; i < 8; i++)
    send_raw_from ("127.0.0.2", bye, strlen (bye));
  spin (300);
  g_assert_cmpint (count_named (d, "Keep me"), ==, 1);
  g_assert_cmpuint (jn_discovery_get_ignored (d), >=, ignored + 8);

  /* from the session's own address, while its port still answers: tried,
   * found forged and counted; a burst is tried once */
  ignored = jn_discovery_get_ignored (d);
  for (guint i = 0; i < 8; i++)
    send_raw (bye, strlen (bye));
  start = g_get_monotonic_time ();
  while (jn_discovery_get_ignored (d) == ignored && g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    spin (10);
  g_assert_cmpuint (jn_discovery_get_ignored (d), ==, ignored + 1);
  g_assert_cmpint (count_named (d, "Keep me"), ==, 1);

  /* the session ends: its port closes, then its bye removes it at once */
  g_socket_listener_close (listener);
  send_raw (bye, strlen (bye));
  g_assert_cmpint (wait_for (d, "Keep me", FALSE, 0, 2000), <, 500);
}

/* DNS-SD through a real Avahi daemon (tests/avahi-session.sh): a service
 * only Avahi knows of is listed, stays past the beacon's expiry while its
 * port answers, and goes when it is withdrawn, or, still published, once
 * its port stops answering (a host that lost power or its network:
 * Avahi's records outlive it); ours is published with its TXT records and
 * listed once though both paths find it; broken TXT records are ignored. */
static void
test_avahi (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = NULL;
  g_autoptr(GSubprocess) publish = NULL, broken = NULL, browse = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autofree char *browsed = NULL, *port_text = NULL;
  guint16 port;
  gint64 gone_ms;
  JnAnnouncer *a;
  JnSessionInfo *info;
  guint64 ignored;

  if (g_getenv ("JAMNET_TEST_AVAHI") == NULL)
    {
      g_test_skip ("needs an Avahi daemon: run through tests/avahi-session.sh");
      return;
    }
  d = jn_discovery_new (LO, &error);
  g_assert_no_error (error);

  /* the session's port: it takes connections (the kernel completes them) */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  port_text = g_strdup_printf ("%u", port);
  publish = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, "avahi-publish", "-s", "Avahi-only jam", "_jamnet._tcp", port_text,
                              "v=2", "id=feedc0de", "host=Bea", "players=3", "passphrase=1", "fp=" FP, NULL);
  g_assert_no_error (error);
  g_test_message ("Avahi-only session listed after %" G_GINT64_FORMAT " ms",
                  wait_for (d, "Avahi-only jam", TRUE, 3, 5000));
  info = find (d, "Avahi-only jam");
  g_assert_cmpuint (jn_session_info_get_port (info), ==, port);
  g_assert_true (jn_session_info_has_passphrase (info));
  g_assert_cmpstr (jn_session_info_get_host_name (info), ==, "Bea");
  /* no beacon, yet it stays while its port answers the tries */
  spin (JN_DISCOVERY_EXPIRE_MS + JN_DISCOVERY_CHECK_EVERY_MS + 1000);
  g_assert_nonnull (find (d, "Avahi-only jam"));
  /* withdrawn: it goes */
  g_subprocess_send_signal (publish, SIGTERM);
  g_subprocess_wait (publish, NULL, NULL);
  g_clear_object (&publish);
  wait_for (d, "Avahi-only jam", FALSE, 0, 5000);

  /* published again, then its port closes while Avahi still lists it */
  publish = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, "avahi-publish", "-s", "Avahi-only jam", "_jamnet._tcp", port_text,
                              "v=2", "id=feedc0de", "host=Bea", "players=3", "fp=" FP, NULL);
  g_assert_no_error (error);
  wait_for (d, "Avahi-only jam", TRUE, 3, 5000);
  g_socket_listener_close (listener);
  gone_ms = wait_for (d, "Avahi-only jam", FALSE, 0,
                      JN_DISCOVERY_EXPIRE_MS + JN_DISCOVERY_CHECK_EVERY_MS * JN_DISCOVERY_FAILED_TRIES + 1500);
  g_test_message ("Avahi-only session gone %" G_GINT64_FORMAT " ms after its port closed", gone_ms);
  g_subprocess_send_signal (publish, SIGTERM);
  g_subprocess_wait (publish, NULL, NULL);

  /* a TXT record set without an id, and one with a count that is not one */
  ignored = jn_discovery_get_ignored (d);
  broken = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                             &error, "avahi-publish", "-s", "Broken jam", "_jamnet._tcp", "7998",
                             "host=Cy", "players=lots", NULL);
  g_assert_no_error (error);
  spin (2000);
  g_assert_null (find (d, "Broken jam"));
  g_assert_cmpuint (jn_discovery_get_ignored (d), >, ignored);
  g_subprocess_send_signal (broken, SIGTERM);
  g_subprocess_wait (broken, NULL, NULL);

  /* ours: on Avahi with its TXT records, and listed once */
  a = jn_announcer_new (LO, "Both ways jam", "Ana", 7420, FALSE, FP, &error);
  g_assert_no_error (error);
  wait_for (d, "Both ways jam", TRUE, 1, 3000);
  spin (1500);
  browse = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "avahi-browse", "-rtp",
                             "_jamnet._tcp", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (browse, NULL, NULL, &browsed, NULL, &error));
  g_test_message ("avahi-browse: %s", browsed);
  g_assert_nonnull (strstr (browsed, "Both\\032ways\\032jam"));
  g_assert_nonnull (strstr (browsed, "\"host=Ana\""));
  g_assert_nonnull (strstr (browsed, ";7420;"));
  g_assert_cmpint (count_named (d, "Both ways jam"), ==, 1);
  jn_announcer_free (a);
  wait_for (d, "Both ways jam", FALSE, 0, 5000);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/discovery/announce-and-go", test_announce_and_go);
  g_test_add_func ("/discovery/late-browser", test_late_browser);
  g_test_add_func ("/discovery/expiry", test_expiry);
  g_test_add_func ("/discovery/hostile", test_hostile);
  g_test_add_func ("/discovery/flood", test_flood);
  g_test_add_func ("/discovery/forged-bye", test_forged_bye);
  g_test_add_func ("/discovery/avahi", test_avahi);

  return g_test_run ();
}
