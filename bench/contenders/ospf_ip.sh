#!/bin/bash
# ospf_ip.sh - the floor of bench/ospf: an OSPF ring of N FRR routers built
# by hand, the way an article would, with plain `ip` and FRR's own daemons.
#
#   ospf_ip.sh up   N PREFIX DIR   build, start (prints BENCH-STARTED once every
#                                  daemon is up), poll; prints BENCH-CONVERGED
#                                  when every router has a route to every
#                                  other router's loopback, then exits
#   ospf_ip.sh down N PREFIX DIR   end the daemons, delete the namespaces
#
# Router i is the namespace PREFIX$i (lo 10.255.0.i/32, forwarding on);
# link i joins router i (eth1, 10.0.i.1/30) and router i+1 (eth0,
# 10.0.i.2/30), the last one closes the ring.  Each router runs zebra, ospfd
# and staticd with FRR's pathspace (-N PREFIX$i: sockets and pid files
# under /run/frr/PREFIX$i/) and the same frr.conf as the nslab side
# (bench/contenders/ospf_nslab.lua, both from bench/contenders/ospf_conf.sh).  Nothing
# is started in the host namespace; nothing is written outside DIR and
# /run/frr/PREFIX*.
set -euo pipefail
mode=${1:-} n=${2:-} p=${3:-} dir=${4:-}
case $p in nsb*) ;; *) echo "ospf_ip.sh: PREFIX must start with nsb" >&2; exit 2 ;; esac
case $n in ''|*[!0-9]*) echo "usage: ospf_ip.sh up|down N PREFIX DIR" >&2; exit 2 ;; esac
[ -n "$dir" ] || { echo "usage: ospf_ip.sh up|down N PREFIX DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
FRR=/usr/lib/frr
DAEMONS="zebra ospfd staticd"

case $mode in
up)
	mkdir -p "$dir"
	for i in $(seq 1 "$n"); do
		ns=$p$i
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "10.255.0.$i/32" dev lo
		ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1
	done
	for i in $(seq 1 "$n"); do
		j=$((i % n + 1))
		ip link add eth1 netns "$p$i" type veth peer name eth0 netns "$p$j"
		ip -n "$p$i" addr add "10.0.$i.1/30" dev eth1
		ip -n "$p$j" addr add "10.0.$i.2/30" dev eth0
		ip -n "$p$i" link set eth1 up
		ip -n "$p$j" link set eth0 up
	done
	# each router's daemons start in the background, routers side by side;
	# within a router zebra first, and the others once zebra's socket is
	# there (a daemon that finds no zebra tries again only 10 s later)
	# the daemons write in /var/tmp/frr: down removes what they add
	[ -e /var/tmp/frr ] || : > "$dir/made-var-tmp-frr"
	ls -A /var/tmp/frr 2>/dev/null > "$dir/var-tmp-frr.before" || true
	for i in $(seq 1 "$n"); do
		ns=$p$i run=/run/frr/$p$i
		mkdir -p "$run"
		chown frr:frr "$run"
		"$here/ospf_conf.sh" "$i" "$n" > "$dir/$ns.conf"
		chown frr:frr "$dir/$ns.conf"
		(
			for d in $DAEMONS; do
				ip netns exec "$ns" "$FRR/$d" -d -N "$ns" -f "$dir/$ns.conf" -A 127.0.0.1 -P 0 \
					--log "file:$dir/$ns.$d.log" 2>>"$dir/$ns.$d.err"
				[ "$d" != zebra ] || while [ ! -S "$run/zserv.api" ]; do sleep 0.01; done
			done
		) &
	done
	wait
	echo BENCH-STARTED
	# poll every 50 ms (as nslab's route check does) until every router
	# holds a route to every other loopback; routers already complete are
	# not asked again
	want=$((n - 1)) i=1
	while [ "$i" -le "$n" ]; do
		got=$(ip -n "$p$i" -4 route show proto ospf | grep -c '^10\.255\.0\.' || true)
		if [ "$got" -ge "$want" ]; then i=$((i + 1)); else sleep 0.05; fi
	done
	echo BENCH-CONVERGED ;;
down)
	rc=0
	for i in $(seq 1 "$n"); do
		ns=$p$i
		[ -e "/run/netns/$ns" ] || continue
		# daemons double-fork: end them by namespace, not by pid
		pids=$(ip netns pids "$ns")
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
		ip netns del "$ns" || rc=1
		rm -rf "/run/frr/$ns"
	done
	# each daemon's log buffer and crash log, /var/tmp/frr/DAEMON.PID (the
	# pid before it forked; nslab keeps them in the lab's own directory,
	# this floor has none): what was not there before up goes
	if [ -e "$dir/var-tmp-frr.before" ]; then
		for e in /var/tmp/frr/*; do
			[ -e "$e" ] || continue
			grep -qxF "${e##*/}" "$dir/var-tmp-frr.before" || rm -rf "$e"
		done
		[ -s "$dir/var-tmp-frr.before" ] || [ ! -e "$dir/made-var-tmp-frr" ] || rmdir /var/tmp/frr 2>/dev/null || true
	fi
	exit $rc ;;
*)
	echo "usage: ospf_ip.sh up|down N PREFIX DIR" >&2; exit 2 ;;
esac
