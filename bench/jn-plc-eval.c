/* jn-plc-eval.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-plc-eval"

#include "config.h"

#include "jn-bench-util.h"

#include <errno.h>
#include <gio/gio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jn-audio-copy.h"
#include "jn-plc-eval.h"
#include "pnbtr-dsp.h"

#define SPECTRUM_N 256      /* per lost packet, zero-padded */
#define FRAME_MS   20       /* frames of at least this, a power of two: 1024 samples
                             * (21 ms) at 44.1 and 48 kHz, 2048 at 96 kHz; hop half */
#define MEL_BANDS  40
#define POWER_FLOOR 1e-10   /* -100 dB full scale */
/* an edge step is a click: over twice the signal's own largest step nearby,
 * and louder than -40 dBFS */
#define EDGE_STEP_RATIO 2.0
#define EDGE_STEP_FLOOR 0.01
/* --redundancy auto's inputs, as the engine gets them: reports ten times
 * a second, the longest burst of the last 2 s, the loss rate averaged
 * over about ten reports */
#define REPORTS_HZ      10
#define BURST_WINDOW_S  2.0

/* --- traces -------------------------------------------------------------- */

GArray *
jn_plc_trace_generate (guint    packets,
                       double   loss,
                       double   burst_mean,
                       guint    burst_max,
                       guint32  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GArray *trace = g_array_new (FALSE, FALSE, sizeof (guint32));
  double r, p;
  gboolean bad = FALSE;
  guint run = 0;

  loss = CLAMP (loss, 0.0, 0.95);
  burst_mean = MAX (burst_mean, 1.0);
  /* leaving the bad state ends a burst: mean length 1 / r; the stationary
   * loss rate of the two-state chain is p / (p + r) */
  r = 1.0 / burst_mean;
  p = loss >= 1.0 ? 1.0 : loss * r / (1.0 - loss);

  for (guint32 i = 0; i < packets && loss > 0; i++)
    {
      if (bad)
        bad = run < burst_max && g_rand_double (rand) >= r;
      else
        bad = g_rand_double (rand) < p;
      run = bad ? run + 1 : 0;
      if (bad)
        g_array_append_val (trace, i);
    }
  return trace;
}

static gint
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

GArray *
jn_plc_trace_load (const char  *path,
                   GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) trace = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *unique;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      guint64 v;

      if (*line == '\0' || *line == '#')
        continue;
      if (!g_ascii_string_to_unsigned (line, 10, 0, G_MAXUINT32, &v, NULL))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s:%u: “%s” is not a packet index (one whole number per line)",
                       path, i + 1, line);
          return NULL;
        }
      {
        guint32 index = (guint32) v;

        g_array_append_val (trace, index);
      }
    }
  g_array_sort (trace, compare_u32);
  unique = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < trace->len; i++)
    if (i == 0 || g_array_index (trace, guint32, i) != g_array_index (trace, guint32, i - 1))
      g_array_append_val (unique, g_array_index (trace, guint32, i));
  return unique;
}

gboolean
jn_plc_trace_save (GArray      *trace,
                   const char  *path,
                   const char  *comment,
                   GError     **error)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (comment != NULL)
    g_string_append_printf (text, "# %s\n", comment);
  for (guint i = 0; i < trace->len; i++)
    g_string_append_printf (text, "%u\n", g_array_index (trace, guint32, i));
  return g_file_set_contents (path, text->str, text->len, error);
}

/* --- results ------------------------------------------------------------- */

void
jn_plc_result_init (JnPlcResult *result)
{
  memset (result, 0, sizeof *result);
  result->conceal_ns = g_array_new (FALSE, FALSE, sizeof (double));
  result->start_ns = g_array_new (FALSE, FALSE, sizeof (double));
  result->fit_ns = g_array_new (FALSE, FALSE, sizeof (double));
}

void
jn_plc_result_clear (JnPlcResult *result)
{
  g_clear_pointer (&result->conceal_ns, g_array_unref);
  g_clear_pointer (&result->start_ns, g_array_unref);
  g_clear_pointer (&result->fit_ns, g_array_unref);
}

