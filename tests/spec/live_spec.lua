-- A lab that is up, changed by a REPL attached to it (nslab.repl.attach on
-- nslab.live): what it adds — nodes, links, addresses, routes, also in
-- the host namespace — is in the lab's journal, so `nslab down` undoes it;
-- the REPL never becomes the lab's owner; a teardown that runs first makes
-- the REPL's next change fail and leave nothing; a concurrent `nslab up`
-- of another lab is not disturbed. Checked with ip, and the host must be
-- as it was.
local T = require "nslab_test"
local H = require "labhold"
local core = require "nslab.core"

local AB = [[
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.71.0.1/24", "10.71.0.2/24" })
]]

local function netns_of(lab)
  local _, o = T.sh("ip netns list")
  local t = {}
  for l in o:gmatch("[^\n]+") do
    local n = l:match("^(%S+)")
    if n:sub(1, #lab + 1) == lab .. "." then t[#t + 1] = n:sub(#lab + 2) end
  end
  table.sort(t)
  return table.concat(t, " ")
end

-- `nslab repl LAB` reading lines from a pipe; returns status, out, err.
local function repl(lab, lines)
  local f = os.tmpname()
  local h = assert(io.open(f, "w"))
  h:write(table.concat(lines, "\n"), "\nexit\n")
  h:close()
  local st, o, e = T.sh(("%s repl %s <%s"):format(T.q(T.NSLAB), lab, f))
  os.remove(f)
  return st, o, e
end

local function addrs(ns)
  local _, o = T.sh(ns and ("ip -n %s -br addr show"):format(ns) or "ip -br addr show")
  return o
end

describe("an attached REPL", function()
  local snap_host, check_host = T.host_guard()
  before_each(snap_host)
  after_each(function()
    for _, name in ipairs(core.journal_list()) do
      if name:match("^lv%-") then T.nslab("down", "--force", name) end
    end
    check_host()
  end)

  it("adds nodes, links, addresses and routes (host namespace too); nslab down undoes them", function()
    local st, o, e = T.nslab("up", T.write_lab("lv-edit", AB))
    assert.are.equal(0, st, o .. e)
    local file = T.slurp("/run/nslab/lv-edit/file")
    st, o, e = repl("lv-edit", {
      'c = lab:host "c"',
      'lab:link(c, a, { "10.71.1.2/24", "10.71.1.1/24" })',
      'c:route("10.71.0.0/24", "10.71.1.1")',
      'b:addr("eth0", "10.71.0.9/24")',
      'b:route("10.71.1.0/24", a)',
      'a:sysctl("net.ipv4.ip_forward", 1)',
      'h = lab:host "host"',
      'lab:link(h, c, { "10.71.2.1/24", "10.71.2.2/24" })',
      'h:route("10.71.3.0/24", "10.71.2.2")',
      'd = lab:router "d"',
      'lab:link(d, c)',
      'lab:remove "d"',
      "c ping -c1 -W2 10.71.0.2",
    })
    assert.are.equal(0, st, o .. e)
    assert.is_falsy(e:find("nslab: ", 1, true) or e:find("repl:", 1, true) or e:find("lv-edit", 1, true), e)
    assert.is_truthy(o:find("1 packets transmitted, 1 received", 1, true), o)
    -- what the kernel holds now, seen by ip
    assert.are.equal("a b c", netns_of("lv-edit"))
    assert.is_truthy(addrs("lv-edit.c"):find("10.71.1.2/24", 1, true))
    assert.is_truthy(addrs("lv-edit.a"):find("10.71.1.1/24", 1, true))
    assert.is_truthy(addrs("lv-edit.b"):find("10.71.0.9/24", 1, true))
    local _, hl = T.sh("ip -br addr show | grep 10.71.2.1/24")
    local hostif = hl:match("^([^%s@]+)")
    assert.is_truthy(hostif, addrs())
    local _, rt = T.sh("ip route show 10.71.3.0/24")
    assert.is_truthy(rt:find("via 10.71.2.2 dev " .. hostif, 1, true), rt)
    _, rt = T.sh("ip -n lv-edit.b route show 10.71.1.0/24")
    assert.is_truthy(rt:find("via 10.71.0.1", 1, true), rt)
    -- the REPL owns nothing: the lab is ownerless as `nslab up` left it,
    -- its file is still the one it was built from
    assert.are.equal(0, core.journal_owner("lv-edit"))
    assert.are.equal(file, T.slurp("/run/nslab/lv-edit/file"))
    -- the next reader sees the grown lab, with the one kind rule
    st, o = T.nslab("inspect", "lv-edit")
    assert.are.equal(0, st)
    assert.is_truthy(o:find("c  [host, netns lv-edit.c]", 1, true), o)
    assert.is_truthy(o:find("a  [router, netns lv-edit.a]", 1, true), o)
    assert.is_truthy(o:find("host  [root]", 1, true), o)
    st, o = repl("lv-edit", { "net" })
    assert.are.equal(0, st)
    assert.is_truthy(o:find("4 nodes (host, a, b, c), 3 links", 1, true), o)
    assert.is_truthy(o:find("c eth0:a:eth1 eth1:host:" .. hostif, 1, true), o)
    -- and nslab down takes it all, the host's parts included
    st, o, e = T.nslab("down", "lv-edit")
    assert.are.equal(0, st, o .. e)
    assert.are.equal("", netns_of("lv-edit"))
    assert.is_falsy(addrs():find("10.71.2.1", 1, true))
    _, rt = T.sh("ip route show 10.71.3.0/24")
    assert.are.equal("", rt)
  end)

  it("leaves the lab's owner its owner; the owner's teardown takes what the REPL added", function()
    local held = H.hold("lv-own", T.write_lab("lv-own", AB))
    local ok, err = pcall(function()
      local owner = core.journal_owner("lv-own")
      assert.is_true(owner > 0)
      local st, o, e = repl("lv-own", {
        'x = lab:host "x"',
        'lab:link(x, b, { "10.72.0.1/30", "10.72.0.2/30" })',
        "lab:down()",
      })
      assert.are.equal(0, st, o .. e)
      assert.is_truthy(e:find("belongs to nslab process " .. owner, 1, true), e)
      -- nor can it take the lab down from under its owner
      assert.is_truthy(e:find(('lab "lv-own" belongs to nslab process %d; it goes down when that process ends')
        :format(owner), 1, true), e)
      assert.are.equal(owner, core.journal_owner("lv-own"))
      assert.are.equal("a b x", netns_of("lv-own"))
      assert.is_truthy(addrs("lv-own.b"):find("10.72.0.2/30", 1, true))
    end)
    held.stop()
    assert(ok, err)
    assert.are.equal("", netns_of("lv-own"))
  end)

  it("fails a change after nslab down removed the lab, and makes nothing", function()
    local st, o, e = T.nslab("up", T.write_lab("lv-gone", AB))
    assert.are.equal(0, st, o .. e)
    -- attached in this very process, as the REPL does
    local lab = assert(require("nslab.repl.attach")("lv-gone"))
    lab:host "y"
    assert.are.equal("a b y", netns_of("lv-gone"))
    st, o, e = T.nslab("down", "lv-gone")
    assert.are.equal(0, st, o .. e)
    local ok, msg = pcall(lab.host, lab, "z")
    assert.is_false(ok)
    assert.is_truthy(tostring(msg):find("lab lv-gone is down", 1, true), msg)
    lab:keep()
    assert.are.equal("", netns_of("lv-gone"))
    assert.is_nil(core.journal_owner("lv-gone"))
  end)

  it("grows a lab while nslab up builds another, each journal holding only its own", function()
    local st, o, e = T.nslab("up", T.write_lab("lv-grow", AB))
    assert.are.equal(0, st, o .. e)
    local other = T.write_lab("lv-other", [[
local p = lab:host "o0"
for i = 1, 40 do
  local n = lab:host("o" .. i)
  lab:link(p, n, { ("10.74.%d.1/24"):format(i), ("10.74.%d.2/24"):format(i) })
  p = n
end
]])
    local edits = T.write_lab("lv-edits", [[
for i = 1, 40 do
  local n = lab:host("g" .. i)
  lab:link(n, "a", { ("10.73.%d.2/24"):format(i), ("10.73.%d.1/24"):format(i) })
end
]])
    -- both at once: the REPL runs the edits file, `nslab up` builds
    local input = T.write_lab("lv-input", ("assert(loadfile(%q, \"t\", _ENV))()\nexit\n"):format(edits))
    st, o, e = T.sh(("(%s repl lv-grow <%s >/tmp/lv-grow.out 2>&1 & " ..
      "%s up %s >/tmp/lv-other.out 2>&1; echo up=$?; wait $!; echo repl=$?)")
      :format(T.q(T.NSLAB), T.q(input), T.q(T.NSLAB), T.q(other)))
    local grow_out, other_out = T.slurp("/tmp/lv-grow.out") or "", T.slurp("/tmp/lv-other.out") or ""
    os.remove("/tmp/lv-grow.out")
    os.remove("/tmp/lv-other.out")
    assert.is_truthy(o:find("up=0", 1, true), o .. e .. other_out)
    assert.is_truthy(o:find("repl=0", 1, true), o .. e .. grow_out)
    assert.is_falsy(grow_out:find("nslab: ", 1, true), grow_out)
    -- each lab's journal and namespaces: exactly its own
    assert.are.equal(42, core.journal_count("lv-grow", "netns"))
    assert.are.equal(41, core.journal_count("lv-other", "netns"))
    for _, r in ipairs(core.journal_records("lv-other", "netns")) do
      assert.is_truthy(r:match("^lv%-other%.o%d+$"), r)
    end
    local _, n = T.sh("ip netns list | grep -c '^lv-grow\\.'")
    assert.are.equal("42\n", n)
    _, n = T.sh("ip netns list | grep -c '^lv-other\\.'")
    assert.are.equal("41\n", n)
    assert.is_truthy(addrs("lv-grow.a"):find("10.73.40.1/24", 1, true))
    assert.are.equal(0, T.sh("ip netns exec lv-other.o40 ping -c1 -W2 10.74.40.1 >/dev/null"))
    assert.are.equal(0, (T.nslab("down", "lv-other")))
    assert.are.equal(0, (T.nslab("down", "lv-grow")))
    assert.are.equal("", netns_of("lv-grow"))
    assert.are.equal("", netns_of("lv-other"))
  end)

  -- one reader, one rule: inspect and the REPL agree on kind and routes
  it("gives inspect and the REPL one kind rule and one route rule", function()
    local st, o, e = T.nslab("up", T.write_lab("lv-rules", [[
local v6 = lab:host "v6"
local h = lab:host "h"
lab:link(v6, h, { "10.75.0.1/24", "10.75.0.2/24" })
v6:sysctl("net.ipv6.conf.all.forwarding", 1)
h:exec "ip route add 10.75.9.0/24 via 10.75.0.1 table 100"
]]))
    assert.are.equal(0, st, o .. e)
    -- the kernel, seen by ip
    local _, fwd = T.sh("ip netns exec lv-rules.v6 sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding")
    assert.are.equal("0\n1\n", fwd)
    local _, rt = T.sh("ip -n lv-rules.h route show table 100")
    assert.are.equal("10.75.9.0/24 via 10.75.0.1 dev eth0 \n", rt)
    -- inspect: only IPv6 forwarding is a router; table 100 is kept
    st, o = T.nslab("inspect", "--json", "lv-rules")
    assert.are.equal(0, st)
    local data = require("nslab.json").decode(o)
    local kind, tables = {}, {}
    for _, n in ipairs(data.nodes) do
      kind[n.name] = n.kind
      for _, r in ipairs(n.routes) do
        if r.dst == "10.75.9.0/24" then tables[#tables + 1] = n.name .. ":" .. r.table end
      end
    end
    assert.are.same({ v6 = "router", h = "host" }, kind)
    assert.are.same({ "h:100" }, tables)
    -- the REPL attached: the same kind, the same route
    st, o = repl("lv-rules", { "nodes", "route h" })
    assert.are.equal(0, st, o)
    assert.is_truthy(o:find("v6%s+router%s+lv%-rules%.v6"), o)
    assert.is_truthy(o:find("h%s+host%s+lv%-rules%.h"), o)
    assert.is_truthy(o:find("10.75.9.0/24 via 10.75.0.1 dev eth0 table 100", 1, true), o)
    assert.are.equal(0, (T.nslab("down", "lv-rules")))
  end)
end)
