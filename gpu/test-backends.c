/* test-backends.c: every PNBTR backend against the CPU reference (TAP)
 *
 *   test-backends [PIANO.WAV]
 *
 * Fresh random inputs each run (the seed is printed, JAMNET_TEST_SEED
 * repeats one), windows of real piano audio when a 16-bit mono WAV is
 * given, outputs poisoned with NaN before every run and every element
 * checked.  Plain C, no GLib, so it runs where only the GPU SDK is.
 * A backend without a device is skipped with the reason, except where
 * JAMNET_REQUIRE_OPENCL / JAMNET_REQUIRE_CUDA is set (CI has PoCL).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pnbtr-backend.h"

/* float32 relative L2 error allowed between a backend and the reference */
#define TOLERANCE 1e-4

static int test_number;
static int failures;

static void
ok (int pass, const char *what, const char *detail)
{
  printf ("%sok %d - %s", pass ? "" : "not ", ++test_number, what);
  if (detail != NULL && *detail)
    printf (" # %s", detail);
  printf ("\n");
  fflush (stdout);
  if (!pass)
    failures++;
}

static uint64_t rng_state;

static double
uniform (void)   /* [0, 1), xorshift64* */
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double) ((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* a 16-bit mono PCM WAV as floats; NULL if it is anything else */
static float *
read_wav (const char *path, size_t *frames)
{
  FILE *f = fopen (path, "rb");
  unsigned char hdr[12], chunk[8];
  int channels = 0, bits = 0, format = 0;
  float *x = NULL;

  if (f == NULL)
    return NULL;
  if (fread (hdr, 1, 12, f) != 12 || memcmp (hdr, "RIFF", 4) || memcmp (hdr + 8, "WAVE", 4))
    goto out;
  while (fread (chunk, 1, 8, f) == 8)
    {
      uint32_t size = chunk[4] | chunk[5] << 8 | chunk[6] << 16 | (uint32_t) chunk[7] << 24;

      if (!memcmp (chunk, "fmt ", 4) && size >= 16)
        {
          unsigned char fmt[16];

          if (fread (fmt, 1, 16, f) != 16 || fseek (f, (long) (size - 16 + (size & 1)), SEEK_CUR))
            goto out;
          format = fmt[0] | fmt[1] << 8;
          channels = fmt[2] | fmt[3] << 8;
          bits = fmt[14] | fmt[15] << 8;
        }
      else if (!memcmp (chunk, "data", 4))
        {
          size_t n = size / 2;

          if (format != 1 || channels != 1 || bits != 16 || n == 0 || n > 100000000)
            goto out;
          x = malloc (n * sizeof (float));
          for (size_t i = 0; x != NULL && i < n; i++)
            {
              unsigned char s[2];

              if (fread (s, 1, 2, f) != 2)
                {
                  free (x);
                  x = NULL;
                  break;
                }
              x[i] = (int16_t) (s[0] | s[1] << 8) / 32768.f;
            }
          *frames = n;
          goto out;
        }
      else if (fseek (f, (long) (size + (size & 1)), SEEK_CUR))
        goto out;
    }
out:
  fclose (f);
  return x;
}

typedef enum { INPUT_NOISE, INPUT_RESONANT, INPUT_PIANO, INPUT_EDGES } InputKind;

static const char *const input_names[] = { "white noise", "random resonators", "piano", "edge cases" };

/* streams x window samples of the given kind */
static void
make_input (InputKind kind, float *h, int streams, int window, const float *piano,
            size_t piano_frames)
{
  for (int s = 0; s < streams; s++)
    {
      float *x = h + (size_t) s * window;

      switch (kind)
        {
        case INPUT_NOISE:
          for (int i = 0; i < window; i++)
            x[i] = (float) (uniform () * 2.0 - 1.0);
          break;
        case INPUT_RESONANT:
          {
            /* a few decaying partials at random pitches, plus a little noise */
            double f0 = 80.0 + 900.0 * uniform ();

            for (int i = 0; i < window; i++)
              {
                double v = 0.0;

                for (int k = 1; k <= 4; k++)
                  v += 0.5 / k * sin (2 * M_PI * f0 * k * i / 48000.0 + k) * exp (-i / 20000.0);
                x[i] = (float) (v + 1e-3 * (uniform () - 0.5));
              }
          }
          break;
        case INPUT_PIANO:
          {
            size_t start = (size_t) (uniform () * (double) (piano_frames - (size_t) window));

            memcpy (x, piano + start, sizeof (float) * (size_t) window);
          }
          break;
        case INPUT_EDGES:
          /* silence, a lone click, full-scale square, non-finite samples */
          for (int i = 0; i < window; i++)
            {
              switch (s % 4)
                {
                case 0: x[i] = 0.f; break;
                case 1: x[i] = i == window / 2 ? 1.f : 0.f; break;
                case 2: x[i] = (i / 37) % 2 ? 1.f : -1.f; break;
                default: x[i] = i % 97 == 5 ? NAN : i % 89 == 3 ? INFINITY
                                : (float) sin (i * 0.05); break;
                }
            }
          break;
        }
    }
}

static double
rel_l2 (const float *a, const float *ref, size_t n)
{
  double num = 0.0, den = 0.0;

  for (size_t i = 0; i < n; i++)
    {
      double d = (double) a[i] - ref[i];

      num += d * d;
      den += (double) ref[i] * ref[i];
    }
  return den > 0.0 ? sqrt (num / den) : sqrt (num);
}

/* The worst per-stream relative L2 error of out against ref; counts the
 * non-finite outputs (and models, when given). */
static double
check_outputs (const float *out, const float *ref, const double *models, int streams, size_t N,
               size_t P1, int *nonfinite)
{
  double worst = 0.0;

  for (int s = 0; s < streams; s++)
    {
      double e = rel_l2 (out + s * N, ref + s * N, N);

      for (size_t i = 0; i < N; i++)
        *nonfinite += !isfinite (out[s * N + i]);
      for (size_t i = 0; models != NULL && i < P1; i++)
        *nonfinite += !isfinite (models[s * P1 + i]);
      worst = e > worst || isnan (e) ? e : worst;
    }
  return worst;
}

/* Runs one configuration and input through `kind` and the reference. */
static void
compare (PnbtrBackend *ref, PnbtrBackend *dut, InputKind input, int streams, const float *piano,
         size_t piano_frames)
{
  const PnbtrBackendConfig *c = pnbtr_backend_get_config (ref);
  size_t P1 = (size_t) c->order + 1, N = (size_t) c->horizon;
  float *h = malloc (sizeof (float) * (size_t) streams * c->window);
  float *out_ref = malloc (sizeof (float) * streams * N), *out = malloc (sizeof (float) * streams * N);
  double *m_ref = malloc (sizeof (double) * streams * P1), *m = malloc (sizeof (double) * streams * P1);
  char what[256], detail[256] = "", err[256] = "";
  double worst = 0.0, worst_reuse = 0.0;
  int nonfinite = 0, pass;

  make_input (input, h, streams, c->window, piano, piano_frames);
  for (size_t i = 0; i < streams * N; i++)
    out_ref[i] = out[i] = NAN;
  for (size_t i = 0; i < streams * P1; i++)
    m_ref[i] = m[i] = NAN;

  snprintf (what, sizeof what, "%s: %s, %d streams, order %d, window %d, horizon %d%s",
            pnbtr_backend_get_name (dut), input_names[input], streams, c->order, c->window,
            c->horizon, c->dither ? "" : ", plain burg");
  if (pnbtr_backend_predict (ref, streams, h, 1, m_ref, out_ref, err, sizeof err) < 0 ||
      pnbtr_backend_predict (dut, streams, h, 1, m, out, err, sizeof err) < 0)
    {
      ok (0, what, err);
      goto done;
    }
  worst = check_outputs (out, out_ref, m, streams, N, P1, &nonfinite);

  /* again without the fit: the reference's models, fresh poison */
  for (size_t i = 0; i < streams * N; i++)
    out[i] = NAN;
  if (pnbtr_backend_predict (dut, streams, h, 0, m_ref, out, err, sizeof err) < 0)
    {
      ok (0, what, err);
      goto done;
    }
  worst_reuse = check_outputs (out, out_ref, NULL, streams, N, P1, &nonfinite);
  pass = nonfinite == 0 && worst < TOLERANCE && worst_reuse < TOLERANCE;
  snprintf (detail, sizeof detail, "worst relative L2 error %.2e fitted, %.2e with given models, "
            "%d non-finite", worst, worst_reuse, nonfinite);
  ok (pass, what, detail);

done:
  free (h);
  free (out_ref);
  free (out);
  free (m_ref);
  free (m);
}

/* The reference itself: silence predicts silence, a clean sine is continued. */
static void
check_reference (void)
{
  PnbtrBackendConfig c = { 32, 512, 256, 2, 0.0, 0 };
  PnbtrBackend *cpu = pnbtr_backend_new (PNBTR_BACKEND_CPU, &c, NULL, 0);
  float h[2 * 512], out[2 * 256], truth[256];
  double m[2 * 33];
  char detail[128];
  double e;

  for (int i = 0; i < 512; i++)
    {
      h[i] = 0.f;
      h[512 + i] = (float) (0.5 * sin (2 * M_PI * 440.0 * i / 48000.0));
    }
  for (int i = 0; i < 256; i++)
    truth[i] = (float) (0.5 * sin (2 * M_PI * 440.0 * (512 + i) / 48000.0));
  pnbtr_backend_predict (cpu, 2, h, 1, m, out, NULL, 0);
  e = rel_l2 (out + 256, truth, 256);
  snprintf (detail, sizeof detail, "sine continued with relative error %.2e", e);
  /* filling with silence would be a relative error of 1.0 */
  ok (out[0] == 0.f && out[255] == 0.f && m[0] == 1.0 && m[1] == 0.0 && e < 0.2,
      "cpu: silence stays silent, a sine goes on", detail);
  pnbtr_backend_free (cpu);
}

int
main (int argc, char **argv)
{
  const char *seed_env = getenv ("JAMNET_TEST_SEED");
  uint64_t seed = seed_env ? strtoull (seed_env, NULL, 0) : (uint64_t) time (NULL) ^ (uint64_t) clock ();
  size_t piano_frames = 0;
  float *piano = argc > 1 ? read_wav (argv[1], &piano_frames) : NULL;
  /* order, window, horizon, max streams, damping, dither */
  const PnbtrBackendConfig configs[] = {
    { 32, 512, 128, 64, 1e-5, 1 },
    { 16, 64, 300, 64, 0.0, 0 },       /* JackTrip-like: plain Burg, long horizon */
    { 1024, 4096, 128, 4, 1e-5, 1 },   /* the pnbtr method's own model */
  };
  const int streams[] = { 37, 64, 3 };
  const PnbtrBackendKind kinds[] = { PNBTR_BACKEND_OPENCL, PNBTR_BACKEND_CUDA };

  rng_state = seed ? seed : 1;
  printf ("# seed %llu (JAMNET_TEST_SEED repeats it)\n", (unsigned long long) seed);
  if (argc > 1 && (piano == NULL || piano_frames < 8192))
    {
      printf ("Bail out! %s is not a 16-bit mono WAV of at least 8192 frames\n", argv[1]);
      return 1;
    }
  check_reference ();

  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    {
      const char *name = pnbtr_backend_kind_name (kinds[k]);
      const char *require = getenv (kinds[k] == PNBTR_BACKEND_CUDA ? "JAMNET_REQUIRE_CUDA"
                                                                   : "JAMNET_REQUIRE_OPENCL");
      int required = require != NULL && strcmp (require, "1") == 0;

      for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++)
        {
          char err[512] = "", what[64];
          PnbtrBackend *ref = pnbtr_backend_new (PNBTR_BACKEND_CPU, &configs[i], err, sizeof err);
          PnbtrBackend *dut = pnbtr_backend_new (kinds[k], &configs[i], err, sizeof err);

          if (dut == NULL || ref == NULL)
            {
              char skip[600];

              snprintf (skip, sizeof skip, "%s%s", required ? "" : "SKIP ", err);
              snprintf (what, sizeof what, "%s: opens", name);
              ok (!required, what, skip);
              pnbtr_backend_free (ref);
              pnbtr_backend_free (dut);
              break;
            }
          if (i == 0)
            printf ("# %s: %s\n", name, pnbtr_backend_get_device (dut));
          for (int in = 0; in <= INPUT_EDGES; in++)
            if (in != INPUT_PIANO || piano != NULL)
              compare (ref, dut, (InputKind) in, streams[i], piano, piano_frames);
          pnbtr_backend_free (ref);
          pnbtr_backend_free (dut);
        }
    }

  /* the automatic choice answers, and names itself */
  {
    PnbtrBackendConfig c = { 8, 64, 32, 1, 1e-5, 1 };
    PnbtrBackendKind kind = PNBTR_BACKEND_AUTO;
    char err[256] = "", detail[300];
    PnbtrBackend *b = pnbtr_backend_new (PNBTR_BACKEND_AUTO, &c, err, sizeof err);

    snprintf (detail, sizeof detail, "%s: %s", b ? pnbtr_backend_get_name (b) : "none",
              b ? pnbtr_backend_get_device (b) : err);
    ok (b != NULL && pnbtr_backend_get_kind (b) != PNBTR_BACKEND_AUTO &&
        pnbtr_backend_get_device (b)[0] != '\0', "auto chooses a working backend", detail);
    pnbtr_backend_free (b);
    c.order = 64;
    b = pnbtr_backend_new (PNBTR_BACKEND_CPU, &c, err, sizeof err);
    ok (b == NULL && strstr (err, "out of range") != NULL, "order above the window is refused", err);
    ok (pnbtr_backend_parse_kind ("opencl", &kind) == 0 && kind == PNBTR_BACKEND_OPENCL &&
        pnbtr_backend_parse_kind ("vulkan", &kind) < 0, "backend names parse", NULL);
  }
  free (piano);
  printf ("1..%d\n", test_number);
  return failures ? 1 : 0;
}
