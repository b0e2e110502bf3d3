/* jn-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-json"

#include "config.h"

#include "jn-json.h"

static GType
value_type (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
}

const char *
jn_json_get_string (JsonObject *object,
                    const char *member)
{
  return value_type (object, member) == G_TYPE_STRING ? json_object_get_string_member (object, member) : NULL;
}

gboolean
jn_json_get_int (JsonObject *object,
                 const char *member,
                 gint64     *out)
{
  if (value_type (object, member) != G_TYPE_INT64)
    return FALSE;
  *out = json_object_get_int_member (object, member);
  return TRUE;
}

gboolean
jn_json_get_number (JsonObject *object,
                    const char *member,
                    double     *out)
{
  GType type = value_type (object, member);

  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_object_get_double_member (object, member);
  return TRUE;
}

gboolean
jn_json_get_boolean (JsonObject *object,
                     const char *member,
                     gboolean   *out)
{
  if (value_type (object, member) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_object_get_boolean_member (object, member);
  return TRUE;
}
