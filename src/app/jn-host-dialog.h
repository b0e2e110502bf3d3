/* jn-host-dialog.h: "Host a Session": its name, an optional passphrase, and
 * whether the LAN hears of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define JN_TYPE_HOST_DIALOG (jn_host_dialog_get_type ())
G_DECLARE_FINAL_TYPE (JnHostDialog, jn_host_dialog, JN, HOST_DIALOG, AdwMessageDialog)

/* Responds "host" or "cancel".  servers (NULL or empty: only this
 * computer) are offered as places to open a room. */
GtkWidget  *jn_host_dialog_new              (GtkWindow    *parent,
                                             const char   *suggested_name,
                                             const char *const *servers);
/* The server to open a room on, as given; NULL: this computer hosts */
const char *jn_host_dialog_get_server       (JnHostDialog *self);
/* NULL when left empty */
const char *jn_host_dialog_get_session_name (JnHostDialog *self);
const char *jn_host_dialog_get_passphrase   (JnHostDialog *self);
/* On the LAN, or in the server's room list */
gboolean    jn_host_dialog_get_announce     (JnHostDialog *self);

G_END_DECLS
