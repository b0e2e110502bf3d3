/* jn-pw-links.c: JamNet's PipeWire node links itself to the devices the
 * musician picked
 *
 * A session manager does not link a duplex filter node like ours, so we do
 * it, the way pw-link does: watch the registry (nodes, ports, and the
 * "default" metadata for the default source and sink), and after each
 * burst of changes (a core sync marks its end, so a device's ports are all
 * there) work out, per direction, which port pairs should be linked; when
 * that differs from what we linked, take our links down and create the new
 * ones through the daemon's link-factory.  Links are not lingering: they go
 * when we do.  Everything here runs on the node's pw_thread_loop; only the
 * state for jn_pw_links_get() is shared, under a mutex.
 *
 * Channel mapping: playback sends our channel (s mod C) into the sink's
 * s-th port, so mono reaches both speakers; capture takes the source's
 * port (c mod S) into our c-th channel, so a stereo source into a mono
 * session takes its first channel rather than summing both (+6 dB).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-audio"

#include "config.h"

#include <string.h>

#include "jn-pw-links.h"

#include <pipewire/extensions/metadata.h>
#include <spa/utils/json.h>

#define MAX_LINKS 64

typedef struct
{
  guint32  id;
  char    *name;
  char    *description;
  char    *media_class;
} Node;

typedef struct
{
  guint32   id;
  guint32   node_id;
  gboolean  out;
  gboolean  midi;
  gboolean  monitor;
  guint     index;     /* port.id: order within the node and direction */
  char     *name;
  char     *alias;     /* node.name:port.name */
} Port;

typedef struct _Direction Direction;

typedef struct
{
  Direction        *dir;
  struct pw_proxy  *proxy;
  struct spa_hook   hook;
  guint32           out_port;
  guint32           in_port;
  guint32           global;   /* the link's id once the daemon made it */
  gboolean          removed;
} Link;

struct _Direction
{
  JnPwLinks        *self;
  JnAudioLinkKind   kind;
  const char       *want;      /* NULL: nothing asked */
  GPtrArray        *links;     /* Link */
  char             *target;    /* description of what is linked */
  /* shared with readers, under self->lock */
  JnAudioLinkState  state;
  char             *detail;
};

struct _JnPwLinks
{
  struct pw_core     *core;
  struct pw_registry *registry;
  struct spa_hook     registry_hook;
  struct spa_hook     core_hook;
  struct pw_metadata *metadata;
  struct spa_hook     metadata_hook;
  guint32             node_id;
  GHashTable         *nodes;   /* id -> Node */
  GHashTable         *ports;   /* id -> Port */
  char               *default_sink;
  char               *default_source;
  int                 sync_seq;
  char               *connect[JN_AUDIO_N_LINKS];
  Direction           dirs[JN_AUDIO_N_LINKS];
  GMutex              lock;
};

static void
node_free (gpointer data)
{
  Node *node = data;

  g_free (node->name);
  g_free (node->description);
  g_free (node->media_class);
  g_free (node);
}

static void
port_free (gpointer data)
{
  Port *port = data;

  g_free (port->name);
  g_free (port->alias);
  g_free (port);
}

gboolean
jn_pw_port_parse (const struct spa_dict *props,
                  guint32               *node_id,
                  gboolean              *out,
                  gboolean              *midi)
{
  const char *node = spa_dict_lookup (props, PW_KEY_NODE_ID);
  const char *direction = spa_dict_lookup (props, PW_KEY_PORT_DIRECTION);
  const char *format = spa_dict_lookup (props, PW_KEY_FORMAT_DSP);

  if (node == NULL || direction == NULL || format == NULL ||
      (strstr (format, "audio") == NULL && strstr (format, "midi") == NULL))
    return FALSE;
  *node_id = (guint32) g_ascii_strtoull (node, NULL, 10);
  *out = g_str_equal (direction, "out");
  *midi = strstr (format, "midi") != NULL;
  return TRUE;
}

char *
jn_pw_port_name (const struct spa_dict *props,
                 const char            *node_name)
{
  const char *alias = spa_dict_lookup (props, PW_KEY_PORT_ALIAS);
  const char *name = spa_dict_lookup (props, PW_KEY_PORT_NAME);

  if (alias != NULL && *alias != '\0')
    return g_strdup (alias);
  return g_strdup_printf ("%s:%s", node_name ? node_name : "", name ? name : "");
}

const char *
jn_pw_own_object_path (void)
{
  static char path[32];
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_snprintf (path, sizeof path, "jamnet:%08x%08x", g_random_int (), g_random_int ());
      g_once_init_leave (&done, 1);
    }
  return path;
}

