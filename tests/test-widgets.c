/* test-widgets.c: the app's widgets on a real X server (xvfb-run): a graph
 * that draws its line (and nothing when it has none), the peer row's
 * bindings both ways, and no widget or JnPeer kept alive once it goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "jn-capture-source.h"
#include "jn-graph.h"
#include "jn-discovery.h"
#include "jn-host-dialog.h"
#include "jn-identity.h"
#include "jn-server.h"
#include "jn-session.h"
#include "jn-sessions-page.h"
#include "jn-window.h"
#include "jn-jam-page.h"
#include "jn-level-meter.h"
#include "jn-peer-page.h"
#include "jn-peer-private.h"
#include "jn-peer-row.h"
#include "jn-test-render.h"
#include "jn-test-session.h"

/* a toplevel holding child, drawn at least once */
static GtkWindow *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  gtk_window_set_default_size (window, width, height);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  for (gboolean drawn = FALSE; !drawn && g_get_monotonic_time () < end; )
    {
      g_autoptr(GdkTexture) frame = NULL;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      frame = gtk_widget_get_mapped (child) ? jn_test_render (child, NULL) : NULL;
      drawn = frame != NULL;
      if (!drawn)
        g_usleep (10000);
    }
  g_assert_true (gtk_widget_get_mapped (child));
  return window;
}

/* what the widget draws now, once the main loop caught up */
static int
line_pixels (GtkWidget *graph,
             guint      line)
{
  int n;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  n = jn_test_count_line_pixels (graph, line);
  g_assert_cmpint (n, >=, 0);   /* it drew a frame */
  return n;
}

static GArray *
ramp (gint64 now, guint n)
{
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (JnSample));

  for (guint i = 0; i < n; i++)
    {
      JnSample s = { now - (gint64) (n - i) * 100000, 20 + 10 * sin (i / 5.0) };

      g_array_append_val (samples, s);
    }
  return samples;
}

static void
test_graph_draws (void)
{
  GtkWidget *graph = jn_graph_new ("Round-trip time", "ms");
  GtkWindow *window;
  gint64 now = g_get_monotonic_time ();
  int legend, with_line, second, without;

  g_object_ref (graph);
  window = show_in_window (graph, 500, 220);

  /* a named line with no samples: its legend's swatch only */
  jn_graph_set_line (JN_GRAPH (graph), 0, "RTT", g_array_new (FALSE, FALSE, sizeof (JnSample)));
  jn_graph_set_window (JN_GRAPH (graph), now, 60 * G_USEC_PER_SEC);
  legend = line_pixels (graph, 0);
  jn_graph_set_line (JN_GRAPH (graph), 0, "RTT", ramp (now, 300));
  with_line = line_pixels (graph, 0);
  second = line_pixels (graph, 1);
  g_test_message ("line pixels: %d with samples, %d without (the legend); second line's colour: %d",
                  with_line, legend, second);
  g_assert_cmpint (legend, >, 0);
  g_assert_cmpint (legend, <, 300);
  /* 30 s of samples across half of a 500 px graph: far more than the swatch */
  g_assert_cmpint (with_line, >, legend + 500);
  g_assert_cmpint (second, <, 10);

  jn_graph_set_line (JN_GRAPH (graph), 0, NULL, NULL);
  without = line_pixels (graph, 0);
  g_assert_cmpint (without, <, 10);

  gtk_window_destroy (window);
  g_assert_finalize_object (graph);
}

/* the visible label under root that reads text, or NULL */
static gboolean
is_label (GtkWidget     *widget,
          gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0 &&
         gtk_widget_get_visible (widget);
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  return jn_test_find_first (root, is_label, text);
}

static gboolean
is_label_with (GtkWidget     *widget,
               gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL &&
         gtk_widget_get_visible (widget);
}

/* the range under root whose adjustment starts at *lower */
static gboolean
is_range_from (GtkWidget     *widget,
               gconstpointer  lower)
{
  return GTK_IS_RANGE (widget) &&
         gtk_adjustment_get_lower (gtk_range_get_adjustment (GTK_RANGE (widget))) == *(const double *) lower;
}

static GtkWidget *
find_range_from (GtkWidget *root,
                 double     lower)
{
  return jn_test_find_first (root, is_range_from, &lower);
}

static void
count_emission (guint *count)
{
  (*count)++;
}

static void
test_peer_row_binds (void)
{
  JnPeer *peer = jn_peer_new (7, "Ana");
  GtkWidget *row = jn_peer_row_new (peer);
  GtkWidget *list = gtk_list_box_new ();
  GtkWindow *window;
  JnPeerStats stats = { 0 };
  JnDelayParts parts = { 0 };
  GtkWidget *light;
  guint changes = 0;
  GtkToggleButton *mute, *solo;
  GtkRange *gain;
  int height;

  g_object_ref (row);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  window = show_in_window (list, 700, 100);
  g_assert_nonnull (find_label (row, "Ana"));

  stats.id = 7;
  stats.synced = TRUE;
  stats.rtt_ms.last = 12.5;
  stats.one_way_ms.last = 6.25;
  stats.jitter_depth = 4;
  g_signal_connect_swapped (peer, "figures-changed", G_CALLBACK (count_emission), &changes);
  stats.one_way_ms.count = 1;
  parts.one_way_ms = 6.25;
  parts.buffer_packets = 4;
  parts.buffer_ms = 10.75;
  /* no light before the network is measured */
  light = jn_test_find_widget (row, GTK_TYPE_IMAGE);
  g_assert_nonnull (light);
  g_assert_true (gtk_widget_has_css_class (light, "dim-label"));
  jn_peer_update (peer, &stats, &parts);
  /* once for a snapshot however many properties changed; not at all for
   * the same figures again */
  g_assert_cmpuint (changes, ==, 1);
  jn_peer_update (peer, &stats, &parts);
  g_assert_cmpuint (changes, ==, 1);
  /* 17 ms to your ears: green, and the tooltip adds it up */
  g_assert_true (gtk_widget_has_css_class (light, "success"));
  g_assert_false (gtk_widget_has_css_class (light, "dim-label"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (light), "17.0 ms"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (light), "10.8 ms (4 packets)"));
  parts.buffer_ms = 40;
  jn_peer_update (peer, &stats, &parts);
  g_assert_true (gtk_widget_has_css_class (light, "warning"));
  parts.buffer_ms = 60;
  jn_peer_update (peer, &stats, &parts);
  g_assert_true (gtk_widget_has_css_class (light, "error"));
  g_assert_false (gtk_widget_has_css_class (light, "success"));
  parts.buffer_ms = 10.75;
  jn_peer_update (peer, &stats, &parts);
  /* each figure in its own place, in ms */
  g_assert_nonnull (find_label (row, "RTT 12.5 ms"));
  g_assert_nonnull (find_label (row, "≈ 17.0 ms"));
  g_assert_nonnull (find_label (row, "buffer 10.8 ms"));
  /* the strip keeps its height as the figures grow */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  height = gtk_widget_get_height (row);
  stats.rtt_ms.last = 1234.5;
  stats.jitter_ms.last = 345.25;
  stats.loss_percent = 100;
  parts.buffer_ms = 1480.5;
  jn_peer_update (peer, &stats, &parts);
  g_assert_nonnull (find_label (row, "RTT 1234.5 ms"));
  g_assert_nonnull (find_label (row, "loss 100.0 %"));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_message ("strip height %d px with short figures, %d with long ones", height, gtk_widget_get_height (row));
  g_assert_cmpint (gtk_widget_get_height (row), ==, height);
  /* a LAN session's path goes unsaid; a room's is said, as it changes */
  g_assert_null (find_label (row, "relayed"));
  jn_peer_set_path (peer, JN_PEER_PATH_RELAYED);
  g_assert_nonnull (find_label (row, jn_peer_path_describe (JN_PEER_PATH_RELAYED)));
  jn_peer_set_path (peer, JN_PEER_PATH_UNREACHABLE);
  g_assert_true (g_str_has_prefix (jn_peer_path_describe (JN_PEER_PATH_UNREACHABLE), "no audio: no path"));
  g_assert_nonnull (find_label (row, jn_peer_path_describe (JN_PEER_PATH_UNREACHABLE)));

  mute = (GtkToggleButton *) jn_test_find_widget (row, GTK_TYPE_TOGGLE_BUTTON);
  gain = (GtkRange *) jn_test_find_widget (row, GTK_TYPE_RANGE);
  g_assert_nonnull (mute);
  g_assert_nonnull (gain);
  solo = GTK_TOGGLE_BUTTON (gtk_widget_get_next_sibling (GTK_WIDGET (mute)));
  /* the row's controls are the peer's mix, both ways, and say their state */
  gtk_toggle_button_set_active (mute, TRUE);
  g_assert_true (jn_peer_get_muted (peer));
  g_assert_true (gtk_widget_get_state_flags (GTK_WIDGET (mute)) & GTK_STATE_FLAG_CHECKED);
  gtk_toggle_button_set_active (solo, TRUE);
  g_assert_true (jn_peer_get_soloed (peer));
  jn_peer_set_soloed (peer, FALSE);
  g_assert_false (gtk_toggle_button_get_active (solo));
  jn_peer_set_gain (peer, 0.5);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (gain), 0.5, 1e-9);
  g_assert_nonnull (find_label (row, "-6.0 dB"));
  gtk_range_set_value (gain, 1.5);
  g_assert_cmpfloat_with_epsilon (jn_peer_get_gain (peer), 1.5, 1e-9);
  g_assert_nonnull (find_label (row, "+3.5 dB"));
  jn_peer_set_gain (peer, 0.0);
  g_assert_nonnull (find_label (row, "−∞ dB"));
  /* and its pan, the scale from -1 */
  {
    GtkWidget *pan = find_range_from (row, -1.0);

    g_assert_true (GTK_IS_RANGE (pan));
    jn_peer_set_pan (peer, -0.5);
    g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (pan)), -0.5, 1e-9);
    g_assert_nonnull (find_label (row, "L 50"));
    gtk_range_set_value (GTK_RANGE (pan), 0.25);
    g_assert_cmpfloat_with_epsilon (jn_peer_get_pan (peer), 0.25, 1e-9);
    g_assert_nonnull (find_label (row, "R 25"));
  }

  gtk_window_destroy (window);
  g_assert_finalize_object (row);
  g_assert_finalize_object (peer);
}

