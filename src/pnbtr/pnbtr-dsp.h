/* pnbtr-dsp.h: linear prediction and spectral helpers of libpnbtr
 *
 * Pure C11 + libm, no allocation: callers pass scratch memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef PNBTR_DSP_H
#define PNBTR_DSP_H

#include <stddef.h>

/* In-place radix-2 complex FFT of n = 2^k points (re, im interleaved);
 * twiddles from pnbtr_fft_twiddles (n / 2 complex values).  inverse != 0
 * computes the unscaled inverse. */
void   pnbtr_fft_twiddles (double *twiddles, size_t n);
void   pnbtr_fft          (double *data, size_t n, const double *twiddles, int inverse);

/* r[0..max_lag] = sum_n x[n] x[n + lag] through an FFT of fft_n >= 2 len
 * points.  scratch holds 2 fft_n doubles. */
void   pnbtr_autocorrelation (const float *x, size_t len, double *r, size_t max_lag,
                              double *scratch, size_t fft_n, const double *twiddles);

/* Levinson-Durbin: prediction polynomial a[0..order] (a[0] = 1) with
 * x[n] ~ -sum_{k>=1} a[k] x[n-k] from autocorrelation r[0..order].  scratch
 * holds order + 1 doubles.  Returns the final prediction error power, or a
 * negative value if r is degenerate (then a is 1, 0, 0, ...). */
double pnbtr_levinson     (const double *r, size_t order, double *a, double *scratch);

/* Burg's method on x[0..len): same polynomial convention.  scratch holds
 * 2 len + order + 1 doubles.  Reflection coefficients are clamped below 1 in
 * magnitude, so the filter is always stable. */
double pnbtr_burg         (const float *x, size_t len, size_t order, double *a, double *scratch);

/* Continues a signal: history holds the last `order` samples (oldest first);
 * writes n predicted samples to out and shifts them into history.  work
 * holds order + n floats. */
void   pnbtr_lpc_extrapolate (const double *a, size_t order, float *history, float *out,
                              size_t n, float *work);

#endif
