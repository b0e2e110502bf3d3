/* test-limits.c: the control plane under abuse, against a real host
 *
 * A jamnet-cli host in its own process; clients that speak raw TLS and
 * WebSocket frames to it: one huge frame, one endless fragmented message,
 * thousands of idle connections, connections that never finish their
 * handshake, and a host that runs out of descriptors.  After each, a real
 * join must work at once, and the host must not have grown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "jn-session.h"
#include "jn-test-host.h"
#include "jn-test-session.h"

typedef struct
{
  GSubprocess *process;
  char        *url;
  guint16      port;
  GDataInputStream *out;
  char        *stats;
  JsonParser  *parser;
} Host;

static void
limit_descriptors (gpointer data)
{
  struct rlimit r = { GPOINTER_TO_UINT (data), GPOINTER_TO_UINT (data) };

  setrlimit (RLIMIT_NOFILE, &r);
}

static void
host_start (Host *h, guint max_fds)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("JAMNET_CLI");

  g_assert_nonnull (cli);
  h->stats = g_build_filename (g_get_tmp_dir (), "jamnet-limits-XXXXXX.json", NULL);
  close (g_mkstemp (h->stats));
  if (max_fds > 0)
    g_subprocess_launcher_set_child_setup (launcher, limit_descriptors, GUINT_TO_POINTER (max_fds), NULL);
  h->process = g_subprocess_launcher_spawn (launcher, &error, cli, "host", "--port", "0", "--bind",
                                            "0.0.0.0", "--private", "-q", "--duration", "120",
                                            "--audio", "null", "--stats-json", h->stats, NULL);
  g_assert_no_error (error);
  h->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (h->process));
  h->url = jn_test_read_host_url (h->out);
  g_assert_nonnull (h->url);
  h->port = (guint16) atoi (strrchr (strstr (h->url, "://") + 3, ':') + 1);
}

/* Ends the host; its control-plane counters (valid until the next start). */
static JsonObject *
host_stop (Host *h)
{
  JsonObject *root;

  g_subprocess_send_signal (h->process, SIGTERM);
  g_subprocess_wait (h->process, NULL, NULL);
  g_clear_object (&h->process);
  g_clear_object (&h->out);
  g_free (h->url);
  g_clear_object (&h->parser);
  h->parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (h->parser, h->stats, NULL));
  g_unlink (h->stats);
  g_free (h->stats);
  root = json_node_get_object (json_parser_get_root (h->parser));
  return json_object_get_object_member (root, "control");
}

static gint64
counter (JsonObject *control, const char *name)
{
  gint64 v = json_object_get_int_member (control, name);

  g_test_message ("host: %s = %" G_GINT64_FORMAT, name, v);
  return v;
}

static guint64
rss_kb (Host *h)
{
  guint64 kib = jn_test_process_status_kib (g_subprocess_get_identifier (h->process), "VmRSS:");

  g_assert_cmpuint (kib, >, 0);
  return kib;
}

/* --- a real join ------------------------------------------------------------- */

/* Joins and leaves; returns how long the join took, in ms, or < 0. */
static double
real_join (Host *h)
{
  JnSessionConfig config;
  g_autoptr(JnSession) session = NULL;
  JnTestStarted s = { 0 };
  gint64 t0 = g_get_monotonic_time ();

  jn_session_config_init (&config);
  config.player_name = "Musician";
  config.bind_address = "127.0.0.1";
  session = jn_session_new (&config);
  jn_session_join_async (session, h->url, NULL, NULL, jn_test_on_started, &s);
  /* the join answers within its own 5 s */
  if (!jn_test_wait_started (&s, 30))
    {
      g_test_message ("join failed: %s", s.error->message);
      g_clear_error (&s.error);
      return -1;
    }
  jn_session_leave (session);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* --- raw clients ---------------------------------------------------------------- */

static gboolean
accept_any (GTlsConnection *conn, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

static void
on_client_event (GSocketClient *client, GSocketClientEvent event, GSocketConnectable *connectable,
                 GIOStream *connection, gpointer data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any), NULL);
}

/* A connection from `from` (an address on the loopback); TLS when tls. */
static GIOStream *
raw_connect (Host *h, const char *from, gboolean tls)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (from);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (inet, 0);
  g_autoptr(GError) error = NULL;
  GSocketConnection *c;

  g_socket_client_set_local_address (client, local);
  g_socket_client_set_tls (client, tls);
  g_socket_client_set_timeout (client, 5);
  g_signal_connect (client, "event", G_CALLBACK (on_client_event), NULL);
  c = g_socket_client_connect_to_host (client, "127.0.0.1", h->port, NULL, &error);
  g_assert_no_error (error);
  return G_IO_STREAM (c);
}