/* the meter's ballistics, pushed by hand: up at once, down 24 dB a second,
 * the clip light for two seconds after full scale */
static void
test_level_meter (void)
{
  GtkWidget *meter = g_object_ref_sink (jn_level_meter_new ());
  JnLevelMeter *m = JN_LEVEL_METER (meter);
  GtkWindow *window = show_in_window (meter, 300, 20);
  gint64 t = 1000000;

  g_assert_cmpfloat (jn_level_meter_get_peak_db (m), ==, JN_LEVEL_METER_FLOOR_DB);
  jn_level_meter_push (m, 0.5, 0.25, t);
  g_assert_cmpfloat_with_epsilon (jn_level_meter_get_peak_db (m), -6.02, 0.01);
  g_assert_cmpfloat_with_epsilon (jn_level_meter_get_rms_db (m), -12.04, 0.01);
  g_assert_false (jn_level_meter_get_clipped (m));
  /* half a second of silence: 12 dB down */
  jn_level_meter_push (m, 0.0, 0.0, t + 500000);
  g_assert_cmpfloat_with_epsilon (jn_level_meter_get_peak_db (m), -18.02, 0.01);
  /* three seconds: at the floor */
  for (gint64 k = 1; k <= 30; k++)
    jn_level_meter_push (m, 0.0, 0.0, t + 500000 + k * 100000);
  g_assert_cmpfloat (jn_level_meter_get_peak_db (m), ==, JN_LEVEL_METER_FLOOR_DB);
  g_assert_cmpfloat (jn_level_meter_get_rms_db (m), ==, JN_LEVEL_METER_FLOOR_DB);
  t += 3500000;
  jn_level_meter_push (m, 1.0, 0.7, t);
  g_assert_true (jn_level_meter_get_clipped (m));
  jn_level_meter_push (m, 0.1, 0.05, t + 1900000);
  g_assert_true (jn_level_meter_get_clipped (m));
  jn_level_meter_push (m, 0.1, 0.05, t + 2100000);
  g_assert_false (jn_level_meter_get_clipped (m));

  gtk_window_destroy (window);
  g_assert_finalize_object (meter);
}

/* A picture of widget for people to look at, in $SCREENSHOTS (when set),
 * once it has drawn a frame */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autofree char *png = NULL;
  gboolean saved = FALSE;

  if (g_getenv ("SCREENSHOTS") == NULL)
    return;
  png = g_build_filename (g_getenv ("SCREENSHOTS"), name, NULL);
  g_mkdir_with_parents (g_getenv ("SCREENSHOTS"), 0755);
  for (gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC; !saved && g_get_monotonic_time () < end; )
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      saved = jn_test_save_png (widget, png, NULL);
      if (!saved)
        g_usleep (10000);
    }
  g_assert_true (saved);
}

/* the level meter under root that is no player's: our input's */
static gboolean
is_input_meter (GtkWidget     *widget,
                gconstpointer  data)
{
  return JN_IS_LEVEL_METER (widget) && gtk_widget_get_ancestor (widget, JN_TYPE_PEER_ROW) == NULL;
}

static GtkWidget *
find_meter_outside_rows (GtkWidget *root)
{
  return jn_test_find_first (root, is_input_meter, NULL);
}

/* The jam page's meters on the frame clock, from a real session: the demo
 * player's tone moves its meter; our input, silent at gain 0, does not,
 * and moves once the gain is up; silent again, it falls to the floor.
 * Also: what 16 players' meters cost a frame. */
