-- nslab.expect — assertions about a lab, made from real state and real
-- packets: reachability (ping or a TCP connection), the route the kernel
-- would choose (`ip -j route get` inside the node, an observation), an
-- address present (netlink), NAT seen from the far side (a server there
-- echoes the source address it saw), and eventually() with a timeout
-- message that says what was awaited.
--
-- The functions of this module observe and return `ok, found, expected`
-- and never raise on a failed expectation. The lab methods installed by
-- M.install (lab:check, lab:expect_reach, ...) record every result on the
-- lab, with the lab-file line, so `nslab test` can report them; run by
-- `nslab run` a failed one ends the script with that line.
local core = require "nslab.core"
local util = require "nslab.util"
local json = require "nslab.json"

local raise = util.raise

local M = {}

---- targets --------------------------------------------------------------------

local function is_node(x) return type(x) == "table" and x.is_node end
local function is_switch(x) return type(x) == "table" and x.is_switch end

local function family_of(addr)
  local c = core.cidr(addr)
  return c and c.family
end

local function node_of(lab, x, what)
  if is_node(x) then return x end
  if is_switch(x) then return x.node end
  if lab and type(x) == "string" and not core.cidr(x) then
    local o = lab:get(x)
    return o.is_switch and o.node or o
  end
  if what then
    raise(("%s must be a node%s, got %s"):format(what, lab and " or a node name" or "", tostring(x)))
  end
end

local function usable(a)
  return not (a.family == 6 and a.addr:lower():match("^fe80:"))
end

-- The address `from` would use to reach `to` (a node, a node name or an
-- address): the one on a network they share, else the first of the
-- family. Returns address, label ("server (10.0.2.2)").
local function target(from, to, family)
  if type(to) == "string" and core.cidr(to) then
    local c = core.cidr(to)
    if c.prefix then raise(("target \"%s\" must be an address without a prefix"):format(to)) end
    return c.addr, c.addr
  end
  local node = node_of(from.lab, to)
  if not node then
    raise(("bad target %s (expected a node, a node name or an address)"):format(tostring(to)))
  end
  local candidates = node:addrs(family)
  for _, mine in ipairs(from:addrs(family)) do
    for _, a in ipairs(candidates) do
      if a.family == mine.family and a.network == mine.network and usable(a) then
        return a.addr, ("%s (%s)"):format(node.name, a.addr)
      end
    end
  end
  for _, a in ipairs(candidates) do
    if usable(a) and (family or a.family == 4) then return a.addr, ("%s (%s)"):format(node.name, a.addr) end
  end
  for _, a in ipairs(candidates) do
    if usable(a) then return a.addr, ("%s (%s)"):format(node.name, a.addr) end
  end
  raise(("node \"%s\" has no %saddress to reach"):format(node.name,
    family and ("IPv" .. family .. " ") or ""))
end
M.target = target

local function first_line(s)
  return (s or ""):match("[^\n]*%S[^\n]*") or ""
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- ping's summary line, e.g. "1 packets transmitted, 0 received, 100% packet loss"
local function ping_summary(r)
  local s = r.out:match("(%d+ packets transmitted[^\n]*)")
  if s then return trim(s) end
  local e = first_line(r.err)
  if e ~= "" then return e end
  return ("ping exited with status %d"):format(r.status)
end

local function check_family(f)
  if f ~= nil and f ~= 4 and f ~= 6 then raise(("family must be 4 or 6, got %s"):format(tostring(f))) end
  return f
end

---- reachability ---------------------------------------------------------------

local REACH_OPTS = util.set { "family", "port", "timeout", "desc", "count" }

