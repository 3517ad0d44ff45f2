-- expect: 3: birdc: node "r" runs no BIRD of its own (start one with node:bird{ config = ... })
local r = lab:router "r"
print(r:birdc "show route")
