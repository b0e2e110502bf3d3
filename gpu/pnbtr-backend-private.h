/* pnbtr-backend-private.h: what each backend implements
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef PNBTR_BACKEND_PRIVATE_H
#define PNBTR_BACKEND_PRIVATE_H

#include <stdarg.h>

#include "pnbtr-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct
{
  int  (*predict) (PnbtrBackend *backend, int streams, const float *history, int fit,
                   double *models, float *out, char *error, size_t error_len);
  void (*close)   (PnbtrBackend *backend);
} PnbtrBackendClass;

struct PnbtrBackend
{
  PnbtrBackendKind         kind;
  PnbtrBackendConfig       config;
  const PnbtrBackendClass *klass;
  void                    *impl;
  char                     device[256];
  long                     batches;
  long                     fail_after;  /* fault injection: -1, or fail from this batch on */
};

/* Each opener fills backend->klass, impl and device; 0, or -1 with error
 * set.  quiet: when probing for PNBTR_BACKEND_AUTO, "no device" is not an
 * error worth a message. */
int  pnbtr_backend_cpu_open    (PnbtrBackend *backend, char *error, size_t error_len);
int  pnbtr_backend_opencl_open (PnbtrBackend *backend, int gpu_only, char *error, size_t error_len);
int  pnbtr_backend_cuda_open   (PnbtrBackend *backend, char *error, size_t error_len);

void pnbtr_backend_set_error   (char *error, size_t error_len, const char *format, ...)
#ifdef __GNUC__
  __attribute__ ((format (printf, 3, 4)))
#endif
  ;

#ifdef __cplusplus
}
#endif

#endif
