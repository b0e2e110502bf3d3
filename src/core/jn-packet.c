/* jn-packet.c: bounds-checked encoder and decoder of media datagrams
 *
 * Header fields are big-endian (network order); audio samples are
 * little-endian.  docs/protocol.md is the normative description.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-packet"

#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-byte-order.h"
#include "jn-error.h"
#include "jn-packet.h"


/* --- formats ------------------------------------------------------------- */

guint
jn_sample_format_bytes (JnSampleFormat format)
{
  switch (format)
    {
    case JN_SAMPLE_S16: return 2;
    case JN_SAMPLE_S24: return 3;
    case JN_SAMPLE_F32: return 4;
    default: return 0;
    }
}

/* What JamNet codes with Opus: 48 kHz, 1 or 2 channels, packets of whole
 * 64-frame Opus frames (docs/codec.md says why).  A packet carries no
 * bitrate: only a session's format is held to one. */
static gboolean
validate_opus (const JnAudioFormat  *format,
               gboolean              session,
               GError              **error)
{
  if (format->rate != JN_OPUS_RATE || format->frames % JN_OPUS_FRAME_SIZE != 0 ||
      format->frames == 0 || format->frames > JN_OPUS_MAX_FRAMES)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "Opus sessions run at %d Hz with packets of a multiple of %d frames up to "
                   "%d, not %u frames at %u Hz", JN_OPUS_RATE, JN_OPUS_FRAME_SIZE,
                   JN_OPUS_MAX_FRAMES, format->frames, format->rate);
      return FALSE;
    }
  if (format->channels > JN_OPUS_MAX_CHANNELS)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "Opus codes 1 or 2 channels, not %u", format->channels);
      return FALSE;
    }
  if (session && (format->bitrate < JN_OPUS_MIN_BITRATE || format->bitrate > JN_OPUS_MAX_BITRATE))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "Opus bitrate %u bit/s per channel is outside %d..%d",
                   format->bitrate, JN_OPUS_MIN_BITRATE, JN_OPUS_MAX_BITRATE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_format (const JnAudioFormat  *format,
                 gboolean              session,
                 GError              **error)
{
  if (format->format != JN_SAMPLE_OPUS && jn_sample_format_bytes (format->format) == 0)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "unknown sample format %d", format->format);
      return FALSE;
    }
  if (format->rate < JN_AUDIO_MIN_RATE || format->rate > JN_AUDIO_MAX_RATE)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "sample rate %u Hz is outside %d..%d Hz",
                   format->rate, JN_AUDIO_MIN_RATE, JN_AUDIO_MAX_RATE);
      return FALSE;
    }
  if (format->frames == 0 || format->frames > JN_AUDIO_MAX_FRAMES)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "%u frames per packet is outside 1..%d",
                   format->frames, JN_AUDIO_MAX_FRAMES);
      return FALSE;
    }
  if (format->channels == 0 || format->channels > JN_AUDIO_MAX_CHANNELS)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                   "%u channels is outside 1..%d",
                   format->channels, JN_AUDIO_MAX_CHANNELS);
      return FALSE;
    }
  if (format->format == JN_SAMPLE_OPUS)
    return validate_opus (format, session, error);
  if (JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + jn_audio_payload_size (format) >
      JN_PACKET_MAX_SIZE)
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                           "audio packet would be larger than a UDP datagram");
      return FALSE;
    }
  return TRUE;
}

gboolean
jn_audio_format_validate (const JnAudioFormat  *format,
                          GError              **error)
{
  return validate_format (format, TRUE, error);
}

gsize
jn_audio_payload_size (const JnAudioFormat *format)
{
  if (format->format == JN_SAMPLE_OPUS)
    return (gsize) JN_OPUS_MAX_FRAME_BYTES * (format->frames / JN_OPUS_FRAME_SIZE);  /* at most */
  return (gsize) format->frames * format->channels * jn_sample_format_bytes (format->format);
}

/* --- encoding ------------------------------------------------------------ */