static void
test_jam_page_meters (void)
{
  JnSessionConfig config;
  JnImpairment impairment = { .delay_us = 5000 };
  JnTestStarted started = { 0 };
  JnSession *session;
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_JAM_PAGE, NULL));
  GtkWindow *window = show_in_window (page, 800, 700);
  JnLevelMeter *input, *player;
  GtkListBoxRow *row;

  jn_session_config_init (&config);
  config.player_name = "Meter";
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  session = jn_session_new (&config);
  jn_session_set_capture_source (session, jn_capture_source_new (JN_CAPTURE_TONE));
  jn_session_set_input_gain (session, 0.0);
  jn_session_demo_async (session, NULL, &impairment, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  g_assert_no_error (started.error);
  jn_jam_page_set_session (JN_JAM_PAGE (page), session);
  for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       jn_test_find_widget (page, JN_TYPE_PEER_ROW) == NULL && g_get_monotonic_time () < end; )
    jn_test_spin_for (10);
  row = GTK_LIST_BOX_ROW (jn_test_find_widget (page, JN_TYPE_PEER_ROW));
  g_assert_nonnull (row);
  player = JN_LEVEL_METER (jn_test_find_widget (GTK_WIDGET (row), JN_TYPE_LEVEL_METER));
  input = JN_LEVEL_METER (find_meter_outside_rows (page));
  g_assert_nonnull (input);
  g_assert_true (input != player);

  jn_test_spin_for (1500);
  g_test_message ("player %.1f dB peak, %.1f dB RMS; our input at gain 0: %.1f dB",
                  jn_level_meter_get_peak_db (player), jn_level_meter_get_rms_db (player),
                  jn_level_meter_get_peak_db (input));
  g_assert_cmpfloat (jn_level_meter_get_peak_db (player), >, -20.0);
  g_assert_cmpfloat (jn_level_meter_get_rms_db (player), >, -30.0);
  g_assert_cmpfloat (jn_level_meter_get_peak_db (input), ==, JN_LEVEL_METER_FLOOR_DB);

  /* the gain up: our tone shows; muted, it still shows (the others hear silence) */
  jn_session_set_input_gain (session, 1.0);
  jn_session_set_input_muted (session, TRUE);
  jn_test_spin_for (700);
  g_test_message ("our input at gain 1, muted: %.1f dB", jn_level_meter_get_peak_db (input));
  g_assert_cmpfloat (jn_level_meter_get_peak_db (input), >, -20.0);
  /* the page's controls are the session's */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (jn_test_find_widget (page, GTK_TYPE_SWITCH))));

  /* the demo is mono: pan has no sides to move between, and says so */
  {
    GtkWidget *pan = find_range_from (GTK_WIDGET (row), -1.0);

    g_assert_nonnull (pan);
    g_assert_false (gtk_widget_get_sensitive (pan));
    g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (pan), "stereo"));
  }

  /* pictures for people to look at: the strips moving (a player soloed),
   * and at 360 px */
  jn_peer_set_soloed (jn_peer_row_get_peer (JN_PEER_ROW (row)), TRUE);
  jn_test_spin_for (400);   /* past the buttons' colour transition */
  save_screenshot (page, "widgets-jam-meters.png");
  jn_peer_set_soloed (jn_peer_row_get_peer (JN_PEER_ROW (row)), FALSE);
  gtk_window_set_default_size (window, 360, 700);
  jn_test_spin_for (300);
  g_test_message ("at 360 px: the page is %d px wide", gtk_widget_get_width (page));
  /* it fits: nothing wider than the window, so no scrolling sideways */
  g_assert_cmpint (gtk_widget_get_width (page), <=, 360);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (row)), <=, 360);
  save_screenshot (page, "widgets-jam-360.png");
  /* and on a wide screen the players get the width, not a 600 px strip */
  gtk_window_set_default_size (window, 1400, 700);
  jn_test_spin_for (300);
  g_test_message ("at 1400 px: a player's strip is %d px wide", gtk_widget_get_width (GTK_WIDGET (row)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (row)), >=, 1000);
  save_screenshot (page, "widgets-jam-1400.png");
  gtk_window_set_default_size (window, 800, 700);

  /* silence: down to the floor within 60 dB / 24 dB/s */
  jn_session_set_input_gain (session, 0.0);
  jn_test_spin_for (3000);
  g_assert_cmpfloat (jn_level_meter_get_peak_db (input), ==, JN_LEVEL_METER_FLOOR_DB);
  g_assert_cmpfloat (jn_level_meter_get_peak_db (player), >, -20.0);

  jn_jam_page_set_session (JN_JAM_PAGE (page), NULL);
  jn_session_leave (session);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  g_assert_finalize_object (session);
}

/* The banner when audio is not working: what it says for each trouble,
 * and shown by a real session on the null backend */
static void
test_audio_banner (void)
{
  JnSessionConfig config;
  JnImpairment impairment = { .delay_us = 5000 };
  JnTestStarted started = { 0 };
  JnSession *session;
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_JAM_PAGE, NULL));
  GtkWindow *window = show_in_window (page, 800, 700);
  g_autofree char *none = jn_audio_problem_describe (NULL, "no audio (no device)", JN_AUDIO_LINK_UNCONNECTED,
                                                     NULL, 0);
  g_autofree char *null = jn_audio_problem_describe ("null", NULL, JN_AUDIO_LINK_UNCONNECTED, NULL, 0);
  g_autofree char *waiting = jn_audio_problem_describe ("pipewire", NULL, JN_AUDIO_LINK_WAITING, "USB Audio", 0);
  g_autofree char *failed = jn_audio_problem_describe ("pipewire", NULL, JN_AUDIO_LINK_FAILED, "no ports", 0);
  g_autofree char *two = jn_audio_problem_describe ("alsa", NULL, JN_AUDIO_LINK_UNCONNECTED, NULL, 2);
  g_autofree char *three = jn_audio_problem_describe ("pipewire", NULL, JN_AUDIO_LINK_LINKED, NULL, 3);
  g_autofree char *fine = jn_audio_problem_describe ("pipewire", NULL, JN_AUDIO_LINK_LINKED, NULL, 0);
  g_autofree char *quiet = jn_audio_problem_describe (NULL, NULL, JN_AUDIO_LINK_UNCONNECTED, NULL, 0);
  GtkWidget *banner;

  g_assert_nonnull (strstr (none, "no audio (no device)"));
  g_assert_nonnull (strstr (null, "No sound card"));
  g_assert_nonnull (strstr (waiting, "“USB Audio” is not there"));
  g_assert_nonnull (strstr (failed, "(no ports)"));
  g_assert_null (two);
  g_assert_nonnull (strstr (three, "missed 3 periods in the last 10 s"));
  g_assert_null (fine);
  g_assert_null (quiet);   /* a session that asked for no device */

  jn_session_config_init (&config);
  config.player_name = "Nullish";
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  config.audio_backend = "null";
  session = jn_session_new (&config);
  jn_session_demo_async (session, NULL, &impairment, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  g_assert_no_error (started.error);
  jn_jam_page_set_session (JN_JAM_PAGE (page), session);
  jn_test_spin_for (200);
  banner = find_label (page, null);
  g_assert_nonnull (banner);
  g_assert_true (gtk_widget_is_visible (banner));
  save_screenshot (page, "widgets-audio-banner.png");
  /* gone with the session */
  jn_jam_page_set_session (JN_JAM_PAGE (page), NULL);
  g_assert_false (gtk_widget_is_visible (banner));
  jn_session_leave (session);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  g_assert_finalize_object (session);
}

/* Hosting for others: the invite link with its copy button, "waiting for
 * players" while nobody is there, and the player once one joins */
