/* pnbtr-dsp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pnbtr-dsp.h"

#include <math.h>
#include <string.h>

void
pnbtr_fft_twiddles (double *twiddles, size_t n)
{
  for (size_t k = 0; k < n / 2; k++)
    {
      double phase = -2.0 * M_PI * (double) k / (double) n;

      twiddles[2 * k] = cos (phase);
      twiddles[2 * k + 1] = sin (phase);
    }
}

void
pnbtr_fft (double *data, size_t n, const double *twiddles, int inverse)
{
  /* bit reversal */
  for (size_t i = 1, j = 0; i < n; i++)
    {
      size_t bit = n >> 1;

      for (; j & bit; bit >>= 1)
        j ^= bit;
      j ^= bit;
      if (i < j)
        {
          double tr = data[2 * i], ti = data[2 * i + 1];

          data[2 * i] = data[2 * j];
          data[2 * i + 1] = data[2 * j + 1];
          data[2 * j] = tr;
          data[2 * j + 1] = ti;
        }
    }

  for (size_t len = 2; len <= n; len <<= 1)
    {
      size_t half = len >> 1, step = n / len;

      for (size_t start = 0; start < n; start += len)
        for (size_t k = 0; k < half; k++)
          {
            double wr = twiddles[2 * k * step];
            double wi = inverse ? -twiddles[2 * k * step + 1] : twiddles[2 * k * step + 1];
            double *a = data + 2 * (start + k), *b = data + 2 * (start + k + half);
            double br = b[0] * wr - b[1] * wi, bi = b[0] * wi + b[1] * wr;

            b[0] = a[0] - br;
            b[1] = a[1] - bi;
            a[0] += br;
            a[1] += bi;
          }
    }
}

void
pnbtr_autocorrelation (const float *x, size_t len, double *r, size_t max_lag,
                       double *scratch, size_t fft_n, const double *twiddles)
{
  memset (scratch, 0, sizeof (double) * 2 * fft_n);
  for (size_t i = 0; i < len; i++)
    scratch[2 * i] = x[i];
  pnbtr_fft (scratch, fft_n, twiddles, 0);
  for (size_t k = 0; k < fft_n; k++)
    {
      double re = scratch[2 * k], im = scratch[2 * k + 1];

      scratch[2 * k] = re * re + im * im;
      scratch[2 * k + 1] = 0.0;
    }
  pnbtr_fft (scratch, fft_n, twiddles, 1);
  for (size_t lag = 0; lag <= max_lag; lag++)
    r[lag] = lag < len ? scratch[2 * lag] / (double) fft_n : 0.0;
}

double
pnbtr_levinson (const double *r, size_t order, double *a, double *scratch)
{
  double err = r[0];

  memset (a, 0, sizeof (double) * (order + 1));
  a[0] = 1.0;
  if (!(err > 0.0) || !isfinite (err))
    return -1.0;

  for (size_t m = 1; m <= order; m++)
    {
      double acc = r[m], k;

      for (size_t i = 1; i < m; i++)
        acc += a[i] * r[m - i];
      k = -acc / err;
      if (!isfinite (k) || fabs (k) >= 1.0)
        break;   /* numerically exhausted: keep the stable lower order */

      memcpy (scratch, a, sizeof (double) * (m + 1));
      for (size_t i = 1; i < m; i++)
        a[i] = scratch[i] + k * scratch[m - i];
      a[m] = k;
      err *= 1.0 - k * k;
      if (err <= r[0] * 1e-12)
        break;
    }
  return err;
}

double
pnbtr_burg (const float *x, size_t len, size_t order, double *a, double *scratch)
{
  double *f = scratch, *b = scratch + len, *prev = scratch + 2 * len;
  double den = 0.0, err = 0.0;

  memset (a, 0, sizeof (double) * (order + 1));
  a[0] = 1.0;
  if (len <= order)
    return -1.0;

  for (size_t i = 0; i < len; i++)
    {
      f[i] = b[i] = x[i];
      err += (double) x[i] * x[i];
    }
  err /= (double) len;
  if (!(err > 0.0))
    return -1.0;

  /* den = sum over the current range of f^2 + b^2, updated recursively */
  for (size_t i = 1; i < len; i++)
    den += f[i] * f[i] + b[i - 1] * b[i - 1];

  for (size_t m = 1; m <= order; m++)
    {
      double num = 0.0, k;

      for (size_t n = m; n < len; n++)
        num += f[n] * b[n - 1];
      if (!(den > 0.0))
        break;
      k = -2.0 * num / den;
      if (!isfinite (k))
        break;
      /* stability guard */
      if (k > 0.9999)
        k = 0.9999;
      else if (k < -0.9999)
        k = -0.9999;

      memcpy (prev, a, sizeof (double) * (m + 1));
      for (size_t i = 1; i < m; i++)
        a[i] = prev[i] + k * prev[m - i];
      a[m] = k;

      for (size_t n = len - 1; n >= m; n--)
        {
          double fn = f[n], bn = b[n - 1];

          f[n] = fn + k * bn;
          b[n] = bn + k * fn;
          if (n == m)
            break;
        }
      err *= 1.0 - k * k;
      /* shrink the range: drop f[m] and b[len-1] terms */
      den = (1.0 - k * k) * den - f[m] * f[m] - b[len - 1] * b[len - 1];
    }
  return err;
}

void
pnbtr_lpc_extrapolate (const double *a, size_t order, float *history, float *out, size_t n,
                       float *work)
{
  memcpy (work, history, sizeof (float) * order);
  for (size_t i = 0; i < n; i++)
    {
      const float *past = work + i + order;   /* past[-k] is x[t - k] */
      double acc = 0.0;
      float y;

      for (size_t k = 1; k <= order; k++)
        acc -= a[k] * past[-(ptrdiff_t) k];
      y = (float) acc;
      if (!isfinite (y))
        y = 0.f;
      work[order + i] = y;
      out[i] = y;
    }
  memcpy (history, work + n, sizeof (float) * order);
}