-- Try once: ping, or a TCP connection when port is given.
local function try_reach(from, addr, port, wait)
  if port then
    local ok, out, r = from:connect(addr, port, { timeout = wait })
    if ok then return true, ("TCP connection to %s port %d established"):format(addr, port) end
    local e = first_line(r.err)
    if r.timed_out or e == "" then e = ("no connection within %g s"):format(wait) end
    return false, e:gsub("^%d+/%d+/%d+ %d+:%d+:%d+ socat%[%d+%] %u ", "")
  end
  local r = from:exec({ "ping", "-n", "-q", "-c", "1", "-W", tostring(math.max(1, math.ceil(wait))), addr },
    { timeout = wait + 5 })
  if r.ok then return true, ping_summary(r) end
  return false, ping_summary(r)
end

-- expect.reach(from, to [, {family=, port=, timeout=5}]) -> ok, found, expected
-- Polls until `from` gets a reply from `to` (or a TCP connection to port)
-- or timeout seconds pass.
function M.reach(from, to, opts)
  opts = util.check_opts(opts, REACH_OPTS, "expect reach")
  from = node_of(nil, from, "reach: the first argument")
  local family = check_family(opts.family)
  local addr, label = target(from, to, family)
  if family and family_of(addr) ~= family then
    raise(("target %s is not an IPv%d address"):format(addr, family))
  end
  if opts.port ~= nil then util.check_int(opts.port, 1, 65535, "port") end
  local timeout = opts.timeout or 5
  local how = opts.port and ("TCP port %d"):format(opts.port) or ("ping" .. (family_of(addr) == 6 and " (IPv6)" or ""))
  local expected = ("%s reaches %s by %s"):format(from.name, label, how)
  local found
  local ok = util.eventually(function()
    local good
    good, found = try_reach(from, addr, opts.port, math.min(1, timeout))
    return good
  end, { timeout = timeout, interval = 0.05 })
  return ok and true or false, found, expected
end

-- expect.no_reach(from, to [, opts]) -> ok, found, expected: one attempt
-- (timeout 1 s by default) that must get no reply.
function M.no_reach(from, to, opts)
  opts = util.check_opts(opts, REACH_OPTS, "expect no_reach")
  from = node_of(nil, from, "no_reach: the first argument")
  local family = check_family(opts.family)
  local addr, label = target(from, to, family)
  if opts.port ~= nil then util.check_int(opts.port, 1, 65535, "port") end
  local wait = opts.timeout or 1
  local good, found = try_reach(from, addr, opts.port, wait)
  local how = opts.port and ("TCP port %d"):format(opts.port) or "ping"
  return not good, found, ("%s does not reach %s by %s"):format(from.name, label, how)
end

---- routes ---------------------------------------------------------------------

local ROUTE_OPTS = util.set { "via", "dev", "desc", "family" }

