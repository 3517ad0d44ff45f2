-- expect: 4: switch "lan" already exists in lab "switch_in_node_named_like_node" (declared at tests/badinput/switch_in_node_named_like_node.lua:3)
local r = lab:router "r"
lab:host "lan"
lab:switch("lan", { node = r })
