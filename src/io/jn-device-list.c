/* jn-device-list.c: PipeWire's registry as a GListModel
 *
 * The registry listener runs on a pw_thread_loop; every node that is an
 * audio source or sink, and every MIDI port (but those of this process's
 * own nodes), is handed (copied) to the owner's main context, which updates a GListStore, so a GTK list bound to
 * it updates by itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-device-list"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "jn-audio.h"
#include "jn-device-list.h"

struct _JnDevice
{
  GObject      parent_instance;
  guint32      id;
  char        *name;
  char        *description;
  JnDeviceKind kind;
};

G_DEFINE_FINAL_TYPE (JnDevice, jn_device, G_TYPE_OBJECT)

static void
jn_device_finalize (GObject *object)
{
  JnDevice *self = JN_DEVICE (object);

  g_free (self->name);
  g_free (self->description);
  G_OBJECT_CLASS (jn_device_parent_class)->finalize (object);
}

static void
jn_device_class_init (JnDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_device_finalize;
}

static void
jn_device_init (JnDevice *self)
{
}

const char *
jn_device_get_name (JnDevice *self)
{
  g_return_val_if_fail (JN_IS_DEVICE (self), NULL);
  return self->name;
}

const char *
jn_device_get_description (JnDevice *self)
{
  g_return_val_if_fail (JN_IS_DEVICE (self), NULL);
  return self->description;
}

JnDeviceKind
jn_device_get_kind (JnDevice *self)
{
  g_return_val_if_fail (JN_IS_DEVICE (self), 0);
  return self->kind;
}

guint32
jn_device_get_id (JnDevice *self)
{
  g_return_val_if_fail (JN_IS_DEVICE (self), 0);
  return self->id;
}

#ifdef JN_HAVE_PIPEWIRE
#include <pipewire/pipewire.h>

#include "jn-pw-links.h"

typedef struct
{
  char     *name;
  char     *description;
  gboolean  bridge;   /* Midi/Bridge: its port names say it all */
  gboolean  ours;
} NodeInfo;

static void
node_info_free (gpointer data)
{
  NodeInfo *info = data;

  g_free (info->name);
  g_free (info->description);
  g_free (info);
}

struct _JnDeviceList
{
  GObject                parent_instance;
  GListStore            *store;
  GMainContext          *context;
  struct pw_thread_loop *loop;
  struct pw_context     *pw_context;
  struct pw_core        *core;
  struct pw_registry    *registry;
  struct spa_hook        registry_listener;
  struct spa_hook        core_listener;
  int                    sync_seq;
  gboolean               ready;
  GHashTable            *nodes;      /* id -> NodeInfo, on the loop's thread */
  GWeakRef              *self_ref;   /* an atomic RC box, shared with pending idles */
};

static void jn_device_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JnDeviceList, jn_device_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, jn_device_list_model_init))

static GType
model_get_item_type (GListModel *model)
{
  return JN_TYPE_DEVICE;
}

static guint
model_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (JN_DEVICE_LIST (model)->store));
}

static gpointer
model_get_item (GListModel *model,
                guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (JN_DEVICE_LIST (model)->store), position);
}

static void
jn_device_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = model_get_item_type;
  iface->get_n_items = model_get_n_items;
  iface->get_item = model_get_item;
}

typedef struct
{
  GWeakRef *self_ref;
  JnDevice *added;      /* or NULL */
  guint32   removed_id;
  gboolean  ready;      /* or: the first roundtrip is done */
} Change;

static gboolean
apply_change (gpointer data)
{
  Change *change = data;
  g_autoptr(JnDeviceList) self = g_weak_ref_get (change->self_ref);

  if (self != NULL && change->ready)
    self->ready = TRUE;
  else if (self != NULL)
    {
      guint32 id = change->added ? change->added->id : change->removed_id;

      /* one entry per id: a re-announced node replaces the old one */
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
        {
          g_autoptr(JnDevice) device = g_list_model_get_item (G_LIST_MODEL (self->store), i);

          if (device->id == id)
            {
              g_list_store_remove (self->store, i);
              break;
            }
        }
      if (change->added != NULL)
        g_list_store_append (self->store, change->added);
    }
  g_clear_object (&change->added);
  g_atomic_rc_box_release_full (change->self_ref, (GDestroyNotify) g_weak_ref_clear);
  g_free (change);
  return G_SOURCE_REMOVE;
}

