-- Regression of state: `nslab inspect LAB --json` saved once, compared
-- with a live lab by `nslab inspect LAB --compare FILE` and by
-- lab:expect_state. An identical rebuild matches (though its MACs and
-- link-local addresses differ, checked with python3's json); an address,
-- a route and a link set down behind nslab's back with `ip` are reported
-- as a readable diff; what changes on every run is ignored.
local T = require "nslab_test"

local LAB = T.SRC .. "/tests/labs/stateful.lua"
local PY = io.open("/usr/bin/python3") and "/usr/bin/python3" or "python3"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. d))
  return d
end

local function save(path)
  local st, out, err = T.nslab("inspect", "st15", "--json")
  assert.are.equal(0, st, err)
  local f = assert(io.open(path, "w"))
  f:write(out)
  f:close()
end

local function up(env)
  local st, out, err = T.sh(("%s %s up --name st15 %s"):format(env or "", T.q(T.NSLAB), T.q(LAB)))
  assert.are.equal(0, st, out .. err)
end

describe("state regression", function()
  local snap, check = T.host_guard()
  local dir
  before_each(function() snap(); dir = tmpdir() end)
  after_each(function()
    T.nslab("down", "st15")
    os.execute("rm -rf " .. dir)
    check()
  end)

  it("an identical rebuild matches; changes made with ip are a readable diff, exit 1", function()
    local env = "STATE_FILE=" .. dir .. "/never.json NSLAB_SAVE_STATE=1"
    up(env)
    save(dir .. "/first.json")
    assert.are.equal(0, (T.nslab("down", "st15")))
    up(env)
    save(dir .. "/second.json")
    -- what the comparison must ignore does change between the builds
    local st, out = T.sh(("%s -c %s %s %s"):format(PY, T.q([[
import sys, json
def macs(p):
    d = json.load(open(p))
    return sorted(i.get("mac", "") for n in d["nodes"] for i in n["interfaces"] if i["name"] != "lo")
print("differ" if macs(sys.argv[1]) != macs(sys.argv[2]) else "same")
]]), T.q(dir .. "/first.json"), T.q(dir .. "/second.json")))
    assert.are.equal(0, st)
    assert.are.equal("differ\n", out)
    local err
    st, out, err = T.nslab("inspect", "st15", "--compare", dir .. "/first.json")
    assert.are.equal(0, st, out .. err)
    assert.are.equal(("lab st15 matches the state saved in %s/first.json\n"):format(dir), out)
    -- behind nslab's back
    assert.are.equal(0, (T.sh("ip -n st15.a addr add 10.93.1.9/24 dev eth0")))
    assert.are.equal(0, (T.sh("ip -n st15.a route add 10.99.0.0/24 via 10.93.1.1")))
    assert.are.equal(0, (T.sh("ip -n st15.b link set eth0 down")))
    assert.are.equal(0, (T.sh("ip -n st15.r addr del 10.93.2.1/24 dev eth1")))
    st, out, err = T.nslab("inspect", "st15", "--compare", dir .. "/first.json")
    assert.are.equal(1, st, out .. err)
    local want = {
      ("lab st15 differs from the state saved in %s/first.json ("):format(dir),
      "\n  + a: address 10.93.1.9/24 on eth0\n",
      "\n  + a: route 10.99.0.0/24 dev eth0: via 10.93.1.1 proto boot",
      "\n  ~ b: interface eth0: up: true -> false\n",
      "\n  - b: route default dev eth0: via 10.93.2.1 proto static",
      "\n  - r: address 10.93.2.1/24 on eth1\n",
    }
    for _, w in ipairs(want) do assert.is_truthy(out:find(w, 1, true), w .. " in:\n" .. out) end
    -- nothing else: no MAC, index or pid in the diff
    assert.is_nil(out:find("mac", 1, true), out)
    assert.is_nil(out:find("index", 1, true), out)
  end)

  it("lab:expect_state under nslab test: saved with NSLAB_SAVE_STATE=1, then passes, then catches a change", function()
    local file = dir .. "/stateful.json"
    local st, out, err = T.sh(("STATE_FILE=%s NSLAB_SAVE_STATE=1 %s test --prefix t15- %s")
      :format(T.q(file), T.q(T.NSLAB), T.q(LAB)))
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(io.open(file), "no state saved")
    st, out, err = T.sh(("STATE_FILE=%s %s test --prefix t15- %s"):format(T.q(file), T.q(T.NSLAB), T.q(LAB)))
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("ok 2 - stateful: the lab's state matches " .. file, 1, true), out)
    st, out, err = T.sh(("STATE_TWEAK=addr STATE_FILE=%s %s test --prefix t15- %s")
      :format(T.q(file), T.q(T.NSLAB), T.q(LAB)))
    assert.are.equal(1, st, out .. err)
    assert.is_truthy(out:find("not ok 2 - stateful: the lab's state matches", 1, true), out)
    assert.is_truthy(out:find('found: "0 changed, 0 missing, 1 new: + a: address 10.93.1.9/24 on eth0"', 1, true), out)
    assert.is_truthy(out:find(('at: "%s:19"'):format(LAB), 1, true), out)
  end)

  it("bad input: a missing or foreign file, a bad argument", function()
    up("STATE_FILE=" .. dir .. "/x.json NSLAB_SAVE_STATE=1")
    local st, out, err = T.nslab("inspect", "st15", "--compare", dir .. "/nope.json")
    assert.are.equal(2, st, out .. err)
    assert.is_truthy(err:find("^nslab: inspect: %-%-compare: cannot read saved state " .. dir:gsub("%p", "%%%0") ..
      "/nope.json"), err)
    local f = assert(io.open(dir .. "/other.json", "w"))
    f:write('{"a": 1}')
    f:close()
    st, out, err = T.nslab("inspect", "st15", "--compare", dir .. "/other.json")
    assert.are.equal(2, st, out .. err)
    assert.is_truthy(err:find("is not a saved state (the output of `nslab inspect LAB --json`)", 1, true), err)
    local lab = T.write_lab("st15bad", 'local a = lab:host "a"\nlab:expect_state(42)\n')
    st, out, err = T.nslab("run", lab)
    assert.are.equal(4, st, out .. err)
    assert.is_truthy(err:find(lab .. ":2: expect_state needs the file of a saved state", 1, true), err)
  end)

  it("ignores ifindexes, MACs, link-local addresses, pids and nft counters; sees an MTU", function()
    local state = require "nslab.state"
    local function doc(idx, mac, ll, pid, pkts, mtu)
      return { schema = "nslab-inspect/1", lab = "x" .. idx, nodes = { {
        name = "a", kind = "host", forwarding = { ipv4 = false, ipv6 = false },
        interfaces = { { name = "eth0", index = idx, kind = "veth", up = true, state = "up", mtu = mtu, mac = mac,
                         addresses = { "10.0.0.1/24", ll .. "/64" } } },
        routes = { { family = 6, dst = ll, table = "local", type = "local", scope = "host", dev = "eth0" } },
        nat = { { family = "ip", name = "nat", chains = { { name = "post", rules = {
          ("oifname \"eth0\" counter packets %d bytes %d masquerade"):format(pkts, pkts * 60) } } } } },
        processes = { { pid = pid, comm = "socat", argv = { "socat" }, command = "socat TCP-LISTEN:1" } } } },
        links = {} }
    end
    assert.are.same({}, state.diff(doc(2, "aa:bb:cc:00:00:01", "fe80::1", 100, 0, 1500),
                                   doc(7, "aa:bb:cc:00:00:02", "fe80::2", 200, 9, 1500)))
    -- the kernel's listing order does not matter (two fe80::/64 routes)
    local x = doc(2, "m", "fe80::1", 1, 0, 1500)
    local y = doc(2, "m", "fe80::1", 1, 0, 1500)
    local r1 = { family = 6, dst = "fe80::/64", table = "main", type = "unicast", scope = "global", dev = "eth0", metric = 256 }
    local r2 = { family = 6, dst = "fe80::/64", table = "main", type = "unicast", scope = "global", dev = "eth1", metric = 256 }
    x.nodes[1].routes = { r1, r2 }
    y.nodes[1].routes = { r2, r1 }
    assert.are.same({}, state.diff(x, y))
    -- the kernel's own fe80::/64 comes with the carrier, up to a second
    -- after a build: one missing in a rebuild is no difference...
    local k1 = { family = 6, dst = "fe80::/64", table = "main", proto = "kernel", type = "unicast",
                 scope = "global", dev = "eth0", metric = 256 }
    local k2 = { family = 6, dst = "fe80::/64", table = "main", proto = "kernel", type = "unicast",
                 scope = "global", dev = "eth1", metric = 256 }
    x.nodes[1].routes, y.nodes[1].routes = { k1, k2 }, { k2 }
    assert.are.same({}, state.diff(x, y))
    -- ...but one a lab added is
    x.nodes[1].routes, y.nodes[1].routes = { r1 }, {}
    assert.are.equal(1, #state.diff(x, y))
    assert.are.same({ "~ a: interface eth0: mtu: 1500 -> 1400" },
      state.diff(doc(2, "m", "fe80::1", 1, 0, 1500), doc(2, "m", "fe80::1", 1, 0, 1400)))
  end)
end)