/* Upgrades to a WebSocket; TRUE on "101". */
static gboolean
upgrade (GIOStream *stream, guint16 port)
{
  g_autofree char *request = g_strdup_printf (
    "GET /jamnet HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", port);
  char reply[1024];
  gssize n;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stream), request,
                                            strlen (request), NULL, NULL, NULL));
  n = g_input_stream_read (g_io_stream_get_input_stream (stream), reply, sizeof reply - 1, NULL, NULL);
  if (n <= 0)
    return FALSE;
  reply[n] = '\0';
  return strstr (reply, " 101 ") != NULL;
}

/* One masked client frame header. */
static gsize
frame_header (guint8 *out, gboolean fin, guint opcode, guint64 len)
{
  gsize n = 0;

  out[n++] = (guint8) ((fin ? 0x80 : 0) | opcode);
  if (len < 126)
    out[n++] = (guint8) (0x80 | len);
  else if (len < 65536)
    {
      out[n++] = 0x80 | 126;
      out[n++] = (guint8) (len >> 8);
      out[n++] = (guint8) len;
    }
  else
    {
      out[n++] = 0x80 | 127;
      for (gint i = 7; i >= 0; i--)
        out[n++] = (guint8) (len >> (8 * i));
    }
  memset (out + n, 0, 4);   /* a zero mask: the payload goes as it is */
  return n + 4;
}

/* Writes until the host closes; returns the bytes it took. */
static guint64
write_until_closed (GIOStream *stream, const guint8 *data, gsize size, guint64 limit)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  guint64 sent = 0;

  while (sent < limit)
    {
      gsize written = 0;

      if (!g_output_stream_write_all (out, data, size, &written, NULL, NULL))
        break;
      sent += written;
    }
  return sent;
}

static void
test_big_frame (void)
{
  Host h = { 0 };
  g_autoptr(GIOStream) s = NULL;
  g_autofree guint8 *chunk = g_malloc0 (65536);
  guint8 header[14];
  guint64 before, after, sent;

  host_start (&h, 0);
  g_assert_cmpfloat (real_join (&h), >, 0);
  before = rss_kb (&h);
  s = raw_connect (&h, "127.0.0.2", TRUE);
  g_assert_true (upgrade (s, h.port));
  /* one text frame announcing 10 MB, then the 10 MB */
  g_output_stream_write_all (g_io_stream_get_output_stream (s), header,
                             frame_header (header, TRUE, 0x1, 10 * 1024 * 1024), NULL, NULL, NULL);
  sent = write_until_closed (s, chunk, 65536, 10 * 1024 * 1024);
  after = rss_kb (&h);
  g_test_message ("10 MB frame: %" G_GUINT64_FORMAT " bytes taken; host RSS %" G_GUINT64_FORMAT
                  " -> %" G_GUINT64_FORMAT " kB", sent, before, after);
  g_assert_cmpuint (sent, <, 10 * 1024 * 1024);
  g_assert_cmpuint (after, <, before + 4096);
  g_assert_cmpfloat (real_join (&h), >, 0);
  host_stop (&h);
  g_clear_object (&h.parser);
}

static void
test_endless_fragments (void)
{
  Host h = { 0 };
  g_autoptr(GIOStream) s = NULL;
  guint8 frame[14 + 1000];
  gsize n;
  guint64 before, after, sent;

  host_start (&h, 0);
  /* what a session holds once someone has joined, then the attack */
  g_assert_cmpfloat (real_join (&h), >, 0);
  before = rss_kb (&h);
  s = raw_connect (&h, "127.0.0.2", TRUE);
  g_assert_true (upgrade (s, h.port));
  /* the first fragment of a text message, then continuations for ever */
  n = frame_header (frame, FALSE, 0x1, 1000);
  memset (frame + n, ' ', 1000);
  g_output_stream_write_all (g_io_stream_get_output_stream (s), frame, n + 1000, NULL, NULL, NULL);
  n = frame_header (frame, FALSE, 0x0, 1000);
  memset (frame + n, ' ', 1000);
  sent = write_until_closed (s, frame, n + 1000, 80 * 1024 * 1024);
  after = rss_kb (&h);
  g_test_message ("endless message: %" G_GUINT64_FORMAT " bytes taken; host RSS %" G_GUINT64_FORMAT
                  " -> %" G_GUINT64_FORMAT " kB", sent, before, after);
  /* what the socket buffers on the way took before the close came back
   * (megabytes on loopback); the host itself kept none of it */
  g_assert_cmpuint (sent, <, 16 * 1024 * 1024);
  g_assert_cmpuint (after, <, before + 4096);
  g_assert_cmpfloat (real_join (&h), >, 0);
  host_stop (&h);
  g_clear_object (&h.parser);
}

