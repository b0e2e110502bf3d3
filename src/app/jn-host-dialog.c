/* jn-host-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-host-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "jn-host-dialog.h"
#include "jn-room-list.h"

struct _JnHostDialog
{
  AdwMessageDialog  parent_instance;

  AdwComboRow      *where_row;
  AdwActionRow     *announce_row;
  GStrv             servers;
  GtkEditable      *name_row;
  GtkEditable      *passphrase_row;
  GtkSwitch        *announce_switch;
};

G_DEFINE_FINAL_TYPE (JnHostDialog, jn_host_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
jn_host_dialog_dispose (GObject *object)
{
  g_clear_pointer (&JN_HOST_DIALOG (object)->servers, g_strfreev);
  gtk_widget_dispose_template (GTK_WIDGET (object), JN_TYPE_HOST_DIALOG);
  G_OBJECT_CLASS (jn_host_dialog_parent_class)->dispose (object);
}

static void
jn_host_dialog_class_init (JnHostDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jn_host_dialog_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-host-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, where_row);
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, announce_row);
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, announce_switch);
}

static void
jn_host_dialog_init (JnHostDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
on_where (AdwComboRow  *row,
          GParamSpec   *pspec,
          JnHostDialog *self)
{
  gboolean room = adw_combo_row_get_selected (row) > 0;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->announce_row),
                                 room ? _("List on the server") : _("Announce on this network"));
  adw_action_row_set_subtitle (self->announce_row,
                               room ? _("Off: players join by the room’s link only")
                                    : _("Off: players join by address only"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row),
                                 room ? _("Room name") : _("Session name"));
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self),
                                  room ? _("Open a Room") : _("Host a Session"));
  adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (self), "host",
                                         room ? _("_Open") : _("_Host"));
}

GtkWidget *
jn_host_dialog_new (GtkWindow          *parent,
                    const char         *suggested_name,
                    const char *const  *servers)
{
  JnHostDialog *self = g_object_new (JN_TYPE_HOST_DIALOG, "transient-for", parent, "modal", TRUE, NULL);

  gtk_editable_set_text (self->name_row, suggested_name ? suggested_name : "");
  if (servers != NULL && servers[0] != NULL)
    {
      g_autoptr(GtkStringList) places = gtk_string_list_new (NULL);

      gtk_string_list_append (places, _("This computer"));
      for (guint i = 0; servers[i] != NULL; i++)
        {
          /* the heading says it is a room there */
          g_autofree char *host_port = jn_server_dup_host_port (servers[i]);

          gtk_string_list_append (places, host_port ? host_port : servers[i]);
        }
      self->servers = g_strdupv ((char **) servers);
      adw_combo_row_set_model (self->where_row, G_LIST_MODEL (places));
      gtk_widget_set_visible (GTK_WIDGET (self->where_row), TRUE);
      g_signal_connect_object (self->where_row, "notify::selected", G_CALLBACK (on_where), self, 0);
    }
  return GTK_WIDGET (self);
}

const char *
jn_host_dialog_get_server (JnHostDialog *self)
{
  guint selected;

  g_return_val_if_fail (JN_IS_HOST_DIALOG (self), NULL);

  selected = adw_combo_row_get_selected (self->where_row);
  if (self->servers == NULL || selected == 0 || selected == GTK_INVALID_LIST_POSITION ||
      selected > g_strv_length (self->servers))
    return NULL;
  return self->servers[selected - 1];
}

static const char *
text_or_null (GtkEditable *editable)
{
  const char *text = gtk_editable_get_text (editable);

  return text != NULL && *text != '\0' ? text : NULL;
}

const char *
jn_host_dialog_get_session_name (JnHostDialog *self)
{
  g_return_val_if_fail (JN_IS_HOST_DIALOG (self), NULL);
  return text_or_null (self->name_row);
}

const char *
jn_host_dialog_get_passphrase (JnHostDialog *self)
{
  g_return_val_if_fail (JN_IS_HOST_DIALOG (self), NULL);
  return text_or_null (self->passphrase_row);
}

gboolean
jn_host_dialog_get_announce (JnHostDialog *self)
{
  g_return_val_if_fail (JN_IS_HOST_DIALOG (self), TRUE);
  return gtk_switch_get_active (self->announce_switch);
}
