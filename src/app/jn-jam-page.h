/* jn-jam-page.h: the jam view: the players and this computer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "jn-session.h"

G_BEGIN_DECLS

#define JN_TYPE_JAM_PAGE (jn_jam_page_get_type ())
G_DECLARE_FINAL_TYPE (JnJamPage, jn_jam_page, JN, JAM_PAGE, AdwBin)

/* The session shown, or NULL. */
void       jn_jam_page_set_session (JnJamPage *self,
                                    JnSession *session);
/* Where the audio device is linked, for people ("Input: … · Output: …");
 * "" without a device. */
char      *jn_jam_page_dup_links   (JnJamPage *self);
/* What is wrong with the audio, for the jam view's banner, or NULL: no
 * device (backend NULL; status: why), the null backend, an output that is
 * not linked, or at least 3 xruns in the last 10 s. */
char      *jn_audio_problem_describe (const char      *backend,
                                      const char      *status,
                                      JnAudioLinkState output,
                                      const char      *output_detail,
                                      guint64          recent_xruns);
/* What the page does once a frame (its tick callback): the levels the
 * session measured since, into each meter.  FALSE without a session. */
gboolean   jn_jam_page_update_meters (JnJamPage *self,
                                      gint64     frame_time);

G_END_DECLS
