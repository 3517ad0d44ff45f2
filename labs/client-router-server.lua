-- Seed 001, "Network Testing Without Affecting the Host": a client and a
-- server on two networks, joined by a router namespace with forwarding on.
-- Run it:  nslab run labs/client-router-server.lua
--
-- ip netns add client / router / server
local client = lab:host "client"
local router = lab:router "router"   -- sysctl -w net.ipv4.ip_forward=1 (in router only)
local server = lab:host "server"

-- ip link add cl-rt0 type veth peer name cl-rt1  (cl-rt0 -> client, cl-rt1 -> router)
-- ip addr add 10.0.1.2/24 dev cl-rt0 ; 10.0.1.1/24 dev cl-rt1 ; links up
lab:link(client, router, { "10.0.1.2/24", "10.0.1.1/24" }, { names = { "cl-rt0", "cl-rt1" } })
-- ip link add sv-rt0 type veth peer name sv-rt1  (sv-rt0 -> server, sv-rt1 -> router)
lab:link(server, router, { "10.0.2.2/24", "10.0.2.1/24" }, { names = { "sv-rt0", "sv-rt1" } })

-- ip route add default via ... in client and server
client:route("default", "10.0.1.1")
server:route("default", "10.0.2.1")

-- The article's test: ip netns exec client ping -c 3 10.0.2.2
lab:check("client reaches server 10.0.2.2 through the router (ping -c 3)",
  client:ping("10.0.2.2", { count = 3 }))
lab:check("server reaches client 10.0.1.2 back", server:ping(client))

-- A TCP server on the server that answers with the source address it saw.
server:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
local seen = lab:eventually(function()
  local ok, out = client:connect(server, 8080)
  return ok and out:match("%S+")
end)
lab:check("server sees the client's own address 10.0.1.2 (routed, not NATed)",
  seen == "10.0.1.2", "saw " .. tostring(seen))

lab:check("forwarding is on in the router only",
  router:sysctl "net.ipv4.ip_forward" == "1" and client:sysctl "net.ipv4.ip_forward" == "0")

print()
print("client's routes:")
print(client:exec "ip route")
