-- expect: 4: link: unknown option 'nmaes' (known: down, mac, mtu, names)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" }, { nmaes = { "x", "y" } })
