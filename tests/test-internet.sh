#!/bin/bash
# A small internet in network namespaces (docs/server.md): an "inet"
# namespace holding a jamnet-server on 203.0.113.1, and two homes, each
# behind a router namespace that masquerades with nftables (a real NAT,
# with conntrack).  Players at home open and join a room by name through
# their NATs, as they would from two cities.  A coturn on the inet side
# is the STUN server the rooms name: ICE finds the homes' public
# addresses with it and punches through both NATs.
#
# usage: test-internet.sh JAMNET_CLI JAMNET_SERVER   (TAP; exits 77 where
# network namespaces or nftables are not there)
set -u
cli=$1
server=$2

skip() { echo "1..0 # SKIP $1"; exit 77; }
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
command -v nft >/dev/null 2>&1 || skip "nft is not installed (apt-get install nftables)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v turnserver >/dev/null 2>&1 || skip "turnserver is not installed (apt-get install coturn)"

prefix="jn$$"
dir=$(mktemp -d "${TMPDIR:-/tmp}/jamnet-internet-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for n in inet r1 r2 h1 h2; do ip netns del "$prefix-$n" 2>/dev/null; done
  [ -n "${KEEP_DIR:-}" ] || rm -rf "$dir"   # KEEP_DIR=1: the logs stay
}
trap cleanup EXIT INT TERM
ip netns add "$prefix-probe" 2>/dev/null || skip "network namespaces are not permitted here (needs root)"
ip netns del "$prefix-probe"

in_ns() { local ns=$1; shift; ip netns exec "$prefix-$ns" "$@"; }

# inet: a bridge the routers' WAN ends hang on; home i: 10.i.0.2 behind
# router i (203.0.113.1i), which masquerades what leaves by its WAN and,
# as home routers do, drops what comes in unasked (a packet dropped there
# leaves no conntrack entry that would make the router remap a port)
for n in inet r1 r2 h1 h2; do
  ip netns add "$prefix-$n" && ip -n "$prefix-$n" link set lo up || skip "cannot make namespaces"
done
ip -n "$prefix-inet" link add br0 type bridge
ip -n "$prefix-inet" link set br0 up
ip -n "$prefix-inet" addr add 203.0.113.1/24 dev br0
for i in 1 2; do
  ip link add "$prefix-w$i" type veth peer name wan netns "$prefix-r$i"
  ip link set "$prefix-w$i" netns "$prefix-inet"
  ip -n "$prefix-inet" link set "$prefix-w$i" master br0 up
  ip -n "$prefix-r$i" addr add "203.0.113.1$i/24" dev wan
  ip -n "$prefix-r$i" link set wan up
  ip link add "$prefix-l$i" type veth peer name eth0 netns "$prefix-h$i"
  ip link set "$prefix-l$i" netns "$prefix-r$i"
  ip -n "$prefix-r$i" link set "$prefix-l$i" name lan
  ip -n "$prefix-r$i" addr add "10.$i.0.1/24" dev lan
  ip -n "$prefix-r$i" link set lan up
  ip -n "$prefix-h$i" addr add "10.$i.0.2/24" dev eth0
  ip -n "$prefix-h$i" link set eth0 up
  ip -n "$prefix-h$i" route add default via "10.$i.0.1"
  in_ns "r$i" sysctl -qw net.ipv4.ip_forward=1
  in_ns "r$i" nft -f - <<NFT || skip "nftables cannot masquerade here"
table ip nat {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "wan" masquerade; }
}
table ip firewall {
  chain input { type filter hook input priority filter; iifname "wan" ct state new drop; }
  chain forward { type filter hook forward priority filter; iifname "wan" ct state new drop; }
}
NFT
done

export LANGUAGE=C XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" JAMNET_PNBTR_BACKEND=cpu
echo "1..8"

