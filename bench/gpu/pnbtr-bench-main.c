/* pnbtr-bench-main.c: bench/gpu/pnbtr-bench, `jamnet-bench pnbtr` without GLib
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pnbtr-bench.h"

int
main (int argc, char **argv)
{
  return pnbtr_bench_main (argc, argv);
}
