-- An OSPF ring of BIRD 2 routers: r1 .. rN (N = 6 by default; `N=20
-- nslab run labs/bird-ospf.lua` for another size), each with a loopback
-- 10.255.0.i/32, router i joined to router i+1 by a /30 (10.0.i.0/30),
-- the last to the first. Every router runs BIRD with its own
-- /etc/bird/bird.conf and control socket (node:bird); fast timers (hellos
-- every second on point-to-point links, retransmissions after two) form
-- every adjacency within a second or two; the routes follow some five
-- seconds after start, as BIRD originates a router's LSA again no sooner
-- than 5 s after the last (RFC 2328's MinLSInterval, fixed in BIRD). The
-- checks wait for every adjacency, then ping every loopback from every
-- router.
-- Run it:   nslab run labs/bird-ospf.lua
-- Look:     nslab up labs/bird-ospf.lua, then in the REPL `r1 birdc show route`
local N = math.tointeger(tonumber(os.getenv("N") or "6"))
if not N or N < 3 or N > 200 then error("N must be a whole number from 3 to 200", 0) end

local function bird_conf(i)
  return ([[
router id 10.255.0.%d;

protocol device { }

# OSPF's routes into the kernel's main table
protocol kernel {
  ipv4 { export where source = RTS_OSPF; };
}

protocol ospf v2 ospf1 {
  ipv4 { import all; export none; };
  area 0 {
    interface "eth*" { type ptp; hello 1; dead 4; retransmit 2; };
    interface "lo" { stub yes; };
  };
}
]]):format(i)
end

local r = {}
for i = 1, N do
  r[i] = lab:router("r" .. i)
  r[i]:addr("lo", ("10.255.0.%d/32"):format(i))
end
for i = 1, N do
  lab:link(r[i], r[i % N + 1], { ("10.0.%d.1/30"):format(i), ("10.0.%d.2/30"):format(i) })
end
for i = 1, N do
  r[i]:bird { config = bird_conf(i) }
end

-- both neighbours of every router Full (BIRD's view), every loopback in
-- every router's kernel table (netlink), then answering pings
for i = 1, N do
  lab:expect_ospf_full(r[i], r[i % N + 1], { timeout = 20 })
  lab:expect_ospf_full(r[i], r[(i - 2) % N + 1], { timeout = 20 })
end
for i = 1, N do
  for j = 1, N do
    if i ~= j then r[i]:has_route(("10.255.0.%d/32"):format(j), { timeout = 20 }) end
  end
end
for i = 1, N do
  for j = 1, N do
    if i ~= j then lab:expect_reach(r[i], ("10.255.0.%d"):format(j)) end
  end
end
print(r[1]:birdc "show route")
