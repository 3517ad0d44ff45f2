-- Course step 000-1 (seed 000, up to "Test connectivity between
-- namespaces"): two namespaces on the bridge vnet-0, no gateway yet.
local web = lab:host "web-ns"                 -- ip netns add web-ns
local db = lab:host "db-ns"                   -- ip netns add db-ns
local gw = lab:host "gw"                      -- plays the article's host
local vnet = lab:switch("vnet-0", { node = gw })   -- ip link add vnet-0 type bridge
vnet:addr "192.168.15.1/24"                   -- ip addr add 192.168.15.1/24 dev vnet-0
-- ip link add eth0-web type veth peer name veth-web-br ; netns / master / up
lab:link(web, vnet, { "192.168.15.5/24" }, { names = { "eth0-web", "veth-web-br" } })
lab:link(db, vnet, { "192.168.15.6/24" }, { names = { "eth0-db", "veth-db-br" } })

-- ip netns exec web-ns ping 192.168.15.6 (and back)
lab:check("web-ns reaches db-ns over vnet-0", web:ping "192.168.15.6")
lab:check("db-ns reaches web-ns over vnet-0", db:ping "192.168.15.5")
lab:check("web-ns reaches the bridge's own address", web:ping "192.168.15.1")
-- ip netns exec web-ns route: only the connected network, no default yet
lab:check("web-ns has no default route yet",
  not web:exec("ip route show default").out:find("default", 1, true))
