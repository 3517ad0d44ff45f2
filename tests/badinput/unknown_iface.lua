-- expect: 3: node "a" has no interface "eth7" (it has: lo only)
local a = lab:host "a"
a:addr("eth7", "10.0.0.1/24")
