/* jn-test-signal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-test-signal"

#include "config.h"

#include <math.h>

#include "jn-test-signal.h"

const double jn_test_signal_tones[JN_TEST_SIGNAL_N_TONES] = { 440.0, 277.18 };

/* at most 4 tones of 4 terms each */
#define MAX_TERMS 16

void
jn_test_signal_fill (float   *out,
                     guint    frames,
                     guint    channels,
                     guint    rate,
                     guint64  position)
{
  for (guint i = 0; i < frames; i++)
    {
      double t = (double) (position + i) / rate;

      for (guint c = 0; c < channels; c++)
        out[i * channels + c] = (float) (0.25 * sin (2 * G_PI * jn_test_signal_tones[0] * t + 0.5 * c) +
                                         0.15 * sin (2 * G_PI * jn_test_signal_tones[1] * t + 0.7 * c));
    }
}

static guint
basis (double        *b,
       guint          i,
       guint          n,
       guint          rate,
       const double  *hz,
       guint          n_tones)
{
  double u = (i - n / 2.0) / n;

  for (guint k = 0; k < n_tones; k++)
    {
      double w = 2 * G_PI * hz[k] * i / rate, s = sin (w), c = cos (w);

      b[4 * k] = s;
      b[4 * k + 1] = c;
      b[4 * k + 2] = u * s;
      b[4 * k + 3] = u * c;
    }
  return 4 * n_tones;
}

double
jn_test_signal_residual_db (const float  *x,
                            guint         n,
                            guint         rate,
                            const double *hz,
                            guint         n_tones)
{
  double a[MAX_TERMS][MAX_TERMS + 1] = { { 0 } }, b[MAX_TERMS], signal = 0, residual = 0;
  guint m = 0;

  g_return_val_if_fail (n_tones >= 1 && n_tones * 4 <= MAX_TERMS, 0);

  /* the normal equations, then Gauss-Jordan with partial pivoting */
  for (guint i = 0; i < n; i++)
    {
      m = basis (b, i, n, rate, hz, n_tones);
      for (guint j = 0; j < m; j++)
        {
          for (guint k = 0; k < m; k++)
            a[j][k] += b[j] * b[k];
          a[j][m] += b[j] * x[i];
        }
      signal += (double) x[i] * x[i];
    }
  for (guint j = 0; j < m; j++)
    {
      guint best = j;

      for (guint r = j + 1; r < m; r++)
        if (fabs (a[r][j]) > fabs (a[best][j]))
          best = r;
      for (guint k = 0; k <= m; k++)
        {
          double t = a[j][k];

          a[j][k] = a[best][k];
          a[best][k] = t;
        }
      if (a[j][j] == 0)
        return 0;
      for (guint r = 0; r < m; r++)
        if (r != j)
          {
            double f = a[r][j] / a[j][j];

            for (guint k = j; k <= m; k++)
              a[r][k] -= f * a[j][k];
          }
    }
  for (guint i = 0; i < n; i++)
    {
      double e = x[i];

      basis (b, i, n, rate, hz, n_tones);
      for (guint j = 0; j < m; j++)
        e -= a[j][m] / a[j][j] * b[j];
      residual += e * e;
    }
  if (signal == 0)
    return 0;
  return 10 * log10 (MAX (residual, 1e-30) / signal);
}
