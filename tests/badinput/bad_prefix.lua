-- expect: 4: bad prefix in "10.0.0.1/33" (/33 is over 32 for IPv4)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/33", "10.0.0.2/24" })
