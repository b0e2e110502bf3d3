/* jn-discovery.h: finding sessions on the LAN with a UDP multicast beacon
 * (docs/protocol.md, section 6)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JN_DISCOVERY_GROUP     "239.255.74.78"
#define JN_DISCOVERY_PORT      7421
#define JN_DISCOVERY_INTERVAL_MS 1000
/* a session not heard of for this long is gone */
#define JN_DISCOVERY_EXPIRE_MS 3500
/* a session only Avahi still lists: its port is tried this often, and it
 * goes after this many tries in a row that fail */
#define JN_DISCOVERY_CHECK_EVERY_MS 4000
#define JN_DISCOVERY_FAILED_TRIES 2
/* Sessions listed at most: a flood of forged beacons cannot grow the list
 * further (those over are ignored and counted; listed ones stay). */
#define JN_DISCOVERY_MAX_SESSIONS 100

#define JN_TYPE_SESSION_INFO (jn_session_info_get_type ())
G_DECLARE_FINAL_TYPE (JnSessionInfo, jn_session_info, JN, SESSION_INFO, GObject)

const char *jn_session_info_get_name        (JnSessionInfo *self);
const char *jn_session_info_get_host_name   (JnSessionInfo *self);
const char *jn_session_info_get_address     (JnSessionInfo *self);
guint16     jn_session_info_get_port        (JnSessionInfo *self);
guint       jn_session_info_get_players     (JnSessionInfo *self);
gboolean    jn_session_info_has_passphrase  (JnSessionInfo *self);
/* The fingerprint of the certificate it announces (jn-identity.h). */
const char *jn_session_info_get_fingerprint (JnSessionInfo *self);

typedef enum
{
  JN_CERTIFICATE_UNKNOWN,   /* not pinged yet, or no TLS answer */
  JN_CERTIFICATE_MATCHES,   /* presents the certificate it announces */
  JN_CERTIFICATE_DIFFERS,   /* presents another: a twin, or an impostor */
} JnCertificateCheck;

/* What the last jn_session_info_ping_async() found of its certificate. */
JnCertificateCheck jn_session_info_get_certificate_check (JnSessionInfo *self);
/* "jamnet://ADDRESS:PORT/?fp=FINGERPRINT" */
char       *jn_session_info_dup_url         (JnSessionInfo *self);
/* The browser's ping: how long opening a TCP connection to the session's
 * port takes (one round trip), in ms; fails when it is not reachable
 * within two seconds.  It then completes a TLS handshake, sends nothing
 * and closes, and records whether the session presents the certificate it
 * announces (jn_session_info_get_certificate_check()). */
void        jn_session_info_ping_async      (JnSessionInfo       *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
double      jn_session_info_ping_finish     (JnSessionInfo       *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Announcing a hosted session: now, every second, whenever someone asks,
 * and a bye when freed. */
typedef struct _JnAnnouncer JnAnnouncer;

/* interface: the IP address of the interface to use ("127.0.0.1" for
 * loopback only); NULL lets the system pick. */
JnAnnouncer *jn_announcer_new          (const char   *interface,
                                        const char   *session_name,
                                        const char   *host_name,
                                        guint16       port,
                                        gboolean      passphrase,
                                        const char   *fingerprint,
                                        GError      **error);
void         jn_announcer_set_players  (JnAnnouncer  *announcer,
                                        guint         players);
void         jn_announcer_free         (JnAnnouncer  *announcer);

/* The sessions announced on the LAN, as a GListModel of JnSessionInfo. */
#define JN_TYPE_DISCOVERY (jn_discovery_get_type ())
G_DECLARE_FINAL_TYPE (JnDiscovery, jn_discovery, JN, DISCOVERY, GObject)

JnDiscovery *jn_discovery_new          (const char   *interface,
                                        GError      **error);
/* datagrams that were not beacons, broken ones, and byes that were
 * forged (the session still answered on its port) */
guint64      jn_discovery_get_ignored  (JnDiscovery  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnAnnouncer, jn_announcer_free)

G_END_DECLS
