/* jn-audio-copy.h: the compact copy of an earlier audio packet that a
 * packet may carry (docs/protocol.md 3.2, docs/codec.md)
 *
 * Block floating point: the samples (interleaved, as 16-bit values) in
 * blocks of JN_COPY_BLOCK, each block with a shift (4 bits) and its samples
 * in `bits` bits, two's complement, packed most significant bit first.
 * Every copy decodes alone: no state runs from packet to packet, so any
 * copy of any packet can restore it.  Plain C, nothing allocated: for the
 * media thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define JN_COPY_BLOCK     32
#define JN_COPY_MIN_BITS  4
#define JN_COPY_MAX_BITS  8
/* copies per packet, at most; each of one of the JN_COPY_MAX_BACK packets before */
#define JN_COPY_MAX       4
#define JN_COPY_MAX_BACK  4
/* --redundancy auto (docs/codec.md): copies while a receiver reported a
 * loss this recently */
#define JN_COPIES_HOLD_US (5 * G_USEC_PER_SEC)

/* Bytes of a copy of `samples` samples (frames x channels) at bits. */
gsize     jn_audio_copy_size    (guint          samples,
                                 guint          bits);
/* Codes samples floats (clamped to [-1, 1]) into jn_audio_copy_size() bytes. */
void      jn_audio_copy_encode  (const float   *in,
                                 guint          samples,
                                 guint          bits,
                                 guint8        *out);
void      jn_audio_copy_decode  (const guint8  *in,
                                 guint          samples,
                                 guint          bits,
                                 float         *out);
/* The quantisation step of each of the copy's blocks (as a float sample,
 * 2^shift / 32768): steps holds (samples + JN_COPY_BLOCK - 1) /
 * JN_COPY_BLOCK floats.  A copy's sample v stands for the original's
 * value somewhere in v ± step / 2. */
void      jn_audio_copy_decode_steps (const guint8 *in,
                                      guint         samples,
                                      float        *steps);
/* A decoded copy (frames x channels, interleaved) made better with a
 * prediction of the same samples (the concealment's).  Each sample becomes
 * what the original most likely was, given that it lies in its cell
 * (v ± step / 2) and the prediction's error, which each block's own
 * disagreement with the copy estimates; then the correction the copy makes
 * to the prediction keeps, bin by bin, only what stands well above the
 * copy's coding noise, and each sample stays within a step of its cell.
 * Where the prediction is good the copy takes its shape, and the coding
 * noise, white, goes; where it is not, the copy stays about as it was.
 * The correction ramps in over the first JN_COPY_EDGE_FRAMES frames (the
 * prediction continues the audio before), and no sample is louder than
 * both its copy and its prediction.  For packets of a power of two frames,
 * up to JN_COPY_REFINE_MAX_FRAMES, and up to JN_COPY_REFINE_MAX_CHANNELS
 * (jn_audio_copy_can_refine()); FALSE, the copy untouched, for others.
 * Nothing allocated: for the media thread (docs/codec.md, "Refining a
 * copy"). */
#define JN_COPY_REFINE_MAX_FRAMES   256
#define JN_COPY_REFINE_MAX_CHANNELS 2
gboolean  jn_audio_copy_can_refine (guint       frames,
                                    guint       channels);
gboolean  jn_audio_copy_refine  (float         *copy,
                                 guint          frames,
                                 guint          channels,
                                 const float   *steps,
                                 const float   *prediction);
/* A decoded copy's edges made continuous with the audio around it: its
 * coding error at an edge is a step the signal does not have (on a loud
 * low drone, many times the signal's own steps).  before: the two frames
 * played just before it, from a packet (NULL when it followed anything
 * else); after: the first two of the packet after it (NULL when that is
 * not here, or a copy too).  Over the first (last) JN_COPY_EDGE_FRAMES
 * frames, the difference from the line through those two frames is ramped
 * away.  Nothing allocated: for the media thread. */
#define JN_COPY_EDGE_FRAMES 16
void      jn_audio_copy_smooth_edges (float        *copy,
                                      guint         frames,
                                      guint         channels,
                                      const float  *before,
                                      const float  *after);
/* Whether the copy is one of original: every sample within its block's
 * rounding (a copy that says otherwise is refused and counted). */
gboolean  jn_audio_copy_matches (const guint8  *copy,
                                 guint          samples,
                                 guint          bits,
                                 const float   *original);

/* The bits a sample of the copy of the packet `back` before is sent at:
 * the nearest, which a single loss needs, at 5; the older ones at 4. */
guint     jn_audio_copy_bits    (guint          back);
/* Bytes of a copies section holding the k nearest packets' copies
 * (docs/protocol.md 3.2); 0 for none. */
gsize     jn_audio_copies_size  (guint          samples,
                                 guint          k);
/* --redundancy auto's rule for one receiver that lost packets recently:
 * as many copies as its longest recent burst, no more than can arrive
 * before their packet's playout time there (its depth less one), no more
 * than 2 unless it loses 10 % or more. */
guint     jn_audio_copies_wanted (guint         burst,
                                  guint         depth,
                                  double        loss_rate);

G_END_DECLS
