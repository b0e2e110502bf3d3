/* jn-ice-transport.c: one NiceAgent per peer
 *
 * An agent per peer rather than a stream per peer in one agent: which
 * side controls is an agent's property, and it differs from link to link.
 * The peer table is guarded by a lock that sending holds, so that a peer
 * forgotten from another thread is not freed under a send; receiving
 * runs on the agents' context and takes no lock, so a forgotten peer's
 * agent is freed there, where nothing of it can be running.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-ice-transport"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <nice/agent.h>
#include <string.h>

#include "jn-error.h"
#include "jn-ice-transport.h"
#include "jn-udp-transport.h"

/* after the last check of a link has failed, how long late candidates
 * are waited for before the link is declared failed */
#define IDLE_TIMEOUT_MS 2000

/* what an SDP candidate line may be at most */
#define CANDIDATE_MAX_CHARS 512

typedef struct
{
  JnIceTransport *transport;   /* unowned */
  guint32         id;
  NiceAgent      *agent;
  guint           stream;
  gint            state;       /* JnIceState, atomic */
} Peer;

struct _JnIceTransport
{
  GObject                 parent_instance;

  char                   *bind_address;
  char                   *stun_host;
  guint16                 stun_port;
  char                   *turn_host;
  guint16                 turn_port;
  char                   *turn_username;
  char                   *turn_password;
  GMainContext           *context;
  JnTransportReceiveFunc  func;
  gpointer                func_data;
  GMutex                  lock;        /* peers */
  GHashTable             *peers;       /* id -> Peer* */
  GPtrArray              *doomed;      /* Peer*, forgotten, freed on the context */
  GSource                *doom_source; /* frees them there */
  gboolean                closed;
  /* one peer reached straight at an address: a forward room's server,
   * which is on the internet and needs no ICE */
  JnTransport            *direct;
  guint32                 direct_id;
};

static void jn_ice_transport_iface_init (JnTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JnIceTransport, jn_ice_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (JN_TYPE_TRANSPORT,
                                                      jn_ice_transport_iface_init))

