-- expect: 4: address "10.0.0.1" needs a prefix length, like 10.0.0.1/24
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1", "10.0.0.2/24" })