void
jn_plc_result_merge (JnPlcResult       *into,
                     const JnPlcResult *from)
{
  into->lost_packets += from->lost_packets;
  into->lost_samples += from->lost_samples;
  for (guint i = 0; i < 4; i++)
    {
      into->signal_energy[i] += from->signal_energy[i];
      into->error_energy[i] += from->error_energy[i];
      into->samples_by_pos[i] += from->samples_by_pos[i];
    }
  into->file_signal_energy += from->file_signal_energy;
  into->file_error_energy += from->file_error_energy;
  into->lsd_sum += from->lsd_sum;
  into->mel_sum += from->mel_sum;
  into->spectra += from->spectra;
  into->frame_mel_sum += from->frame_mel_sum;
  into->frame_spectra += from->frame_spectra;
  into->signal_peak = MAX (into->signal_peak, from->signal_peak);
  into->output_peak_lost = MAX (into->output_peak_lost, from->output_peak_lost);
  into->clipped += from->clipped;
  into->boundaries += from->boundaries;
  into->clicks += from->clicks;
  into->starts += from->starts;
  into->start_clicks += from->start_clicks;
  into->worst_click_ratio = MAX (into->worst_click_ratio, from->worst_click_ratio);
  into->edges += from->edges;
  into->edge_steps += from->edge_steps;
  into->clips += from->clips;
  into->overshoot_clips += from->overshoot_clips;
  into->restored_packets += from->restored_packets;
  into->copy_bytes += from->copy_bytes;
  into->stream_bytes += from->stream_bytes;
  into->sent_seconds += from->sent_seconds;
  g_array_append_vals (into->conceal_ns, from->conceal_ns->data, from->conceal_ns->len);
  g_array_append_vals (into->start_ns, from->start_ns->data, from->start_ns->len);
  g_array_append_vals (into->fit_ns, from->fit_ns->data, from->fit_ns->len);
  into->audio_seconds += from->audio_seconds;
}

static double
snr (double signal, double error)
{
  if (error <= 0.0)
    return signal > 0.0 ? 200.0 : 0.0;
  if (signal <= 0.0)
    return -200.0;
  return 10.0 * log10 (signal / error);
}

double
jn_plc_snr_db (const JnPlcResult *result, guint position)
{
  return snr (result->signal_energy[MIN (position, 3)], result->error_energy[MIN (position, 3)]);
}

double
jn_plc_file_snr_db (const JnPlcResult *result)
{
  return snr (result->file_signal_energy, result->file_error_energy);
}

double
jn_plc_lsd_db (const JnPlcResult *result)
{
  return result->spectra ? result->lsd_sum / result->spectra : 0.0;
}

double
jn_plc_mel_db (const JnPlcResult *result)
{
  return result->spectra ? result->mel_sum / result->spectra : 0.0;
}

double
jn_plc_frame_mel_db (const JnPlcResult *result)
{
  return result->frame_spectra ? result->frame_mel_sum / result->frame_spectra : 0.0;
}

double
jn_plc_time_us (const JnPlcResult *result, double percentile)
{
  return jn_plc_times_us (result->conceal_ns, percentile);
}

double
jn_plc_times_us (GArray *t, double percentile)
{
  g_autofree double *sorted = NULL;
  double sum = 0.0;

  if (t->len == 0)
    return 0.0;
  if (percentile < 0)
    {
      for (guint i = 0; i < t->len; i++)
        sum += g_array_index (t, double, i);
      return sum / t->len / 1000.0;
    }
  sorted = g_memdup2 (t->data, sizeof (double) * t->len);
  qsort (sorted, t->len, sizeof (double), jn_bench_compare_double);
  return sorted[MIN ((guint) ceil (percentile * t->len), t->len) - (percentile > 0 ? 1 : 0)] / 1000.0;
}