# coturn: STUN for everyone, TURN for those who hold credentials derived
# from the secret it shares with the jamnet-server (use-auth-secret)
secret="jamnet-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
printf '%s\n' "$secret" >"$dir/turn-secret"
ip netns exec "$prefix-inet" turnserver -n --listening-ip 203.0.113.1 --listening-port 3478 \
  --relay-ip 203.0.113.1 --min-port 49152 --max-port 49999 --use-auth-secret \
  --static-auth-secret "$secret" --realm jamnet.test --fingerprint --no-cli --no-tls --no-dtls \
  --no-multicast-peers --denied-peer-ip=10.0.0.0-10.255.255.255 \
  --denied-peer-ip=172.16.0.0-172.31.255.255 --denied-peer-ip=192.168.0.0-192.168.255.255 \
  --simple-log --log-file stdout -v --pidfile "$dir/turn.pid" >"$dir/turn.log" 2>&1 &
pids+=($!)

# not through in_ns: $! must be the server itself (ip netns exec execs
# it), not a subshell that a kill would leave it behind
ip netns exec "$prefix-inet" "$server" --listen 203.0.113.1 --port 7420 --name "Test internet" \
  --stun 203.0.113.1:3478 --turn 203.0.113.1:3478 --turn-secret-file "$dir/turn-secret" \
  >"$dir/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  grep -q "listening" "$dir/server.log" && break
  sleep 0.1
done
fp=$(sed -n 's/.*certificate \([A-Za-z0-9_-]*\).*/\1/p' "$dir/server.log")
if [ -n "$fp" ]; then echo "ok 1 - the server runs on the internet"; else
  echo "not ok 1 - the server did not start"; cat "$dir/server.log" | sed 's/^/# /'; exit 1; fi
link="jamnet://203.0.113.1:7420/Two%20Cities?fp=$fp"

# home 1 opens the room, home 2 joins it by the same link
ip netns exec "$prefix-h1" "$cli" join "$link" --create --name Ana -q --silence --duration 6 \
  --stats-json "$dir/h1.json" >"$dir/h1.log" 2>&1 &
h1=$!
pids+=($h1)
for _ in $(seq 50); do
  grep -q "Joined" "$dir/h1.log" && break
  sleep 0.1
done
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo -q --silence --duration 3 \
  --stats-json "$dir/h2.json" >"$dir/h2.log" 2>&1 &
h2=$!
sleep 1.5
in_ns h2 "$cli" rooms "203.0.113.1:7420/?fp=$fp" >"$dir/rooms.log" 2>&1
wait "$h2"
h2_status=$?
wait "$h1"
h1_status=$?

if [ "$h1_status" = 0 ] && [ "$h2_status" = 0 ] && grep -q 'Joined “Two Cities” as peer 2' "$dir/h1.log" &&
   grep -q 'Joined “Two Cities” as peer 3' "$dir/h2.log"; then
  echo "ok 2 - both homes joined the room by name through their NATs"
else
  echo "not ok 2 - the homes did not both join (status $h1_status, $h2_status)"
  sed 's/^/# h1: /' "$dir/h1.log"; sed 's/^/# h2: /' "$dir/h2.log"
fi
if grep -q "Two Cities — 2/8 players" "$dir/rooms.log"; then
  echo "ok 3 - the room list seen from a home shows both players"
else
  echo "not ok 3 - the room list does not show the room with 2 players"
  sed 's/^/# /' "$dir/rooms.log"
fi
# each saw the other in its roster (its stats name it)
if python3 - "$dir/h1.json" "$dir/h2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
names = lambda d: sorted(p["name"] for p in d["peers"])
sys.exit(0 if names(a) == ["Bo"] and names(b) == ["Ana"] else 1)
PY
then
  echo "ok 4 - each home saw the other in the room's roster"
else
  echo "not ok 4 - the rosters do not name the other home"
fi
# both homes' stats: audio both ways, on a path of the kind expected
check_path() {
  python3 - "$1" "$dir/$2.json" "$dir/$3.json" <<'PY'
import json, sys
kind, ok = sys.argv[1], True
for path in sys.argv[2:4]:
    peers = json.load(open(path))["peers"]
    p = peers[0] if peers else {}
    link = p.get("path", {})
    print("# %s: %d audio packets, rtt p50 %.2f ms, path %s, %s %s <-> %s %s" % (
        path.split("/")[-1], p.get("audio_packets", 0), p.get("rtt_ms", {}).get("p50", 0),
        link.get("kind"), link.get("local_type"), link.get("local_address"),
        link.get("remote_type"), link.get("remote_address")))
    ok = ok and p.get("audio_packets", 0) > 100 and link.get("kind") == kind
sys.exit(0 if ok else 1)
PY
}

