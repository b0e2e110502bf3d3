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

/* The FFT of n points with the twiddles of n * tstride points (every
 * tstride-th one is this size's). */
static void
fft_strided (double *data, size_t n, const double *twiddles, size_t tstride, int inverse)
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
      size_t half = len >> 1, step = n / len * tstride;

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
pnbtr_fft (double *data, size_t n, const double *twiddles, int inverse)
{
  fft_strided (data, n, twiddles, 1, inverse);
}

void
pnbtr_autocorrelation (const float *x, size_t len, size_t n, const double *twiddles,
                       double *data, double *r)
{
  /* x zero-padded to n real points, packed as n / 2 complex ones (even
   * samples real, odd imaginary): two half-size transforms instead of two
   * of size n.  Forward: X[k] = (Z[k] + Z*[m - k]) / 2
   * - i W^k (Z[k] - Z*[m - k]) / 2, m = n / 2, W = exp(-2 pi i / n); the
   * power P[k] = |X[k]|^2 (real, even) into r.  Back: the even and odd
   * samples of IFFT(P) are the real and imaginary parts of
   * IFFT_m(P[k] + P[m - k] + i (P[k] - P[m - k]) W^-k). */
  size_t m = n / 2;

  for (size_t j = 0; j < m; j++)
    {
      data[2 * j] = 2 * j < len ? x[2 * j] : 0.0;
      data[2 * j + 1] = 2 * j + 1 < len ? x[2 * j + 1] : 0.0;
    }
  fft_strided (data, m, twiddles, 2, 0);
  for (size_t k = 0; k <= m; k++)
    {
      size_t a = k % m, b = (m - k) % m;
      double zr = data[2 * a], zi = data[2 * a + 1];
      double cr = data[2 * b], ci = -data[2 * b + 1];   /* Z*[m - k] */
      double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
      double dr = 0.5 * (zr - cr), di = 0.5 * (zi - ci);
      /* -i (dr + i di) = di - i dr, times W^k (W^m = -1) */
      double wr = k < m ? twiddles[2 * k] : -1.0, wi = k < m ? twiddles[2 * k + 1] : 0.0;
      double xr = er + (di * wr + dr * wi), xi = ei + (di * wi - dr * wr);

      r[k] = xr * xr + xi * xi;
    }
  for (size_t k = 0; k < m; k++)
    {
      double e = r[k] + r[m - k], d = r[k] - r[m - k];
      double wr = twiddles[2 * k], wi = twiddles[2 * k + 1];

      /* i d W^-k = i d (wr - i wi) = d wi + i d wr */
      data[2 * k] = e + d * wi;
      data[2 * k + 1] = d * wr;
    }
  fft_strided (data, m, twiddles, 2, 1);
  for (size_t j = 0; j < m; j++)
    {
      r[2 * j] = data[2 * j] / (double) n;
      r[2 * j + 1] = data[2 * j + 1] / (double) n;
    }
}

/* candidates pnbtr_best_match() correlates at once (correlate_block()) */
#define MATCH_BLOCK 32

#if defined(__GNUC__)
/* sum x[i] y[i] in four independent vector accumulators, so that the
 * multiply-adds overlap instead of waiting on each other (GCC and clang
 * vector extensions; the baseline clone runs them as pairs of SSE2
 * operations).  ACC is the vector type that accumulates, LOAD(v, p) loads
 * one such vector from p, converting floats where needed; the tail and the
 * total in double. */
typedef double pnbtr_v4d __attribute__ ((vector_size (32)));
typedef float  pnbtr_v4f __attribute__ ((vector_size (16)));
typedef float  pnbtr_v8f __attribute__ ((vector_size (32)));

#define LOAD_V4D(v, p) memcpy (&(v), (p), sizeof (pnbtr_v4d))
#define LOAD_V4F_AS_D(v, p)                                                    \
  do {                                                                         \
    pnbtr_v4f f_;                                                              \
    memcpy (&f_, (p), sizeof f_);                                              \
    (v) = __builtin_convertvector (f_, pnbtr_v4d);                             \
  } while (0)