double
jn_plc_fit_us (const JnPlcResult *result, gboolean max)
{
  double sum = 0.0, top = 0.0;

  for (guint i = 0; i < result->fit_ns->len; i++)
    {
      sum += g_array_index (result->fit_ns, double, i);
      top = MAX (top, g_array_index (result->fit_ns, double, i));
    }
  if (result->fit_ns->len == 0)
    return 0.0;
  return (max ? top : sum / result->fit_ns->len) / 1000.0;
}

double
jn_plc_fit_load (const JnPlcResult *result)
{
  double sum = 0.0;

  for (guint i = 0; i < result->fit_ns->len; i++)
    sum += g_array_index (result->fit_ns, double, i);
  return result->audio_seconds > 0 ? sum * 1e-9 / result->audio_seconds : 0.0;
}

double
jn_plc_copy_kbps (const JnPlcResult *result)
{
  return result->sent_seconds > 0 ? result->copy_bytes * 8.0 / result->sent_seconds / 1000.0 : 0.0;
}

double
jn_plc_copy_share (const JnPlcResult *result)
{
  return result->stream_bytes > 0 ? result->copy_bytes / result->stream_bytes : 0.0;
}

double
jn_plc_samples_per_s (const JnPlcResult *result, guint packet, guint channels, gboolean after_start)
{
  double total_ns = 0.0;
  guint count = result->conceal_ns->len;

  for (guint i = 0; i < result->conceal_ns->len; i++)
    total_ns += g_array_index (result->conceal_ns, double, i);
  if (after_start)
    {
      for (guint i = 0; i < result->start_ns->len; i++)
        total_ns -= g_array_index (result->start_ns, double, i);
      count -= MIN (count, result->start_ns->len);
    }
  return total_ns > 0 ? (double) count * packet * channels / (total_ns * 1e-9) : 0.0;
}

/* --- spectra ------------------------------------------------------------- */

/* A spectrum analyser of one size: n-point FFT, Hann window over the part
 * analysed, MEL_BANDS triangular mel filters from 0 Hz to Nyquist. */
typedef struct
{
  guint   n;
  double *twiddles;
  double *buf;
  double *mel;        /* MEL_BANDS x (n / 2 + 1) */
  double *pr, *po;    /* power spectra of the reference and the output */
} Spectra;

static double
hz_to_mel (double hz)
{
  return 2595.0 * log10 (1.0 + hz / 700.0);
}

static void
spectra_init (Spectra *sp, guint n, guint rate)
{
  double top = hz_to_mel (rate / 2.0);
  guint bins = n / 2 + 1;

  sp->n = n;
  sp->twiddles = g_new (double, n);
  sp->buf = g_new (double, 2 * n);
  sp->mel = g_new0 (double, (gsize) MEL_BANDS * bins);
  sp->pr = g_new (double, bins);
  sp->po = g_new (double, bins);
  pnbtr_fft_twiddles (sp->twiddles, n);
  for (guint b = 0; b < MEL_BANDS; b++)
    {
      double lo = top * b / (MEL_BANDS + 1), mid = top * (b + 1) / (MEL_BANDS + 1),
             hi = top * (b + 2) / (MEL_BANDS + 1);

      for (guint k = 0; k < bins; k++)
        {
          double m = hz_to_mel ((double) k * rate / n);

          if (m > lo && m < hi)
            sp->mel[b * bins + k] = m <= mid ? (m - lo) / (mid - lo) : (hi - m) / (hi - mid);
        }
    }
}

static void
spectra_clear (Spectra *sp)
{
  g_free (sp->twiddles);
  g_free (sp->buf);
  g_free (sp->mel);
  g_free (sp->pr);
  g_free (sp->po);
}

static void
power_spectrum (Spectra *sp, const float *x, guint len, guint stride, double *power)
{
  memset (sp->buf, 0, sizeof (double) * 2 * sp->n);
  /* Hann-windowed over its own length, zero-padded to n */
  for (guint i = 0; i < len && i < sp->n; i++)
    sp->buf[2 * i] = x[(gsize) i * stride] * (0.5 - 0.5 * cos (2 * G_PI * (i + 0.5) / len));
  pnbtr_fft (sp->buf, sp->n, sp->twiddles, 0);
  for (guint k = 0; k <= sp->n / 2; k++)
    power[k] = sp->buf[2 * k] * sp->buf[2 * k] + sp->buf[2 * k + 1] * sp->buf[2 * k + 1];
}

