/* jn-plc-eval.h: measuring packet-loss concealment on real audio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pnbtr.h"

G_BEGIN_DECLS

/* Loss traces: which packets are dropped.  Gilbert model: bursts have a
 * geometric length with the given mean, capped at burst_max; the long-run
 * loss rate is `loss`. */
GArray   *jn_plc_trace_generate (guint        packets,
                                 double       loss,
                                 double       burst_mean,
                                 guint        burst_max,
                                 guint32      seed);
/* One packet index per line (0-based); blank lines and lines starting with
 * # are ignored.  Returns a sorted, de-duplicated array of guint32. */
GArray   *jn_plc_trace_load     (const char  *path,
                                 GError     **error);
gboolean  jn_plc_trace_save     (GArray      *trace,
                                 const char  *path,
                                 const char  *comment,
                                 GError     **error);

typedef struct
{
  guint64 lost_packets;
  guint64 lost_samples;
  double  signal_energy[4];   /* lost samples: all, 1st, 2nd, 3rd+ packet of a burst */
  double  error_energy[4];
  guint64 samples_by_pos[4];
  double  file_signal_energy;
  double  file_error_energy;
  double  lsd_sum;            /* log-spectral distance, dB, summed over lost packets */
  double  mel_sum;            /* mel log-spectral distance, dB */
  guint64 spectra;
  double  frame_mel_sum;      /* the same over ~21 ms frames holding a loss */
  guint64 frame_spectra;
  double  signal_peak;        /* of the whole reference */
  double  output_peak_lost;   /* of the concealment */
  guint64 clipped;            /* output samples at or beyond full scale */
  guint64 boundaries;         /* gap ends measured for clicks */
  guint64 clicks;             /* boundaries whose jump exceeds the signal's own steps */
  double  worst_click_ratio;
  guint64 starts;             /* gap starts measured the same way: the jump */
  guint64 start_clicks;       /* from the last real sample into the first concealed one */
  guint64 edges;              /* gap edges, start and end, per channel */
  guint64 edge_steps;         /* edges whose jump is over twice the signal's own largest
                               * step nearby and louder than -40 dBFS: an audible click */
  guint64 clips;              /* clips measured */
  guint64 overshoot_clips;    /* clips whose played output went above their own peak */
  guint64 restored_packets;   /* lost packets a copy restored in time */
  double  copy_bytes;         /* the copies' bytes sent (sections, headers included) */
  double  stream_bytes;       /* the s16 samples' bytes sent, for comparison */
  double  sent_seconds;       /* of audio those were sent for */
  GArray *conceal_ns;         /* double, per concealed packet */
  GArray *start_ns;           /* double, per gap: its first packet, the costly one */
  GArray *fit_ns;             /* double, per background refit */
  double  audio_seconds;      /* of the signal processed */
} JnPlcResult;

void      jn_plc_result_init    (JnPlcResult *result);
void      jn_plc_result_clear   (JnPlcResult *result);
void      jn_plc_result_merge   (JnPlcResult *into,
                                 const JnPlcResult *from);

/* Copies of earlier packets (docs/codec.md, "Copies"): each packet carries
 * copies of the k before it, coded as the engine codes them; a lost
 * packet is restored by the nearest copy whose carrier arrived within
 * `window` packets after it (what its playout deadline allows), and only
 * the rest is concealed.  automatic: k follows --redundancy auto's rule,
 * fed with receiver reports simulated from the trace ten times a second. */
typedef struct
{
  guint    k;          /* 1..JN_COPY_MAX; 0: none (unless automatic) */
  gboolean automatic;
  guint    window;     /* >= 1 */
} JnPlcCopies;

/* Conceals the packets of `trace` in the interleaved float signal `ref`
 * (frames x channels) with the method in `config`, writes the played signal
 * to `out` (same size) and adds the figures to `result`. */
/* lookahead: packets after a lost one that the jitter buffer already holds
 * (a buffer of depth D holds D - 1); 0 means pure extrapolation.
 * refit: refit the model every `refit` received packets as a background
 * worker would (timed apart from concealment); 0 fits when a gap begins. */
