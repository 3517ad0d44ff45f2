-- nslab.web — `nslab web LAB`: the lab live in a browser. The HTTP side is
-- C (src/kernel/httpd.c on libmicrohttpd): its threads check the token and
-- serve the page and the event stream; everything that reads or changes
-- the lab runs here, on the one Lua thread, in one loop that waits on the
-- netlink monitor (nslab monitor's) and on the server's queue together:
--   monitor events   -> an SSE message at once (link up/down, node, addr)
--   queued requests  -> answered from nslab.live (GET /api/lab is
--                       `nslab inspect --json`), actions through the lab's
--                       own methods, as the REPL calls them
--   each second, while a page is open: the counters of the lab's links
--                       (one dump per node holding a link end) -> rates
--   topology changes -> the picture is drawn again by Graphviz in the
--                       background (nslab.cli.graph's rules), then announced.
-- docs/web.md describes the HTTP interface.
local core = require "nslab.core"
local json = require "nslab.json"
local util = require "nslab.util"
local live = require "nslab.live"
local inspect = require "nslab.live.inspect"
local graph = require "nslab.cli.graph"
local adjacency = require "nslab.web.adjacency"
local machines = require "nslab.live.machines"

local M = {}

local function err(fmt, ...) return require("nslab.cli.say").fail(1, "web: " .. fmt, ...) end


-- The page's files sit next to this module (lua/nslab/web/, installed
-- with the library).
local ASSETS = { ["/"] = { "page.html", "text/html; charset=utf-8" },
                 ["/app.js"] = { "app.js", "text/javascript; charset=utf-8" },
                 ["/style.css"] = { "style.css", "text/css; charset=utf-8" } }

local function asset_dir()
  local p = package.searchpath("nslab.web", package.path)
  return p and p:match("^(.*)/[^/]*$")
end

local slurp = require("nslab.util").slurp

local function sse(event, data)
  return ("event: %s\ndata: %s\n\n"):format(event, json.encode(data))
end

---- the server's state ------------------------------------------------------

local S = {}
S.__index = S

function S:log(fmt, ...)
  io.stderr:write("nslab: web: ", fmt:format(...), "\n")
end

-- The lab's topology (M.lab's data without rules and processes: the
-- cheap part, what the picture and the page need), and what follows from
-- it: the links by id, the namespaces whose counters cover every link.
function S:read()
  local data, skipped = inspect.lab(self.lab, { topology = true, parts = self.parts })
  if not data then return nil, skipped end
  self.data, self.topo_text, self.fresh = data, nil, false
  -- a lab over machines: the nodes other machines hold (read there, by
  -- nslab.live.machines) are drawn and listed, not read or changed here
  self.remote = {}
  for _, m in ipairs(data.machines or {}) do
    for _, n in ipairs(m.nodes) do self.remote[n] = m end
  end
  if self.adj then self.adj:set_topology(data) end
  self.ifs = {}
  for _, n in ipairs(data.nodes) do
    for _, i in ipairs(n.interfaces) do self.ifs[n.name .. "\0" .. i.name] = i end
  end
  return data
end

-- A link set up or down: the topology as read stays true without reading
-- it again.
function S:mark(ev)
  local i = self.ifs[tostring(ev.node) .. "\0" .. tostring(ev.ifname)]
  if i then i.up = ev.action == "up" end
end

-- GET /api/topo: the topology as read last (events keep it current: a
-- change of the topology reads it again).
function S:topo_json()
  self.data.adjacencies = json.array(self.adj_list or {})
  self.topo_text = self.topo_text or (json.encode(self.data) .. "\n")
  return self.topo_text
end

-- GET /api/lab: `nslab inspect --json`, read when asked: again unless
-- nothing changed since the last reading and it is younger than 2 s
-- (processes and rules change without a netlink event, hence the age).
function S:lab_json()
  if not (self.fresh and core.clock() - self.data_at < 2) then
    local data, e = inspect.lab(self.lab, { parts = self.parts })
    if not data then return nil, e end
    self.data_json, self.data_at, self.fresh = json.encode(data, { indent = "  " }) .. "\n", core.clock(), true
  end
  return self.data_json
