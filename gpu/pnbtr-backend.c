/* pnbtr-backend.c: backend choice and the CPU reference backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pnbtr-backend-private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pnbtr-dsp.h"

static const char *const kind_names[PNBTR_BACKEND_N_KINDS] = { "auto", "cpu", "opencl", "cuda" };
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

void
pnbtr_backend_set_error (char *error, size_t error_len, const char *format, ...)
{
  va_list args;

  if (error == NULL || error_len == 0)
    return;
  va_start (args, format);
  vsnprintf (error, error_len, format, args);
  va_end (args);
}

void
pnbtr_backend_config_init (PnbtrBackendConfig *config, const PnbtrConfig *method, int horizon,
                           int max_streams)
{
  memset (config, 0, sizeof *config);
  config->order = method->order;
  config->window = method->window;
  config->horizon = horizon;
  config->max_streams = max_streams;
  config->damping = method->damping;
  config->dither = method->method == PNBTR_METHOD_PNBTR;
}

int
pnbtr_backend_parse_kind (const char *name, PnbtrBackendKind *kind)
{
  for (int k = 0; name != NULL && k < PNBTR_BACKEND_N_KINDS; k++)
    if (strcmp (name, kind_names[k]) == 0)
      {
        *kind = (PnbtrBackendKind) k;
        return 0;
      }
  return -1;
}

const char *
pnbtr_backend_kind_name (PnbtrBackendKind kind)
{
  return kind >= 0 && kind < PNBTR_BACKEND_N_KINDS ? kind_names[kind] : "unknown";
}

int
pnbtr_backend_compiled (PnbtrBackendKind kind)
{
  switch (kind)
    {
    case PNBTR_BACKEND_AUTO:
    case PNBTR_BACKEND_CPU:
      return 1;
    case PNBTR_BACKEND_OPENCL:
#ifdef PNBTR_HAVE_OPENCL
      return 1;
#else
      return 0;
#endif
    case PNBTR_BACKEND_CUDA:
#ifdef PNBTR_HAVE_CUDA
      return 1;
#else
      return 0;
#endif
    default:
      return 0;
    }
}

static int
config_valid (const PnbtrBackendConfig *c)
{
  return c != NULL && c->order >= 1 && c->order <= PNBTR_MAX_ORDER && c->window > c->order &&
         c->window <= PNBTR_MAX_WINDOW && c->horizon >= 1 &&
         c->horizon <= PNBTR_BACKEND_MAX_HORIZON && c->max_streams >= 1 &&
         c->max_streams <= PNBTR_BACKEND_MAX_STREAMS && c->damping >= 0.0 && c->damping < 1.0;
}

static int
open_kind (PnbtrBackend *b, PnbtrBackendKind kind, int gpu_only, char *error, size_t error_len)
{
  b->kind = kind;
  switch (kind)
    {
    case PNBTR_BACKEND_CPU:
      return pnbtr_backend_cpu_open (b, error, error_len);
    case PNBTR_BACKEND_OPENCL:
#ifdef PNBTR_HAVE_OPENCL
      return pnbtr_backend_opencl_open (b, gpu_only, error, error_len);
#else
      (void) gpu_only;
      pnbtr_backend_set_error (error, error_len,
                               "This build of JamNet has no OpenCL support (-Dopencl)");
      return -1;
#endif
    case PNBTR_BACKEND_CUDA:
#ifdef PNBTR_HAVE_CUDA
      return pnbtr_backend_cuda_open (b, error, error_len);
#else
      pnbtr_backend_set_error (error, error_len,
                               "This build of JamNet has no CUDA support (-Dcuda)");
      return -1;
#endif
    default:
      pnbtr_backend_set_error (error, error_len, "Unknown PNBTR backend");
      return -1;
    }
}

PnbtrBackend *
pnbtr_backend_new (PnbtrBackendKind kind, const PnbtrBackendConfig *config, char *error,
                   size_t error_len)
{
  PnbtrBackend *b;
  int ok = -1;

  if (!config_valid (config))
    {
      pnbtr_backend_set_error (error, error_len,
                               "PNBTR backend settings out of range (order 1..%d below a window "
                               "of at most %d samples, horizon 1..%d, 1..%d streams)",
                               PNBTR_MAX_ORDER, PNBTR_MAX_WINDOW, PNBTR_BACKEND_MAX_HORIZON,
                               PNBTR_BACKEND_MAX_STREAMS);
      return NULL;
    }
  if (kind == PNBTR_BACKEND_AUTO)
    {
      const char *env = getenv (PNBTR_BACKEND_ENV);

      if (env != NULL && *env != '\0' && pnbtr_backend_parse_kind (env, &kind) < 0)
        {
          pnbtr_backend_set_error (error, error_len,
                                   "%s=%s is not a PNBTR backend (use auto, cpu, opencl or cuda)",
                                   PNBTR_BACKEND_ENV, env);
          return NULL;
        }
    }

  b = calloc (1, sizeof *b);
  if (b == NULL)
    {
      pnbtr_backend_set_error (error, error_len, "Out of memory");
      return NULL;
    }
  b->config = *config;
  b->fail_after = -1;

  /* one backend opens at a time in a process: OpenCL platforms (PoCL for
   * one) are not safe to initialize from two threads at once */
  pthread_mutex_lock (&open_lock);
  if (kind != PNBTR_BACKEND_AUTO)
    ok = open_kind (b, kind, 0, error, error_len);
  else
    {
      /* probing: a missing device is no error, the CPU always answers */
      ok = open_kind (b, PNBTR_BACKEND_CUDA, 0, NULL, 0);
      if (ok < 0)
        ok = open_kind (b, PNBTR_BACKEND_OPENCL, 1, NULL, 0);
      if (ok < 0)
        ok = open_kind (b, PNBTR_BACKEND_OPENCL, 0, NULL, 0);
      if (ok < 0)
        ok = open_kind (b, PNBTR_BACKEND_CPU, 0, error, error_len);
    }
  pthread_mutex_unlock (&open_lock);
  if (ok < 0)
    {
      free (b);
      return NULL;
    }
  if (b->kind != PNBTR_BACKEND_CPU && getenv (PNBTR_BACKEND_FAIL_ENV) != NULL)
    b->fail_after = atol (getenv (PNBTR_BACKEND_FAIL_ENV));
  return b;
}

