/* pnbtr-backend-cuda.cu: the CUDA backend
 *
 * One thread block per stream, the same arithmetic as pnbtr.cl and as
 * libpnbtr's pnbtr_burg() + pnbtr_lpc_extrapolate() (the reference), in
 * double precision.  Built by nvcc for sm_90 plus compute_75 PTX, linked
 * with the static CUDA runtime; without a device every entry point returns
 * a clear error and the caller uses another backend.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <cuda_runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pnbtr-backend-private.h"

/* The sum of v over the block (a multiple of 32 threads), in every thread. */
__device__ static double
block_sum (double v, double *red)
{
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;

  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (0xffffffffu, v, o);
  if (warps == 1)
    return v;
  __syncthreads ();               /* red is free again */
  if (lane == 0)
    red[warp] = v;
  __syncthreads ();
  v = lane < warps ? red[lane] : 0.0;
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (0xffffffffu, v, o);
  return v;
}

__device__ static void
fit (const float *x, const float *noise, int dither, int W, int P, double damping, double *f,
     double *b, double *a, double *red)
{
  int l = threadIdx.x, L = blockDim.x;
  double err = 0.0, den;

  for (int i = l; i < W; i += L)
    {
      float v = dither ? x[i] + noise[i] : x[i];

      v = isfinite (v) ? v : 0.f;
      f[i] = b[i] = v;
      err += (double) v * v;
    }
  for (int i = l; i <= P; i += L)
    a[i] = i == 0 ? 1.0 : 0.0;
  err = block_sum (err, red);
  __syncthreads ();
  if (!(err > 0.0))
    return;
  den = 2.0 * err * (1.0 + damping) - f[0] * f[0] - b[W - 1] * b[W - 1];

  for (int m = 0; m < P; m++)
    {
      int n = W - m - 1;
      double d = 0.0, k;

      if (!(den > 0.0))
        break;
      for (int i = l; i < n; i += L)
        d += f[m + 1 + i] * b[i];
      d = block_sum (d, red);
      k = -2.0 * d / den;
      if (!isfinite (k))
        break;
      k = k > 0.9999 ? 0.9999 : k < -0.9999 ? -0.9999 : k;

      for (int i = 1 + l; 2 * i <= m + 1; i += L)
        {
          int j = m + 1 - i;
          double ai = a[i], aj = a[j];

          a[i] = ai + k * aj;
          if (j != i)
            a[j] = aj + k * ai;
        }
      if (l == 0)
        a[m + 1] = k;
      for (int i = l; i < n; i += L)
        {
          double fi = f[m + 1 + i], bi = b[i];

          f[m + 1 + i] = fi + k * bi;
          b[i] = bi + k * fi;
        }
      __syncthreads ();
      den = (1.0 - k * k) * den - f[m + 1] * f[m + 1] - b[n - 1] * b[n - 1];
      __syncthreads ();
    }
}

__global__ static void
pnbtr_predict_kernel (const float *history, const float *noise, double *models, float *out,
                      double *scratch, int W, int P, int N, double damping, int dither, int do_fit)
{
  extern __shared__ double shared[];
  double *red = shared;                    /* 32 */
  double *coef = shared + 32;              /* P */
  float *work = (float *) (coef + P);      /* P + N */
  size_t s = blockIdx.x;
  int l = threadIdx.x, L = blockDim.x;
  /* a refit gets whole windows; reusing models, only their last P samples */
  int stride = do_fit ? W : P;
  const float *x = history + s * (size_t) stride;
  double *a = models + s * (size_t) (P + 1);

  if (do_fit)
    fit (x, noise, dither, W, P, damping, scratch + 2 * s * (size_t) W,
         scratch + (2 * s + 1) * (size_t) W, a, red);
  __syncthreads ();

  for (int j = l; j < P; j += L)
    {
      coef[j] = a[P - j];
      work[j] = x[stride - P + j];
    }
  __syncthreads ();
  for (int t = 0; t < N; t++)
    {
      double acc = 0.0;

      for (int j = l; j < P; j += L)
        acc += coef[j] * work[t + j];
      acc = block_sum (acc, red);
      if (l == 0)
        {
          float y = (float) -acc;

          y = isfinite (y) ? y : 0.f;
          work[P + t] = y;
          out[s * (size_t) N + t] = y;
        }
      __syncthreads ();
    }
}

