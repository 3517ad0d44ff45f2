-- `--machines a,b` (issue 17, docs/multi-host.md): the partition of a
-- lab's nodes over machines (nslab.placement), the inventory file, and
-- every wrong command line or inventory: one line saying what to do,
-- nothing built. Placing a lab over machines for real, on simulated
-- machines, is multihost_place_spec (label multihost).
local T = require "nslab_test"
local placement = require "nslab.placement"

local q = T.q

-- A chain of n nodes r1..rn, in creation order.
local function chain(n)
  local g = { nodes = {}, edges = {} }
  for i = 1, n do
    g.nodes[i] = { name = "r" .. i, counts = true }
    if i > 1 then g.edges[#g.edges + 1] = { a = "r" .. (i - 1), b = "r" .. i } end
  end
  return g
end

local function tally(on)
  local t = {}
  for _, m in pairs(on) do t[m] = (t[m] or 0) + 1 end
  return t
end

describe("placement.partition", function()
  it("a 1000-node chain over two machines: 500 each, one link between them", function()
    local on, load, cut = placement.partition(chain(1000), { "a", "b" })
    assert.are.same({ a = 500, b = 500 }, tally(on))
    assert.are.same({ a = 500, b = 500 }, load)
    assert.are.equal(1, cut)
    -- contiguous: r1..r500 on a
    assert.are.same({ "a", "a", "b", "b" }, { on.r1, on.r500, on.r501, on.r1000 })
  end)

  it("a chain made in shuffled order is still cut along the chain (depth-first over the links)", function()
    local g = { nodes = {}, edges = {} }
    -- made: r1, then evens, then odds; linked along r1-r2-...-r10
    local order = { 1, 2, 4, 6, 8, 10, 3, 5, 7, 9 }
    for i, k in ipairs(order) do g.nodes[i] = { name = "r" .. k, counts = true } end
    for i = 2, 10 do g.edges[#g.edges + 1] = { a = "r" .. (i - 1), b = "r" .. i } end
    local on, _, cut = placement.partition(g, { "a", "b" })
    assert.are.same({ a = 5, b = 5 }, tally(on))
    assert.are.equal(1, cut)
  end)

  it("a ring of 12 over three machines: 4 each, cut three times", function()
    local g = chain(12)
    g.edges[#g.edges + 1] = { a = "r12", b = "r1" }
    local on, _, cut = placement.partition(g, { "a", "b", "c" })
    assert.are.same({ a = 4, b = 4, c = 4 }, tally(on))
    assert.are.equal(3, cut)
  end)

  it("counts nodes already placed, leaves pinned ones, keeps tight links whole, skips what is no node", function()
    local g = chain(9)
    g.nodes[1].pin = "a"           -- on = "a" in the file
    g.nodes[2].pin = "a"
    g.nodes[10] = { name = "sw", counts = false, pin = "a" }   -- a switch: here, not counted
    g.edges[#g.edges + 1] = { a = "r9", b = "sw" }
    g.edges[#g.edges + 1] = { a = "r5", b = "r6", tight = true }
    local on, load = placement.partition(g, { "a", "b", "c" })
    assert.is_nil(on.r1)
    assert.is_nil(on.sw)
    assert.are.same({ a = 3, b = 3, c = 3 }, load)
    assert.are.equal(on.r5, on.r6)
  end)

  it("a 10x10 grid in two: cut along a side (10 links); a binary tree of 15: cut once", function()
    local g = { nodes = {}, edges = {} }
    for i = 1, 10 do
      for j = 1, 10 do
        g.nodes[#g.nodes + 1] = { name = i .. ":" .. j, counts = true }
        if i > 1 then g.edges[#g.edges + 1] = { a = (i - 1) .. ":" .. j, b = i .. ":" .. j } end
        if j > 1 then g.edges[#g.edges + 1] = { a = i .. ":" .. (j - 1), b = i .. ":" .. j } end
      end
    end
    local on, _, cut = placement.partition(g, { "a", "b" })
    assert.are.same({ a = 50, b = 50 }, tally(on))
    assert.are.equal(10, cut)
    local t = { nodes = {}, edges = {} }
    for i = 1, 15 do
      t.nodes[i] = { name = "t" .. i, counts = true }
      if i > 1 then t.edges[#t.edges + 1] = { a = "t" .. (i // 2), b = "t" .. i } end
    end
    local ton, _, tcut = placement.partition(t, { "a", "b" })
    assert.are.same({ a = 8, b = 7 }, tally(ton))
    assert.are.equal(1, tcut)
  end)

  it("nodes with no link at all are spread too", function()
    local g = { nodes = {}, edges = {} }
    for i = 1, 7 do g.nodes[i] = { name = "h" .. i, counts = true } end
    local on = placement.partition(g, { "a", "b" })
    assert.are.same({ a = 4, b = 3 }, tally(on))
  end)
end)

describe("the inventory and --machines words", function()
  it("reads machines, here, comments; defaults nothing it is not given", function()
    local inv = assert(placement.parse_inventory(
      "# lab machines\nm1 here underlay=192.168.77.11\n\nm2 ssh=root@m2.lan underlay=192.168.77.12 " ..
      "nslab=/usr/local/bin/nslab  # the big one\nm3 underlay=fd00::3 ssh_config=/etc/ssh/lab\n", "INV"))
    assert.are.equal("m1", inv.here.name)
    assert.are.same({ underlay = "192.168.77.11", here = true }, inv.by.m1.opts)
    assert.are.same({ ssh = "root@m2.lan", underlay = "192.168.77.12", nslab = "/usr/local/bin/nslab" }, inv.by.m2.opts)
    assert.are.same({ underlay = "fd00::3", ssh_config = "/etc/ssh/lab" }, inv.by.m3.opts)
    assert.are.equal(4, inv.by.m2.line)
  end)

  local bad = {
    { "m2 ssh=m2\n", "INV:1: machine \"m2\" needs underlay=ADDRESS: the address its VXLAN links use (it is never guessed)" },
    { "\nm2 underlay=192.168.77.300\n", "INV:2: machine \"m2\": " },
    { "m2 underlay=10.0.0.2/24\n", "INV:1: machine \"m2\": underlay \"10.0.0.2/24\" must be an address without a prefix" },
    { "m2 underlay=10.0.0.2 port=22\n", "INV:1: unknown key \"port\" (ssh=, underlay=, nslab=, ssh_config=)" },
    { "m2 underlay=10.0.0.2 m2.lan\n", "INV:1: \"m2.lan\": write KEY=VALUE (ssh=, underlay=, nslab=, ssh_config=) or here" },
    { "m2 underlay=10.0.0.2 ssh=\n", "INV:1: ssh= needs a value" },
    { "m1 here ssh=m1 underlay=10.0.0.1\n", "INV:1: machine \"m1\" is here (this machine): it takes no ssh=, nslab= or ssh_config=" },
    { "m1 here underlay=10.0.0.1\nm2 here underlay=10.0.0.2\n", "INV:2: machines \"m1\" and \"m2\" are both here" },
    { "m1 underlay=10.0.0.1\nm2 underlay=10.0.0.1\n", "INV:2: machines \"m1\" and \"m2\" have the same underlay address 10.0.0.1" },
    { "m1 underlay=10.0.0.1\nm1 underlay=10.0.0.2\n", "INV:2: machine \"m1\" is listed twice (first at line 1)" },
    { "m/1 underlay=10.0.0.1\n", "INV:1: \"m/1\" cannot name a machine (letters, digits, '-', '_'; not \"here\")" },
    { "here underlay=10.0.0.1\n", "INV:1: \"here\" cannot name a machine (letters, digits, '-', '_'; not \"here\")" },
  }
  for _, c in ipairs(bad) do
    it("refuses " .. c[1]:gsub("\n", "\\n"), function()
      local inv, err = placement.parse_inventory(c[1], "INV")
      assert.is_nil(inv)
      assert.are.equal(c[2], err:sub(1, #c[2]))
    end)
  end

  it("--machines words", function()
    assert.are.same({ "here", "m2", "m-3" }, placement.parse_list("here,m2,m-3"))
    assert.are.same({ nil, "--machines names \"m2\" twice" }, { placement.parse_list("m2,m2") })
    assert.are.same({ nil, "--machines needs machine names separated by commas, like m1,m2, got \"m1,\"" },
      { placement.parse_list("m1,") })
    assert.are.same({ nil, "--machines: \"root@m2\" cannot name a machine (letters, digits, '-', '_')" },
      { placement.parse_list("root@m2") })
  end)
end)

-- The command line: each mistake one line, status 2 (4 for the lab's own
-- errors, at the lab line), nothing built.
describe("nslab run --machines, wrong", function()
  local inv = T.write_lab("place-inv", "m1 here underlay=192.168.77.11\nm2 underlay=192.168.77.12\n" ..
    "m3 underlay=192.168.77.13\n")
  local bare = T.write_lab("place-bare", "m2 underlay=192.168.77.12\nm3 underlay=192.168.77.13\n")
  local broken = T.write_lab("place-broken", "m2 underlay=192.168.77.12\nm3 ssh=m3\n")
  local chain = T.write_lab("place-chain", [[
local prev
for i = 1, 4 do
  local r = lab:router("r" .. i)
  if prev then lab:link(prev, r, { ("10.0.%d.1/24"):format(i), ("10.0.%d.2/24"):format(i) }) end
  prev = r
end
]])
  local switched = T.write_lab("place-switch", [[
local s = lab:switch("s")
for i = 1, 4 do lab:link(s, lab:host("h" .. i), { nil, ("10.0.0.%d/24"):format(i) }) end
]])
  local late = T.write_lab("place-late", [[
local a = lab:router("a")
local b = lab:router("b")
lab:machine("m2", { underlay = "192.168.77.12" })
]])
  local failing = T.write_lab("place-fail", [[
local a = lab:router("a")
local b = lab:host(42)
]])
  local cases = {
    { "/nonexistent/machines", "m2", chain, 2, "nslab: --machines: no machine \"m2\": the lab does not declare it; " ..
      "there is no inventory file /nonexistent/machines: write one with a line `m2 ssh=TARGET underlay=ADDRESS` " ..
      "(or set NSLAB_MACHINES_FILE; docs/multi-host.md)" },
    { inv, "m2,m9", chain, 2, ("nslab: --machines: no machine \"m9\": the lab does not declare it; add a line " ..
      "`m9 ssh=TARGET underlay=ADDRESS` to %s"):format(inv) },
    { broken, "m2", chain, 2, ("nslab: --machines: %s:2: machine \"m3\" needs underlay=ADDRESS: the address its " ..
      "VXLAN links use (it is never guessed)"):format(broken) },
    { bare, "here,m2", chain, 2, ("nslab: --machines: \"here\" is this machine, but neither the lab nor %s names " ..
      "it: mark its line `NAME here underlay=ADDRESS`"):format(bare) },
    { bare, "m2,m3", switched, 2, ("nslab: --machines: switch \"s\" stays on this machine and is linked to machine " ..
      "\"m2\": give this machine's underlay address, a line `NAME here underlay=ADDRESS` in %s"):format(bare) },
    { "/tmp", "m2", chain, 2, "nslab: --machines: cannot read the inventory file /tmp: give a file of machine lines" },
    { inv, "here,m1", chain, 2, "nslab: --machines names machine \"m1\" twice" },
    { inv, "m2,,m3", chain, 2, "nslab: run: --machines needs machine names separated by commas, like m1,m2, " ..
      "got \"m2,,m3\"; see `nslab run --help`" },
    { inv, "m2", late, 4, late .. ":1: node \"a\" is placed on machine \"m2\" by --machines, but the lab declares " ..
      "that machine only after this line: declare machines (lab:machine) before nodes" },
    { inv, "m2,m3", failing, 4, failing .. ":2: " },
  }
  for _, c in ipairs(cases) do
    it(("--machines %s %s"):format(c[2], c[3]:match("[^/]*$")), function()
      local before = T.snapshot()
      local st, out, err = T.sh(("NSLAB_MACHINES_FILE=%s %s run --machines %s %s"):format(q(c[1]), q(T.NSLAB),
        q(c[2]), q(c[3])))
      assert.are.equal(c[4], st, out .. err)
      assert.are.equal(c[5], err:sub(1, #c[5]))
      assert.are.equal(1, select(2, err:gsub("\n", "")), err)
      local same, d = T.same_as(before)
      assert(same, d)
    end)
  end

  it("--machines here: every node here; what the script does outside nslab happens once (not in the dry run)", function()
    local here = T.write_lab("place-here-inv", "m1 here underlay=127.0.0.1\n")
    local marks = "/tmp/nslab-labs/place-marks"
    os.remove(marks)
    local lab = T.write_lab("place-here", ([[
local f = io.open(%q, "a") f:write("io\n") f:close()
os.execute("echo execute >> %s")
local a, b = lab:host("a"), lab:host("b")
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
lab:check("a reaches b", a:ping("10.0.0.2", { count = 1 }))
print("netns " .. a.netns)
io.stdout:write("read ", tostring(io.read()), "\n")
]]):format(marks, marks))
    local before = T.snapshot()
    -- (standard input is the real run's: the dry run reads nothing)
    local st, out, err = T.sh(("echo typed | NSLAB_MACHINES_FILE=%s %s run --machines here %s"):format(q(here),
      q(T.NSLAB), q(lab)))
    assert.are.equal(0, st, out .. err)
    assert.are.equal("--machines: 2 nodes on m1; 0 links between machines\nok - a reaches b\nnetns place-here.a\n" ..
      "read typed\n", out)
    assert.are.equal("io\nexecute\n", T.slurp(marks))
    os.remove(marks)
    local same, d = T.same_as(before)
    assert(same, d)
    -- nslab test too, reported as a comment
    local tst, tout = T.sh(("NSLAB_MACHINES_FILE=%s %s test --machines here %s </dev/null"):format(q(here), q(T.NSLAB), q(lab)))
    assert.are.equal(0, tst, tout)
    assert.is_truthy(tout:find("\n# --machines: 2 nodes on m1; 0 links between machines\nok 1 ", 1, true), tout)
    os.remove(marks)
  end)

  it("nslab test --machines with a machine nobody names: the lab's error point says what to do", function()
    local st, out = T.sh(("NSLAB_MACHINES_FILE=%s %s test --machines m2,m7 %s"):format(q(inv), q(T.NSLAB), q(chain)))
    assert.are.equal(4, st, out)
    assert.is_truthy(out:find(("not ok 1 - place-chain: the lab builds\n  ---\n  message: \"--machines: no machine " ..
      "\\\"m7\\\": the lab does not declare it; add a line `m7 ssh=TARGET underlay=ADDRESS` to %s\""):format(inv),
      1, true), out)
  end)

  it("graph --machines: a machine the lab declares wins; nodes it places count", function()
    local lab = T.write_lab("place-own", [[
lab:machine("big", { ssh = "root@big.lan", underlay = "192.168.77.99" })
local prev
for i = 1, 6 do
  local r = lab:router("r" .. i, i == 6 and { on = "big" } or nil)
  if prev then lab:link(prev, r) end
  prev = r
end
]])
    local st, dot, err = T.sh(("NSLAB_MACHINES_FILE=%s %s graph --machines big,m3 %s"):format(q(inv), q(T.NSLAB),
      q(lab)))
    assert.are.equal(0, st, err)
    -- r6 is on big already: r1, r2 join it; r3..r5 on m3
    assert.are.equal("--machines: 3 nodes on big, 3 on m3; 2 links between machines\n", err)
    assert.are.equal(3, select(2, dot:gsub(">router on big<", "")), dot)
    assert.are.equal(3, select(2, dot:gsub(">router on m3<", "")), dot)
  end)

  it("graph --machines of a lab that is up: refused, one line", function()
    local lab = T.write_lab("place-upgraph", 'lab:host "a"\n')
    assert.are.equal(0, (T.nslab("up", lab)))
    local st, _, err = T.nslab("graph", "--machines", "m2", "place-upgraph")
    T.nslab("down", "place-upgraph")
    assert.are.equal(2, st)
    assert.are.equal("nslab: graph: --machines draws where a lab file's nodes would go; lab \"place-upgraph\" is " ..
      "up: graph it without --machines (its nodes say their machine)\n", err)
  end)

  it("graph --machines draws the placement without reaching a machine", function()
    local st, dot, err = T.sh(("NSLAB_MACHINES_FILE=%s %s graph --machines here,m2 %s"):format(q(inv), q(T.NSLAB),
      q(chain)))
    assert.are.equal(0, st, err)
    assert.are.equal("--machines: 2 nodes on m1, 2 on m2; 1 link between machines\n", err)
    assert.are.equal(2, select(2, dot:gsub(">router on m2<", "")), dot)
    assert.is_truthy(dot:find(">r3</B><BR/><FONT POINT%-SIZE=\"9\">router on m2<"), dot)
  end)
end)
