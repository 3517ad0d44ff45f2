-- expect: 3: masquerade needs out= (the outgoing interface) and/or src= (the inside prefix)
local r = lab:router "r"
r:masquerade {}
