/* jn-error.h: error domains of libjamnet-core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reasons a datagram or a control message is refused.  The values index the
 * per-reason drop counters of JnMediaEngine, so keep them dense. */
typedef enum
{
  JN_PROTOCOL_ERROR_TRUNCATED,
  JN_PROTOCOL_ERROR_BAD_MAGIC,
  JN_PROTOCOL_ERROR_BAD_VERSION,
  JN_PROTOCOL_ERROR_BAD_KIND,
  JN_PROTOCOL_ERROR_BAD_LENGTH,
  JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
  JN_PROTOCOL_ERROR_BAD_MIDI,
  JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE,
  JN_PROTOCOL_ERROR_BAD_JSON,
  JN_PROTOCOL_ERROR_BAD_MESSAGE,
  JN_PROTOCOL_ERROR_N_CODES
} JnProtocolError;

/* Why a session could not be joined or went away. */
typedef enum
{
  JN_SESSION_ERROR_WRONG_PASSPHRASE,
  JN_SESSION_ERROR_VERSION_MISMATCH,
  JN_SESSION_ERROR_BAD_REQUEST,
  JN_SESSION_ERROR_SESSION_FULL,
  JN_SESSION_ERROR_CLOSED,
  JN_SESSION_ERROR_BAD_URL,
  JN_SESSION_ERROR_INSECURE,
  JN_SESSION_ERROR_CERTIFICATE,          /* not the one pinned, expired, unusable */
  JN_SESSION_ERROR_CERTIFICATE_CHANGED,  /* not the one seen the last time */
  JN_SESSION_ERROR_TOO_MANY_ATTEMPTS,    /* passphrase guessing: wait */
  JN_SESSION_ERROR_NO_SUCH_ROOM,         /* a server has no room of that name */
  JN_SESSION_ERROR_ROOM_EXISTS,          /* creating a room whose name is taken */
  JN_SESSION_ERROR_SERVER_FULL,          /* a server holds as many rooms as it may */
  JN_SESSION_ERROR_LOST,                 /* the connection broke, or went silent (never on the wire) */
} JnSessionError;

#define JN_PROTOCOL_ERROR (jn_protocol_error_quark ())
#define JN_SESSION_ERROR (jn_session_error_quark ())

GQuark       jn_protocol_error_quark      (void);
GQuark       jn_session_error_quark       (void);
const char  *jn_protocol_error_to_string  (JnProtocolError code);

G_END_DECLS
