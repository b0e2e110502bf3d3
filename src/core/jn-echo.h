/* jn-echo.h: playing one peer's stream back to it, for its latency test
 *
 * A peer asks (JN_CONTROL_ECHO, docs/protocol.md): for that many seconds
 * the capture is that peer's playout of the period before and nothing
 * else (the musician is not heard meanwhile); otherwise the capture is
 * left alone.  jn_echo_start() from any thread; the rest on the media
 * thread, where nothing allocates or locks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _JnEcho JnEcho;

JnEcho  *jn_echo_new        (guint          frames,
                             guint          channels);
void     jn_echo_free       (JnEcho        *echo);
/* Plays peer_id back for seconds from now (0: stops). */
void     jn_echo_start      (JnEcho        *echo,
                             guint32        peer_id,
                             guint          seconds);
gboolean jn_echo_is_active  (JnEcho        *echo);

/* TRUE when the echo filled out (the capture is the echo's). */
gboolean jn_echo_capture    (JnEcho        *echo,
                             float         *out,
                             guint          frames,
                             guint          channels);
void     jn_echo_playout    (JnEcho        *echo,
                             guint32        peer_id,
                             const float   *audio,
                             guint          frames,
                             guint          channels);
void     jn_echo_period_end (JnEcho        *echo,
                             guint          frames,
                             guint          channels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnEcho, jn_echo_free)

G_END_DECLS
