/* jn-sparkline.h: an always-moving line of a peer's recent figure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define JN_TYPE_SPARKLINE (jn_sparkline_get_type ())
G_DECLARE_FINAL_TYPE (JnSparkline, jn_sparkline, JN, SPARKLINE, GtkWidget)

GtkWidget *jn_sparkline_new     (void);
/* Keeps the last 100 values (ten seconds of 10 Hz samples); redraws. */
void       jn_sparkline_push    (JnSparkline *self,
                                 double       value);
guint      jn_sparkline_get_n_values (JnSparkline *self);
/* the top of its scale: the largest value it holds (0 when none) */
double     jn_sparkline_get_max      (JnSparkline *self);

G_END_DECLS
