-- nslab web: the lab live over HTTP on loopback. Observed with curl (the
-- token, /api/lab against `nslab inspect --json`, the event stream, the
-- actions) and ip(8) (what an action did, a change made from outside),
-- and in headless Chromium (what a person sees). Only 127.0.0.1 traffic.
local T = require "nslab_test"
local core = require "nslab.core"

local LAB = "w16"
local FILE = T.SRC .. "/labs/client-router-server.lua"
-- the screenshot kept for CI's artifacts (next to the binary, in build/)
local SHOT = (T.NSLAB:match("^(.*)/[^/]*$") or ".") .. "/web-page.png"

local function tmp(ext)
  local p = os.tmpname()
  os.remove(p)
  return p .. ext
end

-- Start `nslab web ARGS...` in the background: pid, stdout file, stderr file.
local function start(...)
  local out, err = tmp(".out"), tmp(".err")
  local args = {}
  for i, a in ipairs { ... } do args[i] = T.q(a) end
  local _, pid = T.sh(("%s web %s >%s 2>%s & echo $!"):format(T.q(T.NSLAB), table.concat(args, " "), out, err))
  return math.tointeger(tonumber(pid)), out, err
end

local function running(pid) return T.sh("kill -0 " .. pid) == 0 end

-- The first line, once the server printed it (or it ended).
local function first_line(pid, out)
  local line = T.eventually(function()
    return (T.slurp(out) or ""):match("^([^\n]*)\n") or (not running(pid) and "")
  end, 30)
  return line
end

local function stop(pid)
  if pid and running(pid) then
    T.sh("kill " .. pid)
    assert(T.eventually(function() return not running(pid) end, 10), "nslab web did not stop")
  end
end

-- curl: status, body. extra: more curl words (already quoted)
local function curl(url, extra)
  local st, out = T.sh(("curl -s -m 10 -w '\\n%%{http_code}' %s %s"):format(extra or "", T.q(url)))
  assert(st == 0, "curl failed on " .. url)
  local body, code = out:match("^(.*)\n(%d+)$")
  return tonumber(code), body
end

local function post(url, body)
  local f = tmp(".json")
  local h = io.open(f, "w")
  h:write(body)
  h:close()
  local code, res = curl(url, "-X POST -H 'Content-Type: application/json' --data-binary @" .. T.q(f))
  os.remove(f)
  return code, res
end

local function link_up(node, ifname)
  local _, out = T.sh(("ip -n %s.%s -o link show %s"):format(LAB, node, ifname))
  return out:match("<[^>]*[<,]UP[,>]") ~= nil, out
end

