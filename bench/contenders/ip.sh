#!/bin/bash
# ip.sh - the "shell script of ip commands" contender of the nslab bench.
#
#   ip.sh linear N PREFIX   chain PREFIX1..PREFIXN, 10.0.0.0/30 per link
#   ip.sh star   N PREFIX   bridge br0 in PREFIXsw, PREFIX1..N with 10.0.x.y/16
#   ip.sh down   N PREFIX   ip netns del of every node (and the switch)
#
# Written the way a person writes it from the iproute2 articles: one `ip`
# process per step.  Veth pairs are created straight into their namespaces
# (`ip link add A netns X type veth peer name B netns Y`), so nothing passes
# through the host namespace.
set -euo pipefail
topo=$1 n=$2 p=$3
case $p in nsb*) ;; *) echo "ip.sh: PREFIX must start with nsb" >&2; exit 2 ;; esac

addr30() { # link index (0-based), end (1|2) -> 10.a.b.c/30
	local base=$(( $1 * 4 )); echo "10.$(( (base >> 16) & 255 )).$(( (base >> 8) & 255 )).$(( (base & 255) + $2 ))/30"
}

case $topo in
linear)
	for ((i = 1; i <= n; i++)); do
		ip netns add "$p$i"
		ip -n "$p$i" link set lo up
		if ((i > 1)); then
			a=$p$((i - 1)) b=$p$i
			ip link add eth1 netns "$a" type veth peer name eth0 netns "$b"
			ip -n "$a" link set eth1 up
			ip -n "$b" link set eth0 up
			ip -n "$a" addr add "$(addr30 $((i - 2)) 1)" dev eth1
			ip -n "$b" addr add "$(addr30 $((i - 2)) 2)" dev eth0
		fi
	done ;;
star)
	sw=${p}sw
	ip netns add "$sw"
	ip -n "$sw" link set lo up
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	for ((i = 1; i <= n; i++)); do
		ip netns add "$p$i"
		ip -n "$p$i" link set lo up
		ip link add "p$i" netns "$sw" type veth peer name eth0 netns "$p$i"
		ip -n "$sw" link set "p$i" master br0 up
		ip -n "$p$i" link set eth0 up
		ip -n "$p$i" addr add "10.0.$((i / 256)).$((i % 256))/16" dev eth0
	done ;;
down)
	for ((i = 1; i <= n; i++)); do ip netns del "$p$i"; done
	if [ -e "/run/netns/${p}sw" ]; then ip netns del "${p}sw"; fi ;;
*)
	echo "usage: ip.sh linear|star|down N PREFIX" >&2; exit 2 ;;
esac