static gsize
encode_header (guint8               *buf,
               gsize                 buf_size,
               const JnPacketHeader *header,
               gsize                 payload_size)
{
  if (payload_size > G_MAXUINT16 ||
      buf_size < JN_PACKET_HEADER_SIZE + payload_size ||
      JN_PACKET_HEADER_SIZE + payload_size > JN_PACKET_MAX_SIZE)
    return 0;

  put_u32 (buf, JN_PACKET_MAGIC);
  buf[4] = JN_PROTOCOL_VERSION;
  buf[5] = (guint8) header->kind;
  put_u16 (buf + 6, header->flags);
  put_u32 (buf + 8, header->sender_id);
  put_u16 (buf + 12, header->stream_id);
  put_u16 (buf + 14, (guint16) payload_size);
  put_u32 (buf + 16, header->seq);
  put_u64 (buf + 20, header->timestamp_us);
  return JN_PACKET_HEADER_SIZE;
}

/* 3.2's rate, frames, channels and format; returns where the samples go */
static guint8 *
put_audio_header (guint8              *p,
                  const JnAudioFormat *format)
{
  put_u32 (p, format->rate);
  put_u16 (p + 4, format->frames);
  p[6] = format->channels;
  p[7] = (guint8) format->format;
  return p + JN_AUDIO_HEADER_SIZE;
}

static inline float
clamp_unit (float v)
{
  if (!(v == v))  /* NaN */
    return 0.f;
  return CLAMP (v, -1.f, 1.f);
}

gsize
jn_packet_encode_audio (guint8               *buf,
                        gsize                 buf_size,
                        const JnPacketHeader *header,
                        const JnAudioFormat  *format,
                        const float          *interleaved)
{
  return jn_packet_encode_audio_copies (buf, buf_size, header, format, interleaved, NULL, 0);
}

