/* pnbtr.c: the predictor and its baselines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pnbtr.h"
#include "pnbtr-dsp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pitch search range and the learned blend's table. */
#define PITCH_WINDOW   2048
#define PITCH_FFT      4096
#define PITCH_MAX      1024
#define BLEND_POSITIONS 4
#define BLEND_CONFIDENCE 4
#define BLEND_RAMP      32

/* Long-range repetition, at 48 kHz (scaled with the rate): the context
 * matched against the past, the shortest lag, and the stretch just before a
 * gap on which the repetition and the LPC model are tried out. */
#define REPEAT_CONTEXT  1024
#define REPEAT_MIN_LAG  256
#define REPEAT_TRIAL    512
#define REPEAT_DECIMATION 16
#define REPEAT_MIN_SCORE 0.3
#define REPEAT_MAX_GAIN 2.0
#define REPEAT_TAPER    32
#define PEAK_HEADROOM   1.5f  /* the level limit's ceiling over the peak, 3.5 dB */
#define END_BLEND       8     /* samples an interpolated gap's end blends over */
#define KNEE_ROOM       1.05f /* the least room it leaves, 0.4 dB */

/* A note that began after the model was fitted, at 48 kHz (scaled with the
 * rate): when the audio since the model's window is ONSET_RATIO times as
 * loud (6 dB) as the window before it, the gap fits a quick model of order
 * ONSET_ORDER on the last ONSET_WINDOW samples, which hears the new note.
 * A model more than ONSET_FRESH samples old (a worker that refits less
 * often than every 3 packets) yields at ONSET_RATIO_OLD (1.5 dB) already.
 * Without an installed model, "since" is the last ONSET_RECENT samples.
 * How these were chosen, and what they bring: docs/pnbtr.md, "Why the
 * onset and staleness constants". */
#define ONSET_RATIO     4.0
#define ONSET_RATIO_OLD 1.4
#define ONSET_FRESH     384
#define ONSET_ORDER     256
#define ONSET_WINDOW    1024
#define ONSET_RECENT    384

/* A model can also be overtaken at the same level: an arpeggio's next
 * note, which the level test cannot hear.  Its one-step prediction error
 * over the last STALE_SPAN samples, against their energy, is then far
 * worse than over the STALE_SPAN samples its window ended with; at
 * STALE_RATIO (9 dB) times worse it yields to a quick model too.  Checked
 * for models at least STALE_MIN_AGE samples old; it costs two STALE_SPAN
 * residuals at the model's order (docs/pnbtr.md, as above). */
#define STALE_RATIO     8.0
#define STALE_SPAN      128
#define STALE_MIN_AGE   256

/* why a gap plays a quick model */
enum { QUICK_NONE, QUICK_ONSET, QUICK_STALE, QUICK_NO_MODEL };

static const float blend_weights[BLEND_POSITIONS * BLEND_CONFIDENCE][2] = {
#include "pnbtr-weights.inc"
};

struct PnbtrState
{
  PnbtrConfig cfg;
  int         hist_len;     /* samples of history kept per channel */
  /* planar, channels x 2 hist_len: each channel's history is the hist_len
   * samples from hist_off on, newest last; a period is appended after
   * them, and only when the room after them is spent do they move back to
   * the start (once per hist_len samples, not once a period) */
  float      *hist;
  int         hist_off;
  int         in_gap;
  long        gap_samples;  /* samples concealed since the gap began */
  int         last_frames;  /* of the last call */
  float       peak[PNBTR_MAX_CHANNELS];
  float       ceiling[PNBTR_MAX_CHANNELS];      /* what a gap never goes beyond */
  float       stream_peak[PNBTR_MAX_CHANNELS];  /* the loudest sample received */
  double     *a;            /* channels x (order + 1) */
  float      *lpc_mem;      /* channels x order */

  /* scratch, sized at creation */
  double     *burg;
  float      *work;
  float      *reversed;     /* order: the model's coefficients, reversed */
  float      *ch_in;
  float      *ch_out;
  float      *pred;

  /* interpolation across a gap whose end is known */
  int         interp_len;   /* frames interpolated for this gap */
  int         interp_pos;   /* frames of them played */
  int         interpolated; /* this gap was bridged by interpolation */
  float      *interp;       /* planar, channels x interp_max */
  float      *future;       /* one channel of future audio, order floats */
  float      *fwd;          /* forward extrapolation across the gap, interp_max */
  float      *fwd_mem;      /* a copy of the LPC memory, order floats */
  float      *fit_input;    /* window floats: what the model is fitted on */

  /* pitch-synchronous continuation (pnbtr) */
  int         period[PNBTR_MAX_CHANNELS];
  float       confidence[PNBTR_MAX_CHANNELS];
  float       blend[PNBTR_MAX_CHANNELS][2];  /* weights in use at the end of the last packet */
  float      *pitch_src;    /* channels x PITCH_MAX: the last period before the gap */
  double     *twiddles;     /* PITCH_FFT / 2 complex */
  double     *fft;          /* 2 PITCH_FFT */
  float      *last_lpc;     /* channel 0's components of the last concealment */
  float      *last_pitch;
  int         last_position;
  int         have_model;   /* an installed model waits for the next gap */
  int         light;        /* the next gap begins the cheap way */
  int         light_gap;    /* this gap began so */
  double     *lsar;         /* scratch */
  /* the longest gap interpolated, with one packet after it: its system's
   * factor per channel, prepared off the real-time path with the model */
  double     *factor;       /* channels x lsar_packed */
  size_t      lsar_packed;
  int         factor_ok[PNBTR_MAX_CHANNELS];

  /* a note begun since the model's window (pnbtr) */
  unsigned long played;        /* frames processed so far */
  unsigned long snap_played;   /* ... at the last pnbtr_snapshot() */
  /* ... where channel c's model was fitted: at the snapshot an installed
   * model came from, or at the gap that fitted a quick one */
  unsigned long model_played[PNBTR_MAX_CHANNELS];
  int         quick[PNBTR_MAX_CHANNELS];  /* this gap's model is a quick one: QUICK_* */

  /* long-range repetition (pnbtr): what came one bar or one beat ago */
  size_t      rep_len;      /* samples per channel in rep_ring, a power of two; 0: off */
  float      *rep_ring;     /* channels x rep_len, everything played */
  size_t      rep_pos;      /* samples written so far, per channel */
  int         rep_dec;      /* decimation of the coarse ring */
  size_t      rep_clen;     /* coarse ring size, a power of two */
  float      *rep_coarse;   /* 2 x rep_clen: the channels' mix, each sample stored twice */
  size_t      rep_cpos;
  float       rep_acc;      /* the coarse sample being summed */
  int         rep_acc_n;
  int         rep_context, rep_min_lag, rep_trial, rep_range, rep_taper;
  size_t      rep_start;    /* rep_pos when the gap began */
  size_t      rep_lag[PNBTR_MAX_CHANNELS];
  float       rep_gain[PNBTR_MAX_CHANNELS];
  float       rep_weight[PNBTR_MAX_CHANNELS];  /* 0: not used in this gap */
  int         rep_meets[PNBTR_MAX_CHANNELS];   /* it runs on into the audio after the gap */
  float      *rep_trial_out;   /* rep_trial floats */
  float      *rep_trial_mem;   /* order floats */
  float      *rep_trial_work;  /* order + rep_trial floats */
  float      *rep_ctx;         /* rep_context floats */
  float      *rep_past;        /* rep_context + 2 rep_dec + 1 floats */
};

