#!/bin/bash
# bench/web.sh [star|linear] [N] — `nslab web` on a lab of N nodes (1000 by
# default; bench/gen_nslab_lab.sh makes it): the time to the first complete
# page (URL printed, page, /api/topo and the picture fetched, as the page
# does; then /api/lab, the whole of `nslab inspect --json`), the server's
# CPU with a page (an event stream) open and the lab idle, and while 100
# links change state per second. Goals (issue 16): first page under 2 s,
# idle under 2 % of one core. Loopback only. Run as root, best inside
# scripts/sandbox (it builds the lab nsbweb and takes it down again):
#   scripts/sandbox bench/web.sh star 1000
set -euo pipefail
kind=${1:-star} n=${2:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
nslab=${NSLAB:-$here/build/nslab}
work=$(mktemp -d)
lab=nsbweb
wp=
cleanup() {
	[ -n "$wp" ] && kill "$wp" 2>/dev/null && wait "$wp" 2>/dev/null || true
	"$nslab" down "$lab" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up 2>/dev/null || true
"$here/bench/gen_nslab_lab.sh" "$kind" "$n" >"$work/$lab.lua"
"$nslab" up "$work/$lab.lua" </dev/null >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
now() { date +%s.%N; }

t0=$(now)
"$nslab" web "$lab" --port 0 >"$work/out" 2>"$work/err" &
wp=$!
until [ -s "$work/out" ]; do sleep 0.01; done
t_url=$(now)
url=$(head -1 "$work/out")
base=${url%%/?token=*} tok=${url##*token=}
curl -s -o /dev/null "$url"
curl -s -o /dev/null "$base/app.js?token=$tok"
curl -s -o "$work/topo.json" "$base/api/topo?token=$tok"
t_lab=$(now)
until [ "$(curl -s -o "$work/topo.svg" -w '%{http_code}' "$base/api/topo.svg?token=$tok")" = 200 ]; do sleep 0.05; done
t_svg=$(now)
curl -s -o "$work/lab.json" "$base/api/lab?token=$tok"
t_full=$(now)
printf 'lab %s %s: %s nodes\n' "$kind" "$n" "$(grep -c '"netns"' "$work/lab.json")"
printf 'first line (URL):          %.2f s\n' "$(echo "$t_url - $t0" | bc)"
printf 'page + /api/topo:          %.2f s\n' "$(echo "$t_lab - $t0" | bc)"
printf 'picture (/api/topo.svg):   %.2f s   (first complete page; goal < 2 s)\n' "$(echo "$t_svg - $t0" | bc)"
printf '/api/lab after that:       %.2f s   (inspect --json, read on request)\n' "$(echo "$t_full - $t_svg" | bc)"

curl -sN "$base/api/events?token=$tok" >"$work/sse" &
cp=$!
# let the lab settle (IPv6 router solicitations and MLD after creation)
sleep 20
a=$(ticks "$wp"); sleep 10; b=$(ticks "$wp")
printf 'CPU, page open, lab idle:  %.1f %% of one core   (goal < 2 %%)\n' "$(echo "($b - $a) * 100 / $hz / 10" | bc -l)"
m=$((n < 50 ? n : 50))
a=$(ticks "$wp"); t1=$(now)
for s in $(seq 10); do
	for i in $(seq 1 "$m"); do
		ip -n "$lab.n$i" link set eth0 down
		ip -n "$lab.n$i" link set eth0 up
	done
	sleep 0.3
done
b=$(ticks "$wp"); t2=$(now)
changes=$((10 * 2 * m))
printf 'CPU, %d link changes in %.1f s: %.1f %% of one core\n' "$changes" "$(echo "$t2 - $t1" | bc)" \
	"$(echo "($b - $a) * 100 / $hz / ($t2 - $t1)" | bc -l)"
sleep 1
printf 'link events the page got:  %d of %d\n' "$(grep -c '^event: link' "$work/sse" || true)" "$changes"
kill "$cp" 2>/dev/null || true