gsize
jn_packet_encode_audio_copies (guint8               *buf,
                               gsize                 buf_size,
                               const JnPacketHeader *header,
                               const JnAudioFormat  *format,
                               const float          *interleaved,
                               const guint8         *copies,
                               gsize                 copies_size)
{
  JnPacketHeader h;
  gsize samples_size, n;
  guint8 *p;

  g_return_val_if_fail (buf != NULL && header != NULL && format != NULL, 0);
  g_return_val_if_fail (interleaved != NULL, 0);
  g_return_val_if_fail (jn_audio_format_validate (format, NULL), 0);
  g_return_val_if_fail (format->format != JN_SAMPLE_OPUS, 0);
  g_return_val_if_fail (copies != NULL || copies_size == 0, 0);

  h = *header;
  if (copies_size > 0)
    h.flags |= JN_PACKET_FLAG_COPIES;
  samples_size = jn_audio_payload_size (format);
  if (encode_header (buf, buf_size, &h, JN_AUDIO_HEADER_SIZE + copies_size + samples_size) == 0)
    return 0;

  p = put_audio_header (buf + JN_PACKET_HEADER_SIZE, format);
  if (copies_size > 0)
    memcpy (p, copies, copies_size);
  p += copies_size;

  n = (gsize) format->frames * format->channels;
  switch (format->format)
    {
    case JN_SAMPLE_S16:
      for (gsize i = 0; i < n; i++, p += 2)
        {
          long v = lrintf (clamp_unit (interleaved[i]) * 32768.f);
          guint16 u = (guint16) (gint16) CLAMP (v, -32768, 32767);

          p[0] = u & 0xFF;
          p[1] = u >> 8;
        }
      break;

    case JN_SAMPLE_S24:
      for (gsize i = 0; i < n; i++, p += 3)
        {
          long v = lrintf (clamp_unit (interleaved[i]) * 8388608.f);
          guint32 u = (guint32) (gint32) CLAMP (v, -8388608, 8388607);

          p[0] = u & 0xFF;
          p[1] = (u >> 8) & 0xFF;
          p[2] = (u >> 16) & 0xFF;
        }
      break;

    case JN_SAMPLE_F32:
      for (gsize i = 0; i < n; i++, p += 4)
        {
          float f = clamp_unit (interleaved[i]);
          guint32 u;

          memcpy (&u, &f, 4);
          p[0] = u & 0xFF;
          p[1] = (u >> 8) & 0xFF;
          p[2] = (u >> 16) & 0xFF;
          p[3] = u >> 24;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  return JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + copies_size + samples_size;
}

gsize
jn_packet_encode_audio_coded (guint8               *buf,
                              gsize                 buf_size,
                              const JnPacketHeader *header,
                              const JnAudioFormat  *format,
                              const guint8         *coded,
                              gsize                 coded_size)
{
  guint8 *p;

  g_return_val_if_fail (buf != NULL && header != NULL && format != NULL && coded != NULL, 0);
  g_return_val_if_fail (format->format == JN_SAMPLE_OPUS, 0);

  if (coded_size == 0 || coded_size > jn_audio_payload_size (format) ||
      encode_header (buf, buf_size, header, JN_AUDIO_HEADER_SIZE + coded_size) == 0)
    return 0;
  p = put_audio_header (buf + JN_PACKET_HEADER_SIZE, format);
  memcpy (p, coded, coded_size);
  return JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + coded_size;
}

gsize
jn_packet_encode_midi_journal (guint8               *buf,
                               gsize                 buf_size,
                               const JnPacketHeader *header,
                               const JnMidiEvent    *events,
                               guint                 n_events,
                               const guint8         *journal,
                               gsize                 journal_size)
{
  JnPacketHeader h;
  gsize payload_size = 1 + journal_size;
  guint8 *p;

  g_return_val_if_fail (buf != NULL && header != NULL, 0);
  g_return_val_if_fail (n_events <= JN_MIDI_MAX_EVENTS, 0);
  g_return_val_if_fail (n_events >= 1 || journal_size > 0, 0);
  g_return_val_if_fail (journal != NULL || journal_size == 0, 0);

  for (guint i = 0; i < n_events; i++)
    {
      if (!jn_midi_event_validate (events[i].data, events[i].size, NULL))
        return 0;
      payload_size += JN_MIDI_EVENT_HEADER_SIZE + events[i].size;
    }

  h = *header;
  if (journal_size > 0)
    h.flags |= JN_PACKET_FLAG_JOURNAL;
  if (encode_header (buf, buf_size, &h, payload_size) == 0)
    return 0;

  p = buf + JN_PACKET_HEADER_SIZE;
  *p++ = (guint8) n_events;
  for (guint i = 0; i < n_events; i++)
    {
      put_u32 (p, events[i].seq);
      put_u64 (p + 4, events[i].timestamp_us);
      put_u16 (p + 12, events[i].size);
      memcpy (p + JN_MIDI_EVENT_HEADER_SIZE, events[i].data, events[i].size);
      p += JN_MIDI_EVENT_HEADER_SIZE + events[i].size;
    }
  if (journal_size > 0)
    memcpy (p, journal, journal_size);

  return JN_PACKET_HEADER_SIZE + payload_size;
}

gsize
jn_packet_encode_midi (guint8               *buf,
                       gsize                 buf_size,
                       const JnPacketHeader *header,
                       const JnMidiEvent    *events,
                       guint                 n_events)
{
  g_return_val_if_fail (n_events >= 1, 0);

  return jn_packet_encode_midi_journal (buf, buf_size, header, events, n_events, NULL, 0);
}

gsize
jn_packet_encode_ping (guint8               *buf,
                       gsize                 buf_size,
                       const JnPacketHeader *header)
{
  g_return_val_if_fail (buf != NULL && header != NULL, 0);
  return encode_header (buf, buf_size, header, 0);
}

gsize
jn_packet_encode_forward (guint8               *buf,
                          gsize                 buf_size,
                          const JnPacketHeader *header,
                          guint32               dest,
                          const guint8         *inner,
                          gsize                 inner_size)
{
  g_return_val_if_fail (buf != NULL && header != NULL && inner != NULL, 0);

  if (inner_size < JN_PACKET_HEADER_SIZE || inner[5] < JN_PACKET_AUDIO || inner[5] > JN_PACKET_BYE ||
      encode_header (buf, buf_size, header, JN_FORWARD_HEADER_SIZE + inner_size) == 0)
    return 0;
  put_u32 (buf + JN_PACKET_HEADER_SIZE, dest);
  memmove (buf + JN_PACKET_HEADER_SIZE + JN_FORWARD_HEADER_SIZE, inner, inner_size);
  return JN_PACKET_HEADER_SIZE + JN_FORWARD_HEADER_SIZE + inner_size;
}

gsize
jn_packet_encode_bye (guint8               *buf,
                      gsize                 buf_size,
                      const JnPacketHeader *header)
{
  g_return_val_if_fail (buf != NULL && header != NULL, 0);
  return encode_header (buf, buf_size, header, 0);
}

gsize
jn_packet_encode_pong (guint8               *buf,
                       gsize                 buf_size,
                       const JnPacketHeader *header,
                       const JnSyncPong     *pong)
{
  guint8 *p;

  g_return_val_if_fail (buf != NULL && header != NULL && pong != NULL, 0);

  JnPacketHeader h = *header;
  gsize payload_size = JN_PONG_PAYLOAD_SIZE + (pong->has_midi_ack ? JN_PONG_ACK_SIZE : 0) +
                       (pong->has_report ? JN_PONG_REPORT_SIZE : 0);

  if (pong->has_midi_ack)
    h.flags |= JN_PACKET_FLAG_MIDI_ACK;
  if (pong->has_report)
    h.flags |= JN_PACKET_FLAG_REPORT;
  if (encode_header (buf, buf_size, &h, payload_size) == 0)
    return 0;
  p = buf + JN_PACKET_HEADER_SIZE;
  put_u32 (p, pong->ping_seq);
  put_u64 (p + 4, pong->t1_us);
  put_u64 (p + 12, pong->t2_us);
  p += JN_PONG_PAYLOAD_SIZE;
  if (pong->has_midi_ack)
    {
      put_u32 (p, pong->midi_ack);
      p += JN_PONG_ACK_SIZE;
    }
  if (pong->has_report)
    {
      put_u32 (p, pong->lost);
      put_u32 (p + 4, pong->received);
      p[8] = pong->burst;
      p[9] = pong->depth;
    }
  return JN_PACKET_HEADER_SIZE + payload_size;
}

/* --- decoding ------------------------------------------------------------ */

/* The copies section of an audio packet (docs/protocol.md 3.2); its size. */
static gboolean
decode_copies (const guint8  *p,
               gsize          size,
               JnPacket      *packet,
               gsize         *used,
               GError       **error)
{
  const JnAudioFormat *format = &packet->audio.format;
  guint samples = (guint) format->frames * format->channels, k;
  gsize at = 1;

  if (format->format == JN_SAMPLE_OPUS)
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                           "copies are not carried in Opus packets");
      return FALSE;
    }
  if (size < 1 || (k = p[0]) < 1 || k > JN_COPY_MAX)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                   "audio packet announces %u copies (1..%d)", size < 1 ? 0 : p[0], JN_COPY_MAX);
      return FALSE;
    }
  for (guint i = 0; i < k; i++)
    {
      guint back, bits;
      gsize n;

      if (size - at < 2)
        goto truncated;
      back = p[at];
      bits = p[at + 1];
      /* each of an earlier packet, nearest first, none before the first */
      if (back < 1 || back > JN_COPY_MAX_BACK || (i > 0 && back <= packet->audio.copies[i - 1].back) ||
          back > packet->header.seq || bits < JN_COPY_MIN_BITS || bits > JN_COPY_MAX_BITS)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT,
                       "copy %u is of packet -%u at %u bits: not allowed", i + 1, back, bits);
          return FALSE;
        }
      n = jn_audio_copy_size (samples, bits);
      if (size - at - 2 < n)
        goto truncated;
      packet->audio.copies[i].back = back;
      packet->audio.copies[i].bits = bits;
      packet->audio.copies[i].data = p + at + 2;
      at += 2 + n;
    }
  packet->audio.n_copies = k;
  *used = at;
  return TRUE;

