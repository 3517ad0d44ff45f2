-- expect: 4: the second end is switch "sw": a switch port takes no address (give the bridge one with sw:addr)
local a = lab:host "a"
local sw = lab:switch "sw"
lab:link(a, sw, { "10.0.0.1/24", "10.0.0.2/24" })
