/* jn-sessions-page.c: the session browser
 *
 * Signals: join-session (a listed JnSessionInfo) and join-url (an address
 * typed or remembered, or a server's room); hosting and the demo are the
 * window's actions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-sessions-page"

#include "config.h"

#include <glib/gi18n.h>

#include "jn-client.h"
#include "jn-room-list.h"
#include "jn-sessions-page.h"

/* how often the servers' room lists are fetched again */
#define ROOMS_REFRESH_S 10

struct _JnSessionsPage
{
  AdwBin        parent_instance;

  GtkListBox   *sessions_list;
  GtkWidget    *internet_group;
  GtkListBox   *rooms_list;
  GCancellable *rooms_cancellable;   /* the servers' lists being fetched */
  guint         rooms_refresh;
  GtkWidget    *recent_group;
  GtkListBox   *recent_list;
  AdwEntryRow  *address_row;
  GtkLabel     *address_error;
  GSettings    *settings;
  GCancellable *cancellable;   /* the rows' pings */
};

enum { JOIN_SESSION, JOIN_URL, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (JnSessionsPage, jn_sessions_page, ADW_TYPE_BIN)

static void
on_join_clicked (GtkButton      *button,
                 JnSessionsPage *self)
{
  g_signal_emit (self, signals[JOIN_SESSION], 0, g_object_get_data (G_OBJECT (button), "session"));
}

static void
on_pinged (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  g_autoptr(GError) error = NULL;
  double ms = jn_session_info_ping_finish (JN_SESSION_INFO (source), result, &error);
  const char *subtitle = g_object_get_data (G_OBJECT (row), "subtitle");
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || gtk_widget_get_parent (row) == NULL)
    return;
  if (error == NULL &&
      jn_session_info_get_certificate_check (JN_SESSION_INFO (source)) == JN_CERTIFICATE_DIFFERS)
    {
      GtkWidget *join = g_object_get_data (G_OBJECT (row), "join");

      /* what answers is not what was announced: a twin, or an impostor */
      text = g_strdup_printf (_("%s · its certificate does not match its announcement: "
                                "not the session it claims to be"), subtitle);
      gtk_widget_add_css_class (row, "error");
      gtk_widget_set_sensitive (join, FALSE);
      gtk_widget_set_tooltip_text (join, _("This session is not what it announces; ask its host "
                                           "for an invite link"));
    }
  else if (error == NULL)
    /* TRANSLATORS: the row's details, then the measured ping */
    text = g_strdup_printf (_("%s · ping %.1f ms"), subtitle, ms);
  else
    text = g_strdup_printf (_("%s · not reachable"), subtitle);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
}

static GtkWidget *
session_row (gpointer item,
             gpointer user_data)
{
  JnSessionsPage *self = user_data;
  JnSessionInfo *info = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *join = gtk_button_new_with_label (_("Join"));
  guint players = jn_session_info_get_players (info);
  g_autofree char *subtitle =
    g_strdup_printf ("%s · %u %s%s · %s:%u", jn_session_info_get_host_name (info), players,
                     g_dngettext (GETTEXT_PACKAGE, "player", "players", players),
                     jn_session_info_has_passphrase (info) ? _(" · passphrase") : "",
                     jn_session_info_get_address (info), jn_session_info_get_port (info));

  /* names come from the network: never markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), jn_session_info_get_name (info));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "subtitle", g_strdup (subtitle), g_free);
  g_object_set_data (G_OBJECT (row), "join", join);
  jn_session_info_ping_async (info, self->cancellable, on_pinged, g_object_ref (row));
  gtk_widget_set_valign (join, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (join, "suggested-action");
  g_object_set_data_full (G_OBJECT (join), "session", g_object_ref (info), g_object_unref);
  g_signal_connect_object (join, "clicked", G_CALLBACK (on_join_clicked), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), join);
  return row;
}

/* An address that cannot be one is said under the row, in full, and
 * nothing is joined; one that can is joined (whether anyone answers
 * there the window says). */
static void
on_address_apply (AdwEntryRow    *row,
                  JnSessionsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (*text == '\0')
    return;
  url = jn_session_url_normalize (text, &error);
  if (url == NULL)
    {
      gtk_label_set_text (self->address_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->address_error), TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      return;
    }
  g_signal_emit (self, signals[JOIN_URL], 0, text);
}

static void
on_address_changed (AdwEntryRow    *row,
                    JnSessionsPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->address_error), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static void
on_recent_join (GtkButton      *button,
                JnSessionsPage *self)
{
  g_signal_emit (self, signals[JOIN_URL], 0, g_object_get_data (G_OBJECT (button), "url"));
}

/* Forget one recent session */
static void
on_recent_forget (GtkButton      *button,
                  JnSessionsPage *self)
{
  const char *url = g_object_get_data (G_OBJECT (button), "url");
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-sessions");
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) left = NULL;

  for (guint i = 0; recent[i] != NULL; i++)
    if (!g_str_equal (recent[i], url))
      g_strv_builder_add (kept, recent[i]);
  left = g_strv_builder_end (kept);
  g_settings_set_strv (self->settings, "recent-sessions", (const char *const *) left);
}

