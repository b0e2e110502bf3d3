/* test-preferences.c: the preferences' Devices page against a real
 * PipeWire daemon (pipewire-session.sh) on a real X server (xvfb-run):
 * the rows list the daemon's devices, follow them as they come and go,
 * write what is picked to GSettings, and keep a saved device that is not
 * plugged in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "jn-preferences.h"
#include "jn-test-render.h"

static AdwComboRow *
find_row (GtkWidget *widget, const char *title)
{
  return ADW_COMBO_ROW (jn_test_find_row (widget, ADW_TYPE_COMBO_ROW, title));
}

/* the position of an entry in the row's list, or -1 */
static int
entry (AdwComboRow *row, const char *label)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), label))
      return (int) i;
  return -1;
}

static const char *
selected (AdwComboRow *row)
{
  return gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (row)),
                                     adw_combo_row_get_selected (row));
}

static gboolean
wait_entry (AdwComboRow *row, const char *label, gboolean present)
{
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  while ((entry (row, label) >= 0) != present)
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return TRUE;
}

static void
run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (process, NULL, &error));
}

static void
test_devices_page (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = jn_preferences_new (NULL, settings);
  AdwComboRow *output = find_row (window, "Output");
  AdwComboRow *input = find_row (window, "Input");
  AdwComboRow *midi_in = find_row (window, "MIDI input");
  const char *create[] = { "pw-cli", "create-node", "adapter",
                           "{ factory.name=support.null-audio-sink node.name=jamnet-pref-sink "
                           "node.description=\"Pref Speakers\" media.class=Audio/Sink "
                           "audio.position=[ FL FR ] object.linger=true }", NULL };
  const char *destroy[] = { "pw-cli", "destroy", "jamnet-pref-sink", NULL };

  g_assert_nonnull (output);
  g_assert_nonnull (input);
  g_assert_nonnull (midi_in);

  /* the defaults: the system's devices, no MIDI */
  g_assert_cmpstr (selected (output), ==, "System default");
  g_assert_cmpstr (selected (input), ==, "System default");
  g_assert_cmpstr (selected (midi_in), ==, "None");
  g_assert_cmpint (entry (midi_in, "System default"), ==, -1);

  /* the daemon's sink is listed as an output, not as an input */
  g_assert_true (wait_entry (output, "jamnet-test-sink", TRUE));
  g_assert_cmpint (entry (input, "jamnet-test-sink"), ==, -1);

  /* picking it saves its node name */
  adw_combo_row_set_selected (output, (guint) entry (output, "jamnet-test-sink"));
  g_assert_cmpstr (g_settings_get_string (settings, "audio-output"), ==, "jamnet-test-sink");
  adw_combo_row_set_selected (output, (guint) entry (output, "None"));
  g_assert_cmpstr (g_settings_get_string (settings, "audio-output"), ==, "");

  /* a device plugged in appears by its description; picked, then unplugged,
   * it stays chosen, marked as not connected */
  run (create);
  g_assert_true (wait_entry (output, "Pref Speakers", TRUE));
  adw_combo_row_set_selected (output, (guint) entry (output, "Pref Speakers"));
  g_assert_cmpstr (g_settings_get_string (settings, "audio-output"), ==, "jamnet-pref-sink");
  run (destroy);
  g_assert_true (wait_entry (output, "Pref Speakers", FALSE));
  g_assert_cmpstr (selected (output), ==, "jamnet-pref-sink (not connected now)");
  g_assert_cmpstr (g_settings_get_string (settings, "audio-output"), ==, "jamnet-pref-sink");

  /* a change made elsewhere (gsettings, another window) shows */
  g_settings_set_string (settings, "audio-input", "jamnet-some-mic");
  g_assert_cmpstr (selected (input), ==, "jamnet-some-mic (not connected now)");
  g_settings_set_string (settings, "audio-input", "default");
  g_assert_cmpstr (selected (input), ==, "System default");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Internet servers: added by address, refused when no address, removed */
/* The Internet page as a PNG in $JAMNET_SCREENSHOT_DIR, when it is set */
static void
save_page (GtkWidget  *window,
           const char *page,
           const char *name)
{
  g_autofree char *png = NULL;
  gint64 until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  if (g_getenv ("JAMNET_SCREENSHOT_DIR") == NULL)
    return;
  png = g_build_filename (g_getenv ("JAMNET_SCREENSHOT_DIR"), name, NULL);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  while (!jn_test_save_png (window, png, NULL) && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_servers (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = jn_preferences_new (NULL, settings);
  GtkWidget *add = jn_test_find_row (window, ADW_TYPE_ENTRY_ROW, "Add a server (host:port)");
  GtkWidget *row, *remove;
  g_auto(GStrv) servers = NULL;

  g_settings_set_strv (settings, "servers", NULL);
  g_assert_nonnull (add);
  gtk_editable_set_text (GTK_EDITABLE (add), "http://not.a.server");
  g_signal_emit_by_name (add, "apply");
  servers = g_settings_get_strv (settings, "servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 0);
  g_assert_true (gtk_widget_has_css_class (add, "error"));
  g_clear_pointer (&servers, g_strfreev);

  gtk_editable_set_text (GTK_EDITABLE (add), " studio.example:7500 ");
  g_signal_emit_by_name (add, "apply");
  gtk_editable_set_text (GTK_EDITABLE (add), "studio.example:7500");
  g_signal_emit_by_name (add, "apply");   /* once is enough */
  servers = g_settings_get_strv (settings, "servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 1);
  g_assert_cmpstr (servers[0], ==, "studio.example:7500");
  g_assert_false (gtk_widget_has_css_class (add, "error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (add)), ==, "");
  row = jn_test_find_row (window, ADW_TYPE_ACTION_ROW, "studio.example:7500");
  g_assert_nonnull (row);
  /* the entry stays under the servers */
  g_assert_true (gtk_widget_get_parent (add) == gtk_widget_get_parent (row));
  g_assert_true (gtk_widget_get_next_sibling (row) == add);

  save_page (window, "internet", "preferences-servers.png");

  remove = jn_test_find_widget (row, GTK_TYPE_BUTTON);
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  g_clear_pointer (&servers, g_strfreev);
  servers = g_settings_get_strv (settings, "servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 0);
  g_assert_null (jn_test_find_row (window, ADW_TYPE_ACTION_ROW, "studio.example:7500"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The player's own STUN server: a numeric IP:PORT or nothing */
static void
test_stun (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = jn_preferences_new (NULL, settings);
  GtkWidget *stun = jn_test_find_row (window, ADW_TYPE_ENTRY_ROW,
                                      "Your STUN server (IP:PORT; empty: the room’s)");
  g_autofree char *value = NULL;

  g_settings_set_string (settings, "stun-server", "");
  g_assert_nonnull (stun);
  gtk_editable_set_text (GTK_EDITABLE (stun), "stun.example.com:3478");
  g_signal_emit_by_name (stun, "apply");
  value = g_settings_get_string (settings, "stun-server");
  g_assert_cmpstr (value, ==, "");
  g_assert_true (gtk_widget_has_css_class (stun, "error"));
  g_clear_pointer (&value, g_free);

  gtk_editable_set_text (GTK_EDITABLE (stun), " 203.0.113.1:3478 ");
  g_signal_emit_by_name (stun, "apply");
  value = g_settings_get_string (settings, "stun-server");
  g_assert_cmpstr (value, ==, "203.0.113.1:3478");
  g_assert_false (gtk_widget_has_css_class (stun, "error"));
  g_clear_pointer (&value, g_free);

  save_page (window, "internet", "preferences-internet.png");

  /* empty again: the room's */
  gtk_editable_set_text (GTK_EDITABLE (stun), "");
  g_signal_emit_by_name (stun, "apply");
  value = g_settings_get_string (settings, "stun-server");
  g_assert_cmpstr (value, ==, "");
  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkWidget *
first_of_type (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = first_of_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Copies against loss: automatic by default; the row and the key follow
 * each other, and the upload bound is the spin's */
static void
test_redundancy (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = jn_preferences_new (NULL, settings);
  AdwComboRow *row = find_row (window, "Audio copies against loss");
  GtkWidget *upload = jn_test_find_row (window, ADW_TYPE_ACTION_ROW, "Upload limit for automatic copies");
  g_autofree char *value = NULL;
  GtkWidget *spin;

  g_assert_nonnull (row);
  g_assert_nonnull (upload);
  g_settings_reset (settings, "audio-redundancy");
  g_assert_cmpstr (selected (row), ==, "Automatic (only while others lose packets)");
  adw_combo_row_set_selected (row, (guint) entry (row, "2 packets back"));
  value = g_settings_get_string (settings, "audio-redundancy");
  g_assert_cmpstr (value, ==, "two");
  g_settings_set_string (settings, "audio-redundancy", "off");
  g_assert_cmpstr (selected (row), ==, "Off");

  spin = first_of_type (upload, GTK_TYPE_SPIN_BUTTON);
  g_assert_nonnull (spin);
  g_settings_set_uint (settings, "max-upload-kbps", 1300);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), ==, 1300);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 900);
  g_assert_cmpuint (g_settings_get_uint (settings, "max-upload-kbps"), ==, 900);
  save_page (window, "general", "preferences-general.png");
  g_settings_reset (settings, "audio-redundancy");
  g_settings_reset (settings, "max-upload-kbps");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      return 77;
    }
  adw_init ();
  g_test_add_func ("/preferences/devices-page", test_devices_page);
  g_test_add_func ("/preferences/servers", test_servers);
  g_test_add_func ("/preferences/stun", test_stun);
  g_test_add_func ("/preferences/redundancy", test_redundancy);
  return g_test_run ();
}
