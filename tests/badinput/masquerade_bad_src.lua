-- expect: 3: bad prefix in "10.0.0.0/8x" (expected a number 0-32)
local r = lab:router "r"
r:masquerade { src = "10.0.0.0/8x" }