truncated:
  g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                       "audio packet ends inside its copies");
  return FALSE;
}

static gboolean
decode_audio (const guint8  *p,
              gsize          size,
              JnPacket      *packet,
              GError       **error)
{
  JnAudioFormat *format = &packet->audio.format;

  if (size < JN_AUDIO_HEADER_SIZE)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_TRUNCATED,
                   "audio packet of %" G_GSIZE_FORMAT " payload bytes has no format header",
                   size);
      return FALSE;
    }
  format->rate = get_u32 (p);
  format->frames = get_u16 (p + 4);
  format->channels = p[6];
  format->format = p[7];
  format->bitrate = 0;
  if (!validate_format (format, FALSE, error))
    return FALSE;
  packet->audio.n_copies = 0;
  if (packet->header.flags & JN_PACKET_FLAG_COPIES)
    {
      gsize used;

      if (!decode_copies (p + JN_AUDIO_HEADER_SIZE, size - JN_AUDIO_HEADER_SIZE, packet, &used,
                          error))
        return FALSE;
      /* the rest is the packet's own samples, as without copies */
      p += used;
      size -= used;
    }

  if (format->format == JN_SAMPLE_OPUS)
    {
      gsize coded = size - JN_AUDIO_HEADER_SIZE, n = format->frames / JN_OPUS_FRAME_SIZE;

      /* whole Opus frames of one size, each 2..JN_OPUS_MAX_FRAME_BYTES */
      if (coded % n != 0 || coded / n < 2 || coded / n > JN_OPUS_MAX_FRAME_BYTES)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                       "Opus packet of %" G_GSIZE_FORMAT " bytes is not %" G_GSIZE_FORMAT
                       " frames of 2..%d bytes", coded, n, JN_OPUS_MAX_FRAME_BYTES);
          return FALSE;
        }
    }
  else if (size - JN_AUDIO_HEADER_SIZE != jn_audio_payload_size (format))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                   "audio packet announces %u frames x %u channels but carries %"
                   G_GSIZE_FORMAT " sample bytes",
                   format->frames, format->channels, size - JN_AUDIO_HEADER_SIZE);
      return FALSE;
    }
  packet->audio.samples = p + JN_AUDIO_HEADER_SIZE;
  packet->audio.samples_size = size - JN_AUDIO_HEADER_SIZE;
  return TRUE;
}

