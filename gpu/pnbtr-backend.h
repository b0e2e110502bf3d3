/* pnbtr-backend.h: PNBTR compute backends (CPU reference, OpenCL, CUDA)
 *
 * One batch = B streams, each with the last `window` samples of its audio
 * (oldest first).  For every stream a backend fits PNBTR's linear-prediction
 * model (Burg, order P, on the whole window, with pnbtr's fit dither) and
 * continues the stream by `horizon` samples from the last P samples of its
 * window.  With fit == 0 it skips the fit and continues with the models the
 * caller passes in (the per-stream state), which is cheap.
 *
 * The CPU backend calls libpnbtr and is the reference every other backend is
 * tested against.  No GLib here: gpu/ builds with a C compiler and the GPU
 * SDK alone.  A backend object is used from one thread at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef PNBTR_BACKEND_H
#define PNBTR_BACKEND_H

#include <stddef.h>

#include "pnbtr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum
{
  PNBTR_BACKEND_AUTO,    /* CUDA, else OpenCL GPU, else OpenCL CPU, else CPU */
  PNBTR_BACKEND_CPU,
  PNBTR_BACKEND_OPENCL,
  PNBTR_BACKEND_CUDA,
  PNBTR_BACKEND_N_KINDS
} PnbtrBackendKind;

#define PNBTR_BACKEND_MAX_HORIZON 4096
#define PNBTR_BACKEND_MAX_STREAMS 65536
/* Overrides PNBTR_BACKEND_AUTO: auto, cpu, opencl or cuda. */
#define PNBTR_BACKEND_ENV "JAMNET_PNBTR_BACKEND"
/* Tests only: a GPU backend opened while this holds N fails every batch
 * from its N-th on, as a lost device would. */
#define PNBTR_BACKEND_FAIL_ENV "JAMNET_PNBTR_FAIL_AFTER"

typedef struct
{
  int    order;        /* P: 1..PNBTR_MAX_ORDER */
  int    window;       /* samples per stream the model is fitted on: P < window <= PNBTR_MAX_WINDOW */
  int    horizon;      /* N: samples predicted per stream, 1..PNBTR_BACKEND_MAX_HORIZON */
  int    max_streams;  /* largest batch, 1..PNBTR_BACKEND_MAX_STREAMS */
  double damping;      /* Burg's damping (pnbtr: 1e-5, plain burg: 0) */
  int    dither;       /* 1: add pnbtr's -105 dBFS fit dither (method pnbtr) */
} PnbtrBackendConfig;

typedef struct PnbtrBackend PnbtrBackend;

/* The backend configuration that reproduces a libpnbtr method's model fit
 * (method burg or pnbtr, one channel). */
void         pnbtr_backend_config_init (PnbtrBackendConfig *config, const PnbtrConfig *method,
                                        int horizon, int max_streams);

/* "auto", "cpu", "opencl", "cuda"; 0, or -1 for another name. */
int          pnbtr_backend_parse_kind  (const char *name, PnbtrBackendKind *kind);
const char  *pnbtr_backend_kind_name   (PnbtrBackendKind kind);
/* 1 if this build has the backend's code (not whether a device answers). */
int          pnbtr_backend_compiled    (PnbtrBackendKind kind);

/* Opens a backend.  PNBTR_BACKEND_AUTO reads PNBTR_BACKEND_ENV first, then
 * tries CUDA, OpenCL (GPU devices before CPU ones) and the CPU.  NULL with a
 * message in error (error_len bytes, may be 0) when the kind asked for has no
 * device, is not compiled in, or the configuration is out of range. */
PnbtrBackend *pnbtr_backend_new        (PnbtrBackendKind kind, const PnbtrBackendConfig *config,
                                        char *error, size_t error_len);
void         pnbtr_backend_free        (PnbtrBackend *backend);

/* history: streams x window floats.  models: streams x (order + 1) doubles,
 * written when fit != 0, read when fit == 0.  out: streams x horizon floats.
 * Blocks until the results are in host memory.  Returns 0, or -1 with a
 * message in error (device lost, out of memory, kernel failure, bad
 * arguments): the caller should fall back to the CPU backend. */
int          pnbtr_backend_predict     (PnbtrBackend *backend, int streams, const float *history,
                                        int fit, double *models, float *out,
                                        char *error, size_t error_len);

PnbtrBackendKind pnbtr_backend_get_kind (const PnbtrBackend *backend);
const PnbtrBackendConfig *pnbtr_backend_get_config (const PnbtrBackend *backend);
/* "cpu", "opencl", "cuda" */
const char  *pnbtr_backend_get_name    (const PnbtrBackend *backend);
/* The device, as its driver names it (e.g. "NVIDIA H100 80GB HBM3"). */
const char  *pnbtr_backend_get_device  (const PnbtrBackend *backend);

#ifdef __cplusplus
}
#endif

#endif
