-- nslab.repl.links — REPL verbs on links: shape, unshape, link, capture.
-- nslab.repl calls this with its verb() registrar; each verb is a thin
-- line-oriented face on the Lua methods (node:shape, node:set, node:capture),
-- which the REPL's Lua lines reach directly too.
-- "NODE:IFACE" -> node, ifname (raises with the verb's name).
local function endpoint(self, verb, spec)
  local node, ifname = (spec or ""):match("^([^:]+):(.+)$")
  if not node then
    error(("%s: give NODE:IFACE, like %s:eth0"):format(verb, self:node_names()[1] or "client"), 0)
  end
  return self:node(node, verb), ifname
end

-- Run fn, turning a lab-line error into the verb's own one line.
local function try(verb, fn, ...)
  local ok, e = pcall(fn, ...)
  if not ok then error(verb .. ": " .. tostring(e):gsub("^[^:]*:%d+: ", ""), 0) end
  return e
end

return function(verb, out)
  verb("shape", "NODE:IFACE [KEY=VALUE...]", "shape what leaves an interface (rate, delay, loss), or show it", [[
With settings, replaces the shaping of what leaves IFACE of NODE and shows
what the kernel now holds; without, only shows it. Keys, as tc's:
rate=10mbit burst=32kb latency=50ms limit=64kb (tbf), delay=20ms jitter=5ms
loss=1% duplicate=1% (netem). `unshape NODE:IFACE` removes it; in Lua:
node:shape(ifname, {rate="10mbit"}), link:shape{...} for both ends.]],
  function(self, a)
    local n, ifname = endpoint(self, "shape", a[1])
    if a[2] then
      local opts = {}
      for k = 2, #a do
        local key, value = a[k]:match("^([%a_]+)=(.*)$")
        if not key then error(("shape: \"%s\" is not KEY=VALUE (like rate=10mbit)"):format(a[k]), 0) end
        opts[key] = value
      end
      try("shape", n.shape, n, ifname, opts)
    end
    local t = try("shape", n.shaping, n, ifname)
    out(("%s:%s: %s\n"):format(n.name, ifname, t and t.text or "not shaped"))
  end)

  verb("unshape", "NODE:IFACE", "remove the shaping of an interface", [[
The interface gets its default queue back: no rate limit, no delay.]],
  function(self, a)
    local n, ifname = endpoint(self, "unshape", a[1])
    try("unshape", n.unshape, n, ifname)
    out(("%s:%s: not shaped\n"):format(n.name, ifname))
  end)

  verb("link", "NODE NODE up|down | NODE:IFACE up|down", "take a link (or one end) down, or bring it up", [[
`link client router down` sets both ends of the link between the two nodes
down, as pulling the cable; `link client:eth0 down` one interface (its peer
loses carrier, so the link is cut both ways). `up` brings it back, with the
IPv6 addresses and routes the kernel dropped while it was down.]],
  function(self, a)
    local state = a[#a]
    if state ~= "up" and state ~= "down" then
      error("link: say up or down, like `link client router down`", 0)
    end
    if #a == 2 then
      local n, ifname = endpoint(self, "link", a[1])
      try("link", n.set, n, ifname, { up = state == "up" })
      out(("%s:%s: %s\n"):format(n.name, ifname, state))
      return
    end
    if #a ~= 3 then error("link: `link NODE NODE up|down` or `link NODE:IFACE up|down`", 0) end
    local x, y = self:node(a[1], "link"), self:node(a[2], "link")
    local found = {}
    for _, l in ipairs(self.lab.links) do
      if (l.a.node == x and l.b.node == y) or (l.a.node == y and l.b.node == x) then
        found[#found + 1] = l
      end
    end
    if #found == 0 then error(("link: no link between %s and %s"):format(x.name, y.name), 0) end
    for _, l in ipairs(found) do
      try("link", l.set, l, { up = state == "up" })
      out(("%s:%s <-> %s:%s: %s\n"):format(l.a.node.name, l.a.ifname, l.b.node.name, l.b.ifname, state))
    end
  end)

  verb("capture", "NODE:IFACE FILE [FILTER...] | stop [N]", "capture packets into a pcap file, in the background", [[
`capture router:eth1 r.pcap icmp` starts writing what crosses the interface
(a pcap-filter(7) expression may follow) to r.pcap, readable by tcpdump -r
and Wireshark, and returns at once; the capture runs until `capture stop`
(all) or `capture stop N`, or until the lab goes down. `capture` alone lists
them with the packets written so far. In Lua: node:capture(ifname,
{file=, filter=, count=}) returns a capture with :stop().]],
  function(self, a)
    self.captures = self.captures or { n = 0 }
    local caps = self.captures
    if not a[1] or a[1] == "stop" then
      local stop, which = a[1] == "stop", nil
      if a[2] then
        which = math.tointeger(tonumber(a[2]))
        if not which or not caps[which] then error(("capture: no capture %s"):format(a[2]), 0) end
      end
      local ids = {}
      for k in pairs(caps) do
        if k ~= "n" then ids[#ids + 1] = k end
      end
      table.sort(ids)
      if #ids == 0 then out("(no captures)\n") return end
      for _, k in ipairs(ids) do
        if not which or which == k then
          local c = caps[k]
          local cnt = stop and c:stop() or c:packets()
          out(("%d  %s:%s -> %s  %d packet%s%s\n"):format(k, c.node.name, c.ifname, c.file, cnt,
            cnt == 1 and "" or "s", (stop or not c:running()) and " (ended)" or ""))
          if stop then caps[k] = nil end
        end
      end
      return
    end
    local n, ifname = endpoint(self, "capture", a[1])
    if not a[2] then error("capture: give the file to write, like `capture router:eth1 r.pcap`", 0) end
    local filter = #a > 2 and table.concat(a, " ", 3) or nil
    local c = try("capture", n.capture, n, ifname, { file = a[2], filter = filter })
    caps.n = caps.n + 1
    caps[caps.n] = c
    out(("%d  capturing on %s:%s into %s; `capture stop %d` ends it\n"):format(caps.n, n.name, ifname,
      a[2], caps.n))
  end)
end
