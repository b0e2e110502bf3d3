/* jn-window.h: JamNet's main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-discovery.h"

G_BEGIN_DECLS

#define JN_TYPE_WINDOW (jn_window_get_type ())
G_DECLARE_FINAL_TYPE (JnWindow, jn_window, JN, WINDOW, AdwApplicationWindow)

JnWindow   *jn_window_new                (AdwApplication *app,
                                          const char     *discovery_interface);
GListModel *jn_window_get_sessions       (JnWindow       *self);
void        jn_window_join               (JnWindow       *self,
                                          const char     *url);
/* As the browser's Join button: asks for the passphrase where one is needed. */
void        jn_window_join_session       (JnWindow       *self,
                                          JnSessionInfo  *info);
void        jn_window_host               (JnWindow       *self);
void        jn_window_demo               (JnWindow       *self);
/* the peers' snapshot as shown, for tests: 0 if not in a session */
guint       jn_window_get_n_peers        (JnWindow       *self);
double      jn_window_get_first_peer_rtt (JnWindow       *self);
/* Writes the session's report (format from the file's extension) off the
 * main thread. */
void        jn_window_export_report_async  (JnWindow            *self,
                                            GFile               *file,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    jn_window_export_report_finish (JnWindow            *self,
                                            GAsyncResult        *result,
                                            GError             **error);
/* "pipewire", "alsa", "null", or "none" when no device opened. */
const char *jn_window_get_audio_backend  (JnWindow       *self);
/* where the audio device is linked now, for people ("Input: … · Output: …") */
char         *jn_window_dup_audio_links    (JnWindow     *self);
/* Opens the graphs of the first player in the list (as a click on it does). */
void        jn_window_show_first_peer    (JnWindow       *self);
/* A toplevel's current frame as a PNG (for headless tests). */
gboolean    jn_save_png                  (GtkWidget      *widget,
                                          const char     *path,
                                          GError        **error);
gboolean    jn_window_save_png           (JnWindow       *self,
                                          const char     *path,
                                          GError        **error);

G_END_DECLS
