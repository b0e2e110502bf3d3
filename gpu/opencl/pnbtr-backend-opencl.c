/* pnbtr-backend-opencl.c: the OpenCL backend (kernels in pnbtr.cl)
 *
 * Any OpenCL 1.2 device with double precision (cl_khr_fp64): GPUs, and
 * PoCL on the CPU, which is what the tests run on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pnbtr-backend-private.h"
#include "pnbtr-cl-source.h"

typedef struct
{
  cl_context       context;
  cl_command_queue queue;
  cl_program       program;
  cl_kernel        kernel;
  cl_mem           history, noise, models, out, scratch;
  size_t           local_size;
} ClImpl;

static const char *
cl_error_name (cl_int e)
{
  switch (e)
    {
    case CL_DEVICE_NOT_FOUND: return "no device";
    case CL_DEVICE_NOT_AVAILABLE: return "device not available";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "device memory allocation failed";
    case CL_OUT_OF_RESOURCES: return "out of device resources";
    case CL_OUT_OF_HOST_MEMORY: return "out of host memory";
    case CL_BUILD_PROGRAM_FAILURE: return "kernel build failed";
    case CL_INVALID_BUFFER_SIZE: return "buffer too large for the device";
    case CL_INVALID_WORK_GROUP_SIZE: return "invalid work-group size";
    case CL_INVALID_KERNEL_ARGS: return "invalid kernel arguments";
    case -1001: return "no OpenCL platform (is an ICD installed?)";  /* CL_PLATFORM_NOT_FOUND_KHR */
    default: return "OpenCL error";
    }
}

#define CHECK(call, what)                                                                   \
  do {                                                                                      \
    cl_int e_ = (call);                                                                     \
    if (e_ != CL_SUCCESS)                                                                   \
      {                                                                                     \
        pnbtr_backend_set_error (error, error_len, "OpenCL: %s failed: %s (%d)", what,      \
                                 cl_error_name (e_), (int) e_);                             \
        return -1;                                                                          \
      }                                                                                     \
  } while (0)

static void
cl_close (PnbtrBackend *b)
{
  ClImpl *cl = b->impl;
  cl_mem *mems[] = { &cl->history, &cl->noise, &cl->models, &cl->out, &cl->scratch };

  if (cl == NULL)
    return;
  for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
    if (*mems[i] != NULL)
      clReleaseMemObject (*mems[i]);
  if (cl->kernel != NULL)
    clReleaseKernel (cl->kernel);
  if (cl->program != NULL)
    clReleaseProgram (cl->program);
  if (cl->queue != NULL)
    clReleaseCommandQueue (cl->queue);
  if (cl->context != NULL)
    clReleaseContext (cl->context);
  free (cl);
  b->impl = NULL;
}

static size_t
local_bytes (const PnbtrBackendConfig *c, size_t local_size)
{
  return local_size * sizeof (double) + (size_t) c->order * sizeof (double) +
         (size_t) (c->order + c->horizon) * sizeof (float);
}

