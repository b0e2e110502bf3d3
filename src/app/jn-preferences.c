/* jn-preferences.c: every row is bound to its GSettings key; a change
 * applies to the next session hosted or joined.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-preferences"

#include "config.h"

#include <glib/gi18n.h>

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

GtkWidget *
jn_preferences_new (GtkWindow *parent, GSettings *settings)
{
  static const char *const concealment_nicks[] = { "pnbtr", "burg", "repeat", "zero" };
  static const Choices concealment = { concealment_nicks, NULL, 4 };
  static const char *const backend_nicks[] = { "auto", "cuda", "opencl", "cpu", "off" };
  static const Choices backend = { backend_nicks, NULL, 5 };
  static const guint frames[] = { 64, 128, 256, 512 };
  static const Choices buffer = { NULL, frames, 4 };
  const char *concealment_labels[] = { _("PNBTR (predicts the missing audio)"), _("Burg (as JackTrip)"),
                                       _("Repeat the last packet"), _("Silence"), NULL };
  const char *backend_labels[] = { _("Automatic"), _("CUDA (NVIDIA GPU)"), _("OpenCL"), _("CPU"),
                                   _("Off (fit when a gap begins)"), NULL };
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
  GtkWidget *audio = adw_action_row_new ();

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (you), _("You"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Your name (empty: your account’s name)"));
  g_settings_bind (settings, "display-name", name, "text", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (you), name);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (playing), _("Playing"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (playing),
                                         _("Changes apply to the next session you host or join."));
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

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (hosting), _("Audio"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (hosting),
                             combo_row (settings, "buffer-frames", _("Packet size when hosting"),
                                        _("Smaller is lower latency, larger is safer"),
                                        buffer_labels, &buffer));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (audio), _("Audio and MIDI devices"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (audio),
                               _("The app does not play audio yet: jamnet-cli --audio pipewire does, "
                                 "with ports you connect in your PipeWire patchbay."));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (hosting), audio);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (you));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (playing));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (hosting));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  return window;
}
