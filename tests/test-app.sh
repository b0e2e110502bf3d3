#!/bin/sh
# UI test: under Xvfb the app (tests/jn-autopilot.c drives it) lists a
# session hosted by jamnet-cli on loopback, joins it, shows the peer with a
# measured round trip, and its graphs draw.  Screenshots stay in
# $SCREENSHOTS for people to look at.
set -u
app=$1
cli=$2
pipewire_session=${3:-}   # tests/pipewire-session.sh: the demo plays through a real PipeWire
shots=${SCREENSHOTS:-.}
if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "1..0 # SKIP xvfb-run is not installed (apt-get install xvfb xauth)"
  exit 77
fi
mkdir -p "$shots"
work=$(mktemp -d "${TMPDIR:-/tmp}/jamnet-app-XXXXXX")
trap 'kill $host $others 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# other sessions on the LAN, a protected one among them: the app must join
# the one it is told to, and live through a passphrase dialog left open
"$cli" host --port 0 --bind 127.0.0.1 --session "Locked jam" --passphrase "not told" -q --duration 60 \
  >/dev/null 2>&1 &
others=$!
"$cli" host --port 0 --bind 127.0.0.1 --session "Other jam" -q --duration 60 >/dev/null 2>&1 &
others="$others $!"

"$cli" host --port 0 --bind 127.0.0.1 --session "Friday jam" --name Ana -q --duration 60 \
  --chat "Ready when you are" >"$work/host.out" 2>&1 &
host=$!
i=0
until grep -q wss:// "$work/host.out" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "Bail out! the host did not start"; exit 1; }
  sleep 0.05
done

# GTK keeps caches for the life of the process: not leaks to report
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
export GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1
# a GTK critical is a bug: it fails the test
export G_DEBUG=fatal-criticals
# the app's preferences from a key file, as a user's would be (schema from the build)
export GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME="$work/config"
[ -n "${GSETTINGS_SCHEMA_DIR:-}" ] || { echo "Bail out! GSETTINGS_SCHEMA_DIR is not set"; exit 1; }
mkdir -p "$work/config/glib-2.0/settings"
printf "[org/jamnet/JamNet]\ndisplay-name='Zoë Keys'\npnbtr-backend='cpu'\n" \
  >"$work/config/glib-2.0/settings/keyfile"
rm -f "$shots/app-sessions.png" "$shots/app-jam.png" "$shots/app-demo.png"
xvfb-run -a -s "-screen 0 1024x768x24" "$app" --discovery-interface 127.0.0.1 --join-named "Friday jam" \
  --screenshot-sessions "$shots/app-sessions.png" --screenshot-jam "$shots/app-jam.png" \
  --report "$work/report.json" >"$work/app.log" 2>&1
status=$?

# shellcheck disable=SC2086
$pipewire_session xvfb-run -a -s "-screen 0 1024x768x24" "$app" --discovery-interface 127.0.0.1 --demo \
  --screenshot-jam "$shots/app-demo.png" --report "$work/demo.json" \
  --screenshot-peer "$shots/app-demo-graphs.png" --screenshot-preferences "$shots/app-preferences.png" \
  --export-report "$shots/app-demo-report.pdf" >"$work/demo.log" 2>&1
demo_status=$?

echo "1..10"
[ $status -eq 0 ] && echo "ok 1 the app ran and quit" || { echo "not ok 1 the app exited with $status"; cat "$work/app.log"; }
report=$(cat "$work/report.json" 2>/dev/null)
echo "# $report"
case "$report" in
  *'"sessions":0,'*|'') echo "not ok 2 the browser listed the hosted session" ;;
  *) echo "ok 2 the browser listed the hosted session" ;;
esac
first_rtt=$(echo "$report" | sed -n 's/.*"rtt_ms":\([0-9.eE+-]*\).*/\1/p')
if echo "$report" | grep -q '"peers":1,' && [ -n "$first_rtt" ] &&
   awk -v r="$first_rtt" 'BEGIN { exit !(r > 0) }'; then
  echo "ok 3 the jam view shows the peer with a measured RTT"
