/* pnbtr-dsp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pnbtr-dsp.h"

#include <math.h>
#include <string.h>

/* The hot loops get an AVX2+FMA clone where the compiler and CPU have it;
 * the baseline x86-64 (or any other) code stays the fallback.  The clone is
 * chosen by CPU features (x86-64-v3), not by CPU model: "arch=haswell" picks
 * the clone only on Intel Haswell-family parts and left every AMD CPU on the
 * baseline. */
#if defined(__x86_64__) && defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__) && \
    defined(__linux__)
#define PNBTR_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define PNBTR_CLONES
#endif

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

/* sum x[i] y[i] with LANES partial sums, so the compiler can vectorize
 * without reassociating a single accumulator; the tail and the total in
 * double */
#define DEFINE_DOT(NAME, XTYPE, YTYPE, ACCTYPE, LANES)                         \
  PNBTR_CLONES static double                                                   \
  NAME (const XTYPE *restrict x, const YTYPE *restrict y, size_t n)            \
  {                                                                            \
    ACCTYPE acc[LANES] = { 0 };                                                \
    double sum = 0.0;                                                          \
    size_t i = 0;                                                              \
                                                                               \
    for (; i + LANES <= n; i += LANES)                                         \
      for (size_t l = 0; l < LANES; l++)                                       \
        acc[l] += x[i + l] * y[i + l];                                         \
    for (; i < n; i++)                                                         \
      sum += (double) x[i] * y[i];                                             \
    for (size_t l = 0; l < LANES; l++)                                         \
      sum += acc[l];                                                           \
    return sum;                                                                \
  }

DEFINE_DOT (dot, double, double, double, 8)
/* double coefficients against float samples */
DEFINE_DOT (dot_mixed, double, float, double, 8)
/* float against float, for correlation searches */
DEFINE_DOT (dot_float, float, float, float, 16)

PNBTR_CLONES static void
burg_update (double *restrict f, double *restrict b, double k, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      double fi = f[i], bi = b[i];

      f[i] = fi + k * bi;
      b[i] = bi + k * fi;
    }
}

double
pnbtr_burg (const float *x, size_t len, size_t order, double damping, double *a,
            double *scratch)
{
  /* double precision throughout: float loses too much over a thousand
   * stages.  Layout as in the classic formulation: at stage m, f[m + 1..len)
   * pairs with b[0..len - m - 1), so the loops carry no dependency and
   * vectorize. */
  double *f = scratch, *b = scratch + len, *prev = scratch + 2 * len;
  double den = 0.0, err = 0.0;

  memset (a, 0, sizeof (double) * (order + 1));
  a[0] = 1.0;
  if (len <= order || len < 2)
    return -1.0;

  for (size_t i = 0; i < len; i++)
    {
      f[i] = b[i] = isfinite (x[i]) ? x[i] : 0.f;
      err += f[i] * f[i];
    }
  if (!(err > 0.0))
    return -1.0;
  den = 2.0 * err * (1.0 + damping) - f[0] * f[0] - b[len - 1] * b[len - 1];
  err /= (double) len;

  for (size_t m = 0; m < order; m++)
    {
      size_t n = len - m - 1;
      double k;

      if (!(den > 0.0))
        break;
      k = -2.0 * dot (f + m + 1, b, n) / den;
      if (!isfinite (k))
        break;
      /* stability guard */
      k = k > 0.9999 ? 0.9999 : k < -0.9999 ? -0.9999 : k;

      memcpy (prev, a, sizeof (double) * (m + 2));
      for (size_t i = 1; i <= m + 1; i++)
        a[i] = prev[i] + k * prev[m + 1 - i];

      burg_update (f + m + 1, b, k, n);
      err *= 1.0 - k * k;
      den = (1.0 - k * k) * den - f[m + 1] * f[m + 1] - b[n - 1] * b[n - 1];
    }
  return err;
}

void
pnbtr_lpc_extrapolate (const double *a, size_t order, float *history, float *out, size_t n,
                       float *work, double *reversed)
{
  /* reversed[j] = a[order - j], so that x[t] = -sum_j reversed[j] x[t - order + j]
   * runs over contiguous memory */
  for (size_t j = 0; j < order; j++)
    reversed[j] = a[order - j];
  memcpy (work, history, sizeof (float) * order);
  for (size_t i = 0; i < n; i++)
    {
      float y = (float) -dot_mixed (reversed, work + i, order);

      if (!isfinite (y))
        y = 0.f;
      work[order + i] = y;
      out[i] = y;
    }
  memcpy (history, work + n, sizeof (float) * order);
}

/* Solves M x = b in place (x returned in b) for a symmetric positive
 * definite n x n matrix M (row-major, overwritten by its Cholesky factor).
 * Returns 0, or -1 if M is not positive definite. */
int
pnbtr_cholesky_solve (double *M, double *b, size_t n)
{
  /* row-oriented, so every inner loop is a contiguous dot product */
  for (size_t j = 0; j < n; j++)
    {
      double *rj = M + j * n;
      double d = rj[j] - dot (rj, rj, j);

      if (!(d > 0.0))
        return -1;
      d = sqrt (d);
      rj[j] = d;
      for (size_t i = j + 1; i < n; i++)
        {
          double *ri = M + i * n;

          ri[j] = (ri[j] - dot (ri, rj, j)) / d;
        }
    }
  for (size_t i = 0; i < n; i++)         /* L y = b */
    b[i] = (b[i] - dot (M + i * n, b, i)) / M[i * n + i];
  for (size_t i = n; i-- > 0;)           /* L^T x = y, a row of L at a time */
    {
      const double *ri = M + i * n;

      b[i] /= ri[i];
      for (size_t k = 0; k < i; k++)
        b[k] -= ri[k] * b[i];
    }
  return 0;
}