static void
set_state (Direction        *dir,
           JnAudioLinkState  state,
           const char       *detail)
{
  g_mutex_lock (&dir->self->lock);
  dir->state = state;
  if (g_strcmp0 (dir->detail, detail) != 0)
    {
      g_free (dir->detail);
      dir->detail = g_strdup (detail);
    }
  g_mutex_unlock (&dir->self->lock);
}

/* --- links we made ---------------------------------------------------- */

static void
update_linked_state (Direction *dir)
{
  gboolean all_bound = dir->links->len > 0;

  for (guint i = 0; i < dir->links->len; i++)
    {
      Link *link = g_ptr_array_index (dir->links, i);

      if (link->global == 0)
        all_bound = FALSE;
    }
  /* a failure stays until the links are made again */
  if (all_bound && dir->state != JN_AUDIO_LINK_FAILED)
    set_state (dir, JN_AUDIO_LINK_LINKED, dir->target);
}

static void
on_link_bound (void     *data,
               uint32_t  global_id)
{
  Link *link = data;

  link->global = global_id;
  update_linked_state (link->dir);
}

static void
on_link_removed (void *data)
{
  Link *link = data;

  /* the daemon took it down (a port went): looked at again on the next sync */
  link->removed = TRUE;
}

static void
on_link_error (void       *data,
               int         seq,
               int         res,
               const char *message)
{
  Link *link = data;
  g_autofree char *why = g_strdup_printf ("%s: %s", link->dir->target ? link->dir->target : "",
                                          message ? message : g_strerror (-res));

  g_warning ("PipeWire refused a link for JamNet: %s", why);
  set_state (link->dir, JN_AUDIO_LINK_FAILED, why);
}

static const struct pw_proxy_events link_events = {
  PW_VERSION_PROXY_EVENTS,
  .bound = on_link_bound,
  .removed = on_link_removed,
  .error = on_link_error,
};

static void
link_free (gpointer data)
{
  Link *link = data;

  spa_hook_remove (&link->hook);
  /* ours and not lingering: destroying the proxy takes the link down */
  pw_proxy_destroy (link->proxy);
  g_free (link);
}

static Link *
link_new (Direction *dir,
          guint32    out_port,
          guint32    in_port)
{
  JnPwLinks *self = dir->self;
  Port *out = g_hash_table_lookup (self->ports, GUINT_TO_POINTER (out_port));
  Port *in = g_hash_table_lookup (self->ports, GUINT_TO_POINTER (in_port));
  struct pw_properties *props = pw_properties_new (PW_KEY_OBJECT_LINGER, "false", NULL);
  Link *link;
  struct pw_proxy *proxy;

  pw_properties_setf (props, PW_KEY_LINK_OUTPUT_NODE, "%u", out->node_id);
  pw_properties_setf (props, PW_KEY_LINK_OUTPUT_PORT, "%u", out_port);
  pw_properties_setf (props, PW_KEY_LINK_INPUT_NODE, "%u", in->node_id);
  pw_properties_setf (props, PW_KEY_LINK_INPUT_PORT, "%u", in_port);
  proxy = pw_core_create_object (self->core, "link-factory", PW_TYPE_INTERFACE_Link, PW_VERSION_LINK,
                                 &props->dict, 0);
  pw_properties_free (props);
  if (proxy == NULL)
    return NULL;
  link = g_new0 (Link, 1);
  link->dir = dir;
  link->proxy = proxy;
  link->out_port = out_port;
  link->in_port = in_port;
  pw_proxy_add_listener (proxy, &link->hook, &link_events, link);
  return link;
}

/* --- what should be linked --------------------------------------------- */

static gint
compare_ports (gconstpointer a,
               gconstpointer b)
{
  const Port *pa = *(Port * const *) a, *pb = *(Port * const *) b;

  if (pa->index != pb->index)
    return pa->index < pb->index ? -1 : 1;
  return pa->id < pb->id ? -1 : pa->id > pb->id;
}

/* A node's ports of one direction and kind, in port order; monitor: TRUE
 * only monitors, FALSE none, -1 either. */
static GPtrArray *
node_ports (JnPwLinks *self,
            guint32    node_id,
            gboolean   out,
            gboolean   midi,
            int        monitor)
{
  GPtrArray *ports = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->ports);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Port *port = value;

      if (port->node_id == node_id && port->out == out && port->midi == midi &&
          (monitor < 0 || port->monitor == monitor))
        g_ptr_array_add (ports, port);
    }
  g_ptr_array_sort (ports, compare_ports);
  return ports;
}

