#!/bin/bash
# ipbatch.sh DIR setup|down - run the files written by gen_ipbatch.sh.
set -euo pipefail
dir=$1
case $2 in
setup)
	ip -batch "$dir/setup.batch"
	for f in "$dir"/ns/*.batch; do b=${f##*/}; ip -n "${b%.batch}" -batch "$f"; done ;;
down)
	ip -batch "$dir/down.batch" ;;
*) echo "usage: ipbatch.sh DIR setup|down" >&2; exit 2 ;;
esac
