/* jn-codec.h: Opus custom mode, the session codec beside PCM
 *
 * An encoder per sender, a decoder per stream it hears; both are plain C
 * state for the media thread (nothing allocated after they are made).
 * docs/protocol.md (section 3.2) says what goes on the wire, docs/codec.md
 * why these settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-packet.h"

G_BEGIN_DECLS

typedef struct _JnCodec JnCodec;

/* The state for one direction of one stream at format (which must be
 * JN_SAMPLE_OPUS and valid).  An encoder codes at format->bitrate bits per
 * second per channel, constant bitrate. */
JnCodec  *jn_codec_new_encoder   (const JnAudioFormat *format,
                                  GError             **error);
JnCodec  *jn_codec_new_decoder   (const JnAudioFormat *format,
                                  GError             **error);
void      jn_codec_free          (JnCodec             *codec);

/* Codes one packet of frames x channels interleaved floats into out; returns
 * the size written (jn_codec_packet_size()), 0 on failure or when out_size
 * is too small. */
gsize     jn_codec_encode        (JnCodec             *codec,
                                  const float         *interleaved,
                                  guint8              *out,
                                  gsize                out_size);
/* Decodes one coded packet into frames x channels interleaved floats.
 * FALSE when the data does not decode (out is then silence): the caller
 * counts it and plays nothing of it. */
gboolean  jn_codec_decode        (JnCodec             *codec,
                                  const guint8        *data,
                                  gsize                size,
                                  float               *out);
/* Tells the decoder that a packet was lost, so that its state (which runs
 * from frame to frame) carries over the gap.  Writes Opus's own guess of
 * the packet to out, which JamNet does not play: PNBTR conceals. */
void      jn_codec_decode_lost   (JnCodec             *codec,
                                  float               *out);
/* A jitter buffer's decoder (JnPacketDecoder), packets in sequence order:
 * data NULL is a lost one (the decoder is told; TRUE); one that does not
 * decode adds to *errors, FALSE. */
gboolean  jn_codec_decode_next   (JnCodec             *codec,
                                  const guint8        *data,
                                  gsize                size,
                                  float               *out,
                                  guint64             *errors);
/* The coded size of every packet at this format (constant bitrate). */
gsize     jn_codec_packet_size   (const JnAudioFormat *format);

/* How far the decoded audio lags what was coded, in frames: one Opus
 * frame (its MDCT overlap) for Opus, 0 for PCM.  test-codec measures it. */
guint     jn_codec_delay_frames  (const JnAudioFormat *format);
/* "PCM s16", "Opus 128 kbit/s": for the CLI, the app and reports. */
char     *jn_codec_describe      (const JnAudioFormat *format);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnCodec, jn_codec_free)

G_END_DECLS