# ICE punched through both NATs: audio both ways, on a pair of
# server-reflexive (or peer-reflexive) addresses on the routers
if check_path nat h1 h2; then
  echo "ok 5 - audio crosses both NATs, on the path ICE found with STUN"
else
  echo "not ok 5 - no audio across the NATs by ICE"
  sed 's/^/# h1: /' "$dir/h1.log"; sed 's/^/# h2: /' "$dir/h2.log"; sed 's/^/# turn: /' "$dir/turn.log" | tail -5
fi

# Now both routers give every destination a port of its own (symmetric
# NAT): no direct pair works, and the relay carries the audio.
for i in 1 2; do
  in_ns "r$i" nft flush table ip nat
  in_ns "r$i" nft add rule ip nat postrouting oifname "wan" masquerade random,fully-random
done
link="jamnet://203.0.113.1:7420/Far%20Apart?fp=$fp"
ip netns exec "$prefix-h1" "$cli" join "$link" --create --name Ana -q --silence --duration 6 \
  --stats-json "$dir/h1r.json" >"$dir/h1r.log" 2>&1 &
h1=$!
pids+=($h1)
for _ in $(seq 50); do
  grep -q "Joined" "$dir/h1r.log" && break
  sleep 0.1
done
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo -q --silence --duration 4 \
  --stats-json "$dir/h2r.json" --report "$dir/h2r-report.json" >"$dir/h2r.log" 2>&1
h2_status=$?
wait "$h1"
h1_status=$?
if [ "$h1_status" = 0 ] && [ "$h2_status" = 0 ]; then
  echo "ok 6 - both homes joined a second room behind symmetric NATs"
else
  echo "not ok 6 - the homes did not both join behind symmetric NATs ($h1_status, $h2_status)"
fi
if check_path relayed h1r h2r && grep -q '"path to peer 2" *: *"relayed: relay 203.0.113.1:' "$dir/h2r-report.json"; then
  echo "ok 7 - behind symmetric NATs audio takes the TURN relay, with credentials from the room; the report names the path"
else
  echo "not ok 7 - no audio through the relay"
  sed "s/^/# turn: /" "$dir/turn.log" | grep -v "IO method" | tail -60
fi
# The same two homes, each with a TURN login of its own that the relay
# refuses: no path at all, and each says so of the other.
link="jamnet://203.0.113.1:7420/No%20Way?fp=$fp"
ip netns exec "$prefix-h1" "$cli" join "$link" --create --name Ana -q --silence --duration 7 \
  --turn "ana:wrong@203.0.113.1:3478" --stats-json "$dir/h1u.json" >"$dir/h1u.log" 2>&1 &
h1=$!
pids+=($h1)
for _ in $(seq 50); do
  grep -q "Joined" "$dir/h1u.log" && break
  sleep 0.1
done
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo --silence --duration 6 \
  --turn "bo:wrong@203.0.113.1:3478" --stats-json "$dir/h2u.json" >"$dir/h2u.log" 2>&1
wait "$h1"
if python3 - "$dir/h1u.json" "$dir/h2u.json" <<'PY' && grep -q "path: unreachable" "$dir/h2u.log"
import json, sys
kinds = [json.load(open(p))["peers"][0]["path"]["kind"] for p in sys.argv[1:3]]
print("# paths: %s" % kinds)
sys.exit(0 if kinds == ["unreachable", "unreachable"] else 1)
PY
then
  echo "ok 8 - without a relay behind symmetric NATs each player is told the other is unreachable"
  grep -m1 "path: unreachable" "$dir/h2u.log" | sed 's/^/# first said: /' 
else
  echo "not ok 8 - an unreachable peer is not reported as such"
  grep -i "gathering\|STATE-CHANGE\|failed comp\|relay\|turn" "$dir/h2u.log" | cut -c1-200 | sed "s/^/# h2: /" | tail -30
fi

# what the players warned of, for the log
grep -h "WARNING\|CRITICAL" "$dir"/h*.log | sed 's/^/# /'
exit 0