static gboolean
decode_midi (const guint8  *p,
             gsize          size,
             JnPacket      *packet,
             GError       **error)
{
  const guint8 *end = p + size;
  gboolean has_journal = (packet->header.flags & JN_PACKET_FLAG_JOURNAL) != 0;
  guint n;

  if (size < 1)
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_TRUNCATED,
                           "MIDI packet has no event count");
      return FALSE;
    }
  n = *p++;
  if ((n == 0 && !has_journal) || n > JN_MIDI_MAX_EVENTS)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                   "MIDI packet announces %u events (1..%d allowed, 0 with a journal)",
                   n, JN_MIDI_MAX_EVENTS);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      JnMidiEvent *event = &packet->midi.events[i];
      guint16 event_size;

      if ((gsize) (end - p) < JN_MIDI_EVENT_HEADER_SIZE)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_TRUNCATED,
                       "MIDI packet ends inside the header of event %u of %u", i + 1, n);
          return FALSE;
        }
      event->seq = get_u32 (p);
      event->timestamp_us = get_u64 (p + 4);
      event_size = get_u16 (p + 12);
      p += JN_MIDI_EVENT_HEADER_SIZE;

      if (event_size > JN_MIDI_SYSEX_MAX)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE,
                       "MIDI event of %u bytes is larger than the %d byte limit",
                       event_size, JN_MIDI_SYSEX_MAX);
          return FALSE;
        }
      if ((gsize) (end - p) < event_size)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                       "MIDI event %u announces %u bytes but only %" G_GSIZE_FORMAT " remain",
                       i + 1, event_size, (gsize) (end - p));
          return FALSE;
        }
      if (!jn_midi_event_validate (p, event_size, error))
        return FALSE;
      memcpy (event->data, p, event_size);
      event->size = event_size;
      p += event_size;
    }

  packet->midi.has_journal = has_journal;
  if (has_journal)
    {
      if (!jn_midi_journal_decode (p, (gsize) (end - p), &packet->midi.journal, error))
        return FALSE;
      /* it is the state after the packet's last event */
      if (n > 0 && packet->midi.journal.seq != packet->midi.events[n - 1].seq)
        {
          g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI,
                               "MIDI journal does not follow the packet's last event");
          return FALSE;
        }
    }
  else if (p != end)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                   "MIDI packet has %" G_GSIZE_FORMAT " stray bytes after its events",
                   (gsize) (end - p));
      return FALSE;
    }
  packet->midi.n_events = n;
  return TRUE;
}

