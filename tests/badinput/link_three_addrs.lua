-- expect: 4: a link has two ends, so at most two addresses, one per end; got 3 (for more on one end give a list: { { "10.0.0.1/24", "fd00::1/64" }, "10.0.0.2/24" })
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24", "10.0.0.3/24" })
