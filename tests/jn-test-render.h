/* jn-test-render.h: what a widget drew, for headless tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A widget's current frame (its own snapshot, at its size) as a texture;
 * NULL with an error before it has been drawn. */
GdkTexture *jn_test_render          (GtkWidget   *widget,
                                     GError     **error);
gboolean    jn_test_save_png        (GtkWidget   *widget,
                                     const char  *path,
                                     GError     **error);
/* The first widget under root (root included), depth first, that match
 * says is the one, or NULL. */
typedef gboolean (*JnTestMatch) (GtkWidget *widget, gconstpointer data);
GtkWidget  *jn_test_find_first      (GtkWidget   *root,
                                     JnTestMatch  match,
                                     gconstpointer data);
/* The first widget of type under root (root included), depth first, or
 * NULL. */
GtkWidget  *jn_test_find_widget     (GtkWidget   *root,
                                     GType        type);
/* The first AdwPreferencesRow of type under root titled title, or NULL. */
GtkWidget  *jn_test_find_row        (GtkWidget   *root,
                                     GType        type,
                                     const char  *title);
/* Pixels of a JnGraph drawn in the colour of its line `line` (its legend's
 * swatch included), waiting up to 3 s for a frame; -1 when none came. */
int         jn_test_count_line_pixels (GtkWidget *graph,
                                     guint        line);

G_END_DECLS