static void
test_idle_connections (void)
{
  Host h = { 0 };
  g_autoptr(GPtrArray) idle = g_ptr_array_new_with_free_func (g_object_unref);
  double during, after;
  struct rlimit r;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &r), ==, 0);
  if (r.rlim_max < 3200)
    {
      g_test_skip ("needs 3200 descriptors");
      return;
    }
  r.rlim_cur = r.rlim_max;
  setrlimit (RLIMIT_NOFILE, &r);

  host_start (&h, 0);
  /* 3000 TCP connections that say nothing, from 30 addresses */
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *from = g_strdup_printf ("127.0.1.%u", 1 + i % 30);

      g_ptr_array_add (idle, raw_connect (&h, from, FALSE));
    }
  during = real_join (&h);
  g_test_message ("a join with 3000 idle connections open: %.1f ms", during);
  g_assert_cmpfloat (during, >, 0);
  g_ptr_array_set_size (idle, 0);
  after = real_join (&h);
  g_test_message ("right after they closed: %.1f ms", after);
  g_assert_cmpfloat (after, >, 0);
  /* all but what the limits let wait were closed on arrival */
  g_assert_cmpint (counter (host_stop (&h), "refused_connections"), >=, 3000 - 64);
  g_clear_object (&h.parser);
}

static void
test_slowloris (void)
{
  Host h = { 0 };
  g_autoptr(GPtrArray) slow = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 t0;

  host_start (&h, 0);
  /* half-open: TCP up, half a TLS ClientHello, then nothing */
  for (guint i = 0; i < 8; i++)
    {
      GIOStream *s = raw_connect (&h, "127.0.0.3", FALSE);

      g_output_stream_write_all (g_io_stream_get_output_stream (s), "\x16\x03\x01\x02\x00\x01", 6,
                                 NULL, NULL, NULL);
      g_ptr_array_add (slow, s);
    }
  t0 = g_get_monotonic_time ();
  /* the host closes each within its handshake time */
  for (guint i = 0; i < slow->len; i++)
    {
      char byte;
      GInputStream *in = g_io_stream_get_input_stream (slow->pdata[i]);

      g_assert_cmpint (g_input_stream_read (in, &byte, 1, NULL, NULL), <=, 0);
    }
  g_test_message ("8 half-open connections closed after %.1f s",
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 8 * G_USEC_PER_SEC);
  g_assert_cmpfloat (real_join (&h), >, 0);
  g_assert_cmpint (counter (host_stop (&h), "timed_out"), ==, 8);
  g_clear_object (&h.parser);
}

static void
test_out_of_descriptors (void)
{
  Host h = { 0 };
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  double after = -1;

  /* a host with 64 descriptors, then more connections than it can take,
   * from enough addresses that no per-address limit turns them away */
  host_start (&h, 64);
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *from = g_strdup_printf ("127.0.2.%u", 1 + i % 40);

      g_ptr_array_add (held, raw_connect (&h, from, FALSE));
    }
  g_usleep (300000);
  g_ptr_array_set_size (held, 0);
  /* as soon as they are gone, it accepts again */
  for (guint i = 0; i < 10 && after < 0; i++)
    after = real_join (&h);
  g_test_message ("join after descriptor exhaustion: %.1f ms", after);
  g_assert_cmpfloat (after, >, 0);
  /* it did run out, and came back */
  g_assert_cmpint (counter (host_stop (&h), "accept_failures"), >, 0);
  g_clear_object (&h.parser);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/limits/big-frame", test_big_frame);
  g_test_add_func ("/limits/endless-fragments", test_endless_fragments);
  g_test_add_func ("/limits/idle-connections", test_idle_connections);
  g_test_add_func ("/limits/slowloris", test_slowloris);
  g_test_add_func ("/limits/out-of-descriptors", test_out_of_descriptors);
  return g_test_run ();
}