static void
test_hosting_invite (void)
{
  JnSessionConfig config;
  JnTestStarted started = { 0 };
  g_autofree char *expected = NULL, *url = NULL;
  g_auto(GStrv) links = NULL, any_links = NULL;
  JnSession *host, *joiner, *anywhere;
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_JAM_PAGE, NULL));
  GtkWindow *window = show_in_window (page, 800, 700);
  GtkWidget *waiting, *link;

  jn_session_config_init (&config);
  config.player_name = "Host";
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  host = jn_session_new (&config);
  g_assert_null (jn_session_dup_invite_links (host));
  jn_session_host_async (host, "Open jam", NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  url = jn_session_dup_local_url (host);
  /* bound to one address: that one's link, with the port and fingerprint */
  links = jn_session_dup_invite_links (host);
  g_assert_cmpuint (g_strv_length (links), ==, 1);
  expected = g_strdup_printf ("jamnet://127.0.0.1:%d/?fp=%s", atoi (strrchr (strstr (url, "://") + 3, ':') + 1),
                              strstr (url, "fp=") + 3);
  g_assert_cmpstr (links[0], ==, expected);

  jn_jam_page_set_session (JN_JAM_PAGE (page), host);
  jn_test_spin_for (100);
  waiting = find_label (page, "Waiting for players: send them an invite link below.");
  g_assert_nonnull (waiting);
  g_assert_true (gtk_widget_get_mapped (waiting));
  link = jn_test_find_row (page, ADW_TYPE_ACTION_ROW, links[0]);
  g_assert_nonnull (link);
  g_assert_true (gtk_widget_is_visible (link));
  g_assert_nonnull (jn_test_find_widget (link, GTK_TYPE_BUTTON));
  save_screenshot (page, "widgets-hosting.png");

  /* someone joins: the strip, no more waiting */
  started = (JnTestStarted) { 0 };
  config.player_name = "Bo";
  joiner = jn_session_new (&config);
  jn_session_join_async (joiner, url, NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       jn_test_find_widget (page, JN_TYPE_PEER_ROW) == NULL && g_get_monotonic_time () < end; )
    jn_test_spin_for (10);
  g_assert_nonnull (jn_test_find_widget (page, JN_TYPE_PEER_ROW));
  jn_test_spin_for (50);
  g_assert_false (gtk_widget_get_mapped (waiting));
  /* a joiner has no invite of its own to give */
  g_assert_null (jn_session_dup_invite_links (joiner));

  /* chat: the joiner's line appears in the host's jam view, by name; the
   * host's, typed into the entry, reaches the joiner */
  {
    g_autoptr(GError) error = NULL;
    GtkWidget *line = NULL, *entry;
    guint heard = 0;

    g_signal_connect_swapped (joiner, "chat", G_CALLBACK (count_emission), &heard);
    g_assert_true (jn_session_send_chat (joiner, "Ready when <you> are & so on", &error));
    g_assert_no_error (error);
    for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
         (line = jn_test_find_row (page, ADW_TYPE_ACTION_ROW, "Ready when <you> are & so on")) == NULL &&
         g_get_monotonic_time () < end; )
      jn_test_spin_for (10);
    g_assert_nonnull (line);
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (line)), ==, "Bo");
    entry = jn_test_find_widget (page, ADW_TYPE_ENTRY_ROW);
    gtk_editable_set_text (GTK_EDITABLE (entry), "Count us in");
    g_signal_emit_by_name (entry, "apply");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
    g_assert_nonnull (jn_test_find_row (page, ADW_TYPE_ACTION_ROW, "Count us in"));
    for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC; heard == 0 && g_get_monotonic_time () < end; )
      jn_test_spin_for (10);
    g_assert_cmpuint (heard, ==, 1);
    /* a line too long, or with a line break, is refused and said so */
    gtk_editable_set_text (GTK_EDITABLE (entry), "two\nlines");
    g_signal_emit_by_name (entry, "apply");
    g_assert_true (gtk_widget_has_css_class (entry, "error"));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "two\nlines");
    save_screenshot (page, "widgets-chat.png");
  }

  /* on every interface: a link per address others may reach, none loopback */
  started = (JnTestStarted) { 0 };
  config.player_name = "Wide";
  config.bind_address = NULL;
  anywhere = jn_session_new (&config);
  jn_session_host_async (anywhere, "Wide jam", NULL, NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  any_links = jn_session_dup_invite_links (anywhere);
  g_assert_cmpuint (g_strv_length (any_links), >=, 1);
  for (guint i = 0; any_links[i] != NULL; i++)
    {
      g_test_message ("invite: %s", any_links[i]);
      g_assert_true (g_str_has_prefix (any_links[i], "jamnet://"));
      g_assert_nonnull (strstr (any_links[i], "/?fp="));
      g_assert_true (any_links[1] == NULL || strstr (any_links[i], "://127.") == NULL);
    }

  jn_jam_page_set_session (JN_JAM_PAGE (page), NULL);
  jn_session_leave (anywhere);
  jn_session_leave (joiner);
  jn_session_leave (host);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  g_assert_finalize_object (anywhere);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
}

/* What 16 players' meters cost a frame: a frame's levels (16 streams, 7
 * periods each, as at 375 periods a second and 60 frames) pushed and the
 * 16 meters drawn */
static void
test_meters_cost (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *meters[16];
  GtkWindow *window;
  g_autoptr(JnLevels) levels = jn_levels_new (4096);
  JnLevelFrame frames[256];
  float audio[128];
  gint64 push_us = 0, draw_us = 0;
  const guint rounds = 200;

  for (guint i = 0; i < 16; i++)
    {
      meters[i] = jn_level_meter_new ();
      gtk_box_append (GTK_BOX (box), meters[i]);
    }
  g_object_ref (box);
  window = show_in_window (box, 300, 300);
  for (guint r = 0; r < rounds; r++)
    {
      gint64 t0, t1, t2;
      gsize n;

      for (guint i = 0; i < 128; i++)
        audio[i] = 0.5f * (float) sin (2 * G_PI * (i + r * 128) / 109.0) * (r % 2);
      for (guint p = 0; p < 7; p++)
        for (guint id = 0; id < 16; id++)
          jn_levels_measure (levels, id, audio, 128, 1);
      t0 = g_get_monotonic_time ();
      n = jn_levels_drain (levels, frames, G_N_ELEMENTS (frames));
      g_assert_cmpuint (n, ==, 7 * 16);
      for (guint id = 0; id < 16; id++)
        {
          float peak = 0.f;
          double sum = 0.0;

          for (gsize k = 0; k < n; k++)
            if (frames[k].id == id)
              {
                peak = MAX (peak, frames[k].peak);
                sum += (double) frames[k].rms * frames[k].rms;
              }
          jn_level_meter_push (JN_LEVEL_METER (meters[id]), peak, sqrt (sum / 7), t0 + r * 16667);
        }
      t1 = g_get_monotonic_time ();
      for (guint id = 0; id < 16; id++)
        {
          GtkSnapshot *snapshot = gtk_snapshot_new ();
          GskRenderNode *node;

          GTK_WIDGET_GET_CLASS (meters[id])->snapshot (meters[id], snapshot);
          node = gtk_snapshot_free_to_node (snapshot);
          if (node != NULL)
            gsk_render_node_unref (node);
        }
      t2 = g_get_monotonic_time ();
      push_us += t1 - t0;
      draw_us += t2 - t1;
    }
  g_test_message ("16 meters a frame: %.1f µs to take and push the levels, %.1f µs to snapshot them "
                  "(%u frames)", (double) push_us / rounds, (double) draw_us / rounds, rounds);
  gtk_window_destroy (window);
  g_assert_finalize_object (box);
}

static void
test_peer_page_follows (void)
{
  JnPeer *peer = jn_peer_new (3, "Bo");
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_PEER_PAGE, NULL));
  GtkWindow *window = show_in_window (page, 700, 900);
  gint64 now = g_get_monotonic_time ();
  GtkWidget *rtt_graph = jn_peer_page_get_graph (JN_PEER_PAGE (page), 0);
  int before, after;

  jn_peer_page_set_peer (JN_PEER_PAGE (page), peer);
  before = line_pixels (rtt_graph, 0);
  /* the page draws what comes into the peer's series, as it comes */
  for (guint i = 0; i < 300; i++)
    {
      JnSample s = { now - (gint64) (300 - i) * 100000, 20 + 10 * sin (i / 5.0) };

      jn_peer_add_sample (peer, JN_METRIC_RTT_MS, &s);
    }
  jn_peer_flush_samples (peer);
  after = line_pixels (rtt_graph, 0);
  g_test_message ("RTT graph line pixels: %d before the samples (the legend), %d after", before, after);
  g_assert_cmpint (after, >, before + 500);
  /* a narrow window: a picture to see that the axes' labels keep apart */
  gtk_window_set_default_size (window, 360, 900);
  jn_test_spin_for (300);
  g_assert_cmpint (gtk_widget_get_width (page), <=, 360);
  save_screenshot (page, "widgets-peer-page-360.png");

  jn_peer_page_set_peer (JN_PEER_PAGE (page), NULL);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  g_assert_finalize_object (peer);
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

