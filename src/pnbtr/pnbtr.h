/* pnbtr.h: PNBTR, predictive packet-loss concealment (libpnbtr)
 *
 * One PnbtrState per received stream.  Call pnbtr_process() once per packet
 * period in playout order, with the packet's samples or NULL when it is
 * missing; it writes what to play: the packet itself, a prediction of the
 * missing one, or, on the first packet after a gap, the packet faded in from
 * the prediction.  Pure C11 + libm; nothing allocates after pnbtr_new().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef PNBTR_H
#define PNBTR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum
{
  PNBTR_METHOD_ZERO,    /* silence */
  PNBTR_METHOD_REPEAT,  /* the last packet again */
  PNBTR_METHOD_BURG,    /* Burg LPC extrapolation, linear crossfade (JackTrip's PLC) */
  PNBTR_METHOD_PNBTR,   /* the full predictor */
  PNBTR_N_METHODS
} PnbtrMethod;

#define PNBTR_MAX_CHANNELS 8
#define PNBTR_MAX_FRAMES   1024
#define PNBTR_MAX_ORDER    2048
#define PNBTR_MAX_WINDOW   16384
#define PNBTR_MAX_REPEAT_MS 8000

typedef struct
{
  PnbtrMethod method;
  int         sample_rate;   /* 8000..192000 */
  int         channels;      /* 1..PNBTR_MAX_CHANNELS */
  int         max_frames;    /* largest packet, 1..PNBTR_MAX_FRAMES */
  int         order;         /* LPC order (burg, pnbtr) */
  int         window;        /* samples of history the model is fitted on */
  int         crossfade;     /* samples faded from prediction to audio after a gap */
  float       fade_start_ms; /* pnbtr: prediction holds its level this long ... */
  float       fade_ms;       /* ... then decays by 1/e every fade_ms */
  int         interp_max;    /* pnbtr: longest gap (frames) bridged by interpolation */
  double      damping;       /* burg: relative damping of the recursion (JackTrip: 1e-5) */
  int         repeat_ms;     /* pnbtr: how far back to look for a passage the music
                              * repeats (0: never), 0..PNBTR_MAX_REPEAT_MS */
  int         onset;         /* pnbtr: 1 (default): a note begun since the model's
                              * window gets a quick model of its own when a gap
                              * begins; 0: never */
  int         quick_local;   /* pnbtr: what a gap fits with no model installed:
                              * 0 (default) the configured model (about 2 ms at
                              * order 1024), 1 the quick one (order 256 on 1024
                              * samples, about 70 us), for a real-time caller
                              * whose models come from a worker */
} PnbtrConfig;

/* Audio the jitter buffer already holds after a gap: lets pnbtr interpolate
 * across the gap instead of extrapolating into it. */
typedef struct
{
  const float *samples;      /* interleaved, right after the gap */
  int          frames;
  int          gap_frames;   /* from the start of the missing packet to samples */
} PnbtrFuture;

typedef struct PnbtrState PnbtrState;

/* Fills config with the method's defaults.  `burg` defaults to JackTrip's
 * PLC: fitted on the last 2 packets with order = window - 1, crossfade over
 * one packet. */
void         pnbtr_config_init   (PnbtrConfig *config, PnbtrMethod method, int sample_rate,
                                  int channels, int max_frames);
/* "zero", "repeat", "burg", "burg:ORDER:WINDOW", "pnbtr", "pnbtr:ORDER:WINDOW";
 * returns 0 on success, -1 for an unknown or malformed name. */
int          pnbtr_config_parse  (PnbtrConfig *config, const char *name, int sample_rate,
                                  int channels, int max_frames);
const char  *pnbtr_method_name   (PnbtrMethod method);

/* NULL when the configuration is out of range or memory runs out. */
PnbtrState  *pnbtr_new           (const PnbtrConfig *config);
void         pnbtr_free          (PnbtrState *state);
void         pnbtr_reset         (PnbtrState *state);
const PnbtrConfig *pnbtr_get_config (const PnbtrState *state);

/* One packet period of `frames` interleaved frames (frames <= max_frames).
 * in: the received packet, or NULL when it is missing.  Returns 1 when out
 * was concealed, 0 otherwise.  Non-finite input samples are taken as 0. */