struct CudaImpl
{
  cudaStream_t stream;
  float  *d_history, *d_noise, *d_out;
  double *d_models, *d_scratch;
  float  *h_history, *h_out;      /* pinned staging */
  double *h_models;
  int     threads;
  size_t  shared_bytes;
};

#define CHECK(call, what)                                                                    \
  do {                                                                                       \
    cudaError_t e_ = (call);                                                                 \
    if (e_ != cudaSuccess)                                                                   \
      {                                                                                      \
        pnbtr_backend_set_error (error, error_len, "CUDA: %s failed: %s", what,              \
                                 cudaGetErrorString (e_));                                   \
        return -1;                                                                           \
      }                                                                                      \
  } while (0)

static void
cuda_close (PnbtrBackend *b)
{
  CudaImpl *cu = (CudaImpl *) b->impl;

  if (cu == NULL)
    return;
  cudaFree (cu->d_history);
  cudaFree (cu->d_noise);
  cudaFree (cu->d_out);
  cudaFree (cu->d_models);
  cudaFree (cu->d_scratch);
  cudaFreeHost (cu->h_history);
  cudaFreeHost (cu->h_out);
  cudaFreeHost (cu->h_models);
  if (cu->stream != NULL)
    cudaStreamDestroy (cu->stream);
  free (cu);
  b->impl = NULL;
}

static int
cuda_predict (PnbtrBackend *b, int streams, const float *history, int fit, double *models,
              float *out, char *error, size_t error_len)
{
  CudaImpl *cu = (CudaImpl *) b->impl;
  const PnbtrBackendConfig *c = &b->config;
  size_t B = (size_t) streams, W = (size_t) c->window, P1 = (size_t) c->order + 1;
  size_t N = (size_t) c->horizon;

  if (fit)
    {
      memcpy (cu->h_history, history, B * W * sizeof (float));
      CHECK (cudaMemcpyAsync (cu->d_history, cu->h_history, B * W * sizeof (float),
                              cudaMemcpyHostToDevice, cu->stream), "uploading the history");
    }
  else
    {
      size_t P = P1 - 1;

      /* the continuation reads only each window's last P samples */
      for (size_t i = 0; i < B; i++)
        memcpy (cu->h_history + i * P, history + i * W + W - P, P * sizeof (float));
      CHECK (cudaMemcpyAsync (cu->d_history, cu->h_history, B * P * sizeof (float),
                              cudaMemcpyHostToDevice, cu->stream), "uploading the history");
      memcpy (cu->h_models, models, B * P1 * sizeof (double));
      CHECK (cudaMemcpyAsync (cu->d_models, cu->h_models, B * P1 * sizeof (double),
                              cudaMemcpyHostToDevice, cu->stream), "uploading the models");
    }
  pnbtr_predict_kernel<<<streams, cu->threads, cu->shared_bytes, cu->stream>>> (
    cu->d_history, cu->d_noise, cu->d_models, cu->d_out, cu->d_scratch, c->window, c->order,
    c->horizon, c->damping, c->dither != 0, fit != 0);
  CHECK (cudaGetLastError (), "starting the kernel");
  if (fit)
    CHECK (cudaMemcpyAsync (cu->h_models, cu->d_models, B * P1 * sizeof (double),
                            cudaMemcpyDeviceToHost, cu->stream), "reading the models");
  CHECK (cudaMemcpyAsync (cu->h_out, cu->d_out, B * N * sizeof (float), cudaMemcpyDeviceToHost,
                          cu->stream), "reading the predictions");
  CHECK (cudaStreamSynchronize (cu->stream), "running the kernel");
  memcpy (out, cu->h_out, B * N * sizeof (float));
  if (fit)
    memcpy (models, cu->h_models, B * P1 * sizeof (double));
  return 0;
}

