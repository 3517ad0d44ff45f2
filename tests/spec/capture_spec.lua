-- Packet capture into pcap files, read back with tcpdump: from Lua
-- (node:capture) and from the command line (nslab capture), stopped by
-- :stop(), by a packet count, by Ctrl-C, and by the lab going down.
local nslab = require "nslab"
local T = require "nslab_test"

local DIR = "/tmp/nslab-t8b-capture"

-- tcpdump's reading of a pcap file: status, one line per packet.
local function tcpdump(file, filter)
  local st, out, err = T.sh(("tcpdump -nr %s %s"):format(T.q(file), filter or ""))
  local lines = {}
  for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  return st, lines, err
end

local function count(lines, pat)
  local n = 0
  for _, l in ipairs(lines) do
    if l:find(pat, 1, true) then n = n + 1 end
  end
  return n
end

describe("capture", function()
  local before, lab
  before_each(function()
    before = T.snapshot()
    T.sh("rm -rf " .. DIR .. " && mkdir -p " .. DIR)
  end)
  after_each(function()
    if lab then lab:down() end
    lab = nil
    local same, d = T.same_as(before)
    T.sh("rm -rf " .. DIR)
    assert(same, d)
  end)

  it("writes what crosses a link, and tcpdump reads the ICMP echo back", function()
    lab = nslab.lab "t8b-cap"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b, { "10.88.0.1/24", "10.88.0.2/24" })
    local file = DIR .. "/b.pcap"
    local c = b:capture("eth0", { file = file })
    assert.is_true(c:running())
    assert.is_true(a:ping(b, { count = 3 }))
    local n = c:stop()
    assert.are.equal(0, c:wait())
    assert.is_false(c:running())
    local st, lines, err = tcpdump(file)
    assert.are.equal(0, st, err)
    assert.is_truthy(err:find("link-type EN10MB (Ethernet)", 1, true), err)
    assert.are.equal(#lines, n)
    assert.are.equal(3, count(lines, "IP 10.88.0.1 > 10.88.0.2: ICMP echo request"), table.concat(lines, "\n"))
    assert.are.equal(3, count(lines, "IP 10.88.0.2 > 10.88.0.1: ICMP echo reply"), table.concat(lines, "\n"))
  end)

  it("stops by itself after count packets matching a filter", function()
    lab = nslab.lab "t8b-capc"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b, { "10.89.0.1/24", "10.89.0.2/24" })
    local file = DIR .. "/a.pcap"
    local c = a:capture("eth0", { file = file, count = 2, filter = "icmp" })
    assert.is_true(a:ping(b, { count = 3 }))
    assert.are.equal(0, c:wait(5))
    assert.are.equal(2, c:packets())
    local _, lines = tcpdump(file)
    assert.are.equal(2, #lines)
    assert.are.equal(1, count(lines, "ICMP echo request"))
    assert.are.equal(1, count(lines, "ICMP echo reply"))
    -- a bad filter is refused at once, with libpcap's reason
    local ok, err = pcall(a.capture, a, "eth0", { file = DIR .. "/x.pcap", filter = "icmp and and" })
    assert.is_false(ok)
    assert.is_truthy(err:find('bad capture filter "icmp and and": ', 1, true), err)
    ok, err = pcall(a.capture, a, "eth5", { file = DIR .. "/x.pcap" })
    assert.is_false(ok)
    assert.is_truthy(err:find('node "a" has no interface "eth5"', 1, true), err)
    ok, err = pcall(a.capture, a, "eth0", { count = 1 })
    assert.is_false(ok)
    assert.is_truthy(err:find("capture: give the pcap file to write", 1, true), err)
  end)

  it("ends cleanly when the lab goes down, leaving a whole file", function()
    lab = nslab.lab "t8b-capd"
    local a, b = lab:host "a", lab:host "b"
    lab:link(a, b, { "10.90.0.1/24", "10.90.0.2/24" })
    local file = DIR .. "/down.pcap"
    local c = a:capture("eth0", { file = file })
    assert.is_true(a:ping(b, { count = 2 }))
    lab:down()
    lab = nil
    assert.is_false(c:running())
    assert.are.equal(0, c.status)
    local st, lines, err = tcpdump(file, "icmp")
    assert.are.equal(0, st, err)
    assert.are.equal(4, #lines, table.concat(lines, "\n"))
  end)

  it("REPL verbs shape, link and capture act on the live lab", function()
    local labfile = T.write_lab("t8b-caprepl", table.concat({
      'local a, b = lab:host "a", lab:host "b"',
      'lab:link(a, b, { "10.97.0.1/24", "10.97.0.2/24" })',
    }, "\n") .. "\n")
    local file = DIR .. "/repl.pcap"
    local lines = {
      "shape a:eth0 rate=2mbit",
      "capture b:eth0 " .. file .. " icmp",
      "a ping -c2 -i0.2 -W2 b",
      "link a b down",
      "a ping -c1 -W1 b",
      "link a b up",
      "capture stop",
      "unshape a:eth0",
      "exit",
    }
    local st, out, e = T.sh(("printf '%%s\\n' %s | %s repl %s"):format(
      table.concat((function() local q = {} for i, l in ipairs(lines) do q[i] = T.q(l) end return q end)(), " "),
      T.q(T.NSLAB), T.q(labfile)))
    assert.are.equal(0, st, out .. e)
    assert.is_truthy(out:find("a:eth0: rate 2mbit burst 16kb", 1, true), out)
    assert.is_truthy(out:find("1  capturing on b:eth0 into " .. file, 1, true), out)
    assert.is_truthy(out:find("a:eth0 <-> b:eth0: down", 1, true), out)
    assert.is_truthy(out:find("(exit status ", 1, true), out)           -- the ping across it failed
    assert.is_truthy(out:find("1  b:eth0 -> " .. file .. "  4 packets (ended)", 1, true), out)
    assert.is_truthy(out:find("a:eth0: not shaped", 1, true), out)
    local st2, pk = tcpdump(file)
    assert.are.equal(0, st2)
    assert.are.equal(2, count(pk, "ICMP echo request"))
    assert.are.equal(2, count(pk, "ICMP echo reply"))
  end)

  it("nslab capture writes until Ctrl-C, or until the lab goes down", function()
    local labfile = T.write_lab("t8b-capcli", table.concat({
      'local a, b = lab:host "a", lab:host "b"',
      'lab:link(a, b, { "10.91.0.1/24", "10.91.0.2/24" })',
    }, "\n") .. "\n")
    local st, _, e = T.nslab("up", labfile)
    assert.are.equal(0, st, e)
    local ok, err = pcall(function()
      -- Ctrl-C: SIGINT to the whole foreground process group (setsid
      -- makes one for the test); the exit status goes to a file
      local file, log, rc = DIR .. "/cli.pcap", DIR .. "/cli.log", DIR .. "/cli.rc"
      local _, out = T.sh(("setsid sh -c '%s capture t8b-capcli b:eth0 -w %s >%s 2>&1; echo $? >%s' " ..
        ">/dev/null 2>&1 & echo $!"):format(T.NSLAB, file, log, rc))
      local pgid = assert(tonumber(out:match("%d+")))
      assert(T.eventually(function()
        return (T.slurp(log) or ""):find("Ctrl-C stops", 1, true)
      end, 10), T.slurp(log))
      assert.are.equal(0, T.sh("ip netns exec t8b-capcli.a ping -c3 -i0.2 -W2 10.91.0.2"))
      T.sh("kill -INT -" .. pgid)        -- dash: no "--"
      assert(T.eventually(function() return (T.slurp(rc) or ""):find("\n") end, 10),
        "capture did not end on SIGINT: " .. (T.slurp(log) or ""))
      assert.are.equal("130\n", T.slurp(rc), T.slurp(log))   -- like any program ended by Ctrl-C
      local lines
      st, lines, e = tcpdump(file, "icmp")
      assert.are.equal(0, st, e)
      assert.are.equal(3, count(lines, "IP 10.91.0.1 > 10.91.0.2: ICMP echo request"), table.concat(lines, "\n"))
      assert.are.equal(3, count(lines, "IP 10.91.0.2 > 10.91.0.1: ICMP echo reply"), table.concat(lines, "\n"))
      local n = select(2, tcpdump(file))
      assert.is_truthy(T.slurp(log):find(("\n%d packets captured in %s\n"):format(#n, file), 1, true), T.slurp(log))

      -- a count ends it with status 0
      local file1, log1, rc1 = DIR .. "/c2.pcap", DIR .. "/c2.log", DIR .. "/c2.rc"
      T.sh(("sh -c '%s capture t8b-capcli a:eth0 -w %s -c 2 icmp >%s 2>&1; echo $? >%s' >/dev/null 2>&1 &")
        :format(T.NSLAB, file1, log1, rc1))
      assert(T.eventually(function() return (T.slurp(log1) or ""):find("Ctrl-C stops", 1, true) end, 10),
        T.slurp(log1))
      assert.are.equal(0, T.sh("ip netns exec t8b-capcli.a ping -c1 -W2 10.91.0.2"))
      assert(T.eventually(function() return (T.slurp(rc1) or ""):find("\n") end, 10),
        "capture -c 2 did not end: " .. (T.slurp(log1) or ""))
      assert.are.equal("0\n", T.slurp(rc1))
      assert.is_truthy(T.slurp(log1):find("\n2 packets captured in " .. file1 .. "\n", 1, true), T.slurp(log1))

      -- the lab going down ends it with status 0 and a whole file
      local file2, log2, rc2 = DIR .. "/down.pcap", DIR .. "/down.log", DIR .. "/down.rc"
      T.sh(("sh -c '%s capture t8b-capcli a:eth0 -w %s >%s 2>&1; echo $? >%s' >/dev/null 2>&1 &")
        :format(T.NSLAB, file2, log2, rc2))
      assert(T.eventually(function() return (T.slurp(log2) or ""):find("Ctrl-C stops", 1, true) end, 10))
      assert.are.equal(0, T.sh("ip netns exec t8b-capcli.a ping -c1 -W2 10.91.0.2"))
      st, _, e = T.nslab("down", "t8b-capcli")
      assert.are.equal(0, st, e)
      assert(T.eventually(function() return (T.slurp(rc2) or ""):find("\n") end, 10),
        "capture did not end with the lab: " .. (T.slurp(log2) or ""))
      assert.are.equal("0\n", T.slurp(rc2))
      assert.is_truthy(T.slurp(log2):find("(a:eth0 or lab t8b-capcli went away)", 1, true), T.slurp(log2))
      st, lines = tcpdump(file2, "icmp")
      assert.are.equal(0, st)
      assert.are.equal(2, #lines)
      -- bad input: one line each
      st, _, e = T.nslab("capture", "t8b-nolab", "a:eth0", "-w", DIR .. "/x.pcap")
      assert.are.equal(1, st)
      assert.are.equal('nslab: capture: no lab named "t8b-nolab" is up (see `nslab ls`)\n', e)
      st, _, e = T.nslab("capture", "t8b-nolab", "a:eth0")
      assert.are.equal(2, st)
      assert.are.equal("nslab: capture: missing option '-w'; see `nslab capture --help`\n", e)
    end)
    T.nslab("down", "t8b-capcli")
    assert(ok, err)
  end)
end)
