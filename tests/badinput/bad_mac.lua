-- expect: 4: bad MAC address "02:00:zz:00:00:01" (expected six hex bytes like 02:00:00:00:00:01)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, nil, { mac = { "02:00:zz:00:00:01" } })
