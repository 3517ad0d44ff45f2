-- expect: 5: bad gateway "10.0.0" (expected an address, a node, or an interface of "a")
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
a:route("default", "10.0.0")