/* calloc, with every page written once.  The kernel maps a fresh
 * allocation's pages at their first write, and that would otherwise come
 * from the real-time path: the first gaps bridged with lookahead faulted
 * in the interpolation's scratch and the prepared factors, 35 to 47 page
 * faults in a stream's first seconds.  pnbtr_new() runs where a stream is
 * set up, so the faults happen there. */
static void *
alloc_touched (size_t n, size_t size)
{
  volatile char *p = calloc (n, size);

  if (p != NULL)
    for (size_t i = 0; i < n * size; i += 4096)
      p[i] = 0;
  return (void *) p;
}

static int repeat_alloc (PnbtrState *s);
static int fit_quick (PnbtrState *s, int c, int why);
static int long_gap (const PnbtrConfig *cfg, int *nfuture);
static float fade_gain (const PnbtrState *s, long t);

static const char *method_names[PNBTR_N_METHODS] = { "zero", "repeat", "burg", "pnbtr" };

const char *
pnbtr_method_name (PnbtrMethod method)
{
  return (unsigned) method < PNBTR_N_METHODS ? method_names[method] : "unknown";
}

void
pnbtr_config_init (PnbtrConfig *config, PnbtrMethod method, int sample_rate, int channels,
                   int max_frames)
{
  memset (config, 0, sizeof *config);
  config->method = method;
  config->sample_rate = sample_rate;
  config->channels = channels;
  config->max_frames = max_frames;

  switch (method)
    {
    case PNBTR_METHOD_BURG:
      config->window = 2 * max_frames;
      config->order = config->window - 1;
      config->crossfade = max_frames;
      config->damping = 1e-5;
      break;
    case PNBTR_METHOD_PNBTR:
      config->window = 4096;
      config->order = 1024;
      config->crossfade = 64;
      config->fade_start_ms = 20.f;
      config->fade_ms = 20.f;
      config->interp_max = max_frames * 2 < 256 ? (max_frames < 256 ? 256 : max_frames) : 256;
      config->repeat_ms = 8000;
      config->onset = 1;
      break;
    default:
      break;
    }
}

int
pnbtr_config_parse (PnbtrConfig *config, const char *name, int sample_rate, int channels,
                    int max_frames)
{
  char base[16] = { 0 };
  int order = 0, window = 0, n = 0;
  size_t len;

  if (name == NULL)
    return -1;
  len = strcspn (name, ":");
  if (len == 0 || len >= sizeof base)
    return -1;
  memcpy (base, name, len);
  for (int m = 0; m < PNBTR_N_METHODS; m++)
    if (strcmp (base, method_names[m]) == 0)
      {
        pnbtr_config_init (config, (PnbtrMethod) m, sample_rate, channels, max_frames);
        if (name[len] == '\0')
          return 0;
        if ((m != PNBTR_METHOD_BURG && m != PNBTR_METHOD_PNBTR) ||
            sscanf (name + len, ":%d:%d%n", &order, &window, &n) != 2 || name[len + n] != '\0' ||
            order < 1 || window <= order)
          return -1;
        config->order = order;
        config->window = window;
        config->damping = 0.0;   /* plain Burg */
        return 0;
      }
  return -1;
}

const PnbtrConfig *
pnbtr_get_config (const PnbtrState *state)
{
  return &state->cfg;
}

static int
uses_lpc (const PnbtrConfig *cfg)
{
  return cfg->method == PNBTR_METHOD_BURG || cfg->method == PNBTR_METHOD_PNBTR;
}

void
pnbtr_free (PnbtrState *s)
{
  if (s == NULL)
    return;
  free (s->hist);
  free (s->a);
  free (s->lpc_mem);
  free (s->burg);
  free (s->work);
  free (s->reversed);
  free (s->ch_in);
  free (s->ch_out);
  free (s->pred);
  free (s->interp);
  free (s->future);
  free (s->lsar);
  free (s->factor);
  free (s->fwd);
  free (s->fwd_mem);
  free (s->fit_input);
  free (s->pitch_src);
  free (s->twiddles);
  free (s->fft);
  free (s->last_lpc);
  free (s->last_pitch);
  free (s->rep_ring);
  free (s->rep_coarse);
  free (s->rep_trial_out);
  free (s->rep_trial_mem);
  free (s->rep_trial_work);
  free (s->rep_ctx);
  free (s->rep_past);
  free (s);
}