enum { LOCAL_CANDIDATE, GATHERING_DONE, STATE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
peer_free (Peer *peer)
{
  if (peer->agent != NULL)
    {
      g_signal_handlers_disconnect_by_data (peer->agent, peer);
      nice_agent_attach_recv (peer->agent, peer->stream, 1, peer->transport->context, NULL, NULL);
      nice_agent_remove_stream (peer->agent, peer->stream);
      /* releases its TURN allocation (a refresh of lifetime 0) */
      nice_agent_close_async (peer->agent, NULL, NULL);
      g_clear_object (&peer->agent);
    }
  g_free (peer);
}

const char *
jn_ice_state_to_string (JnIceState state)
{
  switch (state)
    {
    case JN_ICE_GATHERING: return "gathering";
    case JN_ICE_CHECKING: return "checking";
    case JN_ICE_CONNECTED: return "connected";
    case JN_ICE_READY: return "ready";
    case JN_ICE_FAILED: return "failed";
    default: return "unknown";
    }
}

static const char *
type_name (NiceCandidateType type)
{
  switch (type)
    {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
    default: return "?";
    }
}

static gboolean
free_doomed (gpointer user_data)
{
  JnIceTransport *self = user_data;
  g_autoptr(GPtrArray) doomed = NULL;

  g_mutex_lock (&self->lock);
  doomed = g_steal_pointer (&self->doomed);
  self->doomed = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  g_clear_pointer (&self->doom_source, g_source_unref);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

/* Takes peer out of the table (called with the lock held): nothing more
 * is sent to it, and it is freed on the agents' context. */
static void
doom (JnIceTransport *self,
      Peer           *peer)
{
  g_hash_table_steal (self->peers, GUINT_TO_POINTER (peer->id));
  g_ptr_array_add (self->doomed, peer);
  /* the transport outlives its context's running (see finalize) */
  if (self->doom_source == NULL && self->context != NULL)
    {
      self->doom_source = g_idle_source_new ();
      g_source_set_callback (self->doom_source, free_doomed, self, NULL);
      g_source_attach (self->doom_source, self->context);
    }
}

/* --- what the agents say, on their context ------------------------------------ */

static void
on_recv (NiceAgent *agent,
         guint      stream,
         guint      component,
         guint      size,
         gchar     *data,
         gpointer   user_data)
{
  Peer *peer = user_data;
  JnIceTransport *self = peer->transport;

  if (self->func != NULL && !self->closed)
    self->func (self->func_data, peer->id, (const guint8 *) data, size, g_get_monotonic_time ());
}

static void
on_new_candidate (NiceAgent     *agent,
                  NiceCandidate *candidate,
                  gpointer       user_data)
{
  Peer *peer = user_data;
  g_autofree char *line = nice_agent_generate_local_candidate_sdp (agent, candidate);

  if (line != NULL)
    g_signal_emit (peer->transport, signals[LOCAL_CANDIDATE], 0, peer->id, line);
}

static void
on_gathering_done (NiceAgent *agent,
                   guint      stream,
                   gpointer   user_data)
{
  Peer *peer = user_data;

  g_signal_emit (peer->transport, signals[GATHERING_DONE], 0, peer->id);
}

static void
on_component_state (NiceAgent *agent,
                    guint      stream,
                    guint      component,
                    guint      nice_state,
                    gpointer   user_data)
{
  Peer *peer = user_data;
  JnIceState state;

  switch (nice_state)
    {
    case NICE_COMPONENT_STATE_GATHERING: state = JN_ICE_GATHERING; break;
    case NICE_COMPONENT_STATE_CONNECTING: state = JN_ICE_CHECKING; break;
    case NICE_COMPONENT_STATE_CONNECTED: state = JN_ICE_CONNECTED; break;
    case NICE_COMPONENT_STATE_READY: state = JN_ICE_READY; break;
    case NICE_COMPONENT_STATE_FAILED: state = JN_ICE_FAILED; break;
    default: return;   /* disconnected: before gathering, or closing */
    }
  /* read from other threads (sending, jn_ice_transport_get_state()) */
  if ((JnIceState) g_atomic_int_get (&peer->state) == state)
    return;
  g_atomic_int_set (&peer->state, state);
  g_debug ("peer %u: ICE %s", peer->id, jn_ice_state_to_string (state));
  g_signal_emit (peer->transport, signals[STATE_CHANGED], 0, peer->id, (int) state);
}

/* --- the peers -------------------------------------------------------------------- */

static Peer *
lookup (JnIceTransport *self,
        guint32         id,
        GError        **error)
{
  Peer *peer;

  g_mutex_lock (&self->lock);
  peer = g_hash_table_lookup (self->peers, GUINT_TO_POINTER (id));
  g_mutex_unlock (&self->lock);
  if (peer == NULL)
    g_set_error (error, JN_SESSION_ERROR, JN_SESSION_ERROR_BAD_REQUEST,
                 "no ICE session with peer %u", id);
  return peer;
}

gboolean
jn_ice_transport_add_peer (JnIceTransport  *self,
                           guint32          peer_id,
                           gboolean         controlling,
                           char           **ufrag,
                           char           **pwd,
                           GError         **error)
{
  Peer *peer;

  g_return_val_if_fail (JN_IS_ICE_TRANSPORT (self), FALSE);
  g_return_val_if_fail (self->context != NULL, FALSE);   /* started */
  g_return_val_if_fail (peer_id != 0, FALSE);

  peer = g_new0 (Peer, 1);
  peer->transport = self;
  peer->id = peer_id;
  peer->agent = nice_agent_new_full (self->context, NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_ICE_TRICKLE);
  /* a link with no path is declared failed IDLE_TIMEOUT_MS after its
   * last check, not libnice's 5 s: the player is told sooner */
  g_object_set (peer->agent, "controlling-mode", controlling, "upnp", FALSE, "ice-tcp", FALSE,
                "idle-timeout", (guint) IDLE_TIMEOUT_MS, NULL);
  if (self->stun_host != NULL)
    g_object_set (peer->agent, "stun-server", self->stun_host, "stun-server-port",
                  (guint) self->stun_port, NULL);
  if (self->bind_address != NULL)
    {
      NiceAddress address;

      nice_address_init (&address);
      if (!nice_address_set_from_string (&address, self->bind_address) ||
          !nice_agent_add_local_address (peer->agent, &address))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Cannot gather ICE candidates on %s"), self->bind_address);
          peer_free (peer);
          return FALSE;
        }
    }
  peer->stream = nice_agent_add_stream (peer->agent, 1);
  if (peer->stream != 0 && self->turn_host != NULL &&
      !nice_agent_set_relay_info (peer->agent, peer->stream, 1, self->turn_host, self->turn_port,
                                  self->turn_username, self->turn_password,
                                  NICE_RELAY_TYPE_TURN_UDP))
    g_warning ("The TURN server %s:%u is not usable; no relayed path to peer %u",
               self->turn_host, self->turn_port, peer_id);
  g_signal_connect (peer->agent, "new-candidate-full", G_CALLBACK (on_new_candidate), peer);
  g_signal_connect (peer->agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), peer);
  g_signal_connect (peer->agent, "component-state-changed", G_CALLBACK (on_component_state), peer);
  nice_agent_attach_recv (peer->agent, peer->stream, 1, self->context, on_recv, peer);
  if (peer->stream == 0 || !nice_agent_get_local_credentials (peer->agent, peer->stream, ufrag, pwd))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot start ICE with peer %u"),
                   peer_id);
      peer_free (peer);
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->peers, GUINT_TO_POINTER (peer_id)))
    doom (self, g_hash_table_lookup (self->peers, GUINT_TO_POINTER (peer_id)));
  g_hash_table_insert (self->peers, GUINT_TO_POINTER (peer_id), peer);
  g_mutex_unlock (&self->lock);
  if (!nice_agent_gather_candidates (peer->agent, peer->stream))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot gather ICE candidates for peer %u (no usable network interface)"),
                   peer_id);
      /* not left behind half made */
      g_mutex_lock (&self->lock);
      doom (self, peer);
      g_mutex_unlock (&self->lock);
      g_free (*ufrag);
      g_free (*pwd);
      *ufrag = *pwd = NULL;
      return FALSE;
    }
  return TRUE;
}

