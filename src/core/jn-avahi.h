/* jn-avahi.h: DNS-SD through the Avahi daemon on the system D-Bus
 * (service type _jamnet._tcp, docs/protocol.md section 6), alongside the
 * multicast beacon.  Where no Avahi daemon answers, both ends quietly do
 * nothing: the beacon works alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JN_AVAHI_SERVICE_TYPE "_jamnet._tcp"

typedef struct _JnAvahiPublisher JnAvahiPublisher;
typedef struct _JnAvahiBrowser JnAvahiBrowser;

/* txt: "key=value" strings, NULL-terminated. */
JnAvahiPublisher *jn_avahi_publish           (const char        *name,
                                              guint16            port,
                                              const char *const *txt);
/* New TXT records for a published service (e.g. a new player count). */
void              jn_avahi_publisher_set_txt (JnAvahiPublisher  *publisher,
                                              const char *const *txt);
void              jn_avahi_publisher_free    (JnAvahiPublisher  *publisher);

/* A service appeared (resolved to an IPv4 address) or went away.  txt maps
 * keys to values. */
typedef void (*JnAvahiFound) (gpointer     user_data,
                              const char  *name,
                              const char  *address,
                              guint16      port,
                              GHashTable  *txt);
typedef void (*JnAvahiLost)  (gpointer     user_data,
                              const char  *name);

JnAvahiBrowser   *jn_avahi_browse            (JnAvahiFound       found,
                                              JnAvahiLost        lost,
                                              gpointer           user_data);
void              jn_avahi_browser_free      (JnAvahiBrowser    *browser);

G_END_DECLS