static Node *
find_node (JnPwLinks  *self,
           const char *name)
{
  GHashTableIter iter;
  gpointer value;

  if (name == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Node *node = value;

      if (node->id != self->node_id && g_strcmp0 (node->name, name) == 0)
        return node;
    }
  return NULL;
}

static Port *
find_port (JnPwLinks  *self,
           const char *alias)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->ports);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Port *port = value;

      if (port->node_id != self->node_id && g_strcmp0 (port->alias, alias) == 0)
        return port;
    }
  return NULL;
}

static void
add_pair (GArray  *pairs,
          guint32  out_port,
          guint32  in_port)
{
  guint32 pair[2] = { out_port, in_port };

  if (pairs->len < MAX_LINKS)
    g_array_append_val (pairs, pair);
}

/* The port pairs this direction wants now, and a description of the
 * target; an empty array: the target (or its ports, or ours) is not there. */
static GArray *
wanted_pairs (Direction  *dir,
              char      **target)
{
  JnPwLinks *self = dir->self;
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (guint32[2]));
  gboolean midi = dir->kind == JN_AUDIO_LINK_MIDI_INPUT || dir->kind == JN_AUDIO_LINK_MIDI_OUTPUT;
  gboolean into_us = dir->kind == JN_AUDIO_LINK_INPUT || dir->kind == JN_AUDIO_LINK_MIDI_INPUT;
  g_autoptr(GPtrArray) ours = node_ports (self, self->node_id, !into_us, midi, -1);
  g_autoptr(GPtrArray) theirs = NULL;
  const char *name = dir->want;
  Node *node;

  *target = NULL;
  if (!midi && g_str_equal (name, "default"))
    {
      name = into_us ? self->default_source : self->default_sink;
      node = find_node (self, name);
      /* with no source at all, the session manager names a sink's monitor
       * as the default source: everyone's audio would go back to them */
      if (into_us && node != NULL && g_strcmp0 (node->media_class, "Audio/Sink") == 0)
        node = NULL;
    }
  else
    node = find_node (self, name);

  if (midi && node == NULL)
    {
      /* one port, by the name pw-link shows */
      Port *port = find_port (self, name);

      theirs = g_ptr_array_new ();
      if (port != NULL && port->midi && port->out == into_us)
        {
          g_ptr_array_add (theirs, port);
          *target = g_strdup (port->name);
        }
    }
  else if (node != NULL)
    {
      theirs = node_ports (self, node->id, into_us, midi, midi ? -1 : FALSE);
      /* a sink picked as the source: what is played into it */
      if (!midi && into_us && theirs->len == 0)
        {
          g_ptr_array_unref (theirs);
          theirs = node_ports (self, node->id, TRUE, FALSE, TRUE);
        }
      *target = g_strdup (node->description ? node->description : node->name);
    }
  else
    theirs = g_ptr_array_new ();

  if (ours->len == 0 || theirs->len == 0)
    return pairs;

  if (midi)
    for (guint i = 0; i < theirs->len; i++)
      {
        Port *port = g_ptr_array_index (theirs, i);
        Port *us = g_ptr_array_index (ours, 0);

        if (into_us)
          add_pair (pairs, port->id, us->id);
        else
          add_pair (pairs, us->id, port->id);
      }
  else if (into_us)
    for (guint c = 0; c < ours->len; c++)
      add_pair (pairs, ((Port *) g_ptr_array_index (theirs, c % theirs->len))->id,
                ((Port *) g_ptr_array_index (ours, c))->id);
  else
    for (guint s = 0; s < theirs->len; s++)
      add_pair (pairs, ((Port *) g_ptr_array_index (ours, s % ours->len))->id,
                ((Port *) g_ptr_array_index (theirs, s))->id);
  return pairs;
}

static gboolean
same_links (Direction *dir,
            GArray    *pairs)
{
  if (pairs->len != dir->links->len)
    return FALSE;
  for (guint i = 0; i < pairs->len; i++)
    {
      Link *link = g_ptr_array_index (dir->links, i);
      guint32 *pair = &g_array_index (pairs, guint32, 2 * i);

      if (link->removed || link->out_port != pair[0] || link->in_port != pair[1])
        return FALSE;
    }
  return TRUE;
}