gboolean
jn_ice_transport_set_remote_credentials (JnIceTransport  *self,
                                         guint32          peer_id,
                                         const char      *ufrag,
                                         const char      *pwd,
                                         GError         **error)
{
  Peer *peer = lookup (self, peer_id, error);

  if (peer == NULL)
    return FALSE;
  /* RFC 8445: ufrag 4..256, pwd 22..256 characters of ice-char */
  if (ufrag == NULL || pwd == NULL || strlen (ufrag) < 4 || strlen (ufrag) > 256 ||
      strlen (pwd) < 22 || strlen (pwd) > 256 ||
      strspn (ufrag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != strlen (ufrag) ||
      strspn (pwd, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != strlen (pwd) ||
      !nice_agent_set_remote_credentials (peer->agent, peer->stream, ufrag, pwd))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE,
                   "peer %u sent ICE credentials that are not valid", peer_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
jn_ice_transport_add_remote_candidate (JnIceTransport  *self,
                                       guint32          peer_id,
                                       const char      *candidate,
                                       GError         **error)
{
  Peer *peer = lookup (self, peer_id, error);
  NiceCandidate *parsed;
  GSList one = { 0 };
  int added;

  if (peer == NULL)
    return FALSE;
  parsed = candidate != NULL && strlen (candidate) <= CANDIDATE_MAX_CHARS
           ? nice_agent_parse_remote_candidate_sdp (peer->agent, peer->stream, candidate)
           : NULL;
  if (parsed == NULL)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE,
                   "peer %u sent an ICE candidate that does not parse", peer_id);
      return FALSE;
    }
  one.data = parsed;
  added = nice_agent_set_remote_candidates (peer->agent, peer->stream, 1, &one);
  nice_candidate_free (parsed);
  if (added < 0)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE,
                   "peer %u sent an ICE candidate that cannot be used", peer_id);
      return FALSE;
    }
  return TRUE;
}

