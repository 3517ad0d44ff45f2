-- nslab.shape — link shaping per link end: a rate through tbf, delay,
-- jitter, loss and duplication through netem, as the egress qdisc of one
-- interface (what leaves the node there), set through libnl — never tc.
-- Values use tc's words and units: rate "10mbit", burst "32kb",
-- latency/delay/jitter "20ms", loss/duplicate "1%".
local util = require "nslab.util"

local raise = util.raise

local M = {}

local ENOENT, EOPNOTSUPP = 2, 95

local function show(v)
  return type(v) == "string" and ("\"" .. v .. "\"") or tostring(v)
end

local function number_unit(v)
  if type(v) ~= "string" then return nil end
  local n, u = v:match("^%s*(%d*%.?%d+)%s*(%a*)%s*$")
  if not n then n, u = v:match("^%s*(%d+%.)%s*(%a*)%s*$") end
  return tonumber(n), u and u:lower()
end

-- tc(8)'s rate units: bits per second (SI, or IEC with "i"), or bytes.
local RATE = {
  bit = 1 / 8, kbit = 1e3 / 8, mbit = 1e6 / 8, gbit = 1e9 / 8, tbit = 1e12 / 8,
  kibit = 1024 / 8, mibit = 1024 ^ 2 / 8, gibit = 1024 ^ 3 / 8,
  bps = 1, kbps = 1e3, mbps = 1e6, gbps = 1e9,
  kibps = 1024, mibps = 1024 ^ 2, gibps = 1024 ^ 3,
}
local SIZE = { b = 1, k = 1024, kb = 1024, m = 1024 ^ 2, mb = 1024 ^ 2, g = 1024 ^ 3, gb = 1024 ^ 3 }
local TIME = { s = 1e6, sec = 1e6, secs = 1e6, ms = 1e3, msec = 1e3, msecs = 1e3,
               us = 1, usec = 1, usecs = 1 }

-- "10mbit" -> bytes per second, or nil, message.
function M.rate(v)
  local n, u = number_unit(v)
  local scale = u and RATE[u]
  if not n or not scale then
    return nil, ("bad rate %s (use tc's units: \"10mbit\", \"512kbit\", \"1gbit\", or bytes per second: \"100kbps\")")
      :format(show(v))
  end
  local r = math.floor(n * scale + 0.5)
  if r < 1 then return nil, ("rate %s is below one byte per second"):format(show(v)) end
  if r > 4294967295 then return nil, ("rate %s is above tbf's limit of 34gbit"):format(show(v)) end
  return r
end

-- "32kb", "1500b" or an integer -> bytes, or nil, message.
function M.size(v, what)
  if math.type(v) == "integer" then
    if v < 0 or v > 2147483647 then return nil, ("%s %d is out of range"):format(what, v) end
    return v
  end
  local n, u = number_unit(v)
  local scale = n and SIZE[u == "" and "b" or u]
  if not scale then
    return nil, ("bad %s %s (bytes, like 32kb, 1mb or 1600)"):format(what, show(v))
  end
  local b = math.floor(n * scale + 0.5)
  if b > 2147483647 then return nil, ("%s %s is too large"):format(what, show(v)) end
  return b
end

-- "20ms", "1.5s", "300us" -> microseconds, or nil, message.
function M.time(v, what)
  local n, u = number_unit(v)
  local scale = u and TIME[u]
  if not n or not scale then
    return nil, ("bad %s %s (a time with its unit, like \"20ms\", \"1s\" or \"300us\")"):format(what, show(v))
  end
  local us = math.floor(n * scale + 0.5)
  if us > 2147483647 then return nil, ("%s %s is too long"):format(what, show(v)) end
  return us
end

-- "1%" -> the kernel's probability (2^32 - 1 is 100 %), or nil, message.
function M.percent(v, what)
  local m = type(v) == "string" and v:match("^%s*(%d*%.?%d+)%s*%%%s*$")
  local n = m and tonumber(m)
  if not n or n > 100 then
    return nil, ("bad %s %s (a percentage from \"0%%\" to \"100%%\", like \"1%%\" or \"0.5%%\")"):format(what, show(v))
  end
  return math.floor(n / 100 * 4294967295 + 0.5)
end

M.KEYS = { "rate", "burst", "latency", "limit", "delay", "jitter", "loss", "duplicate" }
local KNOWN = util.set(M.KEYS)
local NETEM = { "delay", "jitter", "loss", "duplicate" }

