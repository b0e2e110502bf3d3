/* jn-json.h: one member of a JSON object from the network or a file, read
 * strictly by type
 *
 * Each returns nothing (NULL or FALSE) when the member is absent or is not
 * a value of that type (an object, an array, null, another scalar): hostile
 * input never reaches a json-glib accessor that would emit a critical.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The member's string (owned by object), or NULL. */
const char *jn_json_get_string  (JsonObject *object,
                                 const char *member);
/* An integer (a JSON number without a fraction). */
gboolean    jn_json_get_int     (JsonObject *object,
                                 const char *member,
                                 gint64     *out);
/* Any number, integer or not. */
gboolean    jn_json_get_number  (JsonObject *object,
                                 const char *member,
                                 double     *out);
gboolean    jn_json_get_boolean (JsonObject *object,
                                 const char *member,
                                 gboolean   *out);

G_END_DECLS
