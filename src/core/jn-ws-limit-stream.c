/* jn-ws-limit-stream.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-ws-limit-stream"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "jn-ws-limit-stream.h"

typedef enum
{
  IN_REQUEST,      /* the HTTP upgrade request, up to its blank line */
  IN_HEADER,       /* a frame's header */
  IN_PAYLOAD,      /* its payload, passed on as it is */
  TRIPPED,
} State;

struct _JnWsLimitStream
{
  GFilterInputStream parent_instance;

  State    state;
  gsize    request_bytes;
  guint    request_match;   /* of "\r\n\r\n" */
  guint8   header[14];
  guint    header_have;
  guint64  payload_left;
  guint64  message_bytes;   /* of the data message under way */
};

static void jn_ws_limit_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JnWsLimitStream, jn_ws_limit_stream, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      jn_ws_limit_stream_pollable_init))

/* How long the header is once its first two bytes are in. */
static guint
header_size (const guint8 *h)
{
  guint len7 = h[1] & 0x7F;

  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
}

static gboolean
header_done (JnWsLimitStream *self)
{
  const guint8 *h = self->header;
  guint len7 = h[1] & 0x7F, opcode = h[0] & 0x0F;
  guint64 len = len7;

  if (len7 == 126)
    len = (guint64) h[2] << 8 | h[3];
  else if (len7 == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = len << 8 | h[2 + i];
    }
  /* a data frame starts a message, a continuation adds to it; control
   * frames (at most 125 bytes by RFC 6455) stand alone */
  if (opcode == 0x1 || opcode == 0x2)
    self->message_bytes = len;
  else if (opcode == 0x0)
    self->message_bytes += len;
  else if (len > 125)
    return FALSE;
  if (self->message_bytes > JN_WS_MAX_MESSAGE)
    return FALSE;
  self->payload_left = len;
  self->header_have = 0;
  self->state = len > 0 ? IN_PAYLOAD : IN_HEADER;
  return TRUE;
}

/* Follows n bytes the client sent; FALSE when they break a limit. */
static gboolean
follow (JnWsLimitStream *self,
        const guint8    *data,
        gsize            n)
{
  static const char end[] = "\r\n\r\n";

  for (gsize i = 0; i < n;)
    switch (self->state)
      {
      case IN_REQUEST:
        if (++self->request_bytes > JN_WS_MAX_REQUEST)
          return FALSE;
        self->request_match = data[i] == (guint8) end[self->request_match] ? self->request_match + 1
                              : data[i] == '\r' ? 1 : 0;
        if (self->request_match == 4)
          self->state = IN_HEADER;
        i++;
        break;

      case IN_HEADER:
        self->header[self->header_have++] = data[i++];
        if (self->header_have >= 2 && self->header_have == header_size (self->header) &&
            !header_done (self))
          return FALSE;
        break;

      case IN_PAYLOAD:
        {
          gsize take = (gsize) MIN ((guint64) (n - i), self->payload_left);

          self->payload_left -= take;
          i += take;
          if (self->payload_left == 0)
            self->state = IN_HEADER;
        }
        break;

      case TRIPPED:
      default:
        return FALSE;
      }
  return TRUE;
}

static gssize
checked (JnWsLimitStream *self,
         const void      *buffer,
         gssize           n,
         GError         **error)
{
  if (n <= 0)
    return n;
  if (self->state != TRIPPED && follow (self, buffer, (gsize) n))
    return n;
  self->state = TRIPPED;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
               _("A control message is larger than %u bytes"), JN_WS_MAX_MESSAGE);
  return -1;
}

static gssize
jn_ws_limit_stream_read (GInputStream  *stream,
                         void          *buffer,
                         gsize          count,
                         GCancellable  *cancellable,
                         GError       **error)
{
  JnWsLimitStream *self = JN_WS_LIMIT_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  if (self->state == TRIPPED)
    return checked (self, buffer, 1, error);
  return checked (self, buffer, g_input_stream_read (base, buffer, count, cancellable, error),
                  error);
}

static gboolean
jn_ws_limit_stream_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
jn_ws_limit_stream_is_readable (GPollableInputStream *stream)
{
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  return JN_WS_LIMIT_STREAM (stream)->state == TRIPPED ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base));
}

static GSource *
jn_ws_limit_stream_create_source (GPollableInputStream *stream,
                                  GCancellable         *cancellable)
{
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  g_autoptr(GSource) base_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (base),
                                                                          cancellable);
  GSource *source = g_pollable_source_new (G_OBJECT (stream));

  g_source_set_dummy_callback (base_source);
  g_source_add_child_source (source, base_source);
  return source;
}

static gssize
jn_ws_limit_stream_read_nonblocking (GPollableInputStream  *stream,
                                     void                  *buffer,
                                     gsize                  count,
                                     GError               **error)
{
  JnWsLimitStream *self = JN_WS_LIMIT_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  if (self->state == TRIPPED)
    return checked (self, buffer, 1, error);
  return checked (self, buffer,
                  g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (base), buffer,
                                                            count, NULL, error),
                  error);
}

static void
jn_ws_limit_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = jn_ws_limit_stream_can_poll;
  iface->is_readable = jn_ws_limit_stream_is_readable;
  iface->create_source = jn_ws_limit_stream_create_source;
  iface->read_nonblocking = jn_ws_limit_stream_read_nonblocking;
}

static void
jn_ws_limit_stream_class_init (JnWsLimitStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = jn_ws_limit_stream_read;
}

static void
jn_ws_limit_stream_init (JnWsLimitStream *self)
{
  self->state = IN_REQUEST;
}

GInputStream *
jn_ws_limit_stream_new (GInputStream *base)
{
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (base), NULL);

  return g_object_new (JN_TYPE_WS_LIMIT_STREAM, "base-stream", base, "close-base-stream", FALSE,
                       NULL);
}

gboolean
jn_ws_limit_stream_tripped (JnWsLimitStream *self)
{
  g_return_val_if_fail (JN_IS_WS_LIMIT_STREAM (self), FALSE);
  return self->state == TRIPPED;
}
