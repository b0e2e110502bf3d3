/* jn-host-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-host-dialog"

#include "config.h"

#include "jn-host-dialog.h"

struct _JnHostDialog
{
  AdwMessageDialog  parent_instance;

  GtkEditable      *name_row;
  GtkEditable      *passphrase_row;
  GtkSwitch        *announce_switch;
};

G_DEFINE_FINAL_TYPE (JnHostDialog, jn_host_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
jn_host_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), JN_TYPE_HOST_DIALOG);
  G_OBJECT_CLASS (jn_host_dialog_parent_class)->dispose (object);
}

static void
jn_host_dialog_class_init (JnHostDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jn_host_dialog_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/jamnet/JamNet/jn-host-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, JnHostDialog, announce_switch);
}

static void
jn_host_dialog_init (JnHostDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
jn_host_dialog_new (GtkWindow  *parent,
                    const char *suggested_name)
{
  JnHostDialog *self = g_object_new (JN_TYPE_HOST_DIALOG, "transient-for", parent, "modal", TRUE, NULL);

  gtk_editable_set_text (self->name_row, suggested_name ? suggested_name : "");
  return GTK_WIDGET (self);
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
