-- expect: 4: switch "s1": give on= or node=, not both (a switch inside a node is on that node's machine)
lab:machine("m2", { underlay = "192.168.77.12" })
local r = lab:router("r")
lab:switch("s1", { on = "m2", node = r })
