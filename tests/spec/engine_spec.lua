-- The engine through the Lua API (plain busted, nslab.core as a C module):
-- every object checked with the kernel's own tools, every behaviour with
-- real packets.
local nslab = require "nslab"
local T = require "nslab_test"

local ns_sh = T.ns_sh

describe("engine", function()
  local lab
  local snap_host, down_and_check = T.lab_guard()
  before_each(snap_host)
  after_each(down_and_check)

  it("pins nodes where ip netns and nsenter find them, named LAB.NODE", function()
    lab = nslab.lab "te-pin"
    local a = lab:host "a"
    assert.are.equal("te-pin.a", a.netns)
    local _, list = T.sh("ip netns list")
    assert.is_truthy(list:find("te-pin.a", 1, true), list)
    local st, out = T.sh("nsenter --net=/run/netns/te-pin.a ip -br link")
    assert.are.equal(0, st)
    assert.is_truthy(out:find("^lo%s+UNKNOWN"), out)
    -- a second lab with the same node names does not collide
    local lab2 = nslab.lab "te-pin2"
    local ok, err = pcall(function()
      lab2:host "a"
      assert.are_not.equal(a.netns, lab2.nodes.a.netns)
    end)
    lab2:down()
    assert(ok, err)
  end)

  it("places veth ends directly, with names, MTU, MAC, and ifindexes the kernel agrees with", function()
    lab = nslab.lab "te-veth"
    local a, b = lab:host "a", lab:host "b"
    local l = lab:link(a, b, { "10.5.0.1/24", "10.5.0.2/24" },
      { names = { "left", "right" }, mtu = 1400, mac = { "02:00:00:00:00:0a", "02:00:00:00:00:0b" } })
    assert.are.equal("left", l.a.ifname)
    local _, j = ns_sh("te-veth.a", "ip -o link show left")
    assert.is_truthy(j:find("mtu 1400", 1, true), j)
    assert.is_truthy(j:find("02:00:00:00:00:0a", 1, true), j)
    assert.is_truthy(j:find("state UP", 1, true), j)
    local idx = tonumber(j:match("^(%d+):"))
    assert.are.equal(a.ifaces.left.index, idx)
    local _, k = ns_sh("te-veth.b", "ip -o link show right")
    assert.are.equal(b.ifaces.right.index, tonumber(k:match("^(%d+):")))
    assert.is_truthy(k:find("state UP", 1, true), k)
    -- options in third place, the kind spelled out
    local d = lab:host "d"
    lab:link(a, d, { kind = "veth", mtu = 1300, names = { "to-d", "eth0" } })
    local _, m = ns_sh("te-veth.d", "ip -o link show eth0")
    assert.is_truthy(m:find("mtu 1300", 1, true), m)
    -- default names eth0, eth1 per node
    local c = lab:host "c"
    local l2 = lab:link(a, c)
    assert.are.equal("eth0", l2.a.ifname)
    assert.are.equal("eth0", l2.b.ifname)
    local l3 = lab:link(a, c)
    assert.are.equal("eth1", l3.a.ifname)
    assert.is_true(a:ping "10.5.0.2")
  end)

  it("adds IPv4 and IPv6 addresses, several per interface, and routes for both", function()
    lab = nslab.lab "te-v6"
    local a, r, b = lab:host "a", lab:router "r", lab:host "b"
    lab:link(a, r, { { "10.6.1.2/24", "fd00:1::2/64" }, { "10.6.1.1/24", "fd00:1::1/64" } })
    lab:link(b, r, { { "10.6.2.2/24", "fd00:2::2/64" }, { "10.6.2.1/24", "fd00:2::1/64" } })
    a:addr("eth0", "10.6.1.3/24")
    a:route("default", "10.6.1.1")
    a:route("default", "fd00:1::1")
    b:route("10.6.1.0/24", r)              -- via the node: its address on the shared net
    b:route("fd00:1::/64", "fd00:2::1")
    local _, addrs = ns_sh("te-v6.a", "ip -br addr show eth0")
    for _, x in ipairs { "10.6.1.2/24", "10.6.1.3/24", "fd00:1::2/64" } do
      assert.is_truthy(addrs:find(x, 1, true), addrs)
    end
    local _, r6 = ns_sh("te-v6.a", "ip -6 route show default")
    assert.is_truthy(r6:find("via fd00:1::1", 1, true), r6)
    local _, r4 = ns_sh("te-v6.b", "ip route show 10.6.1.0/24")
    assert.is_truthy(r4:find("via 10.6.2.1", 1, true), r4)
    local _, f6 = ns_sh("te-v6.r", "sysctl -n net.ipv6.conf.all.forwarding")
    assert.are.equal("1\n", f6)
    -- a node as gateway on a dual-stack link gives the destination's family
    a:route("fd00:9::/64", r)
    local _, r9 = ns_sh("te-v6.a", "ip -6 route show fd00:9::/64")
    assert.is_truthy(r9:find("via fd00:1::1", 1, true), r9)
    assert.is_true(a:ping "10.6.2.2")
    assert.is_true(a:ping "fd00:2::2")
    assert.is_true(a:ping(b, { family = 6 }))
    assert.is_true(b:ping "10.6.1.3")
  end)

  it("routes via a device", function()
    lab = nslab.lab "te-dev"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b, { "10.7.0.1/32", "10.7.0.2/32" })
    a:route("10.7.0.2/32", "eth0")
    b:route("10.7.0.1/32", nil, { dev = "eth0" })
    local _, r = ns_sh("te-dev.a", "ip route show 10.7.0.2")
    assert.is_truthy(r:find("dev eth0 proto static scope link", 1, true), r)
    assert.is_true(a:ping "10.7.0.2")
  end)

  it("puts a switch in its own namespace, ports enslaved at creation", function()
    lab = nslab.lab "te-sw"
    local sw = lab:switch "s1"
    local hosts = {}
    for i = 1, 3 do
      hosts[i] = lab:host("h" .. i)
      lab:link(hosts[i], sw, { ("10.8.0.%d/24"):format(i) })
    end
    local _, ports = ns_sh("te-sw.s1", "ip -br link show master br0")
    for i = 1, 3 do assert.is_truthy(ports:find("p" .. i, 1, true), ports) end
    assert.is_true(hosts[1]:ping "10.8.0.3")
    assert.is_true(hosts[3]:ping(hosts[2]))
    -- the bridge has a MAC of its own (set: 3), locally administered, that
    -- no port's MAC replaces
    local _, how = ns_sh("te-sw.s1", "cat /sys/class/net/br0/addr_assign_type")
    assert.are.equal("3\n", how)
    local _, mac = ns_sh("te-sw.s1", "cat /sys/class/net/br0/address")
    assert.matches("^%x[26ae]:", mac)
    local _, pmacs = ns_sh("te-sw.s1", "cat /sys/class/net/p*/address")
    assert.is_falsy(pmacs:find(mac, 1, true), pmacs)
  end)

  it("keeps a switch's ports layer 2 (no IPv6), its bridge and hosts with IPv6", function()
    lab = nslab.lab "te-sw6"
    local sw = lab:switch "s1"
    sw:addr "fd08::1/64"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, sw, { "fd08::2/64" })
    lab:link(b, sw)
    for _, p in ipairs { "p1", "p2" } do
      local _, addrs = ns_sh("te-sw6.s1", "ip -6 -o addr show dev " .. p)
      assert.are.equal("", addrs)
      local _, routes = ns_sh("te-sw6.s1", "ip -6 route show table all dev " .. p)
      assert.are.equal("", routes)
    end
    local _, br = ns_sh("te-sw6.s1", "ip -6 -o addr show dev br0")
    assert.is_truthy(br:find("fd08::1/64", 1, true), br)
    assert.is_truthy(br:find("fe80:", 1, true), br)
    local _, h = ns_sh("te-sw6.b", "ip -6 -o addr show dev eth0")
    assert.is_truthy(h:find("fe80:", 1, true), h)
    assert.is_true(a:ping "fd08::1")
  end)

  it("sets and reads sysctls per node", function()
    lab = nslab.lab "te-sysctl"
    local a, b = lab:host "a", lab:host "b"
    assert.are.equal("0", a:sysctl("net.ipv4.ip_forward", 1))
    assert.are.equal("1", a:sysctl "net.ipv4.ip_forward")
    assert.are.equal("0", b:sysctl "net.ipv4.ip_forward")
    local _, v = ns_sh("te-sysctl.a", "cat /proc/sys/net/ipv4/ip_forward")
    assert.are.equal("1\n", v)
  end)

  it("runs commands with output, error output and exit status", function()
    lab = nslab.lab "te-exec"
    local a = lab:host "a"
    local r = a:exec "echo out; echo err >&2; exit 3"
    assert.are.equal("out\n", r.out)
    assert.are.equal("err\n", r.err)
    assert.are.equal(3, r.status)
    assert.is_false(r.ok)
    assert.are.equal("out\n", tostring(r))
    assert.are.equal("a\n", a:exec("hostname").out)
    assert.are.equal("hi", a:exec({ "cat" }, { input = "hi" }).out)
    assert.are.equal("v\n", a:exec("echo $X", { env = { X = "v", PATH = "/usr/bin:/bin" } }).out)
    local t = a:exec("sleep 5", { timeout = 0.2 })
    assert.is_true(t.timed_out)
    -- plain strings skip sh (node.lua plain_argv) and must mean what sh means
    assert.are.equal("a,b", a:exec("printf %s,%s   a  b").out)
    assert.are.equal("-e x\n", a:exec("echo -e x").out)          -- dash's echo, not coreutils'
    assert.are.equal("Y=2\n", a:exec("env -i Y=2").out)
    assert.matches("X=1", a:exec("X=1 env").out)                 -- an assignment prefix is sh's
    local nf = a:exec("no-such-command-here --x")
    assert.are.equal(127, nf.status)
    assert.matches("no%-such%-command%-here: not found", nf.err)
    assert.are.equal(2, a:exec("ls /no/such/dir").status)
    -- the node sees only its own interfaces
    assert.is_falsy(a:exec("ip -br link").out:find("eth0", 1, true))
  end)

  it("masquerades, SNATs and DNATs, proven by the address the far side sees", function()
    lab = nslab.lab "te-nat"
    local inside, r, out = lab:host "inside", lab:router "r", lab:host "out"
    lab:link(inside, r, { "10.9.1.2/24", "10.9.1.1/24" })
    lab:link(r, out, { "198.51.100.2/24", "198.51.100.1/24" })
    inside:route("default", "10.9.1.1")
    out:spawn "socat TCP-LISTEN:8081,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
    local function seen(from, addr, port)
      return T.eventually(function()
        local ok, o = from:connect(addr, port)
        return ok and o:match("%S+")
      end)
    end
    -- no NAT: the far side has no route back, so nothing arrives
    r:masquerade { out = "eth1" }
    assert.are.equal("198.51.100.2", seen(inside, "198.51.100.1", 8081))
    -- SNAT to a second router address takes precedence when added first
    lab:down()
    lab = nslab.lab "te-nat2"
    inside, r, out = lab:host "inside", lab:router "r", lab:host "out"
    lab:link(inside, r, { "10.9.1.2/24", "10.9.1.1/24" })
    lab:link(r, out, { { "198.51.100.2/24", "198.51.100.3/24" }, "198.51.100.1/24" })
    inside:route("default", "10.9.1.1")
    r:snat { out = "eth1", src = "10.9.1.0/24", to = "198.51.100.3" }
    out:spawn "socat TCP-LISTEN:8081,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR'"
    assert.are.equal("198.51.100.3", seen(inside, "198.51.100.1", 8081))
    -- DNAT: a port on the router's outside address forwards to inside:80
    inside:spawn "socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo inside-web'"
    out:route("10.9.1.0/24", "198.51.100.2")
    r:dnat { iif = "eth1", proto = "tcp", port = 8080, to = "10.9.1.2:80" }
    local got = T.eventually(function()
      local ok, o = out:connect("198.51.100.2", 8080)
      return ok and o:match("%S+")
    end)
    assert.are.equal("inside-web", got)
    local _, rules = ns_sh("te-nat2.r", "nft list ruleset")
    assert.is_truthy(rules:find('iifname "eth1" tcp dport 8080 dnat ip to 10.9.1.2:80', 1, true), rules)
    assert.is_truthy(rules:find("snat ip to 198.51.100.3", 1, true), rules)
  end)

  it("filters forwarding and takes raw nft", function()
    lab = nslab.lab "te-fw"
    local a, r, b = lab:host "a", lab:router "r", lab:host "b"
    lab:link(a, r, { "10.11.1.2/24", "10.11.1.1/24" })
    lab:link(b, r, { "10.11.2.2/24", "10.11.2.1/24" })
    a:route("default", r)
    b:route("default", r)
    assert.is_true(a:ping(b))
    r:forward { src = "10.11.1.2/32", proto = "udp", action = "drop" }
    r:forward { iif = "eth0", oif = "eth1", action = "drop" }
    assert.is_false(a:ping(b, { timeout = 1 }))
    assert.is_true(r:ping(b))
    r:nft "flush chain inet nslab forward"
    assert.is_true(a:ping(b))
    assert.is_truthy(r:ruleset():find("chain forward", 1, true))
  end)

  it("lets a lab touch the host only where it names it, and undoes it", function()
    lab = nslab.lab "te-host"
    local host, a = lab:host "host", lab:host "a"
    local l = lab:link(host, a, { "10.12.0.1/30", "10.12.0.2/30" })
    assert.is_truthy(l.a.ifname:match("^nsl%w+%-0$"), l.a.ifname)
    local _, links = T.sh("ip -br link show " .. l.a.ifname)
    assert.is_truthy(links:find("10.12.0.1", 1, true) or links:find("UP", 1, true), links)
    assert.is_true(a:ping "10.12.0.1")
    host:route("10.12.9.0/24", "10.12.0.2")
    local _, r = T.sh("ip route show 10.12.9.0/24")
    assert.is_truthy(r:find("via 10.12.0.2", 1, true), r)
    host:masquerade { src = "10.12.9.0/24", out = l.a.ifname }
    local _, rules = T.sh("nft list table inet nslab_te_host")
    assert.is_truthy(rules:find("masquerade", 1, true), rules)
    -- after_each proves that links, routes and the table are gone
  end)
end)
