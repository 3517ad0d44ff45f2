-- An exercise lab: seed 001's client - router - server, handed to the
-- student broken in two places. The client has no route beyond its own
-- network, and the router drops forwarded connections to the server's
-- web port. The student repairs both from inside the nodes and asks
-- nslab whether the work is done:
--
--   nslab up labs/exercise-broken-route.lua        (or: nslab repl ...)
--   nslab check exercise-broken-route              which exercises pass, hints
--   ip netns exec exercise-broken-route.client ip route ...   the repair
--   nslab check exercise-broken-route
--
-- `nslab test` proves the exercises work as exercises: each must fail on
-- the lab as built and pass once its solution is applied.
local expect = require "nslab.expect"

local client = lab:host "client"
local router = lab:router "router"
local server = lab:host "server"

lab:link(client, router, { "10.0.1.2/24", "10.0.1.1/24" }, { names = { "cl-rt0", "cl-rt1" } })
lab:link(server, router, { "10.0.2.2/24", "10.0.2.1/24" }, { names = { "sv-rt0", "sv-rt1" } })
server:route("default", "10.0.2.1")
-- broken on purpose: no `client:route("default", "10.0.1.1")`

-- the server's web port: answers with the address it sees
server:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello from server'"
-- broken on purpose: the router drops forwarded connections to it
router:forward { proto = "tcp", port = 8080, action = "drop" }

-- What works from the start (the lab's own checks).
lab:expect_reach(client, router, { desc = "client reaches its router 10.0.1.1" })
lab:expect_reach(server, router, { desc = "server reaches its router 10.0.2.1" })
lab:expect_no_reach(client, server, { desc = "client cannot reach the server yet (the lab starts broken)" })

lab:exercise {
  goal = "client reaches the server 10.0.2.2 (ping)",
  hint = "client knows only its own network 10.0.1.0/24: look at `ip route` in client, " ..
         "and give it a default route through the router (10.0.1.1)",
  check = function()
    lab:expect_route(client, "10.0.2.2", { via = "10.0.1.1" })
    lab:expect_reach(client, server, { timeout = 2 })
  end,
  solution = function() client:route("default", "10.0.1.1") end,
}

lab:exercise {
  goal = "client opens a TCP connection to the server's port 8080",
  hint = "ping works but TCP to port 8080 does not: something on the way filters it. " ..
         "Look at `nft list ruleset` in router, and delete the rule that drops it",
  check = function()
    local ok, found = expect.reach(client, server, { port = 8080, timeout = 2 })
    return ok, found
  end,
  solution = function() router:nft "flush chain inet nslab forward" end,
}