static void
relink (Direction *dir)
{
  g_autofree char *target = NULL;
  g_autoptr(GArray) pairs = NULL;

  if (dir->want == NULL)
    return;
  pairs = wanted_pairs (dir, &target);
  if (same_links (dir, pairs))
    return;

  g_ptr_array_set_size (dir->links, 0);
  g_free (dir->target);
  dir->target = g_steal_pointer (&target);
  if (pairs->len == 0)
    {
      /* the default, or the device, is not there (yet) */
      set_state (dir, JN_AUDIO_LINK_WAITING,
                 dir->target ? dir->target : dir->want);
      return;
    }
  set_state (dir, JN_AUDIO_LINK_WAITING, dir->target);
  for (guint i = 0; i < pairs->len; i++)
    {
      guint32 *pair = &g_array_index (pairs, guint32, 2 * i);
      Link *link = link_new (dir, pair[0], pair[1]);

      if (link == NULL)
        {
          set_state (dir, JN_AUDIO_LINK_FAILED, dir->target);
          return;
        }
      g_ptr_array_add (dir->links, link);
    }
}

/* --- the registry and the default devices ------------------------------- */

static void
resync (JnPwLinks *self)
{
  self->sync_seq = pw_core_sync (self->core, PW_ID_CORE, self->sync_seq);
}

static void
on_core_done (void     *data,
              uint32_t  id,
              int       seq)
{
  JnPwLinks *self = data;

  if (id != PW_ID_CORE || seq != self->sync_seq)
    return;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    relink (&self->dirs[k]);
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .done = on_core_done,
};

/* {"name":"alsa_output.pci-0000_00_1f.3.analog-stereo"} */
static char *
json_name (const char *value)
{
  struct spa_json it[2];
  char key[64], name[512];

  if (value == NULL)
    return NULL;
  spa_json_init (&it[0], value, strlen (value));
  if (spa_json_enter_object (&it[0], &it[1]) <= 0)
    return NULL;
  while (spa_json_get_string (&it[1], key, sizeof key) > 0)
    {
      const char *skip;

      if (g_str_equal (key, "name"))
        return spa_json_get_string (&it[1], name, sizeof name) > 0 ? g_strdup (name) : NULL;
      if (spa_json_next (&it[1], &skip) <= 0)
        break;
    }
  return NULL;
}

static int
on_metadata_property (void       *data,
                      uint32_t    subject,
                      const char *key,
                      const char *type,
                      const char *value)
{
  JnPwLinks *self = data;

  if (subject != PW_ID_CORE)
    return 0;
  if (key == NULL)
    {
      g_clear_pointer (&self->default_sink, g_free);
      g_clear_pointer (&self->default_source, g_free);
    }
  else if (g_str_equal (key, "default.audio.sink"))
    {
      g_free (self->default_sink);
      self->default_sink = json_name (value);
    }
  else if (g_str_equal (key, "default.audio.source"))
    {
      g_free (self->default_source);
      self->default_source = json_name (value);
    }
  else
    return 0;
  resync (self);
  return 0;
}

static const struct pw_metadata_events metadata_events = {
  PW_VERSION_METADATA_EVENTS,
  .property = on_metadata_property,
};

static void
on_global (void                  *data,
           uint32_t               id,
           uint32_t               permissions,
           const char            *type,
           uint32_t               version,
           const struct spa_dict *props)
{
  JnPwLinks *self = data;

  if (props == NULL)
    return;
  if (g_str_equal (type, PW_TYPE_INTERFACE_Node))
    {
      Node *node = g_new0 (Node, 1);

      node->id = id;
      node->name = g_strdup (spa_dict_lookup (props, PW_KEY_NODE_NAME));
      node->description = g_strdup (spa_dict_lookup (props, PW_KEY_NODE_DESCRIPTION));
      node->media_class = g_strdup (spa_dict_lookup (props, PW_KEY_MEDIA_CLASS));
      g_hash_table_replace (self->nodes, GUINT_TO_POINTER (id), node);
    }
  else if (g_str_equal (type, PW_TYPE_INTERFACE_Port))
    {
      const char *index = spa_dict_lookup (props, PW_KEY_PORT_ID);
      const char *monitor = spa_dict_lookup (props, PW_KEY_PORT_MONITOR);
      guint32 node_id;
      gboolean out, midi;
      Node *node;
      Port *port;

      /* only ports we understand: audio or MIDI, with a node and a direction */
      if (!jn_pw_port_parse (props, &node_id, &out, &midi))
        return;
      port = g_new0 (Port, 1);
      port->id = id;
      port->node_id = node_id;
      port->out = out;
      port->midi = midi;
      port->monitor = g_strcmp0 (monitor, "true") == 0;
      port->index = index ? (guint) g_ascii_strtoull (index, NULL, 10) : 0;
      port->name = g_strdup (spa_dict_lookup (props, PW_KEY_PORT_NAME));
      node = g_hash_table_lookup (self->nodes, GUINT_TO_POINTER (port->node_id));
      port->alias = jn_pw_port_name (props, node ? node->name : NULL);
      g_hash_table_replace (self->ports, GUINT_TO_POINTER (id), port);
    }
  else if (g_str_equal (type, PW_TYPE_INTERFACE_Metadata) && self->metadata == NULL &&
           g_strcmp0 (spa_dict_lookup (props, PW_KEY_METADATA_NAME), "default") == 0)
    {
      self->metadata = pw_registry_bind (self->registry, id, PW_TYPE_INTERFACE_Metadata,
                                         PW_VERSION_METADATA, 0);
      if (self->metadata != NULL)
        pw_metadata_add_listener (self->metadata, &self->metadata_hook, &metadata_events, self);
    }
  else
    return;
  resync (self);
}

