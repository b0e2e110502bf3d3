/* jn-byte-order.h: big-endian fields of the wire formats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

static inline void
put_u16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xFF;
}

static inline void
put_u32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xFF;
  p[2] = (v >> 8) & 0xFF;
  p[3] = v & 0xFF;
}

static inline void
put_u64 (guint8 *p, guint64 v)
{
  put_u32 (p, (guint32) (v >> 32));
  put_u32 (p + 4, (guint32) v);
}

static inline guint16
get_u16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline guint64
get_u64 (const guint8 *p)
{
  return (guint64) get_u32 (p) << 32 | get_u32 (p + 4);
}