static void
post (JnDeviceList *self,
      Change       *change)
{
  /* always an idle on the owner's context: g_main_context_invoke() would
   * run it right here, on PipeWire's thread, whenever it could acquire a
   * context nobody is iterating at the moment */
  GSource *idle = g_idle_source_new ();

  change->self_ref = g_atomic_rc_box_acquire (self->self_ref);
  g_source_set_callback (idle, apply_change, change, NULL);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
}

static void
add_device (JnDeviceList *self,
            guint32       id,
            JnDeviceKind  kind,
            const char   *name,
            const char   *description)
{
  Change *change = g_new0 (Change, 1);

  change->added = g_object_new (JN_TYPE_DEVICE, NULL);
  change->added->id = id;
  change->added->kind = kind;
  change->added->name = g_strdup (name ? name : "");
  change->added->description = g_strdup (description ? description : name ? name : "");
  post (self, change);
}

static void
on_node (JnDeviceList          *self,
         uint32_t               id,
         const struct spa_dict *props)
{
  const char *media_class = spa_dict_lookup (props, PW_KEY_MEDIA_CLASS);
  const char *name = spa_dict_lookup (props, PW_KEY_NODE_NAME);
  const char *description = spa_dict_lookup (props, PW_KEY_NODE_DESCRIPTION);
  NodeInfo *info = g_new0 (NodeInfo, 1);

  info->name = g_strdup (name ? name : "");
  info->description = g_strdup (description ? description : info->name);
  info->bridge = g_strcmp0 (media_class, "Midi/Bridge") == 0;
  info->ours = g_strcmp0 (spa_dict_lookup (props, PW_KEY_OBJECT_PATH), jn_pw_own_object_path ()) == 0;
  g_hash_table_replace (self->nodes, GUINT_TO_POINTER (id), info);

  if (media_class == NULL || info->ours)
    return;
  if (g_str_has_prefix (media_class, "Audio/Source"))
    add_device (self, id, JN_DEVICE_AUDIO_INPUT, name, description);
  else if (g_str_has_prefix (media_class, "Audio/Sink"))
    add_device (self, id, JN_DEVICE_AUDIO_OUTPUT, name, description);
}

static void
on_port (JnDeviceList          *self,
         uint32_t               id,
         const struct spa_dict *props)
{
  const char *port_name = spa_dict_lookup (props, PW_KEY_PORT_NAME);
  g_autofree char *name = NULL, *description = NULL;
  guint32 node_id;
  gboolean out, midi;
  NodeInfo *node;

  if (!jn_pw_port_parse (props, &node_id, &out, &midi) || !midi)
    return;
  node = g_hash_table_lookup (self->nodes, GUINT_TO_POINTER (node_id));
  if (node == NULL || node->ours)
    return;
  name = jn_pw_port_name (props, node->name);
  description = node->bridge || port_name == NULL ? g_strdup (port_name ? port_name : name)
                                                  : g_strdup_printf ("%s: %s", node->description, port_name);
  /* a port that sends MIDI is an input for us */
  add_device (self, id, out ? JN_DEVICE_MIDI_INPUT : JN_DEVICE_MIDI_OUTPUT, name, description);
}

static void
on_global (void                  *data,
           uint32_t               id,
           uint32_t               permissions,
           const char            *type,
           uint32_t               version,
           const struct spa_dict *props)
{
  JnDeviceList *self = data;

  if (props == NULL)
    return;
  if (g_strcmp0 (type, PW_TYPE_INTERFACE_Node) == 0)
    on_node (self, id, props);
  else if (g_strcmp0 (type, PW_TYPE_INTERFACE_Port) == 0)
    on_port (self, id, props);
}

static void
on_global_remove (void     *data,
                  uint32_t  id)
{
  JnDeviceList *self = data;
  Change *change = g_new0 (Change, 1);

  g_hash_table_remove (self->nodes, GUINT_TO_POINTER (id));
  change->removed_id = id;
  post (self, change);
}

