/* jn-midi.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-midi"

#include "config.h"

#include <string.h>

#include "jn-error.h"
#include "jn-json.h"
#include "jn-midi.h"

/* Number of bytes a channel message of this status has, 0 if the status is
 * not a channel message. */
static guint
channel_message_size (guint8 status)
{
  switch (status & 0xF0)
    {
    case 0x80: case 0x90: case 0xA0: case 0xB0: case 0xE0:
      return 3;
    case 0xC0: case 0xD0:
      return 2;
    default:
      return 0;
    }
}

gboolean
jn_midi_event_validate (const guint8  *data,
                        gsize          size,
                        GError       **error)
{
  guint expected;

  if (size == 0 || data == NULL)
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                           "empty MIDI event");
      return FALSE;
    }

  if ((data[0] & 0x80) == 0)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                   "MIDI event starts with data byte 0x%02x (running status is not allowed)",
                   data[0]);
      return FALSE;
    }

  if (data[0] == 0xF0)
    {
      if (size > JN_MIDI_SYSEX_MAX)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE,
                       "SysEx message of %" G_GSIZE_FORMAT " bytes is larger than the %d byte limit",
                       size, JN_MIDI_SYSEX_MAX);
          return FALSE;
        }
      if (size < 2 || data[size - 1] != 0xF7)
        {
          g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                               "SysEx message does not end with 0xF7");
          return FALSE;
        }
      for (gsize i = 1; i + 1 < size; i++)
        if (data[i] & 0x80)
          {
            g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                         "SysEx message has status byte 0x%02x inside", data[i]);
            return FALSE;
          }
      return TRUE;
    }

  expected = channel_message_size (data[0]);
  if (expected == 0)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                   "unsupported MIDI status 0x%02x", data[0]);
      return FALSE;
    }
  if (size != expected)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                   "MIDI status 0x%02x needs %u bytes, got %" G_GSIZE_FORMAT,
                   data[0], expected, size);
      return FALSE;
    }
  for (gsize i = 1; i < size; i++)
    if (data[i] & 0x80)
      {
        g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                     "MIDI data byte 0x%02x is out of range", data[i]);
        return FALSE;
      }

  return TRUE;
}

void
jn_midi_event_init_short (JnMidiEvent *event,
                          guint8       status,
                          guint8       data1,
                          guint8       data2)
{
  g_return_if_fail (event != NULL);

  event->size = channel_message_size (status);
  event->data[0] = status;
  event->data[1] = data1 & 0x7F;
  event->data[2] = data2 & 0x7F;
}

/* --- JMID ---------------------------------------------------------------- */

typedef struct
{
  guint8      status;
  const char *tag;
  const char *key1;  /* name of data byte 1, NULL if it has none */
  const char *key2;  /* name of data byte 2, NULL if it has none */
} JmidKind;

static const JmidKind jmid_kinds[] = {
  { 0x80, "n-", "n", "v" },
  { 0x90, "n+", "n", "v" },
  { 0xA0, "pa", "n", "v" },
  { 0xB0, "cc", "n", "v" },
  { 0xC0, "pc", "v", NULL },
  { 0xD0, "cp", "v", NULL },
  { 0xE0, "pb", NULL, NULL },  /* "v": -8192 .. 8191 */
};

JsonNode *
jn_midi_event_to_jmid (const JnMidiEvent *event)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint8 status;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (event->size > 0 && event->size <= JN_MIDI_SYSEX_MAX, NULL);

  status = event->data[0];
  json_builder_begin_object (builder);

  if (status == 0xF0)
    {
      g_autofree char *hex = g_malloc (2 * event->size + 1);
      char *p = hex;

      for (guint i = 1; i + 1 < event->size; i++, p += 2)
        g_snprintf (p, 3, "%02x", event->data[i]);
      *p = '\0';
      json_builder_set_member_name (builder, "t");
      json_builder_add_string_value (builder, "sx");
      json_builder_set_member_name (builder, "d");
      json_builder_add_string_value (builder, hex);
    }
  else
    {
      const JmidKind *kind = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (jmid_kinds); i++)
        if (jmid_kinds[i].status == (status & 0xF0))
          kind = &jmid_kinds[i];
      g_return_val_if_fail (kind != NULL, NULL);

      json_builder_set_member_name (builder, "t");
      json_builder_add_string_value (builder, kind->tag);
      if (kind->status == 0xE0)
        {
          json_builder_set_member_name (builder, "v");
          json_builder_add_int_value (builder,
                                      (gint) (event->data[1] | (event->data[2] << 7)) - 8192);
        }
      else
        {
          json_builder_set_member_name (builder, kind->key1);
          json_builder_add_int_value (builder, event->data[1]);
          if (kind->key2 != NULL)
            {
              json_builder_set_member_name (builder, kind->key2);
              json_builder_add_int_value (builder, event->data[2]);
            }
        }
      json_builder_set_member_name (builder, "c");
      json_builder_add_int_value (builder, (status & 0x0F) + 1);
    }

  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, (gint64) event->timestamp_us);
  json_builder_set_member_name (builder, "seq");
  json_builder_add_int_value (builder, event->seq);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