static int
cl_predict (PnbtrBackend *b, int streams, const float *history, int fit, double *models,
            float *out, char *error, size_t error_len)
{
  ClImpl *cl = b->impl;
  const PnbtrBackendConfig *c = &b->config;
  size_t B = (size_t) streams, W = (size_t) c->window, P = (size_t) c->order, P1 = P + 1;
  size_t global = B * cl->local_size;
  cl_int do_fit = fit != 0;

  if (fit)
    CHECK (clEnqueueWriteBuffer (cl->queue, cl->history, CL_FALSE, 0, B * W * sizeof (float),
                                 history, 0, NULL, NULL),
           "uploading the history");
  else
    {
      /* the continuation reads only each window's last P samples */
      size_t buffer_origin[3] = { 0, 0, 0 };
      size_t host_origin[3] = { (W - P) * sizeof (float), 0, 0 };
      size_t region[3] = { P * sizeof (float), B, 1 };

      CHECK (clEnqueueWriteBufferRect (cl->queue, cl->history, CL_FALSE, buffer_origin,
                                       host_origin, region, P * sizeof (float), 0,
                                       W * sizeof (float), 0, history, 0, NULL, NULL),
             "uploading the history");
      CHECK (clEnqueueWriteBuffer (cl->queue, cl->models, CL_FALSE, 0, B * P1 * sizeof (double),
                                   models, 0, NULL, NULL),
             "uploading the models");
    }
  CHECK (clSetKernelArg (cl->kernel, 10, sizeof do_fit, &do_fit), "setting the kernel arguments");
  CHECK (clEnqueueNDRangeKernel (cl->queue, cl->kernel, 1, NULL, &global, &cl->local_size, 0,
                                 NULL, NULL),
         "running the kernel");
  if (fit)
    CHECK (clEnqueueReadBuffer (cl->queue, cl->models, CL_FALSE, 0, B * P1 * sizeof (double),
                                models, 0, NULL, NULL),
           "reading the models");
  CHECK (clEnqueueReadBuffer (cl->queue, cl->out, CL_TRUE, 0,
                              B * (size_t) c->horizon * sizeof (float), out, 0, NULL, NULL),
         "reading the predictions");
  return 0;
}

static const PnbtrBackendClass cl_class = { cl_predict, cl_close };

/* The first device with double precision: GPUs (and accelerators) only, or
 * any type, GPUs first. */
static int
pick_device (int gpu_only, cl_device_id *device)
{
  cl_platform_id platforms[16];
  cl_uint n_platforms = 0;
  cl_device_type types[] = { CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR, CL_DEVICE_TYPE_ALL };

  if (clGetPlatformIDs (16, platforms, &n_platforms) != CL_SUCCESS)
    return -1;
  for (int t = 0; t < (gpu_only ? 1 : 2); t++)
    for (cl_uint p = 0; p < n_platforms && p < 16; p++)
      {
        cl_device_id devices[16];
        cl_uint n = 0;

        if (clGetDeviceIDs (platforms[p], types[t], 16, devices, &n) != CL_SUCCESS)
          continue;
        for (cl_uint d = 0; d < n && d < 16; d++)
          {
            cl_device_fp_config fp64 = 0;

            if (clGetDeviceInfo (devices[d], CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64,
                                 NULL) == CL_SUCCESS && fp64 != 0)
              {
                *device = devices[d];
                return 0;
              }
          }
      }
  return -1;
}

