-- expect: 4: node "lan" already exists in lab "node_named_like_switch_in_node" (declared at tests/badinput/node_named_like_switch_in_node.lua:3)
local r = lab:router "r"
lab:switch("lan", { node = r })
lab:host "lan"