gboolean
jn_packet_decode (const guint8  *data,
                  gsize          size,
                  JnPacket      *packet,
                  GError       **error)
{
  JnPacketHeader *h;
  const guint8 *payload;
  guint kind;

  g_return_val_if_fail (packet != NULL, FALSE);

  if (data == NULL || size < JN_PACKET_HEADER_SIZE)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_TRUNCATED,
                   "datagram of %" G_GSIZE_FORMAT " bytes is shorter than the %d byte header",
                   size, JN_PACKET_HEADER_SIZE);
      return FALSE;
    }
  if (get_u32 (data) != JN_PACKET_MAGIC)
    {
      g_set_error_literal (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MAGIC,
                           "datagram is not a JamNet packet (bad magic)");
      return FALSE;
    }
  if (data[4] != JN_PROTOCOL_VERSION)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_VERSION,
                   "packet has protocol version %u, this JamNet speaks version %d",
                   data[4], JN_PROTOCOL_VERSION);
      return FALSE;
    }

  h = &packet->header;
  kind = data[5];
  if (kind < JN_PACKET_AUDIO || kind > JN_PACKET_FORWARD)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_KIND,
                   "unknown packet kind %u", kind);
      return FALSE;
    }
  h->kind = kind;
  h->flags = get_u16 (data + 6);
  h->sender_id = get_u32 (data + 8);
  h->stream_id = get_u16 (data + 12);
  h->payload_size = get_u16 (data + 14);
  h->seq = get_u32 (data + 16);
  h->timestamp_us = get_u64 (data + 20);

  if ((h->flags & ~JN_PACKET_KNOWN_FLAGS) ||
      (h->kind != JN_PACKET_MIDI && (h->flags & (JN_PACKET_FLAG_REDUNDANT | JN_PACKET_FLAG_JOURNAL))) ||
      (h->kind != JN_PACKET_SYNC_PONG && (h->flags & (JN_PACKET_FLAG_MIDI_ACK | JN_PACKET_FLAG_REPORT))) ||
      (h->kind != JN_PACKET_AUDIO && (h->flags & (JN_PACKET_FLAG_RESUMED | JN_PACKET_FLAG_COPIES))))
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_KIND,
                   "packet of kind %u has unknown flags 0x%04x", h->kind, h->flags);
      return FALSE;
    }
  if ((gsize) h->payload_size != size - JN_PACKET_HEADER_SIZE)
    {
      g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                   "packet header announces %u payload bytes, datagram carries %" G_GSIZE_FORMAT,
                   h->payload_size, size - JN_PACKET_HEADER_SIZE);
      return FALSE;
    }

  payload = data + JN_PACKET_HEADER_SIZE;
  switch (h->kind)
    {
    case JN_PACKET_AUDIO:
      return decode_audio (payload, h->payload_size, packet, error);

    case JN_PACKET_MIDI:
      return decode_midi (payload, h->payload_size, packet, error);

    case JN_PACKET_SYNC_PONG:
      {
        JnSyncPong *pong = &packet->pong;
        const guint8 *extra = payload + JN_PONG_PAYLOAD_SIZE;
        gsize want;

        memset (pong, 0, sizeof *pong);
        pong->has_midi_ack = (h->flags & JN_PACKET_FLAG_MIDI_ACK) != 0;
        pong->has_report = (h->flags & JN_PACKET_FLAG_REPORT) != 0;
        want = JN_PONG_PAYLOAD_SIZE + (pong->has_midi_ack ? JN_PONG_ACK_SIZE : 0) +
               (pong->has_report ? JN_PONG_REPORT_SIZE : 0);
        if (h->payload_size != want)
          {
            g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                         "clock-sync reply has %u payload bytes, expected %" G_GSIZE_FORMAT,
                         h->payload_size, want);
            return FALSE;
          }
        pong->ping_seq = get_u32 (payload);
        pong->t1_us = get_u64 (payload + 4);
        pong->t2_us = get_u64 (payload + 12);
        if (pong->has_midi_ack)
          {
            pong->midi_ack = get_u32 (extra);
            extra += JN_PONG_ACK_SIZE;
          }
        if (pong->has_report)
          {
            pong->lost = get_u32 (extra);
            pong->received = get_u32 (extra + 4);
            pong->burst = extra[8];
            pong->depth = extra[9];
          }
        return TRUE;
      }

    case JN_PACKET_SYNC_PING:
    case JN_PACKET_BYE:
      if (h->payload_size != 0)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                       "%s packet must have no payload, has %u bytes",
                       h->kind == JN_PACKET_BYE ? "bye" : "clock-sync", h->payload_size);
          return FALSE;
        }
      return TRUE;

    case JN_PACKET_FORWARD:
      /* the inner datagram is the receiver's to decode, as its own */
      if (h->payload_size < JN_FORWARD_HEADER_SIZE + JN_PACKET_HEADER_SIZE ||
          payload[JN_FORWARD_HEADER_SIZE + 5] < JN_PACKET_AUDIO ||
          payload[JN_FORWARD_HEADER_SIZE + 5] > JN_PACKET_BYE)
        {
          g_set_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH,
                       "forwarded packet of %u payload bytes holds no datagram",
                       h->payload_size);
          return FALSE;
        }
      packet->forward.dest = get_u32 (payload);
      packet->forward.inner = payload + JN_FORWARD_HEADER_SIZE;
      packet->forward.inner_size = h->payload_size - JN_FORWARD_HEADER_SIZE;
      return TRUE;

    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

