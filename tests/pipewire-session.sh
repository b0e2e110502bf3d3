#!/bin/sh
# Runs a command inside a private PipeWire session: its own
# XDG_RUNTIME_DIR, session D-Bus, pipewire and wireplumber, and a null sink
# named jamnet-test-sink.  Exits 77 (skipped) when PipeWire is not
# installed.
set -u
for tool in pipewire wireplumber pw-cli pw-link dbus-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed (apt-get install pipewire wireplumber dbus)"
    exit 77
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/jamnet-pw-XXXXXX")
export XDG_RUNTIME_DIR="$dir"
export PIPEWIRE_RUNTIME_DIR="$dir"
unset PIPEWIRE_REMOTE
bus_pid=
pw_pid=
wp_pid=
cleanup() {
  [ -n "$wp_pid" ] && kill "$wp_pid" 2>/dev/null
  [ -n "$pw_pid" ] && kill "$pw_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

eval "$(dbus-daemon --session --fork --print-address=1 --print-pid=2 \
          --address="unix:path=$dir/bus" 1>"$dir/addr" 2>"$dir/pid"; \
        echo DBUS_SESSION_BUS_ADDRESS="$(cat "$dir/addr")"; echo bus_pid="$(cat "$dir/pid")")"
export DBUS_SESSION_BUS_ADDRESS

pipewire >"$dir/pipewire.log" 2>&1 &
pw_pid=$!
i=0
until [ -S "$dir/pipewire-0" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "Bail out! pipewire did not start"; cat "$dir/pipewire.log"; exit 1; }
  sleep 0.05
done
wireplumber >"$dir/wireplumber.log" 2>&1 &
wp_pid=$!

pw-cli create-node adapter '{ factory.name=support.null-audio-sink node.name=jamnet-test-sink
  media.class=Audio/Sink object.linger=true audio.position=[ MONO ] audio.rate=48000 }' >/dev/null
i=0
until pw-cli ls Node 2>/dev/null | grep -q jamnet-test-sink; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "Bail out! the null sink did not appear"; exit 1; }
  sleep 0.05
done

"$@"