gboolean  jn_plc_run            (const float       *ref,
                                 gsize              frames,
                                 guint              channels,
                                 guint              packet,
                                 GArray            *trace,
                                 const PnbtrConfig *config,
                                 guint              lookahead,
                                 guint              refit,
                                 const JnPlcCopies *copies,
                                 guint              rate,
                                 float             *out,
                                 JnPlcResult       *result,
                                 GError           **error);
/* Only the copies of jn_plc_run(): restores into `played` (ref with the
 * restored packets decoded from their copies) and clears their entries in
 * `lost_mask`; counts what was sent and restored into result. */
void      jn_plc_restore_copies (const float       *ref,
                                 gsize              frames,
                                 guint              channels,
                                 guint              packet,
                                 guint              rate,
                                 const JnPlcCopies *copies,
                                 gboolean          *lost_mask,
                                 float             *played,
                                 JnPlcResult       *result);

/* Lost packets as a mask of n_packets entries. */
gboolean *jn_plc_lost_mask      (GArray            *trace,
                                 gsize              n_packets);
/* Adds the figures of `out` (the played signal) against `ref` to result. */
void      jn_plc_measure        (const float       *ref,
                                 const float       *out,
                                 gsize              frames,
                                 guint              channels,
                                 guint              packet,
                                 guint              rate,
                                 const gboolean    *lost_mask,
                                 JnPlcResult       *result);

/* Opus as a reference (only when JamNet was built with libopus): encodes
 * at `packet` frames (120, 240, 480 or 960 at 48 kHz), decodes lost frames
 * with Opus's own concealment. */
gboolean  jn_plc_have_opus      (void);
gboolean  jn_plc_run_opus       (const float       *ref,
                                 gsize              frames,
                                 guint              channels,
                                 guint              rate,
                                 guint              packet,
                                 GArray            *trace,
                                 float             *out,
                                 JnPlcResult       *result,
                                 GError           **error);

/* "[redK+|redauto+]NAME[@LOOKAHEAD][/REFIT]": a libpnbtr method name,
 * optionally with the packets of lookahead it may use and a background
 * refit interval, after copies of the K packets before in each packet
 * (or as many as --redundancy auto sends).  The copies' window is the
 * lookahead, 1 without one (the default jitter buffer, depth 2, holds one
 * packet beyond the one playing). */
gboolean  jn_plc_parse_method   (const char  *spec,
                                 guint        rate,
                                 guint        channels,
                                 guint        packet,
                                 PnbtrConfig *config,
                                 guint       *lookahead,
                                 guint       *refit,
                                 JnPlcCopies *copies);
/* The copies' upload in kbit/s, and as a share of the s16 samples' */
double    jn_plc_copy_kbps      (const JnPlcResult *result);
double    jn_plc_copy_share     (const JnPlcResult *result);
/* Background fitting: mean and max per refit (us), and the share of one
 * core it takes in real time. */
double    jn_plc_fit_us         (const JnPlcResult *result,
                                 gboolean           max);
double    jn_plc_fit_load       (const JnPlcResult *result);

/* Figures derived from a result. */
double    jn_plc_snr_db         (const JnPlcResult *result,
                                 guint              position);  /* 0 all, 1, 2, 3 = 3rd+ */
double    jn_plc_file_snr_db    (const JnPlcResult *result);
double    jn_plc_lsd_db         (const JnPlcResult *result);
double    jn_plc_mel_db         (const JnPlcResult *result);
double    jn_plc_frame_mel_db   (const JnPlcResult *result);
double    jn_plc_time_us        (const JnPlcResult *result,
                                 double             percentile);  /* < 0: mean */
/* the same over any array of ns (start_ns: the first packets of gaps) */
double    jn_plc_times_us       (GArray            *times_ns,
                                 double             percentile);
/* over every concealed packet, or (after_start) over those after the first
 * of their gap, which does the gap's set-up */
double    jn_plc_samples_per_s  (const JnPlcResult *result,
                                 guint              packet,
                                 guint              channels,
                                 gboolean           after_start);

G_END_DECLS