/* RMS over the bins (lsd) and over the mel bands (mel) of the dB
 * differences between the two spectra; lsd may be NULL. */
static void
spectral_distance (Spectra *sp, const float *ref, const float *out, guint len, guint stride,
                   double *lsd, double *mel)
{
  guint bins = sp->n / 2 + 1;
  double sum = 0.0, msum = 0.0;

  power_spectrum (sp, ref, len, stride, sp->pr);
  power_spectrum (sp, out, len, stride, sp->po);
  for (guint k = 0; lsd != NULL && k < bins; k++)
    {
      double d = 10.0 * log10 (sp->pr[k] + POWER_FLOOR) - 10.0 * log10 (sp->po[k] + POWER_FLOOR);

      sum += d * d;
    }
  for (guint b = 0; b < MEL_BANDS; b++)
    {
      const double *w = sp->mel + (gsize) b * bins;
      double er = 0.0, eo = 0.0, d;

      for (guint k = 0; k < bins; k++)
        {
          er += w[k] * sp->pr[k];
          eo += w[k] * sp->po[k];
        }
      d = 10.0 * log10 (er + POWER_FLOOR) - 10.0 * log10 (eo + POWER_FLOOR);
      msum += d * d;
    }
  if (lsd != NULL)
    *lsd = sqrt (sum / bins);
  *mel = sqrt (msum / MEL_BANDS);
}

/* --- the run ------------------------------------------------------------- */

/* The click measure: the jump from the last concealed sample into the first
 * played one (or, at a gap's start, from the last played sample into the
 * first concealed one), against the largest sample-to-sample step of the
 * reference within 16 samples of that point. */
static double
click_ratio (const float *ref, const float *out, gsize frames, guint channels, gsize at, guint c,
             double *jump_out)
{
  double jump = fabs ((double) out[at * channels + c] - out[(at - 1) * channels + c]);
  double own = 0.0;

  for (gsize i = at > 16 ? at - 16 : 1; i < MIN (frames, at + 17); i++)
    own = MAX (own, fabs ((double) ref[i * channels + c] - ref[(i - 1) * channels + c]));
  *jump_out = jump;
  return jump / MAX (own, 1.0 / 32768.0);
}

static void
count_edge (JnPlcResult *result, double ratio, double jump)
{
  result->edges++;
  if (ratio > EDGE_STEP_RATIO && jump > EDGE_STEP_FLOOR)
    result->edge_steps++;
}

gboolean
jn_plc_parse_method (const char  *spec,
                     guint        rate,
                     guint        channels,
                     guint        packet,
                     PnbtrConfig *config,
                     guint       *lookahead,
                     guint       *refit,
                     JnPlcCopies *copies)
{
  g_autofree char *whole = g_strdup (spec);
  char *name = whole, *plus = strchr (whole, '+');
  char *at, *slash;
  guint64 la = 0, every = 0;

  memset (copies, 0, sizeof *copies);
  if (plus != NULL)
    {
      guint64 k;

      *plus = '\0';
      if (g_str_equal (whole, "redauto"))
        copies->automatic = TRUE;
      else if (g_str_has_prefix (whole, "red") &&
               g_ascii_string_to_unsigned (whole + 3, 10, 1, JN_COPY_MAX, &k, NULL))
        copies->k = (guint) k;
      else
        return FALSE;
      name = plus + 1;
    }
  at = strchr (name, '@');
  slash = strchr (name, '/');

  if (slash != NULL)
    {
      *slash = '\0';
      if (!g_ascii_string_to_unsigned (slash + 1, 10, 1, 100000, &every, NULL))
        return FALSE;
    }
  *refit = (guint) every;
  if (at != NULL)
    {
      *at = '\0';
      if (!g_ascii_string_to_unsigned (at + 1, 10, 0, 64, &la, NULL))
        return FALSE;
    }
  *lookahead = (guint) la;
  copies->window = MAX (*lookahead, 1);
  return pnbtr_config_parse (config, name, (int) rate, (int) channels, (int) packet) == 0;
}

