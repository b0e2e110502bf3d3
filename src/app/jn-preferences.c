/* jn-preferences.c: every row is bound to its GSettings key; a change
 * applies to the next session hosted or joined.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "jn-client.h"
#include "jn-control.h"
#include "jn-device-list.h"
#include "jn-preferences.h"

/* combo rows: the index of a string list <-> an enum nick or a number */
typedef struct
{
  const char *const *nicks;    /* for enum keys */
  const guint       *numbers;  /* for "u" keys */
  guint              n;
} Choices;

static gboolean
choice_get (GValue *value, GVariant *variant, gpointer user_data)
{
  const Choices *c = user_data;

  for (guint i = 0; i < c->n; i++)
    if ((c->nicks != NULL && g_str_equal (g_variant_get_string (variant, NULL), c->nicks[i])) ||
        (c->numbers != NULL && g_variant_get_uint32 (variant) == c->numbers[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
choice_set (const GValue *value, const GVariantType *type, gpointer user_data)
{
  const Choices *c = user_data;
  guint i = g_value_get_uint (value);

  if (i >= c->n)
    return NULL;
  return c->nicks != NULL ? g_variant_new_string (c->nicks[i]) : g_variant_new_uint32 (c->numbers[i]);
}

static GtkWidget *
combo_row (GSettings *settings, const char *key, const char *title, const char *subtitle,
           const char *const *labels, const Choices *choices)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (labels);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  g_settings_bind_with_mapping (settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_get, choice_set, (gpointer) choices, NULL);
  return row;
}

/* A device row: a combo of "System default" (audio), "None", the devices
 * of one kind PipeWire has now, and the saved choice when it is not
 * plugged in; rebuilt when devices come and go or the key changes. */
typedef struct
{
  GSettings    *settings;
  char         *key;
  JnDeviceList *list;       /* or NULL: no PipeWire */
  JnDeviceKind  kind;
  GPtrArray    *values;     /* the key's value for each entry */
  gboolean      updating;   /* the row is being rebuilt */
  gboolean      writing;    /* the key is being set from the row */
  guint         idle_id;
} DeviceRow;

static void
device_row_free (gpointer data)
{
  DeviceRow *dr = data;

  g_clear_handle_id (&dr->idle_id, g_source_remove);
  g_object_unref (dr->settings);
  g_clear_object (&dr->list);
  g_ptr_array_unref (dr->values);
  g_free (dr->key);
  g_free (dr);
}

static void device_row_refresh (AdwComboRow *row);

static gboolean
device_row_refresh_idle (gpointer data)
{
  AdwComboRow *row = data;
  DeviceRow *dr = g_object_get_data (G_OBJECT (row), "jn-device-row");

  dr->idle_id = 0;
  device_row_refresh (row);
  return G_SOURCE_REMOVE;
}

static void
device_row_refresh (AdwComboRow *row)
{
  DeviceRow *dr = g_object_get_data (G_OBJECT (row), "jn-device-row");
  g_autofree char *current = NULL;
  g_autoptr(GtkStringList) labels = NULL;
  gboolean audio = dr->kind == JN_DEVICE_AUDIO_INPUT || dr->kind == JN_DEVICE_AUDIO_OUTPUT;
  guint selected = GTK_INVALID_LIST_POSITION;

  /* the key changed because the selection did: the row's model must not be
   * replaced while it is still handing out that selection */
  if (dr->writing)
    {
      if (dr->idle_id == 0)
        dr->idle_id = g_idle_add (device_row_refresh_idle, row);
      return;
    }
  current = g_settings_get_string (dr->settings, dr->key);
  labels = gtk_string_list_new (NULL);
  g_ptr_array_set_size (dr->values, 0);
  if (audio)
    {
      gtk_string_list_append (labels, _("System default"));
      g_ptr_array_add (dr->values, g_strdup ("default"));
    }
  gtk_string_list_append (labels, _("None"));
  g_ptr_array_add (dr->values, g_strdup (""));
  for (guint i = 0; dr->list != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (dr->list)); i++)
    {
      g_autoptr(JnDevice) device = g_list_model_get_item (G_LIST_MODEL (dr->list), i);

      if (jn_device_get_kind (device) != dr->kind)
        continue;
      gtk_string_list_append (labels, jn_device_get_description (device));
      g_ptr_array_add (dr->values, g_strdup (jn_device_get_name (device)));
    }
  for (guint i = 0; i < dr->values->len; i++)
    if (g_str_equal (g_ptr_array_index (dr->values, i), current))
      selected = i;
  if (selected == GTK_INVALID_LIST_POSITION)
    {
      /* chosen before, not plugged in now: kept, and linked when it is */
      g_autofree char *label = g_strdup_printf (_("%s (not connected now)"), current);

      gtk_string_list_append (labels, label);
      g_ptr_array_add (dr->values, g_strdup (current));
      selected = dr->values->len - 1;
    }
  dr->updating = TRUE;
  adw_combo_row_set_model (row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (row, selected);
  dr->updating = FALSE;
}

static void
on_device_selected (AdwComboRow *row)
{
  DeviceRow *dr = g_object_get_data (G_OBJECT (row), "jn-device-row");
  guint i = adw_combo_row_get_selected (row);

  if (dr->updating || i >= dr->values->len)
    return;
  dr->writing = TRUE;
  g_settings_set_string (dr->settings, dr->key, g_ptr_array_index (dr->values, i));
  dr->writing = FALSE;
}

static GtkWidget *
device_row (GSettings *settings, JnDeviceList *list, const char *key, JnDeviceKind kind, const char *title)
{
  GtkWidget *row = adw_combo_row_new ();
  DeviceRow *dr = g_new0 (DeviceRow, 1);
  g_autofree char *signal = g_strdup_printf ("changed::%s", key);

  dr->settings = g_object_ref (settings);
  dr->key = g_strdup (key);
  dr->list = list ? g_object_ref (list) : NULL;
  dr->kind = kind;
  dr->values = g_ptr_array_new_with_free_func (g_free);
  g_object_set_data_full (G_OBJECT (row), "jn-device-row", dr, device_row_free);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  device_row_refresh (ADW_COMBO_ROW (row));
  g_signal_connect (row, "notify::selected", G_CALLBACK (on_device_selected), NULL);
  g_signal_connect_object (settings, signal, G_CALLBACK (device_row_refresh), row, G_CONNECT_SWAPPED);
  if (list != NULL)
    g_signal_connect_object (list, "items-changed", G_CALLBACK (device_row_refresh), row, G_CONNECT_SWAPPED);
  return row;
}

/* --- internet servers: a list of addresses, one row each ------------------- */

static void
on_server_remove (GtkButton *button,
                  GSettings *settings)
{
  const char *server = g_object_get_data (G_OBJECT (button), "server");
  g_auto(GStrv) servers = g_settings_get_strv (settings, "servers");
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;

  for (guint i = 0; servers[i] != NULL; i++)
    if (!g_str_equal (servers[i], server))
      g_strv_builder_add (kept, servers[i]);
  result = g_strv_builder_end (kept);
  g_settings_set_strv (settings, "servers", (const char *const *) result);
}

static void
on_server_add (AdwEntryRow *entry,
               GSettings   *settings)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) servers = g_settings_get_strv (settings, "servers");
  g_autoptr(GStrvBuilder) all = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;

  if (*text == '\0')
    return;
  url = jn_session_url_normalize (text, &error);
  if (url == NULL)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (entry));

      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      if (ADW_IS_PREFERENCES_WINDOW (root))
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not a server address: try "
                                                        "host:port"), text);
          /* a toast's title is markup; what was typed is not */
          g_autofree char *escaped = g_markup_escape_text (message, -1);

          adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (escaped));
        }
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  if (g_strv_contains ((const char *const *) servers, text))
    return;
  g_strv_builder_addv (all, (const char **) servers);
  g_strv_builder_add (all, text);
  result = g_strv_builder_end (all);
  g_settings_set_strv (settings, "servers", (const char *const *) result);
}

