-- expect: 3: forward action "allow" (use accept, drop or reject)
local r = lab:router "r"
r:forward { iif = "eth0", action = "allow" }