gboolean *
jn_plc_lost_mask (GArray *trace,
                  gsize   n_packets)
{
  gboolean *mask = g_new0 (gboolean, n_packets + 1);

  for (guint i = 0; i < trace->len; i++)
    if (g_array_index (trace, guint32, i) < n_packets)
      mask[g_array_index (trace, guint32, i)] = TRUE;
  return mask;
}

void
jn_plc_measure (const float    *ref,
                const float    *out,
                gsize           frames,
                guint           channels,
                guint           packet,
                guint           rate,
                const gboolean *lost_mask,
                JnPlcResult    *result)
{
  Spectra sp, fr;
  gsize n_packets = (frames + packet - 1) / packet;
  guint run = 0, frame_n = 256;
  double ref_peak = 0.0, out_peak = 0.0;

  while ((guint64) frame_n * 1000 < (guint64) FRAME_MS * rate)
    frame_n *= 2;
  spectra_init (&sp, SPECTRUM_N, rate);
  spectra_init (&fr, frame_n, rate);
  result->audio_seconds += (double) frames / rate;
  for (gsize i = 0; i < frames * channels; i++)
    {
      ref_peak = MAX (ref_peak, fabs (ref[i]));
      out_peak = MAX (out_peak, fabs (out[i]));
    }
  result->signal_peak = MAX (result->signal_peak, ref_peak);
  result->clips++;
  /* past the float rounding of the signal itself */
  if (out_peak > ref_peak * (1.0 + 1e-6))
    result->overshoot_clips++;

  for (gsize p = 0; p < n_packets; p++)
    {
      gsize start = p * packet;
      guint n = (guint) MIN ((gsize) packet, frames - start);
      const float *in = ref + start * channels;
      const float *o = out + start * channels;
      guint pos;

      if (!lost_mask[p])
        {
          if (run > 0 && start > 0)
            for (guint c = 0; c < channels; c++)
              {
                double jump, ratio = click_ratio (ref, out, frames, channels, start, c, &jump);

                count_edge (result, ratio, jump);
                result->boundaries++;
                if (ratio > 1.0)
                  result->clicks++;
                result->worst_click_ratio = MAX (result->worst_click_ratio, ratio);
              }
          run = 0;
          continue;
        }

      run++;
      pos = MIN (run, 3);
      if (run == 1 && start > 0)
        for (guint c = 0; c < channels; c++)
          {
            double jump, ratio = click_ratio (ref, out, frames, channels, start, c, &jump);

            count_edge (result, ratio, jump);
            result->starts++;
            if (ratio > 1.0)
              result->start_clicks++;
          }
      result->lost_packets++;
      result->lost_samples += (guint64) n * channels;
      for (gsize i = 0; i < (gsize) n * channels; i++)
        {
          double e = (double) o[i] - in[i];

          result->signal_energy[0] += (double) in[i] * in[i];
          result->error_energy[0] += e * e;
          result->signal_energy[pos] += (double) in[i] * in[i];
          result->error_energy[pos] += e * e;
          result->output_peak_lost = MAX (result->output_peak_lost, fabs (o[i]));
        }
      result->samples_by_pos[0] += (guint64) n * channels;
      result->samples_by_pos[pos] += (guint64) n * channels;
      for (guint c = 0; c < channels; c++)
        {
          double lsd, mel;

          spectral_distance (&sp, in + c, o + c, n, channels, &lsd, &mel);
          result->lsd_sum += lsd;
          result->mel_sum += mel;
          result->spectra++;
        }
    }

  /* the frame measure: every frame (hop half a frame) that holds a lost
   * sample */
  for (gsize f = 0; f + frame_n <= frames; f += frame_n / 2)
    {
      gboolean hit = FALSE;

      for (gsize p = f / packet; p <= (f + frame_n - 1) / packet && !hit; p++)
        hit = lost_mask[p];
      for (guint c = 0; hit && c < channels; c++)
        {
          double mel;

          spectral_distance (&fr, ref + f * channels + c, out + f * channels + c, frame_n,
                             channels, NULL, &mel);
          result->frame_mel_sum += mel;
          result->frame_spectra++;
        }
    }
  spectra_clear (&sp);
  spectra_clear (&fr);

  for (gsize i = 0; i < frames * channels; i++)
    {
      double e = (double) out[i] - ref[i];

      result->file_signal_energy += (double) ref[i] * ref[i];
      result->file_error_energy += e * e;
      if (fabs (out[i]) >= 1.0)
        result->clipped++;
    }
}

