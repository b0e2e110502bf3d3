#!/bin/bash
# A small internet in network namespaces (jn-netns.sh, docs/internet.md):
# a jamnet-server on 203.0.113.1, and homes, each behind a router
# namespace that masquerades with nftables (a real NAT, with conntrack).  Players at home open and join a room by name through
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
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
. "$(dirname "$0")/jn-netns.sh"

prefix="jn$$"
dir=$(mktemp -d "${TMPDIR:-/tmp}/jamnet-internet-XXXXXX")
pids=()
cleanup() {
  jn_netns_down
  [ -n "${KEEP_DIR:-}" ] || rm -rf "$dir"   # KEEP_DIR=1: the logs stay
}
trap cleanup EXIT INT TERM
jn_netns_up

export LANGUAGE=C XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" JAMNET_PNBTR_BACKEND=cpu
echo "1..14"
piano="$(cd "$(dirname "$0")" && pwd)/data/piano.wav"

# Ana at home 1 opens $link's room: LOG ARGS...; waits until she is in
# and leaves her pid in h1
open_room() {
  local log=$1
  shift
  ip netns exec "$prefix-h1" "$cli" join "$link" --create --name Ana "$@" >"$dir/$log.log" 2>&1 &
  h1=$!
  pids+=($h1)
  for _ in $(seq 50); do
    grep -q "Joined" "$dir/$log.log" && break
    sleep 0.1
  done
}
n=0
result() { n=$((n + 1)); echo "$1 $n - $2"; }
# home 2's router drops everything it would forward
cut_home2() {
  in_ns r2 nft -f - <<'NFT'
table ip cut {
  chain forward { type filter hook forward priority -10; policy drop; }
}
NFT
}
jn_netns_coturn
jn_netns_server "$server"
if [ -n "$fp" ]; then result ok "the server runs on the internet"; else
  result "not ok" "the server did not start"; cat "$dir/server.log" | sed 's/^/# /'; exit 1; fi
link="jamnet://203.0.113.1:7420/Two%20Cities?fp=$fp"

# home 1 opens the room, home 2 joins it by the same link
open_room h1 -q --input "$piano" --duration 6 \
  --midi-test 40 --midi-interval 25 --metronome-log "$dir/h1.beats" \
  --stats-json "$dir/h1.json"
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo -q --silence --duration 3 \
  --stats-json "$dir/h2.json" --record-midi "$dir/h2.jmid" --metronome-log "$dir/h2.beats" \
  --record "$dir/h2" \
  >"$dir/h2.log" 2>&1 &
h2=$!
sleep 1.5
in_ns h2 "$cli" rooms "203.0.113.1:7420/?fp=$fp" >"$dir/rooms.log" 2>&1
wait "$h2"
h2_status=$?
wait "$h1"
h1_status=$?

if [ "$h1_status" = 0 ] && [ "$h2_status" = 0 ] && grep -q 'Joined “Two Cities” as peer 2' "$dir/h1.log" &&
   grep -q 'Joined “Two Cities” as peer 3' "$dir/h2.log"; then
  result ok "both homes joined the room by name through their NATs"
else
  result "not ok" "the homes did not both join (status $h1_status, $h2_status)"
  sed 's/^/# h1: /' "$dir/h1.log"; sed 's/^/# h2: /' "$dir/h2.log"
fi
if grep -q "Two Cities — 2/8 players" "$dir/rooms.log"; then
  result ok "the room list seen from a home shows both players"
else
  result "not ok" "the room list does not show the room with 2 players"
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
  result ok "each home saw the other in the room's roster"
else
  result "not ok" "the rosters do not name the other home"