#define LOAD_V8F(v, p) memcpy (&(v), (p), sizeof (pnbtr_v8f))

#define DEFINE_DOT(NAME, XTYPE, YTYPE, ACC, WIDTH, LOADX, LOADY)               \
  PNBTR_CLONES static double                                                   \
  NAME (const XTYPE *restrict x, const YTYPE *restrict y, size_t n)            \
  {                                                                            \
    ACC acc[4] = { { 0 } }, vx, vy;                                            \
    double sum = 0.0;                                                          \
    size_t i = 0;                                                              \
                                                                               \
    for (; i + 4 * WIDTH <= n; i += 4 * WIDTH)                                 \
      for (int l = 0; l < 4; l++)                                              \
        {                                                                      \
          LOADX (vx, x + i + l * WIDTH);                                       \
          LOADY (vy, y + i + l * WIDTH);                                       \
          acc[l] += vx * vy;                                                   \
        }                                                                      \
    for (; i + WIDTH <= n; i += WIDTH)                                         \
      {                                                                        \
        LOADX (vx, x + i);                                                     \
        LOADY (vy, y + i);                                                     \
        acc[0] += vx * vy;                                                     \
      }                                                                        \
    acc[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);                            \
    for (int l = 0; l < WIDTH; l++)                                            \
      sum += acc[0][l];                                                        \
    for (; i < n; i++)                                                         \
      sum += (double) x[i] * y[i];                                             \
    return sum;                                                                \
  }

DEFINE_DOT (dot, double, double, pnbtr_v4d, 4, LOAD_V4D, LOAD_V4D)
/* double coefficients against float samples */
DEFINE_DOT (dot_mixed, double, float, pnbtr_v4d, 4, LOAD_V4D, LOAD_V4F_AS_D)
/* float against float, for correlation searches */
DEFINE_DOT (dot_float, float, float, pnbtr_v8f, 8, LOAD_V8F, LOAD_V8F)

/* out[l] = sum_k x[k] y[l][k], k < n, for l = 0..3: four dot products
 * that share x's loads */
PNBTR_CLONES static void
dot4 (const double *restrict x, const double *const y[4], size_t n, double *restrict out)
{
  pnbtr_v4d acc[4] = { { 0 } }, vx, vy;
  size_t k = 0;

  for (; k + 4 <= n; k += 4)
    {
      LOAD_V4D (vx, x + k);
      for (int l = 0; l < 4; l++)
        {
          LOAD_V4D (vy, y[l] + k);
          acc[l] += vx * vy;
        }
    }
  for (int l = 0; l < 4; l++)
    {
      double sum = (acc[l][0] + acc[l][1]) + (acc[l][2] + acc[l][3]);

      for (size_t m = k; m < n; m++)
        sum += x[m] * y[l][m];
      out[l] = sum;
    }
}

/* xy[k] = sum_i ctx[i] past[k + i] for MATCH_BLOCK consecutive candidates
 * k: ctx[i] is broadcast against four vectors of past, so that each load
 * of past serves one multiply-add and no sum is reduced across lanes; even
 * and odd i keep separate accumulators, so the multiply-adds overlap. */
PNBTR_CLONES static void
correlate_block (const float *restrict ctx, const float *restrict past, size_t n,
                 float *restrict xy)
{
  pnbtr_v8f even[4] = { { 0 } }, odd[4] = { { 0 } }, v;
  size_t i = 0;

  for (; i + 2 <= n; i += 2)
    for (int l = 0; l < 4; l++)
      {
        LOAD_V8F (v, past + i + 8 * l);
        even[l] += ctx[i] * v;
        LOAD_V8F (v, past + i + 1 + 8 * l);
        odd[l] += ctx[i + 1] * v;
      }
  for (int l = 0; l < 4; l++)
    {
      if (i < n)
        {
          LOAD_V8F (v, past + i + 8 * l);
          even[l] += ctx[i] * v;
        }
      even[l] += odd[l];
      memcpy (xy + 8 * l, &even[l], sizeof even[l]);
    }
}

