/* jn-relay.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-relay"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/socket.h>

#include "jn-relay.h"
#include "jn-thread-loop.h"

typedef struct
{
  JnPacketKind  kind;
  guint32       seq;
  JnRelayAction action;
} Rule;

typedef struct
{
  gint64  release_us;
  guint   dir;
  gsize   size;
  guint8  data[];
} Pending;

typedef struct
{
  GSocket        *socket;      /* receives from one side ... */
  GSocketAddress *target;      /* ... and sends out the other socket to here */
  GSource        *source;
  JnImpairment    impairment;
  GArray         *rules;       /* Rule */
  Pending        *held;
  gboolean        bad;         /* the Gilbert-Elliott channel is losing */
  JnRelayCounts   counts;
} Side;

struct _JnRelay
{
  GMutex        lock;
  JnThreadLoop *thread;
  GSource      *timer;
  GRand        *rand;
  Side          sides[2];     /* indexed by JnRelayDirection */
  GQueue        pending;      /* Pending*, sorted by release time */
  guint8        buf[JN_PACKET_MAX_SIZE + 1];
};

static gint
compare_release (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const Pending *queued = a, *added = b;

  /* g_queue_insert_sorted() inserts before the first entry this is >= 0
   * for: equal release times keep their arrival order */
  return queued->release_us <= added->release_us ? -1 : 1;
}

static void
send_now (JnRelay *relay,
          Pending *p)
{
  Side *side = &relay->sides[p->dir];
  /* out through the socket that faces the destination */
  GSocket *out = relay->sides[1 - p->dir].socket;

  if (g_socket_send_to (out, side->target, (const char *) p->data, p->size, NULL, NULL) >= 0)
    side->counts.forwarded++;
}

static void
schedule (JnRelay      *relay,
          guint         dir,
          const guint8 *data,
          gsize         size,
          gint64        now)
{
  Side *side = &relay->sides[dir];
  Pending *p = g_malloc (sizeof (Pending) + size);
  guint extra = side->impairment.jitter_us
                ? (guint) g_rand_int_range (relay->rand, 0, (gint32) side->impairment.jitter_us + 1)
                : 0;

  p->release_us = now + side->impairment.delay_us + extra;
  p->dir = dir;
  p->size = size;
  memcpy (p->data, data, size);
  g_queue_insert_sorted (&relay->pending, p, compare_release, NULL);
}

static void
flush_due (JnRelay *relay,
           gint64   now)
{
  Pending *p;

  while ((p = g_queue_peek_head (&relay->pending)) != NULL && p->release_us <= now)
    {
      g_queue_pop_head (&relay->pending);
      send_now (relay, p);
      g_free (p);
    }
  p = g_queue_peek_head (&relay->pending);
  jn_timer_source_set_deadline (relay->timer, p ? p->release_us : G_MAXINT64 / 2);
}

static gboolean
match_rule (Side          *side,
            const guint8  *data,
            gsize          size,
            JnRelayAction *action)
{
  JnPacket packet;

  if (side->rules->len == 0 || !jn_packet_decode (data, size, &packet, NULL))
    return FALSE;
  for (guint i = 0; i < side->rules->len; i++)
    {
      Rule *rule = &g_array_index (side->rules, Rule, i);

      if (rule->kind == packet.header.kind && rule->seq == packet.header.seq)
        {
          *action = rule->action;
          g_array_remove_index_fast (side->rules, i);
          return TRUE;
        }
    }
  return FALSE;
}

/* Whether impairment loses this packet. */
static gboolean
lose (JnRelay      *relay,
      Side         *side,
      const guint8 *data,
      gsize         size)
{
  const JnImpairment *imp = &side->impairment;
  double r, p;

  if (imp->loss <= 0 ||
      (imp->loss_kinds != 0 && (size < 6 || data[5] >= 32 || !(imp->loss_kinds & (1u << data[5])))))
    return FALSE;
  if (imp->mean_burst <= 1 || imp->loss >= 1)
    return g_rand_double (relay->rand) < imp->loss;
  /* bad ends with 1 / mean_burst; good turns bad so that loss is the
   * share of packets in bad */
  r = 1 / imp->mean_burst;
  p = imp->loss * r / (1 - imp->loss);
  side->bad = side->bad ? g_rand_double (relay->rand) >= r : g_rand_double (relay->rand) < p;
  return side->bad;
}

