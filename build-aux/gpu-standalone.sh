#!/bin/sh
# Builds the PNBTR backends, their test and the benchmark with nothing but
# a C compiler, nvcc (for CUDA) and OpenCL headers (for OpenCL): for a GPU
# machine without meson, GLib or Debian packages.  With meson there, prefer
#   meson setup build -Dcore=disabled && ninja -C build && meson test -C build
#
#   build-aux/gpu-standalone.sh [OUTDIR]     (from the repository root)
#   OUTDIR/test-backends tests/data/piano.wav
#   OUTDIR/pnbtr-bench --backend cuda
set -eu

out=${1:-_build-gpu}
cc=${CC:-cc}
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
cuda_root=$(dirname "$(dirname "$nvcc")")
mkdir -p "$out"

cflags="-std=c11 -O3 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc/pnbtr -Igpu -Ibench -Ibench/gpu"
defs="-DJN_BENCH_TARGETS_FILE=\"$(pwd)/bench/targets.tsv\""
objs=""
libs="-lm -lpthread"

for f in src/pnbtr/pnbtr.c src/pnbtr/pnbtr-dsp.c gpu/pnbtr-backend.c bench/gpu/pnbtr-bench.c bench/jn-bench-util.c bench/jn-targets.c; do
  o="$out/$(basename "$f" .c).o"
  # libpnbtr's vector loops want fused multiply-adds, as in meson
  case $f in src/pnbtr/*) extra=-ffp-contract=fast ;; *) extra= ;; esac
  # shellcheck disable=SC2086
  $cc $cflags $extra $defs -c "$f" -o "$o"
  objs="$objs $o"
done

if [ -x "$nvcc" ]; then
  echo "CUDA: $nvcc"
  "$nvcc" -c -O3 -std=c++17 -Xcompiler -fPIC -Isrc/pnbtr -Igpu \
    -gencode arch=compute_90,code=sm_90 -gencode arch=compute_75,code=compute_75 \
    gpu/cuda/pnbtr-backend-cuda.cu -o "$out/pnbtr-backend-cuda.o"
  objs="$objs $out/pnbtr-backend-cuda.o"
  cflags="$cflags -DPNBTR_HAVE_CUDA=1"
  libs="$libs -L$cuda_root/lib64 -lcudart_static -lstdc++ -ldl -lrt -lpthread"
else
  echo "CUDA: no nvcc, left out"
fi

if echo '#include <CL/cl.h>' | $cc -E - >/dev/null 2>&1; then
  echo "OpenCL: headers found"
  { echo 'static const char pnbtr_cl_source[] ='
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$/\\n"/' gpu/opencl/pnbtr.cl
    echo ';'; } > "$out/pnbtr-cl-source.h"
  # shellcheck disable=SC2086
  $cc $cflags -I"$out" -c gpu/opencl/pnbtr-backend-opencl.c -o "$out/pnbtr-backend-opencl.o"
  objs="$objs $out/pnbtr-backend-opencl.o"
  cflags="$cflags -DPNBTR_HAVE_OPENCL=1"
  libs="$libs -lOpenCL"
else
  echo "OpenCL: no CL/cl.h, left out"
fi

# the dispatcher knows which backends are in: build it again with the flags
# shellcheck disable=SC2086
$cc $cflags -c gpu/pnbtr-backend.c -o "$out/pnbtr-backend.o"
# shellcheck disable=SC2086
$cc $cflags gpu/test-backends.c $objs $libs -o "$out/test-backends"
# shellcheck disable=SC2086
$cc $cflags bench/gpu/pnbtr-bench-main.c $objs $libs -o "$out/pnbtr-bench"
echo "built $out/test-backends and $out/pnbtr-bench"
