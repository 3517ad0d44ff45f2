#!/bin/sh
# Every verb that takes a lab or node name, given path-like names, inside
# a sandbox: its own mount namespace with a private /run and /tmp and its
# own network namespace, so nothing it does can reach the machine's state.
# A real lab ("keep") is up the whole time; the tree of /run, /tmp and
# /etc/netns is listed before and after, and must be the same, and "keep"
# must still come down cleanly at the end.
# Run as: unshare -m -n --propagation private sh bad-names.sh NSLAB SRC
set -u
NSLAB=$1
SRC=$2
# The checkout (and the nslab binary) may live under /tmp or /run (a CI
# clone): keep them reachable at the same paths over the fresh tmpfs.
keep_dirs="$(cd "$SRC" && pwd) $(cd "$(dirname "$NSLAB")" && pwd)"
# (/mnt: an existing directory, covered by a tmpfs in this mount
# namespace only, so nothing is made on the machine)
mount -t tmpfs nslab-sandbox-keep /mnt
i=0
for d in $keep_dirs; do
  i=$((i + 1)); mkdir /mnt/$i; mount --bind "$d" /mnt/$i
done
mount -t tmpfs nslab-sandbox-run /run
mount -t tmpfs nslab-sandbox-tmp /tmp
i=0
for d in $keep_dirs; do
  i=$((i + 1))
  case "$d" in /run/*|/tmp/*) mkdir -p "$d"; mount --bind /mnt/$i "$d" ;; esac
done
mkdir -p /run/canary /tmp/canary /tmp/sbx/etc
# a private /etc too, so /etc/netns is this sandbox's own
cp -a /etc/. /tmp/sbx/etc/
mount --bind /tmp/sbx/etc /etc
echo precious >/run/canary/file
echo precious >/tmp/canary/file
ip link set lo up

cat >/tmp/keep.lua <<'LAB'
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.9.0.1/24", "10.9.0.2/24" })
LAB
"$NSLAB" up /tmp/keep.lua >/dev/null || { echo "FAIL: cannot bring up lab keep"; exit 1; }

tree() {  # (the sandbox's own scratch files are under /tmp/sbx)
  # paths, types and sizes; the pins' inode numbers change nothing here
  find /run /tmp /etc/netns -xdev -printf '%p %y %s\n' 2>/dev/null | grep -v "^/tmp/sbx" | sort
}
tree >/tmp/sbx/before

long=$(printf 'x%.0s' $(seq 300))
nl='a
b'
bad=0
try() {  # try DESCRIPTION CMD...: must fail (non-zero), quickly, and say "not a ... name"
  desc=$1; shift
  timeout 10 "$@" >/tmp/sbx/o 2>/tmp/sbx/e </dev/null
  rc=$?
  if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
    echo "FAIL: $desc: exit $rc"; bad=1
  elif ! grep -q "not a lab name\|not a node name\|as a lab name\|no lab named\|no lab file\|cannot open lab file\|unknown option\|is not NODE:IFACE" /tmp/sbx/e; then
    echo "FAIL: $desc: unclear message: $(head -c 300 /tmp/sbx/e)"; bad=1
  elif [ "$(wc -l </tmp/sbx/e)" -ne 1 ]; then
    echo "FAIL: $desc: more than one line: $(head -c 300 /tmp/sbx/e)"; bad=1
  fi
}

for n in .. . a/../../b /etc "" "a b" "$nl" "$long" -x keep/../keep; do
  show=$(printf '%s' "$n" | tr '\n' '?' | cut -c1-20)
  try "down [$show]" "$NSLAB" down "$n"
  try "down --force [$show]" "$NSLAB" down --force "$n"
  try "nodes [$show]" "$NSLAB" nodes "$n"
  try "exec [$show]" "$NSLAB" exec "$n" a -- true
  try "shell [$show]" "$NSLAB" shell "$n" a
  try "pids [$show]" "$NSLAB" pids "$n" a
  try "monitor [$show]" "$NSLAB" monitor "$n"
  try "check [$show]" "$NSLAB" check "$n"
  try "inspect [$show]" "$NSLAB" inspect "$n"
  try "inspect --json [$show]" "$NSLAB" inspect "$n" --json
  try "shape [$show]" "$NSLAB" shape "$n" a:eth0 rate=1mbit
  try "unshape [$show]" "$NSLAB" unshape "$n" a:eth0
  try "link [$show]" "$NSLAB" link "$n" a:eth0 down
  try "capture [$show]" "$NSLAB" capture "$n" a:eth0 -w /tmp/x.pcap -c 1
  try "repl [$show]" "$NSLAB" repl "$n"
  try "graph [$show]" "$NSLAB" graph "$n"
  try "up --name [$show]" "$NSLAB" up /tmp/keep.lua --name "$n"
  try "run --name [$show]" "$NSLAB" run /tmp/keep.lua --name "$n"
  # node names of the live lab
  try "exec keep [$show]" "$NSLAB" exec keep "$n" -- true
  try "pids keep [$show]" "$NSLAB" pids keep "$n"
  try "shape keep [$show]" "$NSLAB" shape keep "$n:eth0" rate=1mbit
  try "link keep [$show]" "$NSLAB" link keep "$n:eth0" down
done

tree >/tmp/sbx/after
if ! cmp -s /tmp/sbx/before /tmp/sbx/after; then
  echo "FAIL: the tree changed:"; diff /tmp/sbx/before /tmp/sbx/after | head -40; bad=1
fi
[ "$(cat /run/canary/file /tmp/canary/file)" = "precious
precious" ] || { echo "FAIL: canary files changed"; bad=1; }
"$NSLAB" ls | grep -q '^keep ' || { echo "FAIL: lab keep is no longer listed"; bad=1; }
"$NSLAB" down keep >/dev/null || { echo "FAIL: nslab down keep"; bad=1; }
left=$(ls -A /run/nslab; ip netns list)
[ -z "$left" ] || { echo "FAIL: left behind: $left"; bad=1; }
[ $bad -eq 0 ] && echo "all bad names refused, nothing changed"
exit $bad