static void
on_recent_changed (GSettings      *settings,
                   const char     *key,
                   JnSessionsPage *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-sessions");
  g_autoptr(GVariant) names = g_settings_get_value (settings, "recent-session-names");

  /* gtk_list_box_remove_all() is GTK 4.12; Debian 12 has 4.8 */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL;)
    gtk_list_box_remove (self->recent_list, child);
  for (guint i = 0; recent[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *join = gtk_button_new_with_label (_("Join"));
      GtkWidget *forget = gtk_button_new_from_icon_name ("user-trash-symbolic");
      const char *name = NULL;
      g_autofree char *forget_label = NULL;

      /* the session's name, as its host gave it: text, not markup; its
       * address under it */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (g_variant_lookup (names, recent[i], "&s", &name) && *name != '\0')
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), recent[i]);
        }
      else
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), recent[i]);
      gtk_widget_set_valign (join, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (join), "url", g_strdup (recent[i]), g_free);
      g_signal_connect_object (join, "clicked", G_CALLBACK (on_recent_join), self, 0);
      gtk_widget_set_valign (forget, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (forget, "flat");
      /* TRANSLATORS: %s is a recent session's name or address */
      forget_label = g_strdup_printf (_("Forget %s"), name != NULL && *name != '\0' ? name : recent[i]);
      gtk_widget_set_tooltip_text (forget, forget_label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (forget), GTK_ACCESSIBLE_PROPERTY_LABEL, forget_label, -1);
      g_object_set_data_full (G_OBJECT (forget), "url", g_strdup (recent[i]), g_free);
      g_signal_connect_object (forget, "clicked", G_CALLBACK (on_recent_forget), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), forget);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), join);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (self->recent_group, recent[0] != NULL);
}

/* --- rooms on the internet ------------------------------------------------- */

typedef struct
{
  JnSessionsPage *page;     /* unowned: the fetch is cancelled before it goes */
  char           *server;   /* as the preferences name it */
} RoomFetch;

static void
room_fetch_free (RoomFetch *fetch)
{
  g_free (fetch->server);
  g_free (fetch);
}

static void
remove_server_rows (JnSessionsPage *self,
                    const char     *server)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->rooms_list));

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);
      const char *of = g_object_get_data (G_OBJECT (child), "server");

      if (of != NULL && (server == NULL || g_str_equal (of, server)))
        gtk_list_box_remove (self->rooms_list, child);
      child = next;
    }
}

static GtkWidget *
server_row (const char *server,
            const char *title,
            const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "server", g_strdup (server), g_free);
  return row;
}

static GtkWidget *
room_row (JnSessionsPage *self,
          const char     *server,
          JnRoomList     *list,
          JnRoomListing  *room)
{
  GtkWidget *join = gtk_button_new_with_label (_("Join"));
  g_autofree char *subtitle =
    /* TRANSLATORS: a room's server, its players and the most it holds, whether it has a
     * passphrase */
    g_strdup_printf (_("%s · %u/%u players%s"), list->server, room->players, room->max_players,
                     room->passphrase ? _(" · passphrase") : "");
  GtkWidget *row = server_row (server, room->name, subtitle);

  gtk_widget_set_valign (join, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (join, "suggested-action");
  g_object_set_data_full (G_OBJECT (join), "url", g_strdup (room->url), g_free);
  g_signal_connect_object (join, "clicked", G_CALLBACK (on_recent_join), self, 0);
  if (room->players >= room->max_players)
    {
      gtk_widget_set_sensitive (join, FALSE);
      gtk_widget_set_tooltip_text (join, _("The room is full"));
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), join);
  return row;
}

static void
on_room_list (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RoomFetch *fetch = user_data;
  JnSessionsPage *self = fetch->page;
  g_autoptr(GError) error = NULL;
  g_autoptr(JnRoomList) list = jn_room_list_fetch_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      room_fetch_free (fetch);
      return;
    }
  remove_server_rows (self, fetch->server);
  if (list == NULL)
    gtk_list_box_append (self->rooms_list, server_row (fetch->server, fetch->server, error->message));
  else if (list->rooms->len == 0)
    gtk_list_box_append (self->rooms_list,
                         server_row (fetch->server, list->server,
                                     _("No room is listed on this server yet")));
  for (guint i = 0; list != NULL && i < list->rooms->len; i++)
    gtk_list_box_append (self->rooms_list,
                         room_row (self, fetch->server, list, g_ptr_array_index (list->rooms, i)));
  room_fetch_free (fetch);
}

