-- Seed 001, "Container Networking Under the Hood": what `docker run`
-- does, by hand. Each container is a namespace with one end of a veth
-- pair; the other end hangs on the docker0 bridge, which holds the
-- containers' gateway 172.17.0.1; NAT and FORWARD rules let them out; and
-- `docker run -p 8080:80` is a DNAT from the host's uplink address to the
-- container. The article's host is node "docker-host" here (a lab leaves
-- the machine's own namespace alone) and "internet" is the world outside.
-- Run it:  nslab run labs/containers.lua
--
--   web 172.17.0.2 --+
--   db  172.17.0.3 --+-- docker0 172.17.0.1 [docker-host] eth0 198.51.100.2 --- 198.51.100.1 internet
--   cache 172.17.0.4 +

local host = lab:router "docker-host"
local internet = lab:host "internet"
lab:link(host, internet, { "198.51.100.2/24", "198.51.100.1/24" }, { names = { "eth0", "eth0" } })

-- the docker0 bridge, with the gateway address of the default network
local docker0 = lab:switch("docker0", { node = host })
docker0:addr "172.17.0.1/16"

-- docker run, three times: 1. a namespace (clone(CLONE_NEWNET)); 2. a veth
-- pair, one end into the container as eth0, the other on docker0; 3. an
-- address from the bridge's subnet; 4. a default route via the bridge.
local containers = {}
for i, c in ipairs {
  { name = "web", veth = "veth1f3a9c2" },
  { name = "db", veth = "veth7b24e05" },
  { name = "cache", veth = "veth0d6e81b" },
} do
  local ct = lab:host(c.name)
  lab:link(ct, docker0, { ("172.17.0.%d/16"):format(i + 1) }, { names = { "eth0", c.veth } })
  ct:route("default", "172.17.0.1")
  containers[#containers + 1] = ct
end
local web, db, cache = table.unpack(containers)

-- 5. iptables NAT and FORWARD rules on the host, as Docker writes them:
--   -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
--   -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
--   -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
--   -A FORWARD -i docker0 -o docker0 -j ACCEPT
--   -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp --dport 80 -j ACCEPT
--   -t nat -A DOCKER ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
host:forward_policy "drop"
host:masquerade { src = "172.17.0.0/16", out = "eth0" }
host:forward { iif = "docker0", oif = "eth0" }
host:forward { oif = "docker0", state = "established,related" }
host:forward { iif = "docker0", oif = "docker0" }
host:forward { iif = "eth0", oif = "docker0", dst = "172.17.0.2", proto = "tcp", port = 80 }
-- docker run -p 8080:80 web
host:dnat { iif = "eth0", proto = "tcp", port = 8080, to = "172.17.0.2:80" }

-- the container's own process: a web server on port 80
local server = web:spawn { "python3", "-m", "http.server", "80", "--bind", "0.0.0.0", "--directory", "/" }

-- Containers reach each other over docker0, by name too (hosts file).
lab:check("web reaches db 172.17.0.3 over docker0", web:ping "db")
lab:check("cache reaches web 172.17.0.2 over docker0", cache:ping "172.17.0.2")

-- Containers reach the outside world, masqueraded as the host.
for _, ct in ipairs(containers) do
  lab:expect_nat(ct, internet, { as = "198.51.100.2" })
end

-- The published port: the internet connects to the host's 8080 and is
-- answered by the web server in the web container.
local status = lab:eventually(function()
  local r = internet:exec({ "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
    "http://198.51.100.2:8080/" })
  return r.ok and r.out == "200" and r.out
end)
lab:check("the internet gets 200 from 198.51.100.2:8080 (the published port)", status == "200",
  "status " .. tostring(status))
lab:check("the web container's server saw the request from the internet's own 198.51.100.1",
  lab:eventually(function() return server:output():find("198.51.100.1 - - .-\"GET / HTTP/1.1\" 200") end),
  server:output())
-- Even a neighbour on the uplink that routes 172.17.0.0/16 to the host
-- gets only what is published: FORWARD drops the rest.
db:spawn "socat TCP-LISTEN:5432,reuseaddr,fork SYSTEM:'echo db'"
lab:eventually(function() return db:connect("127.0.0.1", 5432) end)
internet:route("172.17.0.0/16", "198.51.100.2")
lab:check("the internet still cannot reach db's unpublished port 5432",
  not internet:connect("172.17.0.3", 5432, { timeout = 1 }))
lab:check("nor ping a container", not internet:ping("172.17.0.3", { timeout = 1 }))
lab:check("while the published web server answers on its own address too",
  internet:connect("172.17.0.2", 80, { send = "HEAD / HTTP/1.0\r\n\r\n" }))

print()
print("docker-host's rules (iptables -t nat -L; iptables -L FORWARD):")
print(host:ruleset())