/* The latency test from a player's page, through the demo's emulated
 * 10 ms each way: a round trip of the network's 20 ms plus both
 * buffers, said in words; the button is back for another go. */
static void
test_peer_page_latency (void)
{
  JnImpairment impairment = { .delay_us = 10000 };
  JnSession *session;
  g_autoptr(JnPeer) peer = NULL;
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_PEER_PAGE, NULL));
  GtkWindow *window = show_in_window (page, 700, 500);
  GtkWidget *button, *said;
  double ms = 0;

  session = jn_test_demo ("Timer", &impairment, &peer);
  jn_test_spin_for (800);   /* the clocks synced */
  button = jn_test_find_first (page, is_button_labelled, "_Measure Latency");
  g_assert_nonnull (button);
  g_assert_false (gtk_widget_get_sensitive (button));   /* no session yet */
  jn_peer_page_set_session (JN_PEER_PAGE (page), session);
  jn_peer_page_set_peer (JN_PEER_PAGE (page), peer);
  g_assert_true (gtk_widget_get_sensitive (button));

  g_signal_emit_by_name (button, "clicked");
  g_assert_false (gtk_widget_get_sensitive (button));
  for (gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
       (said = jn_test_find_first (page, is_label_with, "Round trip ")) == NULL && g_get_monotonic_time () < end;)
    jn_test_spin_for (50);
  g_assert_nonnull (said);
  g_test_message ("%s", gtk_label_get_text (GTK_LABEL (said)));
  g_assert_cmpint (sscanf (gtk_label_get_text (GTK_LABEL (said)), "Round trip %lf ms", &ms), ==, 1);
  g_assert_cmpfloat (ms, >, 20.0);
  g_assert_cmpfloat (ms, <, 120.0);
  g_assert_true (gtk_widget_get_sensitive (button));
  save_screenshot (page, "widgets-peer-latency.png");

  jn_peer_page_set_peer (JN_PEER_PAGE (page), NULL);
  jn_peer_page_set_session (JN_PEER_PAGE (page), NULL);
  jn_session_leave (session);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  g_clear_object (&peer);
  g_assert_finalize_object (session);
}

static void
test_jam_page_lists_peers (void)
{
  g_autoptr(JnSession) session = jn_session_new (NULL);
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_JAM_PAGE, NULL));
  GtkWindow *window = show_in_window (page, 700, 500);

  jn_jam_page_set_session (JN_JAM_PAGE (page), session);
  g_assert_cmpuint (g_list_model_get_n_items (jn_session_get_peers (session)), ==, 0);
  jn_jam_page_set_session (JN_JAM_PAGE (page), NULL);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_host_dialog (void)
{
  GtkWindow *parent = GTK_WINDOW (gtk_window_new ());
  GtkWidget *dialog = jn_host_dialog_new (parent, "Ana’s session", NULL);

  g_object_ref (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpstr (jn_host_dialog_get_session_name (JN_HOST_DIALOG (dialog)), ==, "Ana’s session");
  g_assert_null (jn_host_dialog_get_passphrase (JN_HOST_DIALOG (dialog)));
  g_assert_true (jn_host_dialog_get_announce (JN_HOST_DIALOG (dialog)));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
  gtk_window_destroy (parent);
}

static void
on_join_url (JnSessionsPage *page,
             const char     *url,
             char          **joined)
{
  g_free (*joined);
  *joined = g_strdup (url);
}

/* The AdwActionRow under root titled title, or NULL. */
static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  return jn_test_find_row (root, ADW_TYPE_ACTION_ROW, title);
}

/* Whether a label under root shows text (as drawn, markup parsed). */
static gboolean
shows_text (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, text))
      return TRUE;
  return FALSE;
}