/* The longest run of lost packets that ended within [from, to) */
static guint
longest_run (const gboolean *lost_mask, gsize from, gsize to)
{
  guint best = 0, run = 0;

  for (gsize p = from; p < to; p++)
    {
      run = lost_mask[p] ? run + 1 : 0;
      best = MAX (best, run);
    }
  return best;
}

/* How many copies each packet carries: k, or --redundancy auto's rule as
 * the engine runs it (adapt_copies() in jn-media-engine.c), fed with the
 * reports a receiver of this trace would send: every 1/REPORTS_HZ s its
 * losses since the previous one and the longest burst of the last
 * BURST_WINDOW_S; a report reaches the sender one report later. */
static guint *
copies_sent (const gboolean *lost_mask, gsize n_packets, guint packet, guint rate, const JnPlcCopies *copies)
{
  guint *k = g_new0 (guint, n_packets + 1);
  gsize every = MAX ((gsize) lround ((double) rate / packet / REPORTS_HZ), 1);
  gsize window = (gsize) lround (BURST_WINDOW_S * rate / packet);
  gsize hold = (gsize) lround ((double) JN_COPIES_HOLD_US / G_USEC_PER_SEC * rate / packet);
  double loss_rate = 0.0;
  gboolean lost_ever = FALSE;
  gsize loss_at = 0;
  guint burst = 0, now_k = 0, pending_k = 0;

  for (gsize p = 0; p < n_packets; p++)
    {
      if (!copies->automatic)
        {
          k[p] = copies->k;
          continue;
        }
      if (p > 0 && p % every == 0)
        {
          guint lost = 0;

          /* the report sent a period ago arrives now */
          now_k = pending_k;
          for (gsize q = p - every; q < p; q++)
            lost += lost_mask[q];
          loss_rate += 0.1 * ((double) lost / every - loss_rate);
          if (lost > 0)
            {
              if (!lost_ever || p - loss_at >= hold)
                burst = 0;
              burst = MAX (burst, MAX (longest_run (lost_mask, p > window ? p - window : 0, p), 1));
              loss_at = p;
              lost_ever = TRUE;
            }
          pending_k = lost_ever && p - loss_at < hold
                      ? jn_audio_copies_wanted (burst, copies->window + 1, loss_rate) : 0;
        }
      if (lost_ever && p - loss_at >= hold)
        now_k = 0;
      k[p] = now_k;
    }
  return k;
}

/* steps: NULL, or where each restored packet's block steps go (blocks
 * floats a packet), for refining: the copies are then left as they decode */