static void
on_servers_changed (GSettings  *settings,
                    const char *key,
                    GtkWidget  *group)
{
  g_auto(GStrv) servers = g_settings_get_strv (settings, "servers");
  GPtrArray *rows = g_object_get_data (G_OBJECT (group), "rows");
  GtkWidget *entry = g_object_get_data (G_OBJECT (group), "entry");

  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), entry);
  for (guint i = 0; servers[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), servers[i]);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove this server"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Remove this server"), -1);
      g_object_set_data_full (G_OBJECT (remove), "server", g_strdup (servers[i]), g_free);
      g_signal_connect_object (remove, "clicked", G_CALLBACK (on_server_remove), settings, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_ptr_array_add (rows, row);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), entry);
}

static GtkWidget *
servers_group (GSettings *settings)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *entry = adw_entry_row_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Internet Servers"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("The session list shows the rooms these JamNet servers "
                                           "list, for playing with people who are not on your "
                                           "network."));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _("Add a server (host:port)"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (entry), TRUE);
  g_signal_connect_object (entry, "apply", G_CALLBACK (on_server_add), settings, 0);
  g_object_set_data_full (G_OBJECT (group), "rows", g_ptr_array_new (),
                          (GDestroyNotify) g_ptr_array_unref);
  /* kept while it is taken out and put back under the rows */
  g_object_set_data_full (G_OBJECT (group), "entry", g_object_ref (entry), g_object_unref);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), entry);
  g_signal_connect_object (settings, "changed::servers", G_CALLBACK (on_servers_changed), group, 0);
  on_servers_changed (settings, "servers", group);
  return group;
}

