-- The seed labs, run as a user runs them, then rebuilt with `nslab up` and
-- checked from outside with ip and nft.
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
