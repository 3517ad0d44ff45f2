-- nslab monitor: nodes, links and addresses appearing and going, as event
-- lines, for changes made from Lua while the lab runs and for a lab that
-- `nslab up` left and `nslab down` removes.
local nslab = require "nslab"
local T = require "nslab_test"

-- Start `nslab monitor lab` in the background; returns a reader of
-- its output and a waiter for its end.
local function monitor(lab, ready)
  local out, err = os.tmpname(), os.tmpname()
  T.sh(("%s monitor %s >%s 2>%s &"):format(T.q(T.NSLAB), lab, out, err))
  assert(T.eventually(function() return (T.slurp(err) or ""):find(ready, 1, true) end),
    "monitor did not start: " .. (T.slurp(err) or ""))
  local function read() return T.slurp(out) or "" end
  local function finish()
    local done = T.eventually(function() return read():find("lab down\n", 1, true) end)
    local text = read()
    os.remove(out)
    os.remove(err)
    return done, text
  end
  return read, finish
end

-- Are want's lines in text, in this order (other lines may come between)?
local function in_order(text, want)
  local pos = 1
  for _, line in ipairs(want) do
    local s, e = text:find("\n" .. line .. "\n", pos - 1, true)
    if not s then return false, ("missing or out of order: %q"):format(line) end
    pos = e + 1
  end
  return true
end

describe("nslab monitor", function()
  local before, lab
  before_each(function() before = T.snapshot() end)
  after_each(function()
    if lab then lab:down() end
    lab = nil
    T.nslab("down", "p5mup")
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("reports a running lab's nodes, links and addresses as they come and go", function()
    local read, finish = monitor("p5mon", 'lab "p5mon" is not up; waiting for it')
    lab = nslab.lab "p5mon"
    -- each step waits for the monitor to have seen the one before: events
    -- of different namespaces come through different sockets, and a node
    -- the monitor reaches late is reported as a dump (links, then addresses)
    local function seen(line)
      assert(T.eventually(function() return read():find(line .. "\n", 1, true) end), read())
    end
    local a, r = lab:host "a", lab:router "r"
    seen("node add r")
    lab:link(a, r, { "10.80.0.1/24", "10.80.0.2/24" })
    seen("addr add r eth0 10.80.0.2/24")
    seen("addr add a eth0 10.80.0.1/24")
    local c = lab:host "c"
    seen("node add c")
    lab:link(c, r, { "10.80.1.1/24", "10.80.1.2/24" }, { names = { "eth0", "to-c" } })
    assert(T.eventually(function() return read():find("addr add r to-c 10.80.1.2/24", 1, true) end), read())
    r:set("eth0", { up = false })
    r:set("eth0", { up = true })
    assert(T.eventually(function() return read():find("link up r eth0\n", 1, true) end), read())
    lab:remove(c)
    assert(T.eventually(function() return read():find("node del c\n", 1, true) end), read())
    lab:down()
    lab = nil
    local done, text = finish()
    assert.is_truthy(done, text)
    text = "\n" .. text
    assert(in_order(text, { "lab up", "node add a", "node add r" }))
    for _, seq in ipairs {
      { "node add a", "link add a eth0 veth", "addr add a eth0 10.80.0.1/24" },
      { "node add r", "link add r eth0 veth", "addr add r eth0 10.80.0.2/24", "link add r to-c veth",
        "addr add r to-c 10.80.1.2/24", "link down r eth0", "link up r eth0", "link del r to-c", "node del r" },
      { "node add c", "link add c eth0 veth", "addr add c eth0 10.80.1.1/24", "node del c" },
      { "node del c", "node del a", "lab down" },
    } do
      local ok, why = in_order(text, seq)
      assert(ok, (why or "") .. " in\n" .. text)
    end
    -- nothing about loopback or link-local addresses
    assert.is_falsy(text:find(" lo ", 1, true), text)
    assert.is_falsy(text:find("fe80", 1, true), text)
  end)

  it("watches a lab left up by nslab up until nslab down removes it", function()
    local file = T.write_lab("p5mup", [[
local x, y = lab:host "x", lab:host "y"
lab:link(x, y, { "10.81.0.1/24", "10.81.0.2/24" })
]])
    assert.are.equal(0, (T.nslab("up", file)))
    local _, finish = monitor("p5mup", 'watching lab "p5mup" (2 nodes)')
    assert.are.equal(0, (T.nslab("down", "p5mup")))
    local done, text = finish()
    assert.is_truthy(done, text)
    assert(in_order("\n" .. text, { "lab down" }))
    assert.is_truthy(text:find("node del x\n", 1, true) and text:find("node del y\n", 1, true), text)
    local st, _, err = T.nslab("monitor")
    assert.are.equal(2, st)
    assert.are.equal("nslab: monitor: missing argument 'LAB'; see `nslab monitor --help`\n", err)
  end)
end)
