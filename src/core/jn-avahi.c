/* jn-avahi.c: Avahi's D-Bus API through GDBus (no libavahi)
 *
 * Every call is asynchronous; a publisher or browser freed while a call is
 * on its way is only marked dead (the replies hold a reference), so a late
 * reply never touches freed memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-avahi"

#include "config.h"

#include "jn-avahi.h"

#include <string.h>

#define AVAHI_NAME        "org.freedesktop.Avahi"
#define AVAHI_SERVER      "org.freedesktop.Avahi.Server"
#define AVAHI_GROUP       "org.freedesktop.Avahi.EntryGroup"
#define AVAHI_BROWSER     "org.freedesktop.Avahi.ServiceBrowser"
#define AVAHI_IF_UNSPEC   (-1)
#define AVAHI_PROTO_UNSPEC (-1)
#define AVAHI_PROTO_INET  0

/* --- publishing ------------------------------------------------------------- */

struct _JnAvahiPublisher
{
  gint             ref;
  gboolean         dead;
  GCancellable    *cancellable;
  GDBusConnection *bus;
  char            *group;   /* the entry group's object path */
  gboolean         committed;
  char            *name;
  guint16          port;
  GStrv            txt;
};

static JnAvahiPublisher *
publisher_ref (JnAvahiPublisher *p)
{
  g_atomic_int_inc (&p->ref);
  return p;
}

static void
publisher_unref (JnAvahiPublisher *p)
{
  if (!g_atomic_int_dec_and_test (&p->ref))
    return;
  g_clear_object (&p->cancellable);
  g_clear_object (&p->bus);
  g_free (p->group);
  g_free (p->name);
  g_strfreev (p->txt);
  g_free (p);
}

static GVariant *
txt_variant (const char *const *txt)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; txt != NULL && txt[i] != NULL; i++)
    g_variant_builder_add_value (&b, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, txt[i],
                                                                strlen (txt[i]), 1));
  return g_variant_builder_end (&b);
}

static void
on_published (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiPublisher *p = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Avahi did not publish “%s”: %s", p->name, error->message);
  else if (reply != NULL)
    p->committed = TRUE;
  publisher_unref (p);
}

static void
on_added (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiPublisher *p = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply != NULL && !p->dead)
    g_dbus_connection_call (p->bus, AVAHI_NAME, p->group, AVAHI_GROUP, "Commit", NULL, NULL,
                            G_DBUS_CALL_FLAGS_NONE, -1, p->cancellable, on_published, publisher_ref (p));
  else if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Avahi refused the service “%s”: %s", p->name, error->message);
  publisher_unref (p);
}