end

-- GET /api/node/NAME: one node as /api/lab has it, read alone (a click
-- on the page); the peers of its interfaces come from the topology.
function S:node_json(name)
  local m = self.remote[name]
  if m then
    -- as its machine said it last (processes and rules included)
    for _, p in ipairs(self.parts and self.parts.parts or {}) do
      for _, n in ipairs(p.m.name == m.name and p.data and p.data.nodes or {}) do
        if n.name == name then return json.encode(n) .. "\n" end
      end
    end
    return nil, ("node %s is on machine %s, which was not reached: %s"):format(name, m.name, m.error or "?")
  end
  local n, e = inspect.node(self.lab, name)
  if not n then return nil, e end
  local known
  for _, t in ipairs(self.data.nodes) do
    if t.name == name then known = t end
  end
  for _, i in ipairs(n.interfaces) do
    for _, k in ipairs(known and known.interfaces or {}) do
      if k.name == i.name then i.peer = k.peer end
    end
  end
  return json.encode(n) .. "\n"
end

-- Reading counters: for each link the end in the node with the most
-- link ends (a switch's namespace covers all its ports in one dump).
function S:plan_counters()
  for _, ns in pairs(self.ns_open or {}) do ns:close() end
  self.ns_open, self.watch, self.sent = {}, {}, {}
  local ends, index = {}, {}
  for _, n in ipairs(self.data.nodes) do
    for _, i in ipairs(n.interfaces) do index[n.name .. "\0" .. i.name] = i.index end
  end
  for _, l in ipairs(self.data.links) do
    if l.b.node ~= json.null then
      ends[l.a.node] = (ends[l.a.node] or 0) + 1
      ends[l.b.node] = (ends[l.b.node] or 0) + 1
    end
  end
  for _, l in ipairs(self.data.links) do
    -- the counters of a link are read at an end here: a link between
    -- machines at its end here, one on another machine not at all
    local ra, rb = self.remote[l.a.node], l.b.node ~= json.null and self.remote[l.b.node]
    if l.b.node ~= json.null and not (ra and rb) then
      local id = graph.link_id(l.a.node, l.a.interface, l.b.node, l.b.interface)
      local flip = (ends[l.b.node] or 0) > (ends[l.a.node] or 0)
      if ra or rb then flip = ra and true or false end
      local e = flip and l.b or l.a
      self.watch[e.node] = self.watch[e.node] or {}
      self.watch[e.node][index[e.node .. "\0" .. e.interface] or -1] = { id = id, flip = flip }
    end
  end
end

function S:ns_of(node)
  local ns = self.ns_open[node]
  if ns == nil then
    if node == "host" and not live.nodes(self.lab) then return nil end
    ns = node == "host" and core.netns_host() or core.netns_open(core.lab_ns(self.lab) .. "." .. node) or false
    self.ns_open[node] = ns
  end
  return ns or nil
end

-- A rate worth sending again: it went to or from zero or moved by more
-- than a tenth. A lab with no traffic of its own still chatters (IPv6
-- neighbour discovery and MLD, flooded by a switch to its 1000 ports: 10
-- packets a second each, give or take one); sending every such wobble
-- made an idle lab cost a JSON message of every link each second.
local function moved(old, new)
  return (old == 0) ~= (new == 0) or math.abs(new - old) * 10 > math.max(old, new)
end

-- One sample of every watched counter -> the "rates" message's data: the
-- links whose rates moved (see moved) since they were last sent (an idle
-- lab of 1000 links sends next to nothing).
function S:rates()
  local t = core.clock()
  local out, any = {}, false
  for node, ifs in pairs(self.watch) do
    local ns = self:ns_of(node)
    local counters = ns and ns:counters() or {}
    -- the previous sample lives in w itself: an idle second makes no
    -- new tables or strings per link
    for idx, w in pairs(ifs) do
      local l = counters[idx]
      if l then
        local pt = w.t
        local dsp, dsb = l.tx_packets - (w.txp or 0), l.tx_bytes - (w.txb or 0)
        local drp, drb = l.rx_packets - (w.rxp or 0), l.rx_bytes - (w.rxb or 0)
        w.t, w.rxp, w.txp, w.rxb, w.txb = t, l.rx_packets, l.tx_packets, l.rx_bytes, l.tx_bytes
        if pt and t > pt then
          local dt = t - pt
          -- a -> b is what the a end sends
          local sp, sb, rp, rb = dsp / dt, dsb * 8 / dt, drp / dt, drb * 8 / dt
          if w.flip then sp, sb, rp, rb = rp, rb, sp, sb end
          local ab_pps, ab_bps = math.floor(sp + 0.5), math.floor(sb + 0.5)
          local ba_pps, ba_bps = math.floor(rp + 0.5), math.floor(rb + 0.5)
          local was = self.sent[w.id]
          if not was or moved(was.ab_pps, ab_pps) or moved(was.ab_bps, ab_bps)
              or moved(was.ba_pps, ba_pps) or moved(was.ba_bps, ba_bps) then
            local r = { ab_pps = ab_pps, ab_bps = ab_bps, ba_pps = ba_pps, ba_bps = ba_bps }
            out[w.id] = r
            self.sent[w.id] = r
            any = true
          end
        end
      end
    end
  end
  return any and out or nil
end

-- The "rates" message, as sse("rates", {t=, links=}) would write it (keys
-- sorted), put together by hand: the generic encoder took most of an idle
-- second's work when a lab's chatter moves every link's rate.
local RATE = '%s:{"ab_bps":%d,"ab_pps":%d,"ba_bps":%d,"ba_pps":%d}'
local function rates_message(t, links)
  local ids = {}
  for id in pairs(links) do ids[#ids + 1] = id end
  table.sort(ids)
  local parts = {}
  for k, id in ipairs(ids) do
    local r = links[id]
    parts[k] = RATE:format(json.encode(id), r.ab_bps, r.ab_pps, r.ba_bps, r.ba_pps)
  end
  return ('event: rates\ndata: {"links":{%s},"t":%s}\n\n'):format(table.concat(parts, ","), json.encode(t))
end

---- the picture -------------------------------------------------------------

-- Start Graphviz on the current data; the SVG appears when it is done.
function S:draw()
  self.version = self.version + 1
  local base = ("%s/topo-%d"):format(self.dir, self.version)
  local f = assert(io.open(base .. ".dot", "w"))
  f:write(graph.dot_inspect(self.data))
  f:close()
  if not self.have_dot then return end
  -- in the background: 1000 nodes take seconds, and the loop goes on
  os.execute(("(dot -Tsvg '%s.dot' -o '%s.part' 2>'%s.err' && mv '%s.part' '%s.svg') </dev/null >/dev/null 2>&1 &")
    :format(base, base, base, base, base))
  self.drawing = base
end

function S:check_drawing()
  local base = self.drawing
  if base and core.exists(base .. ".svg") then
    self.svg, self.drawing = base .. ".svg", nil
    self.h:broadcast(sse("topology", { version = self.version }))
  end
end

---- requests ----------------------------------------------------------------

local function reply_json(h, id, status, v)
  h:reply(id, status, "application/json", json.encode(v) .. "\n")
end

-- The attached lab (nslab.repl.attach's), made again after the topology
-- changed: actions go through its methods, as the REPL's verbs do.
function S:attached()
  if self.alab and not self.stale then return self.alab end
  if self.alab then self.alab:keep() end
  local lab, e = require("nslab.repl.attach")(self.lab)
  if not lab then return nil, e end
  self.alab, self.stale = lab, false
  return lab
end

function S:node(name)
  local m = self.remote[name]
  if m then
    return nil, ("node %s is on machine %s: change it there (`nslab web %s` on %s, or `nslab shape`/`nslab link` " ..
      "there)"):format(name, m.name, self.lab, m.name)
  end
  local lab, e = self:attached()
  if not lab then return nil, e end
  local n = lab.nodes[name]
  if not n then return nil, ("lab %s has no node \"%s\" (now)"):format(self.lab, tostring(name)) end
  return n
end

local ACTIONS = {}

-- POST /api/link {node, ifname, state = "up"|"down"}
function ACTIONS.link(self, b)
  if b.state ~= "up" and b.state ~= "down" then return 400, "state must be \"up\" or \"down\"" end
  local n, e = self:node(b.node)
  if not n then return 404, e end
  n:set(b.ifname, { up = b.state == "up" })
  return 200, { node = n.name, ifname = b.ifname, state = b.state }, ("link %s:%s %s"):format(n.name, b.ifname, b.state)
end

local SHAPE_KEYS = { "rate", "burst", "latency", "limit", "delay", "jitter", "loss", "duplicate" }

-- POST /api/shape {node, ifname, rate=, delay=, loss=, ...}; no settings: unshape
function ACTIONS.shape(self, b)
  local n, e = self:node(b.node)
  if not n then return 404, e end
  local opts, words = {}, {}
  for _, k in ipairs(SHAPE_KEYS) do
    local v = b[k]
    if v ~= nil and v ~= "" and v ~= json.null then
      opts[k] = tostring(v)
      words[#words + 1] = k .. "=" .. tostring(v)
    end
  end
  if next(opts) then n:shape(b.ifname, opts) else n:unshape(b.ifname) end
  local t = n:shaping(b.ifname)
  return 200, { node = n.name, ifname = b.ifname, shaping = t and t.text or json.null },
    next(opts) and ("shape %s:%s %s"):format(n.name, b.ifname, table.concat(words, " "))
      or ("unshape %s:%s"):format(n.name, b.ifname)
end

-- POST /api/capture {node, ifname, filter=, count=} -> {id, file=URL}
function ACTIONS.capture(self, b)
  local n, e = self:node(b.node)
  if not n then return 404, e end
  local count = b.count ~= nil and b.count ~= json.null and math.tointeger(tonumber(b.count)) or nil
  self.ncap = self.ncap + 1
  local file = ("%s/capture-%d.pcap"):format(self.dir, self.ncap)
  local filter = type(b.filter) == "string" and b.filter ~= "" and b.filter or nil
  local c = n:capture(b.ifname, { file = file, filter = filter, count = count })
  self.captures[self.ncap] = { c = c, file = file, node = n.name, ifname = b.ifname }
  return 200, { id = self.ncap, download = ("/api/capture/%d.pcap"):format(self.ncap) },
    ("capture %s:%s %s%s"):format(n.name, b.ifname, file, filter and (" " .. filter) or "")
end

-- POST /api/capture/stop {id}
ACTIONS["capture/stop"] = function(self, b)
  local k = math.tointeger(tonumber(b.id))
  local cap = k and self.captures[k]
  if not cap then return 404, ("no capture %s"):format(tostring(b.id)) end
  local cnt = cap.c:running() and cap.c:stop() or cap.c:packets()
  return 200, { id = k, packets = cnt }, ("capture stop %d"):format(k)
end

function S:captures_list()
  local out = json.array {}
  for k, cap in pairs(self.captures) do
    out[#out + 1] = { id = k, node = cap.node, ifname = cap.ifname, running = cap.c:running(),
                      packets = cap.c:packets(), download = ("/api/capture/%d.pcap"):format(k) }
  end
  table.sort(out, function(x, y) return x.id < y.id end)
  return out
end

function S:handle(r)
  local h, id, path = self.h, r.id, r.path
  if r.method == "POST" then
    local verb = path:match("^/api/(.+)$")
    local act = ACTIONS[verb]
    if not act then return reply_json(h, id, 404, { error = "no action " .. path }) end
    local ok, b = pcall(json.decode, r.body)
    if not ok or type(b) ~= "table" then
      self:log("400 POST %s from %s: the body is not a JSON object", path, r.peer)
      return reply_json(h, id, 400, { error = "the body must be a JSON object" })
    end
    if verb ~= "capture/stop" and (type(b.node) ~= "string" or type(b.ifname) ~= "string") then
      return reply_json(h, id, 400, { error = "give node and ifname" })
    end
    if self.down then return reply_json(h, id, 409, { error = ("lab %s is down"):format(self.lab) }) end
    local okc, status, res, what = pcall(act, self, b)
    if not okc then
      local msg = util.oneline(tostring(status)):gsub("^[^:]*:%d+: ", "")
      self:log("%s %s from %s failed: %s", verb, json.encode(b), r.peer, msg)
      return reply_json(h, id, 409, { error = msg })
    end
    if status ~= 200 then
      self:log("%d %s from %s: %s", status, verb, r.peer, res)
      return reply_json(h, id, status, { error = res })
    end
    -- recorded as the REPL would have it, with who asked
    self:log("%s (from %s)", what, r.peer)
    return reply_json(h, id, 200, res)
  end
  if path == "/api/adjacencies" then
    -- every daemon asked now, as the page's polling would in turn
    self:adjacencies(true)
    return reply_json(h, id, 200, { adjacencies = json.array(self.adj_list or {}) })
  elseif path == "/api/lab" then
    local text, e = self:lab_json()
    if not text then return reply_json(h, id, 410, { error = e }) end
    return h:reply(id, 200, "application/json", text)
  elseif path == "/api/topo" then
    return h:reply(id, 200, "application/json", self:topo_json())
  elseif path == "/api/topo.svg" then
    if not self.have_dot then
      return reply_json(h, id, 501, { error = "drawing needs Graphviz's dot (Debian: apt-get install graphviz)" })
    end
    if not self.svg then return reply_json(h, id, 503, { error = "drawing", retry_ms = 300 }) end
    return h:reply(id, 200, "image/svg+xml", "", self.svg)
  elseif path == "/api/topo.dot" then
    return h:reply(id, 200, "text/vnd.graphviz", slurp(("%s/topo-%d.dot"):format(self.dir, self.version)) or "")
  elseif path == "/api/captures" then
    return reply_json(h, id, 200, self:captures_list())
  end
  local k = path:match("^/api/capture/(%d+)%.pcap$")
  if k then
    local cap = self.captures[math.tointeger(tonumber(k))]
    if not cap then return reply_json(h, id, 404, { error = "no capture " .. k }) end
    return h:reply(id, 200, "application/vnd.tcpdump.pcap", "", cap.file)
  end
  local nname = path:match("^/api/node/([^/]+)$")
  if nname then
    local text, e = self:node_json(nname)
    if not text then return reply_json(h, id, 404, { error = e }) end
    return h:reply(id, 200, "application/json", text)
  end
  local node, ifname = path:match("^/api/shaping/([^/]+)/([^/]+)$")
  if node then
    local ok, n, e = pcall(self.node, self, node)
    if not ok or not n then return reply_json(h, id, 404, { error = ok and e or tostring(n) }) end
    local okc, t = pcall(n.shaping, n, ifname)
    if not okc then return reply_json(h, id, 404, { error = (tostring(t):gsub("^[^:]*:%d+: ", "")) }) end
    return reply_json(h, id, 200, { node = node, ifname = ifname, shaping = t and t.text or json.null,
                                    settings = t or json.null })
  end
  self:log("404 GET %s from %s", path, r.peer)
  return reply_json(h, id, 404, { error = "no such endpoint " .. path })
end

---- the loop ----------------------------------------------------------------

-- A lab over machines: the other machines' parts are read again in the
-- background every MACHINES_EVERY seconds while a page is open; a change
-- is drawn.
local MACHINES_EVERY = 10

function S:machines_tick(t)
  local job = self.reading
  if job then
    if not machines.poll(job) then return end
    self.reading = nil
    local old = self.parts_text
    self.parts_text = json.encode(self:parts_seen(job))
    if self.parts_text ~= old then
      self.parts = job
      self.changed = t
    end
  elseif self.parts and t - (self.parts_at or 0) >= MACHINES_EVERY and self.h:streams() > 0 and not self.down then
    self.parts_at = t
    self.reading = machines.start(self.lab)
  end
end

-- What a reading of the other machines found, without what changes on
-- its own (counters, processes' order): the part of it the picture shows.
function S:parts_seen(job)
  local seen = {}
  for _, p in ipairs(job.parts) do
    local nodes = {}
    for _, n in ipairs(p.data and p.data.nodes or {}) do
      local ifs = {}
      for _, i in ipairs(n.interfaces) do ifs[#ifs + 1] = { i.name, i.up, i.state, i.addresses } end
      nodes[#nodes + 1] = { n.name, n.kind, ifs }
    end
    seen[#seen + 1] = { p.m.name, p.error or json.null, nodes }
  end
  return seen
end

-- Routing adjacencies (nslab.web.adjacency): a slice of the polling, or
-- every daemon when all; a change goes to the pages and into /api/topo.
function S:adjacencies(all)
  local list = self.adj:tick(all)
  if list then
    self.adj_list, self.topo_text = list, nil
    self.h:broadcast(sse("adjacency", { adjacencies = json.array(list) }))
  end
end

local MON_EVENT = { link = "link", node = "node", addr = "addr", lab = "lab" }

function S:on_event(ev)
  if ev.what == "lab" and ev.action == "down" then
    self.down = true
    return
  end
  local data = { action = ev.action, node = ev.node, ifname = ev.ifname, detail = ev.detail }
  self.h:broadcast(sse(MON_EVENT[ev.what] or ev.what, data))
  self.fresh, self.topo_text = false, nil
  if ev.what == "link" and (ev.action == "up" or ev.action == "down") then self:mark(ev) end
  -- anything but a state change redraws the picture
  if ev.what == "node" or ev.what == "addr" or (ev.what == "link" and (ev.action == "add" or ev.action == "del")) then
    self.changed = core.clock()
    self.stale = true
  end
end

function S:loop()
  local next_tick = core.clock() + 1
  while not self.down do
    local t = core.clock()
    local timeout = math.max(0, next_tick - t)
    if self.drawing or self.changed then timeout = math.min(timeout, 0.2) end
    local evs, e = self.mon:poll(timeout)
    if not evs then error(e, 0) end
    for _, ev in ipairs(evs) do self:on_event(ev) end
    while true do
      local r = self.h:next()
      if not r then break end
      local ok, herr = pcall(self.handle, self, r)
      if not ok then
        self:log("500 %s %s: %s", r.method, r.path, tostring(herr))
        pcall(reply_json, self.h, r.id, 500, { error = tostring(herr) })
      end
    end
    for line in function() return self.h:log() end do self:log("%s", line) end
    t = core.clock()
    -- a burst of changes (a node coming with its links) is drawn once
    if self.changed and t - self.changed > 0.3 and not self.down then
      self.changed = nil
      if self:read() then
        self:plan_counters()
        self:draw()
      end
    end
    self:check_drawing()
    self:machines_tick(t)
    if t >= next_tick then
      next_tick = t + 1
      if self.h:streams() > 0 and not self.down then
        local rates = self:rates()
        if rates then self.h:broadcast(rates_message(t, rates)) end
        self:adjacencies(false)
      end
    end
  end
end

local function loopback(addr)
  return addr == "::1" or addr:match("^127%.") ~= nil
end

-- nslab web LAB [--port N] [--bind ADDR]
-- a: the parsed command line (nslab.cli.verbs' entry "web"): lab, port, bind
function M.main(a)
  local pos, opt = { a.lab }, a
  local port = opt.port or 8080
  local bind = opt.bind or "127.0.0.1"
  if pos[1]:match("%.lua$") and util.readable_file(pos[1]) then
    return err("give the name of a lab that is up, not a file: `nslab up %s`, then `nslab web %s`",
      util.oneline(pos[1]), util.oneline(util.lab_name_of(pos[1])))
  end
  local lab, bad = util.lab_arg("web", pos[1])
  if not lab then return err("%s", (bad:gsub("^web: ", ""))) end
  if not core.privileged() then
    return err("needs root to read the lab's nodes; run it as root (sudo nslab web ...)")
  end
  if not live.nodes(lab) then
    return err("no lab named \"%s\" is up (see `nslab ls`; start one with `nslab up LAB.lua`)", lab)
  end
  local dir = asset_dir()
  local files = {}
  for path, a in pairs(ASSETS) do
    files[path] = dir and slurp(dir .. "/" .. a[1])
    if not files[path] then return err("the page's file %s is missing next to nslab/web/init.lua", a[1]) end
  end
  local token = core.random_token()
  local h, bound, herr = core.httpd(bind, port, token)
  if not h then return err("%s", bound or herr) end
  local self = setmetatable({ lab = lab, h = h, token = token, version = 0, captures = {}, ncap = 0,
                              have_dot = os.execute("command -v dot >/dev/null 2>&1") == true }, S)
  local ok, res = pcall(function()
    -- the page names its script and style with the token, as every
    -- request must carry it (the token is hex: nothing to escape)
    for path, a in pairs(ASSETS) do h:put(path, a[2], (files[path]:gsub("__TOKEN__", token))) end
    local tmp = os.getenv("TMPDIR") or "/tmp"
    self.dir = ("%s/nslab-web-%s"):format(tmp, token:sub(1, 12))
    assert(core.mkdir(self.dir))
    -- the URL as soon as the page can be fetched: what the lab holds is
    -- read next (seconds for 1000 nodes), its requests wait for it
    local host = bind:find(":", 1, true) and ("[" .. bind .. "]") or bind
    io.stdout:write(("http://%s:%d/?token=%s\n"):format(host, bound, token))
    io.stdout:flush()
    if not loopback(bind) then
      io.stderr:write(("nslab: web: listening on %s port %d, not only on this machine: anyone who can reach it " ..
        "and has the URL can change the lab\n"):format(bind, bound))
    end
    -- the topology first and Graphviz on it at once (it runs while the
    -- monitor opens: a second each for 1000 nodes)
    self.adj = adjacency.poller(lab, function() return self:attached() end)
    -- a lab over machines: the other machines' parts, read there first
    self.parts = machines.read(lab, 10)
    if self.parts then
      self.parts_at, self.parts_text = core.clock(), json.encode(self:parts_seen(self.parts))
    end
    local data, rerr = self:read()
    if not data then error(rerr, 0) end
    self:plan_counters()
    self:draw()
    local mon, merr = core.monitor(lab)
    if not mon then error(merr, 0) end
    self.mon = mon
    mon:wake_on(h:fd())
    -- nodes that came or went while the monitor opened: read again
    local here = 0
    for _, n in ipairs(data.nodes) do
      if n.name ~= "host" and not self.remote[n.name] then here = here + 1 end
    end
    local now = live.nodes(lab)
    if now and #now ~= here then
      self.changed = core.clock()
    end
    io.stderr:write(("nslab: web: serving lab %s (%d nodes); Ctrl-C stops\n"):format(lab, #data.nodes))
    self:loop()
  end)
  -- the end: tell the pages, stop captures, close what we hold
  local why = self.down and ("lab %s went down"):format(lab) or "nslab web stopped"
  pcall(h.broadcast, h, sse("end", { reason = why }))
  for _, cap in pairs(self.captures) do pcall(function() if cap.c:running() then cap.c:stop() end end) end
  h:stop()
  if self.mon then self.mon:close() end
  for _, ns in pairs(self.ns_open or {}) do ns:close() end
  if self.alab then pcall(self.alab.keep, self.alab) end
  if self.dir then os.execute(("rm -rf '%s'"):format(self.dir)) end
  if not ok then
    if tostring(res):find("interrupted by", 1, true) then
      io.stderr:write("nslab: web: stopped\n")
      return 0
    end
    return err("%s", util.oneline(tostring(res)))
  end
  io.stderr:write(("nslab: web: %s; stopped\n"):format(why))
  return 0
end

return M
