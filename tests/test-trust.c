/* test-trust.c: the TLS control plane and the certificates joiners trust
 *
 * Real sessions on loopback: a host presents its own certificate (made on
 * first use), a configured one, an expired one or garbage; a joiner pins
 * a link's fingerprint or trusts on first use, and refuses a change.  A
 * capture of the loopback must not show the passphrase.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jn-client.h"
#include "jn-discovery.h"
#include "jn-host.h"
#include "jn-identity.h"
#include "jn-pake.h"
#include "jn-session.h"
#include "jn-test-session.h"

static char *home;

static JnSession *
host (guint16 port, const char *certificate_file, const char *passphrase, GError **error)
{
  JnSessionConfig config;
  JnSession *session;
  JnTestStarted started = { 0 };

  jn_session_config_init (&config);
  config.player_name = "Host";
  config.bind_address = "127.0.0.1";
  config.port = port;
  config.announce = FALSE;
  config.certificate_file = certificate_file;
  session = jn_session_new (&config);
  jn_session_host_async (session, "Trust jam", passphrase, NULL, jn_test_on_started, &started);
  if (!jn_test_wait_started (&started, 10))
    {
      g_propagate_error (error, started.error);
      g_object_unref (session);
      return NULL;
    }
  return session;
}

/* A joiner as name that stays: the session, or NULL with the join's
 * error; trust_new accepts a changed certificate. */
static JnSession *
join_and_stay (const char *url, const char *name, gboolean trust_new, const char *passphrase,
               GError **error)
{
  JnSessionConfig config;

  jn_session_config_init (&config);
  config.player_name = name;
  config.bind_address = "127.0.0.1";
  config.trust_new_certificate = trust_new;
  return jn_test_join (&config, url, passphrase, error);
}

/* Joins url, leaves at once; FALSE with the join's error. */
static gboolean
join (const char *url, gboolean trust_new, const char *passphrase, GError **error)
{
  g_autoptr(JnSession) session = join_and_stay (url, "Joiner", trust_new, passphrase, error);

  if (session == NULL)
    return FALSE;
  jn_session_leave (session);
  return TRUE;
}

static void
end (JnSession *session)
{
  jn_session_leave (session);
  g_object_unref (session);
  /* let the closing handshakes finish */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static char *
write_pem (const char *name, gint64 from, gint64 until)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = jn_identity_generate_pem (from, until, &error);
  char *path = g_build_filename (home, name, NULL);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, pem, -1, &error));
  return path;
}

static guint16
port_of (JnSession *session)
{
  g_autofree char *url = jn_session_dup_local_url (session);

  return (guint16) atoi (strrchr (strstr (url, "://") + 3, ':') + 1);
}

/* --- the host's own identity, pinned by its link ---------------------------- */

