/* pnbtr.cl: PNBTR's model fit and continuation, one work-group per stream
 *
 * The same arithmetic as libpnbtr's pnbtr_burg() and
 * pnbtr_lpc_extrapolate() (the CPU reference), in double precision; only
 * the order of the sums differs.  Every branch below depends on values all
 * work-items of a group compute identically, so barriers never diverge.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#define FENCE (CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)

/* The sum of v over the work-group (a power of two in size), in every
 * work-item. */
static double
group_sum (double v, __local double *red)
{
  size_t l = get_local_id (0);
  double r;

  red[l] = v;
  barrier (CLK_LOCAL_MEM_FENCE);
  for (size_t s = get_local_size (0) / 2; s > 0; s >>= 1)
    {
      if (l < s)
        red[l] += red[l + s];
      barrier (CLK_LOCAL_MEM_FENCE);
    }
  r = red[0];
  barrier (CLK_LOCAL_MEM_FENCE);
  return r;
}

/* Burg's method on the stream's window, as pnbtr_burg(): writes a[0..P]. */
static void
fit (__global const float *x, __global const float *noise, int dither, int W, int P,
     double damping, __global double *f, __global double *b, __global double *a,
     __local double *red)
{
  size_t l = get_local_id (0), L = get_local_size (0);
  double err = 0.0, den;

  for (size_t i = l; i < (size_t) W; i += L)
    {
      float v = dither ? x[i] + noise[i] : x[i];

      v = isfinite (v) ? v : 0.f;
      f[i] = b[i] = v;
      err += (double) v * v;
    }
  for (size_t i = l; i <= (size_t) P; i += L)
    a[i] = i == 0 ? 1.0 : 0.0;
  err = group_sum (err, red);
  barrier (FENCE);
  if (!(err > 0.0))
    return;
  den = 2.0 * err * (1.0 + damping) - f[0] * f[0] - b[W - 1] * b[W - 1];

  for (int m = 0; m < P; m++)
    {
      size_t n = (size_t) (W - m - 1);
      double d = 0.0, k;

      if (!(den > 0.0))
        break;
      for (size_t i = l; i < n; i += L)
        d += f[m + 1 + i] * b[i];
      d = group_sum (d, red);
      k = -2.0 * d / den;
      if (!isfinite (k))
        break;
      k = k > 0.9999 ? 0.9999 : k < -0.9999 ? -0.9999 : k;

      /* a[i] += k a[m + 1 - i] for i = 1..m, in pairs; then a[m + 1] = k */
      for (size_t i = 1 + l; 2 * i <= (size_t) m + 1; i += L)
        {
          size_t j = (size_t) m + 1 - i;
          double ai = a[i], aj = a[j];

          a[i] = ai + k * aj;
          if (j != i)
            a[j] = aj + k * ai;
        }
      if (l == 0)
        a[m + 1] = k;
      for (size_t i = l; i < n; i += L)
        {
          double fi = f[m + 1 + i], bi = b[i];

          f[m + 1 + i] = fi + k * bi;
          b[i] = bi + k * fi;
        }
      barrier (FENCE);
      den = (1.0 - k * k) * den - f[m + 1] * f[m + 1] - b[n - 1] * b[n - 1];
      barrier (FENCE);   /* nobody writes f or b before everyone has read them */
    }
}

__kernel void
pnbtr_predict (__global const float *history,   /* streams x W, or x P without a fit */
               __global const float *noise,     /* W */
               __global double      *models,    /* streams x (P + 1) */
               __global float       *out,       /* streams x N */
               __global double      *scratch,   /* streams x 2 W */
               int W, int P, int N, double damping, int dither, int do_fit,
               __local double *red,             /* local size */
               __local double *coef,            /* P: the model, reversed */
               __local float  *work)            /* P + N */
{
  size_t s = get_group_id (0), l = get_local_id (0), L = get_local_size (0);
  /* a refit gets whole windows; reusing models, only their last P samples */
  int stride = do_fit ? W : P;
  __global const float *x = history + s * (size_t) stride;
  __global double *a = models + s * (size_t) (P + 1);

  if (do_fit)
    fit (x, noise, dither, W, P, damping, scratch + 2 * s * (size_t) W,
         scratch + (2 * s + 1) * (size_t) W, a, red);
  barrier (FENCE);

  for (size_t j = l; j < (size_t) P; j += L)
    {
      coef[j] = a[P - j];
      work[j] = x[stride - P + j];
    }
  barrier (CLK_LOCAL_MEM_FENCE);
  for (int t = 0; t < N; t++)
    {
      double acc = 0.0;

      for (size_t j = l; j < (size_t) P; j += L)
        acc += coef[j] * work[t + j];
      acc = group_sum (acc, red);
      if (l == 0)
        {
          float y = (float) -acc;

          y = isfinite (y) ? y : 0.f;
          work[P + t] = y;
          out[s * (size_t) N + t] = y;
        }
      barrier (CLK_LOCAL_MEM_FENCE);
    }
}
