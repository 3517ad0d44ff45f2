-- Faults: kill -9 at every step of a build (before and after each journal
-- record, through the test-only NSLAB_FAULT_* hooks) and at every step of
-- a teardown; `nslab clean` must then leave the host exactly as before.
-- The lab touches every kind of record: namespaces, a veth end, a bridge,
-- an address, a route, a sysctl and an nft table in the root namespace, a
-- background process and /etc/netns files.
local T = require "nslab_test"

local LAB = [[
local host = lab:host "host"
local a = lab:host "a"
local r = lab:router "r"
local l = lab:link(host, a, { "10.31.0.1/30", "10.31.0.2/30" })
host:sysctl("net.ipv4.conf." .. l.a.ifname .. ".forwarding", 1)
host:route("10.31.9.0/24", "10.31.0.2")
host:masquerade { src = "10.31.9.0/24", out = l.a.ifname }
lab:link(a, r, { "10.31.1.1/24", "10.31.1.2/24" })
local sw = lab:switch "sw"
lab:link(r, sw)
lab:link(lab:host "b", sw)
lab:switch("hbr", { node = "host", ifname = "nslfault-br" })
a:spawn "exec sleep 61 # nslab-fault-marker"
a:exec "true"
assert(a:ping "10.31.0.1")
]]

local function leftovers()
  local st = T.sh("pgrep -f nslab-fault-marke[r]")
  return st == 0
end

describe("faults", function()
  local file = T.write_lab("fault", LAB)
  local before

  setup(function() before = T.snapshot() end)

  local function check(what)
    local st, out, err = T.nslab("clean")
    assert.are.equal(0, st, out .. err)
    local same, d = T.same_as(before)
    assert(same, what .. ": " .. tostring(d))
    assert(T.eventually(function() return not leftovers() end), what .. ": a lab process survived")
  end

  it("the lab itself runs and leaves nothing", function()
    local st, out, err = T.nslab("run", file)
    assert.are.equal(0, st, out .. err)
    check("plain run")
  end)

  -- how many records a full build writes
  local nrec
  it("counts the build's records", function()
    local st, _, err = T.nslab("up", "--name", "fault", file)
    assert.are.equal(0, st, err)
    nrec = #(T.slurp("/run/nslab/fault/journal") or ""):gsub("[^\n]", "")
    assert.is_true(nrec >= 10, "records: " .. tostring(nrec))
    -- a lab kept with `nslab up` is still wanted: clean leaves it, down removes it
    local _, cout = T.nslab("clean")
    assert.is_truthy(cout:find("lab fault was kept with `nslab up`; left alone", 1, true), cout)
    assert.are.equal(0, (T.nslab("down", "fault")))
    check("up then down")
  end)

  it("kill -9 before and after every record of the build", function()
    local tried, debris = 0, 0
    for k = 1, nrec do
      for _, when in ipairs { "BEFORE", "AFTER" } do
        local st = T.sh(("NSLAB_FAULT_%s_RECORD=%d %s run %s"):format(when, k, T.q(T.NSLAB), file))
        assert.are.equal(137, st, when .. " record " .. k .. ": not killed")
        tried = tried + 1
        local same = T.same_as(before, 0.01)
        if not same then debris = debris + 1 end   -- there is something to clean...
        check(("kill %s record %d"):format(when:lower(), k))   -- ...and clean removes it all
      end
    end
    print(("\n  build kill points: %d, with debris before clean: %d, after clean: 0"):format(tried, debris))
  end)

  it("kill -9 at every step of the teardown", function()
    for k = 1, nrec do
      local st = T.sh(("NSLAB_FAULT_IN_DOWN=%d %s run %s"):format(k, T.q(T.NSLAB), file))
      assert.are.equal(137, st, "teardown step " .. k .. ": not killed")
      check(("kill in teardown step %d"):format(k))
    end
  end)

  -- 40 nodes: enough that the teardown unpins from several threads first
  -- (nsl_netns_unpin_many) and undoes the other records after
  it("kill -9 in a teardown that unpins in parallel", function()
    local big = T.write_lab("fault-big", table.concat({
      LAB,
      "local prev = lab:host 'c1'",
      "for i = 2, 40 do local n = lab:host('c' .. i); lab:link(prev, n); prev = n end",
    }, "\n") .. "\n")
    for _, k in ipairs { 1, 20, 45 } do
      local st = T.sh(("NSLAB_FAULT_IN_DOWN=%d %s run %s"):format(k, T.q(T.NSLAB), big))
      assert.are.equal(137, st, "teardown step " .. k .. ": not killed")
      -- every pin is gone already; the rest of the lab is left to clean
      assert.is_true(T.sh("test -d /run/nslab/fault-big") == 0, "step " .. k .. ": no journal left")
      local _, mounted = T.sh("grep -c ' /run/netns/fault-big\\.' /proc/self/mountinfo")
      assert.are.equal(0, tonumber(mounted), "step " .. k .. ": pins still mounted")
      local _, pins = T.sh("ls /run/netns | grep -c '^fault-big\\.'")
      assert.are.equal(0, tonumber(pins), "step " .. k .. ": pin files left")
      check(("kill in parallel teardown step %d"):format(k))
    end
  end)

  it("clean never touches labs still running, nor namespaces it did not make", function()
    T.sh("ip netns add fault-user-ns")
    local pid
    local ok, e = pcall(function()
      local _, out = T.sh(("%s run %s >/dev/null 2>&1 & echo $!"):format(T.q(T.NSLAB),
        T.write_lab("fault-live", 'lab:host "a"\nlab:host("b"):exec "sleep 3"\n')))
      pid = out:match("%d+")
      assert(T.eventually(function() return T.sh("ip netns list | grep -q fault-live.b") == 0 end))
      local _, cout = T.nslab("clean")
      assert.is_truthy(cout:find("lab fault-live is in use by nslab process", 1, true), cout)
      assert.are.equal(0, T.sh("ip netns list | grep -q fault-live.a"))
      assert.are.equal(0, T.sh("ip netns list | grep -q fault-user-ns"))
    end)
    T.sh("ip netns delete fault-user-ns")
    if pid then T.eventually(function() return T.sh("kill -0 " .. pid) ~= 0 end, 10) end
    assert(ok, e)
    check("live lab")
  end)
end)
