-- Seed 001, "VPN Traffic Isolation": a namespace for one application whose
-- only way out is a tunnel to a VPN endpoint, so that when the tunnel is
-- down it reaches nothing at all: a kill switch by construction, with no
-- firewall rule that could be flushed by accident.
-- Run it:  nslab run labs/vpn-only.lua
--
-- The article starts `wg-quick up` inside vpn-only. The trick that makes
-- it a real kill switch is WireGuard's: the tunnel device lives in
-- vpn-only but its UDP socket stays in the namespace it was created in,
-- so vpn-only needs no other interface. vxlan honours the same split, and
-- this lab uses it (the kernel here has no WireGuard; on one that has it,
-- kind = "wireguard" builds the same devices, with keys set by `wg`).
--
--   vpn-only [vpn0 10.8.0.2] ~~ tunnel (UDP 4789, socket in home) ~~ [vpn0 10.8.0.1] vpn
--   home 198.51.100.3 ---+--- wan ---+--- 198.51.100.2 vpn (masquerades)
--                        +--- 198.51.100.1 internet
--
-- "home" plays the article's host (the machine's own namespace, which a
-- lab leaves alone) and "internet" the outside world, on documentation
-- prefixes, so nothing leaves the machine.

-- ip netns add vpn-only (and the rest of the picture)
local app = lab:host "vpn-only"
local home = lab:host "home"
local vpn = lab:router "vpn"
local internet = lab:host "internet"

-- the emulated internet: one segment for the home uplink, the VPN
-- provider and a server out there
local wan = lab:switch "wan"
lab:link(home, wan, { "198.51.100.3/24" })
lab:link(vpn, wan, { "198.51.100.2/24" })
lab:link(internet, wan, { "198.51.100.1/24" })

-- wg-quick up wg0 inside vpn-only: the tunnel's vpn-only end is a device
-- in vpn-only whose socket is home's (via), the other end is the VPN's
local tunnel = lab:link(app, vpn, { "10.8.0.2/24", "10.8.0.1/24" },
  { kind = "vxlan", id = 42, via = { home, vpn }, names = { "vpn0", "vpn0" } })
app:route("default", "10.8.0.1")     -- everything goes into the tunnel

-- the VPN provider sends the tunnel's traffic on to the internet as its own
vpn:masquerade { src = "10.8.0.0/24", out = "eth0" }

-- The article: "curl -s https://ifconfig.me # shows VPN IP". A server on
-- the internet node answers with the source address it saw.
internet:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
local function seen_by_internet(node)
  return lab:eventually(function()
    local ok, out = node:connect("198.51.100.1", 8080)
    return ok and out:match("%S+")
  end)
end

local names = {}
for line in app:exec("ip -o link show").out:gmatch("[^\n]+") do
  names[#names + 1] = line:match("^%d+: ([^:@]+)")
end
table.sort(names)
lab:check("vpn-only holds no interface but lo and the tunnel vpn0", table.concat(names, " ") == "lo vpn0",
  "has " .. table.concat(names, " "))

local via_vpn = seen_by_internet(app)
lab:check("vpn-only reaches the internet 198.51.100.1 and is seen as the VPN 198.51.100.2",
  via_vpn == "198.51.100.2", "seen as " .. tostring(via_vpn))
lab:check("home's own traffic goes out directly, as 198.51.100.3",
  seen_by_internet(home) == "198.51.100.3")

-- the tunnel really runs over home's uplink: its packets are UDP there
local function tx(node, dev)
  return tonumber(node:exec("cat /sys/class/net/" .. dev .. "/statistics/tx_packets").out)
end
local before = tx(home, "eth0")
app:ping("198.51.100.1", { count = 3 })
lab:check("the tunnel's packets leave through home's eth0 (UDP 4789)", tx(home, "eth0") - before >= 3)
lab:check("home holds the tunnel's UDP socket on port 4789",
  home:exec("ss -Hunl").out:find(":4789", 1, true) ~= nil)

-- The kill switch: the tunnel goes down, and vpn-only reaches nothing.
tunnel:down()
for _, target in ipairs { "198.51.100.1", "198.51.100.2", "198.51.100.3", "10.8.0.1" } do
  lab:check("with the tunnel down vpn-only reaches nothing: not " .. target,
    not app:ping(target, { timeout = 1 }))
end
local ok = app:connect("198.51.100.1", 8080, { timeout = 1 })
lab:check("with the tunnel down no TCP connection gets out either", not ok)
-- back up, as wg-quick up would: the device, and the route into it that
-- the kernel dropped with it (link:up puts it back)
tunnel:up()
lab:check("with the tunnel back up vpn-only is online again, through the VPN",
  seen_by_internet(app) == "198.51.100.2")

-- The other failure: the VPN endpoint goes away while vpn-only's end is
-- up. Its packets still go into the tunnel, and nowhere else.
vpn:set("vpn0", { up = false })
lab:check("with the VPN endpoint gone vpn-only does not fall back to home's uplink",
  not app:connect("198.51.100.1", 8080, { timeout = 1 }) and not app:ping("198.51.100.3", { timeout = 1 }))
vpn:set("vpn0", { up = true })
lab:check("with the VPN endpoint back vpn-only is online again",
  seen_by_internet(app) == "198.51.100.2")

print()
print("vpn-only's only interfaces and its routes:")
print(app:exec "ip -br link; ip route")
