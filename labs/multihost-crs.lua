-- Client, router and server, each on a machine of its own: the links
-- between them are VXLAN pairs over the machines' underlay network
-- (docs/multi-host.md).
--
-- It needs machines: this one (the coordinator) and two more that root
-- reaches by ssh without a password, nslab installed on each, and an
-- underlay address per machine. Say where they are with:
--   NSLAB_MACHINES="m1=192.168.77.11 m2=192.168.77.12 m3=192.168.77.13" \
--   NSLAB_SSH_CONFIG=~/.ssh/config nslab run labs/multihost-crs.lua
-- (the first is this machine; the others are ssh host names). The test
-- suite's simulated machines do exactly that (tests/spec/multihost_spec.lua).
-- Without NSLAB_MACHINES every node stays on this machine, so the file
-- also runs (and is checked) on one machine alone.
local spec = os.getenv("NSLAB_MACHINES")
local place = {}
if spec and spec ~= "" then
  local list = {}
  for name, addr in spec:gmatch("([%w_-]+)=(%S+)") do list[#list + 1] = { name, addr } end
  if #list ~= 3 then error("NSLAB_MACHINES must name three machines (NAME=UNDERLAY): this one first, then two reached by ssh") end
  for i, m in ipairs(list) do
    lab:machine(m[1], { here = i == 1 or nil, underlay = m[2] })
    place[i] = m[1]
  end
else
  print("NSLAB_MACHINES is not set: every node on this machine (see the top of this file)")
end

local client = lab:host("client", { on = place[1] })
local router = lab:router("router", { on = place[2] })
local server = lab:host("server", { on = place[3] })

lab:link(client, router, { "10.0.1.2/24", "10.0.1.1/24" })
lab:link(server, router, { "10.0.2.2/24", "10.0.2.1/24" })
client:route("default", router)
server:route("default", router)

lab:check("client reaches server 10.0.2.2 through the router", client:ping("10.0.2.2", { count = 3 }))
lab:check("server reaches client back", server:ping(client))
lab:check("server finds client by name (its hosts file names every node)",
  server:exec("getent hosts client").out:match("^%S+") == "10.0.1.2")

-- a TCP server that answers with the source address it saw
server:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
local seen = lab:eventually(function()
  local ok, out = client:connect(server, 8080)
  return ok and out:match("%S+")
end)
lab:check("server sees the client's own address 10.0.1.2", seen == "10.0.1.2", "saw " .. tostring(seen))
