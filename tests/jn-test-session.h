/* jn-test-session.h: what the tests that start sessions and send raw
 * datagrams on the loopback share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <stdlib.h>

#include "jn-session.h"

/* The answer of jn_session_host_async() or _join_async(). */
typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} JnTestStarted;

static inline void
jn_test_on_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  JnTestStarted *started = user_data;
  JnSession *session = JN_SESSION (source);

  switch (jn_session_get_role (session))
    {
    case JN_SESSION_ROLE_HOST:
      started->ok = jn_session_host_finish (session, result, &started->error);
      break;
    case JN_SESSION_ROLE_DEMO:
      started->ok = jn_session_demo_finish (session, result, &started->error);
      break;
    default:
      started->ok = jn_session_join_finish (session, result, &started->error);
    }
  started->done = TRUE;
}

/* Iterates the main context until the answer is in (it must be within
 * timeout_s); whether the session started. */
static inline gboolean
jn_test_wait_started (JnTestStarted *started,
                      guint          timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!started->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (started->done);
  return started->ok;
}

/* Runs the main context for ms milliseconds. */
static inline void
jn_test_spin_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

/* A home of the test's own for identity and remembered certificates:
 * made from template (g_dir_make_tmp()) and named in XDG_DATA_HOME and
 * XDG_CONFIG_HOME.  Call it before GLib reads them. */
static inline char *
jn_test_make_home (const char *template)
{
  char *home = g_dir_make_tmp (template, NULL);
  g_autofree char *data = NULL, *config = NULL;

  g_assert_nonnull (home);
  data = g_build_filename (home, "data", NULL);
  config = g_build_filename (home, "config", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  return home;
}

/* Removes what jn_test_make_home() made, and frees its name. */
static inline void
jn_test_remove_home (char *home)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", home);

  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", home);
  g_free (home);
}

/* A session made from config that joins url with passphrase, once it
 * runs; NULL with error set when the join failed. */
static inline JnSession *
jn_test_join (const JnSessionConfig *config,
              const char            *url,
              const char            *passphrase,
              GError               **error)
{
  JnSession *session = jn_session_new (config);
  JnTestStarted started = { 0 };

  jn_session_join_async (session, url, passphrase, NULL, jn_test_on_started, &started);
  if (!jn_test_wait_started (&started, 10))
    {
      g_propagate_error (error, started.error);
      g_object_unref (session);
      return NULL;
    }
  return session;
}

/* Player name's demo on loopback (unannounced) through the emulated
 * network, running, its simulated player there: the player, in *player
 * (a new reference). */
static inline JnSession *
jn_test_demo (const char         *name,
              const JnImpairment *impairment,
              JnPeer            **player)
{
  JnSessionConfig config;
  JnTestStarted started = { 0 };
  JnSession *session;

  jn_session_config_init (&config);
  config.player_name = name;
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  session = jn_session_new (&config);
  jn_session_demo_async (session, NULL, impairment, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  g_assert_no_error (started.error);
  for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       g_list_model_get_n_items (jn_session_get_peers (session)) == 0 && g_get_monotonic_time () < end;)
    jn_test_spin_for (10);
  *player = g_list_model_get_item (jn_session_get_peers (session), 0);
  g_assert_nonnull (*player);
  return session;
}

/* A UDP socket on 127.0.0.1 and its port (port may be NULL). */
static inline GSocket *
jn_test_udp_socket (guint16 *port)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, NULL);

  g_assert_true (g_socket_bind (socket, addr, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  if (port != NULL)
    *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

static inline void
jn_test_send_datagram (GSocket      *socket,
                       guint16       port,
                       const guint8 *data,
                       gsize         size)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (lo, port);

  g_assert_cmpint (g_socket_send_to (socket, to, (const char *) data, size, NULL, NULL), ==, size);
}
