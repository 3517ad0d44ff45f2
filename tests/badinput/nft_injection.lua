-- expect: 3: bad interface name "x";flush" (use letters, digits and . _ - @ +)
local r = lab:router "r"
r:masquerade { out = 'x";flush' }