#else
/* sum x[i] y[i] with 8 partial sums, so the compiler can vectorize without
 * reassociating a single accumulator; the tail and the total in double */
#define DEFINE_DOT(NAME, XTYPE, YTYPE, ACCTYPE)                                \
  static double                                                                \
  NAME (const XTYPE *restrict x, const YTYPE *restrict y, size_t n)            \
  {                                                                            \
    ACCTYPE acc[8] = { 0 };                                                    \
    double sum = 0.0;                                                          \
    size_t i = 0;                                                              \
                                                                               \
    for (; i + 8 <= n; i += 8)                                                 \
      for (size_t l = 0; l < 8; l++)                                           \
        acc[l] += x[i + l] * y[i + l];                                         \
    for (; i < n; i++)                                                         \
      sum += (double) x[i] * y[i];                                             \
    for (size_t l = 0; l < 8; l++)                                             \
      sum += acc[l];                                                           \
    return sum;                                                                \
  }

DEFINE_DOT (dot, double, double, double)
DEFINE_DOT (dot_mixed, double, float, double)
DEFINE_DOT (dot_float, float, float, float)

static void
dot4 (const double *restrict x, const double *const y[4], size_t n, double *restrict out)
{
  for (int l = 0; l < 4; l++)
    out[l] = dot (x, y[l], n);
}

static void
correlate_block (const float *restrict ctx, const float *restrict past, size_t n,
                 float *restrict xy)
{
  for (size_t k = 0; k < MATCH_BLOCK; k++)
    xy[k] = (float) dot_float (ctx, past + k, n);
}
#endif

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

/* The model runs as double coefficients against float samples (rev_d), or
 * as float against float (rev_f), which takes twice the lanes. */
static inline void
extrapolate (const double *a, size_t order, float *history, float *out, size_t n, float *work,
             double *rev_d, float *rev_f)
{
  /* reversed: x[t] = -sum_j rev[j] x[t - order + j] runs over contiguous
   * memory */
  for (size_t j = 0; j < order; j++)
    {
      if (rev_f != NULL)
        rev_f[j] = (float) a[order - j];
      else
        rev_d[j] = a[order - j];
    }
  memcpy (work, history, sizeof (float) * order);
  for (size_t i = 0; i < n; i++)
    {
      float y = (float) -(rev_f != NULL ? dot_float (rev_f, work + i, order)
                                        : dot_mixed (rev_d, work + i, order));

      if (!isfinite (y))
        y = 0.f;
      work[order + i] = y;
      out[i] = y;
    }
  memcpy (history, work + n, sizeof (float) * order);
}

double
pnbtr_lpc_residual_float (const double *a, size_t order, const float *x, size_t n,
                          float *reversed, double *energy)
{
  double res = 0.0, sig = 0.0;

  for (size_t j = 0; j < order; j++)
    reversed[j] = (float) a[order - j];
  for (size_t t = 0; t < n; t++)
    {
      double e = (double) x[t] + dot_float (reversed, x + t - order, order);

      res += e * e;
      sig += (double) x[t] * x[t];
    }
  if (energy != NULL)
    *energy = sig;
  return res;
}

void
pnbtr_lpc_extrapolate (const double *a, size_t order, float *history, float *out, size_t n,
                       float *work, double *reversed)
{
  extrapolate (a, order, history, out, n, work, reversed, NULL);
}

void
pnbtr_lpc_extrapolate_float (const double *a, size_t order, float *history, float *out, size_t n,
                             float *work, float *reversed)
{
  extrapolate (a, order, history, out, n, work, NULL, reversed);
}

