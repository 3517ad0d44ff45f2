-- expect: 3: dnat port 70000 is out of range 1-65535
local r = lab:router "r"
r:dnat { iif = "eth0", port = 70000, to = "10.0.0.2" }
