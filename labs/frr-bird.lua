-- FRR and BIRD peering: r1 runs FRR (AS 65001), r2 runs BIRD 2 (AS
-- 65002), eBGP between them on 10.0.12.0/30. Each announces the network
-- behind it (h1's 10.1.0.0/24 from FRR, h2's 10.2.0.0/24 from BIRD); the
-- checks see the session Established from both daemons' views, each route
-- in the other router's kernel table, and h1 and h2 reaching each other
-- through both. Then BIRD stops announcing its network (a new bird.conf,
-- `birdc configure`): FRR withdraws it; and announces it again.
-- Run it:   nslab run labs/frr-bird.lua
-- Look:     nslab up labs/frr-bird.lua, then `r1 vtysh -c "show bgp ipv4"`,
--           `r2 birdc show route` in the REPL
local h1, r1 = lab:host "h1", lab:router "r1"
local r2, h2 = lab:router "r2", lab:host "h2"
lab:link(h1, r1, { "10.1.0.2/24", "10.1.0.1/24" })
lab:link(r1, r2, { "10.0.12.1/30", "10.0.12.2/30" })
lab:link(r2, h2, { "10.2.0.1/24", "10.2.0.2/24" })
h1:route("default", r1)
h2:route("default", r2)

-- FRR: short BGP timers so the session comes up and goes down quickly
r1:frr { config = [[
frr defaults traditional
hostname r1
router bgp 65001
 bgp router-id 10.0.12.1
 no bgp ebgp-requires-policy
 neighbor 10.0.12.2 remote-as 65002
 neighbor 10.0.12.2 timers 1 3
 neighbor 10.0.12.2 timers connect 1
 address-family ipv4 unicast
  network 10.1.0.0/24
 exit-address-family
]] }

-- BIRD: announce the network on eth1 (h2's) when `announce` is true
local function bird_conf(announce)
  return ([[
router id 10.0.12.2;
protocol device { }
protocol direct { ipv4; interface "eth1"; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; }
protocol bgp bgp1 {
  local 10.0.12.2 as 65002;
  neighbor 10.0.12.1 as 65001;
  hold time 3; keepalive time 1; connect delay time 1; connect retry time 1;
  ipv4 { import all; export %s; };
}
]]):format(announce and "where net = 10.2.0.0/24" or "none")
end
r2:bird { config = bird_conf(true) }

-- the session, seen by each side's own daemon
lab:expect_bgp_established(r1, r2, { timeout = 20 })
lab:expect_bgp_established(r2, r1, { timeout = 20 })
lab:expect_bird_up(r2, "bgp1")
-- routes exchanged both ways, in the kernel (netlink), and used
r1:has_route("10.2.0.0/24", { via = r2, timeout = 10 })
r2:has_route("10.1.0.0/24", { via = r1, timeout = 10 })
lab:expect_reach(h1, h2)
lab:expect_reach(h2, h1)

-- BIRD withdraws its network: gone from FRR's router, and back
r2:bird_configure(bird_conf(false))
r1:no_route("10.2.0.0/24", { timeout = 10 })
lab:expect_no_reach(h1, h2)
r2:bird_configure(bird_conf(true))
r1:has_route("10.2.0.0/24", { via = r2, timeout = 10 })
lab:expect_reach(h1, h2)
print(r1:vtysh "show bgp ipv4 unicast")
