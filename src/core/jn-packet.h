/* jn-packet.h: the binary media-plane datagram (docs/protocol.md, section 3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-audio-copy.h"
#include "jn-midi-journal.h"

G_BEGIN_DECLS

#define JN_PACKET_MAGIC          0x4A4E4554u  /* "JNET" */
#define JN_PROTOCOL_VERSION      3
#define JN_PACKET_HEADER_SIZE    28
#define JN_AUDIO_HEADER_SIZE     8
#define JN_PONG_PAYLOAD_SIZE     20
#define JN_PONG_ACK_SIZE         4   /* the MIDI acknowledgement after it */
#define JN_PONG_REPORT_SIZE      10  /* the receiver's report after that */
#define JN_MIDI_EVENT_HEADER_SIZE 14
/* Largest UDP payload over IPv4. */
#define JN_PACKET_MAX_SIZE       65507
#define JN_AUDIO_MAX_FRAMES      4096
#define JN_AUDIO_MAX_CHANNELS    8
#define JN_AUDIO_MIN_RATE        8000
#define JN_AUDIO_MAX_RATE        192000
#define JN_MIDI_MAX_EVENTS       16

typedef enum
{
  JN_PACKET_AUDIO     = 1,
  JN_PACKET_MIDI      = 2,
  JN_PACKET_SYNC_PING = 3,
  JN_PACKET_SYNC_PONG = 4,
  JN_PACKET_BYE       = 5,
  JN_PACKET_FORWARD   = 6,   /* through a room's server: a datagram of kind 1..5 inside */
} JnPacketKind;
#define JN_PACKET_N_KINDS (JN_PACKET_FORWARD + 1)
/* A forward room's server on the media plane (rooms' members are 2..) */
#define JN_HUB_PEER_ID      1
/* FORWARD's destination: every other member */
#define JN_FORWARD_ALL      0
#define JN_FORWARD_HEADER_SIZE 4

typedef enum
{
  JN_PACKET_FLAG_REDUNDANT = 1 << 0,  /* MIDI: a burst-redundancy copy */
  JN_PACKET_FLAG_SEALED    = 1 << 1,  /* on the wire only: jn-secure-transport.c opens it */
  JN_PACKET_FLAG_JOURNAL   = 1 << 2,  /* MIDI: a recovery journal follows the events */
  JN_PACKET_FLAG_MIDI_ACK  = 1 << 3,  /* sync-pong: acknowledges the pinger's MIDI */
  JN_PACKET_FLAG_RESUMED   = 1 << 4,  /* audio: the sender skipped numbers before this (it stalled) */
  JN_PACKET_FLAG_COPIES    = 1 << 5,  /* audio: copies of earlier packets come first */
  JN_PACKET_FLAG_REPORT    = 1 << 6,  /* sync-pong: reports how the pinger's audio arrives */
} JnPacketFlags;
#define JN_PACKET_KNOWN_FLAGS (JN_PACKET_FLAG_REDUNDANT | JN_PACKET_FLAG_JOURNAL | \
                               JN_PACKET_FLAG_MIDI_ACK | JN_PACKET_FLAG_RESUMED | \
                               JN_PACKET_FLAG_COPIES | JN_PACKET_FLAG_REPORT)

typedef enum
{
  JN_SAMPLE_S16 = 1,
  JN_SAMPLE_S24 = 2,
  JN_SAMPLE_F32 = 3,
  JN_SAMPLE_OPUS = 4,  /* not samples: Opus custom mode frames (jn-codec.h) */
} JnSampleFormat;

/* Opus custom mode: what a session may choose (docs/codec.md).  A packet
 * of an Opus session is frames / JN_OPUS_FRAME_SIZE Opus frames of one
 * size, back to back. */
#define JN_OPUS_RATE             48000
#define JN_OPUS_FRAME_SIZE       64
#define JN_OPUS_MAX_FRAMES       1024
#define JN_OPUS_MAX_FRAME_BYTES  1275
#define JN_OPUS_MIN_BITRATE      32000   /* bits/s per channel */
#define JN_OPUS_MAX_BITRATE      256000
#define JN_OPUS_DEFAULT_BITRATE  128000
#define JN_OPUS_MAX_CHANNELS     2

typedef struct
{
  JnPacketKind kind;
  guint16      flags;
  guint32      sender_id;
  guint16      stream_id;
  guint16      payload_size;  /* filled in by the encoder */
  guint32      seq;
  guint64      timestamp_us;  /* sender's monotonic clock */
} JnPacketHeader;

typedef struct
{
  guint32        rate;
  guint16        frames;
  guint8         channels;
  JnSampleFormat format;
  guint32        bitrate;  /* JN_SAMPLE_OPUS: bits/s per channel; else 0.  Not in packets */
} JnAudioFormat;

