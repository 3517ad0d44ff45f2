-- nslab.topo: each generator builds a routed lab that passes its own
-- reachability checks, with the shape, addresses and routes ip(8) sees.
local nslab = require "nslab"
local topo = require "nslab.topo"
local T = require "nslab_test"

local ns_sh = T.ns_sh

local function count_ns(lab)
  local _, list = T.sh("ip netns list")
  local n = 0
  for line in list:gmatch("[^\n]+") do
    if line:sub(1, #lab + 1) == lab .. "." then n = n + 1 end
  end
  return n
end

-- independent of nslab: the first host pings the last one
local function far_ping(lab, t)
  local last = t.hosts[#t.hosts]
  local st, out = ns_sh(lab .. "." .. t.hosts[1].name, "ping -c1 -W2 " .. last:ip())
  assert.are.equal(0, st, out)
end

describe("topology generators", function()
  local lab
  local snap_host, down_and_check = T.lab_guard()
  before_each(snap_host)
  after_each(down_and_check)

  it("linear{n=3}: a chain of routers, a host on each", function()
    lab = nslab.lab "t8t-linear"
    lab._quiet = true
    local t = topo.linear(lab, { n = 3 })
    assert.are.equal("nslab.topo(linear: 3 routers, 3 hosts, 5 links)", tostring(t))
    assert.are.equal(6, count_ns("t8t-linear"))
    assert.is_true(t:check())
    far_ping("t8t-linear", t)
    -- r1 reaches r3's far link through r2
    local _, rt = ns_sh("t8t-linear.r1", "ip route get 10.0.0.18")
    assert.is_truthy(rt:find("via 10.0.0.2 dev eth0", 1, true), rt)
  end)

  it("star{n=4}: hosts around a hub, IPv6 too", function()
    lab = nslab.lab "t8t-star"
    lab._quiet = true
    local t = topo.star { lab = lab, n = 4, ipv6 = true }
    assert.are.equal(5, count_ns("t8t-star"))
    assert.are.same({ "hub" }, { t.routers[1].name })
    assert.is_true(t:check())
    local _, a = ns_sh("t8t-star.h2", "ip -br addr show eth0")
    assert.is_truthy(a:find("10.0.0.5/30", 1, true) and a:find("fd00:a:0:2::1/64", 1, true), a)
    local st = ns_sh("t8t-star.h1", "ping -c1 -W2 fd00:a:0:4::1")
    assert.are.equal(0, st)
  end)

  it("tree{depth=3, fanout=2}: 7 routers, 8 hosts, as the issue asks", function()
    lab = nslab.lab "t8t-tree"
    lab._quiet = true
    local t = topo.tree(lab, { depth = 3, fanout = 2 })
    assert.are.equal("nslab.topo(tree: 7 routers, 8 hosts, 14 links)", tostring(t))
    assert.are.equal(15, count_ns("t8t-tree"))
    assert.is_true(t:check())
    far_ping("t8t-tree", t)
    -- a leaf host has only a default route; the root knows every link
    local _, hr = ns_sh("t8t-tree.h1", "ip route show proto static")
    assert.are.equal("default via 10.0.0.26 dev eth0 \n", hr)
    local _, rr = ns_sh("t8t-tree.r1", "ip route show proto static")
    local n = select(2, rr:gsub("\n", ""))
    assert.are.equal(14 - 2, n, rr)
  end)

  it("ring{n=4}: the shorter way round, both ways", function()
    lab = nslab.lab "t8t-ring"
    lab._quiet = true
    local t = topo.ring(lab, { n = 4 })
    assert.are.equal(8, count_ns("t8t-ring"))
    assert.is_true(t:check())
    far_ping("t8t-ring", t)
    -- r1 - r2 - r3 - r4 - r1: r1 reaches r4's host link directly through r4
    local _, rt = ns_sh("t8t-ring.r1", "ip route get " .. t.hosts[4]:ip())
    assert.is_truthy(rt:find("dev eth1", 1, true), rt)
  end)

  it("leafspine{spines=2, leaves=3}: leaf to leaf through a spine", function()
    lab = nslab.lab "t8t-clos"
    lab._quiet = true
    local t = topo.clos(lab, { spines = 2, leaves = 3 })
    assert.are.equal("nslab.topo(leafspine: 5 routers, 3 hosts, 9 links)", tostring(t))
    assert.is_true(t:check())
    far_ping("t8t-clos", t)
    local _, tr = ns_sh("t8t-clos.h1", "traceroute -n -w1 -q1 " .. t.hosts[3]:ip())
    if tr ~= "" then -- traceroute is optional; when present: leaf, spine, leaf, host
      local hops = select(2, tr:gsub("\n%s*%d+%s", ""))
      assert.are.equal(4, hops, tr)
    end
  end)

  it("two generators in one lab with their own prefixes and address blocks", function()
    lab = nslab.lab "t8t-two"
    lab._quiet = true
    local a = topo.star(lab, { n = 2, prefix = "a" })
    local b = topo.linear(lab, { n = 2, prefix = "b", base = "10.50.0.0/24" })
    assert.are.equal("ah1", a.hosts[1].name)
    assert.are.equal("br2", b.routers[2].name)
    assert.is_true(a:check() and b:check())
  end)

  it("progress on a terminal while a lab builds, and none in a pipe", function()
    local file = T.write_lab("t8t-prog", 'require("nslab.topo").tree { depth = 2, fanout = 3 }\n')
    -- script(1) gives nslab a terminal; a zero delay makes even a small lab show it
    local st, out = T.sh(("NSLAB_PROGRESS_DELAY=0 script -qec %s /dev/null")
      :format(T.q(T.q(T.NSLAB) .. " run " .. T.q(file))))
    assert.are.equal(0, st, out)
    assert.is_truthy(out:find("\r\27%[Kbuilding t8t%-prog: %d+/13 nodes, %d+/12 links"), out)
    -- wiped at the end: the last thing on the line is the erase
    assert.is_truthy(out:find("\r\27%[K$") or out:find("\r\27%[K\r?\n?$"), out)
    local _, _, err = T.sh(("NSLAB_PROGRESS_DELAY=0 %s run %s"):format(T.q(T.NSLAB), T.q(file)))
    assert.are.equal("", err)
  end)

  it("bad options are one line at the caller's line", function()
    lab = nslab.lab "t8t-bad"
    local ok, err = pcall(topo.tree, lab, { depht = 2 })
    assert.is_false(ok)
    assert.is_truthy(err:find("topo_spec.lua:%d+: topo.tree: unknown option 'depht'"), err)
    ok, err = pcall(topo.ring, lab, { n = 2 })
    assert.is_false(ok)
    assert.is_truthy(err:find("n 2 is out of range 3%-250"), err)
    ok, err = pcall(topo.star, lab, { n = 3, base = "10.0.0.0/31" })
    assert.is_false(ok)
    assert.is_truthy(err:find("too small", 1, true), err)
    ok, err = pcall(topo.linear, lab, { n = 4, base = "10.0.0.0/29" })
    assert.is_false(ok)
    assert.is_truthy(err:find("has room for 2 links", 1, true), err)
  end)
end)
