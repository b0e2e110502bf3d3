/* test-ice.c: two ICE transports find each other (libnice, loopback)
 *
 * Each side's candidates go to the other as the control plane would carry
 * them, trickled; then datagrams flow both ways on the nominated pair.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "jn-error.h"
#include "jn-ice-transport.h"

typedef struct
{
  JnIceTransport *self, *other;
  guint32         self_id;      /* what the other calls this side */
  guint           candidates;
  GPtrArray      *pending;      /* candidates before the other side has a session */
  gboolean        gathered;
  guint           received;
  guint32         from;
  guint8          last[64];
  gsize           last_size;
} Side;

static void
on_receive (gpointer      user_data,
            guint32       peer_id,
            const guint8 *data,
            gsize         size,
            gint64        arrival_us)
{
  Side *side = user_data;

  side->received++;
  side->from = peer_id;
  side->last_size = MIN (size, sizeof side->last);
  memcpy (side->last, data, side->last_size);
}

/* this side's candidate, trickled to the other */
static void
on_local_candidate (JnIceTransport *transport,
                    guint           peer_id,
                    const char     *line,
                    Side           *side)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (line, "a=candidate:"));
  side->candidates++;
  /* host candidates come at once: the signalling keeps them until the
   * other side has a session to give them to */
  if (side->pending != NULL)
    {
      g_ptr_array_add (side->pending, g_strdup (line));
      return;
    }
  g_assert_true (jn_ice_transport_add_remote_candidate (side->other, side->self_id, line, &error));
  g_assert_no_error (error);
}

static void
on_gathering_done (JnIceTransport *transport,
                   guint           peer_id,
                   Side           *side)
{
  side->gathered = TRUE;
  if (side->pending == NULL)
    jn_ice_transport_remote_gathering_done (side->other, side->self_id);
}

/* the other side has its session now: what waited goes to it */
static void
flush (Side *side)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&side->pending);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < pending->len; i++)
    {
      g_assert_true (jn_ice_transport_add_remote_candidate (side->other, side->self_id,
                                                            g_ptr_array_index (pending, i), &error));
      g_assert_no_error (error);
    }
  if (side->gathered)
    jn_ice_transport_remote_gathering_done (side->other, side->self_id);
}

static gboolean
both_ready (JnIceTransport *a,
            JnIceTransport *b)
{
  return jn_ice_transport_get_state (a, 2) == JN_ICE_READY &&
         jn_ice_transport_get_state (b, 1) == JN_ICE_READY;
}

