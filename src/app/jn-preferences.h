/* jn-preferences.h: the preferences window, bound to GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

GtkWidget *jn_preferences_new (GtkWindow *parent,
                               GSettings *settings);

G_END_DECLS
