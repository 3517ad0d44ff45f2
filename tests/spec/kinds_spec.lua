-- Link kinds beyond veth, checked with ip and real packets; kinds this
-- kernel lacks must fail with one line naming the module and the config
-- option, at the lab file's line, and leave nothing behind.
local nslab = require "nslab"
local T = require "nslab_test"

local ns_sh = T.ns_sh

-- Does this kernel have link kind `kind`? Asked the way a person would,
-- with ip in a throwaway namespace.
local function kernel_has(kind, args)
  T.sh("ip netns add p5probe")
  local st = T.sh(("ip -n p5probe link add p5x type %s %s"):format(kind, args or ""))
  T.sh("ip netns del p5probe")
  return st == 0
end

describe("link kinds", function()
  local lab
  local snap_host, down_and_check = T.lab_guard()
  before_each(snap_host)
  after_each(down_and_check)

  it("makes a vxlan tunnel whose device and socket live in different nodes", function()
    lab = nslab.lab "p5vx"
    local app, under, far = lab:host "app", lab:host "under", lab:host "far"
    lab:link(under, far, { "192.0.2.1/24", "192.0.2.2/24" })
    local t = lab:link(app, far, { "10.70.0.1/24", "10.70.0.2/24" },
      { kind = "vxlan", id = 4242, port = 4790, via = { under, far } })
    assert.are.equal("vxlan", t.kind)
    -- the kernel's view: app holds only lo and the tunnel, bound to under's socket
    local _, links = T.sh("ip -n p5vx.app -o link show")
    local names = {}
    for l in links:gmatch("[^\n]+") do names[#names + 1] = l:match("^%d+: ([^:@]+)") end
    assert.are.same({ "lo", "vxlan4242" }, names)
    local _, d = T.sh("ip -n p5vx.app -d link show vxlan4242")
    assert.is_truthy(d:find("vxlan id 4242 remote 192.0.2.2 local 192.0.2.1", 1, true), d)
    assert.is_truthy(d:find("dstport 4790", 1, true), d)
    assert.is_truthy(d:find("link-netns p5vx.under", 1, true), d)
    local _, ss = ns_sh("p5vx.under", "ss -Hunl")
    assert.is_truthy(ss:find(":4790", 1, true), ss)
    -- packets: through the tunnel, carried by under's eth0
    local _, tx0 = ns_sh("p5vx.under", "cat /sys/class/net/eth0/statistics/tx_packets")
    assert.are.equal(0, (ns_sh("p5vx.app", "ping -c2 -W2 10.70.0.2")))
    local _, tx1 = ns_sh("p5vx.under", "cat /sys/class/net/eth0/statistics/tx_packets")
    assert.is_true(tonumber(tx1) - tonumber(tx0) >= 2)
    -- down and up again, from Lua
    t:down()
    assert.is_false((app:ping("10.70.0.2", { timeout = 1 })))
    t:up()
    assert.is_true((app:ping "10.70.0.2"))
    -- ids count up per lab when not given; lab:vxlan is the same call
    local t2 = lab:vxlan(under, far, { "10.71.0.1/24", "10.71.0.2/24" })
    assert.are.equal(101, t2.id)
    assert.is_true((under:ping "10.71.0.2"))
    -- removing the far end's node takes its tunnel end with it
    lab:remove(far)
    assert.is_false((app:ping("10.70.0.2", { timeout = 1 })))
  end)

  it("takes an explicit underlay for a routed one", function()
    lab = nslab.lab "p5vr"
    local a, r, b = lab:host "a", lab:router "r", lab:host "b"
    lab:link(a, r, { "192.0.2.2/24", "192.0.2.1/24" })
    lab:link(b, r, { "198.51.100.2/24", "198.51.100.1/24" })
    a:route("default", r)
    b:route("default", r)
    lab:link(a, b, { "10.72.0.1/30", "10.72.0.2/30" },
      { kind = "vxlan", underlay = { "192.0.2.2", "198.51.100.2" }, names = { "tun0", "tun0" } })
    assert.is_true((a:ping "10.72.0.2"))
    local _, d = T.sh("ip -n p5vr.b -d link show tun0")
    assert.is_truthy(d:find("remote 192.0.2.2 local 198.51.100.2", 1, true), d)
  end)

  it("makes macvlans over another node's interface", function()
    lab = nslab.lab "p5mv"
    local lan, gw, c1, c2 = lab:host "lan", lab:host "gw", lab:host "c1", lab:host "c2"
    lab:link(lan, gw, { nil, "10.73.0.1/24" })
    assert.are.equal("eth0", c1:macvlan({ lan, "eth0" }, "10.73.0.11/24"))
    assert.are.equal("mv0", c2:macvlan({ "lan", "eth0" }, { "10.73.0.12/24" }, { name = "mv0", mode = "bridge" }))
    local _, d = T.sh("ip -n p5mv.c2 -d link show mv0")
    assert.is_truthy(d:find("macvlan mode bridge", 1, true), d)
    assert.is_truthy(d:find("link-netns p5mv.lan", 1, true), d)
    -- the two share the parent's wire: they reach each other and gw
    assert.are.equal(0, (ns_sh("p5mv.c1", "ping -c1 -W2 10.73.0.12")))
    assert.are.equal(0, (ns_sh("p5mv.c2", "ping -c1 -W2 10.73.0.1")))
    -- a macvlan of the node's own interface
    local m = gw:macvlan("eth0", "10.73.0.2/24", { mode = "private" })
    assert.are.equal("eth1", m)
    local ok, err = pcall(function() c1:macvlan({ lan, "eth0" }, nil, { mode = "odd" }) end)
    assert.is_false(ok)
    assert.is_truthy(err:find('kinds_spec.lua:%d+: macvlan mode "odd" %(use bridge, private, vepa or passthru%)$'), err)
  end)

  for _, case in ipairs {
    { kind = "wireguard", lab = 'lab:link(a, b, { "10.74.0.1/24", "10.74.0.2/24" }, { kind = "wireguard" })',
      msg = "wireguard links need the kernel's wireguard module, which this kernel does not have " ..
            "(modprobe wireguard failed or CONFIG_WIREGUARD is off)" },
    { kind = "vlan", args = "link lo id 5", lab = 'a:vlan("eth0", 5, "10.75.0.1/24")',
      msg = "vlan links need the kernel's 8021q module, which this kernel does not have " ..
            "(modprobe 8021q failed or CONFIG_VLAN_8021Q is off)" },
    { kind = "dummy", lab = 'a:dummy("dummy0", "10.76.0.1/32")',
      msg = "dummy links need the kernel's dummy module, which this kernel does not have " ..
            "(modprobe dummy failed or CONFIG_DUMMY is off)" },
  } do
    it(case.kind .. ": names the missing kernel feature, or works where the kernel has it", function()
      local file = T.write_lab("p5k" .. case.kind, ([[
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.77.0.1/24", "10.77.0.2/24" })
%s
]]):format(case.lab))
      local st, out, err = T.nslab("run", file)
      if kernel_has(case.kind, case.args) then
        assert.are.equal(0, st, out .. err)
      else
        assert.are.equal(4, st)
        assert.are.equal(file .. ":4: " .. case.msg .. "\n", err)
      end
    end)
  end

  it("refuses kinds it does not know and tunnels with no underlay, by name", function()
    lab = nslab.lab "p5kb"
    local a, b = lab:host "a", lab:host "b"
    local ok, err = pcall(function() lab:link(a, b, nil, { kind = "gre" }) end)
    assert.is_false(ok)
    assert.is_truthy(err:find('kinds_spec.lua:%d+: link kind "gre" %(use "veth", "vxlan" or "wireguard";'), err)
    ok, err = pcall(function() lab:vxlan(a, b, { "10.78.0.1/24", "10.78.0.2/24" }) end)
    assert.is_false(ok)
    assert.is_truthy(err:find('kinds_spec.lua:%d+: vxlan link a <%-> b: no underlay address for b'), err)
    ok, err = pcall(function() lab:vxlan(a, b, nil, { id = 1 << 24 }) end)
    assert.is_truthy(err:find("vxlan id 16777216 is out of range 0-16777215", 1, true), err)
    ok, err = pcall(function() lab:link(a, b, nil, { kind = "vxlan", colour = "red" }) end)
    assert.is_truthy(err:find("link: unknown option 'colour'", 1, true), err)
    -- kind = "veth" is the default spelled out
    lab:link(a, b, { "10.79.0.1/24", "10.79.0.2/24" }, { kind = "veth" })
    assert.is_true((a:ping "10.79.0.2"))
  end)
end)
