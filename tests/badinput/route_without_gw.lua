-- expect: 3: route 10.1.0.0/16 needs a gateway or a device
local a = lab:host "a"
a:route("10.1.0.0/16")
