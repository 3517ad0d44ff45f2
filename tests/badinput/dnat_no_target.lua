-- expect: 3: dnat needs to= ("address" or "address:port")
local r = lab:router "r"
r:dnat { iif = "eth0", port = 80 }
