-- expect: 5: route 0.0.0.0/0 via 10.9.9.1 in unreachable_gateway.a: gateway 10.9.9.1 is not on any connected network of this node (add an address in its subnet first)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
a:route("default", "10.9.9.1")