static void
restore_copies (const float       *ref,
                gsize              frames,
                guint              channels,
                guint              packet,
                guint              rate,
                const JnPlcCopies *copies,
                gboolean          *lost_mask,
                float             *played,
                float             *steps,
                JnPlcResult       *result)
{
  gsize n_packets = (frames + packet - 1) / packet;
  guint blocks = (packet * channels + JN_COPY_BLOCK - 1) / JN_COPY_BLOCK;
  g_autofree guint *k = copies_sent (lost_mask, n_packets, packet, rate, copies);
  g_autofree guint8 *coded = g_new (guint8, jn_audio_copy_size (packet * channels, JN_COPY_MAX_BITS));
  g_autofree gboolean *was_lost = g_memdup2 (lost_mask, sizeof (gboolean) * (n_packets + 1));

  memcpy (played, ref, sizeof (float) * frames * channels);
  for (gsize p = 0; p < n_packets; p++)
    {
      guint n = (guint) MIN ((gsize) packet, frames - p * packet) * channels;

      result->copy_bytes += jn_audio_copies_size (n, k[p]);
      result->stream_bytes += 2.0 * n;
      if (!was_lost[p])
        continue;
      /* the nearest carrier that arrived in time and carried it */
      for (guint j = 1; j <= copies->window && p + j < n_packets; j++)
        if (!was_lost[p + j] && k[p + j] >= j)
          {
            guint bits = jn_audio_copy_bits (j);

            jn_audio_copy_encode (ref + p * packet * channels, n, bits, coded);
            jn_audio_copy_decode (coded, n, bits, played + p * packet * channels);
            if (steps != NULL)
              jn_audio_copy_decode_steps (coded, n, steps + p * blocks);
            /* with the packets on either side, where they came, as the
             * jitter buffer does */
            else if (n == packet * channels)
              jn_audio_copy_smooth_edges (played + p * packet * channels, packet, channels,
                                          p > 0 && !was_lost[p - 1] ? ref + (p * packet - 2) * channels : NULL,
                                          p + 1 < n_packets && !was_lost[p + 1] &&
                                          (p + 2) * packet <= frames ? ref + (p + 1) * packet * channels : NULL);
            lost_mask[p] = FALSE;
            result->restored_packets++;
            break;
          }
    }
  result->sent_seconds += (double) frames / rate;
}

void
jn_plc_restore_copies (const float       *ref,
                       gsize              frames,
                       guint              channels,
                       guint              packet,
                       guint              rate,
                       const JnPlcCopies *copies,
                       gboolean          *lost_mask,
                       float             *played,
                       JnPlcResult       *result)
{
  restore_copies (ref, frames, channels, packet, rate, copies, lost_mask, played, NULL, result);
}