static void
fetch_rooms (JnSessionsPage *self)
{
  g_auto(GStrv) servers = self->settings ? g_settings_get_strv (self->settings, "servers") : NULL;

  for (guint i = 0; servers != NULL && servers[i] != NULL; i++)
    {
      RoomFetch *fetch = g_new0 (RoomFetch, 1);

      fetch->page = self;
      fetch->server = g_strdup (servers[i]);
      jn_room_list_fetch_async (servers[i], self->rooms_cancellable, on_room_list, fetch);
    }
}

static gboolean
on_rooms_refresh (gpointer user_data)
{
  fetch_rooms (user_data);
  return G_SOURCE_CONTINUE;
}

static void
stop_rooms (JnSessionsPage *self)
{
  g_cancellable_cancel (self->rooms_cancellable);
  g_clear_object (&self->rooms_cancellable);
  g_clear_handle_id (&self->rooms_refresh, g_source_remove);
}

/* The servers' lists are fetched only while the page is on screen: a
 * player in a session does not poll servers every few seconds. */
static void
start_rooms (JnSessionsPage *self)
{
  g_auto(GStrv) servers = self->settings ? g_settings_get_strv (self->settings, "servers") : NULL;

  stop_rooms (self);
  if (servers == NULL || servers[0] == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  self->rooms_cancellable = g_cancellable_new ();
  fetch_rooms (self);
  self->rooms_refresh = g_timeout_add_seconds (ROOMS_REFRESH_S, on_rooms_refresh, self);
}

static void
on_servers_changed (GSettings      *settings,
                    const char     *key,
                    JnSessionsPage *self)
{
  g_auto(GStrv) servers = g_settings_get_strv (settings, "servers");

  remove_server_rows (self, NULL);
  gtk_widget_set_visible (self->internet_group, servers[0] != NULL);
  start_rooms (self);
}

static void
jn_sessions_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (jn_sessions_page_parent_class)->map (widget);
  start_rooms (JN_SESSIONS_PAGE (widget));
}

static void
jn_sessions_page_unmap (GtkWidget *widget)
{
  stop_rooms (JN_SESSIONS_PAGE (widget));
  GTK_WIDGET_CLASS (jn_sessions_page_parent_class)->unmap (widget);
}

void
jn_sessions_page_set_sessions (JnSessionsPage *self,
                               GListModel     *sessions)
{
  g_return_if_fail (JN_IS_SESSIONS_PAGE (self));
  g_return_if_fail (sessions == NULL || G_IS_LIST_MODEL (sessions));

  gtk_list_box_bind_model (self->sessions_list, sessions, sessions ? session_row : NULL, self, NULL);
}

void
jn_sessions_page_set_settings (JnSessionsPage *self,
                               GSettings      *settings)
{
  g_return_if_fail (JN_IS_SESSIONS_PAGE (self));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  stop_rooms (self);
  if (settings == NULL)
    return;
  g_signal_connect_object (settings, "changed::recent-sessions", G_CALLBACK (on_recent_changed), self, 0);
  g_signal_connect_object (settings, "changed::servers", G_CALLBACK (on_servers_changed), self, 0);
  on_recent_changed (settings, "recent-sessions", self);
  on_servers_changed (settings, "servers", self);
}

void
jn_sessions_page_focus_address (JnSessionsPage *self)
{
  g_return_if_fail (JN_IS_SESSIONS_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
}

static void
jn_sessions_page_dispose (GObject *object)
{
  JnSessionsPage *self = JN_SESSIONS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  stop_rooms (self);
  if (self->sessions_list != NULL)
    gtk_list_box_bind_model (self->sessions_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), JN_TYPE_SESSIONS_PAGE);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (jn_sessions_page_parent_class)->dispose (object);
}

static void
jn_sessions_page_class_init (JnSessionsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jn_sessions_page_dispose;
  widget_class->map = jn_sessions_page_map;
  widget_class->unmap = jn_sessions_page_unmap;

  signals[JOIN_SESSION] = g_signal_new ("join-session", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, JN_TYPE_SESSION_INFO);
  signals[JOIN_URL] = g_signal_new ("join-url", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-sessions-page.ui");
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, sessions_list);
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, internet_group);
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, rooms_list);
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, recent_group);
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, recent_list);
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, address_row);
  gtk_widget_class_bind_template_child (widget_class, JnSessionsPage, address_error);
  gtk_widget_class_bind_template_callback (widget_class, on_address_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
}

static void
jn_sessions_page_init (JnSessionsPage *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  placeholder = gtk_label_new (_("No sessions on this network yet. Host one, or join by address."));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_list_box_set_placeholder (self->sessions_list, placeholder);
}