/* A jamnet-server of the test's own, with a certificate made for it */
static JnServer *
new_server (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *pem = jn_identity_generate_pem (now - 60, now + 3600, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_pem (pem, -1, &error);

  g_assert_no_error (error);
  return jn_server_new (certificate, "Studio");
}

/* "Host a Session" can open a room on a server of the preferences:
 * named, with a passphrase, unlisted */
static void
test_open_room (void)
{
  g_autoptr(JnServer) server = new_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *link = NULL, *list = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  const char *servers[2] = { NULL, NULL };
  JnHostDialog *dialog = NULL;
  GtkWidget *where, *name, *passphrase, *announce;
  JnWindow *window;
  gint64 end;

  if (schema == NULL)
    {
      g_test_skip ("the app's settings schema is not installed (GSETTINGS_SCHEMA_DIR)");
      return;
    }
  settings = g_settings_new_full (schema, NULL, NULL);
  g_assert_true (jn_server_listen (server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  link = g_strdup_printf ("jamnet://127.0.0.1:%u/?fp=%s", jn_server_get_port (server),
                          jn_server_get_fingerprint (server));
  servers[0] = link;
  g_settings_set_strv (settings, "servers", servers);

  window = jn_window_new (NULL, "127.0.0.1");
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.host", NULL);
  {
    g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

    for (GList *l = toplevels; l != NULL; l = l->next)
      if (JN_IS_HOST_DIALOG (l->data))
        dialog = l->data;
  }
  g_assert_nonnull (dialog);
  where = jn_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, "Where");
  g_assert_nonnull (where);
  g_assert_true (gtk_widget_get_visible (where));
  adw_combo_row_set_selected (ADW_COMBO_ROW (where), 1);
  g_assert_cmpstr (jn_host_dialog_get_server (dialog), ==, link);
  /* the rows say what they mean for a room */
  name = jn_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "Room name");
  g_assert_nonnull (name);
  g_assert_nonnull (jn_test_find_row (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "List on the server"));
  gtk_editable_set_text (GTK_EDITABLE (name), "Band practice");
  passphrase = jn_test_find_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW);
  gtk_editable_set_text (GTK_EDITABLE (passphrase), "moonlight");
  announce = jn_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_SWITCH);
  gtk_switch_set_active (GTK_SWITCH (announce), FALSE);
  if (g_getenv ("JAMNET_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *png = g_build_filename (g_getenv ("JAMNET_SCREENSHOT_DIR"),
                                               "open-room.png", NULL);
      gint64 until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

      while (!jn_test_save_png (GTK_WIDGET (dialog), png, NULL) && g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, TRUE);
    }
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "host");

  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((jn_window_get_session (window) == NULL ||
          jn_session_get_state (jn_window_get_session (window)) != JN_SESSION_RUNNING) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (jn_window_get_session (window));
  g_assert_cmpint (jn_session_get_state (jn_window_get_session (window)), ==, JN_SESSION_RUNNING);
  g_assert_cmpstr (jn_session_get_name (jn_window_get_session (window)), ==, "Band practice");
  g_assert_cmpint (jn_server_get_room_players (server, "Band practice"), ==, 1);
  /* unlisted, as asked */
  list = jn_server_dup_room_list (server);
  g_assert_null (strstr (list, "Band practice"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_set_strv (settings, "servers", NULL);
  jn_server_shutdown (server);
}

/* The browser lists a real server's listed rooms, and says which server
 * does not answer. */
static void
test_internet_rooms (void)
{
  gint64 end;
  g_autoptr(GError) error = NULL;
  g_autoptr(JnServer) server = NULL;
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_SESSIONS_PAGE, NULL));
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *host_port = NULL, *link = NULL, *expected = NULL, *joined = NULL;
  const char *servers[3] = { NULL, "127.0.0.1:9", NULL };
  GtkWindow *window;
  GtkWidget *row, *dead, *join;

  if (schema == NULL)
    {
      g_test_skip ("the app's settings schema is not installed (GSETTINGS_SCHEMA_DIR)");
      g_object_unref (page);
      return;
    }
  settings = g_settings_new_full (schema, NULL, NULL);
  server = new_server ();
  g_assert_true (jn_server_add_room (server, "Open Jam", NULL, TRUE, 4, &error));
  g_assert_true (jn_server_add_room (server, "Friday <Band>", "pass", TRUE, 0, &error));
  g_assert_true (jn_server_add_room (server, "Back room", NULL, FALSE, 0, &error));
  g_assert_true (jn_server_listen (server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  host_port = g_strdup_printf ("127.0.0.1:%u", jn_server_get_port (server));
  link = g_strdup_printf ("jamnet://%s/?fp=%s", host_port, jn_server_get_fingerprint (server));
  expected = jn_room_url (host_port, "Open Jam", jn_server_get_fingerprint (server));
  servers[0] = link;

  window = show_in_window (page, 700, 700);
  jn_sessions_page_set_settings (JN_SESSIONS_PAGE (page), settings);
  g_signal_connect (page, "join-url", G_CALLBACK (on_join_url), &joined);
  g_settings_set_strv (settings, "servers", servers);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((find_row (page, "Open Jam") == NULL || find_row (page, "127.0.0.1:9") == NULL) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  row = find_row (page, "Open Jam");
  dead = find_row (page, "127.0.0.1:9");
  g_assert_nonnull (row);
  g_assert_nonnull (dead);
  g_assert_true (gtk_widget_get_mapped (row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Studio · 0/4 players");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (dead)), "Cannot reach"));
  /* a name from the network is shown as it is, never as markup */
  g_assert_nonnull (find_row (page, "Friday <Band>"));
  g_assert_true (shows_text (find_row (page, "Friday <Band>"), "Friday <Band>"));
  g_assert_null (find_row (page, "Back room"));

  if (g_getenv ("JAMNET_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *png = g_build_filename (g_getenv ("JAMNET_SCREENSHOT_DIR"),
                                               "internet-rooms.png", NULL);

      gint64 until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

      /* the rows just came: wait for a frame with them */
      while (!jn_test_save_png (page, png, NULL) && g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, TRUE);
      g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
    }

  /* Join joins the room by its link, the server's fingerprint with it */
  join = jn_test_find_widget (row, GTK_TYPE_BUTTON);
  g_assert_nonnull (join);
  g_signal_emit_by_name (join, "clicked");
  g_assert_cmpstr (joined, ==, expected);

  /* no servers: no section */
  g_settings_set_strv (settings, "servers", NULL);
  g_assert_null (find_row (page, "Open Jam"));
  jn_sessions_page_set_settings (JN_SESSIONS_PAGE (page), NULL);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
  jn_server_shutdown (server);
}

/* the button under root showing icon */
static gboolean
shows_icon (GtkWidget     *widget,
            gconstpointer  icon)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon) == 0;
}

static GtkWidget *
find_actionable_icon (GtkWidget  *root,
                      const char *icon)
{
  return jn_test_find_first (root, shows_icon, icon);
}

static void
test_sessions_page (void)
{
  GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_SESSIONS_PAGE, NULL));
  g_autoptr(GListStore) sessions = g_list_store_new (JN_TYPE_SESSION_INFO);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  g_autoptr(GSettings) settings = schema ? g_settings_new_full (schema, NULL, NULL)   /* GSETTINGS_BACKEND=memory */ : NULL;
  GtkWindow *window = show_in_window (page, 700, 600);
  g_autofree char *joined = NULL;
  AdwEntryRow *address;

  jn_sessions_page_set_sessions (JN_SESSIONS_PAGE (page), G_LIST_MODEL (sessions));
  if (settings != NULL)
    jn_sessions_page_set_settings (JN_SESSIONS_PAGE (page), settings);
  g_signal_connect (page, "join-url", G_CALLBACK (on_join_url), &joined);
  /* the address row's apply joins that address */
  address = (AdwEntryRow *) jn_test_find_widget (page, ADW_TYPE_ENTRY_ROW);
  g_assert_nonnull (address);
  gtk_editable_set_text (GTK_EDITABLE (address), "192.0.2.7:7420");
  g_signal_emit_by_name (address, "apply");
  g_assert_cmpstr (joined, ==, "192.0.2.7:7420");
  /* one that cannot be an address: said in full under the row, nothing
   * joined; typing again clears it */
  {
    GtkWidget *said;

    g_clear_pointer (&joined, g_free);
    gtk_editable_set_text (GTK_EDITABLE (address), "http://192.0.2.7:7420");
    g_signal_emit_by_name (address, "apply");
    g_assert_null (joined);
    said = jn_test_find_first (page, is_label_with, "try host:port");
    g_assert_nonnull (said);
    g_assert_true (gtk_widget_get_visible (said));
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (said)), "http://192.0.2.7:7420"));
    g_assert_cmpint (gtk_label_get_ellipsize (GTK_LABEL (said)), ==, PANGO_ELLIPSIZE_NONE);
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (address), "error"));
    jn_test_spin_for (200);
    save_screenshot (page, "widgets-bad-address.png");
    gtk_editable_set_text (GTK_EDITABLE (address), "192.0.2.7:7420");
    g_assert_false (gtk_widget_get_visible (said));
    g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (address), "error"));
  }

  /* recent sessions by name (text, not markup), their addresses under
   * them, and each can be forgotten */
  if (settings != NULL)
    {
      const char *recent[] = { "jamnet://192.0.2.7:7420/?fp=x", "192.0.2.8:7420", NULL };
      GVariantBuilder names;
      GtkWidget *named, *bare, *forget;
      g_auto(GStrv) left = NULL;

      g_variant_builder_init (&names, G_VARIANT_TYPE ("a{ss}"));
      g_variant_builder_add (&names, "{ss}", recent[0], "Tom & Jerry <jam>");
      g_settings_set_value (settings, "recent-session-names", g_variant_builder_end (&names));
      g_settings_set_strv (settings, "recent-sessions", recent);
      named = jn_test_find_row (page, ADW_TYPE_ACTION_ROW, "Tom & Jerry <jam>");
      bare = jn_test_find_row (page, ADW_TYPE_ACTION_ROW, "192.0.2.8:7420");
      g_assert_nonnull (named);
      g_assert_nonnull (bare);
      g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (named)), ==, recent[0]);
      g_assert_false (adw_preferences_row_get_use_markup (ADW_PREFERENCES_ROW (named)));
      forget = find_actionable_icon (named, "user-trash-symbolic");
      g_assert_nonnull (forget);
      g_signal_emit_by_name (forget, "clicked");
      left = g_settings_get_strv (settings, "recent-sessions");
      g_assert_cmpuint (g_strv_length (left), ==, 1);
      g_assert_cmpstr (left[0], ==, "192.0.2.8:7420");
      g_assert_null (jn_test_find_row (page, ADW_TYPE_ACTION_ROW, "Tom & Jerry <jam>"));
      g_settings_reset (settings, "recent-sessions");
      g_settings_reset (settings, "recent-session-names");
    }

  jn_sessions_page_set_sessions (JN_SESSIONS_PAGE (page), NULL);
  jn_sessions_page_set_settings (JN_SESSIONS_PAGE (page), NULL);
  gtk_window_destroy (window);
  g_assert_finalize_object (page);
}

static void
test_window_goes (void)
{
  JnWindow *window = jn_window_new (NULL, "127.0.0.1");

  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (jn_window_get_session (window));
  /* closing the window with the host dialog open */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.host", NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (window);
}

