#!/bin/sh
# gtk4-builder-tool validate on every .ui file (TAP).  It needs a display
# (without one it crashes on Debian 12), so it runs under Xvfb.
set -u
if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v gtk4-builder-tool >/dev/null 2>&1; then
  echo "1..0 # SKIP xvfb-run or gtk4-builder-tool is not installed"
  exit 77
fi
n=0
failed=0
for ui in "$@"; do
  n=$((n + 1))
  if out=$(GDK_BACKEND=x11 NO_AT_BRIDGE=1 xvfb-run -a gtk4-builder-tool validate "$ui" 2>&1); then
    echo "ok $n - $(basename "$ui") is valid"
  else
    echo "not ok $n - $(basename "$ui")"
    echo "$out" | grep -v "session bus" | sed 's/^/# /'
    failed=1
  fi
done
echo "1..$n"
exit $failed
