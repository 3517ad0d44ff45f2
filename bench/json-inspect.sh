#!/bin/sh
# bench/json-inspect.sh NSLAB [OLD_LUA_DIR] — `nslab inspect LAB --json` on
# a 1000-node chain, and decoding its output, with the Lua library of this
# tree and (if given) an older one side by side; prints medians of 5 runs
# and the ratio. Run inside scripts/sandbox (it builds a lab):
#   git archive 31a89af lua | tar -x -C /tmp/old   # the tree before lua-cjson
#   scripts/sandbox bench/json-inspect.sh build/nslab /tmp/old/lua
set -eu
NSLAB=$1 OLD=${2:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
lab=/tmp/jsonb.lua
{
  echo 'local prev = lab:host "n1"'
  echo "for i = 2, $N do"
  echo '  local n = lab:host("n" .. i)'
  echo '  local k = i - 2'
  echo '  lab:link(prev, n, { ("10.%d.%d.1/30"):format(k // 64, (k % 64) * 4), ("10.%d.%d.2/30"):format(k // 64, (k % 64) * 4) })'
  echo '  prev = n'
  echo 'end'
} >$lab
"$NSLAB" up $lab >/dev/null
trap '"$NSLAB" down jsonb >/dev/null' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_inspect() {  # LUA_DIR -> median seconds
  for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    NSLAB_LUA_DIR=$1 "$NSLAB" inspect jsonb --json >/tmp/jsonb.json
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | median
}
time_decode() {  # LUA_DIR -> median seconds of json.decode of the output
  for _ in 1 2 3 4 5; do
    lua5.4 -e "package.path='$1/?.lua;'..package.path
      local f = io.open('/tmp/jsonb.json'); local s = f:read('a'); f:close()
      local json = require 'nslab.json'
      local t0 = os.clock(); assert(json.decode(s)); print(os.clock() - t0)"
  done | median
}
[ -n "$OLD" ] && old_i=$(time_inspect "$OLD")   # first, so neither side is favoured by warm caches
new_i=$(time_inspect "$SRC/lua"); new_d=$(time_decode "$SRC/lua")
echo "inspect --json, $N nodes: this tree ${new_i}s  ($(wc -c </tmp/jsonb.json) bytes)"
echo "decode of that output:     this tree ${new_d}s"
if [ -n "$OLD" ]; then
  old_d=$(time_decode "$OLD")
  echo "inspect --json, $N nodes: old tree  ${old_i}s  ratio new/old $(echo "scale=2; $new_i / $old_i" | bc)"
  echo "decode of that output:     old tree  ${old_d}s  ratio new/old $(echo "scale=2; $new_d / $old_d" | bc)"
fi
