-- nslab.expect: each assertion against a real lab, passing and failing,
-- with what it found compared to what independent tools (ip, nft) see;
-- failed checks name the spec's own line.
local nslab = require "nslab"
local expect = require "nslab.expect"
local T = require "nslab_test"

-- this file as error messages name it (busted may load it by a full path)
local SELF = debug.getinfo(1, "S").source:sub(2)

local ns_sh = T.ns_sh

describe("nslab.expect", function()
  local before, lab, a, r, b

  setup(function()
    before = T.snapshot()
    lab = nslab.lab "t8e"
    a, r, b = lab:host "a", lab:router "r", lab:host "b"
    lab:link(a, r, { { "10.81.1.2/24", "fd81:1::2/64" }, { "10.81.1.1/24", "fd81:1::1/64" } })
    lab:link(b, r, { { "10.81.2.2/24", "fd81:2::2/64" }, { "10.81.2.1/24", "fd81:2::1/64" } })
    a:route("default", r)
    a:route("default", "fd81:1::1")
    b:route("default", r)
    b:route("default", "fd81:2::1")
    r:masquerade { out = "eth1" }
    lab._quiet = true
  end)

  teardown(function()
    lab:down()
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("reach: IPv4 and IPv6 by ping, and a TCP port", function()
    local ok, found, exp = expect.reach(a, b)
    assert.is_true(ok, found)
    assert.are.equal("a reaches b (10.81.2.2) by ping", exp)
    assert.is_truthy(found:find("1 received", 1, true), found)
    ok, found, exp = expect.reach(a, b, { family = 6 })
    assert.is_true(ok, found)
    assert.are.equal("a reaches b (fd81:2::2) by ping (IPv6)", exp)
    -- nothing listens on b:8081 yet: refused; then a server, and it connects
    ok, found = expect.reach(a, b, { port = 8081, timeout = 1 })
    assert.is_false(ok)
    assert.is_truthy(found:find("refused", 1, true), found)
    local p = b:spawn "socat TCP-LISTEN:8081,reuseaddr,fork SYSTEM:'echo hi'"
    ok, found = expect.reach(a, b, { port = 8081 })
    p:stop()
    assert.is_true(ok, found)
  end)

  it("reach fails with what ping saw; no_reach passes where nothing answers", function()
    local ok, found, exp = expect.reach(a, "10.81.2.99", { timeout = 1 })
    assert.is_false(ok)
    assert.are.equal("a reaches 10.81.2.99 by ping", exp)
    assert.is_truthy(found:find("0 received", 1, true) or found:find("nreachable"), found)
    ok = expect.no_reach(a, "10.81.2.99")
    assert.is_true(ok)
    ok, found = expect.no_reach(a, b)
    assert.is_false(ok, found)
  end)

  it("route: the next hop the kernel chooses, the same as `ip route get`", function()
    local _, out = ns_sh("t8e.a", "ip route get 10.81.2.2")
    assert.is_truthy(out:find("via 10.81.1.1 dev eth0", 1, true), out)
    local ok, found, exp = expect.route(a, b, { via = r })
    assert.is_true(ok, found)
    assert.are.equal("a routes b (10.81.2.2) via r (10.81.1.1)", exp)
    assert.are.equal("via 10.81.1.1 dev eth0 src 10.81.1.2", found)
    assert.is_true((expect.route(a, "10.81.1.1", { via = false, dev = "eth0" })))
    assert.is_true((expect.route(a, "fd81:2::2", { via = "fd81:1::1" })))
    ok, found = expect.route(a, b, { via = "10.81.1.77" })
    assert.is_false(ok)
    assert.are.equal("via 10.81.1.1 dev eth0 src 10.81.1.2", found)
    -- without a route: what the kernel says
    ok, found = expect.route(r, "192.0.2.1")
    assert.is_false(ok)
    assert.is_truthy(found:find("unreachable", 1, true), found)
  end)

  it("addr: what netlink holds, on the interface", function()
    assert.is_true((expect.addr(b, "10.81.2.2/24", { iface = "eth0" })))
    assert.is_true((expect.addr(b, "fd81:2::2/64")))
    -- added behind nslab's back: still seen (the kernel is asked, not the lab)
    ns_sh("t8e.b", "ip addr add 10.81.9.9/32 dev lo")
    assert.is_true((expect.addr(b, "10.81.9.9/32", { iface = "lo" })))
    local ok, found, exp = expect.addr(b, "10.81.2.2/24", { iface = "lo" })
    assert.is_false(ok)
    assert.are.equal("b has 10.81.2.2/24 on lo", exp)
    assert.is_truthy(found:find("10.81.2.2/24 on eth0", 1, true), found)
  end)

  it("nat: the far side sees the router's address; without the rule, the client's own", function()
    local ok, found, exp = expect.nat(a, b, { as = r })
    assert.is_true(ok, found)
    assert.are.equal("b sees a's connections coming from r (10.81.2.1)", exp)
    assert.are.equal("b saw 10.81.2.1", found)
    assert.is_true((expect.nat(a, b)))
    local _, rules = ns_sh("t8e.r", "nft list ruleset")
    assert.is_truthy(rules:find('oifname "eth1" masquerade', 1, true), rules)
    ns_sh("t8e.r", "nft flush chain inet nslab postrouting")
    ok, found = expect.nat(a, b)
    assert.is_false(ok)
    assert.are.equal("b saw 10.81.1.2 (not translated: that is a's own)", found)
    ok, found = expect.nat(a, b, { as = r })
    assert.is_false(ok)
    assert.are.equal("b saw 10.81.1.2", found)
    r:masquerade { out = "eth1" }
    -- the helper servers are gone again
    assert.is_truthy(T.eventually(function() return select(2, T.sh("ip netns pids t8e.b")) == "" end))
  end)

  it("eventually: polls, and times out with what it waited for at the caller's line", function()
    local n = 0
    assert.are.equal(3, expect.eventually(function() n = n + 1 return n >= 3 and n end))
    local ok, err = pcall(expect.eventually, function() return false, "x is 3" end,
      { timeout = 0.2, what = "x to be 4" })
    assert.is_false(ok)
    local line = err:match("^(%d+): ", #SELF + 2)
    assert.are.equal(("%s:%s: timed out after 0.2 s waiting for x to be 4 (last: x is 3)"):format(SELF, line), err)
  end)

  it("lab checks: recorded with the lab-file line; a failure raises expected and found", function()
    local n0 = #lab:checks()
    assert.is_true(lab:expect_reach(a, b))
    local line = debug.getinfo(1, "l").currentline + 1
    local ok, err = pcall(lab.expect_route, lab, a, b, { via = "10.81.1.77" })
    assert.is_false(ok)
    assert.are.equal(("%s:%d: check failed: a routes b (10.81.2.2) via 10.81.1.77 " ..
      "(expected a routes b (10.81.2.2) via 10.81.1.77; found via 10.81.1.1 dev eth0 src 10.81.1.2)"):format(SELF, line), err)
    local cs = lab:checks()
    assert.are.equal(n0 + 2, #cs)
    assert.is_true(cs[n0 + 1].ok)
    assert.are.equal(("%s:%d"):format(SELF, line), cs[n0 + 2].where)
    assert.are.equal("via 10.81.1.1 dev eth0 src 10.81.1.2", cs[n0 + 2].found)
    -- names work as well as nodes; desc replaces the generated description
    assert.is_true(lab:expect_reach("a", "b", { desc = "a to b by name" }))
    assert.are.equal("a to b by name", lab:checks()[#lab:checks()].desc)
  end)

  it("bad arguments are one line at the caller's line", function()
    local ok, err = pcall(expect.reach, a, b, { famly = 6 })
    assert.is_false(ok)
    local line = debug.getinfo(1, "l").currentline - 2
    assert.are.equal(("%s:%d: expect reach: unknown option 'famly' (known: count, desc, family, port, timeout)")
      :format(SELF, line), err)
    ok, err = pcall(expect.reach, a, "nosuch")
    assert.is_false(ok)
    assert.is_truthy(err:find('unknown node "nosuch" in lab "t8e"', 1, true), err)
  end)
end)