/* the widget under root that activates action */
static gboolean
activates (GtkWidget     *widget,
           gconstpointer  action)
{
  return GTK_IS_ACTIONABLE (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action)
{
  return jn_test_find_first (root, activates, action);
}

/* Recording from the window: Ctrl+R's action records the demo into the
 * folder of the preferences, the button says so, and again stops it;
 * Ctrl+M's mutes us */
static void
test_window_records (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-widgets-rec-XXXXXX", NULL);
  g_autoptr(GSettings) settings = g_settings_new ("org.jamnet.JamNet");
  JnWindow *window;
  JnSession *session;
  GtkWidget *button = NULL;
  g_autoptr(GDir) listing = NULL;
  guint n = 0;
  const char *name;

  g_settings_set_string (settings, "recording-folder", dir);
  g_settings_set_string (settings, "pnbtr-backend", "cpu");
  window = jn_window_new (NULL, "127.0.0.1");
  gtk_window_present (GTK_WINDOW (window));
  jn_window_demo (window);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       (jn_window_get_session (window) == NULL ||
        jn_session_get_state (jn_window_get_session (window)) != JN_SESSION_RUNNING) &&
       g_get_monotonic_time () < end; )
    g_main_context_iteration (NULL, TRUE);
  session = jn_window_get_session (window);
  g_assert_nonnull (session);
  jn_test_spin_for (300);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.record", NULL);
  g_assert_true (jn_session_get_recording (session));
  button = find_actionable (GTK_WIDGET (window), "win.record");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_has_css_class (button, "destructive-action"));
  g_assert_true (g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (button)), "● REC 0:0"));
  jn_test_spin_for (400);
  save_screenshot (GTK_WIDGET (window), "widgets-recording.png");
  jn_test_spin_for (700);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.record", NULL);
  g_assert_false (jn_session_get_recording (session));
  g_assert_false (gtk_widget_has_css_class (button, "destructive-action"));

  g_assert_false (jn_session_get_input_muted (session));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.mute-myself", NULL);
  g_assert_true (jn_session_get_input_muted (session));
  /* Ctrl+K: the metronome, and the jam view's switch says so */
  g_assert_false (jn_session_get_metronome (session));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.metronome", NULL);
  g_assert_true (jn_session_get_metronome (session));
  {
    GtkWidget *row = jn_test_find_row (GTK_WIDGET (window), ADW_TYPE_ACTION_ROW, "Me_tronome");

    g_assert_nonnull (row);
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (jn_test_find_widget (row, GTK_TYPE_SWITCH))));
    /* the demo's host sets the tempo */
    g_assert_true (gtk_widget_get_sensitive (jn_test_find_widget (row, GTK_TYPE_SPIN_BUTTON)));
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (jn_test_find_widget (row, GTK_TYPE_SPIN_BUTTON)), 96);
    g_assert_cmpfloat (jn_session_get_tempo (session), ==, 96.0);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_true (g_str_has_suffix (name, ".wav"));
      n++;
      g_unlink (path);
    }
  /* the player's and ours (the mix too, with an audio device) */
  g_assert_cmpuint (n, >=, 2);
  g_rmdir (dir);
  g_settings_reset (settings, "recording-folder");
}

static JnSession *
start (gboolean host, guint16 port, const char *certificate, const char *url)
{
  JnSessionConfig config;
  JnSession *session;
  JnTestStarted started = { 0 };
  gboolean ok;

  jn_session_config_init (&config);
  config.player_name = host ? "Host" : "Joiner";
  config.bind_address = "127.0.0.1";
  config.port = port;
  config.announce = FALSE;
  config.certificate_file = certificate;
  session = jn_session_new (&config);
  if (host)
    jn_session_host_async (session, "Moved jam", NULL, NULL, jn_test_on_started, &started);
  else
    jn_session_join_async (session, url, NULL, NULL, jn_test_on_started, &started);
  ok = jn_test_wait_started (&started, 10);
  g_assert_no_error (started.error);
  g_assert_true (ok);
  return session;
}

/* A toast saying text, waited for (others before it are dismissed, as a
 * musician's click on their close button does); NULL if none came. */
static GtkWidget *
wait_toast (GtkWidget  *window,
            const char *text,
            guint       limit_ms)
{
  for (gint64 end = g_get_monotonic_time () + limit_ms * 1000; g_get_monotonic_time () < end;)
    {
      GtkWidget *overlay = jn_test_find_widget (window, ADW_TYPE_TOAST_OVERLAY);
      GtkWidget *label = jn_test_find_first (overlay, is_label, text);

      if (label != NULL)
        return label;
      jn_test_spin_for (50);
    }
  return NULL;
}

/* Who joins and leaves is told; those there when we join are no news. */
static void
test_window_join_leave_toasts (void)
{
  JnSession *host = start (TRUE, 0, NULL, NULL), *joiner;
  g_autofree char *url = jn_session_dup_local_url (host);
  JnWindow *window = jn_window_new (NULL, "127.0.0.1");

  gtk_window_present (GTK_WINDOW (window));
  jn_window_join (window, url);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       (jn_window_get_session (window) == NULL ||
        jn_session_get_state (jn_window_get_session (window)) != JN_SESSION_RUNNING) &&
       g_get_monotonic_time () < end; )
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (jn_session_get_state (jn_window_get_session (window)), ==, JN_SESSION_RUNNING);
  g_assert_null (wait_toast (GTK_WIDGET (window), "Host joined", 600));

  joiner = start (FALSE, 0, NULL, url);
  g_assert_nonnull (wait_toast (GTK_WIDGET (window), "Joiner joined", 8000));
  jn_test_spin_for (300);
  save_screenshot (GTK_WIDGET (window), "widgets-joined-toast.png");
  jn_session_leave (joiner);
  g_assert_nonnull (wait_toast (GTK_WIDGET (window), "Joiner left", 12000));

  gtk_window_destroy (GTK_WINDOW (window));
  jn_test_spin_for (100);
  jn_session_leave (host);
  g_assert_finalize_object (joiner);
  g_assert_finalize_object (host);
}

static AdwMessageDialog *
find_dialog (const char *heading)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) &&
        g_strcmp0 (adw_message_dialog_get_heading (l->data), heading) == 0)
      return l->data;
  return NULL;
}

static const char *
window_subtitle (JnWindow *window)
{
  GtkWidget *title = jn_test_find_widget (GTK_WIDGET (window), ADW_TYPE_WINDOW_TITLE);

  g_assert_nonnull (title);
  return adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title));
}

static AdwMessageDialog *
wait_dialog (const char *heading)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  AdwMessageDialog *dialog;

  while ((dialog = find_dialog (heading)) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (dialog);
  return dialog;
}

/* No "Joining…" left behind: a protected session joined without its
 * passphrase asks for it, a wrong one asks again, and a cancelled prompt
 * leaves the window as it was, with nothing joining */