void
jn_packet_audio_to_float (const JnPacket *packet,
                          float          *out)
{
  const JnAudioFormat *format;
  const guint8 *p;
  gsize n;

  g_return_if_fail (packet != NULL && packet->header.kind == JN_PACKET_AUDIO);
  g_return_if_fail (packet->audio.format.format != JN_SAMPLE_OPUS);

  format = &packet->audio.format;
  p = packet->audio.samples;
  n = (gsize) format->frames * format->channels;

  switch (format->format)
    {
    case JN_SAMPLE_S16:
      for (gsize i = 0; i < n; i++, p += 2)
        out[i] = (gint16) (guint16) (p[0] | p[1] << 8) / 32768.f;
      break;

    case JN_SAMPLE_S24:
      for (gsize i = 0; i < n; i++, p += 3)
        {
          guint32 u = p[0] | p[1] << 8 | (guint32) p[2] << 16;
          gint32 v = (u & 0x800000) ? (gint32) (u | 0xFF000000u) : (gint32) u;

          out[i] = v / 8388608.f;
        }
      break;

    case JN_SAMPLE_F32:
      for (gsize i = 0; i < n; i++, p += 4)
        {
          guint32 u = p[0] | p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
          float f;

          memcpy (&f, &u, 4);
          /* hostile input: no NaN, Inf or out-of-range samples reach a mixer */
          out[i] = isfinite (f) ? CLAMP (f, -1.f, 1.f) : 0.f;
        }
      break;

    default:
      g_assert_not_reached ();
    }
}