/* --- the player's own STUN server ------------------------------------------ */

static void
on_stun_apply (AdwEntryRow *entry,
               GSettings   *settings)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (*text != '\0' && !jn_ip_port_parse (text, NULL, NULL))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (entry));

      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      if (ADW_IS_PREFERENCES_WINDOW (root))
        {
          /* short, so that it is not cut: the entry shows what was typed */
          AdwToast *toast = adw_toast_new (_("A STUN server is a numeric IP:PORT"));

          adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), toast);
        }
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_settings_set_string (settings, "stun-server", text);
}

static GtkWidget *
paths_group (GSettings *settings)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *stun = adw_entry_row_new ();
  g_autofree char *current = g_settings_get_string (settings, "stun-server");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Through Your Router"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("In a server’s room JamNet finds a path to each player "
                                           "through the routers, with the STUN and TURN servers the "
                                           "room names. Name your own STUN server here if you "
                                           "prefer it."));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (stun),
                                 _("Your STUN server (IP:PORT; empty: the room’s)"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (stun), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (stun), current);
  g_signal_connect_object (stun, "apply", G_CALLBACK (on_stun_apply), settings, 0);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), stun);
  return group;
}

GtkWidget *
jn_preferences_new (GtkWindow *parent, GSettings *settings)
{
  static const char *const concealment_nicks[] = { "pnbtr", "burg", "repeat", "zero" };
  static const Choices concealment = { concealment_nicks, NULL, 4 };
  static const char *const backend_nicks[] = { "auto", "cuda", "opencl", "cpu", "off" };
  static const Choices backend = { backend_nicks, NULL, 5 };
  static const char *const redundancy_nicks[] = { "auto", "off", "one", "two", "three", "four" };
  static const Choices redundancy = { redundancy_nicks, NULL, 6 };
  static const guint frames[] = { 64, 128, 256, 512 };
  static const Choices buffer = { NULL, frames, 4 };
  const char *concealment_labels[] = { _("PNBTR (predicts the missing audio)"), _("Burg (as JackTrip)"),
                                       _("Repeat the last packet"), _("Silence"), NULL };
  const char *backend_labels[] = { _("Automatic"), _("CUDA (NVIDIA GPU)"), _("OpenCL"), _("CPU"),
                                   _("Off (fit when a gap begins)"), NULL };
  const char *redundancy_labels[] = { _("Automatic (only while others lose packets)"), _("Off"),
                                      _("1 packet back"), _("2 packets back"), _("3 packets back"),
                                      _("4 packets back"), NULL };
  const char *buffer_labels[] = { _("64 frames (1.3 ms)"), _("128 frames (2.7 ms)"),
                                  _("256 frames (5.3 ms)"), _("512 frames (10.7 ms)"), NULL };
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *you = adw_preferences_group_new ();
  GtkWidget *playing = adw_preferences_group_new ();
  GtkWidget *hosting = adw_preferences_group_new ();
  GtkWidget *name = adw_entry_row_new ();
  GtkWidget *latency = adw_action_row_new ();
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0.0, 1.0, 0.05);
  GtkWidget *midi = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 5, 1);
  GtkWidget *upload = adw_action_row_new ();
  GtkWidget *upload_spin = gtk_spin_button_new_with_range (0, 1000000, 100);
  GtkWidget *devices_page = adw_preferences_page_new ();
  GtkWidget *internet_page = adw_preferences_page_new ();
  GtkWidget *devices = adw_preferences_group_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JnDeviceList) list = jn_device_list_new (&error);

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (you), _("You"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Your name (empty: your account’s name)"));
  g_settings_bind (settings, "display-name", name, "text", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (you), name);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (playing), _("Playing"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (playing),
                                         _("The jitter buffer changes at once; the others apply to the next "
                                           "session you host or join."));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (latency), _("Jitter buffer"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (latency), _("From the lowest latency (left) to the safest (right)"));
  gtk_widget_set_size_request (scale, 200, -1);
  gtk_widget_set_valign (scale, GTK_ALIGN_CENTER);
  gtk_scale_add_mark (GTK_SCALE (scale), 0.5, GTK_POS_BOTTOM, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Jitter buffer"), -1);
  g_settings_bind (settings, "latency-safety", gtk_range_get_adjustment (GTK_RANGE (scale)), "value",
                   G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (latency), scale);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (playing), latency);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (playing),
                             combo_row (settings, "concealment", _("Loss concealment"), NULL,
                                        concealment_labels, &concealment));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (playing),
                             combo_row (settings, "pnbtr-backend", _("PNBTR runs on"),
                                        _("Where the prediction models are fitted, off the audio path"),
                                        backend_labels, &backend));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (midi), _("MIDI redundancy"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (midi), _("Each MIDI event is sent this many times"));
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_settings_bind (settings, "midi-redundancy", spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (midi), spin);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (playing), midi);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (playing),
                             combo_row (settings, "audio-redundancy", _("Audio copies against loss"),
                                        _("Each packet also carries copies of the ones before it (PCM sessions)"),
                                        redundancy_labels, &redundancy));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (upload), _("Upload limit for automatic copies"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (upload), _("kbit/s to all players together; 0: no limit"));
  gtk_widget_set_valign (upload_spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (upload_spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Upload limit for automatic copies"), -1);
  g_settings_bind (settings, "max-upload-kbps", upload_spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (upload), upload_spin);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (playing), upload);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (hosting), _("Audio"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (hosting),
                             combo_row (settings, "buffer-frames", _("Packet size when hosting"),
                                        _("Smaller is lower latency, larger is safer"),
                                        buffer_labels, &buffer));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (devices), _("Audio and MIDI Devices"));
  if (list != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (devices),
                                           _("JamNet connects itself to these through PipeWire, at once "
                                             "during a session, and again when a device is plugged back "
                                             "in. None: connect it yourself in a patchbay such as Helvum "
                                             "or qpwgraph."));
  else
    {
      /* TRANSLATORS: %s says why there is no list, e.g. "No PipeWire daemon answers…" */
      g_autofree char *text = g_strdup_printf (_("%s. Without PipeWire JamNet plays through ALSA’s default "
                                                 "device, or without sound."), error->message);

      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (devices), text);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (devices),
                             device_row (settings, list, "audio-input", JN_DEVICE_AUDIO_INPUT, _("Input")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (devices),
                             device_row (settings, list, "audio-output", JN_DEVICE_AUDIO_OUTPUT, _("Output")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (devices),
                             device_row (settings, list, "midi-input", JN_DEVICE_MIDI_INPUT, _("MIDI input")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (devices),
                             device_row (settings, list, "midi-output", JN_DEVICE_MIDI_OUTPUT,
                                         _("MIDI output (the others’ notes)")));

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");
  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (page), "general");
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (you));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (playing));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (hosting));

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (devices_page), _("Devices"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (devices_page), "audio-card-symbolic");
  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (devices_page), "devices");
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (devices_page), ADW_PREFERENCES_GROUP (devices));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (devices_page));
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (internet_page), _("Internet"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (internet_page), "network-server-symbolic");
  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (internet_page), "internet");
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (internet_page),
                            ADW_PREFERENCES_GROUP (servers_group (settings)));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (internet_page),
                            ADW_PREFERENCES_GROUP (paths_group (settings)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (internet_page));
  return window;
}
