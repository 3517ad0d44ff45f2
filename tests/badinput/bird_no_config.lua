-- expect: 3: bird: unknown option 'conf' (known: config, timeout, user)
local r = lab:router "r"
r:bird { conf = "router id 1.1.1.1;" }
