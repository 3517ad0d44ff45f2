#!/bin/bash
# gen_ipbatch.sh - write the `ip -batch` files of the nslab bench.
#
#   gen_ipbatch.sh linear|star N PREFIX DIR
#
# `ip -batch` runs many commands in one process but cannot switch namespace
# per line (-n is a global option), so the work is split the way one has to
# with iproute2:
#   DIR/setup.batch      run as `ip -batch`: every `netns add` and every veth
#                        pair, created straight into its two namespaces;
#   DIR/ns/NAME.batch    run as `ip -n NAME -batch`: lo up, links up, bridge,
#                        ports, addresses inside that namespace;
#   DIR/down.batch       run as `ip -batch`: every `netns del`.
# contenders/ipbatch.sh DIR setup|down runs them; only that is timed.
set -euo pipefail
topo=$1 n=$2 p=$3 dir=$4
case $p in nsb*) ;; *) echo "gen_ipbatch.sh: PREFIX must start with nsb" >&2; exit 2 ;; esac
rm -rf "$dir"; mkdir -p "$dir/ns"

addr30() {
	local base=$(( $1 * 4 )); echo "10.$(( (base >> 16) & 255 )).$(( (base >> 8) & 255 )).$(( (base & 255) + $2 ))/30"
}

{
	case $topo in
	linear)
		for ((i = 1; i <= n; i++)); do echo "netns add $p$i"; done
		for ((i = 2; i <= n; i++)); do
			echo "link add eth1 netns $p$((i - 1)) type veth peer name eth0 netns $p$i"
		done ;;
	star)
		echo "netns add ${p}sw"
		for ((i = 1; i <= n; i++)); do echo "netns add $p$i"; done
		for ((i = 1; i <= n; i++)); do
			echo "link add p$i netns ${p}sw type veth peer name eth0 netns $p$i"
		done ;;
	*) echo "usage: gen_ipbatch.sh linear|star N PREFIX DIR" >&2; exit 2 ;;
	esac
} > "$dir/setup.batch"

case $topo in
linear)
	for ((i = 1; i <= n; i++)); do
		{
			echo "link set lo up"
			if ((i > 1)); then
				echo "link set eth0 up"
				echo "addr add $(addr30 $((i - 2)) 2) dev eth0"
			fi
			if ((i < n)); then
				echo "link set eth1 up"
				echo "addr add $(addr30 $((i - 1)) 1) dev eth1"
			fi
		} > "$dir/ns/$p$i.batch"
	done ;;
star)
	{
		echo "link set lo up"
		echo "link add br0 type bridge"
		echo "link set br0 up"
		for ((i = 1; i <= n; i++)); do echo "link set p$i master br0 up"; done
	} > "$dir/ns/${p}sw.batch"
	for ((i = 1; i <= n; i++)); do
		printf 'link set lo up\nlink set eth0 up\naddr add 10.0.%d.%d/16 dev eth0\n' \
			$((i / 256)) $((i % 256)) > "$dir/ns/$p$i.batch"
	done ;;
esac

{
	for f in "$dir"/ns/*.batch; do b=${f##*/}; echo "netns del ${b%.batch}"; done
} > "$dir/down.batch"
