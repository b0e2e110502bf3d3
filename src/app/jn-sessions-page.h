/* jn-sessions-page.h: the browser: sessions on the LAN, recent ones, join
 * by address, host or try the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-discovery.h"

G_BEGIN_DECLS

#define JN_TYPE_SESSIONS_PAGE (jn_sessions_page_get_type ())
G_DECLARE_FINAL_TYPE (JnSessionsPage, jn_sessions_page, JN, SESSIONS_PAGE, AdwBin)

/* sessions: a GListModel of JnSessionInfo, or NULL; settings: where the
 * recent sessions are kept, or NULL. */
void jn_sessions_page_set_sessions   (JnSessionsPage *self,
                                      GListModel     *sessions);
void jn_sessions_page_set_settings   (JnSessionsPage *self,
                                      GSettings      *settings);
void jn_sessions_page_focus_address  (JnSessionsPage *self);

G_END_DECLS
