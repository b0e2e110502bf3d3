#!/bin/sh
# Runs a command with a private system D-Bus and an Avahi daemon on it
# (DBUS_SYSTEM_BUS_ADDRESS points there, JAMNET_TEST_AVAHI=1).  Exits 77
# (skipped) when Avahi is not installed.
set -u
for tool in avahi-daemon avahi-publish avahi-browse dbus-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed (apt-get install avahi-daemon avahi-utils dbus)"
    exit 77
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/jamnet-avahi-XXXXXX")
bus_pid=
avahi_pid=
cleanup() {
  [ -n "$avahi_pid" ] && kill "$avahi_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
CONF
cat >"$dir/avahi.conf" <<CONF
[server]
use-ipv4=yes
use-ipv6=no
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[publish]
publish-hinfo=no
publish-workstation=no
CONF

dbus-daemon --config-file="$dir/bus.conf" --fork --print-pid=1 >"$dir/bus.pid" || { echo "Bail out! dbus-daemon did not start"; exit 1; }
bus_pid=$(cat "$dir/bus.pid")
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket"
avahi-daemon -f "$dir/avahi.conf" --no-chroot --no-drop-root --no-rlimits >"$dir/avahi.log" 2>&1 &
avahi_pid=$!
i=0
until grep -q "Server startup complete" "$dir/avahi.log"; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$avahi_pid" 2>/dev/null; then
    echo "1..0 # SKIP the Avahi daemon does not start here: $(tail -1 "$dir/avahi.log")"
    exit 77
  fi
  sleep 0.05
done

JAMNET_TEST_AVAHI=1 "$@"
