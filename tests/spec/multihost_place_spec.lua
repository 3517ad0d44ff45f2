-- `--machines a,b` on three simulated machines (issue 17, docs/multi-host.md;
-- tests/lib/machines.lua): plain single-machine lab files, placed from the
-- command line with an inventory file, really build nodes on each machine
-- (`ip netns` there), pass traffic end to end over VXLAN, cut few links
-- (VXLAN devices counted on each machine), show the machines in `nslab
-- ls` and `inspect --json`, and leave every machine as before.
local T = require "nslab_test"
local machines = require "machines"
local json = require "nslab.json"

local q = T.q
local NSLAB = T.NSLAB:sub(1, 1) == "/" and T.NSLAB or (os.getenv("PWD") .. "/" .. T.NSLAB)
local ALL = { "m1", "m2", "m3" }

-- A chain of n routers r1..rn (10.0.i.0/24 between ri and ri+1), with
-- static routes so both ends reach each other, a ping and a TCP exchange
-- between the ends; no machine named anywhere.
local function chain_lab(n)
  return ([[
local N = %d
local r = {}
for i = 1, N do r[i] = lab:router("r" .. i) end
for i = 1, N - 1 do lab:link(r[i], r[i + 1], { ("10.0.%%d.1/24"):format(i), ("10.0.%%d.2/24"):format(i) }) end
for i = 1, N do
  for j = 1, N - 1 do
    if j < i - 1 then r[i]:route(("10.0.%%d.0/24"):format(j), r[i - 1]) end
    if j > i then r[i]:route(("10.0.%%d.0/24"):format(j), r[i + 1]) end
  end
end
lab:check("r1 reaches r" .. N .. " across the chain", r[1]:ping(("10.0.%%d.2"):format(N - 1), { count = 2 }))
r[N]:spawn "socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
local seen = lab:eventually(function()
  local ok, out = r[1]:connect(("10.0.%%d.2"):format(N - 1), 8080)
  return ok and out:match("%%S+")
end)
lab:check("r" .. N .. " sees r1's own address over TCP", seen == "10.0.1.1", "saw " .. tostring(seen))
]]):format(n)
end

