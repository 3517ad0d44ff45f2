-- expect: 4: node "a" already exists in lab "duplicate_node" (declared at tests/badinput/duplicate_node.lua:2)
local a = lab:host "a"
lab:host "b"
lab:router "a"
