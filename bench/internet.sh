#!/bin/bash
# bench/internet.sh: what finding paths through NATs costs (jamnet-bench
# internet runs it; docs/internet.md).  In the namespaces of
# tests/jn-netns.sh, two players play for SECONDS on each path:
#   plain    two public players, a player's own session: plain UDP, no ICE
#   direct   two homes behind port-preserving NATs, a room: ICE, srflx pair
#   relayed  the same homes behind symmetric NATs: ICE through coturn
# and it prints, per path, "FIGURE NAME UNIT VALUE" lines: the one-way
# delay's p50 and p99 as the later player measured it, and its setup time,
# estimated as the part of its session that carried no audio (its
# duration less the audio it received, at 128 frames and 48 kHz).
#
# usage: internet.sh JAMNET_CLI JAMNET_SERVER [SECONDS]  (77: cannot run here)
set -u
cli=$1
server=$2
seconds=${3:-10}

skip() { echo "SKIP $1"; exit 77; }
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
. "$(dirname "$0")/../tests/jn-netns.sh"

prefix="jb$$"
dir=$(mktemp -d "${TMPDIR:-/tmp}/jamnet-bench-internet-XXXXXX")
pids=()
trap 'jn_netns_down; rm -rf "$dir"' EXIT INT TERM
jn_netns_up
export LANGUAGE=C XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" JAMNET_PNBTR_BACKEND=off
jn_netns_coturn
jn_netns_server "$server"
[ -n "$fp" ] || { echo "jamnet-server did not start" >&2; cat "$dir/server.log" >&2; exit 1; }

# first ($2) opens or hosts, the second ($4) joins $5 for $seconds
play() {
  local name=$1 first=$2 first_args=$3 second=$4 url=$5 extra=$6
  # shellcheck disable=SC2086
  ip netns exec "$prefix-$first" "$cli" $first_args --name A -q --silence \
    --duration $((seconds + 4)) >"$dir/$name-a.log" 2>&1 &
  local a=$!
  pids+=($a)
  for _ in $(seq 50); do
    grep -q "Joined\|Hosting" "$dir/$name-a.log" && break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  ip netns exec "$prefix-$second" "$cli" join "$url" $extra --name B -q --silence \
    --duration "$seconds" --stats-json "$dir/$name.json" >"$dir/$name-b.log" 2>&1 ||
    { echo "$name: the second player failed" >&2; cat "$dir/$name-b.log" >&2; }
  kill "$a" 2>/dev/null
  wait "$a" 2>/dev/null
  python3 - "$name" "$dir/$name.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
try:
    stats = json.load(open(path))
    peer = stats["peers"][0]
except (OSError, ValueError, KeyError, IndexError):
    print("%s: no stats" % name, file=sys.stderr)
    sys.exit(0)
kind = peer.get("path", {}).get("kind", "?")
audio_s = peer["audio_packets"] * 128 / 48000
print("# %s: path %s, %d audio packets in %.1f s" % (name, kind, peer["audio_packets"],
                                                       stats["duration_s"]))
if peer["audio_packets"] == 0:
    sys.exit(0)
print("FIGURE %s.one_way_ms.p50 ms %.4f" % (name, peer["one_way_ms"]["p50"]))
print("FIGURE %s.one_way_ms.p99 ms %.4f" % (name, peer["one_way_ms"]["p99"]))
print("FIGURE %s.setup_s s %.3f" % (name, max(0.0, stats["duration_s"] - audio_s)))
PY
}

play plain p1 "host --private --bind 203.0.113.21 --port 7430" p2 "203.0.113.21:7430" ""
play direct h1 "join jamnet://203.0.113.1:7420/Direct?fp=$fp --create" h2 \
  "jamnet://203.0.113.1:7420/Direct?fp=$fp" ""
jn_netns_symmetric
play relayed h1 "join jamnet://203.0.113.1:7420/Relayed?fp=$fp --create" h2 \
  "jamnet://203.0.113.1:7420/Relayed?fp=$fp" ""