gboolean
jn_plc_run (const float       *ref,
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
            GError           **error)
{
  PnbtrConfig own = *config;
  PnbtrState *state;
  guint since_fit = 0;
  gsize n_packets = (frames + packet - 1) / packet;
  g_autofree float *snapshot = NULL;
  g_autofree double *model = NULL, *fit_scratch = NULL, *prepared = NULL, *prepare_scratch = NULL;
  g_autofree gboolean *lost_mask = jn_plc_lost_mask (trace, n_packets);
  /* what is measured against: every packet the trace lost, restored or not */
  g_autofree gboolean *measured_mask = g_memdup2 (lost_mask, sizeof (gboolean) * (n_packets + 1));
  g_autofree float *concealed = g_new0 (float, (gsize) packet * channels);
  g_autofree float *restored = NULL, *steps = NULL;
  g_autofree gboolean *copy_mask = NULL;
  const float *src = ref;

  /* what arrives: the packets, and the lost ones whose copy came in time
   * as their copy decodes (played as real audio: PNBTR learns from them) */
  if (copies != NULL && (copies->k > 0 || copies->automatic))
    {
      restored = g_new (float, frames * channels);
      if (jn_audio_copy_can_refine (packet, channels))
        steps = g_new (float, n_packets * ((packet * channels + JN_COPY_BLOCK - 1) / JN_COPY_BLOCK));
      restore_copies (ref, frames, channels, packet, rate, copies, lost_mask, restored, steps, result);
      src = restored;
      if (steps != NULL)
        {
          /* refined, as the jitter buffer does it: each restored packet is
           * concealed as if lost, and its copy refined with that prediction */
          copy_mask = g_new0 (gboolean, n_packets + 1);
          for (gsize p = 0; p < n_packets; p++)
            {
              copy_mask[p] = measured_mask[p] && !lost_mask[p];
              lost_mask[p] = measured_mask[p];
            }
        }
    }

  /* with a background worker, as in the engine: a gap with no model yet
   * fits the quick one */
  own.quick_local = refit > 0;
  state = pnbtr_new (&own);
  if (state == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the concealment method “%s” cannot run with these settings "
                   "(order %d, window %d, packet %u, %u channels)",
                   pnbtr_method_name (config->method), config->order, config->window, packet, channels);
      return FALSE;
    }
  if (refit > 0 && pnbtr_model_size (state) > 0)
    {
      snapshot = g_new (float, pnbtr_snapshot_size (state));
      model = g_new (double, pnbtr_model_size (state));
      fit_scratch = g_new (double, pnbtr_fit_scratch_size (config));
      if (pnbtr_prepared_size (config) > 0)
        {
          prepared = g_new (double, pnbtr_prepared_size (config));
          prepare_scratch = g_new (double, pnbtr_prepare_scratch_size (config));
        }
    }

  for (gsize p = 0; p < n_packets; p++)
    {
      gsize start = p * packet;
      guint n = (guint) MIN ((gsize) packet, frames - start);
      const float *in = src + start * channels;
      float *o = out + start * channels;

      if (lost_mask[p])
        {
          PnbtrFuture future = { NULL, 0, 0 };
          double t0, elapsed;
          gsize q = p + 1;

          /* what a jitter buffer holding `lookahead` packets beyond this one
           * would have: the audio right after the gap, if the gap ends there.
           * A packet restored from a copy ends the gap, but is no anchor to
           * interpolate to (jn-jitter-buffer.c says why) */
          while (q < n_packets && lost_mask[q])
            q++;
          if (lookahead > 0 && q < n_packets && q <= p + lookahead && !measured_mask[q])
            {
              gsize last = q;

              while (last + 1 < n_packets && last + 1 <= p + lookahead && !measured_mask[last + 1])
                last++;
              future.samples = src + q * packet * channels;
              future.frames = (int) (MIN ((last + 1) * packet, frames) - q * packet);
              future.gap_frames = (int) ((q - p) * packet);
            }

          /* into a buffer already written: the output's pages, untouched
           * until now, would add a page fault to the time */
          t0 = jn_bench_now_ns ();
          pnbtr_process_ex (state, NULL, concealed, (int) n, future.samples ? &future : NULL);
          elapsed = jn_bench_now_ns () - t0;
          if (copy_mask != NULL && copy_mask[p])
            {
              guint blocks = (packet * channels + JN_COPY_BLOCK - 1) / JN_COPY_BLOCK;

              memcpy (o, in, sizeof (float) * n * channels);
              jn_audio_copy_refine (o, n, channels, steps + p * blocks, concealed);
              /* its end into the packet after, where that came */
              if (p + 1 < n_packets && !measured_mask[p + 1] && (p + 2) * packet <= frames)
                jn_audio_copy_smooth_edges (o, n, channels, NULL, ref + (p + 1) * packet * channels);
              pnbtr_amend (state, o, (int) n);
            }
          else
            memcpy (o, concealed, sizeof (float) * n * channels);
          g_array_append_val (result->conceal_ns, elapsed);
          if (p == 0 || !lost_mask[p - 1])
            g_array_append_val (result->start_ns, elapsed);
        }
      else
        {
          pnbtr_process (state, in, o, (int) n);
          /* a background worker keeps the model fresh between gaps */
          if (model != NULL && ++since_fit >= refit)
            {
              double t0 = jn_bench_now_ns (), elapsed;

              pnbtr_snapshot (state, snapshot);
              pnbtr_fit_snapshot (config, snapshot, model, fit_scratch);
              /* and prepares the longest interpolation with it */
              if (prepared != NULL)
                pnbtr_prepare_model (config, model, prepared, prepare_scratch);
              pnbtr_install_prepared (state, model, prepared);
              elapsed = jn_bench_now_ns () - t0;
              g_array_append_val (result->fit_ns, elapsed);
              since_fit = 0;
            }
        }
    }

  jn_plc_measure (ref, out, frames, channels, packet, config->sample_rate, measured_mask, result);
  pnbtr_free (state);
  return TRUE;
}