size_t
pnbtr_lsar_scratch_size (size_t gap, size_t p)
{
  /* interpolation: M, rhs, d (gap + nfuture <= gap + p), ra, tail, the
   * reversed model; the cost: the reversed model and gap + 2 p floats */
  return gap * gap + 3 * gap + 3 * p + 2;
}

/* rev[j] = a[p - j], so that sum_k a_k x(t - k) is a dot product with
 * contiguous samples */
static void
reverse_model (const double *a, size_t p, double *rev)
{
  for (size_t j = 0; j <= p; j++)
    rev[j] = a[p - j];
}

double
pnbtr_lsar_cost (const double *a, size_t p, const float *past, const float *gap, size_t ngap,
                 const float *future, size_t nfuture, double *scratch)
{
  double *rev = scratch;
  float *z = (float *) (rev + p + 1);   /* past, gap, future in a row */
  double cost = 0.0;

  reverse_model (a, p, rev);
  memcpy (z, past, sizeof (float) * p);
  memcpy (z + p, gap, sizeof (float) * ngap);
  memcpy (z + p + ngap, future, sizeof (float) * nfuture);
  for (size_t t = 0; t < ngap + nfuture; t++)
    {
      double e = dot_mixed (rev, z + t, p + 1);

      cost += e * e;
    }
  return cost;
}

int
pnbtr_lsar_interpolate (const double *a, size_t p, const float *past, size_t gap,
                        const float *future, size_t nfuture, float *out, double *scratch)
{
  /* Unknown x[0..gap); known x[-p..0) = past, x[gap..gap+nfuture) = future.
   * Minimise sum_t e(t)^2 over t in [0, gap + nfuture), e(t) = sum_k a_k x(t-k):
   * e = A u + d, normal equations (A^T A) u = -A^T d. */
  size_t rows = gap + nfuture;
  double *M = scratch;                 /* gap x gap */
  double *rhs = M + gap * gap;         /* gap */
  double *d = rhs + gap;               /* rows */
  double *ra = d + rows;               /* p + 1 */
  double *tail = ra + p + 1;           /* gap */
  double *rev = tail + gap;            /* p + 1 */

  reverse_model (a, p, rev);
  /* d(t): the known samples' part of e(t): a_k for k in (t, p] meets the
   * past, a_k for k <= t - gap the future */
  for (size_t t = 0; t < rows; t++)
    {
      double s = t < p ? dot_mixed (rev, past + t, p - t) : 0.0;

      if (t >= gap)
        {
          size_t n = t - gap + 1 < p + 1 ? t - gap + 1 : p + 1;

          s += dot_mixed (rev + p + 1 - n, future + (t - gap + 1 - n), n);
        }
      d[t] = s;
    }

  /* M[i][j] = sum over t in [max(i,j), min(min(i,j) + p, rows - 1)] of
   * a_{t-i} a_{t-j}: the autocorrelation of a, less the terms the end of
   * the known future cuts off */
  for (size_t l = 0; l <= p; l++)
    ra[l] = dot (a + l, a, p - l + 1);
  /* tail(i, l) = sum_{k >= rows - i, k <= p} a_k a_{k-l}, for row i */
  for (size_t l = 0; l < gap; l++)
    {
      size_t k0 = rows > l ? rows : l;

      tail[l] = k0 <= p ? dot (a + k0, a + k0 - l, p - k0 + 1) : 0.0;
    }
  for (size_t i = 0; i < gap; i++)
    {
      if (i > 0 && rows - i <= p)
        {
          size_t k = rows - i;   /* the term that row i adds to the tail */

          for (size_t l = 0; l < gap; l++)
            if (k >= l)
              tail[l] += a[k] * a[k - l];
        }
      for (size_t j = i; j < gap; j++)
        {
          double v = (j - i <= p ? ra[j - i] : 0.0) - (j - i < gap ? tail[j - i] : 0.0);

          M[i * gap + j] = M[j * gap + i] = v;
        }
    }
  /* a whisper of ridge keeps it positive definite in float-derived data */
  for (size_t i = 0; i < gap; i++)
    M[i * gap + i] += 1e-9 * ra[0] + 1e-30;

  for (size_t i = 0; i < gap; i++)
    rhs[i] = -dot (a, d + i, rows - i < p + 1 ? rows - i : p + 1);

  if (pnbtr_cholesky_solve (M, rhs, gap) < 0)
    return -1;
  for (size_t i = 0; i < gap; i++)
    {
      float v = (float) rhs[i];

      out[i] = isfinite (v) ? v : 0.f;
    }
  return 0;
}

long
pnbtr_best_match (const float *ctx, const float *past, size_t n, size_t count, double *score,
                  double *gain)
{
  double cc = dot_float (ctx, ctx, n), ss;
  long best_j = -1;

  *score = 0.0;
  *gain = 0.0;
  if (cc <= 0.0 || count == 0)
    return -1;
  /* the segment's energy slides along with j */
  ss = dot_float (past, past, n);
  for (size_t j = 0; j < count; j++)
    {
      if (j > 0)
        ss += (double) past[j + n - 1] * past[j + n - 1] - (double) past[j - 1] * past[j - 1];
      if (ss > cc * 1e-6)
        {
          double xy = dot_float (ctx, past + j, n);
          double r = xy / sqrt (cc * ss);

          if (r > *score)
            {
              *score = r;
              *gain = xy / ss;
              best_j = (long) j;
            }
        }
    }
  return best_j;
}
