-- Seed 000, "The Basics of Network Namespace": web-ns and db-ns on the
-- bridge vnet-0, which holds the gateway address 192.168.15.1/24, with
-- MASQUERADE for 192.168.15.0/24. The article's host is node "gw" here,
-- and "the internet" is node "internet" (198.51.100.1, a documentation
-- prefix), so nothing leaves the machine.
-- Run it:  nslab run labs/bridge-nat.lua

-- ip netns add web-ns ; ip netns add db-ns
local web = lab:host "web-ns"
local db = lab:host "db-ns"
local gw = lab:router "gw"
local internet = lab:host "internet"

-- ip link add vnet-0 type bridge ; ip addr add 192.168.15.1/24 dev vnet-0
local vnet = lab:switch("vnet-0", { node = gw })
vnet:addr "192.168.15.1/24"

-- ip link add eth0-web type veth peer name veth-web-br ; eth0-web -> web-ns,
-- veth-web-br master vnet-0 ; addresses ; up (the same for db)
lab:link(web, vnet, { "192.168.15.5/24" }, { names = { "eth0-web", "veth-web-br" } })
lab:link(db, vnet, { "192.168.15.6/24" }, { names = { "eth0-db", "veth-db-br" } })

-- the gateway's uplink to the emulated internet
lab:link(gw, internet, { "198.51.100.2/24", "198.51.100.1/24" }, { names = { "uplink", "eth0" } })

-- ip netns exec web-ns ip route add default via 192.168.15.1 (and db-ns)
web:route("default", "192.168.15.1")
db:route("default", "192.168.15.1")

-- iptables -t nat -A POSTROUTING -s 192.168.15.0/24 -j MASQUERADE
gw:masquerade { src = "192.168.15.0/24" }

-- The article's tests: the namespaces reach each other over the bridge...
lab:check("web-ns reaches db-ns 192.168.15.6 over vnet-0", web:ping "192.168.15.6")
lab:check("db-ns reaches web-ns 192.168.15.5 over vnet-0", db:ping "192.168.15.5")
-- ...and, through the gateway and NAT, the outside world.
lab:check("web-ns reaches the internet node 198.51.100.1", web:ping "198.51.100.1")

internet:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
for _, n in ipairs { web, db } do
  local seen = lab:eventually(function()
    local ok, out = n:connect("198.51.100.1", 8080)
    return ok and out:match("%S+")
  end)
  lab:check(("the internet sees %s as the gateway 198.51.100.2 (masqueraded)"):format(n.name),
    seen == "198.51.100.2", "saw " .. tostring(seen))
end
lab:check("the internet has no way in to 192.168.15.5", not internet:ping("192.168.15.5", { timeout = 1 }))

print()
print("gw's NAT rules:")
print(gw:ruleset())