static void
on_global_remove (void     *data,
                  uint32_t  id)
{
  JnPwLinks *self = data;

  if (g_hash_table_remove (self->nodes, GUINT_TO_POINTER (id)) ||
      g_hash_table_remove (self->ports, GUINT_TO_POINTER (id)))
    resync (self);
}

static const struct pw_registry_events registry_events = {
  PW_VERSION_REGISTRY_EVENTS,
  .global = on_global,
  .global_remove = on_global_remove,
};

JnPwLinks *
jn_pw_links_new (struct pw_core     *core,
                 guint32             node_id,
                 const char * const *connect)
{
  JnPwLinks *self = g_new0 (JnPwLinks, 1);

  g_mutex_init (&self->lock);
  self->core = core;
  self->node_id = node_id;
  self->nodes = g_hash_table_new_full (NULL, NULL, NULL, node_free);
  self->ports = g_hash_table_new_full (NULL, NULL, NULL, port_free);
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      Direction *dir = &self->dirs[k];

      self->connect[k] = connect[k] && *connect[k] ? g_strdup (connect[k]) : NULL;
      dir->self = self;
      dir->kind = k;
      dir->want = self->connect[k];
      dir->links = g_ptr_array_new_with_free_func (link_free);
      dir->state = dir->want ? JN_AUDIO_LINK_WAITING : JN_AUDIO_LINK_UNCONNECTED;
      dir->detail = g_strdup (dir->want);
    }
  pw_core_add_listener (core, &self->core_hook, &core_events, self);
  self->registry = pw_core_get_registry (core, PW_VERSION_REGISTRY, 0);
  pw_registry_add_listener (self->registry, &self->registry_hook, &registry_events, self);
  return self;
}

void
jn_pw_links_free (JnPwLinks *self)
{
  if (self == NULL)
    return;
  for (guint k = 0; k < JN_AUDIO_N_LINKS; k++)
    {
      g_ptr_array_unref (self->dirs[k].links);
      g_free (self->dirs[k].target);
      g_free (self->dirs[k].detail);
      g_free (self->connect[k]);
    }
  if (self->metadata != NULL)
    {
      spa_hook_remove (&self->metadata_hook);
      pw_proxy_destroy ((struct pw_proxy *) self->metadata);
    }
  spa_hook_remove (&self->registry_hook);
  pw_proxy_destroy ((struct pw_proxy *) self->registry);
  spa_hook_remove (&self->core_hook);
  g_hash_table_unref (self->nodes);
  g_hash_table_unref (self->ports);
  g_free (self->default_sink);
  g_free (self->default_source);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
jn_pw_links_set_connect (JnPwLinks       *self,
                         JnAudioLinkKind  kind,
                         const char      *connect)
{
  Direction *dir;

  g_return_if_fail (kind < JN_AUDIO_N_LINKS);

  dir = &self->dirs[kind];
  if (g_strcmp0 (self->connect[kind], connect && *connect ? connect : NULL) == 0)
    return;
  /* ours go at once; the new ones are made after the next sync, as for a
   * device plugged in */
  g_ptr_array_set_size (dir->links, 0);
  g_clear_pointer (&dir->target, g_free);
  g_free (self->connect[kind]);
  self->connect[kind] = connect && *connect ? g_strdup (connect) : NULL;
  dir->want = self->connect[kind];
  set_state (dir, dir->want ? JN_AUDIO_LINK_WAITING : JN_AUDIO_LINK_UNCONNECTED, dir->want);
  if (dir->want != NULL)
    resync (self);
}

JnAudioLinkState
jn_pw_links_get (JnPwLinks        *self,
                 JnAudioLinkKind   kind,
                 char            **detail)
{
  JnAudioLinkState state;

  g_mutex_lock (&self->lock);
  state = self->dirs[kind].state;
  if (detail != NULL)
    *detail = g_strdup (self->dirs[kind].detail);
  g_mutex_unlock (&self->lock);
  return state;
}
