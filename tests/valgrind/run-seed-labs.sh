#!/bin/sh
# valgrind memcheck over `nslab run` of every seed lab: no leaks (definite
# or indirect) and no memory errors in nslab's own code.
set -u
NSLAB=${1:?usage: run-seed-labs.sh NSLAB SRCDIR}
SRC=${2:?}
cd "$SRC"
fail=0
for lab in labs/client-router-server.lua labs/bridge-nat.lua labs/veth-nat.lua; do
  log=$(mktemp)
  valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 -q \
    --suppressions=tests/valgrind/nslab.supp --log-file="$log" \
    "$NSLAB" run --name "vg-$(basename "$lab" .lua)" "$lab" >/dev/null
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "not ok - valgrind nslab run $lab (status $rc)"; cat "$log"; fail=$((fail + 1))
  else
    echo "ok - valgrind nslab run $lab: no leaks, no errors"
  fi
  rm -f "$log"
done
echo "$((3 - fail)) passed, $fail failed"
[ $fail -eq 0 ]
