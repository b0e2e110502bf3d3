/* jn-plc-opus.c: Opus's own packet-loss concealment, as a reference
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-plc-eval"

#include "config.h"

#include "jn-bench-util.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "jn-plc-eval.h"

#ifdef JN_HAVE_OPUS
#include <opus.h>

gboolean
jn_plc_run_opus (const float  *ref,
                 gsize         frames,
                 guint         channels,
                 guint         rate,
                 guint         packet,
                 GArray       *trace,
                 float        *out,
                 JnPlcResult  *result,
                 GError      **error)
{
  OpusEncoder *enc = NULL;
  OpusDecoder *dec = NULL;
  opus_int32 delay = 0;
  gsize n_packets = (frames + packet - 1) / packet;
  g_autofree gboolean *lost = jn_plc_lost_mask (trace, n_packets);
  g_autofree float *padded = NULL, *decoded = NULL, *delayed = NULL;
  guchar data[4000];
  int err;
  guint64 overshoot = 0;

  if (rate != 48000 || (packet != 120 && packet != 240 && packet != 480 && packet != 960) ||
      channels > 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the Opus reference runs at 48 kHz, 1 or 2 channels, with 120, 240, 480 or "
                   "960-frame packets (2.5 to 20 ms), not %u Hz / %u ch / %u frames",
                   rate, channels, packet);
      return FALSE;
    }
  enc = opus_encoder_create (48000, (int) channels, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &err);
  dec = opus_decoder_create (48000, (int) channels, &err);
  if (enc == NULL || dec == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start Opus: %s", opus_strerror (err));
      if (enc) opus_encoder_destroy (enc);
      if (dec) opus_decoder_destroy (dec);
      return FALSE;
    }
  opus_encoder_ctl (enc, OPUS_SET_BITRATE (128000 * (int) channels));
  opus_encoder_ctl (enc, OPUS_SET_COMPLEXITY (10));
  opus_encoder_ctl (enc, OPUS_GET_LOOKAHEAD (&delay));

  /* the codec delays its output by `delay` samples: compare the decoder's
   * frame k with the input `delay` samples earlier, so a lost frame is
   * measured against exactly what it carried */
  padded = g_new0 (float, n_packets * packet * channels);
  decoded = g_new0 (float, n_packets * packet * channels);
  delayed = g_new0 (float, n_packets * packet * channels);
  memcpy (padded, ref, sizeof (float) * frames * channels);
  for (gsize i = (gsize) delay; i < n_packets * packet; i++)
    for (guint c = 0; c < channels; c++)
      delayed[i * channels + c] = i - delay < frames ? ref[(i - delay) * channels + c] : 0.f;

  for (gsize p = 0; p < n_packets; p++)
    {
      float *o = decoded + p * packet * channels;
      int len = opus_encode_float (enc, padded + p * packet * channels, (int) packet, data, sizeof data);

      if (lost[p] || len < 0)
        {
          double t0 = jn_bench_now_ns (), elapsed;
          int n = opus_decode_float (dec, NULL, 0, o, (int) packet, 0);

          elapsed = jn_bench_now_ns () - t0;
          if (n < 0)
            memset (o, 0, sizeof (float) * packet * channels);
          g_array_append_val (result->conceal_ns, elapsed);
          if (p == 0 || !lost[p - 1])
            g_array_append_val (result->start_ns, elapsed);
        }
      else if (opus_decode_float (dec, data, len, o, (int) packet, 0) < 0)
        memset (o, 0, sizeof (float) * packet * channels);
      /* Debian's Opus 1.3.1 can overshoot far beyond full scale after a
       * loss at 2.5 ms frames: count it, clamp it */
      for (gsize i = 0; i < (gsize) packet * channels; i++)
        if (!(fabsf (o[i]) <= 1.f))
          {
            overshoot++;
            o[i] = isfinite (o[i]) ? CLAMP (o[i], -1.f, 1.f) : 0.f;
          }
    }
  opus_encoder_destroy (enc);
  opus_decoder_destroy (dec);

  jn_plc_measure (delayed, decoded, n_packets * packet, channels, packet, rate, lost, result);
  result->clipped += overshoot;
  /* what a listener gets, realigned with the input */
  for (gsize i = 0; i < frames; i++)
    for (guint c = 0; c < channels; c++)
      out[i * channels + c] = i + delay < n_packets * packet
                              ? decoded[(i + delay) * channels + c] : 0.f;
  return TRUE;
}

gboolean
jn_plc_have_opus (void)
{
  return TRUE;
}

#else

gboolean
jn_plc_have_opus (void)
{
  return FALSE;
}

gboolean
jn_plc_run_opus (const float  *ref,
                 gsize         frames,
                 guint         channels,
                 guint         rate,
                 guint         packet,
                 GArray       *trace,
                 float        *out,
                 JnPlcResult  *result,
                 GError      **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "this jamnet-bench was built without libopus (apt-get install libopus-dev)");
  return FALSE;
}

#endif
