-- expect: 3: frr in node "r1": frr.conf: line 2: % Unknown command[4]: rooter ospf
local r1 = lab:router "r1"
r1:frr { config = "hostname r1\nrooter ospf\n network 10.0.0.0/8 area 0\n" }