static const PnbtrBackendClass cuda_class = { cuda_predict, cuda_close };

static int
cuda_setup (PnbtrBackend *b, CudaImpl *cu, char *error, size_t error_len)
{
  const PnbtrBackendConfig *c = &b->config;
  size_t B = (size_t) c->max_streams, W = (size_t) c->window, P1 = (size_t) c->order + 1;
  size_t N = (size_t) c->horizon;
  cudaDeviceProp prop;
  int driver = 0, count = 0;
  float *noise;
  cudaError_t e = cudaGetDeviceCount (&count);

  if (e != cudaSuccess || count < 1)
    {
      pnbtr_backend_set_error (error, error_len, "CUDA: no device answers (%s)",
                               e != cudaSuccess ? cudaGetErrorString (e) : "no devices");
      return -1;
    }
  CHECK (cudaSetDevice (0), "selecting the device");
  CHECK (cudaGetDeviceProperties (&prop, 0), "reading the device properties");
  cudaDriverGetVersion (&driver);
  snprintf (b->device, sizeof b->device, "%.160s (CUDA, sm_%d%d, driver %d.%d)", prop.name,
            prop.major, prop.minor, driver / 1000, driver % 1000 / 10);

  /* a warp per stream for short windows, more where the fit has work */
  cu->threads = c->window <= 1024 ? 32 : c->window <= 4096 ? 128 : 256;
  cu->shared_bytes = 32 * sizeof (double) + (size_t) c->order * sizeof (double) +
                     (size_t) (c->order + c->horizon) * sizeof (float);
  if (cu->shared_bytes > prop.sharedMemPerBlock)
    {
      pnbtr_backend_set_error (error, error_len,
                               "CUDA: order %d with horizon %d needs %zu bytes of shared memory, "
                               "%s has %zu", c->order, c->horizon, cu->shared_bytes, prop.name,
                               (size_t) prop.sharedMemPerBlock);
      return -1;
    }
  CHECK (cudaStreamCreateWithFlags (&cu->stream, cudaStreamNonBlocking), "creating a stream");
  CHECK (cudaMalloc (&cu->d_history, B * W * sizeof (float)), "allocating device memory");
  CHECK (cudaMalloc (&cu->d_noise, W * sizeof (float)), "allocating device memory");
  CHECK (cudaMalloc (&cu->d_out, B * N * sizeof (float)), "allocating device memory");
  CHECK (cudaMalloc (&cu->d_models, B * P1 * sizeof (double)), "allocating device memory");
  CHECK (cudaMalloc (&cu->d_scratch, 2 * B * W * sizeof (double)), "allocating device memory");
  CHECK (cudaMallocHost (&cu->h_history, B * W * sizeof (float)), "allocating pinned memory");
  CHECK (cudaMallocHost (&cu->h_out, B * N * sizeof (float)), "allocating pinned memory");
  CHECK (cudaMallocHost (&cu->h_models, B * P1 * sizeof (double)), "allocating pinned memory");

  noise = (float *) malloc (W * sizeof (float));
  if (noise == NULL)
    {
      pnbtr_backend_set_error (error, error_len, "Out of memory");
      return -1;
    }
  pnbtr_fit_dither (noise, W);
  e = cudaMemcpy (cu->d_noise, noise, W * sizeof (float), cudaMemcpyHostToDevice);
  free (noise);
  CHECK (e, "uploading the dither");
  return 0;
}

extern "C" int
pnbtr_backend_cuda_open (PnbtrBackend *b, char *error, size_t error_len)
{
  CudaImpl *cu = (CudaImpl *) calloc (1, sizeof *cu);

  if (cu == NULL)
    {
      pnbtr_backend_set_error (error, error_len, "Out of memory");
      return -1;
    }
  b->impl = cu;
  b->klass = &cuda_class;
  if (cuda_setup (b, cu, error, error_len) < 0)
    {
      cuda_close (b);
      b->klass = NULL;
      return -1;
    }
  return 0;
}