int          pnbtr_process       (PnbtrState *state, const float *in, float *out, int frames);
/* The same, with what follows the gap when the caller has it (NULL if not). */
int          pnbtr_process_ex    (PnbtrState *state, const float *in, float *out, int frames,
                                  const PnbtrFuture *future);

/* The packet just concealed (the last call, frames frames) turned out to
 * be `played`: a copy of it came, refined with the prediction.  The
 * history holds `played` instead, and the gap ends with it: the next
 * packet is played as it comes, with no fade from the prediction.  Returns
 * 0, or -1 when the last call concealed nothing or other frames. */
int          pnbtr_amend         (PnbtrState *state, const float *played, int frames);
/* For a real-time caller short of time: while `light` is set, a gap that
 * begins is concealed the cheap way, by the model's extrapolation alone,
 * with neither the repetition's search nor interpolation across it (about
 * a tenth of the cost at order 1024; a model is still fitted if none was
 * installed); it stays so to its end. */
void         pnbtr_set_light     (PnbtrState *state, int light);

/* 1 while a gap is being concealed with the help of the repetition (the
 * music's own past, on some channel), 0 otherwise. */
int          pnbtr_gap_repeats   (const PnbtrState *state);
/* 1 while a gap is being concealed with a quick model because the music
 * changed since the model's window (PnbtrConfig onset): a note began, or
 * the model no longer predicts the latest audio; on some channel. */
int          pnbtr_gap_onset     (const PnbtrState *state);

/* For training the learned blend: channel 0's two predictions (the LPC
 * extrapolation and the pitch-synchronous continuation, before blending) of
 * the packet just concealed by extrapolation, the pitch confidence and the
 * packet's position in the gap (0 = first).  -1 if there is none. */
int          pnbtr_last_components (const PnbtrState *state, const float **lpc,
                                    const float **pitch, float *confidence, int *position);

/* Keeping the model fresh off the real-time path.  By default the model is
 * fitted when a gap begins (about 1 ms at order 1024).  Instead, the owner
 * of a state can take a snapshot of its history now and then (a copy), have
 * any thread fit a model on it, and install that model between gaps; the
 * next gap then starts with no fitting at all. */
size_t       pnbtr_snapshot_size    (const PnbtrState *state);   /* floats */
size_t       pnbtr_model_size       (const PnbtrState *state);   /* doubles */
size_t       pnbtr_fit_scratch_size (const PnbtrConfig *config); /* doubles */
/* Also notes where the snapshot ends, for the onset check (PnbtrConfig
 * onset) once its model is installed. */
void         pnbtr_snapshot         (PnbtrState *state, float *snapshot);
/* Thread-safe (touches only its arguments).  Returns 0, -1 on bad input. */
int          pnbtr_fit_snapshot     (const PnbtrConfig *config, const float *snapshot,
                                     double *model, double *scratch);
/* Returns 0, or -1 while a gap is being concealed (try again after it). */
int          pnbtr_install_model    (PnbtrState *state, const double *model);
/* Preparing it too: when the jitter buffer holds the packet after a gap of
 * interp_max frames (two 128-frame packets by default), pnbtr interpolates
 * across it, and most of that work (a 256 x 256 factorisation) depends on
 * the model alone (a one-packet gap with two packets after it uses the
 * same factor).  pnbtr_prepare_model() does it on any thread, after the
 * fit; pnbtr_install_prepared() installs both (prepared may be NULL: the
 * same as pnbtr_install_model()).  Sizes in doubles; 0 when the method
 * does not interpolate.  Returns 0, -1 on bad input (or during a gap). */
size_t       pnbtr_prepared_size        (const PnbtrConfig *config);
size_t       pnbtr_prepare_scratch_size (const PnbtrConfig *config);
int          pnbtr_prepare_model        (const PnbtrConfig *config, const double *model,
                                         double *prepared, double *scratch);
int          pnbtr_install_prepared     (PnbtrState *state, const double *model,
                                         const double *prepared);
/* The installed model is too old to trust: the next gap fits its own. */
void         pnbtr_forget_model     (PnbtrState *state);
/* The white noise (about -105 dBFS, the same every time) that the pnbtr
 * method adds to the window before fitting: sample i of the fitted input is
 * window[i] + noise[i], in float. */
void         pnbtr_fit_dither       (float *noise, size_t n);

#ifdef __cplusplus
}
#endif

#endif
