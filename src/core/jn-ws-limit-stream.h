/* jn-ws-limit-stream.h: a WebSocket server's input, watched for size
 *
 * libsoup limits each frame's payload, not a message's: continuation
 * frames are joined without bound.  This filter sits under libsoup on a
 * joiner's connection and follows what passes: the HTTP upgrade request
 * (at most JN_WS_MAX_REQUEST bytes), then the client's frames, summing
 * each message across its fragments; past JN_WS_MAX_MESSAGE it fails the
 * read (G_IO_ERROR_MESSAGE_TOO_LARGE) and libsoup drops the connection,
 * before it has buffered more than that.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JN_WS_MAX_REQUEST  8192
#define JN_WS_MAX_MESSAGE  (16 * 1024)

#define JN_TYPE_WS_LIMIT_STREAM (jn_ws_limit_stream_get_type ())
G_DECLARE_FINAL_TYPE (JnWsLimitStream, jn_ws_limit_stream, JN, WS_LIMIT_STREAM, GFilterInputStream)

/* base must be pollable (a socket's or a TLS connection's input). */
GInputStream *jn_ws_limit_stream_new        (GInputStream    *base);
/* TRUE once it refused what came. */
gboolean      jn_ws_limit_stream_tripped    (JnWsLimitStream *self);

G_END_DECLS