typedef struct
{
  guint32 ping_seq;
  guint64 t1_us;  /* ping's send time, requester's clock (echoed) */
  guint64 t2_us;  /* ping's arrival time, responder's clock */
  /* t3 is the pong header's timestamp, t4 the pong's arrival time */
  gboolean has_midi_ack;
  guint32  midi_ack;  /* the last of the pinger's MIDI events the ponger matches */
  /* how the pinger's audio arrives here (docs/protocol.md 3.4) */
  gboolean has_report;
  guint32  lost;      /* packets the network lost, all told */
  guint32  received;  /* packets that came, all told */
  guint8   burst;     /* the longest run of them lost in the last 2 s */
  guint8   depth;     /* the jitter buffer's depth, packets */
} JnSyncPong;

/* A decoded datagram.  Audio samples point into the datagram and are valid
 * as long as it is; everything else is copied. */
typedef struct
{
  JnPacketHeader header;
  union
  {
    struct
    {
      JnAudioFormat format;
      const guint8 *samples;
      gsize         samples_size;
      guint         n_copies;   /* with JN_PACKET_FLAG_COPIES, 1..JN_COPY_MAX */
      struct
      {
        guint         back;     /* a copy of packet seq - back */
        guint         bits;
        const guint8 *data;     /* jn_audio_copy_size() bytes */
      } copies[JN_COPY_MAX];
    } audio;
    struct
    {
      guint         n_events;    /* 0 only with a journal */
      JnMidiEvent   events[JN_MIDI_MAX_EVENTS];
      gboolean      has_journal;
      JnMidiJournal journal;
    } midi;
    JnSyncPong pong;
    struct
    {
      guint32       dest;       /* a member, or JN_FORWARD_ALL */
      const guint8 *inner;      /* a whole datagram of kind 1..5, clear */
      gsize         inner_size;
    } forward;
  };
} JnPacket;

guint    jn_sample_format_bytes     (JnSampleFormat format);
gboolean jn_audio_format_validate   (const JnAudioFormat *format,
                                     GError             **error);
gsize    jn_audio_payload_size      (const JnAudioFormat *format);

gboolean jn_packet_decode           (const guint8 *data,
                                     gsize         size,
                                     JnPacket     *packet,
                                     GError      **error);

/* Encoders write into buf and return the datagram size, or 0 when the
 * arguments are invalid or buf is too small. */
gsize    jn_packet_encode_audio     (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     const JnAudioFormat *format,
                                     const float         *interleaved);
/* An audio packet whose payload is already coded (format->format is
 * JN_SAMPLE_OPUS): coded_size bytes, 1..jn_audio_payload_size (format). */
/* The same with copies of earlier packets (the section of docs/protocol.md
 * 3.2 after the format: a count, then per copy back, bits and its bytes),
 * copies_size bytes of it; it sets JN_PACKET_FLAG_COPIES. */
gsize    jn_packet_encode_audio_copies (guint8           *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     const JnAudioFormat  *format,
                                     const float         *interleaved,
                                     const guint8        *copies,
                                     gsize                copies_size);
gsize    jn_packet_encode_audio_coded (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     const JnAudioFormat *format,
                                     const guint8        *coded,
                                     gsize                coded_size);
gsize    jn_packet_encode_midi      (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     const JnMidiEvent   *events,
                                     guint                n_events);
/* The same with a journal written by jn_midi_journal_writer_encode() after
 * the events (n_events may then be 0); it sets JN_PACKET_FLAG_JOURNAL. */
gsize    jn_packet_encode_midi_journal (guint8           *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     const JnMidiEvent   *events,
                                     guint                n_events,
                                     const guint8        *journal,
                                     gsize                journal_size);
gsize    jn_packet_encode_ping      (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header);
gsize    jn_packet_encode_pong      (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     const JnSyncPong    *pong);
gsize    jn_packet_encode_bye       (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header);
/* inner is a whole encoded datagram of kind 1..5 (docs/protocol.md 3.6) */
gsize    jn_packet_encode_forward   (guint8              *buf,
                                     gsize                buf_size,
                                     const JnPacketHeader *header,
                                     guint32              dest,
                                     const guint8        *inner,
                                     gsize                inner_size);

/* Converts the PCM payload of a decoded packet to interleaved float in
 * [-1, 1].  out must hold frames * channels values.  Coded payloads
 * (JN_SAMPLE_OPUS) go through jn_codec_decode() instead. */
void     jn_packet_audio_to_float   (const JnPacket *packet,
                                     float          *out);

G_END_DECLS
