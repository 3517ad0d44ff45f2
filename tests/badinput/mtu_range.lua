-- expect: 4: mtu 9999999 is out of range 68-65535
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, nil, { mtu = 9999999 })