PnbtrState *
pnbtr_new (const PnbtrConfig *cfg)
{
  PnbtrState *s;
  int lpc;

  if (cfg == NULL || (unsigned) cfg->method >= PNBTR_N_METHODS ||
      cfg->sample_rate < 8000 || cfg->sample_rate > 192000 ||
      cfg->channels < 1 || cfg->channels > PNBTR_MAX_CHANNELS ||
      cfg->max_frames < 1 || cfg->max_frames > PNBTR_MAX_FRAMES ||
      cfg->crossfade < 0 || cfg->crossfade > PNBTR_MAX_FRAMES)
    return NULL;
  lpc = uses_lpc (cfg);
  if (cfg->method == PNBTR_METHOD_PNBTR && (cfg->interp_max < 0 || cfg->interp_max > 1024 ||
                                            cfg->repeat_ms < 0 ||
                                            cfg->repeat_ms > PNBTR_MAX_REPEAT_MS))
    return NULL;
  if (lpc && (cfg->order < 1 || cfg->order > PNBTR_MAX_ORDER || cfg->window <= cfg->order ||
              cfg->window > PNBTR_MAX_WINDOW))
    return NULL;

  s = calloc (1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->cfg = *cfg;
  s->hist_len = (lpc ? cfg->window : 0) + cfg->max_frames;
  s->hist = alloc_touched ((size_t) cfg->channels * 2 * s->hist_len, sizeof (float));
  s->ch_in = alloc_touched (cfg->max_frames, sizeof (float));
  s->ch_out = alloc_touched (cfg->max_frames, sizeof (float));
  s->pred = alloc_touched (cfg->max_frames, sizeof (float));
  if (s->hist == NULL || s->ch_in == NULL || s->ch_out == NULL || s->pred == NULL)
    goto fail;

  if (lpc)
    {
      size_t order = cfg->order;

      s->a = alloc_touched ((size_t) cfg->channels * (order + 1), sizeof (double));
      s->lpc_mem = alloc_touched ((size_t) cfg->channels * order, sizeof (float));
      /* extrapolation runs over a packet, or over a whole interpolated gap */
      s->work = alloc_touched (order + (size_t) (cfg->max_frames > cfg->interp_max
                                                 ? cfg->max_frames : cfg->interp_max),
                               sizeof (float));
      if (s->a == NULL || s->lpc_mem == NULL || s->work == NULL)
        goto fail;
      s->burg = alloc_touched (2 * (size_t) cfg->window + order + 1, sizeof (double));
      s->fit_input = alloc_touched (cfg->window, sizeof (float));
      s->reversed = alloc_touched (order, sizeof (float));
      if (s->burg == NULL || s->fit_input == NULL || s->reversed == NULL)
        goto fail;
      if (cfg->method == PNBTR_METHOD_PNBTR)
        {
          s->pitch_src = alloc_touched ((size_t) cfg->channels * PITCH_MAX, sizeof (float));
          s->twiddles = alloc_touched (PITCH_FFT, sizeof (double));
          s->fft = alloc_touched (2 * PITCH_FFT, sizeof (double));
          s->last_lpc = alloc_touched (cfg->max_frames, sizeof (float));
          s->last_pitch = alloc_touched (cfg->max_frames, sizeof (float));
          if (s->pitch_src == NULL || s->twiddles == NULL || s->fft == NULL ||
              s->last_lpc == NULL || s->last_pitch == NULL)
            goto fail;
          pnbtr_fft_twiddles (s->twiddles, PITCH_FFT);
          if (cfg->repeat_ms > 0 && repeat_alloc (s) != 0)
            goto fail;
        }
      if (cfg->method == PNBTR_METHOD_PNBTR && cfg->interp_max > 0)
        {
          size_t g = cfg->interp_max;
          int nf, lg = long_gap (cfg, &nf);   /* the prepared gap */

          s->interp = alloc_touched ((size_t) cfg->channels * g, sizeof (float));
          s->future = alloc_touched (order, sizeof (float));
          s->lsar = alloc_touched (pnbtr_lsar_scratch_size (g, order), sizeof (double));
          s->fwd = alloc_touched (g, sizeof (float));
          s->fwd_mem = alloc_touched (order, sizeof (float));
          s->lsar_packed = (size_t) lg * (lg + 1) / 2;
          if (s->lsar_packed > 0)
            s->factor = alloc_touched ((size_t) cfg->channels * s->lsar_packed, sizeof (double));
          if (s->interp == NULL || s->future == NULL || s->lsar == NULL || s->fwd == NULL ||
              s->fwd_mem == NULL || (s->lsar_packed > 0 && s->factor == NULL))
            goto fail;
        }
    }
  pnbtr_reset (s);
  return s;

fail:
  pnbtr_free (s);
  return NULL;
}

void
pnbtr_reset (PnbtrState *s)
{
  memset (s->hist, 0, sizeof (float) * (size_t) s->cfg.channels * 2 * s->hist_len);
  s->hist_off = 0;
  s->in_gap = 0;
  s->gap_samples = 0;
  s->interp_len = s->interp_pos = 0;
  s->interpolated = 0;
  s->have_model = 0;
  memset (s->stream_peak, 0, sizeof s->stream_peak);
  memset (s->factor_ok, 0, sizeof s->factor_ok);
  memset (s->quick, 0, sizeof s->quick);
  s->played = s->snap_played = 0;
  memset (s->model_played, 0, sizeof s->model_played);
  if (s->rep_len > 0)
    {
      memset (s->rep_ring, 0, sizeof (float) * (size_t) s->cfg.channels * s->rep_len);
      memset (s->rep_coarse, 0, sizeof (float) * 2 * s->rep_clen);
    }
  s->rep_pos = s->rep_cpos = 0;
  s->rep_acc = 0.f;
  s->rep_acc_n = 0;
  for (int c = 0; c < PNBTR_MAX_CHANNELS; c++)
    s->rep_weight[c] = 0.f;
}

/* Sizes the repetition's rings for repeat_ms of history at this rate. */
static int
repeat_alloc (PnbtrState *s)
{
  const PnbtrConfig *cfg = &s->cfg;
  double scale = cfg->sample_rate / 48000.0;
  size_t need, cneed;

  s->rep_context = (int) lround (REPEAT_CONTEXT * scale);
  s->rep_min_lag = (int) lround (REPEAT_MIN_LAG * scale);
  s->rep_trial = (int) lround (REPEAT_TRIAL * scale);
  s->rep_taper = (int) lround (REPEAT_TAPER * scale);
  s->rep_dec = (int) lround (REPEAT_DECIMATION * scale) < 1 ? 1
                                                             : (int) lround (REPEAT_DECIMATION * scale);
  s->rep_range = (int) ((long) cfg->repeat_ms * cfg->sample_rate / 1000);
  if (s->rep_range < 2 * s->rep_min_lag)
    return 0;   /* too short to be worth it: off */
  /* the lag, its context and a whole packet more: the continuation reads
   * what the gap itself played once the gap outgrows the lag */
  need = (size_t) s->rep_range + s->rep_context + 2 * s->rep_dec + cfg->max_frames;
  for (s->rep_len = 1; s->rep_len < need; s->rep_len <<= 1)
    ;
  cneed = (size_t) (s->rep_range + s->rep_context) / s->rep_dec + 2;
  for (s->rep_clen = 1; s->rep_clen < cneed; s->rep_clen <<= 1)
    ;
  s->rep_ring = alloc_touched ((size_t) cfg->channels * s->rep_len, sizeof (float));
  s->rep_coarse = alloc_touched (2 * s->rep_clen, sizeof (float));
  s->rep_trial_out = alloc_touched (s->rep_trial, sizeof (float));
  s->rep_trial_mem = alloc_touched (cfg->order, sizeof (float));
  s->rep_trial_work = alloc_touched ((size_t) cfg->order + s->rep_trial, sizeof (float));
  s->rep_ctx = alloc_touched (s->rep_context, sizeof (float));
  s->rep_past = alloc_touched ((size_t) s->rep_context + 2 * s->rep_dec + 1, sizeof (float));
  if (s->rep_ring == NULL || s->rep_coarse == NULL || s->rep_trial_out == NULL ||
      s->rep_trial_mem == NULL || s->rep_trial_work == NULL || s->rep_ctx == NULL ||
      s->rep_past == NULL)
    return -1;
  return 0;
}

static float *
channel_history (PnbtrState *s, int c)
{
  return s->hist + (size_t) c * 2 * s->hist_len + s->hist_off;
}

static void
push_history (PnbtrState *s, int c, const float *x, int n)
{
  float *base = s->hist + (size_t) c * 2 * s->hist_len, *h = base + s->hist_off;

  /* commit_history() moves every channel's view on by n */
  if (s->hist_off + s->hist_len + n <= 2 * s->hist_len)
    memcpy (h + s->hist_len, x, sizeof (float) * (size_t) n);
  else
    {
      memmove (base, h + n, sizeof (float) * (size_t) (s->hist_len - n));
      memcpy (base + s->hist_len - n, x, sizeof (float) * (size_t) n);
    }
  if (s->rep_len > 0)
    {
      float *ring = s->rep_ring + (size_t) c * s->rep_len;

      for (int i = 0; i < n; i++)
        ring[(s->rep_pos + i) & (s->rep_len - 1)] = x[i];
    }
}

/* After every channel's push_history() of n frames: the repetition's rings
 * move on, and the coarse ring gets the channels' mix, box-filtered. */
static void
commit_history (PnbtrState *s, int n)
{
  size_t mask = s->rep_len - 1, cmask = s->rep_clen - 1;

  s->hist_off = s->hist_off + s->hist_len + n <= 2 * s->hist_len ? s->hist_off + n : 0;
  s->played += (unsigned long) n;
  if (s->rep_len == 0)
    return;
  for (int i = 0; i < n; i++)
    {
      for (int c = 0; c < s->cfg.channels; c++)
        s->rep_acc += s->rep_ring[(size_t) c * s->rep_len + ((s->rep_pos + i) & mask)];
      if (++s->rep_acc_n == s->rep_dec)
        {
          float v = s->rep_acc / (float) (s->rep_dec * s->cfg.channels);

          s->rep_coarse[s->rep_cpos & cmask] = v;
          s->rep_coarse[(s->rep_cpos & cmask) + s->rep_clen] = v;
          s->rep_cpos++;
          s->rep_acc = 0.f;
          s->rep_acc_n = 0;
        }
    }
  s->rep_pos += n;
}

void
pnbtr_fit_dither (float *noise, size_t n)
{
  unsigned dither = 12345u;

  for (size_t i = 0; i < n; i++)
    {
      dither = dither * 1664525u + 1013904223u;
      noise[i] = (float) ((double) dither / 4294967296.0 - 0.5) * 2e-5f;
    }
}

/* Fits a model on x[0..window), plus white noise at about -105 dBFS
 * (about what 16-bit quantization adds): a noiseless synthetic signal
 * otherwise gives a model so sharp that it calls many wrong continuations
 * likely.  The noise is the same every time, so fits are reproducible. */
static void
fit_window (const PnbtrConfig *cfg, const float *x, double *a, float *input, double *scratch)
{
  /* the baselines stay plain Burg */
  if (cfg->method == PNBTR_METHOD_PNBTR)
    {
      pnbtr_fit_dither (input, (size_t) cfg->window);
      for (int i = 0; i < cfg->window; i++)
        input[i] += x[i];
    }
  else
    memcpy (input, x, sizeof (float) * (size_t) cfg->window);
  pnbtr_burg (input, cfg->window, cfg->order, cfg->damping, a, scratch);
}

/* The strongest period of the last PITCH_WINDOW samples, by normalized
 * autocorrelation (through an FFT), between 0.5 ms and 25 ms (2 kHz down to
 * 40 Hz); its normalized correlation is the confidence. */
static void
detect_pitch (PnbtrState *s, int c)
{
  const PnbtrConfig *cfg = &s->cfg;
  const float *h = channel_history (s, c);
  int n = s->hist_len < PITCH_WINDOW ? s->hist_len : PITCH_WINDOW;
  const float *x = h + s->hist_len - n;
  int min_lag = cfg->sample_rate / 2000, max_lag = cfg->sample_rate / 40;
  double total = 0.0, head, tail, best = 0.0;
  int period = 0;

  if (max_lag > PITCH_MAX)
    max_lag = PITCH_MAX;
  if (max_lag >= n / 2)
    max_lag = n / 2 - 1;

  for (int i = 0; i < n; i++)
    total += (double) x[i] * x[i];
  /* the autocorrelation in s->fft's second half */
  pnbtr_autocorrelation (x, n, PITCH_FFT, s->twiddles, s->fft, s->fft + PITCH_FFT);

  /* head = energy of x[lag..n), tail = energy of x[0..n - lag) */
  head = tail = total;
  for (int lag = 1; lag <= max_lag; lag++)
    {
      double r, norm;

      head -= (double) x[lag - 1] * x[lag - 1];
      tail -= (double) x[n - lag] * x[n - lag];
      if (lag < min_lag)
        continue;
      /* r / sqrt (head tail) > best, without a root per lag */
      r = s->fft[PITCH_FFT + lag];
      norm = head * tail;
      if (r > 0.0 && norm > 0.0 && r * r > best * best * norm)
        {
          best = r / sqrt (norm);
          period = lag;
        }
    }
  s->period[c] = period;
  s->confidence[c] = (float) (best > 1.0 ? 1.0 : best);
  if (period > 0)
    memcpy (s->pitch_src + (size_t) c * PITCH_MAX, h + s->hist_len - period,
            sizeof (float) * period);
}

/* The level limit on what a gap plays.  Up to the signal's peak before
 * the gap (knee) a sample passes untouched; beyond it, it bends smoothly
 * toward the ceiling: PEAK_HEADROOM times that peak, never beyond full
 * scale, nor beyond the loudest sample the stream has had (a prediction
 * louder than anything it was made from is wrong; jamnet-bench plc counts
 * clips whose concealment went above their own peak).  A hard clip at the
 * peak itself flat-topped notes still swelling when the gap began: a
 * flute's crescendo cut at its last peak splattered up to 14 dB of energy
 * into the bands above 12 kHz, where the flute has almost none, and raised
 * the corpus' mel distance per frame from 1.00 to 1.18.  So where the
 * ceiling leaves the knee less than KNEE_ROOM of room, the bend starts
 * that far below the ceiling instead. */
static inline float
limit_level (float y, float knee, float ceiling)
{
  float m = fabsf (y), room;

  knee = fminf (knee, ceiling / KNEE_ROOM);
  if (m <= knee)
    return y;
  room = ceiling - knee;
  return copysignf (room > 0.f ? knee + room * tanhf ((m - knee) / room) : knee, y);
}

/* Prepares channel c for a gap: the model (fitted now unless one was
 * installed), the filter memory and the level limit. */
static void
start_gap_channel (PnbtrState *s, int c)
{
  const PnbtrConfig *cfg = &s->cfg;
  size_t order = cfg->order;
  const float *h = channel_history (s, c);
  const float *x = h + s->hist_len - cfg->window;
  float peak = 0.f;

  /* in eight independent maxima, so that the comparisons overlap, and
   * without fmaxf(), a libm call per sample here (the history holds finite
   * samples only, so its NaN rules are not needed) */
  {
    float m[8] = { 0 };
    int i = 0;

    for (; i + 8 <= cfg->window; i += 8)
      for (int l = 0; l < 8; l++)
        {
          float v = fabsf (x[i + l]);

          m[l] = v > m[l] ? v : m[l];
        }
    for (; i < cfg->window; i++)
      m[0] = fabsf (x[i]) > m[0] ? fabsf (x[i]) : m[0];
    for (int l = 0; l < 8; l++)
      peak = m[l] > peak ? m[l] : peak;
  }
  s->peak[c] = peak;
  s->ceiling[c] = fmaxf (peak, fminf (fminf (1.f, PEAK_HEADROOM * peak), s->stream_peak[c]));

  if (!s->have_model && !s->quick[c])
    {
      if (!cfg->quick_local || fit_quick (s, c, QUICK_NO_MODEL) != 0)
        fit_window (cfg, x, s->a + (size_t) c * (order + 1), s->fit_input, s->burg);
      s->factor_ok[c] = 0;
    }
  memcpy (s->lpc_mem + (size_t) c * order, h + s->hist_len - order, sizeof (float) * order);
  if (cfg->method == PNBTR_METHOD_PNBTR)
    detect_pitch (s, c);
}

/* Fits channel c a quick model, order ONSET_ORDER on the last ONSET_WINDOW
 * samples (zero beyond its order), and notes why.  -1 when the configured
 * model is no larger. */
static int
fit_quick (PnbtrState *s, int c, int why)
{
  const PnbtrConfig *cfg = &s->cfg;
  double scale = cfg->sample_rate / 48000.0;
  PnbtrConfig quick = *cfg;
  double *a = s->a + (size_t) c * (cfg->order + 1);

  quick.order = (int) lround (ONSET_ORDER * scale);
  quick.window = (int) lround (ONSET_WINDOW * scale);
  quick.order = quick.order < cfg->order ? quick.order : cfg->order;
  quick.window = quick.window < cfg->window ? quick.window : cfg->window;
  if (cfg->method != PNBTR_METHOD_PNBTR || quick.window <= quick.order)
    return -1;
  memset (a, 0, sizeof (double) * (cfg->order + 1));
  fit_window (&quick, channel_history (s, c) + s->hist_len - quick.window, a, s->fit_input,
              s->burg);
  s->factor_ok[c] = 0;
  s->quick[c] = why;
  return 0;
}

/* Does channel c's installed model, fitted `since` samples ago, predict
 * the latest audio STALE_RATIO times worse than the audio its window
 * ended with (each against its energy)? */
static int
model_stale (PnbtrState *s, int c, unsigned long since)
{
  const PnbtrConfig *cfg = &s->cfg;
  size_t span = (size_t) lround (STALE_SPAN * cfg->sample_rate / 48000.0);
  const float *h = channel_history (s, c);
  const double *a = s->a + (size_t) c * (cfg->order + 1);
  double now_energy, then_energy, now_error, then_error;

  if (since + span + (size_t) cfg->order > (size_t) s->hist_len)
    return 0;
  now_error = pnbtr_lpc_residual_float (a, cfg->order, h + s->hist_len - span, span, s->reversed,
                                        &now_energy);
  then_error = pnbtr_lpc_residual_float (a, cfg->order, h + s->hist_len - since - span, span,
                                         s->reversed, &then_energy);
  if (!(now_energy > 0.0) || !(then_energy > 0.0))
    return 0;
  /* a model that predicted its own window to better than -60 dB (a
   * noiseless synthetic tone) is held to -60 dB */
  return now_error / now_energy > STALE_RATIO * fmax (then_error / then_energy, 1e-6);
}

/* Has a note begun since the model's window, or has the music moved on
 * from it?  Then channel c gets a quick model of its own.  Returns 1 if
 * any channel did. */
static int
refit_after_onset (PnbtrState *s)
{
  const PnbtrConfig *cfg = &s->cfg;
  double scale = cfg->sample_rate / 48000.0;
  unsigned long fresh = (unsigned long) lround (ONSET_FRESH * scale);
  unsigned long stale_age = (unsigned long) lround (STALE_MIN_AGE * scale);
  int any = 0;

  if (cfg->method != PNBTR_METHOD_PNBTR || !cfg->onset)
    return 0;

  for (int c = 0; c < cfg->channels; c++)
    {
      const float *x = channel_history (s, c) + s->hist_len - cfg->window;
      unsigned long since = s->have_model ? s->played - s->model_played[c]
                                          : (unsigned long) lround (ONSET_RECENT * scale);
      size_t split = (size_t) cfg->window - since;
      double before = 0.0, after = 0.0, ratio;
      int why;

      if (since == 0 || since >= (unsigned long) cfg->window / 2)
        continue;

      for (size_t i = 0; i < (size_t) cfg->window; i++)
        {
          double e = (double) x[i] * x[i];

          if (i < split)
            before += e;
          else
            after += e;
        }
      before /= (double) split;
      after /= (double) since;
      ratio = s->have_model && since > fresh ? ONSET_RATIO_OLD : ONSET_RATIO;
      /* louder by 6 dB (1.5 for an old model), and not just the dither's
       * whisper after silence; or an old model that no longer predicts */
      if (!(after > 1e-10))
        continue;
      why = after > ratio * before ? QUICK_ONSET
            : s->have_model && since >= stale_age && model_stale (s, c, since) ? QUICK_STALE
            : QUICK_NONE;
      if (why != QUICK_NONE && fit_quick (s, c, why) == 0)
        {
          /* the next gap, if no model comes first, starts from this one */
          s->model_played[c] = s->played;
          any = 1;
        }
    }
  return any;
}

/* The sample played `offset` samples after the gap began (negative:
 * before it), channel c. */
static inline float
repeat_at (const PnbtrState *s, int c, long offset)
{
  return s->rep_ring[(size_t) c * s->rep_len + ((s->rep_start + (size_t) offset) & (s->rep_len - 1))];
}

/* Looks for the passage the music is repeating: the lag (between
 * rep_min_lag, 5.3 ms, and repeat_ms) at which the last rep_context samples
 * best match the past, first on the coarse mix, then per channel at full
 * rate.  Then both that repetition and the LPC model predict the last
 * rep_trial samples before the gap from what came before them; the
 * repetition joins the concealment only where it did better, weighted by
 * the inverse of the two errors. */
static void
start_repeat (PnbtrState *s)
{
  const PnbtrConfig *cfg = &s->cfg;
  int d = s->rep_dec, ctx = s->rep_context, trial = s->rep_trial;
  size_t cmask = s->rep_clen - 1;
  size_t avail = s->rep_pos < s->rep_len - cfg->max_frames ? s->rep_pos
                                                           : s->rep_len - cfg->max_frames;
  size_t cavail = s->rep_cpos < s->rep_clen ? s->rep_cpos : s->rep_clen;
  size_t cctx = (size_t) ctx / d, cmin = ((size_t) s->rep_min_lag + d - 1) / d, cmax, clag;
  double score, gain;

  s->rep_start = s->rep_pos;
  for (int c = 0; c < cfg->channels; c++)
    {
      s->rep_weight[c] = 0.f;
      s->rep_meets[c] = 0;
    }
  /* a gap begun light goes without */
  if (s->light_gap || s->rep_len == 0 || avail < (size_t) (ctx + s->rep_min_lag + d) ||
      cavail < cctx + cmin + 1 || s->hist_len < trial + cfg->order)
    return;

  cmax = (size_t) s->rep_range / d;
  if (cmax > cavail - cctx)
    cmax = cavail - cctx;
  {
    /* the coarse candidates, newest context last: j = 0 is the longest lag */
    const float *x = s->rep_coarse + ((s->rep_cpos - cctx - cmax) & cmask);
    long j = pnbtr_best_match (x + cmax, x, cctx, cmax - cmin + 1, &score, &gain);

    if (j < 0 || score < REPEAT_MIN_SCORE)
      return;
    clag = cmax - (size_t) j;
  }

  for (int c = 0; c < cfg->channels; c++)
    {
      size_t lo = clag * d > (size_t) (s->rep_min_lag + d) ? clag * d - d : (size_t) s->rep_min_lag;
      size_t hi = clag * d + d < avail - ctx ? clag * d + d : avail - ctx;
      double el = 0.0, em = 0.0, best;
      const float *h = channel_history (s, c);
      size_t lag;
      long j;

      if (hi < lo)
        continue;
      /* at full rate, within one coarse step either side */
      for (int i = 0; i < ctx; i++)
        s->rep_ctx[i] = repeat_at (s, c, i - ctx);
      for (size_t i = 0; i < ctx + hi - lo; i++)
        s->rep_past[i] = repeat_at (s, c, (long) i - ctx - (long) hi);
      j = pnbtr_best_match (s->rep_ctx, s->rep_past, ctx, hi - lo + 1, &best, &gain);
      if (j < 0 || best < REPEAT_MIN_SCORE)
        continue;
      lag = hi - (size_t) j;
      gain = gain > REPEAT_MAX_GAIN ? REPEAT_MAX_GAIN : gain;

      /* the trial: both predict the last `trial` samples before the gap */
      memcpy (s->rep_trial_mem, h + s->hist_len - trial - cfg->order, sizeof (float) * cfg->order);
      pnbtr_lpc_extrapolate_float (s->a + (size_t) c * (cfg->order + 1), cfg->order,
                                   s->rep_trial_mem, s->rep_trial_out, trial, s->rep_trial_work,
                                   s->reversed);
      for (int i = 0; i < trial; i++)
        {
          double real = h[s->hist_len - trial + i];
          double e1 = real - s->rep_trial_out[i];
          double e2 = real - gain * repeat_at (s, c, (long) i - trial - (long) lag);

          el += e1 * e1;
          em += e2 * e2;
        }
      if (em >= el)
        continue;
      s->rep_lag[c] = lag;
      s->rep_gain[c] = (float) gain;
      s->rep_weight[c] = (float) (el / (el + em));
    }
}

/* The repetition's prediction of the sample `at` samples into the gap
 * (negative: before it), channel c: what was played one lag earlier, or,
 * where that lies in the part of the gap not played yet, one more lag
 * earlier, and so on. */
static float
repeat_sample (const PnbtrState *s, int c, long at)
{
  long lag = (long) s->rep_lag[c], back = at - lag;
  float g = s->rep_gain[c];

  if (lag < 1)
    return 0.f;
  while (back >= s->gap_samples)
    {
      back -= lag;
      g *= s->rep_gain[c];
    }
  return g * repeat_at (s, c, back);
}

/* Blends the repetition into n samples of channel c's concealment that
 * start `at` samples into the gap.  When the gap is interpolated, `end` is
 * where it ends: the interpolation meets the audio after it there, and the
 * repetition bows out over the last rep_taper samples so that it does
 * not open a step into it.  Otherwise end is -1.  At the gap's start,
 * what was played a bar ago rarely meets the level the audio stopped at:
 * the repetition's miss on the last sample played is added back and faded
 * out over rep_taper samples, so it continues from where the audio was.
 * (Entering as it was opened a step there, more than twice the signal's
 * own steps, at 11 of 768 gap starts of the corpus.) */
static void
apply_repeat (PnbtrState *s, int c, float *x, int n, long at, long end)
{
  float w = s->rep_weight[c], peak = s->peak[c], ceiling = s->ceiling[c];
  float step;

  if (w <= 0.f)
    return;
  /* where the repetition would have missed the last sample played */
  step = repeat_at (s, c, -1) - repeat_sample (s, c, -1);
  for (int i = 0; i < n; i++)
    {
      long k = at + i;
      float m = repeat_sample (s, c, k);
      float wk = w;
      float y;

      if (k < s->rep_taper)
        m += step * (float) (0.5 + 0.5 * cos (M_PI * (double) (k + 1) / (s->rep_taper + 1)));
      m *= fade_gain (s, k);
      if (end >= 0 && !s->rep_meets[c] && end - k <= s->rep_taper)
        wk *= (float) (0.5 - 0.5 * cos (M_PI * (double) (end - k) / (s->rep_taper + 1)));
      y = (1.f - wk) * x[i] + wk * m;

      x[i] = limit_level (y, peak, ceiling);
    }
}

void
pnbtr_set_light (PnbtrState *s, int light)
{
  s->light = light != 0;
}

int
pnbtr_gap_repeats (const PnbtrState *s)
{
  if (!s->in_gap || s->rep_len == 0)
    return 0;
  for (int c = 0; c < s->cfg.channels; c++)
    if (s->rep_weight[c] > 0.f)
      return 1;
  return 0;
}

int
pnbtr_gap_onset (const PnbtrState *s)
{
  if (!s->in_gap)
    return 0;
  for (int c = 0; c < s->cfg.channels; c++)
    if (s->quick[c] == QUICK_ONSET || s->quick[c] == QUICK_STALE)
      return 1;
  return 0;
}

int
pnbtr_last_components (const PnbtrState *s, const float **lpc, const float **pitch,
                       float *confidence, int *position)
{
  if (s->cfg.method != PNBTR_METHOD_PNBTR || !s->in_gap)
    return -1;
  *lpc = s->last_lpc;
  *pitch = s->last_pitch;
  *confidence = s->confidence[0];
  *position = s->last_position;
  return 0;
}

size_t
pnbtr_snapshot_size (const PnbtrState *s)
{
  return uses_lpc (&s->cfg) ? (size_t) s->cfg.channels * s->cfg.window : 0;
}

size_t
pnbtr_model_size (const PnbtrState *s)
{
  return uses_lpc (&s->cfg) ? (size_t) s->cfg.channels * (s->cfg.order + 1) : 0;
}

size_t
pnbtr_fit_scratch_size (const PnbtrConfig *cfg)
{
  /* Burg's scratch, then the dithered input as floats */
  return 2 * (size_t) cfg->window + cfg->order + 1 + ((size_t) cfg->window + 1) / 2;
}

void
pnbtr_snapshot (PnbtrState *s, float *snapshot)
{
  /* where the snapshot ends, for the model that will come of it */
  s->snap_played = s->played;
  for (int c = 0; c < s->cfg.channels && uses_lpc (&s->cfg); c++)
    memcpy (snapshot + (size_t) c * s->cfg.window,
            channel_history (s, c) + s->hist_len - s->cfg.window,
            sizeof (float) * s->cfg.window);
}

int
pnbtr_fit_snapshot (const PnbtrConfig *cfg, const float *snapshot, double *model, double *scratch)
{
  float *input;

  if (cfg == NULL || snapshot == NULL || model == NULL || scratch == NULL || !uses_lpc (cfg) ||
      cfg->window <= cfg->order || cfg->channels < 1)
    return -1;
  input = (float *) (scratch + 2 * (size_t) cfg->window + cfg->order + 1);
  for (int c = 0; c < cfg->channels; c++)
    fit_window (cfg, snapshot + (size_t) c * cfg->window, model + (size_t) c * (cfg->order + 1),
                input, scratch);
  return 0;
}

/* The longest gap pnbtr interpolates (a whole number of packets) and the
 * audio after it its prepared factor assumes; 0 if none. */
static int
long_gap (const PnbtrConfig *cfg, int *nfuture)
{
  int g;

  if (cfg->method != PNBTR_METHOD_PNBTR || cfg->interp_max < cfg->max_frames)
    return 0;
  g = cfg->interp_max / cfg->max_frames * cfg->max_frames;
  *nfuture = cfg->max_frames < cfg->order ? cfg->max_frames : cfg->order;
  return g;
}

size_t
pnbtr_prepared_size (const PnbtrConfig *cfg)
{
  int nf, g = cfg != NULL && cfg->channels > 0 ? long_gap (cfg, &nf) : 0;

  /* per channel a flag, then the packed factor */
  return g > 0 ? (size_t) cfg->channels * (1 + (size_t) g * (g + 1) / 2) : 0;
}

size_t
pnbtr_prepare_scratch_size (const PnbtrConfig *cfg)
{
  int nf, g = cfg != NULL ? long_gap (cfg, &nf) : 0;

  return (size_t) g * g;
}

int
pnbtr_prepare_model (const PnbtrConfig *cfg, const double *model, double *prepared,
                     double *scratch)
{
  int nf, g;
  size_t packed;

  if (cfg == NULL || model == NULL || prepared == NULL || scratch == NULL ||
      cfg->channels < 1 || cfg->channels > PNBTR_MAX_CHANNELS || cfg->order < 1 ||
      (g = long_gap (cfg, &nf)) == 0)
    return -1;
  packed = (size_t) g * (g + 1) / 2;
  for (int c = 0; c < cfg->channels; c++)
    {
      double *flag = prepared + (size_t) c * (1 + packed);
      int ok = pnbtr_lsar_factor (model + (size_t) c * (cfg->order + 1), cfg->order, g, nf,
                                  scratch) == 0;

      *flag = ok;
      memcpy (flag + 1, scratch, sizeof (double) * packed);
    }
  return 0;
}

int
pnbtr_install_prepared (PnbtrState *s, const double *model, const double *prepared)
{
  if (s->in_gap || !uses_lpc (&s->cfg))
    return -1;
  memcpy (s->a, model, sizeof (double) * pnbtr_model_size (s));
  s->have_model = 1;
  for (int c = 0; c < s->cfg.channels; c++)
    {
      const double *flag = prepared != NULL && s->factor != NULL
                           ? prepared + (size_t) c * (1 + s->lsar_packed) : NULL;

      s->model_played[c] = s->snap_played;
      s->factor_ok[c] = flag != NULL && *flag == 1.0;
      if (s->factor_ok[c])
        memcpy (s->factor + (size_t) c * s->lsar_packed, flag + 1,
                sizeof (double) * s->lsar_packed);
    }
  return 0;
}

int
pnbtr_install_model (PnbtrState *s, const double *model)
{
  return pnbtr_install_prepared (s, model, NULL);
}

void
pnbtr_forget_model (PnbtrState *s)
{
  if (!s->in_gap)
    {
      s->have_model = 0;
      memset (s->factor_ok, 0, sizeof s->factor_ok);
    }
}

static float
fade_gain (const PnbtrState *s, long t)
{
  const PnbtrConfig *cfg = &s->cfg;
  double start = cfg->fade_start_ms * 1e-3 * cfg->sample_rate;
  double tau = cfg->fade_ms * 1e-3 * cfg->sample_rate;

  if (cfg->method != PNBTR_METHOD_PNBTR || t < start || tau <= 0)
    return 1.f;
  return (float) exp (-(t - start) / tau);
}

/* Concealment of n samples of channel c into out. */
static void
predict_channel (PnbtrState *s, int c, float *out, int n)
{
  const PnbtrConfig *cfg = &s->cfg;

  switch (cfg->method)
    {
    case PNBTR_METHOD_ZERO:
      memset (out, 0, sizeof (float) * n);
      break;

    case PNBTR_METHOD_REPEAT:
      memcpy (out, channel_history (s, c) + s->hist_len - n, sizeof (float) * n);
      break;

    case PNBTR_METHOD_BURG:
    case PNBTR_METHOD_PNBTR:
      pnbtr_lpc_extrapolate_float (s->a + (size_t) c * (cfg->order + 1), cfg->order,
                                   s->lpc_mem + (size_t) c * cfg->order, out, n, s->work,
                                   s->reversed);
      if (cfg->method == PNBTR_METHOD_PNBTR)
        {
          float peak = s->peak[c];
          int period = s->period[c];
          const float *src = s->pitch_src + (size_t) c * PITCH_MAX;
          int position = (int) (s->gap_samples / cfg->max_frames);
          int conf = (int) (s->confidence[c] * BLEND_CONFIDENCE);
          const float *w;

          position = position < BLEND_POSITIONS ? position : BLEND_POSITIONS - 1;
          conf = conf < BLEND_CONFIDENCE ? conf : BLEND_CONFIDENCE - 1;
          w = blend_weights[position * BLEND_CONFIDENCE + conf];
          if (c == 0)
            s->last_position = position;
          /* the gap starts from the plain prediction, whose first samples
           * are its surest, and glides into the learned weights over
           * BLEND_RAMP samples: starting at them (the first packet's LPC
           * weight is 0.26-0.96) stepped the level at the gap's start */
          if (s->gap_samples == 0)
            {
              s->blend[c][0] = 1.f;
              s->blend[c][1] = 0.f;
            }

          for (int i = 0; i < n; i++)
            {
              long k = s->gap_samples + i;
              float pitch = period > 0 ? src[k % period] : 0.f;
              float y;

              if (c == 0)
                {
                  s->last_lpc[i] = out[i];
                  s->last_pitch[i] = pitch;
                }
              /* the learned blend (its weights glide from one packet's to the
               * next over BLEND_RAMP samples, so the level does not step), the
               * fade of long gaps, and never louder than the signal was */
              {
                float t = i < BLEND_RAMP ? (i + 1.f) / BLEND_RAMP : 1.f;
                float w0 = s->blend[c][0] + t * (w[0] - s->blend[c][0]);
                float w1 = s->blend[c][1] + t * (w[1] - s->blend[c][1]);

                y = (w0 * out[i] + w1 * pitch) * fade_gain (s, k);
              }
              out[i] = limit_level (y, peak, s->ceiling[c]);
            }
          if (n >= BLEND_RAMP)
            {
              s->blend[c][0] = w[0];
              s->blend[c][1] = w[1];
            }
        }
      break;

    default:
      memset (out, 0, sizeof (float) * n);
      break;
    }
}

/* Bridges the rest of the gap, whose end the caller knows, by least-squares
 * interpolation, per channel.  Returns 0 on success. */
static int
interpolate_gap (PnbtrState *s, const PnbtrFuture *future)
{
  const PnbtrConfig *cfg = &s->cfg;
  size_t order = cfg->order;
  int nfuture = future->frames < cfg->order ? future->frames : cfg->order;
  int long_nf = 0, long_len = long_gap (cfg, &long_nf);
  /* The prepared factor is for the longest gap with long_nf samples after
   * it.  Its system's normal matrix depends only on the gap's length and on
   * how far the known audio after it reaches, so a shorter gap whose known
   * audio reaches as far has the leading block of that matrix, and the
   * leading block of a Cholesky factor is the factor of the leading block:
   * a one-packet gap with two packets after it (the jitter buffer's usual
   * lookahead) needs no factorisation of its own either.  Such a gap uses
   * that much of the audio after it, and no more. */
  int reach = long_len + long_nf - future->gap_frames;
  int prepared = long_len > 0 && future->gap_frames <= long_len && nfuture >= reach;

  if (prepared)
    nfuture = reach;

  for (int c = 0; c < cfg->channels; c++)
    {
      const float *h = channel_history (s, c);

      for (int i = 0; i < nfuture; i++)
        {
          float v = future->samples[(size_t) i * cfg->channels + c];

          s->future[i] = isfinite (v) ? v : 0.f;
        }
      const double *a = s->a + (size_t) c * (order + 1);
      const float *past = h + s->hist_len - order;
      float *gap = s->interp + (size_t) c * cfg->interp_max;
      const double *factor;
      double costs[2];
      int ok;

      /* does the repetition run on into the audio after the gap (within
       * 40 dB over its first rep_taper samples)?  Then it may play to the
       * gap's end; otherwise it bows out before it */
      s->rep_meets[c] = 0;
      if (s->rep_weight[c] > 0.f && nfuture >= s->rep_taper)
        {
          double e = 0.0, energy = 0.0;

          for (int i = 0; i < s->rep_taper; i++)
            {
              double m = repeat_sample (s, c, s->gap_samples + future->gap_frames + i);

              e += (s->future[i] - m) * (s->future[i] - m);
              energy += (double) s->future[i] * s->future[i];
            }
          s->rep_meets[c] = e < 1e-4 * energy;
        }

      /* the candidates: least-squares interpolation, and plain forward
       * extrapolation (from where playback is now).  Keep the one the model
       * finds more likely.  Interpolation wins on real audio; on a noiseless
       * synthetic tone its normal equations are too ill-conditioned for
       * double precision and extrapolation wins. */
      memcpy (s->fwd_mem, past, sizeof (float) * order);
      pnbtr_lpc_extrapolate_float (a, order, s->fwd_mem, s->fwd, future->gap_frames, s->work,
                                   s->reversed);
      factor = prepared && s->factor_ok[c] ? s->factor + (size_t) c * s->lsar_packed : NULL;
      ok = pnbtr_lsar_interpolate (a, order, past, future->gap_frames, s->future, nfuture, factor,
                                   gap, s->fwd, costs, s->lsar) == 0;
      if (!ok || costs[1] < costs[0])
        memcpy (gap, s->fwd, sizeof (float) * future->gap_frames);
      for (int i = 0; i < future->gap_frames; i++)
        gap[i] = limit_level (gap[i], s->peak[c], s->ceiling[c]);
    }
  s->interp_len = future->gap_frames;
  s->interp_pos = 0;
  return 0;
}

int
pnbtr_process (PnbtrState *s, const float *in, float *out, int frames)
{
  return pnbtr_process_ex (s, in, out, frames, NULL);
}

/* Continues channel c's prediction (with the repetition) over n samples
 * and fades from it into `to`, writing dst (which may be `to`): raised
 * cosine for pnbtr, linear (as JackTrip) for burg.  Where a gap ends, and
 * where an interpolation takes over inside one. */
static void
fade_from_prediction (PnbtrState *s, int c, const float *to, float *dst, int n)
{
  predict_channel (s, c, s->pred, n);
  apply_repeat (s, c, s->pred, n, s->gap_samples, -1);
  for (int i = 0; i < n; i++)
    {
      double t = (i + 1.0) / (n + 1.0);
      float w = s->cfg.method == PNBTR_METHOD_PNBTR ? (float) (0.5 - 0.5 * cos (M_PI * t))
                                                    : (float) t;

      dst[i] = w * to[i] + (1.f - w) * s->pred[i];
    }
}

int
pnbtr_amend (PnbtrState *s, const float *played, int frames)
{
  int channels = s->cfg.channels;

  if (!s->in_gap || played == NULL || frames < 1 || frames != s->last_frames ||
      frames > s->gap_samples || frames > s->hist_len)
    return -1;
  for (int c = 0; c < channels; c++)
    {
      float *h = channel_history (s, c) + s->hist_len - frames;
      float *ring = s->rep_len > 0 ? s->rep_ring + (size_t) c * s->rep_len : NULL;

      for (int i = 0; i < frames; i++)
        {
          float v = played[(size_t) i * channels + c];

          v = isfinite (v) ? v : 0.f;
          h[i] = v;
          if (ring != NULL)
            ring[(s->rep_pos - (size_t) frames + i) & (s->rep_len - 1)] = v;
          s->stream_peak[c] = fmaxf (s->stream_peak[c], fabsf (v));
        }
    }
  /* the repetition's coarse ring (a box-filtered mix of the channels)
   * keeps the prediction: at its resolution the two hardly differ */
  s->in_gap = 0;
  s->gap_samples = 0;
  s->interpolated = 0;
  s->interp_len = s->interp_pos = 0;
  return 0;
}

int
pnbtr_process_ex (PnbtrState *s, const float *in, float *out, int frames,
                  const PnbtrFuture *future)
{
  const PnbtrConfig *cfg = &s->cfg;
  int channels = cfg->channels;

  if (frames < 1 || frames > cfg->max_frames)
    {
      /* a caller bug: say nothing, play nothing */
      if (out != NULL && frames > 0)
        memset (out, 0, sizeof (float) * (size_t) frames * channels);
      return 0;
    }
  s->last_frames = frames;

  if (in != NULL)
    {
      /* an interpolated gap already meets the audio after it */
      int fade = s->in_gap && uses_lpc (cfg) && !s->interpolated
                 ? (cfg->crossfade < frames ? cfg->crossfade : frames) : 0;

      for (int c = 0; c < channels; c++)
        {
          float loudest = s->stream_peak[c];
          int blend = fade;

          for (int i = 0; i < frames; i++)
            {
              float v = in[(size_t) i * channels + c];

              s->ch_in[i] = isfinite (v) ? v : 0.f;
              loudest = fabsf (s->ch_in[i]) > loudest ? fabsf (s->ch_in[i]) : loudest;
            }
          s->stream_peak[c] = loudest;
          if (fade > 0)
            {
              /* continue the prediction and fade into the real signal */
              fade_from_prediction (s, c, s->ch_in, s->ch_out, fade);
            }
          else if (s->in_gap && s->interpolated && uses_lpc (cfg) && frames > END_BLEND)
            {
              /* an interpolation meets the audio after the gap where its
               * model is right; where it is not (a drum's hit), it would
               * step into it: a step over twice the audio's own steps
               * there fades in from the gap's last sample instead */
              float last = channel_history (s, c)[s->hist_len - 1], own = 0.f;

              for (int i = 0; i < END_BLEND; i++)
                own = fmaxf (own, fabsf (s->ch_in[i + 1] - s->ch_in[i]));
              if (fabsf (s->ch_in[0] - last) > 2.f * own)
                {
                  for (int i = 0; i < END_BLEND; i++)
                    {
                      float w = (float) (0.5 - 0.5 * cos (M_PI * (i + 1.0) / (END_BLEND + 1.0)));

                      s->ch_out[i] = w * s->ch_in[i] + (1.f - w) * last;
                    }
                  blend = END_BLEND;
                }
            }
          for (int i = 0; i < frames; i++)
            out[(size_t) i * channels + c] = i < blend ? s->ch_out[i] : s->ch_in[i];
          push_history (s, c, s->ch_in, frames);
        }
      commit_history (s, frames);
      s->in_gap = 0;
      s->gap_samples = 0;
      s->interpolated = 0;
      s->interp_len = s->interp_pos = 0;
      return 0;
    }

  if (!s->in_gap && uses_lpc (cfg))
    {
      s->light_gap = s->light;
      /* a gap begun light keeps the model it has (or, having none, fits
       * one as any gap does) */
      memset (s->quick, 0, sizeof s->quick);
      if (!s->light_gap)
        refit_after_onset (s);
      for (int c = 0; c < channels; c++)
        start_gap_channel (s, c);
      if (s->rep_len > 0)
        start_repeat (s);
    }
  s->in_gap = 1;
  if (s->light_gap)
    future = NULL;
  /* a quick model has no prepared interpolation: across more than this
   * packet it would cost a factorisation now (a 256-sample one took 0.5
   * ms), so this packet is extrapolated and the last one bridges, a
   * packet-long system */
  if (future != NULL && future->gap_frames > frames)
    for (int c = 0; c < channels; c++)
      if (s->quick[c] != QUICK_NONE)
        future = NULL;

  /* the jitter buffer knows where the gap ends: interpolate the rest of it */
  if (s->interp_pos >= s->interp_len && s->interp != NULL && future != NULL &&
      future->samples != NULL && future->frames > 0 && future->gap_frames >= frames &&
      future->gap_frames <= cfg->interp_max && interpolate_gap (s, future) == 0)
    s->interpolated = 1;

  if (s->interp_pos + frames <= s->interp_len)
    {
      /* an interpolation that takes over inside a gap starts from what the
       * model makes of the extrapolation played, which is rarely where the
       * extrapolation was heading: a kink, or a step of a few percent, in
       * one sample.  Crossfade from the continued extrapolation over
       * BLEND_RAMP samples */
      int handover = s->interp_pos == 0 && s->gap_samples > 0
                     ? (BLEND_RAMP < frames ? BLEND_RAMP : frames) : 0;

      for (int c = 0; c < channels; c++)
        {
          const float *src = s->interp + (size_t) c * cfg->interp_max + s->interp_pos;

          memcpy (s->ch_out, src, sizeof (float) * frames);
          apply_repeat (s, c, s->ch_out, frames, s->gap_samples,
                        s->gap_samples - s->interp_pos + s->interp_len);
          if (handover > 0)
            fade_from_prediction (s, c, s->ch_out, s->ch_out, handover);
          for (int i = 0; i < frames; i++)
            out[(size_t) i * channels + c] = s->ch_out[i];
          push_history (s, c, s->ch_out, frames);
        }
      commit_history (s, frames);
      s->interp_pos += frames;
      s->gap_samples += frames;
      return 1;
    }
  /* no (more) interpolation: extrapolate; the LPC memory must follow what
   * was actually played */
  if (s->interpolated)
    {
      for (int c = 0; c < channels; c++)
        memcpy (s->lpc_mem + (size_t) c * cfg->order,
                channel_history (s, c) + s->hist_len - cfg->order, sizeof (float) * cfg->order);
      s->interpolated = 0;
      s->interp_len = s->interp_pos = 0;
    }

  for (int c = 0; c < channels; c++)
    {
      predict_channel (s, c, s->ch_out, frames);
      apply_repeat (s, c, s->ch_out, frames, s->gap_samples, -1);
      for (int i = 0; i < frames; i++)
        out[(size_t) i * channels + c] = s->ch_out[i];
      push_history (s, c, s->ch_out, frames);
    }
  commit_history (s, frames);
  s->gap_samples += frames;
  return 1;
}
