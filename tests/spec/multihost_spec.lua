-- Labs over several machines (issue 17, docs/multi-host.md), on three
-- simulated machines (tests/lib/machines.lua: namespaces with a real sshd
-- each, on an underlay bridge). The coordinator (`nslab run`) runs on m1;
-- every machine's state is read with `ip`, `nft` and `pgrep` run there.
local T = require "nslab_test"
local machines = require "machines"
local json = require "nslab.json"
local Tty = require "tty"

local q = T.q
local NSLAB = T.NSLAB:sub(1, 1) == "/" and T.NSLAB or (os.getenv("PWD") .. "/" .. T.NSLAB)
local ALL = { "m1", "m2", "m3" }
local MACHINES = "m1=192.168.77.11 m2=192.168.77.12 m3=192.168.77.13"

local HEADER = [[
lab:machine("m1", { here = true, underlay = "192.168.77.11" })
lab:machine("m2", { underlay = "192.168.77.12" })
lab:machine("m3", { underlay = "192.168.77.13" })
]]

describe("multi-host", function()
  local sim, before

  -- What a machine holds that a lab could leave: namespaces, VXLAN
  -- devices, nslab state, nslab processes (agents, coordinators).
  local function state(m)
    local _, out = sim:run(m, "ip netns list; ip -o link show type vxlan; ls -A /run/nslab 2>/dev/null; " ..
      "ls -A /etc/netns 2>/dev/null; pgrep -x nslab")
    return out
  end
  local function snapshot()
    local s = {}
    for _, m in ipairs(ALL) do s[m] = state(m) end
    return s
  end
  -- every machine as before (polled: agents end and namespaces go
  -- asynchronously)
  local function all_as_before(timeout)
    for _, m in ipairs(ALL) do
      local same, now = T.eventually(function()
        local s = state(m)
        return s == before[m], s
      end, timeout or 10)
      assert(same, ("machine %s is not as before:\n--- before\n%s--- now\n%s"):format(m, before[m], tostring(now)))
    end
  end

  -- nslab on machine m with the simulated machines' ssh config.
  local function env()
    return ("NSLAB_SSH_CONFIG=%s NSLAB_REMOTE_NSLAB=%s NSLAB_MACHINES=%s "):format(q(sim.ssh_config), q(NSLAB),
      q(MACHINES))
  end
  local function nslab_on(m, args)
    return sim:run(m, env() .. q(NSLAB) .. " " .. args)
  end

  setup(function() sim = machines.up(3) end)
  teardown(function() if sim then sim:down() end end)
  before_each(function() before = snapshot() end)
  after_each(function()
    all_as_before()
  end)

  it("client, router and server on three machines: checks pass, VXLAN over the underlay, up then down", function()
    local st, out, err = nslab_on("m1", "up --name mhcrs labs/multihost-crs.lua")
    assert.are.equal(0, st, out .. err)
    assert.are.equal(4, select(2, ("\n" .. out):gsub("\nok %- ", "")), out)
    assert.is_nil(out:find("not ok", 1, true), out)
    -- each end is a vxlan device in its node, its socket in its machine
    local function vx(m, node)
      local _, j = sim:run(m, ("ip netns exec mhcrs.%s ip -d -j link show type vxlan"):format(node))
      local list = json.decode(j)
      local by = {}
      for _, l in ipairs(list) do by[l.ifname] = l end
      return by
    end
    local client, router, server = vx("m1", "client"), vx("m2", "router"), vx("m3", "server")
    local c, r0, r1, s = client.eth0, router.eth0, router.eth1, server.eth0
    assert(c and r0 and r1 and s, "vxlan eth0 in client, eth0 and eth1 in router, eth0 in server")
    local ci, r0i, r1i, si = c.linkinfo.info_data, r0.linkinfo.info_data, r1.linkinfo.info_data, s.linkinfo.info_data
    assert.are.same({ "192.168.77.11", "192.168.77.12", 4789 }, { ci["local"], ci.remote, ci.port })
    assert.are.same({ "192.168.77.12", "192.168.77.11" }, { r0i["local"], r0i.remote })
    assert.are.same({ "192.168.77.12", "192.168.77.13" }, { r1i["local"], r1i.remote })
    assert.are.same({ "192.168.77.13", "192.168.77.12" }, { si["local"], si.remote })
    assert.are.equal(ci.id, r0i.id)
    assert.are.equal(si.id, r1i.id)
    assert.are_not.equal(ci.id, si.id)
    -- the underlay's MTU (1500) minus 50, at both ends
    for _, l in ipairs { c, r0, r1, s } do assert.are.equal(1450, l.mtu) end
    -- traffic crosses the underlay: VXLAN packets counted arriving on m2
    assert.are.equal(0, (sim:run("m2", "nft add table inet mhcount && nft add chain inet mhcount in " ..
      "'{ type filter hook input priority 0; }' && nft add rule inet mhcount in udp dport 4789 counter")))
    local pst, pout = sim:run("m1", "ip netns exec mhcrs.client ping -c 5 -i 0.2 -W 2 10.0.2.2")
    assert.are.equal(0, pst, pout)
    local _, nj = sim:run("m2", "nft -j list table inet mhcount")
    sim:run("m2", "nft delete table inet mhcount")
    local packets
    for _, o in ipairs(json.decode(nj).nftables) do
      for _, e in ipairs(o.rule and o.rule.expr or {}) do
        if e.counter then packets = e.counter.packets end
      end
    end
    -- 5 requests from m1, 5 replies from m3
    assert.is_true(packets >= 10, "vxlan packets into m2: " .. tostring(packets))
    -- each machine's part has its own journal
    local _, ls = nslab_on("m2", "ls")
    assert.is_truthy(ls:find("mhcrs%s+root%s+1%s+kept"), ls)
    local _, ls1 = nslab_on("m1", "ls")
    assert.is_truthy(ls1:find("mhcrs%s+root%s+1%s+kept.*%(%+1 on m2, 1 on m3%)"), ls1)
    -- where each node is, and the VXLAN end's MTU, in inspect --json: on
    -- the coordinator, each other machine's part read there and joined
    local _, i1 = nslab_on("m1", "inspect --json mhcrs")
    local d1 = json.decode(i1)
    assert.are.same({ { name = "m2", ssh = "m2", nodes = { "router" }, reached = true },
      { name = "m3", ssh = "m3", nodes = { "server" }, reached = true } }, d1.machines)
    assert.are.same({ "client", "m1" }, { d1.nodes[1].name, d1.nodes[1].machine })
    local where, node = {}, {}
    for _, n in ipairs(d1.nodes) do where[n.name], node[n.name] = n.machine, n end
    assert.are.same({ client = "m1", router = "m2", server = "m3" }, where)
    -- the router's interfaces as m2's kernel holds them (the address is m2's)
    local raddrs = {}
    for _, i in ipairs(node.router.interfaces) do raddrs[i.name] = i.addresses[1] end
    assert.are.same({ "10.0.1.1/24", "10.0.2.1/24" }, { raddrs.eth0, raddrs.eth1 })
    -- the links between machines, with their VNIs, and each end's peer
    local cross = {}
    for _, l in ipairs(d1.links) do
      if l.vni then cross[#cross + 1] = ("%s:%s-%s:%s %d"):format(l.a.node, l.a.interface, l.b.node, l.b.interface, l.vni) end
    end
    table.sort(cross)
    assert.are.same({ ("client:eth0-router:eth0 %d"):format(ci.id), ("server:eth0-router:eth1 %d"):format(si.id) }, cross)
    local ceth0
    for _, i in ipairs(node.client.interfaces) do if i.name == "eth0" then ceth0 = i end end
    assert.are.same({ node = "router", interface = "eth0" }, ceth0.peer)
    -- the live drawing: a box per machine, the VXLAN links between them
    local gst, gdot, gerr = nslab_on("m1", "graph mhcrs")
    assert.are.equal(0, gst, gerr)
    assert.is_truthy(gdot:find('"machine:m2"', 1, true) and gdot:find('label="machine m3"', 1, true), gdot)
    assert.is_truthy(gdot:find('id="link:client:eth0--router:eth0"', 1, true), gdot)
    assert.is_truthy(gdot:find(("vxlan %d"):format(si.id), 1, true), gdot)
    -- the live page on the coordinator: every machine's nodes, where each
    -- is, the links between machines; a node elsewhere is not changed here
    local wlog = os.tmpname()
    local wpid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " web --port 0 mhcrs", wlog)
    finally(function() T.sh("kill " .. wpid .. " 2>/dev/null") end)
    local url = T.eventually(function() return (T.slurp(wlog) or ""):match("^(http://%S+)\n") end, 30)
    assert(url, "nslab web printed no URL: " .. tostring(T.slurp(wlog)))
    local base, token = url:match("^(http://[^/]+)/%?token=(%x+)$")
    local function wget(path, extra)
      local _, body = sim:run("m1", ("curl -s -m 10 -H 'X-Nslab-Token: %s' %s %s"):format(token, extra or "",
        q(base .. path)))
      return body
    end
    local topo = json.decode(wget("/api/topo"))
    local on, vnis = {}, {}
    for _, n in ipairs(topo.nodes) do on[n.name] = n.machine end
    for _, l in ipairs(topo.links) do if l.vni then vnis[#vnis + 1] = l.vni end end
    table.sort(vnis)
    assert.are.same({ client = "m1", router = "m2", server = "m3" }, on)
    assert.are.same({ math.min(ci.id, si.id), math.max(ci.id, si.id) }, vnis)
    -- live rates of the link between machines, read at its end here
    sim:run("m1", "ip netns exec mhcrs.client ping -c 10 -i 0.3 10.0.2.2 >/dev/null 2>&1 &")
    local events = wget("/api/events", "-N -m 4")
    assert.is_truthy(events:find('event: rates\ndata: {"links":{"link:client:eth0--router:eth0":{"ab_bps":', 1, true),
      events)
    local rnode = json.decode(wget("/api/node/router"))
    assert.are.same({ "router", "m2" }, { rnode.name, rnode.machine })
    local refused = wget("/api/link", "-X POST -H 'Content-Type: application/json' " ..
      " --data-binary " .. q('{"node":"router","ifname":"eth0","state":"down"}'))
    assert.is_truthy(refused:find("node router is on machine m2: change it there", 1, true), refused)
    local svg = T.eventually(function()
      local t = wget("/api/topo.svg")
      return t:find("machine m3", 1, true) and t
    end, 30)
    assert(svg, "no drawing with a box for machine m3")
    T.sh("kill " .. wpid)
    assert(T.eventually(function() return T.sh("kill -0 " .. wpid) ~= 0 end, 10), "nslab web did not stop")
    os.remove(wlog)
    -- --here: this machine's part alone; the human view names machines
    local _, ih = nslab_on("m1", "inspect --json --here mhcrs")
    local dh = json.decode(ih)
    assert.are.same({ 1, nil }, { #dh.nodes, dh.machines[1].reached })
    -- a machine that cannot be reached is said, its nodes named; the rest
    -- is shown (m3's sshd refuses connections for a moment)
    assert.are.equal(0, (sim:run("m3", "nft add table inet mhssh && nft add chain inet mhssh in " ..
      "'{ type filter hook input priority 0; }' && nft add rule inet mhssh in tcp dport 22 reject with tcp reset")))
    local ust, uout, uerr = nslab_on("m1", "inspect --json mhcrs")
    local _, utext = nslab_on("m1", "inspect mhcrs")
    sim:run("m3", "nft delete table inet mhssh")
    assert.are.equal(0, ust, uerr)
    local du = json.decode(uout)
    assert.are.same({ true, false, { "server" } }, { du.machines[1].reached, du.machines[2].reached, du.machines[2].nodes })
    assert.is_truthy(du.machines[2].error:find("Connection refused", 1, true), du.machines[2].error)
    assert.are.equal(2, #du.nodes)
    assert.is_truthy(utext:find("on machine m3 (ssh m3), not reached: ", 1, true) and utext:find("its nodes: server", 1, true),
      utext)
    local _, itext = nslab_on("m1", "inspect mhcrs")
    assert.is_truthy(itext:find("router  [router, netns mhcrs.router, machine m2]", 1, true), itext)
    assert.is_truthy(itext:find("eth0 ", 1, true) and itext:find("-> router:eth0", 1, true), itext)
    local eth0
    for _, i in ipairs(d1.nodes[1].interfaces) do if i.name == "eth0" then eth0 = i end end
    assert.are.same({ "vxlan", 1450 }, { eth0.kind, eth0.mtu })
    local _, i2 = nslab_on("m2", "inspect --json mhcrs")
    local d2 = json.decode(i2)
    assert.are.same({ "router", "m2" }, { d2.nodes[1].name, d2.nodes[1].machine })
    local jf = T.write_lab("mhcrs-inspect", i1)
    local vst, vout, verr = T.sh("python3 tests/tools/jsonschema_check.py docs/inspect.schema.json " .. q(jf))
    assert.are.equal(0, vst, vout .. verr)
    os.remove(jf)
    -- where each node goes, drawn from the file alone (a dry run: no machine reached)
    local _, dot = nslab_on("m1", "graph labs/multihost-crs.lua")
    assert.is_truthy(dot:find(">router on m2<", 1, true) and dot:find(">host on m3<", 1, true), dot)
    -- a box per machine, this one's too, and the links between them dashed
    assert.is_truthy(dot:find(">host on m1<", 1, true) and dot:find('label="machine m1"', 1, true), dot)
    assert.are.equal(2, select(2, dot:gsub('style=dashed, color="#3b6fd6"', "")), dot)
    -- every machine's hosts files name the nodes of the others
    local _, hosts = sim:run("m3", "cat /etc/netns/mhcrs.server/hosts")
    assert.is_truthy(hosts:find("10.0.1.2\tclient", 1, true) and hosts:find("10.0.1.1\trouter", 1, true), hosts)
    -- nslab exec on the coordinator, for a node on another machine: that
    -- machine's nslab over ssh; the command's output, input and status
    local est, eout, eerr = nslab_on("m1", "exec mhcrs server -- ip -br addr show eth0")
    assert.are.equal(0, est, eout .. eerr)
    assert.is_truthy(eout:find("10.0.2.2/", 1, true), eout)
    assert.are.equal(7, (nslab_on("m1", "exec mhcrs server -- sh -c 'exit 7'")))
    local _, echoed = sim:run("m1", "echo through | " .. env() .. q(NSLAB) .. " exec mhcrs router -- cat")
    assert.are.equal("through\n", echoed)
    local nst, _, nerr = nslab_on("m1", "exec mhcrs nosuch -- true")
    assert.are.equal(125, nst)
    assert.is_truthy(nerr:find("nosuch", 1, true), nerr)
    -- nslab capture on the coordinator for a node on another machine:
    -- the pcap file here, whole (tcpdump reads it); a wrong interface is
    -- that machine's one line, and no file
    local cf = "/tmp/nslab-labs/mhcrs-server.pcap"
    os.remove(cf)
    local clog = "/tmp/nslab-labs/mhcrs-capture.log"
    local cpid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " capture mhcrs server:eth0 -w " .. q(cf) ..
      " -c 4 icmp", clog)
    T.eventually(function()
      sim:run("m1", "ip netns exec mhcrs.client ping -c 2 -i 0.2 -W 1 10.0.2.2")
      return T.wait_exit(cpid, 0.1)
    end, 30)
    assert(T.wait_exit(cpid, 1), "the capture did not end: " .. tostring(T.slurp(clog)))
    local ctext = T.slurp(clog)
    assert.is_truthy(ctext:find("capturing on server:eth0 of lab mhcrs (machine m3)", 1, true), ctext)
    assert.is_truthy(ctext:find("4 packets captured in " .. cf, 1, true), ctext)
    local tst, tout = T.sh("tcpdump -nr " .. q(cf))
    assert.are.equal(0, tst)
    assert.are.equal(4, select(2, tout:gsub("ICMP echo", "")), tout)
    os.remove(cf); os.remove(clog)
    -- -w -: the pcap stream on standard output here
    cpid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " capture mhcrs server:eth0 -w - -c 2 icmp >" .. q(cf), clog)
    T.eventually(function()
      sim:run("m1", "ip netns exec mhcrs.client ping -c 2 -i 0.2 -W 1 10.0.2.2")
      return T.wait_exit(cpid, 0.1)
    end, 30)
    assert(T.wait_exit(cpid, 1), "the capture did not end: " .. tostring(T.slurp(clog)))
    tst, tout = T.sh("tcpdump -nr " .. q(cf))
    assert.are.equal(0, tst)
    assert.are.equal(2, select(2, tout:gsub("ICMP echo", "")), tout)
    assert.are.equal("", T.slurp(clog))
    os.remove(cf); os.remove(clog)
    local xst, _, xerr = nslab_on("m1", "capture mhcrs server:eth9 -w " .. q(cf))
    assert.are.equal(1, xst)
    assert.is_truthy(xerr:find('node "server" of lab "mhcrs" has no interface "eth9"', 1, true), xerr)
    assert.is_nil(T.slurp(cf))
    local dst, dout, derr = nslab_on("m1", "down mhcrs")
    assert.are.equal(0, dst, dout .. derr)
    assert.is_truthy(dout:find("lab mhcrs: its part on machine m2 is down", 1, true), dout)
    assert.is_truthy(dout:find("lab mhcrs is down", 1, true), dout)
  end)

  it("OSPF on a ring of three FRR routers, one per machine, converges", function()
    local lab = T.write_lab("mhospf", HEADER .. [[
local r = {}
for i = 1, 3 do r[i] = lab:router("r" .. i, { on = "m" .. i }) end
for i = 1, 3 do
  lab:link(r[i], r[i % 3 + 1], { ("10.1.%d.1/24"):format(i), ("10.1.%d.2/24"):format(i) })
end
for i, x in ipairs(r) do
  x:addr("lo", ("10.255.0.%d/32"):format(i))
  x:frr { config = ("hostname r%d\n" ..
    "interface eth0\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n" ..
    "interface eth1\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n" ..
    "router ospf\n ospf router-id 10.255.0.%d\n network 10.0.0.0/8 area 0\n timers throttle spf 0 50 1000\n"):format(i, i) }
end
for i, x in ipairs(r) do
  for j = 1, 3 do
    if j ~= i then
      x:has_route(("10.255.0.%d/32"):format(j), { timeout = 30, desc = ("r%d has a route to r%d's loopback"):format(i, j) })
    end
  end
end
lab:check("r2 reaches r3's loopback from its own", r[2]:exec("ping -c 1 -W 2 -I 10.255.0.2 10.255.0.3").ok)
-- r2 is on m2, r3 and r1 on the two others: named, they are known there
r[2]:has_route("10.255.0.3/32", { via = "r3", desc = "r2's route to r3's loopback is via r3, named" })
r[2]:ospf_full("r1", { timeout = 10 })
-- the routes are OSPF's, in each machine's kernel, as `ip route` there says
for i, x in ipairs(r) do
  local routes = x:exec("ip route show proto ospf").out
  print(("r%d: %s"):format(i, routes:gsub("\n", "; ")))
end
]])
    -- (nslab run: the agents take their parts down at the end)
    local st, out, err = nslab_on("m1", "run --name mhospf " .. q(lab))
    assert.are.equal(0, st, out .. err)
    assert.are.equal(9, select(2, ("\n" .. out):gsub("\nok %- ", "")), out)
    assert.is_truthy(out:find("ok - r2's route to r3's loopback is via r3, named\n", 1, true), out)
    for i = 1, 3 do
      local routes = out:match(("\nr%d: ([^\n]*)"):format(i))
      for j = 1, 3 do
        if j ~= i then
          assert.is_truthy(routes and routes:find(("10.255.0.%d "):format(j), 1, true), out)
        end
      end
    end
  end)

  it("lab:remove of a node on another machine, and of a node here linked to one: the far ends go too", function()
    local lab = T.write_lab("mh-remove", HEADER .. [[
local sw = lab:switch("s")
local a = lab:host("a", { on = "m2" })
local b = lab:host("b", { on = "m3" })
local c = lab:host("c")
local r = lab:router("r", { on = "m2" })
lab:link(sw, a, { nil, "10.0.0.1/24" })
lab:link(sw, b, { nil, "10.0.0.2/24" })
lab:link(a, r, { "10.2.0.1/24", "10.2.0.2/24" })
lab:link(c, r, { "10.1.0.2/24", "10.1.0.1/24" })
lab:check("b reaches a", b:ping("10.0.0.1", { count = 1 }))
local function links(n) return (n:exec("ip -o link show").out:gsub("\n", "; ")) end
print("r before: " .. links(r))
lab:remove(a)
print("ports: " .. sw.node:exec("ip -o link show master br0").out:gsub("\n", "; "))
print("r after a: " .. links(r))
print("a gone: " .. tostring(lab.nodes.a == nil))
lab:remove("c")
print("r after c: " .. links(r))
local f = io.open(lab.journal:dir() .. "/machines")
print("record: " .. f:read("a"):gsub("\n", "; "))
f:close()
]])
    local st, out, err = nslab_on("m1", "run " .. q(lab))
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("ok - b reaches a", 1, true), out)
    -- on m2: a's namespace is gone, and its veth with it (r's end)
    assert.is_truthy(out:match("r before: [^\n]*eth0@[^\n]*eth1"), out)
    local after_a = out:match("r after a: ([^\n]*)")
    assert.is_nil(after_a:find("eth0", 1, true), after_a)
    assert.is_truthy(after_a:find("eth1", 1, true), after_a)
    -- on m1: the switch port that led to a is gone, b's stays
    local ports = out:match("ports: ([^\n]*)")
    assert.are.equal(1, select(2, ports:gsub("eth", "")), ports)
    assert.is_truthy(out:find("a gone: true", 1, true), out)
    -- c was here; r's VXLAN end to it on m2 went with it
    local after_c = out:match("r after c: ([^\n]*)")
    assert.is_nil(after_c:find("eth1", 1, true), after_c)
    -- the record keeps only b's link, to the switch here
    local record = out:match("record: ([^\n]*)")
    assert.is_nil(record:find("node\ta", 1, true), record)
    assert.are.equal(1, select(2, record:gsub("link\t", "")), record)
    assert.is_truthy(record:find("link\ts\t", 1, true) and record:find("\tb\teth0", 1, true), record)
  end)

  it("a switch on another machine: a host there, one on a third machine and one here; its bridge's address", function()
    local lab = T.write_lab("mh-rswitch", HEADER .. [[
local sw = lab:switch("s", { on = "m2" })
local a = lab:host("a", { on = "m2" })
local b = lab:host("b", { on = "m3" })
local c = lab:host("c")
lab:link(sw, a, { nil, "10.0.0.1/24" })
lab:link(b, sw, { "10.0.0.2/24" })
lab:link(sw, c, { nil, "10.0.0.3/24" })
sw:addr("10.0.0.254/24")
lab:check("c here reaches b on m3 through the switch on m2", c:ping("10.0.0.2", { count = 2 }))
lab:check("b reaches a, both on the switch's machine or not", b:ping("10.0.0.1", { count = 2 }))
lab:check("c reaches the bridge's own address", c:ping("10.0.0.254", { count = 1 }))
print("ports: " .. sw.node:exec("ip -o -d link show master br0").out:gsub("\n", "; "))
print("bridge: " .. sw.node:exec("ip -o addr show br0").out:gsub("\n", "; "))
]])
    local st, out, err = nslab_on("m1", "run " .. q(lab))
    assert.are.equal(0, st, out .. err)
    assert.are.equal(3, select(2, ("\n" .. out):gsub("\nok %- ", "")), out)
    -- the bridge is on m2: a veth port to a, VXLAN ports to m3 and to m1
    local ports = out:match("ports: ([^\n]*)")
    assert.are.equal(3, select(2, ports:gsub("master br0", "")), ports)
    assert.are.equal(2, select(2, ports:gsub("vxlan id", "")), ports)
    assert.is_truthy(ports:find("local 192.168.77.12 ", 1, true) and ports:find("remote 192.168.77.13", 1, true)
      and ports:find("remote 192.168.77.11", 1, true), ports)
    assert.is_truthy(out:find("bridge: [^\n]*10%.0%.0%.254/24"), out)
  end)

  it("a switch here joins hosts on two machines; an error there is one line at the lab line", function()
    local lab = T.write_lab("mh-switch", HEADER .. [[
local sw = lab:switch("s")
local a = lab:host("a", { on = "m2" })
local b = lab:host("b", { on = "m3" })
lab:link(sw, a, { nil, "10.0.0.1/24" })
lab:link(sw, b, { nil, "10.0.0.2/24" })
lab:check("a reaches b through the switch on m1", a:ping("10.0.0.2", { count = 2 }))
print("ports: " .. sw.node:exec("ip -o -d link show master br0").out:gsub("\n", "; "))
local function run(argv)
  for i, w in ipairs(argv) do argv[i] = "'" .. w .. "'" end
  local p = io.popen(table.concat(argv, " ") .. " 2>&1")
  local text = p:read("a")
  p:close()
  return (text:gsub("%s+$", ""))
end
print("through the control socket: " .. run(a:_ssh_argv({ "exec", lab.name, "a", "hostname" })))
print("master: " .. run({ "ssh", "-F", os.getenv("NSLAB_SSH_CONFIG"), "-S", a.machine.ctl, "-O", "check", "m2" }))
a:addr("eth9", "10.9.0.1/24")
]])
    local st, out, err = nslab_on("m1", "run " .. q(lab))
    assert.are.equal(4, st, out .. err)
    assert.is_truthy(out:find("ok - a reaches b through the switch on m1", 1, true), out)
    -- both ports of the bridge are the VXLAN ends, one to each machine
    local ports = out:match("ports: ([^\n]*)")
    assert.are.equal(2, select(2, ports:gsub("vxlan id", "")), ports)
    assert.is_truthy(ports:find("remote 192.168.77.12", 1, true) and ports:find("remote 192.168.77.13", 1, true), ports)
    assert.are.equal(lab .. ':20: on machine "m2": node "a" has no interface "eth9" (it has: eth0)\n', err)
    -- (the REPL's enter runs `nslab shell` there the same way)
    assert.is_truthy(out:find("through the control socket: a\n", 1, true), out)
    assert.is_truthy(out:find("master: Master running", 1, true), out)
  end)

  it("a machine whose ssh is refused: one line with the lab line, nothing left elsewhere", function()
    local lab = T.write_lab("mh-refused", HEADER .. [[
lab:machine("m4", { ssh = "m2-closed", underlay = "192.168.77.14" })
local a = lab:host("a", { on = "m3" })
local b = lab:host("b", { on = "m4" })
]])
    local st, out, err = nslab_on("m1", "run " .. lab)
    assert.are.equal(4, st, out .. err)
    assert.are.equal(lab .. ':6: machine "m4" (ssh m2-closed): cannot connect: ssh: connect to host ' ..
      "192.168.77.12 port 1: Connection refused\n", err)
  end)

  it("a link MTU the underlay cannot carry: one line with both figures", function()
    local lab = T.write_lab("mh-mtu", HEADER .. [[
local a = lab:host("a", { on = "m2" })
local b = lab:host("b", { on = "m3" })
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" }, { mtu = 1500 })
]])
    local st, out, err = nslab_on("m1", "run " .. q(lab))
    assert.are.equal(4, st, out .. err)
    assert.are.equal(lab .. ":6: link a <-> b: mtu 1500 is more than the underlay carries (1450: underlay MTU 1500 " ..
      "minus 50 for VXLAN)\n", err)
    -- an underlay address the machine does not have
    lab = T.write_lab("mh-underlay", HEADER .. [[
lab:machine("m4", { ssh = "m2", underlay = "192.168.77.99" })
lab:host("a", { on = "m3" })
lab:host("b", { on = "m4" })
]])
    st, out, err = nslab_on("m1", "run " .. q(lab))
    assert.are.equal(4, st, out .. err)
    assert.are.equal(lab .. ':6: on machine "m4": no interface of this machine has the underlay address ' ..
      "192.168.77.99 (check the machine's underlay=)\n", err)
  end)

  it("the agent through a plain pipe: answers each line, refuses bad ones, ends its part at EOF", function()
    local reqs = {
      '{"op":"begin","lab":"mhpipe","underlay":"192.168.77.12","machine":"m2"}',
      '{"op":"node","name":"a","kind":"router"}',
      '{"op":"node","name":"b"}',
      '{"op":"link","a":"a","b":"b","addrs":[["10.0.0.1/24"],["10.0.0.2/24"]],"opts":{"names":["eth0","eth0"]}}',
      '{"op":"call","node":"b","method":"exec","args":["ip -o addr show eth0"],"n":1}',
      '{"op":"call","node":"b","method":"_stop_all","args":[],"n":0}',
      'not json',
      '{"op":"call","node":"nope","method":"exec","args":["true"],"n":1}',
    }
    local f = assert(io.open("/tmp/nslab-labs/mhpipe.in", "w"))
    f:write(table.concat(reqs, "\n"), "\n")
    f:close()
    local st, out, err = sim:run("m2", q(NSLAB) .. " agent mhpipe </tmp/nslab-labs/mhpipe.in")
    assert.are.equal(0, st, out .. err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = json.decode(l) end
    assert.are.equal(#reqs + 1, #lines, out)
    assert.are.same({ "nslab", 1 }, { lines[1].agent, lines[1].protocol })
    assert.are.same({ true, 1500 }, { lines[2].ok, lines[2].result.mtu })
    for k = 3, 5 do assert.is_true(lines[k].ok, out) end
    local r = lines[6].result.v[1]
    assert.is_truthy(r.ok and r.out:find("inet 10.0.0.2/24", 1, true), out)
    assert.are.same({ false, 'a node has no method "_stop_all"' }, { lines[7].ok, lines[7].error })
    assert.are.same({ false, "bad request: not json" }, { lines[8].ok, lines[8].error })
    assert.is_false(lines[9].ok)
    assert.is_truthy(lines[9].error:find('unknown node "nope"', 1, true), lines[9].error)
    os.remove("/tmp/nslab-labs/mhpipe.in")
  end)

  it("no nslab on the machine, or another version: one line naming the machine", function()
    local lab = T.write_lab("mh-missing", HEADER .. [[
lab:machine("m4", { ssh = "m2", underlay = "192.168.77.14", nslab = "/nonexistent/nslab" })
lab:host("a", { on = "m3" })
lab:host("b", { on = "m4" })
]])
    local st, out, err = nslab_on("m1", "run " .. lab)
    assert.are.equal(4, st, out .. err)
    assert.are.equal(lab .. ':6: machine "m4" (ssh m2): nslab is not found there (/nonexistent/nslab): install ' ..
      'the same nslab on every machine, or give nslab = "/path/to/nslab"\n', err)
    -- an nslab that answers with another version
    local fake = "/tmp/nslab-labs/fake-nslab"
    local f = assert(io.open(fake, "w"))
    f:write("#!/bin/sh\necho '{\"agent\":\"nslab\",\"version\":\"0.0.1\",\"protocol\":1}'\ncat >/dev/null\n")
    f:close()
    T.sh("chmod +x " .. q(fake))
    lab = T.write_lab("mh-version", HEADER .. ([[
lab:host("a", { on = "m3" })
lab:machine("m4", { ssh = "m2", underlay = "192.168.77.14", nslab = %q })
lab:host("b", { on = "m4" })
]]):format(fake))
    st, out, err = nslab_on("m1", "run " .. lab)
    assert.are.equal(4, st, out .. err)
    local _, v = sim:run("m1", q(NSLAB) .. " version")
    assert.are.equal(lab .. ':6: machine "m4" (ssh m2) runs nslab 0.0.1, this is nslab ' .. v:match("nslab (%S+)") ..
      ": install the same version on every machine\n", err)
  end)

  -- a lab that writes "go" files' readiness: step(k) writes DIR/ready.k
  -- with what the test needs, then waits for DIR/go.k
  local STEP = [[
local function step(k, text)
  local f = io.open(DIR .. "/ready." .. k, "w"); f:write(text); f:close()
  nslab.eventually(function() return io.open(DIR .. "/go." .. k) end, { timeout = 60 })
end
]]
  local function steps_dir(name)
    local dir = "/tmp/nslab-labs/" .. name .. ".d"
    T.sh("rm -rf " .. q(dir) .. " && mkdir -p " .. q(dir))
    return dir
  end
  local function ready(dir, k)
    local text = T.eventually(function() return T.slurp(dir .. "/ready." .. k) end, 60)
    assert(text, "the lab never reached step " .. k)
    return text
  end
  local function go(dir, k)
    local f = io.open(dir .. "/go." .. k, "w")
    if f then f:close() end
  end
  -- tcpdump -r of a pcap file: its packets, one line each
  local function tcpdump(file)
    local st, out, err = T.sh("tcpdump -nr " .. q(file))
    assert.are.equal(0, st, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    return lines
  end

  it("spawn and capture on another machine: a process object, a pcap file here; killed there; wrong types", function()
    local dir = steps_dir("mhproc")
    local lab = T.write_lab("mhproc", HEADER .. ("local DIR = %q\n"):format(dir) .. STEP .. [[
local a = lab:host("a")
local b = lab:host("b", { on = "m2" })
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
local p = b:spawn("sh -c 'echo started; exec sleep 600'")
local k = b:spawn({ "sleep", "601" })
local c = b:capture("eth0", { file = DIR .. "/icmp.pcap", filter = "icmp" })
print("p: " .. tostring(p) .. " " .. tostring(p:running()) .. " " .. tostring(p:wait(0.2)))
step(1, ("%d %d %d"):format(p.pid, k.pid, c.pid))
-- k was killed with -9 there
print("k: " .. tostring(k:wait(10)) .. " " .. tostring(k:running()) .. " " .. tostring(k))
a:exec("ping -c 3 -i 0.2 10.0.0.2")
print("c running: " .. tostring(c:running()) .. " packets " .. c:packets())
print("c stop: " .. c:stop() .. " " .. tostring(c))
local c2 = b:capture("eth0", { file = DIR .. "/two.pcap", count = 2 })
a:exec("ping -c 3 -i 0.2 10.0.0.2")
print("c2: " .. tostring(c2:wait(10)) .. " " .. c2:packets())
-- a command that does not exist: as here
local n, ln = b:spawn("/nonexistent/cmd"), a:spawn("/nonexistent/cmd")
print("n: " .. n:wait(10) .. " " .. n:output():gsub("\n", " ") .. "| " .. ln:wait(10) .. " " ..
  ln:output():gsub("\n", " "))
-- wrong types: the same words as for a node here
local function e(f, ...) return select(2, pcall(f, ...)):gsub("^[^:]*:%d+: ", "") end
print("t1: " .. e(p.kill, p, "TERM") .. " | " .. e(ln.kill, ln, "TERM"))
print("t2: " .. e(p.wait, p, "soon") .. " | " .. e(ln.wait, ln, "soon"))
print("t3: " .. e(b.capture, b, "eth0", { file = 1 }) .. " | " .. e(a.capture, a, "eth0", { file = 1 }))
print("t4: " .. e(b.capture, b, "eth0", { file = "x", count = 0 }) .. " | " ..
  e(a.capture, a, "eth0", { file = "x", count = 0 }))
print("t5: " .. e(b.spawn, b, 42) .. " | " .. e(a.spawn, a, 42))
print("t6: " .. e(b.capture, b, "eth0", { file = "/nonexistent/x.pcap" }) .. " | " ..
  e(a.capture, a, "eth0", { file = "/nonexistent/x.pcap" }))
print("p output: " .. p:output():gsub("\n", " ") .. " kill " .. tostring(p:kill()) .. " wait " .. tostring(p:wait()))
print("p after: " .. tostring(p:kill()) .. " " .. tostring(p))
-- going down: what still runs there ends as here, a capture's file whole here
local s = b:spawn("sleep 602")
local c3 = b:capture("eth0", { file = DIR .. "/down.pcap" })
a:exec("ping -c 2 -i 0.2 10.0.0.2")
lab:down()
print("down: " .. tostring(s:running()) .. " " .. tostring(s.status) .. " " .. tostring(c3:running()) .. " " ..
  c3:packets())
]])
    local log = dir .. "/log"
    local pid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " run " .. q(lab), log)
    finally(function() go(dir, 1); T.wait_exit(pid, 30) end)
    local ppid, kpid, cpid = ready(dir, 1):match("^(%d+) (%d+) (%d+)$")
    assert(ppid, T.slurp(log))
    -- the processes are there, in the node, as ps and ip say on m2
    for _, x in ipairs { ppid, kpid } do
      local _, ns = sim:run("m2", "ip netns identify " .. x)
      assert.are.equal("mhproc.b\n", ns)
    end
    -- (the capture's helper opened its socket in the node; it runs as a
    -- child of the agent there)
    local _, agent = sim:run("m2", "pgrep -o -f 'nslab agent mhproc'")
    local _, cpp = sim:run("m2", "ps -o ppid= -p " .. cpid)
    assert.are.equal(agent:match("%d+"), cpp:match("%d+"))
    local _, cmd = sim:run("m2", "tr '\\0' ' ' </proc/" .. kpid .. "/cmdline")
    assert.are.equal("sleep 601 ", cmd)
    assert.are.equal(0, (sim:run("m2", "kill -9 " .. kpid)))
    go(dir, 1)
    assert(T.wait_exit(pid, 60), "the lab did not end")
    local out = T.slurp(log)
    local function line(tag) return out:match("\n" .. tag .. ": ([^\n]*)") or out:match("^" .. tag .. ": ([^\n]*)") end
    assert.are.equal(("nslab.process(%s in b on m2) true nil"):format(ppid), line("p"), out)
    assert.are.equal(("137 false nslab.process(%s in b on m2, ended)"):format(kpid), line("k"), out)
    local npk = tonumber(line("c running"):match("^true packets (%d+)$"))
    assert.is_true(npk >= 6, out)
    local stopped = tonumber(line("c stop"):match("^(%d+) nslab.capture%(b:eth0 on m2 %-> .*icmp.pcap, ended%)$"))
    assert(stopped, out)
    -- the file here is whole: tcpdump reads every packet the capture counted
    local icmp = tcpdump(dir .. "/icmp.pcap")
    assert.are.equal(stopped, #icmp)
    assert.is_true(#icmp >= 6)
    assert.is_truthy(icmp[1]:find("10.0.0.1 > 10.0.0.2: ICMP echo request", 1, true), icmp[1])
    assert.are.equal("0 2", line("c2"))
    assert.are.equal(2, #tcpdump(dir .. "/two.pcap"))
    assert.are.equal("127 /bin/sh: 1: /nonexistent/cmd: not found | 127 /bin/sh: 1: /nonexistent/cmd: not found ",
      line("n"))
    for _, t in ipairs { "t1", "t2", "t3", "t4", "t6" } do
      local far, here = line(t):match("^(.*) | (.*)$")
      assert.are.equal(here, far, out)
    end
    assert.are.equal("kill: the signal must be an integer, got TERM", line("t1"):match("^(.-) | "))
    assert.are.equal("wait: the timeout must be seconds (a number >= 0) or nothing, got soon",
      line("t2"):match("^(.-) | "))
    assert.is_truthy(line("t6"):find("^cannot write /nonexistent/x.pcap: No such file or directory | "), line("t6"))
    local far, here = line("t5"):match("^(.*) | (.*)$")
    assert.are.equal('on machine "m2": ' .. here, far)
    assert.are.equal("started  kill true wait 143", line("p output"))
    assert.are.equal(("false nslab.process(%s in b on m2, ended)"):format(ppid), line("p after"))
    local downp = tonumber(line("down"):match("^false 137 false (%d+)$"))
    assert(downp, out)
    assert.are.equal(downp, #tcpdump(dir .. "/down.pcap"))
    assert.is_true(downp >= 4, out)
    -- nothing of it runs on m2
    assert.are_not.equal(0, (sim:run("m2", "pgrep -f 'sleep 60[12]'")))
    T.sh("rm -rf " .. q(dir))
  end)

  it("the agent killed while a process and a capture are held: a method call is one line naming the machine", function()
    local dir = steps_dir("mhproclost")
    local lab = T.write_lab("mhproclost", HEADER .. ("local DIR = %q\n"):format(dir) .. STEP .. [[
local b = lab:host("b", { on = "m2" })
local p = b:spawn("sleep 603")
local c = b:capture("lo", { file = DIR .. "/lo.pcap" })
step(1, "")
for _, f in ipairs { function() return p:running() end, function() return c:stop() end,
                     function() return p:wait() end } do
  print("lost: " .. select(2, pcall(f)))
end
print("str: " .. tostring(p))
]])
    local log = dir .. "/log"
    local pid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " run " .. q(lab), log)
    finally(function() go(dir, 1); T.wait_exit(pid, 30) end)
    ready(dir, 1)
    local _, apid = sim:run("m2", "pgrep -x nslab")
    assert.is_truthy(apid:match("^%d+\n$"), apid)
    assert.are.equal(0, (sim:run("m2", "kill -9 " .. apid)))
    go(dir, 1)
    assert(T.wait_exit(pid, 60), "the lab did not end")
    local out = T.slurp(log)
    local lost = {}
    for l in out:gmatch("lost: ([^\n]*)") do lost[#lost + 1] = l end
    assert.are.equal(3, #lost, out)
    assert.is_truthy(lost[1]:find('^' .. lab:gsub("%p", "%%%0") .. ':%d+: machine "m2" %(ssh m2%): its agent ended ' ..
      'or the connection broke'), lost[1])
    for _, l in ipairs(lost) do assert.is_truthy(l:find('machine "m2" (ssh m2)', 1, true), l) end
    assert.are.equal(("str: nslab.process(%s in b on m2)"):format(out:match("nslab.process%((%d+)") or "?"),
      out:match("str: [^\n]*"))
    -- (the lab's end took its part on m2 down by a fresh connection)
    assert.are_not.equal(0, (sim:run("m2", "pgrep -f 'sleep 60[3]'")), out)
    T.sh("rm -rf " .. q(dir))
  end)

  it("the REPL enters a node on another machine, runs there, and comes back", function()
    local lab = T.write_lab("mhrepl", HEADER .. [[
local a = lab:host("a")
local b = lab:host("b", { on = "m2" })
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
]])
    local tty = Tty.start({ "repl", lab }, { "NSLAB_SSH_CONFIG=" .. sim.ssh_config, "NSLAB_REMOTE_NSLAB=" .. NSLAB },
      function(cmd) return sim:cmd("m1", cmd) end)
    local ok, e = pcall(function()
      tty.prompt = "mhrepl> "
      tty:wait_for(tty.prompt, 30)
      tty:type("enter b")
      tty:key("Enter")
      tty:wait_for("root@b:", 20)
      tty:type("echo node=$(hostname) from=${SSH_CONNECTION%% *}; ip -br addr show eth0; " ..
        "ip -d link show eth0 | grep -o 'local [0-9.]*'")
      tty:key("Enter")
      tty:wait_for("node=b from=192.168.77.11")
      tty:wait_for("10.0.0.2/24")
      tty:wait_for("local 192.168.77.12")
      tty:type("exit")
      tty:key("Enter")
      tty:wait_for("back in the REPL (left b on machine m2)", 20)
      local out = tty:run("b ip -br addr show eth0")
      assert.is_truthy(out:find("10.0.0.2/24", 1, true), out)
      tty:type("exit")
      tty:key("Enter")
      assert.are.equal(0, tty:wait_exit(30))
    end)
    tty:close()
    assert(ok, e)
  end)

  -- a lab that says it is built, then waits for GO (a file) and goes on
  local function waiting_lab(name, go, after)
    return T.write_lab(name, HEADER .. ([[
local h = lab:host("h")
local r = lab:router("r", { on = "m2" })
local s = lab:host("s", { on = "m3" })
lab:link(h, r, { "10.0.1.2/24", "10.0.1.1/24" })
lab:link(s, r, { "10.0.2.2/24", "10.0.2.1/24" })
s:spawn("sleep 600")
io.open(%q .. ".ready", "w"):close()
%s
]]):format(go, after))
  end
  local function wait_ready(go)
    assert(T.eventually(function() return T.slurp(go .. ".ready") ~= nil end, 30), "the lab never got built")
  end

  it("an agent killed mid-lab: the lab line says so, every machine as before", function()
    local go = "/tmp/nslab-labs/mh-agentkill.go"
    os.remove(go); os.remove(go .. ".ready")
    local lab = waiting_lab("mh-agentkill", go, ([[
nslab.eventually(function() return io.open(%q) end, { timeout = 30 })
r:exec("true")
]]):format(go))
    local log = "/tmp/nslab-labs/mh-agentkill.log"
    local pid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " run " .. q(lab), log)
    wait_ready(go)
    local _, apid = sim:run("m2", "pgrep -x nslab")
    assert.is_truthy(apid:match("^%d+\n$"), apid)
    assert.are.equal(0, (sim:run("m2", "kill -9 " .. apid)))
    io.open(go, "w"):close()
    assert(T.wait_exit(pid, 30), "the coordinator did not end")
    local text = T.slurp(log)
    assert.is_truthy(text:find(lab .. ':12: machine "m2" (ssh m2): its agent ended or the connection broke',
      1, true), text)
    os.remove(go); os.remove(go .. ".ready")
  end)

  it("the coordinator killed -9: each agent tears its part down; clean there takes the rest", function()
    local go = "/tmp/nslab-labs/mh-coordkill.go"
    os.remove(go .. ".ready")
    local lab = waiting_lab("mh-coordkill", go, 'h:exec("sleep 600", { timeout = false })')
    local pid = sim:bg("m1", "exec env " .. env() .. q(NSLAB) .. " run " .. q(lab))
    wait_ready(go)
    T.sh("kill -9 " .. pid)
    -- m2 and m3: their parts go by themselves
    for _, m in ipairs { "m2", "m3" } do
      local same, now = T.eventually(function()
        local s = state(m)
        return s == before[m], s
      end, 20)
      assert(same, m .. " still holds:\n" .. tostring(now))
    end
    -- m1 (the coordinator's own part, left by the crash): clean
    local st, out, err = nslab_on("m1", "clean")
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("removed lab mh-coordkill", 1, true), out)
    os.remove(go .. ".ready")
  end)
end)
