/* jn-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-error"

#include "config.h"

#include "jn-error.h"

G_DEFINE_QUARK (jn-protocol-error-quark, jn_protocol_error)
G_DEFINE_QUARK (jn-session-error-quark, jn_session_error)

/* Stable machine names, used as keys in stats JSON. */
const char *
jn_protocol_error_to_string (JnProtocolError code)
{
  static const char *names[JN_PROTOCOL_ERROR_N_CODES] = {
    [JN_PROTOCOL_ERROR_TRUNCATED] = "truncated",
    [JN_PROTOCOL_ERROR_BAD_MAGIC] = "bad-magic",
    [JN_PROTOCOL_ERROR_BAD_VERSION] = "bad-version",
    [JN_PROTOCOL_ERROR_BAD_KIND] = "bad-kind",
    [JN_PROTOCOL_ERROR_BAD_LENGTH] = "bad-length",
    [JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT] = "bad-audio-format",
    [JN_PROTOCOL_ERROR_BAD_MIDI] = "bad-midi",
    [JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE] = "sysex-too-large",
    [JN_PROTOCOL_ERROR_BAD_JSON] = "bad-json",
    [JN_PROTOCOL_ERROR_BAD_MESSAGE] = "bad-message",
  };

  if ((guint) code >= JN_PROTOCOL_ERROR_N_CODES)
    return "unknown";
  return names[code];
}
