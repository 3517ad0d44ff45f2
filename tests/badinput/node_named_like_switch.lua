-- expect: 3: node "sw" already exists in lab "node_named_like_switch" (declared at tests/badinput/node_named_like_switch.lua:2)
lab:switch "sw"
lab:host "sw"