int
pnbtr_cholesky_factor (double *M, size_t n)
{
  /* a row of L at a time, from the rows above it (complete by then); four
   * columns at a time share the loads of the row being computed.  Rows are
   * packed as they are finished: row i moves from i n to i (i + 1) / 2,
   * never past a row still to be read. */
  for (size_t i = 0; i < n; i++)
    {
      double *ri = M + i * (i + 1) / 2;
      double d, s[4];
      size_t j = 0;

      memmove (ri, M + i * n, sizeof (double) * (i + 1));
      for (; j + 4 <= i; j += 4)
        {
          const double *rj = M + j * (j + 1) / 2;
          /* rows j..j+3 are j + 1, j + 2 and j + 3 apart */
          const double *rows[4] = { rj, rj + j + 1, rj + 2 * j + 3, rj + 3 * j + 6 };

          dot4 (ri, rows, j, s);
          for (size_t l = 0; l < 4; l++)
            {
              const double *rl = M + (j + l) * (j + l + 1) / 2;
              double v = ri[j + l] - s[l];

              for (size_t m = j; m < j + l; m++)
                v -= ri[m] * rl[m];
              ri[j + l] = v * rl[j + l];
            }
        }
      for (; j < i; j++)
        {
          const double *rj = M + j * (j + 1) / 2;

          ri[j] = (ri[j] - dot (ri, rj, j)) * rj[j];
        }
      d = ri[i] - dot (ri, ri, i);
      if (!(d > 0.0))
        return -1;
      ri[i] = 1.0 / sqrt (d);
    }
  return 0;
}

void
pnbtr_cholesky_solve (const double *L, double *b, size_t n)
{
  for (size_t i = 0; i < n; i++)         /* L y = b */
    {
      const double *ri = L + i * (i + 1) / 2;

      b[i] = (b[i] - dot (ri, b, i)) * ri[i];
    }
  for (size_t i = n; i-- > 0;)           /* L^T x = y, a row of L at a time */
    {
      const double *ri = L + i * (i + 1) / 2;

      b[i] *= ri[i];
      for (size_t k = 0; k < i; k++)
        b[k] -= ri[k] * b[i];
    }
}

size_t
pnbtr_lsar_scratch_size (size_t gap, size_t p)
{
  /* M, rhs, d (gap + nfuture <= gap + p), the reversed model, the past in
   * double */
  return gap * gap + 2 * gap + 3 * p + 1;
}

/* out[l] = sum over k < n[l] of x[k] y[l + k], l = 0..3, with n[l] >= n[3]:
 * four dot products against y shifted by one sample each, sharing the
 * loads of x; rows of a Toeplitz product four at a time */
static void
dot4_shifted (const double *x, const double *y, const size_t n[4], double out[4])
{
  const double *ys[4] = { y, y + 1, y + 2, y + 3 };

  dot4 (x, ys, n[3], out);
  for (size_t l = 0; l < 3; l++)
    for (size_t k = n[3]; k < n[l]; k++)
      out[l] += x[k] * y[l + k];
}

/* rev[j] = a[p - j], so that sum_k a_k x(t - k) is a dot product with
 * contiguous samples */
static void
reverse_model (const double *a, size_t p, double *rev)
{
  for (size_t j = 0; j <= p; j++)
    rev[j] = a[p - j];
}

/* sum_t e(t)^2 with e(t) = d(t) + sum_{i <= t, i < gap} a_{t-i} x_i: the
 * cost of a candidate x for the gap, from the known samples' part d */