jn_midi_event_to_jmid_string (const JnMidiEvent *event)
{
  g_autoptr(JsonNode) node = jn_midi_event_to_jmid (event);

  if (node == NULL)
    return NULL;
  return json_to_string (node, FALSE);
}

static gboolean
get_int_member (JsonObject  *object,
                const char  *name,
                gint64       min,
                gint64       max,
                gint64      *out,
                GError     **error)
{
  if (!jn_json_get_int (object, name, out))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                   "JMID event needs an integer \"%s\"", name);
      return FALSE;
    }
  if (*out < min || *out > max)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                   "JMID \"%s\" = %" G_GINT64_FORMAT " is outside %" G_GINT64_FORMAT
                   "..%" G_GINT64_FORMAT, name, *out, min, max);
      return FALSE;
    }
  return TRUE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

gboolean
jn_midi_event_from_jmid (JsonNode     *node,
                         JnMidiEvent  *event,
                         GError      **error)
{
  JsonObject *object;
  const char *tag;
  gint64 ts, seq;

  g_return_val_if_fail (event != NULL, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                           "JMID event is not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (node);
  tag = json_object_get_string_member_with_default (object, "t", NULL);
  if (tag == NULL)
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                           "JMID event has no string \"t\"");
      return FALSE;
    }

  if (!get_int_member (object, "ts", 0, G_MAXINT64, &ts, error) ||
      !get_int_member (object, "seq", 0, G_MAXUINT32, &seq, error))
    return FALSE;

  memset (event, 0, sizeof *event);
  event->timestamp_us = (guint64) ts;
  event->seq = (guint32) seq;

  if (g_str_equal (tag, "sx"))
    {
      const char *hex = json_object_get_string_member_with_default (object, "d", NULL);
      gsize len;

      if (hex == NULL || (len = strlen (hex)) % 2 != 0)
        {
          g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                               "JMID SysEx needs an even-length hex string \"d\"");
          return FALSE;
        }
      if (len / 2 + 2 > JN_MIDI_SYSEX_MAX)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE,
                       "SysEx message of %" G_GSIZE_FORMAT " bytes is larger than the %d byte limit",
                       len / 2 + 2, JN_MIDI_SYSEX_MAX);
          return FALSE;
        }
      event->data[0] = 0xF0;
      for (gsize i = 0; i < len / 2; i++)
        {
          int hi = hex_value (hex[2 * i]), lo = hex_value (hex[2 * i + 1]);

          if (hi < 0 || lo < 0)
            {
              g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                                   "JMID SysEx \"d\" is not hexadecimal");
              return FALSE;
            }
          event->data[1 + i] = (guint8) (hi << 4 | lo);
        }
      event->data[1 + len / 2] = 0xF7;
      event->size = (guint16) (len / 2 + 2);
    }
  else
    {
      const JmidKind *kind = NULL;
      gint64 channel, v1 = 0, v2 = 0;

      for (guint i = 0; i < G_N_ELEMENTS (jmid_kinds); i++)
        if (g_str_equal (jmid_kinds[i].tag, tag))
          kind = &jmid_kinds[i];
      if (kind == NULL)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                       "unknown JMID event type \"%s\"", tag);
          return FALSE;
        }
      if (!get_int_member (object, "c", 1, 16, &channel, error))
        return FALSE;

      if (kind->status == 0xE0)
        {
          if (!get_int_member (object, "v", -8192, 8191, &v1, error))
            return FALSE;
          v1 += 8192;
          v2 = v1 >> 7;
          v1 &= 0x7F;
        }
      else
        {
          if (!get_int_member (object, kind->key1, 0, 127, &v1, error))
            return FALSE;
          if (kind->key2 != NULL && !get_int_member (object, kind->key2, 0, 127, &v2, error))
            return FALSE;
        }
      jn_midi_event_init_short (event, kind->status | (guint8) (channel - 1), (guint8) v1, (guint8) v2);
    }

  return jn_midi_event_validate (event->data, event->size, error);
}

gboolean
jn_midi_event_from_jmid_string (const char   *text,
                                gssize        length,
                                JnMidiEvent  *event,
                                GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;

  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_JSON,
                   "JMID event is not valid JSON: %s", local_error->message);
      return FALSE;
    }
  return jn_midi_event_from_jmid (json_parser_get_root (parser), event, error);
}