void
jn_ice_transport_remote_gathering_done (JnIceTransport *self,
                                        guint32         peer_id)
{
  Peer *peer = lookup (self, peer_id, NULL);

  if (peer != NULL)
    nice_agent_peer_candidate_gathering_done (peer->agent, peer->stream);
}

JnIceState
jn_ice_transport_get_state (JnIceTransport *self,
                            guint32         peer_id)
{
  Peer *peer = lookup (self, peer_id, NULL);

  return peer != NULL ? (JnIceState) g_atomic_int_get (&peer->state) : JN_ICE_FAILED;
}

static void
describe (const NiceCandidate *candidate,
          char                *type,
          gsize                type_size,
          char                *address,
          gsize                address_size)
{
  char ip[NICE_ADDRESS_STRING_LEN];

  nice_address_to_string (&candidate->addr, ip);
  g_strlcpy (type, type_name (candidate->type), type_size);
  g_snprintf (address, address_size, strchr (ip, ':') ? "[%s]:%u" : "%s:%u", ip,
              nice_address_get_port (&candidate->addr));
}

gboolean
jn_ice_transport_get_pair (JnIceTransport *self,
                           guint32         peer_id,
                           JnIcePair      *pair)
{
  Peer *peer = lookup (self, peer_id, NULL);
  NiceCandidate *local = NULL, *remote = NULL;

  memset (pair, 0, sizeof *pair);
  if (peer == NULL || !nice_agent_get_selected_pair (peer->agent, peer->stream, 1, &local, &remote))
    return FALSE;
  describe (local, pair->local_type, sizeof pair->local_type, pair->local_address,
            sizeof pair->local_address);
  describe (remote, pair->remote_type, sizeof pair->remote_type, pair->remote_address,
            sizeof pair->remote_address);
  return TRUE;
}

/* --- JnTransport ------------------------------------------------------------------ */

static gboolean
ice_set_peer (JnTransport  *transport,
              guint32       peer_id,
              const char   *address,
              guint16       port,
              GError      **error)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (transport);
  g_autoptr(GInetAddress) inet = NULL;
  const char *bind;

  /* the path is ICE's to find: an address is no more than a hint, and
   * the peer's own candidates say it too; except for a peer with a UDP
   * port, which is reached straight there (a forward room's server) */
  if (port == 0 || address == NULL)
    return TRUE;
  if (self->direct != NULL && self->direct_id != peer_id)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           "only one peer is reached without ICE");
      return FALSE;
    }
  if (self->direct == NULL)
    {
      inet = g_inet_address_new_from_string (address);
      if (inet == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not an IP address"), address);
          return FALSE;
        }
      bind = self->bind_address != NULL ? self->bind_address
             : g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "::" : NULL;
      self->direct = JN_TRANSPORT (jn_udp_transport_new (bind, 0, error));
      if (self->direct == NULL)
        return FALSE;
      self->direct_id = peer_id;
      if (self->context != NULL)
        jn_transport_start (self->direct, self->context, self->func, self->func_data);
    }
  return jn_transport_set_peer (self->direct, peer_id, address, port, error);
}

static void
ice_forget_peer (JnTransport *transport,
                 guint32      peer_id)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (transport);
  Peer *peer;

  if (self->direct != NULL && peer_id == self->direct_id)
    jn_transport_forget_peer (self->direct, peer_id);
  g_mutex_lock (&self->lock);
  peer = g_hash_table_lookup (self->peers, GUINT_TO_POINTER (peer_id));
  if (peer != NULL)
    doom (self, peer);
  g_mutex_unlock (&self->lock);
}

static gboolean
ice_send (JnTransport  *transport,
          guint32       peer_id,
          const guint8 *data,
          gsize         size)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (transport);
  gboolean sent = FALSE;
  JnIceState state;
  Peer *peer;

  if (self->direct != NULL && peer_id == self->direct_id)
    return !self->closed && jn_transport_send (self->direct, peer_id, data, size);
  g_mutex_lock (&self->lock);
  peer = self->closed ? NULL : g_hash_table_lookup (self->peers, GUINT_TO_POINTER (peer_id));
  state = peer != NULL ? (JnIceState) g_atomic_int_get (&peer->state) : JN_ICE_FAILED;
  if (state == JN_ICE_CONNECTED || state == JN_ICE_READY)
    sent = nice_agent_send (peer->agent, peer->stream, 1, (guint) size, (const gchar *) data) ==
           (gint) size;
  g_mutex_unlock (&self->lock);
  return sent;
}

