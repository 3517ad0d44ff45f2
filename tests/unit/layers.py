#!/usr/bin/env python3
"""The C layers keep their shape: no Lua header is included from
src/kernel (its CMake include path has none either), and no file of
src/kernel calls into another that calls back, directly or around a loop
(a call graph: file A -> file B when A calls a non-static nsl_ function
B defines). Run from the source root: tests/unit/layers.py [-v]."""
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "."
verbose = "-v" in sys.argv
files = sorted(glob.glob(os.path.join(root, "src/kernel/*.[ch]")))
bad = []
for f in files:
    for n, line in enumerate(open(f), 1):
        if re.match(r'\s*#\s*include\s*[<"](lua|lauxlib|lualib|lua_util)', line):
            bad.append(f"{f}:{n}: a Lua header in the kernel layer: {line.strip()}")

defs = {}
cfiles = [f for f in files if f.endswith(".c")]
for f in cfiles:
    for m in re.finditer(r'^(?!static)[a-z][^\n;(]*?\b(nsl_\w+)\s*\(', open(f).read(), re.M):
        defs.setdefault(m.group(1), os.path.basename(f))
edges = {}
for f in cfiles:
    text = re.sub(r'/\*.*?\*/', '', open(f).read(), flags=re.S)
    me = os.path.basename(f)
    for name in set(re.findall(r'\b(nsl_\w+)\s*\(', text)):
        if defs.get(name, me) != me:
            edges.setdefault(me, set()).add(defs[name])
if verbose:
    for a in sorted(edges):
        print(a, "->", " ".join(sorted(edges[a])))

cycles = set()
def walk(node, path):
    for nxt in edges.get(node, ()):
        if nxt in path:
            c = path[path.index(nxt):]
            i = c.index(min(c))
            cycles.add(" -> ".join(c[i:] + c[:i] + [c[i]]))
        else:
            walk(nxt, path + [nxt])
for n in list(edges):
    walk(n, [n])
bad += [f"cycle between kernel files: {c}" for c in sorted(cycles)]
for b in bad:
    print("not ok -", b)
print(f"{len(cfiles)} kernel files, {sum(len(v) for v in edges.values())} edges, "
      f"{len(bad)} problems")
sys.exit(1 if bad else 0)
