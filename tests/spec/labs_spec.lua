-- The seed labs, run as a user runs them (their own checks prove them with
-- packets), then rebuilt with `nslab up` and checked from outside: with ip
-- and nft (client-router-server, bridge-nat, veth-nat), and with ip,
-- nsenter, tcpdump and curl (vpn-only, tenants, containers), by tests that
-- trust nothing nslab says.
local T = require "nslab_test"

local function up(file, name)
  local st, out, err = T.nslab("up", "--name", name, file)
  assert(st == 0, ("nslab up %s failed: %s%s"):format(file, out, err))
end

local ns_sh = T.ns_sh

describe("seed labs", function()
  local before
  before_each(function() before = T.snapshot() end)
  after_each(function()
    for _, n in ipairs { "tl-crs", "tl-bn", "tl-vn" } do T.nslab("down", n) end
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  for _, l in ipairs { "client-router-server", "bridge-nat", "veth-nat" } do
    it(l .. " proves itself with packets and leaves nothing", function()
      local st, out, err = T.nslab("run", "labs/" .. l .. ".lua")
      assert.are.equal(0, st, out .. err)
      assert.is_truthy(out:find("ok - ", 1, true))
      assert.is_falsy(out:find("check failed", 1, true))
    end)
  end

  it("client-router-server: the kernel holds what the article built", function()
    up("labs/client-router-server.lua", "tl-crs")
    local _, list = T.sh("ip netns list")
    for _, n in ipairs { "client", "router", "server" } do
      assert.is_truthy(list:find("tl-crs." .. n, 1, true), list)
    end
    local _, a = ns_sh("tl-crs.client", "ip -br addr show cl-rt0")
    assert.is_truthy(a:find("UP", 1, true) and a:find("10.0.1.2/24", 1, true), a)
    local _, r = ns_sh("tl-crs.router", "ip -br addr")
    assert.is_truthy(r:find("cl-rt1", 1, true) and r:find("10.0.1.1/24", 1, true), r)
    assert.is_truthy(r:find("sv-rt1", 1, true) and r:find("10.0.2.1/24", 1, true), r)
    local _, rt = ns_sh("tl-crs.server", "ip route show default")
    assert.is_truthy(rt:find("default via 10.0.2.1", 1, true), rt)
    local _, f = ns_sh("tl-crs.router", "sysctl -n net.ipv4.ip_forward")
    assert.are.equal("1\n", f)
    -- the host's own forwarding is untouched (compared by the snapshot)
    local st = ns_sh("tl-crs.client", "ping -c1 -W2 10.0.2.2")
    assert.are.equal(0, st)
    -- loopback is up in every node
    local _, lo = ns_sh("tl-crs.server", "ip -br link show lo")
    assert.is_truthy(lo:find("UNKNOWN", 1, true) or lo:find("UP", 1, true), lo)
  end)

  it("bridge-nat: vnet-0 bridges the ports inside gw and nft masquerades", function()
    up("labs/bridge-nat.lua", "tl-bn")
    local _, br = ns_sh("tl-bn.gw", "ip -d -br link show master vnet-0")
    assert.is_truthy(br:find("veth-web-br", 1, true) and br:find("veth-db-br", 1, true), br)
    local _, a = ns_sh("tl-bn.gw", "ip -br addr show vnet-0")
    assert.is_truthy(a:find("192.168.15.1/24", 1, true), a)
    local _, rules = ns_sh("tl-bn.gw", "nft list ruleset")
    assert.is_truthy(rules:find("ip saddr 192.168.15.0/24 masquerade", 1, true), rules)
    -- the host's ruleset has no trace of it (compared by the snapshot too)
    local _, hostrules = T.sh("nft list ruleset")
    assert.is_falsy(hostrules:find("192.168.15.0", 1, true))
  end)

  it("veth-nat: the article's FORWARD pair and policy are in gw", function()
    up("labs/veth-nat.lua", "tl-vn")
    local _, rules = ns_sh("tl-vn.gw", "nft list chain inet nslab forward")
    assert.is_truthy(rules:find('iifname "veth0" oifname "eth0" accept', 1, true), rules)
    assert.is_truthy(rules:find('iifname "eth0" oifname "veth0" ct state established,related accept', 1, true), rules)
    assert.is_truthy(rules:find("policy drop", 1, true), rules)
  end)
end)

-- Start tcpdump in ns (background, lines to a file); returns a function
-- that waits for n packets and returns what it printed.
local function capture(ns, dev, filter, n)
  local file = os.tmpname()
  T.sh(("ip netns exec %s tcpdump -l -n -c %d -i %s %s >%s 2>&1 &"):format(ns, n, dev, filter, file))
  assert(T.eventually(function() return (T.slurp(file) or ""):find("listening on", 1, true) end),
    "tcpdump did not start")
  return function()
    local got = T.eventually(function()
      local s = T.slurp(file) or ""
      return s:find("\n" .. n .. " packets? captured") and s
    end)
    local s = T.slurp(file)
    os.remove(file)
    return got, s
  end
end

describe("seed labs: vpn-only, tenants, containers", function()
  local before
  before_each(function() before = T.snapshot() end)
  after_each(function()
    for _, n in ipairs { "p5vpn", "p5ten", "p5ct" } do T.nslab("down", n) end
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  for _, l in ipairs { "vpn-only", "tenants", "containers" } do
    it(l .. " proves itself with packets and leaves nothing", function()
      local st, out, err = T.nslab("run", "--name", "p5run", "labs/" .. l .. ".lua")
      assert.are.equal(0, st, out .. err)
      local _, n = out:gsub("\nok %- ", "")
      assert.is_true(n >= 8, out)
      assert.is_falsy(out:find("check failed", 1, true))
    end)
  end

  it("vpn-only: the app namespace's only way out is the tunnel, seen on the wire", function()
    up("labs/vpn-only.lua", "p5vpn")
    local _, links = T.sh("ip -n p5vpn.vpn-only -o link show")
    local names = {}
    for l in links:gmatch("[^\n]+") do names[#names + 1] = l:match("^%d+: ([^:@]+)") end
    assert.are.same({ "lo", "vpn0" }, names)
    local _, d = T.sh("ip -n p5vpn.vpn-only -d link show vpn0")
    assert.is_truthy(d:find("vxlan id 42 remote 198.51.100.2 local 198.51.100.3", 1, true), d)
    assert.is_truthy(d:find("link-netns p5vpn.home", 1, true), d)
    -- the tunnel's packets on home's uplink, encapsulated in UDP 4789
    local done = capture("p5vpn.home", "eth0", "udp port 4789", 2)
    assert.are.equal(0, (ns_sh("p5vpn.vpn-only", "ping -c1 -W2 198.51.100.1")))
    local got, s = done()
    assert.is_truthy(got, s)
    assert.is_truthy(s:find("198.51.100.3.%d+ > 198.51.100.2.4789: VXLAN"), s)
    -- what the internet sees is the VPN's address
    ns_sh("p5vpn.internet", "socat TCP-LISTEN:9090,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &")
    local seen = T.eventually(function()
      local st, out = ns_sh("p5vpn.vpn-only", "socat -T2 - TCP:198.51.100.1:9090,connect-timeout=2 </dev/null")
      return st == 0 and out:match("%S+")
    end)
    assert.are.equal("198.51.100.2", seen)
    -- nsenter into the app namespace: no route but the tunnel
    local _, r = T.sh("nsenter --net=/run/netns/p5vpn.vpn-only ip route")
    assert.are.equal("default via 10.8.0.1 dev vpn0 proto static \n" ..
      "10.8.0.0/24 dev vpn0 proto kernel scope link src 10.8.0.2 \n", r)
  end)

  it("tenants: overlapping 10.1.1.0/24 in qrouter-/qdhcp- namespaces, as ip netns shows them", function()
    up("labs/tenants.lua", "p5ten")
    local _, list = T.sh("ip netns list")
    for _, n in ipairs { "qrouter-e945b6b1-54be-49ef-95ed-5d524d2f3616", "qdhcp-dae14f7d-c7f9-4dbc-9635-603f0fbc3f09",
                         "qrouter-5a3c9f21-7d2e-4b8a-9c1f-3e6d8b0a2c47", "qdhcp-8f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f" } do
      assert.is_truthy(list:find("p5ten." .. n, 1, true), list)
    end
    -- the article's `ip netns exec qrouter-… ifconfig`
    local _, a = ns_sh("p5ten.qrouter-e945b6b1-54be-49ef-95ed-5d524d2f3616", "ip -br addr")
    assert.is_truthy(a:find("qg%-e5b9712e%-b0@%S+%s+UP%s+172%.16%.100%.30/24"), a)
    assert.is_truthy(a:find("qr%-76de6d23%-a8@%S+%s+UP%s+10%.1%.1%.1/24"), a)
    -- the same address in both tenants
    for _, vm in ipairs { "vm-a", "vm-b" } do
      local _, v = T.sh("ip -n p5ten." .. vm .. " -br addr show eth0")
      assert.is_truthy(v:find("10.1.1.3/24", 1, true), v)
    end
    -- each router SNATs to its own gateway address
    local _, rs = ns_sh("p5ten.qrouter-5a3c9f21-7d2e-4b8a-9c1f-3e6d8b0a2c47", "nft list ruleset")
    assert.is_truthy(rs:find('ip saddr 10.1.1.0/24 oifname "qg-1d7f0a93-5e" snat ip to 172.16.100.31', 1, true), rs)
    -- tenant a's traffic to the internet leaves as 172.16.100.30, never on tenant b's network
    local done_b = capture("p5ten.brq8f1e2d3c-4b", "brq8f1e2d3c-4b", "icmp", 1)
    local done_ex = capture("p5ten.br-ex", "br0", "icmp", 2)
    assert.are.equal(0, (ns_sh("p5ten.vm-a", "ping -c1 -W2 172.16.100.1")))
    local got, s = done_ex()
    assert.is_truthy(got, s)
    assert.is_truthy(s:find("172.16.100.30 > 172.16.100.1: ICMP echo request", 1, true), s)
    -- then tenant b pings: its capture sees b's own packet, and only that
    assert.are.equal(0, (ns_sh("p5ten.vm-b", "ping -c1 -W2 10.1.1.1")))
    got, s = done_b()
    assert.is_truthy(got, s)
    assert.is_truthy(s:find("10.1.1.3 > 10.1.1.1: ICMP echo request", 1, true), s)
    assert.is_falsy(s:find("172.16.100.1", 1, true), s)
  end)

  it("containers: the published port from the outside, and the article's nsenter look inside", function()
    up("labs/containers.lua", "p5ct")
    -- docker0 holds the three containers' host ends
    local _, br = T.sh("ip -n p5ct.docker-host -br link show master docker0")
    for _, v in ipairs { "veth1f3a9c2", "veth7b24e05", "veth0d6e81b" } do
      assert.is_truthy(br:find(v, 1, true), br)
    end
    -- curl from the internet to the host's published port
    local code = T.eventually(function()
      local st, out = ns_sh("p5ct.internet",
        "curl -s -o /dev/null -w %{http_code} --max-time 2 http://198.51.100.2:8080/")
      return st == 0 and out == "200" and out
    end)
    assert.are.equal("200", code)
    -- the container's server process, found with nslab pids, seen with nsenter
    local _, pids = T.nslab("pids", "p5ct", "web")
    local pid = pids:match("%d+")
    assert.is_truthy(pid, pids)
    local _, ss = T.sh(("nsenter --net=/proc/%s/ns/net ss -Htlnp"):format(pid))
    assert.is_truthy(ss:find("0.0.0.0:80", 1, true) and ss:find("python3", 1, true), ss)
    local _, who = T.nslab("identify", pid)
    assert.are.equal("p5ct web\n", who)
    -- nothing in the host's own ruleset
    local _, hostrules = T.sh("nft list ruleset")
    assert.is_falsy(hostrules:find("172.17.0", 1, true))
  end)
end)