static int
cl_setup (PnbtrBackend *b, ClImpl *cl, cl_device_id device, char *error, size_t error_len)
{
  const PnbtrBackendConfig *c = &b->config;
  const char *source = pnbtr_cl_source;
  size_t B = (size_t) c->max_streams, W = (size_t) c->window;
  cl_device_type type = 0;
  cl_ulong local_mem = 0;
  size_t max_group = 1;
  char name[160] = "", version[96] = "";
  cl_int e = CL_SUCCESS;
  float *noise;

  clGetDeviceInfo (device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  clGetDeviceInfo (device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local_mem, &local_mem, NULL);
  clGetDeviceInfo (device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_group, &max_group, NULL);
  clGetDeviceInfo (device, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
  clGetDeviceInfo (device, CL_DRIVER_VERSION, sizeof version - 1, version, NULL);
  snprintf (b->device, sizeof b->device, "%s (OpenCL %s, driver %s)", name,
            type & CL_DEVICE_TYPE_CPU ? "CPU" : "GPU", version);

  /* a power of two: 64 work-items on a CPU, 256 on a GPU */
  cl->local_size = type & CL_DEVICE_TYPE_CPU ? 64 : 256;
  while (cl->local_size > max_group)
    cl->local_size /= 2;
  while (cl->local_size > 1 && local_bytes (c, cl->local_size) > local_mem)
    cl->local_size /= 2;
  if (local_bytes (c, cl->local_size) > local_mem)
    {
      pnbtr_backend_set_error (error, error_len,
                               "OpenCL: %s has %lu bytes of local memory; order %d with horizon "
                               "%d needs %zu",
                               name, (unsigned long) local_mem, c->order, c->horizon,
                               local_bytes (c, 1));
      return -1;
    }

  cl->context = clCreateContext (NULL, 1, &device, NULL, NULL, &e);
  CHECK (e, "creating a context");
  cl->queue = clCreateCommandQueue (cl->context, device, 0, &e);
  CHECK (e, "creating a command queue");
  cl->program = clCreateProgramWithSource (cl->context, 1, &source, NULL, &e);
  CHECK (e, "loading the kernels");
  e = clBuildProgram (cl->program, 1, &device, "-cl-std=CL1.2", NULL, NULL);
  if (e != CL_SUCCESS)
    {
      char log[1024] = "";

      clGetProgramBuildInfo (cl->program, device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log,
                             NULL);
      pnbtr_backend_set_error (error, error_len, "OpenCL: the kernels do not build on %s: %s",
                               name, log);
      return -1;
    }
  cl->kernel = clCreateKernel (cl->program, "pnbtr_predict", &e);
  CHECK (e, "creating the kernel");

#define BUFFER(field, flags, bytes)                                   \
  cl->field = clCreateBuffer (cl->context, flags, bytes, NULL, &e);   \
  CHECK (e, "allocating device memory")
  BUFFER (history, CL_MEM_READ_ONLY, B * W * sizeof (float));
  BUFFER (noise, CL_MEM_READ_ONLY, W * sizeof (float));
  BUFFER (models, CL_MEM_READ_WRITE, B * ((size_t) c->order + 1) * sizeof (double));
  BUFFER (out, CL_MEM_WRITE_ONLY, B * (size_t) c->horizon * sizeof (float));
  BUFFER (scratch, CL_MEM_READ_WRITE, 2 * B * W * sizeof (double));
#undef BUFFER

  noise = malloc (W * sizeof (float));
  if (noise == NULL)
    CHECK (CL_OUT_OF_HOST_MEMORY, "allocating the dither");
  pnbtr_fit_dither (noise, W);
  e = clEnqueueWriteBuffer (cl->queue, cl->noise, CL_TRUE, 0, W * sizeof (float), noise, 0,
                            NULL, NULL);
  free (noise);
  CHECK (e, "uploading the dither");

  {
    cl_int W_ = c->window, P_ = c->order, N_ = c->horizon, dither = c->dither != 0, fit = 1;
    cl_double damping = c->damping;
    cl_mem *mems[] = { &cl->history, &cl->noise, &cl->models, &cl->out, &cl->scratch };

    for (cl_uint i = 0; i < 5; i++)
      CHECK (clSetKernelArg (cl->kernel, i, sizeof (cl_mem), mems[i]), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 5, sizeof W_, &W_), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 6, sizeof P_, &P_), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 7, sizeof N_, &N_), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 8, sizeof damping, &damping), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 9, sizeof dither, &dither), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 10, sizeof fit, &fit), "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 11, cl->local_size * sizeof (double), NULL),
           "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 12, (size_t) c->order * sizeof (double), NULL),
           "setting the kernel arguments");
    CHECK (clSetKernelArg (cl->kernel, 13, (size_t) (c->order + c->horizon) * sizeof (float), NULL),
           "setting the kernel arguments");
  }
  return 0;
}

int
pnbtr_backend_opencl_open (PnbtrBackend *b, int gpu_only, char *error, size_t error_len)
{
  cl_device_id device = NULL;
  ClImpl *cl;

  if (pick_device (gpu_only, &device) < 0)
    {
      pnbtr_backend_set_error (error, error_len,
                               gpu_only ? "OpenCL: no GPU with double precision answers"
                                        : "OpenCL: no device with double precision answers "
                                          "(install an ICD such as pocl-opencl-icd)");
      return -1;
    }
  cl = calloc (1, sizeof *cl);
  if (cl == NULL)
    {
      pnbtr_backend_set_error (error, error_len, "Out of memory");
      return -1;
    }
  b->impl = cl;
  b->klass = &cl_class;
  if (cl_setup (b, cl, device, error, error_len) < 0)
    {
      cl_close (b);
      b->klass = NULL;
      return -1;
    }
  return 0;
}
