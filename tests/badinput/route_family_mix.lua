-- expect: 5: route fd00:9::/64 via 10.0.0.2 mixes IPv4 and IPv6
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
a:route("fd00:9::/64", "10.0.0.2")
