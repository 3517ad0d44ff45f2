-- expect: 3: unknown node "routr" in lab "unknown_node" (nodes: a)
local a = lab:host "a"
lab:link(a, "routr", { "10.0.0.1/24" })