local function describe_route(e)
  if e.type and e.type ~= "unicast" then
    return ("%s route (%s)"):format(e.type, e.dst or "?")
  end
  local parts = {}
  parts[#parts + 1] = e.gateway and ("via " .. e.gateway) or "directly connected"
  if e.dev then parts[#parts + 1] = "dev " .. e.dev end
  if e.prefsrc then parts[#parts + 1] = "src " .. e.prefsrc end
  return table.concat(parts, " ")
end

-- expect.route_get(node, addr) -> {gateway=, dev=, prefsrc=, type=} as
-- the kernel chooses it, or nil, reason.
function M.route_get(node, addr)
  local r = node:exec({ "ip", "-j", "route", "get", addr }, { timeout = 5 })
  if not r.ok then
    local e = first_line(r.err)
    return nil, e ~= "" and e:gsub("^RTNETLINK answers: ", "") or ("ip route get exited with status " .. r.status)
  end
  local list, jerr = json.decode(r.out)
  if type(list) ~= "table" or not list[1] then
    return nil, "cannot read `ip -j route get`: " .. tostring(jerr or r.out)
  end
  return list[1]
end

-- expect.route(node, dst [, {via=ADDR|node|false, dev=IFNAME}]) -> ok, found, expected
-- dst: an address, a prefix (its first address is looked up) or a node.
-- via=false expects a directly connected route.
function M.route(node, dst, opts)
  opts = util.check_opts(opts, ROUTE_OPTS, "expect route")
  node = node_of(nil, node, "route: the first argument")
  local family = check_family(opts.family)
  local addr, label
  if type(dst) == "string" and core.cidr(dst) then
    local c = core.cidr(dst)
    addr, label = c.addr, dst
  else
    addr, label = target(node, dst, family)
  end
  local via, via_label = opts.via, nil
  if via ~= nil and via ~= false then
    if is_node(via) or is_switch(via) or (type(via) == "string" and not core.cidr(via)) then
      local vn = node_of(node.lab, via)
      via = vn:ip_towards(node)
      if not via then
        raise(("route check: node \"%s\" shares no network with \"%s\""):format(vn.name, node.name))
      end
      via_label = ("%s (%s)"):format(vn.name, via)
    else
      local c = util.check_cidr(via, false, "via")
      via, via_label = c.addr, c.addr
    end
  end
  if opts.dev ~= nil then util.check_ifname(opts.dev) end
  local want = {}
  if via == false then want[#want + 1] = "directly connected"
  elseif via then want[#want + 1] = "via " .. via_label end
  if opts.dev then want[#want + 1] = "dev " .. opts.dev end
  local expected = ("%s routes %s %s"):format(node.name, label,
    #want > 0 and table.concat(want, " ") or "somewhere")
  local e, why = M.route_get(node, addr)
  if not e then return false, "no route: " .. why, expected end
  local found = describe_route(e)
  local ok = (e.type == nil or e.type == "unicast")
  if via == false then ok = ok and e.gateway == nil
  elseif via then ok = ok and e.gateway == via end
  if opts.dev then ok = ok and e.dev == opts.dev end
  return ok, found, expected
end

---- addresses ------------------------------------------------------------------

-- expect.addr(node, "10.0.0.1/24" [, {iface=}]) -> ok, found, expected:
-- the kernel (netlink) holds that address, on iface if given.
function M.addr(node, cidr, opts)
  opts = util.check_opts(opts, util.set { "iface", "desc" }, "expect addr")
  node = node_of(nil, node, "addr: the first argument")
  local want = util.check_cidr(cidr, false, "address")
  if opts.iface ~= nil then util.check_ifname(opts.iface) end
  local expected = ("%s has %s%s"):format(node.name, cidr, opts.iface and (" on " .. opts.iface) or "")
  local links, lerr = node.ns:links()
  if not links then return false, "cannot list interfaces: " .. tostring(lerr), expected end
  local addrs, aerr = node.ns:addresses()
  if not addrs then return false, "cannot list addresses: " .. tostring(aerr), expected end
  local names = {}
  for _, l in ipairs(links) do names[l.index] = l.name end
  local have = {}
  for _, a in ipairs(addrs) do
    local c = core.cidr(a.cidr)
    local dev = names[a.ifindex] or ("#" .. a.ifindex)
    if c and c.addr == want.addr and (not want.prefix or c.prefix == want.prefix) and
       (not opts.iface or dev == opts.iface) then
      return true, ("%s on %s"):format(a.cidr, dev), expected
    end
    if not (c and c.family == 6 and c.addr:match("^fe80")) and dev ~= "lo" then
      have[#have + 1] = ("%s on %s"):format(a.cidr, dev)
    end
  end
  return false, #have > 0 and ("it has " .. table.concat(have, ", ")) or "it has no addresses", expected
end

---- NAT ------------------------------------------------------------------------

local next_port = 47100

-- A TCP server in `node` that answers each connection with the address
-- it saw the connection come from (socat's $SOCAT_PEERADDR).
function M.echo_server(node, port, family)
  local listen = (family == 6 and "TCP6-LISTEN:%d,reuseaddr,fork" or "TCP-LISTEN:%d,reuseaddr,fork"):format(port)
  return node:spawn({ "socat", listen, "SYSTEM:echo $SOCAT_PEERADDR" })
end

-- expect.nat(from, to [, {as=ADDR|node, port=, timeout=5}]) -> ok, found, expected
-- `to` (a node) runs a server that reports the source address it sees;
-- from connects. With as=, that address must be what `to` sees (as= a
-- node: its address towards `to`); without, any address that is none
-- of from's own.
function M.nat(from, to, opts)
  opts = util.check_opts(opts, util.set { "as", "port", "timeout", "desc", "family" }, "expect nat")
  from = node_of(nil, from, "nat: the first argument")
  local tonode = node_of(from.lab, to, "nat: the far side")
  local family = check_family(opts.family)
  local addr, label = target(from, to, family)
  local port = opts.port
  if port == nil then
    port = next_port
    next_port = next_port + 1
  else
    util.check_int(port, 1, 65535, "port")
  end
  local as, as_label = opts.as, nil
  if as ~= nil then
    if is_node(as) or is_switch(as) or (type(as) == "string" and not core.cidr(as)) then
      local an = node_of(from.lab, as)
      as = an:ip_towards(tonode)
      if not as then
        raise(("nat check: node \"%s\" shares no network with \"%s\""):format(an.name, tonode.name))
      end
      as_label = ("%s (%s)"):format(an.name, as)
    else
      as = util.check_cidr(as, false, "as").addr
      as_label = as
    end
  end
  local expected = as and ("%s sees %s's connections coming from %s"):format(tonode.name, from.name, as_label)
    or ("%s sees %s's connections from a translated address"):format(tonode.name, from.name)
  local srv = M.echo_server(tonode, port, family_of(addr))
  local seen, why
  local ok, err = pcall(function()
    seen = util.eventually(function()
      local good, out, r = from:connect(addr, port, { timeout = 1 })
      if good then
        local s = out:match("%S+")
        if s then return (s:gsub("^%[(.*)%]$", "%1"):gsub("^::ffff:", "")) end
      end
      why = first_line(r and r.err)
      return nil
    end, { timeout = opts.timeout or 5, interval = 0.05 })
  end)
  srv:stop()
  if not ok then error(err, 0) end
  if not seen then
    return false, ("no answer from %s port %d%s"):format(label, port, why and why ~= "" and (": " .. why) or ""), expected
  end
  local found = ("%s saw %s"):format(tonode.name, seen)
  if as then return seen == as, found, expected end
  for _, a in ipairs(from:addrs()) do
    if a.addr == seen then return false, found .. " (not translated: that is " .. from.name .. "'s own)", expected end
  end
  return true, found, expected
end

---- waiting --------------------------------------------------------------------

-- expect.eventually(fn [, {timeout=5, interval=, what=}]) -> fn's value:
-- polls fn until it returns a truthy value; on timeout raises, at the
-- lab-file line, "timed out after 5 s waiting for WHAT (last: DETAIL)"
-- where DETAIL is fn's second result on its last try.
function M.eventually(fn, opts)
  if type(fn) ~= "function" then raise("eventually needs a function to poll") end
  opts = util.check_opts(opts, util.set { "timeout", "interval", "what" }, "eventually")
  local timeout = opts.timeout or 5
  if type(timeout) ~= "number" or timeout <= 0 then raise("eventually: timeout must be a positive number of seconds") end
  local v, detail = util.eventually(fn, { timeout = timeout, interval = opts.interval })
  if v then return v end
  raise(("timed out after %g s waiting for %s%s"):format(timeout, opts.what or "the condition to hold",
    detail ~= nil and (" (last: " .. tostring(detail) .. ")") or ""))
end

---- recording checks on a lab ---------------------------------------------------

-- What happens to a check result. nslab test sets M.reporter (and
-- failures then do not stop the script); an exercise being checked
-- collects into its own list.
M.reporter = nil

local function fmt_detail(res)
  if res.expected or res.found then
    local t = {}
    if res.expected then t[#t + 1] = "expected " .. res.expected end
    if res.found then t[#t + 1] = "found " .. res.found end
    return table.concat(t, "; ")
  end
  return res.detail
end
M.fmt_detail = fmt_detail

local function record(lab, res)
  if lab.listeners then lab:_emit("check", res) end
  local now = lab.core.clock()
  res.where = res.where or util.where():gsub(": $", "")
  res.time = now - (lab._last_check_at or lab._started_at or now)
  lab._last_check_at = now
  if lab._sink then
    lab._sink[#lab._sink + 1] = res
    return res.ok
  end
  lab._checks[#lab._checks + 1] = res
  res.lab = lab
  if M.reporter then
    M.reporter(res)
    return res.ok
  end
  if res.ok then
    io.stdout:write("ok - ", res.desc, "\n")
    io.stdout:flush()
    return true
  end
  local d = fmt_detail(res)
  error(("%scheck failed: %s%s"):format(res.where ~= "" and (res.where .. ": ") or "", res.desc,
    d and d ~= "" and (" (" .. tostring(d) .. ")") or ""), 0)
end

-- expect.record(lab, {desc=, ok=, found=, expected= | detail=}) -> ok:
-- record a check made elsewhere (nslab.converge) as the lab's own.
M.record = record

-- The lab methods (a lab starts with _checks, _exercises and
-- _started_at: nslab.lab).
function M.install(Lab)
  -- lab:check(description, ok [, detail]) records a check; run by `nslab
  -- run` it prints `ok - description` or ends the script with
  -- FILE:LINE: check failed: description (detail).
  function Lab:check(desc, ok, detail)
    if type(desc) ~= "string" then raise("check needs a description string first") end
    return record(self, { desc = desc, ok = not not ok,
      detail = detail ~= nil and tostring(detail) or nil })
  end

  local function expecting(fn, default_desc)
    return function(self, first, ...)
      local args = table.pack(...)
      local opts = args[args.n] -- last table argument may carry desc=
      local desc = type(opts) == "table" and not opts.is_node and not opts.is_switch and opts.desc or nil
      local ok, found, expected = fn(node_of(self, first, "the first argument"), ...)
      return record(self, { desc = desc or expected or default_desc, ok = ok, found = found,
        expected = expected })
    end
  end

  -- lab:expect_reach(a, b [, opts]) and friends: the module's functions,
  -- recorded as checks (opts.desc replaces the generated description).
  Lab.expect_reach = expecting(M.reach)
  Lab.expect_no_reach = expecting(M.no_reach)
  Lab.expect_route = expecting(M.route)
  Lab.expect_addr = expecting(M.addr)
  Lab.expect_nat = expecting(M.nat)

  -- lab:eventually(fn [, {timeout=, interval=}]) -> fn's value once
  -- truthy, or nil, fn's last detail after timeout (never raises; for a
  -- timeout that fails loudly use lab:expect_eventually or nslab.expect).
  function Lab:eventually(fn, opts)
    return util.eventually(fn, opts, self.core)
  end

  -- lab:expect_eventually(desc, fn [, {timeout=}]) -> fn's value; a check
  -- that passes once fn returns a truthy value within the timeout.
  function Lab:expect_eventually(desc, fn, opts)
    opts = util.check_opts(opts, util.set { "timeout", "interval" }, "expect_eventually")
    local timeout = opts.timeout or 5
    local v, detail = util.eventually(fn, { timeout = timeout, interval = opts.interval }, self.core)
    record(self, { desc = desc, ok = not not v,
      found = not v and (("still false after %g s%s"):format(timeout,
        detail ~= nil and (" (last: " .. tostring(detail) .. ")") or "")) or nil })
    return v
  end

  -- lab:checks() -> the checks recorded so far: {desc=, ok=, where=,
  -- detail= | expected=, found=, time=}
  function Lab:checks() return self._checks end

  -- lab:exercise{goal=, hint=, check=fn [, solution=fn]}: a task for a
  -- student. check returns true/false [, detail] or makes lab:check /
  -- lab:expect_* calls; solution (optional) is what a teacher's `nslab
  -- test` applies to prove the exercise can be solved.
  local EX_OPTS = util.set { "goal", "hint", "check", "solution", "name" }
  function Lab:exercise(ex)
    ex = util.check_opts(ex, EX_OPTS, "exercise")
    if type(ex.goal) ~= "string" or ex.goal == "" then raise("exercise needs goal= (what the student must achieve)") end
    if type(ex.check) ~= "function" then raise("exercise needs check= (a function that tells whether the goal is met)") end
    if ex.hint ~= nil and type(ex.hint) ~= "string" then raise("exercise hint= must be a string") end
    if ex.solution ~= nil and type(ex.solution) ~= "function" then raise("exercise solution= must be a function") end
    local e = { n = #self._exercises + 1, goal = ex.goal, hint = ex.hint, check = ex.check,
                solution = ex.solution, name = ex.name, where = util.where():gsub(": $", "") }
    self._exercises[#self._exercises + 1] = e
    if not M.reporter and not self._quiet then
      io.stdout:write(("exercise %d: %s\n"):format(e.n, e.goal))
      io.stdout:flush()
    end
    return e
  end

  function Lab:exercises() return self._exercises end

  -- lab:run_exercise(e) -> {ok=, found=, checks={...}, error=}: run one
  -- exercise's check, collecting the checks it makes.
  function Lab:run_exercise(e)
    local saved = self._sink
    local sink = {}
    self._sink = sink
    local ok, ret, detail = pcall(e.check, self)
    self._sink = saved
    local res = { exercise = e, checks = sink }
    if not ok then
      res.ok, res.error = false, tostring(ret)
      res.found = res.error
      return res
    end
    local all = true
    local failed = {}
    for _, c in ipairs(sink) do
      if not c.ok then
        all = false
        if c.expected or c.found then
          failed[#failed + 1] = ("expected %s, found %s"):format(c.expected or c.desc, c.found or "otherwise")
        else
          failed[#failed + 1] = c.desc .. (c.detail and (": " .. c.detail) or "")
        end
      end
    end
    if #sink > 0 then
      res.ok = all and ret ~= false
    else
      res.ok = not not ret
    end
    if not res.ok then
      res.failed = failed
      res.found = #failed > 0 and table.concat(failed, "; ") or (detail ~= nil and tostring(detail)) or "not yet"
    end
    return res
  end

  -- lab:check_exercises() -> passed, total, results; prints which
  -- exercises pass and the hints for those that do not.
  function Lab:check_exercises(out)
    out = out or io.stdout
    local results, passed = {}, 0
    for _, e in ipairs(self._exercises) do
      local r = self:run_exercise(e)
      results[#results + 1] = r
      if r.ok then passed = passed + 1 end
    end
    M.print_exercises(self, results, out)
    return passed, #results, results
  end
end

-- The student's report: each exercise, pass or not yet, hints for those
-- that do not pass.
function M.print_exercises(lab, results, out)
  local passed = 0
  for _, r in ipairs(results) do if r.ok then passed = passed + 1 end end
  out:write(("lab %s: %d of %d exercise%s pass%s\n"):format(lab.name, passed, #results,
    #results == 1 and "" or "s", #results == 1 and "es" or ""))
  for _, r in ipairs(results) do
    local e = r.exercise
    out:write(("%-8s %d. %s\n"):format(r.ok and "pass" or "not yet", e.n, e.goal))
    if not r.ok then
      if e.hint then out:write(("         hint: %s\n"):format(e.hint)) end
      if r.failed and #r.failed > 0 then
        for _, f in ipairs(r.failed) do out:write(("         %s\n"):format(f)) end
      elseif r.found then
        out:write(("         found: %s\n"):format(r.found))
      end
    end
  end
  if #results > 0 and passed == #results then out:write("all exercises pass - well done\n") end
  out:flush()
end

return M
