-- nslab web: routing adjacencies (nslab.web.adjacency). Two BIRD routers
-- with fast OSPF timers (hello 1 s, dead 4 s): the API and the event
-- stream report the adjacency Full, with the peer's node; the link set
-- down with ip(8) from outside makes it go within the dead interval.
-- Only 127.0.0.1 traffic (curl) and the lab's own namespaces.
local T = require "nslab_test"
local core = require "nslab.core"
local json = require "nslab.json"

local LAB = "wadj"
-- the page with the adjacencies drawn, next to the binary (build/)
local SHOT = (T.NSLAB:match("^(.*)/[^/]*$") or ".") .. "/web-adjacency.png"
local DEAD = 4

local function conf(i) return T.bird_ospf_conf(i, DEAD) end

local FILE = T.write_lab(LAB, ([[
local r1, r2 = lab:router "r1", lab:router "r2"
r1:addr("lo", "10.255.0.1/32")
r2:addr("lo", "10.255.0.2/32")
lab:link(r1, r2, { "10.0.1.1/30", "10.0.1.2/30" }, { names = { "eth0", "eth0" } })
r1:bird { config = %q }
r2:bird { config = %q }
lab:expect_ospf_full(r1, r2, { timeout = 20 })
lab:expect_ospf_full(r2, r1, { timeout = 20 })
]]):format(conf(1), conf(2)))

local function curl(url)
  local st, out = T.sh(("curl -s -m 10 -w '\\n%%{http_code}' %s"):format(T.q(url)))
  assert(st == 0, "curl failed on " .. url)
  local body, code = out:match("^(.*)\n(%d+)$")
  return tonumber(code), body
end

-- r1's OSPF adjacency with r2 as the API has it now, or nil.
local function r1_r2(base, token)
  local code, body = curl(base .. "/api/adjacencies?token=" .. token)
  assert.are.equal(200, code, body)
  for _, a in ipairs(json.decode(body).adjacencies) do
    if a.node == "r1" and a.proto == "ospf" and a.peer_node == "r2" then return a end
  end
end

describe("nslab web: routing adjacencies", function()
  local snap_host, check_host = T.host_guard()
  local pid, events
  before_each(function() snap_host() end)
  after_each(function()
    if pid then T.sh("kill " .. pid) end
    if events then T.sh("kill " .. events) end
    T.eventually(function() return not pid or T.sh("kill -0 " .. pid) ~= 0 end, 10)
    pid, events = nil, nil
    T.nslab("down", LAB)
    check_host()
  end)

  it("reports OSPF Full, on the API and the event stream, and its end when the link goes down", function()
    if T.sh("command -v bird && command -v birdc") ~= 0 then
      pending("BIRD is not installed (bird2)")
      return
    end
    local st, out, err = T.nslab("up", FILE)
    assert.are.equal(0, st, out .. err)
    local o, e = os.tmpname(), os.tmpname()
    local _, p = T.sh(("%s web %s --port 0 >%s 2>%s & echo $!"):format(T.q(T.NSLAB), LAB, o, e))
    pid = math.tointeger(tonumber(p))
    local url = T.eventually(function() return (T.slurp(o) or ""):match("^(http://%S+)\n") end, 30)
    assert(url, (T.slurp(o) or "") .. (T.slurp(e) or ""))
    local base, token = url:match("^(http://[^/]+)/%?token=(%x+)$")
    assert(base, url)
    -- a page open: the server polls the daemons and pushes the adjacencies
    local ev = os.tmpname()
    local _, ep = T.sh(("curl -sN -m 60 %s >%s 2>/dev/null & echo $!")
      :format(T.q(base .. "/api/events?token=" .. token), ev))
    events = math.tointeger(tonumber(ep))
    -- the API: both ends Full, each naming the other's node and its interface
    local a = r1_r2(base, token)
    assert(a, "no adjacency r1 -> r2")
    assert.is_truthy(a.state:match("^Full"), a.state)
    assert.are.equal(true, a.up)
    assert.are.equal("10.255.0.2", a.peer)
    assert.are.equal("eth0", a.iface)
    -- birdc itself agrees (read outside the server)
    local _, bc = T.nslab("exec", LAB, "r1", "--", "birdc", "-s", "/run/bird/bird.ctl", "show", "ospf", "neighbors")
    assert.is_truthy(bc:find("10.255.0.2%s+%d+%s+Full"), bc)
    -- /api/topo carries them too (what a page loads first)
    local code, topo = curl(base .. "/api/topo?token=" .. token)
    assert.are.equal(200, code)
    local seen = false
    for _, x in ipairs(json.decode(topo).adjacencies) do
      if x.node == "r2" and x.peer_node == "r1" and x.up then seen = true end
    end
    assert(seen, topo)
    -- the stream got an adjacency event with r1's Full
    assert(T.eventually(function()
      for data in (T.slurp(ev) or ""):gmatch("event: adjacency\ndata: ([^\n]*)") do
        for _, x in ipairs(json.decode(data).adjacencies) do
          if x.node == "r1" and x.peer_node == "r2" and x.up then return true end
        end
      end
    end, 15), T.slurp(ev))
    -- in headless Chromium: a green dot on the link for each end's adjacency
    if T.sh("command -v chromium && command -v chromedriver") == 0 then
      local bst, res, berr = T.sh(("python3 %s %s %s adj 2 shot"):format(
        T.q(T.SRC .. "/tests/tools/web_browser.py"), T.q(url), T.q(SHOT)))
      assert.are.equal(0, bst, res .. berr)
      local dots = json.decode(res:match("[^\n]+")).adj
      local ids = {}
      for _, d in ipairs(dots) do
        assert.are.equal("adj adj-up", d.cls)
        ids[#ids + 1] = d.id
      end
      table.sort(ids)
      assert.are.same({ "adj:r1:ospf:10.255.0.2", "adj:r2:ospf:10.255.0.1" }, ids)
    end
    -- the link down from outside: the adjacency is gone (or no longer
    -- Full) within the dead interval
    local t0 = core.clock()
    assert.are.equal(0, T.sh("ip -n " .. LAB .. ".r1 link set eth0 down"))
    local gone = T.eventually(function()
      local x = r1_r2(base, token)
      return not x or not x.up
    end, DEAD + 2)
    assert(gone, "r1 -> r2 still Full " .. (core.clock() - t0) .. " s after the link went down")
    assert.is_true(core.clock() - t0 <= DEAD + 2)
    -- and the page hears of it without asking
    assert(T.eventually(function()
      local last
      for data in (T.slurp(ev) or ""):gmatch("event: adjacency\ndata: ([^\n]*)") do last = data end
      if not last then return false end
      for _, x in ipairs(json.decode(last).adjacencies) do
        if x.node == "r1" and x.peer_node == "r2" and x.up then return false end
      end
      return true
    end, 10), T.slurp(ev))
    os.remove(o)
    os.remove(e)
    os.remove(ev)
  end)
end)