describe("--machines on simulated machines", function()
  local sim, before, inv

  local function state(m)
    local _, out = sim:run(m, "ip netns list; ip -o link show type vxlan; ls -A /run/nslab 2>/dev/null; " ..
      "ls -A /etc/netns 2>/dev/null; pgrep -x nslab")
    return out
  end
  local function all_as_before()
    for _, m in ipairs(ALL) do
      local same, now = T.eventually(function()
        local s = state(m)
        return s == before[m], s
      end, 10)
      assert(same, ("machine %s is not as before:\n--- before\n%s--- now\n%s"):format(m, before[m], tostring(now)))
    end
  end
  local function nslab_on(m, args)
    return sim:run(m, ("NSLAB_MACHINES_FILE=%s NSLAB_SSH_CONFIG=%s NSLAB_REMOTE_NSLAB=%s %s %s"):format(q(inv),
      q(sim.ssh_config), q(NSLAB), q(NSLAB), args))
  end
  -- the lab's namespaces on machine m, sorted
  local function netns(m, lab)
    local _, out = sim:run(m, "ip netns list")
    local list = {}
    for name in out:gmatch(lab:gsub("%-", "%%-") .. "%.([%w_-]+)") do list[#list + 1] = name end
    table.sort(list)
    return list
  end
  -- VXLAN devices in the lab's nodes on machine m
  local function vxlans(m, lab)
    local _, out = sim:run(m, ("for n in $(ip netns list | grep -o '^%s\\.[^ ]*'); do " ..
      "ip -n $n -d -o link show type vxlan; done"):format(lab))
    return select(2, out:gsub("vxlan id", ""))
  end

  setup(function()
    sim = machines.up(3)
    -- the inventory: m1 is the coordinator (here), m2 and m3 by ssh name
    inv = sim.dir .. "/inventory"
    local f = assert(io.open(inv, "w"))
    f:write("# the simulated machines\nm1 here underlay=192.168.77.11\nm2 ssh=m2 underlay=192.168.77.12\n" ..
      "m3 underlay=192.168.77.13\n")
    f:close()
  end)
  teardown(function()
    if inv then os.remove(inv) end
    if sim then sim:down() end
  end)
  before_each(function()
    before = {}
    for _, m in ipairs(ALL) do before[m] = state(m) end
  end)
  after_each(function() all_as_before() end)

  it("labs/client-router-server.lua over here,m2,m3: a node on each, its checks pass, ls and inspect say where", function()
    local st, out, err = nslab_on("m1", "up --machines here,m2,m3 --name plcrs labs/client-router-server.lua")
    finally(function() nslab_on("m1", "down plcrs") end)
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("--machines: 1 node on m1, 1 on m2, 1 on m3; 2 links between machines\n", 1, true), out)
    assert.are.equal(4, select(2, ("\n" .. out):gsub("\nok %- ", "")), out)
    assert.is_nil(out:find("not ok", 1, true), out)
    assert.are.same({ "client" }, netns("m1", "plcrs"))
    assert.are.same({ "router" }, netns("m2", "plcrs"))
    assert.are.same({ "server" }, netns("m3", "plcrs"))
    -- the links between machines are VXLAN: 1 end on m1 and m3, 2 on m2
    assert.are.same({ 1, 2, 1 }, { vxlans("m1", "plcrs"), vxlans("m2", "plcrs"), vxlans("m3", "plcrs") })
    -- the lab is up: traffic from m1's client to m3's server, through m2
    local pst, pout = sim:run("m1", "ip netns exec plcrs.client ping -c 2 -W 2 10.0.2.2")
    assert.are.equal(0, pst, pout)
    local _, ls = nslab_on("m1", "ls --json")
    local l = json.decode(ls).labs[1]
    assert.are.same({ "plcrs", 1, { m2 = 1, m3 = 1 } }, { l.name, l.nodes, l.machines })
    local _, i1 = nslab_on("m1", "inspect --json plcrs")
    local d = json.decode(i1)
    assert.are.same({ { name = "m2", ssh = "m2", nodes = { "router" }, reached = true },
      { name = "m3", ssh = "m3", nodes = { "server" }, reached = true } }, d.machines)
    assert.are.same({ "client", "m1" }, { d.nodes[1].name, d.nodes[1].machine })
    local dst, dout, derr = nslab_on("m1", "down plcrs")
    assert.are.equal(0, dst, dout .. derr)
    assert.is_truthy(dout:find("lab plcrs: its part on machine m3 is down", 1, true), dout)
  end)

  it("labs/ospf-ring.lua over here,m2,m3: FRR on every machine, loaded at once, converges and reroutes", function()
    local st, out, err = nslab_on("m1", "run --machines here,m2,m3 --name plospf labs/ospf-ring.lua")
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("--machines: 2 nodes on m1, 2 on m2, 2 on m3; 3 links between machines\n", 1, true), out)
    assert.is_nil(out:find("not ok", 1, true), out)
    -- every router's routes (read on its machine), pings from its spawned
    -- process there, the reroute round the ring and back
    for i = 1, 6 do
      assert.is_truthy(out:find(("ok - r%d has a route to every other loopback\n"):format(i), 1, true), out)
      assert.is_truthy(out:find(("ok - r%d reaches every loopback (ping)\n"):format(i), 1, true), out)
    end
    assert.is_truthy(out:find("ok - r1's ping to r2 passes rN", 1, true), out)
    assert.is_truthy(out:find("rerouted the other way round in", 1, true), out)
  end)

  it("a 9-router chain over m1,m2,m3 (run): 3 nodes each, 2 links cut, ping and TCP end to end", function()
    local lab = T.write_lab("plchain", chain_lab(9))
    -- drawn first: the same placement, no machine reached
    local gst, dot, gerr = nslab_on("m1", "graph --machines m1,m2,m3 " .. q(lab))
    assert.are.equal(0, gst, gerr)
    assert.are.equal("--machines: 3 nodes on m1, 3 on m2, 3 on m3; 2 links between machines\n", gerr)
    assert.are.same({ 3, 3 }, { select(2, dot:gsub(">router on m2<", "")), select(2, dot:gsub(">router on m3<", "")) })
    -- run in the background, so the machines can be looked at while it is up
    local log = sim.dir .. "/plchain.log"
    local mark, go = sim.dir .. "/plchain.up", sim.dir .. "/plchain.go"
    local f = assert(io.open(lab, "a"))
    f:write(("io.open(%q, 'w'):close()\nnslab.eventually(function() return io.open(%q) end, { timeout = 60 })\n")
      :format(mark, go))
    f:close()
    local pid = sim:bg("m1", ("exec env NSLAB_MACHINES_FILE=%s NSLAB_SSH_CONFIG=%s NSLAB_REMOTE_NSLAB=%s %s run " ..
      "--machines m1,m2,m3 %s"):format(q(inv), q(sim.ssh_config), q(NSLAB), q(NSLAB), q(lab)), log)
    finally(function()
      io.open(go, "w"):close()
      T.wait_exit(pid, 30)
      for _, x in ipairs { mark, go, log, lab } do os.remove(x) end
    end)
    local core = require "nslab.core"
    local up = T.eventually(function() return T.slurp(mark) ~= nil or core.starttime(pid) == 0 end, 60)
    assert(T.slurp(mark), "the lab never got built: " .. tostring(T.slurp(log)))
    local seen = { netns("m1", "plchain"), netns("m2", "plchain"), netns("m3", "plchain") }
    local cut = { vxlans("m1", "plchain"), vxlans("m2", "plchain"), vxlans("m3", "plchain") }
    io.open(go, "w"):close()
    assert(up and T.wait_exit(pid, 60), "the run did not end: " .. tostring(T.slurp(log)))
    local out = T.slurp(log) or ""
    assert.are.same({ { "r1", "r2", "r3" }, { "r4", "r5", "r6" }, { "r7", "r8", "r9" } }, seen, out)
    -- r3-r4 and r6-r7: one VXLAN end on m1 and m3, two on m2
    assert.are.same({ 1, 2, 1 }, cut)
    assert.is_truthy(out:find("ok - r1 reaches r9 across the chain", 1, true), out)
    assert.is_truthy(out:find("ok - r9 sees r1's own address over TCP", 1, true), out)
    assert.is_nil(out:find("not ok", 1, true), out)
  end)
end)
