-- expect: 3: frr in node "r1": frr.conf: line 2: % Unknown command[4]: rooter ospf
local r1 = lab:router "r1"
r1:frr { config = "hostname r1\n" .. "rooter" .. " ospf\n" }
