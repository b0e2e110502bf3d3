#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for JamNet, builds it, and then either
# runs it or runs the whole test suite.
#
#   build-aux/jamnet.sh run          install, build, start the app's demo (on a
#                                    display), else jamnet-cli demo (headless)
#   build-aux/jamnet.sh run ARGS     the same, then jamnet-cli ARGS
#   build-aux/jamnet.sh test         install, build, run every test, then again
#                                    under AddressSanitizer + UBSan
#   build-aux/jamnet.sh build        install and build only
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  mapfile -t pkgs < <(grep -v '^#' build-aux/debian-packages.txt | grep -v '^$')
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

build() {
  install_deps
  echo "==> building in _build"
  configure _build
  ninja -C _build
}

passed=0
failed=0
failures=""
run_suite() {
  local dir=$1 log
  log=$(mktemp)
  set +e
  meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  passed=$((passed + $(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)))
  failed=$((failed + $(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)))
  failed=$((failed + $(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)))
  # which ones, again at the very end, where a CI log's tail shows it
  failures+=$(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|INTERRUPT|ERROR) ' "$log" | sed "s|^|$dir: |" || true)
  failures+=$'\n'
  rm -f "$log"
  return "$rc"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case "$cmd" in
  build)
    build
    ;;
  run)
    build
    export JAMNET_LOCALEDIR="$top/_build/po"
    if [ $# -eq 0 ] && [ -x _build/src/app/jamnet ] && [ -n "${WAYLAND_DISPLAY:-}${DISPLAY:-}" ]; then
      echo "==> the JamNet app, hosting a demo session with a simulated player"
      export GSETTINGS_SCHEMA_DIR="$top/_build/data"
      exec ./_build/src/app/jamnet --demo
    fi
    echo "==> jamnet-cli ${*:-demo}  (Ctrl+C ends it)"
    if [ $# -eq 0 ]; then set -- demo; fi
    exec ./_build/src/cli/jamnet-cli "$@"
    ;;
  test)
    build
    rc=0
    echo "==> tests"
    run_suite _build || rc=1
    echo "==> tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    configure _build-asan -Db_sanitize=address,undefined -Db_lundef=false
    ninja -C _build-asan
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    # use_sigaltstack=0: PoCL (the OpenCL tests' CPU device) swaps the
    # alternate signal stack of threads that run kernels, and ASan then
    # fails to unmap its own when such a thread exits
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:use_sigaltstack=0
    export LSAN_OPTIONS="suppressions=$PWD/build-aux/lsan.supp"
    run_suite _build-asan || rc=1
    if [ "$failed" -gt 0 ]; then
      echo "==> failed:"
      printf '%s' "$failures" | grep -v '^$' || true
      # the failing tests' own words, from the plain build's log first
      for d in _build _build-asan; do
        [ -f "$d/meson-logs/testlog.json" ] || continue
        python3 - "$d/meson-logs/testlog.json" <<'PY' || true
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
        print("==> %s (%s), the last of its output:" % (t["name"], t["result"]))
        print("\n".join(t.get("stdout", "").splitlines()[-25:]))
PY
      done
    fi
    echo "tests: $passed passed, $failed failed"
    exit "$rc"
    ;;
  *)
    echo "usage: $0 run [ARGS] | test | build" >&2
    exit 2
    ;;
esac
