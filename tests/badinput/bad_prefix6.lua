-- expect: 4: bad prefix in "fd00::1/129" (/129 is over 128 for IPv6)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "fd00::1/129" })