describe("nslab web", function()
  local snap_host, check_host = T.host_guard()
  local pid
  before_each(function()
    snap_host()
    local st, out, err = T.nslab("up", FILE, "--name", LAB)
    assert(st == 0, out .. err)
  end)
  after_each(function()
    stop(pid)
    pid = nil
    T.nslab("down", LAB)
    check_host()
  end)

  it("prints the URL with its token first, refuses without it, serves inspect's JSON, events to 100 pages, actions", function()
    local out, err
    pid, out, err = start(LAB, "--port", "0")
    local url = first_line(pid, out)
    local base, token = url:match("^(http://127%.0%.0%.1:%d+)/%?token=(%x+)$")
    assert(base, "first line: " .. tostring(url) .. "\n" .. (T.slurp(err) or ""))
    assert.are.equal(32, #token)
    -- without the token, or with another, only a refusal
    for _, path in ipairs { "/", "/api/lab", "/app.js", "/api/events", "/nosuch" } do
      assert.are.equal(403, (curl(base .. path)))
    end
    assert.are.equal(403, (curl(base .. "/api/lab?token=" .. token:reverse())))
    local code, page = curl(url)
    assert.are.equal(200, code)
    assert.is_truthy(page:find("app.js?token=" .. token, 1, true), page)
    -- /api/lab is `nslab inspect --json`, byte for byte
    -- a ruleset made from outside, for /api/node to show
    assert.are.equal(0, (T.sh(("ip netns exec %s.router nft add table inet w16t ';' add chain inet w16t c ';' add rule inet w16t c counter")
      :format(LAB))))
    local _, want = T.nslab("inspect", "--json", LAB)
    local got
    code, got = curl(base .. "/api/lab", "-H " .. T.q("X-Nslab-Token: " .. token))
    assert.are.equal(200, code)
    assert.are.equal(want, got)
    -- the page's cheap reads: /api/topo is that JSON without rules and
    -- processes; /api/node/NAME is one node of it, rules and processes too
    local json = require "nslab.json"
    local full = json.decode(want)
    code, got = curl(base .. "/api/topo?token=" .. token)
    assert.are.equal(200, code)
    local topo = json.decode(got)
    local bare = json.decode(want)
    for _, n in ipairs(bare.nodes) do n.nat, n.processes = nil, nil end
    assert.are.equal(0, #topo.adjacencies)   -- no routing daemons here (web_adjacency_spec has them)
    topo.adjacencies = nil
    assert.are.same(bare, topo)
    local ruled = 0
    for _, n in ipairs(full.nodes) do
      code, got = curl(base .. "/api/node/" .. n.name .. "?token=" .. token)
      assert.are.equal(200, code, got)
      assert.are.same(n, json.decode(got))
      ruled = ruled + #n.nat
    end
    assert(ruled > 0, "the lab has no nftables table: the test would not see rules")
    code, got = curl(base .. "/api/node/nosuch?token=" .. token)
    assert.are.equal(404, code)
    assert.is_truthy(got:find('has no node \\"nosuch\\"', 1, true), got)
    -- the event stream: a link set down from outside, with ip, arrives within 1 s
    local sse = tmp(".sse")
    T.sh(("curl -sN -m 300 %s >%s 2>/dev/null &"):format(T.q(base .. "/api/events?token=" .. token), sse))
    assert(T.eventually(function() return (T.slurp(sse) or ""):find("retry:", 1, true) end, 10), "no stream")
    assert.are.equal(0, (T.sh(("ip -n %s.client link set cl-rt0 down"):format(LAB))))
    local t0 = core.clock()
    local seen = T.eventually(function()
      return (T.slurp(sse) or ""):find('event: link\ndata: {"action":"down","detail":"","ifname":"cl-rt0","node":"client"}', 1, true)
    end, 5)
    local dt = core.clock() - t0
    assert(seen, T.slurp(sse))
    assert(dt < 1, ("the link-down event took %.2f s"):format(dt))
    -- rates come once a second for the lab's links, named as the picture's edges
    assert(T.eventually(function()
      return (T.slurp(sse) or ""):find('event: rates\ndata: {"links":{"link:client:cl-rt0--router:cl-rt1":{', 1, true)
    end, 5), T.slurp(sse))
    -- an action really sets the link down in the kernel
    assert.is_true((link_up("router", "sv-rt1")))
    code, got = post(base .. "/api/link?token=" .. token, '{"node":"router","ifname":"sv-rt1","state":"down"}')
    assert.are.equal(200, code, got)
    local up, line = link_up("router", "sv-rt1")
    assert.is_false(up, line)
    assert.is_truthy((T.slurp(err) or ""):find("nslab: web: link router:sv-rt1 down (from 127.0.0.1)", 1, true))
    code, got = post(base .. "/api/link?token=" .. token, '{"node":"router","ifname":"sv-rt1","state":"up"}')
    assert.are.equal(200, code, got)
    assert.is_true((link_up("router", "sv-rt1")))
    -- bad requests: a clear 4xx, the lab unchanged, the server still serving
    local bad = {
      { "/api/link", "not json", 400, "the body must be a JSON object" },
      { "/api/link", '{"node":"nosuch","ifname":"eth0","state":"down"}', 404, 'has no node \\"nosuch\\"' },
      { "/api/link", '{"node":"router","ifname":"nosuch","state":"down"}', 409, 'has no interface \\"nosuch\\"' },
      { "/api/link", '{"node":"router","ifname":"sv-rt1","state":"sideways"}', 400, "state must be" },
      { "/api/nosuch", "{}", 404, "no action" },
      { "/api/link", ("x"):rep(70000), 413, "over 64 KiB" },
    }
    for _, b in ipairs(bad) do
      code, got = post(base .. b[1] .. "?token=" .. token, b[2])
      assert.are.equal(b[3], code, got)
      assert.is_truthy(got:find(b[4], 1, true), got)
    end
    assert.are.equal(405, (curl(base .. "/api/lab?token=" .. token, "-X DELETE")))
    assert.are.equal(404, (curl(base .. "/api/nosuch?token=" .. token)))
    assert.is_true((link_up("router", "sv-rt1")))
    assert.are.equal(200, (curl(base .. "/api/lab?token=" .. token)))
    -- a veth pair added from outside: the picture is drawn again and announced
    assert.are.equal(0, (T.sh(("ip -n %s.client link add w16dummy type veth peer name w16peer"):format(LAB))))
    assert(T.eventually(function() return (T.slurp(sse) or ""):find("event: topology\n", 1, true) end, 10),
      T.slurp(sse))
    code, got = curl(base .. "/api/lab?token=" .. token)
    assert.are.equal(200, code)
    assert.is_truthy(got:find('"name": "w16dummy"', 1, true), got)
    assert.are.equal(0, (T.sh(("ip -n %s.client link del w16dummy"):format(LAB))))
    -- 100 pages open at once: each gets the next event
    local dir = tmp(".streams")
    local streams, pids = {}, {}
    for k = 1, 100 do streams[k] = ("%s/%d"):format(dir, k) end
    local _, plist = T.sh(("mkdir %s && for k in $(seq 100); do curl -sN -m 60 %s >%s/$k 2>/dev/null & echo $!; done")
      :format(dir, T.q(base .. "/api/events?token=" .. token), dir))
    for p in plist:gmatch("%d+") do pids[#pids + 1] = p end
    assert.are.equal(100, #pids)
    assert(T.eventually(function()
      for k = 1, 100 do
        if not (T.slurp(streams[k]) or ""):find("retry:", 1, true) then return false end
      end
      return true
    end, 20), "not every stream opened")
    assert.are.equal(0, (T.sh(("ip -n %s.server link set sv-rt0 down"):format(LAB))))
    local all, missing = T.eventually(function()
      for k = 1, 100 do
        if not (T.slurp(streams[k]) or ""):find('"ifname":"sv-rt0","node":"server"', 1, true) then return false, k end
      end
      return true
    end, 10)
    assert(all, ("stream %s of 100 did not get the event"):format(tostring(missing)))
    T.sh("kill " .. table.concat(pids, " ") .. " 2>/dev/null; rm -r " .. dir)
    assert.are.equal(0, (T.sh(("ip -n %s.server link set sv-rt0 up"):format(LAB))))
    -- the lab going down ends the stream with a message, and the server
    assert.are.equal(0, (T.nslab("down", LAB)))
    assert(T.eventually(function() return not running(pid) end, 10), "nslab web outlived its lab")
    assert.is_truthy((T.slurp(sse) or ""):find('event: end\ndata: {"reason":"lab w16 went down"}', 1, true), T.slurp(sse))
    assert.is_truthy((T.slurp(err) or ""):find("nslab: web: lab w16 went down; stopped", 1, true), T.slurp(err))
    os.remove(sse)
    os.remove(out)
    os.remove(err)
  end)

  it("bad port, address or lab: one clear line, nothing left listening", function()
    local function fails_with(code, want, ...)
      local st, out, err = T.nslab("web", ...)
      assert.are.equal(code, st, out .. err)
      assert.are.equal("", out)
      assert.are.equal(want .. "\n", err)
    end
    local function fails(want, ...) fails_with(1, want, ...) end
    -- usage errors: exit 2, the verb table's one line
    local function usage(want, ...) fails_with(2, want .. "; see `nslab web --help`", ...) end
    usage('nslab: web: --port needs a TCP port from 0 to 65535, got "http"', LAB, "--port", "http")
    usage('nslab: web: --port needs a TCP port from 0 to 65535, got "70000"', LAB, "--port", "70000")
    fails('nslab: web: "example.org" is not an IP address to bind to (like 127.0.0.1 or ::1)', LAB,
      "--bind", "example.org", "--port", "0")
    fails("nslab: web: 192.0.2.7 is not an address of this machine's network namespace: give one it has with --bind",
      LAB, "--bind", "192.0.2.7", "--port", "0")
    fails('nslab: web: no lab named "w16nosuch" is up (see `nslab ls`; start one with `nslab up LAB.lua`)', "w16nosuch")
    usage("nslab: web: missing argument 'LAB'")
    usage("nslab: web: too many arguments", LAB, "extra")
    fails("nslab: web: give the name of a lab that is up, not a file: `nslab up " .. FILE .. "`, " ..
      "then `nslab web client-router-server`", FILE)
    -- a port in use: say so and which
    local out
    pid, out = start(LAB, "--port", "0")
    local port = first_line(pid, out):match(":(%d+)/")
    assert(port, T.slurp(out))
    fails(("nslab: web: port %s on 127.0.0.1 is in use: pick another with --port N (or --port 0 for any free one)")
      :format(port), LAB, "--port", port)
    stop(pid)
    -- another address only when asked, and said on stderr
    local err
    pid, out, err = start(LAB, "--port", "0", "--bind", "0.0.0.0")
    assert.is_truthy(first_line(pid, out):match("^http://0%.0%.0%.0:%d+/%?token=%x+$"), T.slurp(out))
    assert.is_truthy((T.slurp(err) or ""):find("listening on 0.0.0.0 port %d+, not only on this machine"), T.slurp(err))
    stop(pid)
    os.remove(out)
    os.remove(err)
  end)

  it("in headless Chromium: every node shown, a link set down with ip shown within 2 s, the page's down taken", function()
    assert(T.sh("command -v chromium && command -v chromedriver") == 0,
      "the browser test needs chromium and chromium-driver (scripts/setup installs them)")
    local out, err
    pid, out, err = start(LAB, "--port", "0")
    local url = first_line(pid, out)
    assert(url:match("token="), T.slurp(err))
    local st, res, perr = T.sh(("python3 %s %s %s nodes ipdown %s.client cl-rt0 %s clickdown %s shot"):format(
      T.q(T.SRC .. "/tests/tools/web_browser.py"), T.q(url), T.q(SHOT), LAB,
      T.q("link:client:cl-rt0--router:cl-rt1"), T.q("link:router:sv-rt1--server:sv-rt0")))
    assert.are.equal(0, st, res .. perr)
    local lines = {}
    for l in res:gmatch("[^\n]+") do lines[#lines + 1] = require("nslab.json").decode(l) end
    table.sort(lines[1].nodes)
    assert.are.same({ "client", "router", "server" }, lines[1].nodes)
    assert.is_true(lines[2].shown, res)
    assert(lines[2].seconds < 2, res)
    assert.are.equal("link: done", lines[3].message, res)
    local up, line = link_up("router", "sv-rt1")
    assert.is_false(up, line)
    assert.are.equal("\137PNG\r\n\26\n", (T.slurp(SHOT) or ""):sub(1, 8))
    os.remove(out)
    os.remove(err)
  end)
end)