fi
# both homes' stats: audio both ways, on a path of the kind expected
check_path() {
  python3 - "$1" "$dir/$2.json" "$dir/$3.json" "$dir/$3.jmid" "$piano" <<'PY'
import json, os, sys
kind, ok = sys.argv[1], True
for path in sys.argv[2:4]:
    peers = json.load(open(path))["peers"]
    p = peers[0] if peers else {}
    link = p.get("path", {})
    print("# %s: %d audio packets, %d lost, rtt p50 %.2f ms, path %s, %s %s <-> %s %s" % (
        path.split("/")[-1], p.get("audio_packets", 0), p.get("lost", -1),
        p.get("rtt_ms", {}).get("p50", 0), link.get("kind"), link.get("local_type"),
        link.get("local_address"), link.get("remote_type"), link.get("remote_address")))
    ok = ok and p.get("audio_packets", 0) > 100 and p.get("lost", -1) == 0 and link.get("kind") == kind
# the later player's recording of the first, when it sent the piano:
# every period played from a packet exactly as sent.  On a loaded machine
# packets can come late (dropped, concealed) and the jitter buffer may
# stretch (a concealed period put in) or compress (two packets crossfaded
# into one): those periods alone may differ, and at most 1 in 20; and a
# player's last period fades out when it leaves.
peer = json.load(open(sys.argv[3]))["peers"][0]
if peer.get("record_file"):
    import wave, array
    def samples(path):
        w = wave.open(path)
        data = array.array("h", w.readframes(w.getnframes()))
        return data
    got, sent = samples(peer["record_file"]), samples(sys.argv[5])
    F = 128
    ptr, matched, other = peer["playout_first_seq"], 0, 0
    for r in range(len(got) // F):
        if (ptr + 1) * F > len(sent):
            break
        period = got[r * F:(r + 1) * F]
        for k in range(64):
            if sent[(ptr + k) * F:(ptr + k + 1) * F] == period:
                ptr, matched = ptr + k + 1, matched + 1
                break
        else:
            other += 1
    # (and the last period, faded out, when the player left first)
    allowed = peer["concealed"] + peer["compressed"] + (1 if peer.get("departed") else 0)
    print("# recording: %d periods exactly as sent, %d others (%d concealed, %d compressed)"
          % (matched, other, peer["concealed"], peer["compressed"]))
    ok = ok and matched * F >= 48000 and other <= allowed and allowed * 20 <= matched + other
# the later player's MIDI from the first, when it sent some: all of it
if os.path.exists(sys.argv[4]):
    notes = sum(1 for l in open(sys.argv[4]) if l.strip())
    print("# MIDI received %d of 40" % notes)
    ok = ok and notes == 40
sys.exit(0 if ok else 1)
PY
}

# ICE punched through both NATs: audio both ways, on a pair of
# server-reflexive (or peer-reflexive) addresses on the routers
if check_path nat h1 h2; then
  result ok "audio crosses both NATs on the path ICE found with STUN, sample-exact; MIDI complete"
else
  result "not ok" "no audio across the NATs by ICE"
  sed 's/^/# h1: /' "$dir/h1.log"; sed 's/^/# h2: /' "$dir/h2.log"; sed 's/^/# turn: /' "$dir/turn.log" | tail -5
fi

# The room has no host player: both click on the oldest member's beat
# grid, at the same moment (one machine, one monotonic clock: a beat's
# local time must agree to well under a millisecond)
if python3 - "$dir/h1.beats" "$dir/h2.beats" <<'PY'
import json, sys
a, b = ({json.loads(l)["beat_us"]: json.loads(l)["local_us"] for l in open(p) if l.strip()}
        for p in sys.argv[1:3])
common = [k for k in b if k in a]
worst = max((abs(a[k] - b[k]) for k in common), default=None)
print("# beats both clicked: %d, worst disagreement %s us" % (len(common), worst))
sys.exit(0 if len(common) >= 3 and worst < 1000 else 1)
PY
then
  result ok "the room's metronome clicks together for both homes, on the oldest member's grid"
else
  result "not ok" "the room's metronome does not click together"
fi

# Now both routers give every destination a port of its own (symmetric
# NAT): no direct pair works, and the relay carries the audio.
jn_netns_symmetric
link="jamnet://203.0.113.1:7420/Far%20Apart?fp=$fp"
open_room h1r -q --input "$piano" --duration 6 \
  --midi-test 40 --midi-interval 25 --stats-json "$dir/h1r.json"
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo -q --silence --duration 4 \
  --stats-json "$dir/h2r.json" --record-midi "$dir/h2r.jmid" --report "$dir/h2r-report.json" \
  --record "$dir/h2r" \
  >"$dir/h2r.log" 2>&1
h2_status=$?
wait "$h1"
h1_status=$?
if [ "$h1_status" = 0 ] && [ "$h2_status" = 0 ]; then
  result ok "both homes joined a second room behind symmetric NATs"
else
  result "not ok" "the homes did not both join behind symmetric NATs ($h1_status, $h2_status)"
fi
# (either end's candidate may be the relay's: ICE picks the pair)
if check_path relayed h1r h2r && grep -Eq '"path to peer 2" *: *"relayed: [^"]*relay 203\.0\.113\.1:' "$dir/h2r-report.json"; then
  result ok "behind symmetric NATs audio takes the TURN relay, sample-exact, with credentials from the room; the report names the path"
else
  result "not ok" "no audio through the relay"
  sed "s/^/# turn: /" "$dir/turn.log" | grep -v "IO method" | tail -60
fi
# The same two homes, each with a TURN login of its own that the relay
# refuses: no path at all, and each says so of the other; MIDI still
# goes, through the room.
link="jamnet://203.0.113.1:7420/No%20Way?fp=$fp"
open_room h1u -q --silence --duration 7 \
  --midi-test 40 --midi-interval 25 \
  --turn "ana:wrong@203.0.113.1:3478" --stats-json "$dir/h1u.json"
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo --silence --duration 6 \
  --turn "bo:wrong@203.0.113.1:3478" --stats-json "$dir/h2u.json" --record-midi "$dir/h2u.jmid" \
  >"$dir/h2u.log" 2>&1
wait "$h1"
check_unreachable() {
  python3 - "$dir/$1.json" "$dir/$2.json" "$dir/$2.jmid" <<'PY' && grep -q "path: no audio" "$dir/$2.log"
import json, sys
kinds = [json.load(open(p))["peers"][0]["path"]["kind"] for p in sys.argv[1:3]]
peer = json.load(open(sys.argv[2]))["peers"][0]
notes = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
print("# paths: %s; MIDI received %d of 40 (%d over the room's control plane), %d audio packets"
      % (kinds, len(notes), peer["midi_over_control"], peer["audio_packets"]))
sys.exit(0 if kinds == ["unreachable", "unreachable"] and len(notes) == 40 and
         peer["midi_over_control"] == 40 and peer["audio_packets"] == 0 else 1)
PY
}
if check_unreachable h1u h2u; then
  result ok "with no path behind symmetric NATs each player is told so, and MIDI goes through the room"
  grep -m1 "path: no audio" "$dir/h2u.log" | sed 's/^/# first said: /' 
else
  result "not ok" "an unreachable peer is not reported as such, or its MIDI is lost"
  grep -i "gathering\|STATE-CHANGE\|failed comp\|relay\|turn" "$dir/h2u.log" | cut -c1-200 | sed "s/^/# h2: /" | tail -30
fi

# Two players on home 1's LAN join a room on the internet: ICE finds
# their own addresses work, and the audio stays on the LAN (the same-LAN
# shortcut, with no configuration).
link="jamnet://203.0.113.1:7420/Next%20Door?fp=$fp"
open_room h1l -q --silence --duration 5 \
  --stats-json "$dir/h1l.json"
ip netns exec "$prefix-h3" "$cli" join "$link" --name Cy -q --silence --duration 3 \
  --stats-json "$dir/h3l.json" >"$dir/h3l.log" 2>&1
wait "$h1"
if check_path direct h1l h3l && grep -q '"remote_address" *: *"\(10.1.0.3:\|\[fe80:\)' "$dir/h1l.json"; then
  result ok "two players on one LAN, joined through the internet, play over the LAN"
else
  result "not ok" "players on one LAN do not take the LAN"
fi

# Home 2's router drops everything mid-session: the room and home 1 see
# that player leave within the room's silence limit (7 s), and home 2 is
# told it lost contact.
link="jamnet://203.0.113.1:7420/Cut%20Off?fp=$fp"
open_room h1c --silence --duration 20
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo --silence --duration 20 \
  >"$dir/h2c.log" 2>&1 &
h2=$!
pids+=($h2)
sleep 2
cut_home2
cut=$(date +%s%N)
left=""
silent=""
for _ in $(seq 150); do
  if [ -z "$silent" ] && grep -q "Bo  *not heard from for" "$dir/h1c.log"; then silent=$(date +%s%N); fi
  if grep -q "Peer 3 left" "$dir/h1c.log"; then left=$(date +%s%N); break; fi
  sleep 0.1
done
for _ in $(seq 50); do
  grep -q "Lost contact" "$dir/h2c.log" && break
  sleep 0.1
done
kill "$h1" "$h2" 2>/dev/null
wait "$h1" "$h2" 2>/dev/null
if [ -n "$left" ] && [ -n "$silent" ] && [ $(( (left - cut) / 1000000 )) -le 9500 ] &&
   [ $(( (silent - cut) / 1000000 )) -le 4500 ] && grep -q "Lost contact" "$dir/h2c.log"; then
  result ok "a player cut off mid-session is 'not heard from' after $(( (silent - cut) / 1000000 )) ms and leaves the others' session in $(( (left - cut) / 1000000 )) ms"
else
  result "not ok" "a player cut off mid-session was not seen to leave in time"
  sed 's/^/# h1: /' "$dir/h1c.log" | grep -v "rtt\|PNBTR" | tail -5
  sed 's/^/# h2: /' "$dir/h2c.log" | grep -v "rtt\|PNBTR" | tail -5
fi

# Home 2's router drops everything for 4 s, then lets it through again:
# within the room's silence limit, so the player is "not heard from" for
# a while and then plays on, in its place, with nobody rejoining.
in_ns r2 nft delete table ip cut 2>/dev/null
link="jamnet://203.0.113.1:7420/Blip?fp=$fp"
open_room h1b --silence --duration 16
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo --silence --duration 16 \
  >"$dir/h2b.log" 2>&1 &
h2=$!
pids+=($h2)
sleep 3
cut_home2
sleep 4
in_ns r2 nft delete table ip cut
sleep 4
kill "$h1" "$h2" 2>/dev/null
wait "$h1" "$h2" 2>/dev/null
if grep -q "Bo  *not heard from for" "$dir/h1b.log" && ! grep -q "Peer 3 left" "$dir/h1b.log" &&
   ! grep -q "Lost contact" "$dir/h2b.log" && tail -n 3 "$dir/h1b.log" | grep -q "Bo  *rtt"; then
  result ok "a player cut off for 4 s is 'not heard from', then plays on in its place"
else
  result "not ok" "a player cut off for 4 s did not come back in its place"
  sed 's/^/# h1: /' "$dir/h1b.log" | grep -v "PNBTR" | tail -8
  sed 's/^/# h2: /' "$dir/h2b.log" | grep -v "PNBTR" | tail -5
fi

# Home 2's router lets no UDP through at all (TCP passes): no STUN, no
# TURN, no checks.  MIDI and the control plane still flow, and the
# players are told why there is no audio.
for i in 1 2; do in_ns "r$i" nft delete table ip cut 2>/dev/null; done
in_ns r2 nft -f - <<'NFT'
table ip noudp {
  chain forward { type filter hook forward priority -10; meta l4proto udp drop; }
}
NFT
link="jamnet://203.0.113.1:7420/No%20UDP?fp=$fp"
open_room h1n -q --silence --duration 7 \
  --midi-test 40 --midi-interval 25 --stats-json "$dir/h1n.json"
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo --silence --duration 6 \
  --stats-json "$dir/h2n.json" --record-midi "$dir/h2n.jmid" >"$dir/h2n.log" 2>&1
wait "$h1"
if check_unreachable h1n h2n; then
  result ok "with UDP blocked at one router MIDI and control flow over the WebSocket, and no audio is explained"
else
  result "not ok" "with UDP blocked MIDI does not arrive or no audio is not explained"
  grep -v "rtt\|PNBTR" "$dir/h2n.log" | tail -5 | sed 's/^/# h2: /'
fi

# A forward room on a second server: each home sends one stream, to the
# server, which sends it on; behind the symmetric NATs still in place no
# ICE and no TURN are needed, the routers' own mappings carry the replies.
in_ns r2 nft delete table ip noudp
printf '[server]\nmedia = forward\n' >"$dir/forward.conf"
jn_netns_server "$server" 7421 server-forward --config "$dir/forward.conf"
link="jamnet://203.0.113.1:7421/Through%20Us?fp=$fp"
open_room h1f -q --input "$piano" --duration 6 \
  --midi-test 40 --midi-interval 25 --stats-json "$dir/h1f.json"
ip netns exec "$prefix-h2" "$cli" join "$link" --name Bo -q --silence --duration 3 \
  --stats-json "$dir/h2f.json" --record-midi "$dir/h2f.jmid" --record "$dir/h2f" \
  >"$dir/h2f.log" 2>&1
wait "$h1"
if check_path server h1f h2f; then
  result ok "in a forward room the server carries the audio through symmetric NATs, sample-exact; MIDI complete"
else
  result "not ok" "no audio through a forward room's server"
  sed 's/^/# h1: /' "$dir/h1f.log" | tail -5; sed 's/^/# h2: /' "$dir/h2f.log" | tail -5
  sed 's/^/# server: /' "$dir/server-forward.log" | tail -5
fi

# what the players warned of, for the log
grep -h "WARNING\|CRITICAL" "$dir"/h*.log | sed 's/^/# /'
exit 0
