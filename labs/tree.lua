-- A routed tree from the topology generator: three levels of routers
-- (r1 at the root), fanout two, eight hosts h1..h8 at the leaves, every
-- link its own /30 of 10.0.0.0/16, routes filled in. Mininet's
-- `--topo tree,3,2`, but routed, and proving itself with packets.
-- Run it:  nslab run labs/tree.lua      Draw it:  nslab graph labs/tree.lua -o tree.svg
local t = require("nslab.topo").tree { depth = 3, fanout = 2 }
print(t)

-- every host reaches every other, and h1 leaves through its own router
t:check()

print()
print("h1's routes:")
print(t.hosts[1]:exec "ip route")