static double
lsar_residual (const double *a, size_t p, const double *d, size_t rows, const float *x,
               size_t gap, double *rx)
{
  double cost = 0.0, e[4];
  size_t t = 0;

  /* rx = x reversed, so that the sum is a contiguous dot product */
  for (size_t i = 0; i < gap; i++)
    rx[i] = x[gap - 1 - i];
  /* inside the gap, rows t + 3 down to t: a_0.. against rx from gap - 4 - t
   * on, one sample later a row */
  for (; t + 4 <= gap; t += 4)
    {
      size_t n[4] = { t + 4, t + 3, t + 2, t + 1 };

      dot4_shifted (a, rx + gap - 4 - t, n, e);
      for (size_t l = 0; l < 4; l++)
        {
          double v = d[t + 3 - l] + e[l];

          cost += v * v;
        }
    }
  /* after it, rows t to t + 3: all of rx against a from t - gap + 1 on, the
   * oldest samples leaving the model's reach past order p */
  if (t == gap)
    for (; t + 4 <= rows; t += 4)
      {
        size_t n[4];

        for (size_t l = 0; l < 4; l++)
          n[l] = t + l > p ? gap - (t + l - p) : gap;
        dot4_shifted (rx, a + (t - gap + 1), n, e);
        for (size_t l = 0; l < 4; l++)
          {
            double v = d[t + l] + e[l];

            cost += v * v;
          }
      }
  for (; t < rows; t++)
    {
      /* i from max(0, t - p) to min(t, gap - 1); rx[gap - 1 - i] = x_i */
      size_t hi = t < gap ? t : gap - 1, lo = t > p ? t - p : 0;
      double v = d[t];

      if (lo <= hi)
        v += dot (a + (t - hi), rx + (gap - 1 - hi), hi - lo + 1);
      cost += v * v;
    }
  return cost;
}

int
pnbtr_lsar_factor (const double *a, size_t p, size_t gap, size_t nfuture, double *L)
{
  /* e = A u + d over t in [0, rows): the normal matrix A^T A.  Only its
   * lower triangle, all the Cholesky factorisation reads: for i >= c,
   * l = i - c, M[i][c] = sum over t in [i, min(c + p, rows - 1)] of
   * a_{t-c} a_{t-i} = sum_{k = l}^{K} a_k a_{k-l}, K = min(p, rows - 1 - c).
   * Down a diagonal K only shrinks, a term at a time. */
  size_t rows = gap + nfuture;
  /* a whisper of ridge keeps it positive definite in float-derived data */
  double ridge = 1e-9 * dot (a, a, p + 1) + 1e-30;

  for (size_t l = 0; l < gap; l++)
    {
      size_t K = p < rows - 1 ? p : rows - 1;
      double v = K >= l ? dot (a + l, a, K - l + 1) : 0.0;

      for (size_t c = 0; c + l < gap; c++)
        {
          size_t next = rows - 2 - c;   /* rows > c + l + 1 unless nfuture is 0 */

          L[(c + l) * gap + c] = v + (l == 0 ? ridge : 0.0);
          if (next < K)
            {
              if (K >= l)
                v -= a[K] * a[K - l];
              K = next;
            }
        }
    }
  return pnbtr_cholesky_factor (L, gap);
}

