# jn-netns.sh: a small internet in network namespaces, sourced by
# test-internet.sh and bench/internet.sh (docs/internet.md)
#
#   inet  203.0.113.1: a bridge; the jamnet-server and coturn run here
#   p1,p2 203.0.113.21/.22: players with public addresses (no NAT)
#   r1,r2 203.0.113.11/.12: home routers; each masquerades what leaves by
#         its WAN and, as home routers do, drops what comes in unasked (a
#         packet dropped there leaves no conntrack entry that would make
#         the router remap a port)
#   h1,h3 10.1.0.2/.3: two players on home 1's LAN, behind r1
#   h2    10.2.0.2: a player at home 2, behind r2
#
# The caller sets prefix (namespace names' start), dir (a scratch
# directory), pids=() (what jn_netns_down kills) and defines skip REASON.
# SPDX-License-Identifier: GPL-3.0-or-later

JN_NETNS_ALL="inet p1 p2 r1 r2 h1 h2 h3"

in_ns() { local ns=$1; shift; ip netns exec "$prefix-$ns" "$@"; }

jn_netns_down() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for n in $JN_NETNS_ALL; do ip netns del "$prefix-$n" 2>/dev/null; done
}

# veth from namespace $1 (named $2 there) to namespace $3 (named $4 there)
jn_netns_link() {
  ip link add "$prefix-tmp" type veth peer name "$4" netns "$prefix-$3"
  ip link set "$prefix-tmp" netns "$prefix-$1"
  ip -n "$prefix-$1" link set "$prefix-tmp" name "$2"
}

jn_netns_up() {
  command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
  command -v nft >/dev/null 2>&1 || skip "nft is not installed (apt-get install nftables)"
  command -v turnserver >/dev/null 2>&1 || skip "turnserver is not installed (apt-get install coturn)"
  ip netns add "$prefix-probe" 2>/dev/null || skip "network namespaces are not permitted here (needs root)"
  ip netns del "$prefix-probe"
  for n in $JN_NETNS_ALL; do
    ip netns add "$prefix-$n" && ip -n "$prefix-$n" link set lo up || skip "cannot make namespaces"
  done
  ip -n "$prefix-inet" link add br0 type bridge
  ip -n "$prefix-inet" link set br0 up
  ip -n "$prefix-inet" addr add 203.0.113.1/24 dev br0
  for i in 1 2; do
    jn_netns_link inet "wp$i" "p$i" eth0
    ip -n "$prefix-inet" link set "wp$i" master br0 up
    ip -n "$prefix-p$i" addr add "203.0.113.2$i/24" dev eth0
    ip -n "$prefix-p$i" link set eth0 up
  done
  for i in 1 2; do
    jn_netns_link inet "w$i" "r$i" wan
    ip -n "$prefix-inet" link set "w$i" master br0 up
    ip -n "$prefix-r$i" addr add "203.0.113.1$i/24" dev wan
    ip -n "$prefix-r$i" link set wan up
    ip -n "$prefix-r$i" link add lan type bridge
    ip -n "$prefix-r$i" addr add "10.$i.0.1/24" dev lan
    ip -n "$prefix-r$i" link set lan up
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
  for h in 1:1:2 2:2:2 3:1:3; do
    IFS=: read -r n i host <<<"$h"
    jn_netns_link "r$i" "l$n" "h$n" eth0
    ip -n "$prefix-r$i" link set "l$n" master lan up
    ip -n "$prefix-h$n" addr add "10.$i.0.$host/24" dev eth0
    ip -n "$prefix-h$n" link set eth0 up
    ip -n "$prefix-h$n" route add default via "10.$i.0.1"
  done
}

# Both routers give every destination a port of its own (symmetric NAT).
jn_netns_symmetric() {
  for i in 1 2; do
    in_ns "r$i" nft flush table ip nat
    in_ns "r$i" nft add rule ip nat postrouting oifname "wan" masquerade random,fully-random
  done
}

# coturn on 203.0.113.1:3478: STUN for everyone, TURN for those holding
# credentials derived from the secret it shares (use-auth-secret), in
# $dir/turn-secret; private peers denied, as docs/server.md says.
jn_netns_coturn() {
  printf 'jamnet-test-%s\n' "$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" >"$dir/turn-secret"
  ip netns exec "$prefix-inet" turnserver -n --listening-ip 203.0.113.1 --listening-port 3478 \
    --relay-ip 203.0.113.1 --min-port 49152 --max-port 49999 --use-auth-secret \
    --static-auth-secret "$(cat "$dir/turn-secret")" --realm jamnet.test --fingerprint \
    --no-cli --no-tls --no-dtls --no-multicast-peers --denied-peer-ip=10.0.0.0-10.255.255.255 \
    --denied-peer-ip=172.16.0.0-172.31.255.255 --denied-peer-ip=192.168.0.0-192.168.255.255 \
    --simple-log --log-file stdout -v --pidfile "$dir/turn.pid" >"$dir/turn.log" 2>&1 &
  pids+=($!)
}

# jamnet-server $1 on 203.0.113.1:7420 naming coturn; sets fp (empty
# when it did not start).  Not through in_ns: $! must be the server
# itself (ip netns exec execs it), not a subshell a kill would miss.
jn_netns_server() {
  local program=$1 port=${2:-7420} log=${3:-server}
  shift $(($# < 3 ? $# : 3))
  ip netns exec "$prefix-inet" "$program" --listen 203.0.113.1 --port "$port" --name "Test internet" \
    --stun 203.0.113.1:3478 --turn 203.0.113.1:3478 --turn-secret-file "$dir/turn-secret" \
    "$@" >"$dir/$log.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    grep -q "listening" "$dir/$log.log" && break
    sleep 0.1
  done
  fp=$(sed -n 's/.*certificate \([A-Za-z0-9_-]*\).*/\1/p' "$dir/$log.log")
}