static void
on_group (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiPublisher *p = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply != NULL)
    {
      g_variant_get (reply, "(o)", &p->group);
      if (p->dead)
        /* freed meanwhile: take the group down again */
        g_dbus_connection_call (p->bus, AVAHI_NAME, p->group, AVAHI_GROUP, "Free", NULL, NULL,
                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
      else
        g_dbus_connection_call (p->bus, AVAHI_NAME, p->group, AVAHI_GROUP, "AddService",
                                g_variant_new ("(iiussssq@aay)", AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, 0u,
                                               p->name, JN_AVAHI_SERVICE_TYPE, "", "", p->port,
                                               txt_variant ((const char *const *) p->txt)),
                                NULL, G_DBUS_CALL_FLAGS_NONE, -1, p->cancellable, on_added,
                                publisher_ref (p));
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No Avahi daemon answers (%s); the beacon announces alone", error->message);
  publisher_unref (p);
}

static void
on_publisher_bus (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiPublisher *p = data;
  g_autoptr(GError) error = NULL;

  p->bus = g_bus_get_finish (result, &error);
  if (p->bus != NULL && !p->dead)
    g_dbus_connection_call (p->bus, AVAHI_NAME, "/", AVAHI_SERVER, "EntryGroupNew", NULL,
                            G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000,
                            p->cancellable, on_group, publisher_ref (p));
  else if (p->bus == NULL)
    g_debug ("No system bus (%s); the beacon announces alone", error->message);
  publisher_unref (p);
}

JnAvahiPublisher *
jn_avahi_publish (const char *name, guint16 port, const char *const *txt)
{
  JnAvahiPublisher *p = g_new0 (JnAvahiPublisher, 1);

  p->ref = 1;
  p->cancellable = g_cancellable_new ();
  p->name = g_strdup (name);
  p->port = port;
  p->txt = g_strdupv ((GStrv) txt);
  g_bus_get (G_BUS_TYPE_SYSTEM, p->cancellable, on_publisher_bus, publisher_ref (p));
  return p;
}

void
jn_avahi_publisher_set_txt (JnAvahiPublisher *p, const char *const *txt)
{
  g_strfreev (p->txt);
  p->txt = g_strdupv ((GStrv) txt);
  /* before the service is up, AddService will carry the new records */
  if (p->committed && !p->dead)
    g_dbus_connection_call (p->bus, AVAHI_NAME, p->group, AVAHI_GROUP, "UpdateServiceTxt",
                            g_variant_new ("(iiusss@aay)", AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, 0u, p->name,
                                           JN_AVAHI_SERVICE_TYPE, "", txt_variant (txt)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, p->cancellable, on_published,
                            publisher_ref (p));
}

void
jn_avahi_publisher_free (JnAvahiPublisher *p)
{
  if (p == NULL)
    return;
  p->dead = TRUE;
  if (p->group != NULL && p->bus != NULL)
    g_dbus_connection_call (p->bus, AVAHI_NAME, p->group, AVAHI_GROUP, "Free", NULL, NULL,
                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  else
    g_cancellable_cancel (p->cancellable);
  publisher_unref (p);
}

/* --- browsing ------------------------------------------------------------------ */

struct _JnAvahiBrowser
{
  gint             ref;
  gboolean         dead;
  GCancellable    *cancellable;
  GDBusConnection *bus;
  guint            subscription;
  char            *path;
  JnAvahiFound     found;
  JnAvahiLost      lost;
  gpointer         user_data;
};

static JnAvahiBrowser *
browser_ref (JnAvahiBrowser *b)
{
  g_atomic_int_inc (&b->ref);
  return b;
}

static void
browser_unref (JnAvahiBrowser *b)
{
  if (!g_atomic_int_dec_and_test (&b->ref))
    return;
  g_clear_object (&b->cancellable);
  g_clear_object (&b->bus);
  g_free (b->path);
  g_free (b);
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiBrowser *b = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply != NULL && !b->dead &&
      g_variant_is_of_type (reply, G_VARIANT_TYPE ("(iissssisqaayu)")))
    {
      g_autoptr(GHashTable) txt = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_autoptr(GVariant) records = NULL;
      const char *name, *address;
      guint16 port;
      GVariantIter iter;
      GVariant *record;

      /* interface, protocol, name, type, domain, host, address protocol,
       * address, port, TXT records, flags */
      g_variant_get (reply, "(ii&s&s&s&si&sq@aayu)", NULL, NULL, &name, NULL, NULL, NULL, NULL,
                     &address, &port, &records, NULL);
      g_variant_iter_init (&iter, records);
      while ((record = g_variant_iter_next_value (&iter)) != NULL)
        {
          gsize len = 0;
          const char *bytes = g_variant_get_fixed_array (record, &len, 1);
          g_autofree char *text = g_strndup (bytes, len);
          char *eq = strchr (text, '=');

          /* hostile: only printable UTF-8 key=value records */
          if (eq != NULL && eq != text && g_utf8_validate (text, -1, NULL))
            g_hash_table_replace (txt, g_strndup (text, (gsize) (eq - text)), g_strdup (eq + 1));
          g_variant_unref (record);
        }
      b->found (b->user_data, name, address, port, txt);
    }
  else if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Avahi could not resolve a session: %s", error->message);
  browser_unref (b);
}

static void
on_browser_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                   const char *signal, GVariant *params, gpointer data)
{
  JnAvahiBrowser *b = data;
  gint32 interface, protocol;
  const char *name, *type, *domain;
  guint32 flags;

  /* our own browser's, or one created by the same call whose reply is
   * still on its way (Avahi 0.8 can signal before replying): the type
   * tells */
  if (b->dead || !g_variant_is_of_type (params, G_VARIANT_TYPE ("(iisssu)")))
    return;
  g_variant_get (params, "(ii&s&s&su)", &interface, &protocol, &name, &type, &domain, &flags);
  if (!g_str_equal (type, JN_AVAHI_SERVICE_TYPE) || (b->path != NULL && g_strcmp0 (path, b->path)))
    return;
  if (g_str_equal (signal, "ItemNew"))
    g_dbus_connection_call (bus, AVAHI_NAME, "/", AVAHI_SERVER, "ResolveService",
                            g_variant_new ("(iisssiu)", interface, protocol, name, type, domain,
                                           AVAHI_PROTO_INET, 0u),
                            NULL, G_DBUS_CALL_FLAGS_NONE, 3000, b->cancellable, on_resolved,
                            browser_ref (b));
  else if (g_str_equal (signal, "ItemRemove"))
    b->lost (b->user_data, name);
}

static void
on_browser_created (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiBrowser *b = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply != NULL)
    g_variant_get (reply, "(o)", &b->path);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No Avahi daemon answers (%s); only the beacon finds sessions", error->message);
  browser_unref (b);
}

static void
on_browser_bus (GObject *source, GAsyncResult *result, gpointer data)
{
  JnAvahiBrowser *b = data;
  g_autoptr(GError) error = NULL;

  b->bus = g_bus_get_finish (result, &error);
  if (b->bus != NULL && !b->dead)
    {
      b->subscription = g_dbus_connection_signal_subscribe (b->bus, AVAHI_NAME, AVAHI_BROWSER, NULL,
                                                            NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                            on_browser_signal, browser_ref (b),
                                                            (GDestroyNotify) browser_unref);
      g_dbus_connection_call (b->bus, AVAHI_NAME, "/", AVAHI_SERVER, "ServiceBrowserNew",
                              g_variant_new ("(iissu)", AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                             JN_AVAHI_SERVICE_TYPE, "", 0u),
                              G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000,
                              b->cancellable, on_browser_created, browser_ref (b));
    }
  else if (b->bus == NULL)
    g_debug ("No system bus (%s); only the beacon finds sessions", error->message);
  browser_unref (b);
}

JnAvahiBrowser *
jn_avahi_browse (JnAvahiFound found, JnAvahiLost lost, gpointer user_data)
{
  JnAvahiBrowser *b = g_new0 (JnAvahiBrowser, 1);

  b->ref = 1;
  b->cancellable = g_cancellable_new ();
  b->found = found;
  b->lost = lost;
  b->user_data = user_data;
  g_bus_get (G_BUS_TYPE_SYSTEM, b->cancellable, on_browser_bus, browser_ref (b));
  return b;
}

void
jn_avahi_browser_free (JnAvahiBrowser *b)
{
  if (b == NULL)
    return;
  b->dead = TRUE;
  g_cancellable_cancel (b->cancellable);
  if (b->bus != NULL && b->subscription != 0)
    g_dbus_connection_signal_unsubscribe (b->bus, b->subscription);
  if (b->bus != NULL && b->path != NULL)
    g_dbus_connection_call (b->bus, AVAHI_NAME, b->path, AVAHI_BROWSER, "Free", NULL, NULL,
                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  browser_unref (b);
}
