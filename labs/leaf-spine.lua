-- A leaf-spine (Clos) fabric from the topology generator: two spines,
-- four leaves each linked to both spines, a host under every leaf; IPv4
-- and IPv6 on every link, routes filled in (leaf to leaf through one
-- spine; no ECMP).
-- Run it:  nslab run labs/leaf-spine.lua
local topo = require "nslab.topo"
local t = topo.leafspine { spines = 2, leaves = 4, hosts = 1, ipv6 = true }
print(t)

-- reachability over both families, and the path leaf to leaf
t:check()
lab:expect_route("leaf1", t.hosts[4], { via = "spine1" })
lab:expect_reach("h1", "h4", { family = 6, desc = "h1 reaches h4 over IPv6" })