-- Validate shaping options; returns { kernel = {...} in base units,
-- netem = {"delay", ...} as asked } or nil, message. Defaults: burst the
-- larger of 16kb and 10 ms at the rate, latency 50ms (tc-tbf(8)'s terms).
function M.parse(opts)
  if type(opts) ~= "table" then
    return nil, "shape: give the shaping as a table, like {rate = \"10mbit\"} or {delay = \"20ms\"}"
  end
  for k in pairs(opts) do
    if not KNOWN[k] then
      return nil, ("shape: unknown option '%s' (known: %s)"):format(tostring(k), table.concat(M.KEYS, ", "))
    end
  end
  local k, e = {}, nil
  local netem = {}
  for _, key in ipairs(NETEM) do
    if opts[key] ~= nil then netem[#netem + 1] = key end
  end
  if opts.rate == nil then
    for _, key in ipairs { "burst", "latency", "limit" } do
      if opts[key] ~= nil then return nil, ("shape: %s= goes with rate="):format(key) end
    end
  end
  if opts.rate == nil and #netem == 0 then
    return nil, "shape: give rate=, delay=, jitter=, loss= or duplicate= (unshape removes shaping)"
  end
  if opts.rate ~= nil then
    k.rate, e = M.rate(opts.rate)
    if not k.rate then return nil, e end
    if opts.burst ~= nil then
      k.burst, e = M.size(opts.burst, "burst")
      if not k.burst then return nil, e end
      if k.burst < 1600 then
        return nil, ("burst %s is smaller than one full-size frame; use at least 1600 bytes"):format(show(opts.burst))
      end
    else
      k.burst = math.max(1600, math.min(math.max(16384, k.rate // 100), k.rate * 100))
    end
    -- the kernel keeps the bucket as the time to send it, in 32 bits
    if k.burst / k.rate > 100 then
      return nil, ("burst of %d bytes takes more than 100 s at rate %s; give a higher rate or a smaller burst")
        :format(k.burst, show(opts.rate))
    end
    if opts.limit ~= nil and opts.latency ~= nil then
      return nil, "shape: give latency= or limit=, not both"
    end
    if opts.limit ~= nil then
      k.limit, e = M.size(opts.limit, "limit")
      if not k.limit then return nil, e end
      if k.limit < 1600 then
        return nil, ("limit %s is smaller than one full-size frame; use at least 1600 bytes"):format(show(opts.limit))
      end
    else
      k.latency, e = M.time(opts.latency or "50ms", "latency")
      if not k.latency then return nil, e end
    end
  end
  if opts.jitter ~= nil and opts.delay == nil then
    return nil, "shape: jitter= varies a delay; give delay= too"
  end
  for _, key in ipairs { "delay", "jitter" } do
    if opts[key] ~= nil then
      k[key], e = M.time(opts[key], key)
      if not k[key] then return nil, e end
    end
  end
  for _, key in ipairs { "loss", "duplicate" } do
    if opts[key] ~= nil then
      k[key], e = M.percent(opts[key], key)
      if not k[key] then return nil, e end
    end
  end
  return { kernel = k, netem = netem }
end

-- The one line for a kernel without sch_netem, naming what was asked.
function M.netem_missing(netem)
  return ("%s need%s the kernel's netem qdisc (sch_netem), which this kernel does not have")
    :format(table.concat(netem, "/"), #netem == 1 and "s" or "")
end

-- Apply parsed shaping to interface ifindex of ns; nil, message on failure.
function M.apply(ns, ifindex, ifname, spec)
  local ok, err, code, failed = ns:shape_set(ifindex, ifname, spec.kernel)
  if ok then return true end
  if failed == "netem" and (code == ENOENT or code == EOPNOTSUPP) then
    return nil, M.netem_missing(spec.netem)
  end
  return nil, err
end

local function fmt_rate(bytes)
  local bits = bytes * 8
  for _, u in ipairs { { 1e9, "gbit" }, { 1e6, "mbit" }, { 1e3, "kbit" } } do
    if bits >= u[1] then return ("%.4g%s"):format(bits / u[1], u[2]) end
  end
  return ("%dbit"):format(bits)
end

local function fmt_size(b)
  if b >= 1024 * 1024 then return ("%.4gmb"):format(b / (1024 * 1024)) end
  if b >= 1024 then return ("%.4gkb"):format(b / 1024) end
  return ("%db"):format(b)
end

local function fmt_time(us)
  if us >= 1e6 then return ("%.4gs"):format(us / 1e6) end
  if us >= 1e3 then return ("%.4gms"):format(us / 1e3) end
  return ("%dus"):format(us)
end

local function fmt_pct(p) return ("%.4g%%"):format(p / 4294967295 * 100) end

-- What the kernel holds for ifindex, read back: nil when not shaped, else
-- { kind=, rate= (bit/s), burst=, limit= (bytes), delay=, jitter= (s),
--   loss=, duplicate= (%), text = "rate 10mbit burst 16kb limit 77.5kb" }.
function M.read(ns, ifindex, ifname)
  local t, err = ns:shape_get(ifindex, ifname)
  if t == nil then return nil, err end
  if not t then return false end
  local words = {}
  local out = { kind = t.kind }
  if t.kind ~= "tbf" and t.kind ~= "netem" then
    out.text = ("qdisc %s (not made by nslab)"):format(t.kind)
    return out
  end
  if t.delay then
    out.delay = t.delay / 1e6
    words[#words + 1] = "delay " .. fmt_time(t.delay)
    if t.jitter then
      out.jitter = t.jitter / 1e6
      words[#words + 1] = "jitter " .. fmt_time(t.jitter)
    end
  end
  if t.loss then
    out.loss = t.loss / 4294967295 * 100
    words[#words + 1] = "loss " .. fmt_pct(t.loss)
  end
  if t.duplicate then
    out.duplicate = t.duplicate / 4294967295 * 100
    words[#words + 1] = "duplicate " .. fmt_pct(t.duplicate)
  end
  if t.rate then
    out.rate, out.burst, out.limit = t.rate * 8, t.burst, t.limit
    words[#words + 1] = "rate " .. fmt_rate(t.rate)
    if t.burst then words[#words + 1] = "burst " .. fmt_size(t.burst) end
    if t.limit then words[#words + 1] = "limit " .. fmt_size(t.limit) end
  end
  out.text = table.concat(words, " ")
  return out
end

---- methods ----------------------------------------------------------------

local function live(node)
  if node.removed then
    raise(("node \"%s\" was removed from lab \"%s\""):format(node.name, node.lab.name))
  end
  if node.lab.closed then raise(("lab \"%s\" is already down"):format(node.lab.name)) end
end

-- Which end of a link x names: a node or switch, or its name.
local function link_end(link, x)
  local found
  for _, e in ipairs { link.a, link.b } do
    local hit
    if type(x) == "table" then
      hit = x == e.sw or (x == e.node and not e.sw)
    elseif type(x) == "string" then
      hit = (e.sw and e.sw.name == x) or (not e.sw and e.node.name == x)
    end
    if hit then
      if found then raise(("both ends of %s are %s; name the switch"):format(tostring(link), tostring(x))) end
      found = e
    end
  end
  if not found then
    raise(("%s has no end at %s"):format(tostring(link), type(x) == "table" and (x.name or tostring(x)) or show(x)))
  end
  return found
end

function M.install(Node)
  -- node:shape(ifname, {rate=, burst=, latency=, limit=, delay=, jitter=,
  -- loss=, duplicate=}): shape what leaves the node through ifname; a new
  -- shape replaces the old one.
  function Node:shape(ifname, opts)
    local spec, err = M.parse(opts)
    if not spec then raise(err) end
    live(self)
    local i = self:iface(ifname)
    local ok
    ok, err = M.apply(self.ns, i.index, i.name, spec)
    if not ok then raise(err) end
    return self
  end

  -- node:unshape(ifname): back to the interface's default qdisc.
  function Node:unshape(ifname)
    live(self)
    local i = self:iface(ifname)
    local ok, err = self.ns:shape_clear(i.index, i.name)
    if not ok then raise(err) end
    return self
  end

  -- node:shaping(ifname) -> what the kernel holds (see M.read), or nil.
  function Node:shaping(ifname)
    live(self)
    local i = self:iface(ifname)
    local t, err = M.read(self.ns, i.index, i.name)
    if t == nil then raise(err) end
    return t or nil
  end

  local Link = require "nslab.link"

  -- link:shape(opts) shapes both ends (each direction); link:shape(end,
  -- opts) only what leaves through the end at node (or switch) `end`.
  function Link:shape(x, opts)
    local ends
    if opts == nil then
      ends, opts = { self.a, self.b }, x
    else
      ends = { link_end(self, x) }
    end
    local spec, err = M.parse(opts)
    if not spec then raise(err) end
    for n, e in ipairs(ends) do
      live(e.node)
      local i = e.node:iface(e.ifname)
      local ok, aerr = M.apply(e.node.ns, i.index, i.name, spec)
      if not ok then
        -- all or nothing: the first end goes back to unshaped
        if n == 2 then ends[1].node.ns:shape_clear(ends[1].node:iface(ends[1].ifname).index, ends[1].ifname) end
        raise(aerr)
      end
    end
    return self
  end

  -- link:unshape([end]): remove shaping from both ends, or one.
  function Link:unshape(x)
    local ends = x == nil and { self.a, self.b } or { link_end(self, x) }
    for _, e in ipairs(ends) do e.node:unshape(e.ifname) end
    return self
  end
end

return M
