/* jn-test-render.c: rendering widgets to textures and reading pixels back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "jn-graph.h"
#include <adwaita.h>

#include "jn-test-render.h"

GdkTexture *
jn_test_render (GtkWidget  *widget,
                GError    **error)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GtkNative *native = gtk_widget_get_native (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || width <= 0 || height <= 0 || native == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the widget has not been drawn yet");
      return NULL;
    }
  return gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

gboolean
jn_test_save_png (GtkWidget   *widget,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(GdkTexture) texture = jn_test_render (widget, error);

  if (texture == NULL)
    return FALSE;
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

GtkWidget *
jn_test_find_first (GtkWidget    *root,
                    JnTestMatch   match,
                    gconstpointer data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = jn_test_find_first (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return g_type_is_a (G_OBJECT_TYPE (widget), (GType) GPOINTER_TO_SIZE (type));
}

GtkWidget *
jn_test_find_widget (GtkWidget *root,
                     GType      type)
{
  return jn_test_find_first (root, is_of_type, GSIZE_TO_POINTER (type));
}

int
jn_test_count_line_pixels (GtkWidget *graph,
                           guint      line)
{
  g_autoptr(GdkTexture) texture = NULL;
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  const GdkRGBA *color = jn_graph_get_line_color (line);
  g_autofree guchar *pixels = NULL;
  int width, height;
  int n = 0;

  /* a widget that was asked to redraw has no frame until it has drawn */
  while ((texture = jn_test_render (graph, NULL)) == NULL && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  if (texture == NULL)
    return -1;
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    {
      /* CAIRO_FORMAT_ARGB32 in memory: B, G, R, A (premultiplied) */
      const guchar *p = pixels + 4 * i;
      double a = p[3] / 255.0;

      if (a > 0.5 && fabs (p[2] / 255.0 / a - color->red) < 0.08 && fabs (p[1] / 255.0 / a - color->green) < 0.08 &&
          fabs (p[0] / 255.0 / a - color->blue) < 0.08)
        n++;
    }
  return n;
}

typedef struct
{
  GType       type;
  const char *title;
} RowWanted;

static gboolean
is_row (GtkWidget     *widget,
        gconstpointer  data)
{
  const RowWanted *wanted = data;

  return g_type_is_a (G_OBJECT_TYPE (widget), wanted->type) && ADW_IS_PREFERENCES_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), wanted->title) == 0;
}

GtkWidget *
jn_test_find_row (GtkWidget  *root,
                  GType       type,
                  const char *title)
{
  RowWanted wanted = { type, title };

  return jn_test_find_first (root, is_row, &wanted);
}
