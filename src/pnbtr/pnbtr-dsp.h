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
/* r[lag] = sum_t x[t] x[t + lag] for x[0..len) zero-padded to n points (a
 * power of two; lags up to n - len are free of wrap-around), lag < n;
 * through two FFTs of n / 2 points.  twiddles: pnbtr_fft_twiddles (n);
 * data: n doubles of scratch; r: n doubles. */
void   pnbtr_autocorrelation (const float *x, size_t len, size_t n, const double *twiddles,
                              double *data, double *r);

/* Burg's method on x[0..len): same polynomial convention.  damping > 0
 * inflates the error energy (JackTrip uses 1e-5), shrinking every
 * reflection coefficient a little.  scratch holds 2 len + order + 1 doubles.  Reflection coefficients are clamped below 1 in
 * magnitude, so the filter is always stable. */
double pnbtr_burg         (const float *x, size_t len, size_t order, double damping,
                           double *a, double *scratch);

/* Continues a signal: history holds the last `order` samples (oldest first);
 * writes n predicted samples to out and shifts them into history.  work
 * holds order + n floats, reversed order doubles.  The GPU backends match
 * this one. */
void   pnbtr_lpc_extrapolate (const double *a, size_t order, float *history, float *out,
                              size_t n, float *work, double *reversed);
/* The same with the coefficients rounded to float (reversed: order
 * floats): twice the lanes.  Over the longest gap at order 1024 it departs
 * from the double version by 4e-5 of the signal (relative L2) on pure tones,
 * the sharpest models the pnbtr method fits; lower orders with sharper
 * poles depart more (1e-4 to 1e-3), so the GPU backends' reference stays
 * double. */
void   pnbtr_lpc_extrapolate_float (const double *a, size_t order, float *history, float *out,
                                    size_t n, float *work, float *reversed);

/* The model's one-step prediction error energy over x[0..n), each sample
 * predicted from the order samples before it (x[-order..0) is read);
 * *energy (may be NULL) gets the energy of x[0..n).  reversed: order
 * floats of scratch. */
double pnbtr_lpc_residual_float (const double *a, size_t order, const float *x, size_t n,
                                 float *reversed, double *energy);

/* Cholesky factorisation of a symmetric positive definite n x n matrix M
 * (row-major; only its lower triangle is read), in place: M ends up
 * holding L, packed (row i at i (i + 1) / 2, i + 1 values) with 1 / L[i][i]
 * on the diagonal.  Returns 0, or -1 if M is not positive definite. */
int    pnbtr_cholesky_factor (double *M, size_t n);
/* Solves L L^T x = b in place (x returned in b), L from the above. */
void   pnbtr_cholesky_solve  (const double *L, double *b, size_t n);

/* Least-squares AR interpolation: fills a gap of `gap` samples between the
 * last p samples before it (past, oldest first) and nfuture known samples
 * after it, so that the model a (order p) predicts the whole stretch with
 * the least error: sum_t e(t)^2 over the gap and the known samples after
 * it, e(t) = sum_k a_k x(t - k).
 *
 * The system it solves depends on the model and on gap and nfuture only,
 * not on the audio: pnbtr_lsar_factor() factorises it ahead of time (into
 * gap x gap doubles of room; the factor is the first gap (gap + 1) / 2),
 * and pnbtr_lsar_interpolate() uses that factor, or factorises itself
 * when factor is NULL.  When costs is not NULL, costs[0] is that error for
 * out (after rounding to float) and costs[1] for rival, another candidate
 * for the gap (0 if rival is NULL), for comparing the two.
 * scratch holds pnbtr_lsar_scratch_size (gap, p) doubles, nfuture <= p.
 * Both return 0, or -1 if the system is degenerate. */
size_t pnbtr_lsar_scratch_size (size_t gap, size_t p);
int    pnbtr_lsar_factor      (const double *a, size_t p, size_t gap, size_t nfuture, double *L);
int    pnbtr_lsar_interpolate (const double *a, size_t p, const float *past, size_t gap,
                               const float *future, size_t nfuture, const double *factor,
                               float *out, const float *rival, double *costs,
                               double *scratch);
/* Which of the count segments past + j (each n samples, j = 0..count-1)
 * best matches ctx[0..n), by normalized cross-correlation.  Returns j, or
 * -1 if none correlates positively; *score is the correlation, *gain the
 * factor that scales the segment onto ctx. */
long   pnbtr_best_match (const float *ctx, const float *past, size_t n, size_t count,
                         double *score, double *gain);
#endif
