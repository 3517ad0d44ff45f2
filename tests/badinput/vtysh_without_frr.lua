-- expect: 3: vtysh in node "r1": Exiting: failed to connect to any daemons. (start FRR in this node with node:frr{config=...})
local r1 = lab:router "r1"
r1:vtysh "show version"