void
pnbtr_backend_free (PnbtrBackend *b)
{
  if (b == NULL)
    return;
  if (b->klass != NULL)
    b->klass->close (b);
  free (b);
}

int
pnbtr_backend_predict (PnbtrBackend *b, int streams, const float *history, int fit,
                       double *models, float *out, char *error, size_t error_len)
{
  if (b == NULL || streams < 1 || streams > b->config.max_streams || history == NULL ||
      models == NULL || out == NULL)
    {
      pnbtr_backend_set_error (error, error_len, "Bad PNBTR batch (%d streams)", streams);
      return -1;
    }
  if (b->fail_after >= 0 && b->batches >= b->fail_after)
    {
      pnbtr_backend_set_error (error, error_len, "simulated device failure (%s)",
                               PNBTR_BACKEND_FAIL_ENV);
      return -1;
    }
  b->batches++;
  return b->klass->predict (b, streams, history, fit, models, out, error, error_len);
}

PnbtrBackendKind
pnbtr_backend_get_kind (const PnbtrBackend *b)
{
  return b->kind;
}

const PnbtrBackendConfig *
pnbtr_backend_get_config (const PnbtrBackend *b)
{
  return &b->config;
}

const char *
pnbtr_backend_get_name (const PnbtrBackend *b)
{
  return kind_names[b->kind];
}

const char *
pnbtr_backend_get_device (const PnbtrBackend *b)
{
  return b->device;
}

/* --- the CPU reference: libpnbtr, one stream after another ------------------ */

typedef struct
{
  PnbtrConfig fit;       /* one channel, the method whose fit we reproduce */
  double     *scratch;   /* pnbtr_fit_scratch_size () */
  float      *history;   /* order */
  float      *work;      /* order + horizon */
  double     *reversed;  /* order */
} CpuImpl;

static void
cpu_close (PnbtrBackend *b)
{
  CpuImpl *cpu = b->impl;

  if (cpu == NULL)
    return;
  free (cpu->scratch);
  free (cpu->history);
  free (cpu->work);
  free (cpu->reversed);
  free (cpu);
  b->impl = NULL;
}

static int
cpu_predict (PnbtrBackend *b, int streams, const float *history, int fit, double *models,
             float *out, char *error, size_t error_len)
{
  CpuImpl *cpu = b->impl;
  const PnbtrBackendConfig *c = &b->config;
  size_t p = (size_t) c->order, w = (size_t) c->window, n = (size_t) c->horizon;

  for (size_t s = 0; s < (size_t) streams; s++)
    {
      double *a = models + s * (p + 1);

      if (fit && pnbtr_fit_snapshot (&cpu->fit, history + s * w, a, cpu->scratch) < 0)
        {
          pnbtr_backend_set_error (error, error_len, "The PNBTR model fit failed");
          return -1;
        }
      memcpy (cpu->history, history + s * w + w - p, sizeof (float) * p);
      pnbtr_lpc_extrapolate (a, p, cpu->history, out + s * n, n, cpu->work, cpu->reversed);
    }
  return 0;
}

static const PnbtrBackendClass cpu_class = { cpu_predict, cpu_close };

int
pnbtr_backend_cpu_open (PnbtrBackend *b, char *error, size_t error_len)
{
  const PnbtrBackendConfig *c = &b->config;
  CpuImpl *cpu = calloc (1, sizeof *cpu);

  if (cpu == NULL)
    goto oom;
  b->impl = cpu;
  b->klass = &cpu_class;
  pnbtr_config_init (&cpu->fit, c->dither ? PNBTR_METHOD_PNBTR : PNBTR_METHOD_BURG, 48000, 1,
                     c->horizon < PNBTR_MAX_FRAMES ? c->horizon : PNBTR_MAX_FRAMES);
  cpu->fit.order = c->order;
  cpu->fit.window = c->window;
  cpu->fit.damping = c->damping;
  cpu->scratch = malloc (sizeof (double) * pnbtr_fit_scratch_size (&cpu->fit));
  cpu->history = malloc (sizeof (float) * (size_t) c->order);
  cpu->work = malloc (sizeof (float) * (size_t) (c->order + c->horizon));
  cpu->reversed = malloc (sizeof (double) * (size_t) c->order);
  if (cpu->scratch == NULL || cpu->history == NULL || cpu->work == NULL || cpu->reversed == NULL)
    goto oom;
  snprintf (b->device, sizeof b->device, "%s", "CPU (libpnbtr reference, one thread)");
  return 0;

oom:
  if (cpu != NULL)
    cpu_close (b);
  b->klass = NULL;
  pnbtr_backend_set_error (error, error_len, "Out of memory for the CPU PNBTR backend");
  return -1;
}
