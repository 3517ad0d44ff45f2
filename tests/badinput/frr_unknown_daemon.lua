-- expect: 3: frr: unknown daemon ospfdd (known: zebra, staticd, ospfd, ospf6d, bgpd, isisd, ripd, bfdd, ...)
local r1 = lab:router "r1"
r1:frr { config = "router ospf\n", daemons = { "zebra", "ospfdd" } }
