#!/bin/bash
# crs_ip.sh - the `ip` script side of bench/run's data-plane step: the
# topology of labs/client-router-server.lua with plain iproute2 commands.
#
#   crs_ip.sh up   PREFIX   namespaces PREFIXclient, PREFIXrouter, PREFIXserver
#   crs_ip.sh down PREFIX   ip netns del of the three
#
# client cl-rt0 10.0.1.2/24 <-> router cl-rt1 10.0.1.1/24
# server sv-rt0 10.0.2.2/24 <-> router sv-rt1 10.0.2.1/24
# default routes in client (via 10.0.1.1) and server (via 10.0.2.1);
# net.ipv4.ip_forward=1 in the router only.  Veth pairs are created straight
# into their namespaces, so nothing passes through the host namespace.
# The nslab side of the step: bench/contenders/crs_nslab.lua.
set -euo pipefail
mode=${1:-} p=${2:-}
case $p in nsb*) ;; *) echo "crs_ip.sh: PREFIX must start with nsb" >&2; exit 2 ;; esac
cl=${p}client rt=${p}router sv=${p}server

case $mode in
up)
	for ns in "$cl" "$rt" "$sv"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip link add cl-rt0 netns "$cl" type veth peer name cl-rt1 netns "$rt"
	ip link add sv-rt0 netns "$sv" type veth peer name sv-rt1 netns "$rt"
	ip -n "$cl" addr add 10.0.1.2/24 dev cl-rt0
	ip -n "$rt" addr add 10.0.1.1/24 dev cl-rt1
	ip -n "$sv" addr add 10.0.2.2/24 dev sv-rt0
	ip -n "$rt" addr add 10.0.2.1/24 dev sv-rt1
	ip -n "$cl" link set cl-rt0 up
	ip -n "$rt" link set cl-rt1 up
	ip -n "$sv" link set sv-rt0 up
	ip -n "$rt" link set sv-rt1 up
	ip -n "$cl" route add default via 10.0.1.1
	ip -n "$sv" route add default via 10.0.2.1
	ip netns exec "$rt" sysctl -q -w net.ipv4.ip_forward=1 ;;
down)
	rc=0
	for ns in "$cl" "$rt" "$sv"; do
		if [ -e "/run/netns/$ns" ]; then ip netns del "$ns" || rc=1; fi
	done
	exit $rc ;;
*)
	echo "usage: crs_ip.sh up|down PREFIX" >&2; exit 2 ;;
esac
