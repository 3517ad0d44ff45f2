-- Course step 003-1: an OSPF network that does not converge. Three FRR
-- routers in a line, each with a loopback it announces:
--
--   r1 (10.255.0.1) -- 10.0.12.0/24 -- r2 (10.255.0.2) -- 10.0.23.0/24 -- r3 (10.255.0.3)
--
-- Two things are wrong, one per exercise. Find them with FRR's own
-- commands and repair them in the running routers:
--
--   nslab up labs/course/003-1-ospf-broken.lua      then, in the REPL:
--   r2 vtysh                   FRR's shell of r2: show ip ospf neighbor,
--                              show ip ospf interface, show running-config
--   (or from another terminal: nslab exec 003-1-ospf-broken r2 -- vtysh)
--   nslab check 003-1-ospf-broken                   which exercises pass, hints
--
-- `nslab test` proves both exercises start unsolved and are solved by
-- their solutions.
local converge = require "nslab.converge"

local r1, r2, r3 = lab:router "r1", lab:router "r2", lab:router "r3"
lab:link(r1, r2, { "10.0.12.1/24", "10.0.12.2/24" })
lab:link(r2, r3, { "10.0.23.2/24", "10.0.23.3/24" })

local function ospf(name, id, ifaces, nets)
  local t = { "hostname " .. name }
  for _, i in ipairs(ifaces) do
    local ifname, hello = i[1], i[2]
    t[#t + 1] = ("interface %s\n ip ospf network point-to-point\n ip ospf hello-interval %d\n" ..
      " ip ospf dead-interval %d"):format(ifname, hello, hello * 3)
  end
  t[#t + 1] = ("router ospf\n ospf router-id %s\n timers throttle spf 0 50 1000\n timers throttle lsa all 0\n timers lsa min-arrival 0"):format(id)
  for _, n in ipairs(nets) do t[#t + 1] = " network " .. n end
  return table.concat(t, "\n") .. "\n"
end

for i, r in ipairs { r1, r2, r3 } do r:addr("lo", ("10.255.0.%d/32"):format(i)) end
-- broken on purpose: r1 puts the r1-r2 link in area 1, r2 in area 0
r1:frr { wait = false, config = ospf("r1", "10.255.0.1", { { "eth0", 1 } },
  { "10.0.12.0/24 area 1", "10.255.0.1/32 area 0" }) }
r2:frr { wait = false, config = ospf("r2", "10.255.0.2", { { "eth0", 1 }, { "eth1", 1 } },
  { "10.0.12.0/24 area 0", "10.0.23.0/24 area 0", "10.255.0.2/32 area 0" }) }
-- broken on purpose: r3 says hello every 4 s (dead after 12), r2 every 1 s
r3:frr { wait = false, config = ospf("r3", "10.255.0.3", { { "eth0", 4 } },
  { "10.0.23.0/24 area 0", "10.255.0.3/32 area 0" }) }
lab:frr_wait()

-- What works from the start: the links themselves.
lab:expect_reach(r1, r2, { desc = "r1 reaches r2 on their link" })
lab:expect_reach(r2, r3, { desc = "r2 reaches r3 on their link" })

lab:exercise {
  goal = "r2 and r3 become OSPF neighbours (state Full)",
  hint = "r2 sees no neighbour on eth1: compare `show ip ospf interface` in r2 and r3 " ..
         "(OSPF neighbours must agree on the hello and dead intervals)",
  check = function()
    local ok, found = converge.ospf_full(r2, r3, { timeout = 5 })
    if not ok then return false, found end
    lab:expect_has_route(r2, "10.255.0.3/32", { via = r3, timeout = 5 })
  end,
  solution = function()
    r3:vtysh { "configure terminal", "interface eth0", "ip ospf hello-interval 1", "ip ospf dead-interval 3" }
  end,
}

lab:exercise {
  goal = "r1 and r2 become OSPF neighbours (state Full)",
  hint = "both say hello on 10.0.12.0/24 but never become neighbours: look at which area " ..
         "each puts that network in (`show running-config`, `show ip ospf interface eth0`)",
  check = function()
    local ok, found = converge.ospf_full(r1, r2, { timeout = 5 })
    if not ok then return false, found end
    lab:expect_has_route(r1, "10.255.0.2/32", { via = r2, timeout = 5 })
  end,
  solution = function()
    r1:vtysh { "configure terminal", "router ospf", "no network 10.0.12.0/24 area 1",
      "network 10.0.12.0/24 area 0" }
  end,
}
