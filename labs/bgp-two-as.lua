-- BGP between two autonomous systems, with FRR:
--
--   AS 65001:  a1 --iBGP-- a2  ==eBGP==  b1  :AS 65002
--            10.0.1.0/24    10.0.12.0/24     192.0.2.0/24 (b1's, announced)
--
-- b1 announces 192.0.2.0/24; a2 learns it over eBGP and passes it to a1
-- over iBGP (next-hop-self); a1 reaches 192.0.2.1 by ping. Then b1
-- withdraws the prefix: the route is gone from a1 and so is the reply.
local a1, a2, b1 = lab:router "a1", lab:router "a2", lab:router "b1"
lab:link(a1, a2, { "10.0.1.1/24", "10.0.1.2/24" })
lab:link(a2, b1, { "10.0.12.1/24", "10.0.12.2/24" })
b1:addr("lo", "192.0.2.1/24")

-- Fast timers (keepalive 1 s, hold 3 s, no advertisement delay); FRR 8
-- refuses eBGP routes without a policy unless told otherwise.
local common = [[
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 1 3
]]

a1:frr { wait = false, config = [[
hostname a1
router bgp 65001
 bgp router-id 10.0.1.1
]] .. common .. [[
 neighbor 10.0.1.2 remote-as 65001
 neighbor 10.0.1.2 timers connect 1
 address-family ipv4 unicast
  neighbor 10.0.1.2 activate
 exit-address-family
]] }

a2:frr { wait = false, config = [[
hostname a2
router bgp 65001
 bgp router-id 10.0.12.1
]] .. common .. [[
 neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 timers connect 1
 neighbor 10.0.12.2 remote-as 65002
 neighbor 10.0.12.2 timers connect 1
 neighbor 10.0.12.2 advertisement-interval 0
 address-family ipv4 unicast
  network 10.0.1.0/24
  neighbor 10.0.1.1 activate
  neighbor 10.0.1.1 next-hop-self
  neighbor 10.0.12.2 activate
 exit-address-family
]] }

b1:frr { wait = false, config = [[
hostname b1
router bgp 65002
 bgp router-id 10.0.12.2
]] .. common .. [[
 neighbor 10.0.12.1 remote-as 65001
 neighbor 10.0.12.1 timers connect 1
 neighbor 10.0.12.1 advertisement-interval 0
 address-family ipv4 unicast
  network 192.0.2.0/24
  neighbor 10.0.12.1 activate
 exit-address-family
]] }
lab:frr_wait()

-- Sessions up, inside the AS and across.
a1:bgp_established("10.0.1.2", { timeout = 15 })
a2:bgp_established(b1, { timeout = 15 })

-- The prefix is announced, learnt by a2 (eBGP) and a1 (iBGP), and reached.
a2:has_route("192.0.2.0/24", { via = b1, timeout = 15 })
a1:has_route("192.0.2.0/24", { via = a2, timeout = 15 })
b1:has_route("10.0.1.0/24", { via = a2, timeout = 15 })
lab:expect_reach(a1, "192.0.2.1", { timeout = 5 })
print(a1:vtysh "show bgp ipv4 unicast 192.0.2.0/24")

-- Withdrawn: gone from both, and no reply any more.
b1:vtysh { "configure terminal", "router bgp 65002", "address-family ipv4 unicast", "no network 192.0.2.0/24" }
a2:no_route("192.0.2.0/24", { timeout = 10 })
a1:no_route("192.0.2.0/24", { timeout = 10 })
lab:expect_no_reach(a1, "192.0.2.1")
