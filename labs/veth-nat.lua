-- Seed 001, "Giving a Namespace Internet Access via NAT": namespace blue
-- joined by one veth pair (veth0 / veth1) to the host, with forwarding,
-- MASQUERADE and the article's two FORWARD rules. The article's host is
-- node "gw"; "the internet" is node "internet" (198.51.100.1).
-- Run it:  nslab run labs/veth-nat.lua

local blue = lab:host "blue"
local gw = lab:router "gw"            -- sysctl -w net.ipv4.ip_forward=1
local internet = lab:host "internet"

-- ip link add veth0 type veth peer name veth1 ; veth1 -> blue
-- ip addr add 10.10.0.1/24 dev veth0 ; 10.10.0.2/24 dev veth1 (in blue)
lab:link(gw, blue, { "10.10.0.1/24", "10.10.0.2/24" }, { names = { "veth0", "veth1" } })
-- the host's eth0, towards the internet
lab:link(gw, internet, { "198.51.100.2/24", "198.51.100.1/24" }, { names = { "eth0", "eth0" } })

-- ip netns exec blue ip route add default via 10.10.0.1
blue:route("default", "10.10.0.1")

-- iptables -t nat -A POSTROUTING -s 10.10.0.0/24 -o eth0 -j MASQUERADE
gw:masquerade { src = "10.10.0.0/24", out = "eth0" }
-- iptables -A FORWARD -i veth0 -o eth0 -j ACCEPT
gw:forward { iif = "veth0", oif = "eth0", action = "accept" }
-- iptables -A FORWARD -i eth0 -o veth0 -m state --state RELATED,ESTABLISHED -j ACCEPT
gw:forward { iif = "eth0", oif = "veth0", state = "related,established", action = "accept" }
-- Many hosts (Docker's among them) drop forwarded traffic by default; with
-- that policy the two rules above are what lets blue out.
gw:forward_policy "drop"

lab:check("blue reaches its gateway 10.10.0.1 (ping -c 3)", blue:ping("10.10.0.1", { count = 3 }))
lab:check("blue reaches the internet node 198.51.100.1", blue:ping "198.51.100.1")

internet:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
local seen = lab:eventually(function()
  local ok, out = blue:connect("198.51.100.1", 8080)
  return ok and out:match("%S+")
end)
lab:check("the internet sees blue as 198.51.100.2 (masqueraded), never 10.10.0.2",
  seen == "198.51.100.2", "saw " .. tostring(seen))

-- Even with a route to blue, the internet cannot open connections to it:
-- only related/established traffic is forwarded inwards.
internet:route("10.10.0.0/24", "198.51.100.2")
lab:check("a new connection from the internet to blue is dropped by FORWARD",
  not internet:ping("10.10.0.2", { timeout = 1 }))