else
  echo "not ok 3 the jam view shows the peer with a measured RTT"
fi
demo=$(cat "$work/demo.json" 2>/dev/null)
echo "# demo: $demo"
# the emulated network adds 20 ms each way: the round trip is 40 ms or more
rtt=$(echo "$demo" | sed -n 's/.*"rtt_ms":\([0-9]*\)\..*/\1/p')
if [ $demo_status -eq 0 ] && [ -n "$rtt" ] && [ "$rtt" -ge 38 ] && [ "$rtt" -le 200 ] &&
   echo "$demo" | grep -q '"peers":1' &&
   { [ -z "$pipewire_session" ] || echo "$demo" | grep -q '"audio":"pipewire"'; }; then
  echo "ok 4 the demo shows a simulated player about 40 ms away${pipewire_session:+, playing through PipeWire}"
else
  echo "not ok 4 the demo shows a simulated player about 40 ms away"; cat "$work/demo.log"
fi
if [ -s "$shots/app-sessions.png" ] && [ -s "$shots/app-jam.png" ] && [ -s "$shots/app-demo.png" ] &&
   [ -s "$shots/app-demo-graphs.png" ]; then
  echo "ok 5 screenshots of the browser, the jam view, the demo and a player's graphs are in $shots"
else
  echo "not ok 5 screenshots of the browser, the jam view and the demo"; cat "$work/app.log" "$work/demo.log"
fi
# the preferences were used (our name at the host), and the session joined is remembered
if grep -q "Zoë Keys" "$work/host.out" && grep -q "recent-sessions=.*127.0.0.1" "$work/config/glib-2.0/settings/keyfile" &&
   [ -s "$shots/app-preferences.png" ] && [ -s "$shots/app-preferences-devices.png" ]; then
  echo "ok 6 the app joined with the name from its settings and remembered the session"
else
  echo "not ok 6 the app joined with the name from its settings and remembered the session"
  sed 's/^/# /' "$work/host.out" "$work/config/glib-2.0/settings/keyfile"
fi
# Export Report, as the header button does it: a PDF with the demo's graphs
if [ "$(head -c 5 "$shots/app-demo-report.pdf" 2>/dev/null)" = "%PDF-" ] &&
   pdftoppm -png -r 40 -f 1 -l 1 "$shots/app-demo-report.pdf" "$work/report-page" &&
   [ -s "$work/report-page-1.png" ]; then
  echo "ok 7 the demo's session report was exported as a PDF that renders"
else
  echo "not ok 7 the demo's session report was exported as a PDF that renders"; cat "$work/demo.log"
fi
# the demo's node linked itself to the default output (the test session's
# null sink), as the preferences' "System default" asks
if [ -z "$pipewire_session" ]; then
  echo "ok 8 # SKIP no PipeWire session to link in"
elif echo "$demo" | grep -q '"links":"[^"]*Output: jamnet-test-sink'; then
  echo "ok 8 the demo's audio went to the default output by itself"
else
  echo "not ok 8 the demo's audio went to the default output by itself"; cat "$work/demo.log"
fi
# the graphs page draws its lines: pixels of the round trip's line colour
# beyond its legend's swatch (about 140)
pixels=$(echo "$demo" | sed -n 's/.*"graph_pixels":\(-\{0,1\}[0-9]*\).*/\1/p')
if [ -n "$pixels" ] && [ "$pixels" -gt 220 ]; then
  echo "ok 9 the player's graphs page is not blank ($pixels line pixels in the first graph)"
else
  echo "not ok 9 the player's graphs page is not blank (${pixels:-no} line pixels in the first graph)"
fi
# what the CLI host said, in the jam view's chat, by name
if echo "$report" | grep -q '"chat":"Ready when you are"'; then
  echo "ok 10 the CLI host's chat line shows in the jam view"
else
  echo "not ok 10 the CLI host's chat line shows in the jam view"
fi
