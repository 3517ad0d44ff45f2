#!/bin/sh
# The Debian package end to end (CTest package.deb, label package):
# build it from SRC in WORK (prefix /usr, cpack -G DEB), check its
# Depends and contents, install it with apt-get, then with the INSTALLED
# nslab (a clean environment, outside any build tree) run a seed lab,
# `nslab test` two of them in parallel, load nslab.core from plain
# lua5.4, find the man page and the completion; run every command of the
# CI examples in docs/examples/ on a copy of two labs (the "repository");
# remove the package and check that no file of it is left. It installs
# into the real /usr: it refuses to run where nslab is installed already,
# and removes the package again whatever happens (trap).
#   tests/package/deb.sh SRC WORK
set -eu
SRC=$(cd "$1" && pwd)
WORK=$2
say() { echo "== $*"; }
die() { echo "deb.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (it installs the package)"
if dpkg-query -W -f='${Status}\n' nslab 2>/dev/null | grep -q "installed"; then
  die "a package nslab is installed on this machine; this test installs and removes its own: remove it first"
fi
[ ! -e /usr/bin/nslab ] || die "/usr/bin/nslab exists (not from a package); refusing to overwrite it"

installed=0
cleanup() {
  st=$?
  trap - EXIT INT TERM HUP
  if [ "$installed" = 1 ]; then
    /usr/bin/nslab clean >/dev/null 2>&1 || true
    dpkg --purge nslab >/dev/null 2>&1 || echo "deb.sh: could not remove the package nslab" >&2
  fi
  rm -rf "$WORK"
  exit "$st"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
rm -rf "$WORK"
mkdir -p "$WORK"

say "build the package (prefix /usr, without the test suite)"
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_INSTALL_PREFIX=/usr -DNSLAB_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
  { cat "$WORK/cmake.log"; die "cmake failed"; }
cmake --build "$WORK/build" -j"$(nproc)" >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "build failed"; }
(cd "$WORK/build" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; die "cpack failed"; }
deb=$(ls "$WORK"/build/nslab_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "$deb"
echo "Depends: $depends"
for p in liblua5.4-0 libnl-3-200 libnl-route-3-200 libnftables1 lua-argparse lua-cjson iproute2 iputils-ping socat; do
  echo ", $depends," | grep -q ", $p[ ,]" || die "Depends lacks $p"
done
dpkg-deb -c "$deb" | awk '{print $6}' >"$WORK/contents"
for f in ./usr/bin/nslab ./usr/share/lua/5.4/nslab/init.lua ./usr/share/lua/5.4/nslab/cli/init.lua \
         ./usr/share/man/man1/nslab.1 ./usr/share/bash-completion/completions/nslab \
         ./usr/share/doc/nslab/ci.md ./usr/share/nslab/labs/client-router-server.lua; do
  grep -qx "$f" "$WORK/contents" || die "the package lacks $f"
done
grep -q '^\./usr/lib/.*lua/5\.4/nslab/core\.so$' "$WORK/contents" || die "the package lacks the nslab.core module"
grep -q '^\./usr/lib/.*nslab/luac/nslab/init\.luac$' "$WORK/contents" || die "the package lacks the bytecode"

say "install it"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$WORK/apt.log" 2>&1 ||
  { cat "$WORK/apt.log"; die "apt-get install failed"; }
dpkg -L nslab >"$WORK/files"

say "the installed nslab, in a clean environment outside the source tree"
mkdir -p "$WORK/run"
cd "$WORK/run"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 sh -eu -c '
  [ "$(command -v nslab)" = /usr/bin/nslab ] || { echo "nslab is not /usr/bin/nslab"; exit 1; }
  nslab version
  nslab version | grep -qx "library: /usr/share/lua/5.4" || { echo "not the installed library"; exit 1; }
  nslab run /usr/share/nslab/labs/client-router-server.lua
  nslab test -j 2 --junit junit.xml /usr/share/nslab/labs/client-router-server.lua /usr/share/nslab/labs/veth-nat.lua
  lua5.4 -e "local c = require \"nslab.core\"; assert(c.version, \"no version\"); print(\"lua5.4 loads nslab.core \" .. c.version)"
  [ "$(man -w nslab)" = /usr/share/man/man1/nslab.1 ] || [ "$(man -w nslab)" = /usr/share/man/man1/nslab.1.gz ]
  bash -c ". /usr/share/bash-completion/completions/nslab && complete -p nslab"
  [ -z "$(nslab ls | grep -v "no labs are up")" ] || { nslab ls; exit 1; }
'
python3 "$SRC/tests/tools/junit_check.py" junit.xml

say "the CI examples (docs/examples/), on a repository of two labs"
for kind in github gitlab; do
  repo="$WORK/repo-$kind"
  mkdir -p "$repo/labs"
  cp "$SRC/labs/client-router-server.lua" "$SRC/labs/veth-nat.lua" "$repo/labs/"
  case $kind in github) ex=github-actions.yml ;; gitlab) ex=gitlab-ci.yml ;; esac
  python3 "$SRC/tests/package/run_ci_example.py" "$kind" "$SRC/docs/examples/$ex" "$repo" "$deb"
  python3 "$SRC/tests/tools/junit_check.py" "$repo/nslab-junit.xml"
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["ok"] and d["summary"]["labs"] == 2, d["summary"]; print("results:", d["summary"])' \
    "$repo/nslab-results.json"
done

say "remove it; nothing of it is left"
cd /
dpkg --purge nslab >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; die "dpkg --purge failed"; }
installed=0
if dpkg-query -W -f='${Status}\n' nslab 2>/dev/null | grep -q "installed"; then die "nslab is still installed"; fi
left=0
while IFS= read -r f; do
  case $f in
    /.) continue ;;
  esac
  if [ -e "$f" ] && { [ ! -d "$f" ] || echo "$f" | grep -q nslab; }; then
    echo "left behind: $f" >&2
    left=1
  fi
done <"$WORK/files"
[ "$left" = 0 ] || die "files of the package are left"
echo "package: built, installed, used, removed; $(wc -l <"$WORK/files") paths checked"
