-- Link shaping per link end (tbf through libnl), proven with tc's own view
-- and with iperf3 through a shaped link; the one-line error of a kernel
-- without netem; links set down and up at run time, proven with packets;
-- the shape/unshape/link verbs on a lab that is up.
local nslab = require "nslab"
local T = require "nslab_test"
local json = require "nslab.json"

local ns_sh = T.ns_sh

-- The root qdisc of dev in ns as tc sees it: kind, handle, options text.
local function tc_root(ns, dev)
  local _, out = T.sh(("tc -n %s qdisc show dev %s root"):format(ns, dev))
  return out:match("^qdisc (%S+) (%S+)"), out
end

-- Does this kernel have sch_netem? Asked with tc in a throwaway namespace.
local function kernel_has_netem()
  T.sh("ip netns add t8bprobe")
  local st = T.sh("tc -n t8bprobe qdisc add dev lo root netem delay 1ms")
  T.sh("ip netns del t8bprobe")
  return st == 0
end

local function line_of_next() return debug.getinfo(2, "l").currentline + 1 end
-- this file as errors name it (busted may load it by an absolute path)
local SELF = debug.getinfo(1, "S").source:sub(2)

describe("shaping", function()
  local lab
  local snap_host, down_and_check = T.lab_guard()
  before_each(snap_host)
  after_each(down_and_check)

  it("puts a tbf on one end, replaces it, reads it back, and removes it", function()
    lab = nslab.lab "t8b-tbf"
    local a, b = lab:host "a", lab:host "b"
    local l = lab:link(a, b, { "10.82.0.1/24", "10.82.0.2/24" })
    assert.are.equal("noqueue", tc_root("t8b-tbf.a", "eth0"))
    a:shape("eth0", { rate = "10mbit" })
    local kind, out = tc_root("t8b-tbf.a", "eth0")
    assert.are.equal("tbf", kind)
    assert.is_truthy(out:find("rate 10Mbit burst 16Kb lat 50ms", 1, true), out)
    assert.are.equal("noqueue", tc_root("t8b-tbf.b", "eth0"))   -- one end only
    local s = a:shaping("eth0")
    assert.are.equal(10e6, s.rate)
    assert.is_true(math.abs(s.burst - 16384) < 64, s.burst)   -- kept as a time in ticks
    assert.are.equal("rate 10mbit burst 16kb limit 77.04kb", s.text)
    -- a new shape replaces the old one in place (a new root, not a change)
    a:shape("eth0", { rate = "512kbit", burst = "32kb", latency = "20ms" })
    kind, out = tc_root("t8b-tbf.a", "eth0")
    assert.are.equal("tbf", kind)
    assert.is_truthy(out:find("rate 512Kbit burst 32Kb lat 20ms", 1, true), out)
    a:unshape("eth0")
    assert.are.equal("noqueue", tc_root("t8b-tbf.a", "eth0"))
    assert.is_nil(a:shaping("eth0"))
    a:unshape("eth0")                                           -- harmless twice
    -- link:shape: both ends, or the end at one node
    l:shape { rate = "2mbit" }
    assert.are.equal("tbf", tc_root("t8b-tbf.a", "eth0"))
    assert.are.equal("tbf", tc_root("t8b-tbf.b", "eth0"))
    l:unshape(b)
    assert.are.equal("tbf", tc_root("t8b-tbf.a", "eth0"))
    assert.are.equal("noqueue", tc_root("t8b-tbf.b", "eth0"))
    l:shape("b", { rate = "3mbit" })
    assert.is_truthy(select(2, tc_root("t8b-tbf.b", "eth0")):find("rate 3Mbit", 1, true))
    l:unshape()
    assert.are.equal("noqueue", tc_root("t8b-tbf.a", "eth0"))
    assert.are.equal("noqueue", tc_root("t8b-tbf.b", "eth0"))
  end)

  it("holds iperf3 through a 10mbit end within 10% of the rate", function()
    lab = nslab.lab "t8b-iperf"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b, { "10.83.0.1/24", "10.83.0.2/24" })
    a:shape("eth0", { rate = "10mbit" })
    b:spawn { "iperf3", "-s", "-1", "-J", "-p", "5201" }
    assert(T.eventually(function()
      return b:exec("ss -Hltn 'sport = :5201'").out ~= ""
    end), "iperf3 server did not listen")
    local r = a:exec({ "iperf3", "-c", "10.83.0.2", "-p", "5201", "-t", "5", "-J",
      "--get-server-output" }, { timeout = 30 })
    assert.are.equal(0, r.status, r.out .. r.err)
    -- What the server received each second (TCP payload: a little under the
    -- wire rate tbf counts). The first second is TCP's slow start: it
    -- overshoots tbf's queue and a retransmission timeout can cost it a
    -- few hundred ms (seen in CI: 8.7 Mbit/s over a 3 s run), which says
    -- nothing about the shaper; the median of the others is its rate.
    local server = json.decode(r.out).server_output_json
    assert.is_table(server, r.out)
    local rates = {}
    for i, iv in ipairs(server.intervals) do
      if i > 1 and iv.sum.seconds > 0.5 then rates[#rates + 1] = iv.sum.bits_per_second end
    end
    assert.is_true(#rates >= 3, r.out)
    table.sort(rates)
    local bps = rates[(#rates + 1) // 2]
    local shown = {}
    for i, v in ipairs(rates) do shown[i] = ("%.2f"):format(v / 1e6) end
    io.stderr:write(("\n  iperf3 through rate=10mbit: median %.2f Mbit/s received per second (%s)\n")
      :format(bps / 1e6, table.concat(shown, " ")))
    assert.is_true(bps > 9e6 and bps < 11e6, ("%.0f bit/s"):format(bps))
  end)

  it("names the missing netem qdisc in one line and keeps the old shaping", function()
    local has = kernel_has_netem()
    lab = nslab.lab "t8b-netem"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b, { "10.84.0.1/24", "10.84.0.2/24" })
    a:shape("eth0", { rate = "10mbit" })
    local line = line_of_next()
    local ok, err = pcall(a.shape, a, "eth0", { delay = "20ms", loss = "1%" })
    if has then
      assert(ok, err)
      assert.are.equal("netem", tc_root("t8b-netem.a", "eth0"))
      return
    end
    assert.is_false(ok)
    assert.are.equal(("%s:%d: delay/loss need the kernel's netem qdisc " ..
      "(sch_netem), which this kernel does not have"):format(SELF, line), err)
    local kind, out = tc_root("t8b-netem.a", "eth0")
    assert.are.equal("tbf", kind, out)
    assert.is_truthy(out:find("rate 10Mbit", 1, true), out)
    -- with a rate too, nothing half-made is left
    ok, err = pcall(a.shape, a, "eth0", { rate = "1mbit", jitter = "1ms", delay = "5ms" })
    assert.is_false(ok)
    assert.is_truthy(err:find(": delay/jitter need the kernel's netem qdisc (sch_netem)", 1, true), err)
    assert.is_truthy(select(2, tc_root("t8b-netem.a", "eth0")):find("rate 10Mbit", 1, true))
    -- and from a lab file run by nslab: FILE:LINE, one line, nothing left
    local file = T.write_lab("t8b-netem-run", table.concat({
      'local a, b = lab:host "a", lab:host "b"',
      'lab:link(a, b, { "10.85.0.1/24", "10.85.0.2/24" })',
      'a:shape("eth0", { duplicate = "1%" })',
    }, "\n") .. "\n")
    local st, _, e = T.nslab("run", file)
    assert.are.equal(4, st)
    assert.are.equal(file .. ":3: duplicate needs the kernel's netem qdisc (sch_netem), " ..
      "which this kernel does not have\n", e)
  end)

  it("refuses bad shaping with the lab file's line", function()
    lab = nslab.lab "t8b-bad"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b)
    local cases = {
      { { rate = "10" }, 'bad rate "10" (use tc\'s units: "10mbit", "512kbit", "1gbit", or bytes per second: "100kbps")' },
      { { rate = 10000000 }, "bad rate 10000000 (use tc's units" },
      { { rate = "10mbit", burst = "1kb" }, 'burst "1kb" is smaller than one full-size frame; use at least 1600 bytes' },
      { { burst = "32kb" }, "shape: burst= goes with rate=" },
      { { jitter = "5ms" }, "shape: jitter= varies a delay; give delay= too" },
      { { delay = 20 }, "bad delay 20 (a time with its unit" },
      { { loss = "150%" }, 'bad loss "150%" (a percentage' },
      { { rate = "1mbit", speed = 1 }, "shape: unknown option 'speed'" },
      { {}, "shape: give rate=, delay=, jitter=, loss= or duplicate= (unshape removes shaping)" },
    }
    for _, c in ipairs(cases) do
      local line = line_of_next()
      local ok, err = pcall(a.shape, a, "eth0", c[1])
      assert.is_false(ok)
      local want = ("%s:%d: %s"):format(SELF, line, c[2])
      assert.are.equal(want, err:sub(1, #want))
      assert.is_nil(err:find("\n"))
    end
    local ok, err = pcall(a.shape, a, "eth7", { rate = "1mbit" })
    assert.is_false(ok)
    assert.is_truthy(err:find('node "a" has no interface "eth7"', 1, true), err)
    assert.are.equal("noqueue", tc_root("t8b-bad.a", "eth0"))
  end)

  it("sets a link down and up at run time, proven with packets", function()
    lab = nslab.lab "t8b-updown"
    local a, r, b = lab:host "a", lab:router "r", lab:host "b"
    local l = lab:link(a, r, { { "10.86.1.2/24", "fd86:1::2/64" }, { "10.86.1.1/24", "fd86:1::1/64" } })
    lab:link(b, r, { { "10.86.2.2/24", "fd86:2::2/64" }, { "10.86.2.1/24", "fd86:2::1/64" } })
    a:route("default", r)
    a:route("default", "fd86:1::1")
    b:route("default", "10.86.2.1")
    b:route("default", "fd86:2::1")
    assert.is_true(a:ping(b))
    assert.is_true(a:ping("fd86:2::2"))
    l:down()
    local _, st = ns_sh("t8b-updown.a", "ip -o link show eth0")
    assert.is_truthy(st:find("state DOWN", 1, true), st)
    assert.is_false(a:ping(b, { timeout = 1 }))
    assert.is_false(b:ping(a, { timeout = 1 }))
    l:up()
    -- what the kernel dropped with the interface (its IPv6 address, the
    -- routes through it) is back, as the lab declared it
    local _, routes = ns_sh("t8b-updown.a", "ip route show default")
    routes = routes .. select(2, ns_sh("t8b-updown.a", "ip -6 route show default"))
    assert.is_truthy(routes:find("default via 10.86.1.1 dev eth0", 1, true), routes)
    assert.is_truthy(routes:find("default via fd86:1::1 dev eth0", 1, true), routes)
    local _, addrs = ns_sh("t8b-updown.a", "ip -br addr show eth0")
    assert.is_truthy(addrs:find("fd86:1::2/64", 1, true), addrs)
    assert(T.eventually(function() return a:ping(b, { timeout = 1 }) end), "no ping after link:up()")
    assert(T.eventually(function() return a:ping("fd86:2::2", { timeout = 1 }) end), "no IPv6 ping after link:up()")
    assert.is_true(b:ping(a))
    -- one end down is enough to cut the link (its peer loses carrier)
    a:set("eth0", { up = false })
    assert.is_false(b:ping(a, { timeout = 1 }))
    a:set("eth0", { up = true })
    assert(T.eventually(function() return b:ping(a, { timeout = 1 }) end))
  end)

  it("shape, unshape and link verbs work on a lab that is up", function()
    local file = T.write_lab("t8b-cli", table.concat({
      'local a, b = lab:host "a", lab:host "b"',
      'lab:link(a, b, { { "10.87.0.1/24", "fd87::1/64" }, { "10.87.0.2/24", "fd87::2/64" } })',
      'a:route("10.99.0.0/24", "10.87.0.2")',
    }, "\n") .. "\n")
    local st, _, e = T.nslab("up", file)
    assert.are.equal(0, st, e)
    local ok, err = pcall(function()
      local s, out = T.nslab("shape", "t8b-cli", "a:eth0")
      assert.are.equal(0, s)
      assert.are.equal("a:eth0: not shaped\n", out)
      s, out, e = T.nslab("shape", "t8b-cli", "a:eth0", "rate=5mbit", "burst=20kb")
      assert.are.equal(0, s, e)
      assert.are.equal("a:eth0: rate 5mbit burst 20kb limit 50.52kb\n", out)
      assert.is_truthy(select(2, tc_root("t8b-cli.a", "eth0")):find("rate 5Mbit burst 20Kb", 1, true))
      if not kernel_has_netem() then
        s, out, e = T.nslab("shape", "t8b-cli", "a:eth0", "delay=10ms")
        assert.are.equal(1, s)
        assert.are.equal("nslab: shape: delay needs the kernel's netem qdisc (sch_netem), " ..
          "which this kernel does not have\n", e)
      end
      s, _, e = T.nslab("shape", "t8b-cli", "a:eth9", "rate=1mbit")
      assert.are.equal(1, s)
      assert.are.equal('nslab: shape: node "a" of lab "t8b-cli" has no interface "eth9"\n', e)
      s, _, e = T.nslab("shape", "t8b-cli", "zz:eth0", "rate=1mbit")
      assert.are.equal(1, s)
      assert.are.equal('nslab: shape: lab "t8b-cli" has no node "zz" (nodes: a, b)\n', e)
      s, out = T.nslab("unshape", "t8b-cli", "a:eth0")
      assert.are.equal(0, s)
      assert.are.equal("a:eth0: not shaped\n", out)
      assert.are.equal("noqueue", tc_root("t8b-cli.a", "eth0"))
      -- link down from the command line cuts the traffic; up restores it
      assert.are.equal(0, ns_sh("t8b-cli.a", "ping -c1 -W2 10.87.0.2"))
      s, _, e = T.nslab("link", "t8b-cli", "b:eth0", "down")
      assert.are.equal(0, s, e)
      assert.are_not.equal(0, ns_sh("t8b-cli.a", "ping -c1 -W1 10.87.0.2"))
      s, _, e = T.nslab("link", "t8b-cli", "b:eth0", "up")
      assert.are.equal(0, s, e)
      assert(T.eventually(function() return ns_sh("t8b-cli.a", "ping -c1 -W1 10.87.0.2") == 0 end))
      -- what the kernel dropped with b's interface came back
      local _, routes = ns_sh("t8b-cli.b", "ip -6 addr show eth0")
      assert.is_truthy(routes:find("fd87::2/64", 1, true), routes)
      -- and so did a's route through its own interface
      s, _, e = T.nslab("link", "t8b-cli", "a:eth0", "down")
      assert.are.equal(0, s, e)
      assert.are.equal("", select(2, ns_sh("t8b-cli.a", "ip route show 10.99.0.0/24")))
      s, _, e = T.nslab("link", "t8b-cli", "a:eth0", "up")
      assert.are.equal(0, s, e)
      _, routes = ns_sh("t8b-cli.a", "ip route show 10.99.0.0/24")
      assert.is_truthy(routes:find("10.99.0.0/24 via 10.87.0.2 dev eth0", 1, true), routes)
      assert(T.eventually(function() return ns_sh("t8b-cli.a", "ping -c1 -W1 fd87::2") == 0 end))
    end)
    T.nslab("down", "t8b-cli")
    assert(ok, err)
  end)
end)