static void
test_no_stale_joining (void)
{
  JnSessionConfig config;
  JnTestStarted started = { 0 };
  g_autofree char *url = NULL;
  AdwMessageDialog *dialog;
  JnSession *host;
  JnWindow *window;
  const char *subtitle;

  jn_session_config_init (&config);
  config.player_name = "Host";
  config.bind_address = "127.0.0.1";
  config.announce = FALSE;
  host = jn_session_new (&config);
  jn_session_host_async (host, "Locked jam", "moonlight", NULL, jn_test_on_started, &started);
  g_assert_true (jn_test_wait_started (&started, 10));
  url = jn_session_dup_local_url (host);

  window = jn_window_new (NULL, "127.0.0.1");
  gtk_window_present (GTK_WINDOW (window));
  jn_window_join (window, url);
  g_assert_cmpstr (window_subtitle (window), ==, "Joining…");
  dialog = wait_dialog ("Passphrase Needed");
  subtitle = window_subtitle (window);
  g_assert_true (subtitle == NULL || *subtitle == '\0');
  g_assert_null (jn_window_get_session (window));

  /* a wrong one: refused, asked again, nothing joining */
  gtk_editable_set_text (GTK_EDITABLE (jn_test_find_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW)),
                         "sunshine");
  adw_message_dialog_response (dialog, "join");
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       ((dialog = find_dialog ("Passphrase Needed")) == NULL ||
        strstr (adw_message_dialog_get_body (dialog), "not the session") == NULL) &&
       g_get_monotonic_time () < end; )
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "not the session"));
  subtitle = window_subtitle (window);
  g_assert_true (subtitle == NULL || *subtitle == '\0');

  /* cancelled: still nothing */
  adw_message_dialog_response (dialog, "cancel");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  subtitle = window_subtitle (window);
  g_assert_true (subtitle == NULL || *subtitle == '\0');
  g_assert_null (jn_window_get_session (window));

  gtk_window_destroy (GTK_WINDOW (window));
  jn_session_leave (host);
  g_assert_finalize_object (host);
}

/* Joined by address, a session whose certificate changed since: the window
 * asks, and joins once the musician accepts. */
static void
test_certificate_changed (void)
{
  g_autofree char *dir = g_dir_make_tmp ("jamnet-widgets-XXXXXX", NULL);
  g_autofree char *one = g_build_filename (dir, "one.pem", NULL);
  g_autofree char *two = g_build_filename (dir, "two.pem", NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC, end;
  g_autofree char *address = NULL;
  JnSession *host, *joiner;
  JnWindow *window;
  AdwMessageDialog *dialog = NULL;
  guint16 port;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *pem = jn_identity_generate_pem (now - 60, now + 3600, NULL);

      g_assert_true (g_file_set_contents (i ? two : one, pem, -1, NULL));
    }
  host = start (TRUE, 0, one, NULL);
  {
    g_autofree char *url = jn_session_dup_local_url (host);

    port = (guint16) atoi (strrchr (strstr (url, "://") + 3, ':') + 1);
  }
  address = g_strdup_printf ("127.0.0.1:%u", port);
  joiner = start (FALSE, 0, NULL, address);   /* the first contact, remembered */
  jn_session_leave (joiner);
  g_object_unref (joiner);
  jn_session_leave (host);
  g_object_unref (host);
  host = start (TRUE, port, two, NULL);

  window = jn_window_new (NULL, "127.0.0.1");
  gtk_window_present (GTK_WINDOW (window));
  jn_window_join (window, address);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((dialog = find_dialog ("Session Changed Its Identity")) == NULL &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (dialog);
  g_assert_null (jn_window_get_session (window));
  if (g_getenv ("JAMNET_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *png = g_build_filename (g_getenv ("JAMNET_SCREENSHOT_DIR"),
                                               "certificate-changed.png", NULL);

      for (guint i = 0; i < 20; i++)
        g_main_context_iteration (NULL, FALSE);
      g_assert_true (jn_test_save_png (GTK_WIDGET (dialog), png, NULL));
    }
  adw_message_dialog_response (dialog, "accept");
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((jn_window_get_session (window) == NULL ||
          jn_session_get_state (jn_window_get_session (window)) != JN_SESSION_RUNNING) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (jn_window_get_session (window));
  g_assert_cmpint (jn_session_get_state (jn_window_get_session (window)), ==, JN_SESSION_RUNNING);

  gtk_window_destroy (GTK_WINDOW (window));

  /* the LAN list: a beacon naming this host with another certificate (a
   * twin) is marked and cannot be joined; the honest one can */
  {
    g_autoptr(JnDiscovery) d = jn_discovery_new ("127.0.0.1", NULL);
    g_autofree char *url = jn_session_dup_local_url (host);
    JnAnnouncer *honest = jn_announcer_new ("127.0.0.1", "Honest jam", "Ana", port, FALSE,
                                            strstr (url, "fp=") + 3, NULL);
    JnAnnouncer *twin = jn_announcer_new ("127.0.0.1", "Twin jam", "Ana", port, FALSE,
                                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
    GtkWidget *page = g_object_ref_sink (g_object_new (JN_TYPE_SESSIONS_PAGE, NULL));
    GtkWindow *list_window;
    GtkWidget *marked = NULL;

    g_assert_nonnull (d);
    jn_sessions_page_set_sessions (JN_SESSIONS_PAGE (page), G_LIST_MODEL (d));
    list_window = show_in_window (page, 720, 420);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (marked == NULL && g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
        for (GtkWidget *w = jn_test_find_widget (page, ADW_TYPE_ACTION_ROW); w != NULL;
             w = gtk_widget_get_next_sibling (w))
          if (ADW_IS_ACTION_ROW (w) && gtk_widget_has_css_class (w, "error"))
            marked = w;
      }
    g_assert_nonnull (marked);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (marked)), ==, "Twin jam");
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (marked)),
                              "does not match its announcement"));
    if (g_getenv ("JAMNET_SCREENSHOT_DIR") != NULL)
      {
        g_autofree char *png = g_build_filename (g_getenv ("JAMNET_SCREENSHOT_DIR"),
                                                 "twin-session.png", NULL);

        for (guint i = 0; i < 50; i++)
          {
            g_main_context_iteration (NULL, FALSE);
            g_usleep (2000);
          }
        g_assert_true (jn_test_save_png (page, png, NULL));
      }
    jn_sessions_page_set_sessions (JN_SESSIONS_PAGE (page), NULL);
    gtk_window_destroy (list_window);
    g_object_unref (page);
    jn_announcer_free (twin);
    jn_announcer_free (honest);
  }

  jn_session_leave (host);
  g_object_unref (host);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_unlink (one);
  g_unlink (two);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("jamnet-widgets-home-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);

  /* remembered certificates of its own, before GLib reads where they go */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      return 77;
    }
  adw_init ();
  /* the app's own styles, as JnApplication loads them, so that the
   * pictures show what a musician sees */
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/org/jamnet/JamNet/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  g_test_add_func ("/widgets/graph-draws", test_graph_draws);
  g_test_add_func ("/widgets/peer-row-binds", test_peer_row_binds);
  g_test_add_func ("/widgets/level-meter", test_level_meter);
  g_test_add_func ("/widgets/jam-page-meters", test_jam_page_meters);
  g_test_add_func ("/widgets/meters-cost", test_meters_cost);
  g_test_add_func ("/widgets/audio-banner", test_audio_banner);
  g_test_add_func ("/widgets/hosting-invite", test_hosting_invite);
  g_test_add_func ("/widgets/peer-page-follows", test_peer_page_follows);
  g_test_add_func ("/widgets/peer-page-latency", test_peer_page_latency);
  g_test_add_func ("/widgets/jam-page-lists-peers", test_jam_page_lists_peers);
  g_test_add_func ("/widgets/host-dialog", test_host_dialog);
  g_test_add_func ("/widgets/sessions-page", test_sessions_page);
  g_test_add_func ("/widgets/internet-rooms", test_internet_rooms);
  g_test_add_func ("/widgets/open-room", test_open_room);
  g_test_add_func ("/widgets/window-goes", test_window_goes);
  g_test_add_func ("/widgets/certificate-changed", test_certificate_changed);
  g_test_add_func ("/widgets/no-stale-joining", test_no_stale_joining);
  g_test_add_func ("/widgets/window-join-leave-toasts", test_window_join_leave_toasts);
  g_test_add_func ("/widgets/window-records", test_window_records);
  return g_test_run ();
}