static void
test_own_identity_pinned (void)
{
  g_autoptr(GError) error = NULL;
  JnSession *h = host (0, NULL, NULL, &error);
  g_autofree char *url = NULL, *wrong = NULL, *path = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  /* made on first use, readable only by its owner */
  path = g_build_filename (home, "data", "jamnet", "host-identity.pem", NULL);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  url = jn_session_dup_local_url (h);
  g_assert_true (g_str_has_prefix (url, "wss://"));
  g_assert_nonnull (strstr (url, "?fp="));
  g_assert_true (join (url, FALSE, NULL, &error));
  g_assert_no_error (error);

  /* a link that names another certificate: refused, however the host is */
  wrong = g_strdup_printf ("jamnet://127.0.0.1:%u/?fp=%s", port_of (h),
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  g_assert_false (join (wrong, TRUE, NULL, &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "posing"));
  g_test_message ("%s", error->message);
  end (h);
}

/* --- trust on first use, and a change refused -------------------------------- */

static void
test_first_use_then_change (void)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *one = write_pem ("one.pem", now - 60, now + 3600);
  g_autofree char *two = write_pem ("two.pem", now - 60, now + 3600);
  g_autofree char *address = NULL;
  JnSession *h;
  guint16 port;

  h = host (0, one, NULL, &error);
  g_assert_no_error (error);
  port = port_of (h);
  address = g_strdup_printf ("127.0.0.1:%u", port);
  /* the first contact is taken and remembered */
  g_assert_true (join (address, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (join (address, FALSE, NULL, &error));
  g_assert_no_error (error);
  end (h);

  /* another host on the same address, with another certificate */
  h = host (port, two, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (join (address, FALSE, NULL, &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE_CHANGED);
  g_assert_nonnull (strstr (error->message, "--trust-new-certificate"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* accepted deliberately, then remembered */
  g_assert_true (join (address, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (join (address, FALSE, NULL, &error));
  g_assert_no_error (error);
  end (h);

  /* and the first one is now the stranger */
  h = host (port, one, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (join (address, FALSE, NULL, &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE_CHANGED);
  end (h);
}

/* --- expired and garbage certificates --------------------------------------- */

static void
test_bad_certificates (void)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *expired = write_pem ("expired.pem", now - 7200, now - 3600);
  g_autofree char *future = write_pem ("future.pem", now + 3600, now + 7200);
  g_autofree char *garbage = g_build_filename (home, "garbage.pem", NULL);
  const char *bad[] = { expired, future };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      JnSession *h = host (0, bad[i], NULL, &error);
      g_autofree char *url = NULL;

      g_assert_no_error (error);
      url = jn_session_dup_local_url (h);
      /* even pinned, as its own link pins it */
      g_assert_false (join (url, TRUE, NULL, &error));
      g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_CERTIFICATE);
      g_assert_nonnull (strstr (error->message, "expired or is not valid yet"));
      g_clear_error (&error);
      end (h);
    }

  g_assert_true (g_file_set_contents (garbage, "-----BEGIN CERTIFICATE-----\nnot one\n", -1, NULL));
  g_assert_null (host (0, garbage, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "is not a PEM certificate with its private key"));
  g_test_message ("%s", error->message);
}

/* --- what a capture of the join shows ---------------------------------------- */

#define SECRET "correct-horse-battery-7731"

static void
test_capture_of_join (void)
{
  g_autoptr(GError) error = NULL;
  JnSession *h;
  g_autofree char *url = NULL;
  struct sockaddr_ll ll = { 0 };
  guint8 frame[70000];
  gboolean found_secret = FALSE, found_name = FALSE;
  guint frames = 0;
  ssize_t n;
  int fd;

  fd = socket (AF_PACKET, SOCK_RAW, htons (ETH_P_ALL));
  if (fd < 0)
    {
      g_test_skip ("capturing the loopback needs CAP_NET_RAW");
      return;
    }
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons (ETH_P_ALL);
  ll.sll_ifindex = (int) if_nametoindex ("lo");
  g_assert_cmpint (bind (fd, (struct sockaddr *) &ll, sizeof ll), ==, 0);

  h = host (0, NULL, SECRET, &error);
  g_assert_no_error (error);
  url = jn_session_dup_local_url (h);
  g_assert_true (join (url, FALSE, SECRET, &error));
  g_assert_no_error (error);
  /* a wrong guess is refused, and crosses the network no clearer */
  g_assert_false (join (url, FALSE, SECRET "x", &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  end (h);

  while ((n = recv (fd, frame, sizeof frame, MSG_DONTWAIT)) > 0)
    {
      frames++;
      found_secret |= memmem (frame, (gsize) n, SECRET, strlen (SECRET)) != NULL;
      /* the session's name travels in welcome: private too */
      found_name |= memmem (frame, (gsize) n, "Trust jam", 9) != NULL;
    }
  close (fd);
  g_test_message ("%u frames captured", frames);
  g_assert_cmpuint (frames, >, 20);
  g_assert_false (found_secret);
  g_assert_false (found_name);
}

/* --- the passphrase check ---------------------------------------------------- */

static gboolean
pake_run (const char *host_pass, const char *joiner_pass, const char *host_fp,
          const char *joiner_fp)
{
  JnPake host, joiner;
  guint8 hc[JN_PAKE_CONFIRM_SIZE], jc[JN_PAKE_CONFIRM_SIZE];
  guint8 hc2[JN_PAKE_CONFIRM_SIZE], jc2[JN_PAKE_CONFIRM_SIZE];
  gboolean agree;

  jn_pake_start (&host, TRUE, host_pass);
  jn_pake_start (&joiner, FALSE, joiner_pass);
  /* the shares do not show the passphrase, nor repeat between runs */
  if (*joiner_pass != '\0')
    g_assert_null (memmem (joiner.share, sizeof joiner.share, joiner_pass, MIN (strlen (joiner_pass), 32)));
  g_assert_true (jn_pake_finish (&host, joiner.share, host_fp, hc, jc));
  g_assert_true (jn_pake_finish (&joiner, host.share, joiner_fp, hc2, jc2));
  agree = jn_pake_confirm_equal (hc, hc2);
  /* both confirmations agree, or neither does */
  g_assert_true (agree == jn_pake_confirm_equal (jc, jc2));
  jn_pake_clear (&host);
  jn_pake_clear (&joiner);
  return agree;
}

static void
test_pake (void)
{
  static const char *fp = "Iiy2O7jK5fTvmNa_mBUNkuQOR-1kBaxUPf1UmnF_xHM";
  static const char *mitm = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  JnPake a, b;
  guint8 junk[32], hc[32], jc[32];

  g_assert_true (pake_run ("blue moon", "blue moon", fp, fp));
  g_assert_false (pake_run ("blue moon", "blue mooN", fp, fp));
  g_assert_false (pake_run ("blue moon", "", fp, fp));
  /* each side saw another certificate: a man in the middle */
  g_assert_false (pake_run ("blue moon", "blue moon", fp, mitm));

  jn_pake_start (&a, FALSE, "x");
  jn_pake_start (&b, FALSE, "x");
  g_assert_cmpmem (a.w, 32, b.w, 32);
  g_assert_false (memcmp (a.share, b.share, 32) == 0);
  /* a share that is no point of the group */
  memset (junk, 0xFF, sizeof junk);
  g_assert_false (jn_pake_finish (&a, junk, fp, hc, jc));
  jn_pake_clear (&a);
  jn_pake_clear (&b);
}

static void
test_guessing_limit (void)
{
  g_autoptr(GError) error = NULL;
  JnSession *h = host (0, NULL, "blue moon", &error);
  g_autofree char *url = NULL;
  JnHostStats stats;
  guint wait_s = 0;
  const char *in;

  g_assert_no_error (error);
  url = jn_session_dup_local_url (h);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_false (join (url, FALSE, "green moon", &error));
      g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
      g_clear_error (&error);
    }
  /* the sixth is refused before it is checked, right or wrong, with the wait */
  g_assert_false (join (url, FALSE, "blue moon", &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_TOO_MANY_ATTEMPTS);
  g_test_message ("%s", error->message);
  in = strstr (error->message, "try again in ");
  g_assert_nonnull (in);
  wait_s = (guint) atoi (in + strlen ("try again in "));
  g_assert_cmpuint (wait_s, >=, 55);
  g_assert_cmpuint (wait_s, <=, 60);
  g_clear_error (&error);

  jn_session_get_host_stats (h, &stats);
  g_assert_cmpuint (stats.failed_passphrases, ==, 5);
  g_assert_cmpuint (stats.refused_guessing, ==, 1);
  end (h);

  /* a session without a passphrase is not the protected one a joiner who
   * has one was sent to: refused, not joined */
  h = host (0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_free (url);
  url = jn_session_dup_local_url (h);
  g_assert_false (join (url, FALSE, "blue moon", &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_assert_nonnull (strstr (error->message, "no passphrase"));
  end (h);
}

static void
test_hello_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) end);
  JnSession *h = host (0, NULL, NULL, &error);
  g_autofree char *url = NULL;
  JnHostStats stats;
  guint hellos = 0;
  gint64 start = g_get_monotonic_time ();
  double elapsed_s;

  g_assert_no_error (error);
  url = jn_session_dup_local_url (h);
  /* one address takes at most 8 seats of an open session ... */
  for (guint i = 0; i < 8; i++, hellos++)
    {
      JnSession *s = join_and_stay (url, "Squatter", FALSE, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (in, s);
    }
  g_assert_null (join_and_stay (url, "Squatter", FALSE, NULL, &error));
  hellos++;
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_SESSION_FULL);
  g_assert_nonnull (strstr (error->message, "from your address"));
  g_clear_error (&error);
  g_ptr_array_set_size (in, 0);

  /* ... and says hello 16 times in a burst, then one every 4 s (a slow
   * machine may earn one more while the test runs) */
  while (hellos < 40 && join (url, FALSE, NULL, &error))
    hellos++;
  elapsed_s = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("%u hellos in %.1f s before the first refusal", hellos, elapsed_s);
  g_assert_cmpuint (hellos, >=, 16);
  g_assert_cmpuint (hellos, <=, 16 + (guint) (elapsed_s / 4) + 1);
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_TOO_MANY_ATTEMPTS);
  g_assert_nonnull (strstr (error->message, "try again in"));
  g_test_message ("%s", error->message);
  jn_session_get_host_stats (h, &stats);
  g_assert_cmpuint (stats.refused_hellos, ==, 2);
  end (h);
}

/* The session listed under name, if any (the list holds it). */
static JnSessionInfo *
find_listed (JnDiscovery *d, const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (d)); i++)
    {
      g_autoptr(JnSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (d), i);

      if (g_str_equal (jn_session_info_get_name (info), name))
        return info;
    }
  return NULL;
}

/* As find_listed(), waiting up to 3 s for it to appear. */
static JnSessionInfo *
listed (JnDiscovery *d, const char *name)
{
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      JnSessionInfo *info = find_listed (d, name);

      if (info != NULL)
        return info;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return NULL;
}

static void
on_pinged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpfloat (jn_session_info_ping_finish (JN_SESSION_INFO (source), result, &error), >=, 0);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* A beacon that names a real session's address with another certificate
 * (a twin, or an impostor's): the browser's ping tells, and says so. */
static void
test_beacon_certificate (void)
{
  g_autoptr(GError) error = NULL;
  JnSession *h = host (0, NULL, NULL, &error);
  g_autoptr(JnDiscovery) d = NULL;
  JnAnnouncer *real, *twin;
  g_autofree char *url = NULL;
  const char *fp;
  guint16 port;

  g_assert_no_error (error);
  url = jn_session_dup_local_url (h);
  fp = strstr (url, "fp=") + 3;
  port = port_of (h);
  d = jn_discovery_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  real = jn_announcer_new ("127.0.0.1", "Honest jam", "Ana", port, FALSE, fp, &error);
  g_assert_no_error (error);
  twin = jn_announcer_new ("127.0.0.1", "Twin jam", "Ana", port, FALSE,
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      JnSessionInfo *info = listed (d, i ? "Twin jam" : "Honest jam");
      gboolean done = FALSE;

      g_assert_nonnull (info);
      g_assert_cmpint (jn_session_info_get_certificate_check (info), ==, JN_CERTIFICATE_UNKNOWN);
      jn_session_info_ping_async (info, NULL, on_pinged, &done);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (jn_session_info_get_certificate_check (info), ==,
                       i ? JN_CERTIFICATE_DIFFERS : JN_CERTIFICATE_MATCHES);
    }
  jn_announcer_free (twin);
  jn_announcer_free (real);
  end (h);
}

/* A session that ends leaves a browser's list at once: it stops
 * listening before its bye, so the bye passes the browser's check
 * (test-discovery's forged-bye shows the check holds against a fake). */
static void
test_bye_leaves_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDiscovery) d = jn_discovery_new ("127.0.0.1", &error);
  g_autoptr(JnSession) h = NULL;
  JnSessionConfig config;
  JnTestStarted started = { 0 };
  gint64 left;

  g_assert_no_error (error);
  jn_session_config_init (&config);
  config.player_name = "Host";
  config.bind_address = "127.0.0.1";
  config.announce = TRUE;
  h = jn_session_new (&config);
  jn_session_host_async (h, "Ending jam", NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  g_assert_nonnull (listed (d, "Ending jam"));
  jn_session_leave (h);
  left = g_get_monotonic_time ();
  while (find_listed (d, "Ending jam") != NULL && g_get_monotonic_time () - left < 3 * G_USEC_PER_SEC)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  /* well before the 3.5 s a silent session takes to expire */
  g_assert_false (find_listed (d, "Ending jam") != NULL);
  g_assert_cmpint (g_get_monotonic_time () - left, <, 1000 * 1000);
  g_test_message ("gone from the list %.1f ms after leaving", (g_get_monotonic_time () - left) / 1000.0);
}

int
main (int argc, char **argv)
{
  int status;

  /* before GLib reads them: a home of our own for identity and trust */
  home = jn_test_make_home ("jamnet-trust-XXXXXX");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/trust/own-identity-pinned", test_own_identity_pinned);
  g_test_add_func ("/trust/first-use-then-change", test_first_use_then_change);
  g_test_add_func ("/trust/bad-certificates", test_bad_certificates);
  g_test_add_func ("/trust/capture-of-join", test_capture_of_join);
  g_test_add_func ("/trust/pake", test_pake);
  g_test_add_func ("/trust/guessing-limit", test_guessing_limit);
  g_test_add_func ("/trust/hello-limits", test_hello_limits);
  g_test_add_func ("/trust/beacon-certificate", test_beacon_certificate);
  g_test_add_func ("/trust/bye-leaves-list", test_bye_leaves_list);
  status = g_test_run ();

  jn_test_remove_home (home);
  return status;
}