static void
ice_start (JnTransport            *transport,
           GMainContext           *context,
           JnTransportReceiveFunc  func,
           gpointer                user_data)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (transport);

  g_return_if_fail (self->context == NULL);
  self->context = g_main_context_ref (context != NULL ? context : g_main_context_default ());
  self->func = func;
  self->func_data = user_data;
  if (self->direct != NULL)
    jn_transport_start (self->direct, self->context, func, user_data);
}

static void
ice_poll (JnTransport *transport)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (transport);

  if (self->direct != NULL)
    jn_transport_poll (self->direct);
}

static GSocketAddress *
ice_get_local_address (JnTransport *transport)
{
  return NULL;   /* a candidate per peer, none for all */
}

static void
ice_close (JnTransport *transport)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (transport);

  GHashTableIter iter;
  gpointer peer;

  if (self->direct != NULL)
    jn_transport_close (self->direct);
  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &peer))
    {
      g_hash_table_iter_steal (&iter);
      g_ptr_array_add (self->doomed, peer);
    }
  g_mutex_unlock (&self->lock);
}

static void
jn_ice_transport_iface_init (JnTransportInterface *iface)
{
  iface->set_peer = ice_set_peer;
  iface->forget_peer = ice_forget_peer;
  iface->send = ice_send;
  iface->start = ice_start;
  iface->poll = ice_poll;
  iface->get_local_address = ice_get_local_address;
  iface->close = ice_close;
}

/* --- object ------------------------------------------------------------------------ */

static void
jn_ice_transport_finalize (GObject *object)
{
  JnIceTransport *self = JN_ICE_TRANSPORT (object);

  /* the context no longer runs: what is left goes here */
  if (self->doom_source != NULL)
    g_source_destroy (self->doom_source);
  g_clear_pointer (&self->doom_source, g_source_unref);
  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->doomed, g_ptr_array_unref);
  g_clear_object (&self->direct);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_free (self->bind_address);
  g_free (self->stun_host);
  g_free (self->turn_host);
  g_free (self->turn_username);
  if (self->turn_password != NULL)
    memset (self->turn_password, 0, strlen (self->turn_password));
  g_free (self->turn_password);
  G_OBJECT_CLASS (jn_ice_transport_parent_class)->finalize (object);
}

static void
jn_ice_transport_class_init (JnIceTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_ice_transport_finalize;

  signals[LOCAL_CANDIDATE] = g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_UINT, G_TYPE_STRING);
  signals[GATHERING_DONE] = g_signal_new ("gathering-done", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_UINT);
  signals[STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                         G_TYPE_UINT, G_TYPE_INT);
}

static void
jn_ice_transport_init (JnIceTransport *self)
{
  g_mutex_init (&self->lock);
  self->peers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) peer_free);
  self->doomed = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
}

JnIceTransport *
jn_ice_transport_new (const char *bind_address)
{
  JnIceTransport *self = g_object_new (JN_TYPE_ICE_TRANSPORT, NULL);

  self->bind_address = g_strdup (bind_address);
  return self;
}

void
jn_ice_transport_set_stun (JnIceTransport *self,
                           const char     *host,
                           guint16         port)
{
  g_return_if_fail (JN_IS_ICE_TRANSPORT (self));

  g_free (self->stun_host);
  self->stun_host = g_strdup (host);
  self->stun_port = port;
}

void
jn_ice_transport_set_turn (JnIceTransport *self,
                           const char     *host,
                           guint16         port,
                           const char     *username,
                           const char     *password)
{
  g_return_if_fail (JN_IS_ICE_TRANSPORT (self));
  g_return_if_fail (host == NULL || (username != NULL && password != NULL));

  g_free (self->turn_host);
  g_free (self->turn_username);
  g_free (self->turn_password);
  self->turn_host = g_strdup (host);
  self->turn_port = port;
  self->turn_username = g_strdup (username);
  self->turn_password = g_strdup (password);
}
