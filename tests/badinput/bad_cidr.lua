-- expect: 4: bad address "10.0.0.300/24" (expected IPv4 like 10.0.0.1 or IPv6 like fd00::1)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.300/24", "10.0.0.2/24" })