int
pnbtr_lsar_interpolate (const double *a, size_t p, const float *past, size_t gap,
                        const float *future, size_t nfuture, const double *factor, float *out,
                        const float *rival, double *costs, double *scratch)
{
  /* Unknown x[0..gap); known x[-p..0) = past, x[gap..gap+nfuture) = future.
   * Minimise sum_t e(t)^2 over t in [0, gap + nfuture), e(t) = sum_k a_k x(t-k):
   * e = A u + d, normal equations (A^T A) u = -A^T d. */
  size_t rows = gap + nfuture;
  double *M = scratch;                 /* gap x gap */
  double *rhs = M + gap * gap;         /* gap */
  double *d = rhs + gap;               /* rows */
  double *rev = d + rows;              /* p + 1 */
  double *pastd = rev + p + 1;         /* p */
  size_t t = 0, i = 0;

  reverse_model (a, p, rev);
  for (size_t k = 0; k < p; k++)
    pastd[k] = past[k];
  /* d(t): the known samples' part of e(t): a_k for k in (t, p] meets the
   * past, a_k for k <= t - gap the future.  The past's part, four rows at a
   * time while they last */
  for (; t + 4 <= rows && t + 4 <= p; t += 4)
    {
      size_t n[4] = { p - t, p - t - 1, p - t - 2, p - t - 3 };

      dot4_shifted (rev, pastd + t, n, d + t);
    }
  for (; t < rows; t++)
    d[t] = t < p ? dot (rev, pastd + t, p - t) : 0.0;
  for (t = gap; t < rows; t++)
    {
      size_t n = t - gap + 1 < p + 1 ? t - gap + 1 : p + 1;

      d[t] += dot_mixed (rev + p + 1 - n, future + (t - gap + 1 - n), n);
    }
  /* rhs = -A^T d, four rows at a time */
  for (; i + 4 <= gap; i += 4)
    {
      size_t n[4];

      for (size_t l = 0; l < 4; l++)
        n[l] = rows - i - l < p + 1 ? rows - i - l : p + 1;
      dot4_shifted (a, d + i, n, rhs + i);
      for (size_t l = 0; l < 4; l++)
        rhs[i + l] = -rhs[i + l];
    }
  for (; i < gap; i++)
    rhs[i] = -dot (a, d + i, rows - i < p + 1 ? rows - i : p + 1);

  if (factor == NULL)
    {
      if (pnbtr_lsar_factor (a, p, gap, nfuture, M) < 0)
        return -1;
      factor = M;
    }
  pnbtr_cholesky_solve (factor, rhs, gap);
  for (i = 0; i < gap; i++)
    {
      float v = (float) rhs[i];

      out[i] = isfinite (v) ? v : 0.f;
    }
  if (costs != NULL)
    {
      /* rhs is spent: it serves as scratch */
      costs[0] = lsar_residual (a, p, d, rows, out, gap, rhs);
      costs[1] = rival != NULL ? lsar_residual (a, p, d, rows, rival, gap, rhs) : 0.0;
    }
  return 0;
}

long
pnbtr_best_match (const float *ctx, const float *past, size_t n, size_t count, double *score,
                  double *gain)
{
  double cc = dot_float (ctx, ctx, n), ss, best_xy = 0.0, best_ss = 1.0;
  long best_j = -1;

  *score = 0.0;
  *gain = 0.0;
  if (cc <= 0.0 || count == 0)
    return -1;
  /* the segment's energy slides along with j.  The normalized correlation
   * xy / sqrt (cc ss) is compared as xy^2 best_ss > best_xy^2 ss (both
   * correlations positive): no root or division per candidate */
  ss = dot_float (past, past, n);
  for (size_t j0 = 0; j0 < count; j0 += MATCH_BLOCK)
    {
      size_t m = count - j0 < MATCH_BLOCK ? count - j0 : MATCH_BLOCK;
      float xys[MATCH_BLOCK];

      if (m == MATCH_BLOCK)
        correlate_block (ctx, past + j0, n, xys);
      else
        for (size_t k = 0; k < m; k++)
          xys[k] = (float) dot_float (ctx, past + j0 + k, n);
      for (size_t k = 0; k < m; k++)
        {
          size_t j = j0 + k;
          double xy = xys[k];

          if (j > 0)
            ss += (double) past[j + n - 1] * past[j + n - 1] - (double) past[j - 1] * past[j - 1];
          if (ss > cc * 1e-6 && xy > 0.0 && xy * xy * best_ss > best_xy * best_xy * ss)
            {
              best_xy = xy;
              best_ss = ss;
              best_j = (long) j;
            }
        }
    }
  if (best_j >= 0)
    {
      *score = best_xy / sqrt (cc * best_ss);
      *gain = best_xy / best_ss;
    }
  return best_j;
}
