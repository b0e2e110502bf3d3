/* jn-graph.h: a full-size live graph of one or two time series, with axes,
 * units and a legend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define JN_TYPE_GRAPH (jn_graph_get_type ())
G_DECLARE_FINAL_TYPE (JnGraph, jn_graph, JN, GRAPH, GtkWidget)

#define JN_GRAPH_MAX_LINES 2

GtkWidget *jn_graph_new        (const char *title,
                                const char *unit);
/* samples: a GArray of JnSample (taken); NULL clears the line. */
void       jn_graph_set_line   (JnGraph    *self,
                                guint       index,
                                const char *name,
                                GArray     *samples);
/* The time window shown: the span_us up to now_us. */
/* The colour line `index` is drawn in. */
const GdkRGBA *jn_graph_get_line_color (guint index);
void       jn_graph_set_window (JnGraph    *self,
                                gint64      now_us,
                                gint64      span_us);

G_END_DECLS