static void
handle_packet (JnRelay      *relay,
               guint         dir,
               const guint8 *data,
               gsize         size)
{
  Side *side = &relay->sides[dir];
  gint64 now = g_get_monotonic_time ();
  JnRelayAction action;
  Pending *held = NULL;

  side->counts.received++;
  if (match_rule (side, data, size, &action))
    {
      switch (action)
        {
        case JN_RELAY_DROP:
          side->counts.dropped++;
          return;
        case JN_RELAY_DUPLICATE:
          side->counts.duplicated++;
          schedule (relay, dir, data, size, now);
          break;
        case JN_RELAY_HOLD:
          side->counts.held++;
          if (side->held != NULL)
            schedule (relay, dir, side->held->data, side->held->size, now);
          g_free (side->held);
          side->held = g_malloc (sizeof (Pending) + size);
          side->held->size = size;
          memcpy (side->held->data, data, size);
          return;
        case JN_RELAY_LATE:
          side->counts.late++;
          schedule (relay, dir, data, size, now + JN_RELAY_LATE_US);
          return;
        default:
          break;
        }
    }
  else
    {
      if (lose (relay, side, data, size))
        {
          side->counts.dropped++;
          return;
        }
      if (side->impairment.duplicate > 0 &&
          g_rand_double (relay->rand) < side->impairment.duplicate)
        {
          side->counts.duplicated++;
          schedule (relay, dir, data, size, now);
        }
    }

  held = g_steal_pointer (&side->held);
  schedule (relay, dir, data, size, now);
  if (held != NULL)
    {
      schedule (relay, dir, held->data, held->size, now);
      g_free (held);
    }
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  JnRelay *relay = user_data;
  guint dir = socket == relay->sides[0].socket ? 0 : 1;

  g_mutex_lock (&relay->lock);
  for (guint i = 0; i < 256; i++)
    {
      gssize n = g_socket_receive (socket, (char *) relay->buf, sizeof relay->buf, NULL, NULL);

      if (n < 0)
        break;
      handle_packet (relay, dir, relay->buf, (gsize) n);
    }
  flush_due (relay, g_get_monotonic_time ());
  g_mutex_unlock (&relay->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timer (gpointer user_data)
{
  JnRelay *relay = user_data;

  g_mutex_lock (&relay->lock);
  flush_due (relay, g_get_monotonic_time ());
  g_mutex_unlock (&relay->lock);
  return G_SOURCE_CONTINUE;
}

static GSocketAddress *
make_address (const char  *address,
              guint16      port,
              GError     **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address"), address);
      return NULL;
    }
  return g_inet_socket_address_new (inet, port);
}

JnRelay *
jn_relay_new (const char  *bind_address,
              const char  *a_address,
              guint16      a_port,
              const char  *b_address,
              guint16      b_port,
              guint32      seed,
              GError     **error)
{
  g_autoptr(JnRelay) relay = g_new0 (JnRelay, 1);
  g_autoptr(GSocketAddress) bind = NULL;

  g_mutex_init (&relay->lock);
  g_queue_init (&relay->pending);
  relay->rand = g_rand_new_with_seed (seed);
  for (guint i = 0; i < 2; i++)
    relay->sides[i].rules = g_array_new (FALSE, FALSE, sizeof (Rule));

  if (!(bind = make_address (bind_address ? bind_address : "127.0.0.1", 0, error)) ||
      !(relay->sides[JN_RELAY_A_TO_B].target = make_address (b_address, b_port, error)) ||
      !(relay->sides[JN_RELAY_B_TO_A].target = make_address (a_address, a_port, error)))
    return NULL;

  for (guint i = 0; i < 2; i++)
    {
      Side *side = &relay->sides[i];

      side->socket = g_socket_new (g_socket_address_get_family (bind), G_SOCKET_TYPE_DATAGRAM,
                                   G_SOCKET_PROTOCOL_UDP, error);
      if (side->socket == NULL || !g_socket_bind (side->socket, bind, FALSE, error))
        return NULL;
      g_socket_set_blocking (side->socket, FALSE);
    }

  relay->thread = jn_thread_loop_new ("jn-relay");
  relay->timer = jn_timer_source_new ();
  g_source_set_callback (relay->timer, on_timer, relay, NULL);
  jn_timer_source_set_deadline (relay->timer, G_MAXINT64 / 2);
  g_source_attach (relay->timer, jn_thread_loop_get_context (relay->thread));
  for (guint i = 0; i < 2; i++)
    {
      Side *side = &relay->sides[i];

      side->source = g_socket_create_source (side->socket, G_IO_IN, NULL);
      g_source_set_callback (side->source, G_SOURCE_FUNC (on_readable), relay, NULL);
      g_source_attach (side->source, jn_thread_loop_get_context (relay->thread));
    }

  return g_steal_pointer (&relay);
}

void
jn_relay_free (JnRelay *relay)
{
  if (relay == NULL)
    return;

  for (guint i = 0; i < 2; i++)
    if (relay->sides[i].source != NULL)
      g_source_destroy (relay->sides[i].source);
  if (relay->timer != NULL)
    g_source_destroy (relay->timer);
  g_clear_pointer (&relay->thread, jn_thread_loop_free);
  g_clear_pointer (&relay->timer, g_source_unref);
  for (guint i = 0; i < 2; i++)
    {
      Side *side = &relay->sides[i];

      g_clear_pointer (&side->source, g_source_unref);
      g_clear_object (&side->socket);
      g_clear_object (&side->target);
      g_clear_pointer (&side->rules, g_array_unref);
      g_free (side->held);
    }
  g_queue_clear_full (&relay->pending, g_free);
  g_rand_free (relay->rand);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

guint16
jn_relay_get_port (JnRelay          *relay,
                   JnRelayDirection  direction)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (relay->sides[direction].socket, NULL);

  return local ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

void
jn_relay_set_impairment (JnRelay            *relay,
                         JnRelayDirection    direction,
                         const JnImpairment *impairment)
{
  g_mutex_lock (&relay->lock);
  relay->sides[direction].impairment = *impairment;
  g_mutex_unlock (&relay->lock);
}

void
jn_relay_add_rule (JnRelay          *relay,
                   JnRelayDirection  direction,
                   JnPacketKind      kind,
                   guint32           seq,
                   JnRelayAction     action)
{
  Rule rule = { kind, seq, action };

  g_mutex_lock (&relay->lock);
  g_array_append_val (relay->sides[direction].rules, rule);
  g_mutex_unlock (&relay->lock);
}

void
jn_relay_get_counts (JnRelay          *relay,
                     JnRelayDirection  direction,
                     JnRelayCounts    *counts)
{
  g_mutex_lock (&relay->lock);
  *counts = relay->sides[direction].counts;
  g_mutex_unlock (&relay->lock);
}
