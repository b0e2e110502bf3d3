/* jn-concealer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-concealer"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "jn-concealer-private.h"
#include "jn-pnbtr-worker.h"
#include "pnbtr-backend.h"

gboolean
jn_concealer_check_method (const char  *method,
                           GError     **error)
{
  PnbtrConfig config;

  if (method == NULL || g_str_equal (method, "zero"))
    return TRUE;
  /* the format does not matter here: each stream's follows its session */
  if (pnbtr_config_parse (&config, method, 48000, 1, 128) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown loss concealment “%s” (use zero, repeat, burg or pnbtr)"), method);
      return FALSE;
    }
  return TRUE;
}

gboolean
jn_concealer_check_backend (const char  *backend,
                            GError     **error)
{
  PnbtrBackendKind kind;

  if (backend != NULL && !g_str_equal (backend, "off") &&
      pnbtr_backend_parse_kind (backend, &kind) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown PNBTR backend “%s” (use auto, cpu, opencl, cuda or off)"), backend);
      return FALSE;
    }
  return TRUE;
}

static void
playout_filter (gpointer     user_data,
                const float *in,
                float       *out,
                guint        frames,
                guint        channels,
                const float *future,
                guint        future_frames,
                guint        gap_frames)
{
  JnConcealer *self = user_data;
  PnbtrFuture next = { future, (int) future_frames, (int) gap_frames };
  gboolean begins = in == NULL && !self->in_gap;
  guint n_begun = 0;
  gint64 start = 0;

  memset (self->begun, 0, sizeof self->begun);
  if (begins)
    {
      /* a gap begins: with the worker's model, or fitting one right here */
      self->in_gap = TRUE;
      self->gap_us = start = g_get_monotonic_time ();
      self->begun[n_begun++] = self->has_model ? &self->gaps_worker_model : &self->gaps_local_fit;
      if (self->light)
        self->begun[n_begun++] = &self->gaps_light;
    }
  else if (in != NULL)
    self->in_gap = FALSE;

  pnbtr_process_ex (self->plc, in, out, (int) frames, future != NULL ? &next : NULL);
  if (begins && !self->light)
    {
      double cost = (double) (g_get_monotonic_time () - start);

      if (self->begin_us > 0.0)
        {
          self->begin_dev_us += (fabs (cost - self->begin_us) - self->begin_dev_us) / 8.0;
          self->begin_us += (cost - self->begin_us) / 8.0;
        }
      else
        self->begin_us = cost;
    }
  if (begins && pnbtr_gap_repeats (self->plc))
    self->begun[n_begun++] = &self->gaps_repeated;
  if (begins && pnbtr_gap_onset (self->plc))
    self->begun[n_begun++] = &self->gaps_onset;
  for (guint i = 0; i < n_begun; i++)
    (*self->begun[i])++;
}

/* What the jitter buffer played for the period just concealed: a copy of
 * it, refined with the prediction.  PNBTR's history takes it, and the gap
 * ends; one that began with this period was no gap. */
static void
playout_amend (gpointer     user_data,
               const float *played,
               guint        frames,
               guint        channels)
{
  JnConcealer *self = user_data;

  (void) channels;
  if (pnbtr_amend (self->plc, played, (int) frames) != 0)
    return;
  self->in_gap = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (self->begun) && self->begun[i] != NULL; i++)
    (*self->begun[i])--;
  memset (self->begun, 0, sizeof self->begun);
}

JnConcealer *
jn_concealer_new (guint32              stream,
                  const char          *method,
                  const JnAudioFormat *format,
                  gboolean             with_worker)
{
  JnConcealer *self;
  PnbtrConfig config;
  PnbtrState *plc = NULL;

  g_return_val_if_fail (format != NULL, NULL);

  if (method == NULL || g_str_equal (method, "zero"))
    return NULL;
  if (pnbtr_config_parse (&config, method, (int) format->rate, (int) format->channels,
                          (int) format->frames) == 0)
    {
      /* with a worker, the media thread never fits a full model: a gap
       * before the first one comes (or after the last grew too old) fits
       * the quick one (docs/architecture.md) */
      config.quick_local = with_worker;
      plc = pnbtr_new (&config);
    }
  if (plc == NULL)
    {
      g_warning ("Loss concealment %s cannot run at %u Hz / %u frames / %u channels; "
                 "lost packets will be silent", method, format->rate, format->frames,
                 format->channels);
      return NULL;
    }
  self = g_new0 (JnConcealer, 1);
  self->stream = stream;
  self->frames = format->frames;
  self->plc = plc;
  return self;
}

void
jn_concealer_free (JnConcealer *self)
{
  if (self == NULL)
    return;
  pnbtr_free (self->plc);
  g_free (self);
}

void
jn_concealer_attach (JnConcealer    *self,
                     JnJitterBuffer *jb)
{
  g_return_if_fail (self != NULL);
  jn_jitter_buffer_set_filter (jb, playout_filter, self);
  jn_jitter_buffer_set_amend (jb, playout_amend);
  self->jb = jb;
}

void
jn_concealer_set_light (JnConcealer *self,
                        gboolean     light)
{
  self->light = !!light;
  pnbtr_set_light (self->plc, self->light);
  if (self->jb != NULL)
    jn_jitter_buffer_set_plain_copies (self->jb, self->light);
}

void
jn_concealer_set_time_spent (JnConcealer *self,
                             gint64       spent_us,
                             gint64       budget_us)
{
  /* a start's cost as a round trip's timeout reckons it (mean and twice
   * the mean deviation), and at most 0.9 of the budget: with less than a
   * tenth of it spent (the first stream to lose in a period) a gap still
   * starts in full, so a stream whose starts cost more than the budget
   * gets them, and its cost stays measured */
  double cost = MIN (self->begin_us + 2.0 * self->begin_dev_us, 0.9 * (double) budget_us);

  jn_concealer_set_light (self, spent_us >= budget_us || (double) spent_us + cost > (double) budget_us);
}

const char *
jn_concealer_get_method_name (const JnConcealer *self)
{
  return self != NULL ? pnbtr_method_name (pnbtr_get_config (self->plc)->method) : "zero";
}

gboolean
jn_concealer_fits_models (const JnConcealer *self)
{
  return self != NULL && jn_pnbtr_worker_fits (pnbtr_get_config (self->plc)->method);
}

void
jn_concealer_fill (const JnConcealer *self,
                   JnPeerStats       *s)
{
  s->concealment = jn_concealer_get_method_name (self);
  if (self == NULL)
    return;
  s->gaps_worker_model = self->gaps_worker_model;
  s->gaps_local_fit = self->gaps_local_fit;
  s->gaps_repeated = self->gaps_repeated;
  s->gaps_light = self->gaps_light;
  s->gaps_onset = self->gaps_onset;
}