static void
iterate_until_ready (JnIceTransport *a, JnIceTransport *b, guint seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!both_ready (a, b) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_loopback_pair (void)
{
  g_autoptr(JnIceTransport) a = jn_ice_transport_new ("127.0.0.1");
  g_autoptr(JnIceTransport) b = jn_ice_transport_new ("127.0.0.1");
  g_autoptr(GError) error = NULL;
  g_autofree char *a_ufrag = NULL, *a_pwd = NULL, *b_ufrag = NULL, *b_pwd = NULL;
  Side sa = { a, b, 1 }, sb = { b, a, 2 };

  sa.pending = g_ptr_array_new_with_free_func (g_free);
  sb.pending = g_ptr_array_new_with_free_func (g_free);
  static const guint8 hello[] = "a datagram from peer 1";
  static const guint8 back[] = "and one from peer 2";
  JnIcePair pair;
  gint64 started, end;

  /* peer 1 (a) and peer 2 (b): a calls the other 2, b calls it 1 */
  jn_transport_start (JN_TRANSPORT (a), NULL, on_receive, &sa);
  jn_transport_start (JN_TRANSPORT (b), NULL, on_receive, &sb);
  g_signal_connect (a, "local-candidate", G_CALLBACK (on_local_candidate), &sa);
  g_signal_connect (b, "local-candidate", G_CALLBACK (on_local_candidate), &sb);
  g_signal_connect (a, "gathering-done", G_CALLBACK (on_gathering_done), &sa);
  g_signal_connect (b, "gathering-done", G_CALLBACK (on_gathering_done), &sb);

  started = g_get_monotonic_time ();
  /* nothing is sent before a pair works */
  g_assert_true (jn_ice_transport_add_peer (a, 2, TRUE, &a_ufrag, &a_pwd, &error));
  g_assert_no_error (error);
  g_assert_false (jn_transport_send (JN_TRANSPORT (a), 2, hello, sizeof hello));
  g_assert_true (jn_ice_transport_add_peer (b, 1, FALSE, &b_ufrag, &b_pwd, &error));
  g_assert_no_error (error);
  g_assert_true (jn_ice_transport_set_remote_credentials (a, 2, b_ufrag, b_pwd, &error));
  g_assert_true (jn_ice_transport_set_remote_credentials (b, 1, a_ufrag, a_pwd, &error));
  g_assert_no_error (error);
  flush (&sa);
  flush (&sb);

  iterate_until_ready (a, b, 10);
  g_assert_true (both_ready (a, b));
  g_test_message ("ICE ready on the loopback in %.1f ms",
                  (g_get_monotonic_time () - started) / 1000.0);
  g_assert_cmpuint (sa.candidates, >=, 1);
  g_assert_cmpuint (sb.candidates, >=, 1);
  g_assert_true (jn_ice_transport_get_pair (a, 2, &pair));
  g_assert_cmpstr (pair.local_type, ==, "host");
  g_assert_cmpstr (pair.remote_type, ==, "host");
  g_assert_true (g_str_has_prefix (pair.local_address, "127.0.0.1:"));

  /* datagrams both ways, each named by its sender's id */
  g_assert_true (jn_transport_send (JN_TRANSPORT (a), 2, hello, sizeof hello));
  g_assert_true (jn_transport_send (JN_TRANSPORT (b), 1, back, sizeof back));
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((sa.received == 0 || sb.received == 0) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (sb.received, ==, 1);
  g_assert_cmpuint (sb.from, ==, 1);
  g_assert_cmpmem (sb.last, sb.last_size, hello, sizeof hello);
  g_assert_cmpuint (sa.received, ==, 1);
  g_assert_cmpuint (sa.from, ==, 2);
  g_assert_cmpmem (sa.last, sa.last_size, back, sizeof back);

  /* forgotten, a peer is sent nothing */
  jn_transport_forget_peer (JN_TRANSPORT (a), 2);
  g_assert_false (jn_transport_send (JN_TRANSPORT (a), 2, hello, sizeof hello));
  jn_transport_close (JN_TRANSPORT (a));
  jn_transport_close (JN_TRANSPORT (b));
}

/* What the other side sends is hostile */
static void
test_hostile_signalling (void)
{
  g_autoptr(JnIceTransport) a = jn_ice_transport_new ("127.0.0.1");
  g_autoptr(GError) error = NULL;
  g_autofree char *ufrag = NULL, *pwd = NULL;
  g_autoptr(GString) long_line = g_string_new ("a=candidate:1 1 UDP 2013266431 127.0.0.1 5000 typ host");
  static const char *bad_candidates[] = {
    "", "a=candidate:", "a=candidate:1 1 UDP", "candidate:x y z", "a=candidate:1 1 UDP 1 not-an-ip 5 typ host",
  };

  jn_transport_start (JN_TRANSPORT (a), NULL, on_receive, NULL);
  g_assert_true (jn_ice_transport_add_peer (a, 2, TRUE, &ufrag, &pwd, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_candidates); i++)
    {
      g_assert_false (jn_ice_transport_add_remote_candidate (a, 2, bad_candidates[i], &error));
      g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE);
      g_clear_error (&error);
    }
  while (long_line->len <= 512)
    g_string_append (long_line, " x 1");
  g_assert_false (jn_ice_transport_add_remote_candidate (a, 2, long_line->str, &error));
  g_clear_error (&error);
  /* credentials outside RFC 8445's alphabet and lengths */
  g_assert_false (jn_ice_transport_set_remote_credentials (a, 2, "abc", "0123456789012345678901", &error));
  g_clear_error (&error);
  g_assert_false (jn_ice_transport_set_remote_credentials (a, 2, "abcd", "short", &error));
  g_clear_error (&error);
  g_assert_false (jn_ice_transport_set_remote_credentials (a, 2, "ab d", "0123456789012345678901", &error));
  g_clear_error (&error);
  /* an unknown peer */
  g_assert_false (jn_ice_transport_add_remote_candidate (a, 9, "a=candidate:1 1 UDP 1 127.0.0.1 5 typ host", &error));
  g_assert_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST);
  jn_transport_close (JN_TRANSPORT (a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ice/loopback-pair", test_loopback_pair);
  g_test_add_func ("/ice/hostile-signalling", test_hostile_signalling);
  return g_test_run ();
}
