-- expect: 3: bird: user must be a user name like "bird" (or "user:group", or false for root), got bird; rm
local r = lab:router "r"
r:bird { config = "router id 1.1.1.1;", user = "bird; rm" }
