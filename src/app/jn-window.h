/* jn-window.h: JamNet's main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-discovery.h"
#include "jn-session.h"

G_BEGIN_DECLS

#define JN_TYPE_WINDOW (jn_window_get_type ())
G_DECLARE_FINAL_TYPE (JnWindow, jn_window, JN, WINDOW, AdwApplicationWindow)

JnWindow   *jn_window_new                (AdwApplication *app,
                                          const char     *discovery_interface);
/* The sessions on the LAN (JnSessionInfo), NULL when discovery failed. */
GListModel *jn_window_get_sessions       (JnWindow       *self);
void        jn_window_join               (JnWindow       *self,
                                          const char     *url);
/* As the browser's Join button: asks for the passphrase where one is needed. */
void        jn_window_join_session       (JnWindow       *self,
                                          JnSessionInfo  *info);
void        jn_window_host               (JnWindow       *self);
void        jn_window_demo               (JnWindow       *self);
/* The session played in, NULL when there is none. */
JnSession  *jn_window_get_session        (JnWindow       *self);
/* Opens a player's graphs (as a click on their row does). */
void        jn_window_show_peer          (JnWindow       *self,
                                          JnPeer         *peer);

G_END_DECLS