static const struct pw_registry_events registry_events = {
  PW_VERSION_REGISTRY_EVENTS,
  .global = on_global,
  .global_remove = on_global_remove,
};

static void
on_core_done (void     *data,
              uint32_t  id,
              int       seq)
{
  JnDeviceList *self = data;
  Change *change;

  if (id != PW_ID_CORE || seq != self->sync_seq)
    return;
  change = g_new0 (Change, 1);
  change->ready = TRUE;
  post (self, change);
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .done = on_core_done,
};

static void
jn_device_list_finalize (GObject *object)
{
  JnDeviceList *self = JN_DEVICE_LIST (object);

  if (self->loop != NULL)
    pw_thread_loop_stop (self->loop);
  if (self->registry != NULL)
    {
      spa_hook_remove (&self->registry_listener);
      pw_proxy_destroy ((struct pw_proxy *) self->registry);
    }
  if (self->core != NULL)
    {
      spa_hook_remove (&self->core_listener);
      pw_core_disconnect (self->core);
    }
  if (self->pw_context != NULL)
    pw_context_destroy (self->pw_context);
  if (self->loop != NULL)
    pw_thread_loop_destroy (self->loop);
  /* changes still queued keep the box; they find the weak ref empty */
  g_atomic_rc_box_release_full (self->self_ref, (GDestroyNotify) g_weak_ref_clear);
  g_clear_object (&self->store);
  g_hash_table_unref (self->nodes);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (jn_device_list_parent_class)->finalize (object);
}

static void
jn_device_list_class_init (JnDeviceListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jn_device_list_finalize;
}

static void
jn_device_list_init (JnDeviceList *self)
{
  self->store = g_list_store_new (JN_TYPE_DEVICE);
  self->nodes = g_hash_table_new_full (NULL, NULL, NULL, node_info_free);
  self->context = g_main_context_ref_thread_default ();
  self->self_ref = g_atomic_rc_box_new0 (GWeakRef);
  g_weak_ref_init (self->self_ref, self);
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (g_list_model_items_changed),
                           self, G_CONNECT_SWAPPED);
}

JnDeviceList *
jn_device_list_new (GError **error)
{
  g_autoptr(JnDeviceList) self = g_object_new (JN_TYPE_DEVICE_LIST, NULL);

  pw_init (NULL, NULL);
  self->loop = pw_thread_loop_new ("jn-devices", NULL);
  if (self->loop == NULL)
    goto fail;
  self->pw_context = pw_context_new (pw_thread_loop_get_loop (self->loop), NULL, 0);
  if (self->pw_context == NULL)
    goto fail;
  self->core = pw_context_connect (self->pw_context, NULL, 0);
  if (self->core == NULL)
    goto fail;
  self->registry = pw_core_get_registry (self->core, PW_VERSION_REGISTRY, 0);
  pw_registry_add_listener (self->registry, &self->registry_listener, &registry_events, self);
  pw_core_add_listener (self->core, &self->core_listener, &core_events, self);
  /* its answer comes after every global the daemon had */
  self->sync_seq = pw_core_sync (self->core, PW_ID_CORE, 0);
  if (pw_thread_loop_start (self->loop) < 0)
    goto fail;
  return g_steal_pointer (&self);

fail:
  g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_SERVER,
               _("No PipeWire daemon answers, so there is no list of devices"));
  return NULL;
}

gboolean
jn_device_list_is_ready (JnDeviceList *self)
{
  g_return_val_if_fail (JN_IS_DEVICE_LIST (self), FALSE);
  return self->ready;
}

#else /* no PipeWire */

struct _JnDeviceList
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (JnDeviceList, jn_device_list, G_TYPE_OBJECT)

static void
jn_device_list_class_init (JnDeviceListClass *klass)
{
}

static void
jn_device_list_init (JnDeviceList *self)
{
}

JnDeviceList *
jn_device_list_new (GError **error)
{
  g_set_error (error, JN_AUDIO_ERROR, JN_AUDIO_ERROR_NO_SERVER,
               _("This JamNet was built without PipeWire, so there is no list of devices"));
  return NULL;
}

gboolean
jn_device_list_is_ready (JnDeviceList *self)
{
  return FALSE;
}

#endif
