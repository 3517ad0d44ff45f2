-- expect: 5: node "a" already has an interface "up0"
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, nil, { names = { "up0", "x" } })
lab:link(a, b, nil, { names = { "up0", "y" } })
