/* jn-application.h: JamNet, the GTK app: its actions, shortcuts and the
 * options --join, --host, --demo and --discovery-interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-window.h"

G_BEGIN_DECLS

#define JN_TYPE_APPLICATION (jn_application_get_type ())
G_DECLARE_FINAL_TYPE (JnApplication, jn_application, JN, APPLICATION, AdwApplication)

JnApplication *jn_application_new        (void);
/* The main window, once activated. */
JnWindow      *jn_application_get_window (JnApplication *self);

G_END_DECLS
