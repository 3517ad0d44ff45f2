-- expect: 4: interface name "this-is-sixteen!" is 16 bytes; Linux allows at most 15
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" }, { names = { "this-is-sixteen!", "eth0" } })
