/* jn-demo.h: a simulated remote player behind an emulated network, so a
 * session can be tried with no second machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "jn-media-engine.h"
#include "jn-relay.h"

/* The demo's network, in the app and jamnet-cli demo alike (README): 20 ms
 * each way, 4 ms of jitter, 2 % loss. */
#define JN_DEMO_DELAY_MS     20
#define JN_DEMO_JITTER_MS    4
#define JN_DEMO_LOSS_PERCENT 2

G_BEGIN_DECLS

typedef struct _JnDemo JnDemo;

/* Joins the session hosted by host_engine (reachable at url) with a second
 * media engine that streams the test tone, and reroutes both directions of
 * the media plane through a relay with `impairment`.  The demo player uses
 * the same concealment and jitter-buffer settings as configured by
 * `configure` (may be NULL) before it joins. */
void     jn_demo_new_async    (JnMediaEngine        *host_engine,
                               const char           *url,
                               const JnImpairment   *impairment,
                               void                (*configure) (JnMediaEngine *engine,
                                                                 gpointer       user_data),
                               gpointer              configure_data,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
JnDemo  *jn_demo_new_finish   (GAsyncResult         *result,
                               GError              **error);
JnMediaEngine *jn_demo_get_engine (JnDemo           *demo);
void     jn_demo_free         (JnDemo               *demo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnDemo, jn_demo_free)

G_END_DECLS
