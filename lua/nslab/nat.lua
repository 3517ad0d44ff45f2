-- nslab.nat — NAT and forward filtering as nftables rules in a table the
-- lab owns, in the node's namespace: `inet nslab` in a node, `inet
-- nslab_LAB` in the root namespace (removed on teardown). Every value is
-- validated before it reaches nft, so a rule can never be injected.
local util = require "nslab.util"

local raise = util.raise

local M = {}

local CHAINS = {
  prerouting  = "type nat hook prerouting priority dstnat; policy accept;",
  postrouting = "type nat hook postrouting priority srcnat; policy accept;",
  output      = "type nat hook output priority -100; policy accept;",
  forward     = "type filter hook forward priority filter; policy %s;",
  input       = "type filter hook input priority filter; policy accept;",
}

local function tname(node)
  if node:is_root() then return "nslab_" .. node.lab.name:gsub("[^%w_]", "_") end
  return "nslab"
end

-- Run one atomic script that first makes sure table and chain(s) exist:
-- run(node, chain, rules [, chain2, rules2 ...]).
local function run(node, ...)
  node.lab:_begin()
  local t = tname(node)
  if node:is_root() and not node.nft_recorded then
    node.lab:_record(node.lab.journal:nft("inet", t))
    node.nft_recorded = true
  end
  node.nft_policy = node.nft_policy or "accept"
  local script = { ("add table inet %s"):format(t) }
  local parts = table.pack(...)
  for i = 1, parts.n, 2 do
    local chain, rules = parts[i], parts[i + 1]
    script[#script + 1] = ("add chain inet %s %s { %s }"):format(t, chain, CHAINS[chain]:format(node.nft_policy))
    table.move(rules, 1, #rules, #script + 1, script)
  end
  local out, err = node.ns:nft(table.concat(script, "\n") .. "\n")
  if not out then raise(err) end
  return out
end

local function q(ifname) return '"' .. util.check_ifname(ifname) .. '"' end

local function addr_match(dir, cidr, what)
  local c = util.check_cidr(cidr, false, what)
  return ("%s %s %s"):format(c.family == 4 and "ip" or "ip6", dir, cidr), c.family
end

local PROTO = util.set { "tcp", "udp" }
local STATE = util.set { "new", "established", "related", "invalid", "untracked" }
local ACTION = util.set { "accept", "drop", "reject" }

local function proto_port(o, what)
  local parts = {}
  if o.port ~= nil then
    util.check_int(o.port, 1, 65535, what .. " port")
    o.proto = o.proto or "tcp"
  end
  if o.proto ~= nil then
    if not PROTO[o.proto] then
      raise(("%s proto \"%s\" (use \"tcp\" or \"udp\")"):format(what, tostring(o.proto)))
    end
    parts[#parts + 1] = o.port and ("%s dport %d"):format(o.proto, o.port) or ("meta l4proto " .. o.proto)
  end
  return table.concat(parts, " ")
end

local function join(t)
  local out = {}
  for _, v in ipairs(t) do if v ~= "" then out[#out + 1] = v end end
  return table.concat(out, " ")
end

function M.install(Node)
  -- node:masquerade{out=IFNAME, src=PREFIX}: rewrite the source of
  -- packets leaving by out (and/or coming from src) to out's address.
  function Node:masquerade(o)
    o = util.check_opts(o, util.set { "out", "src" }, "masquerade")
    if not o.out and not o.src then
      raise("masquerade needs out= (the outgoing interface) and/or src= (the inside prefix)")
    end
    local m = {}
    if o.src then m[#m + 1] = (addr_match("saddr", o.src, "masquerade src")) end
    if o.out then m[#m + 1] = "oifname " .. q(o.out) end
    run(self, "postrouting", { ("add rule inet %s postrouting %s masquerade"):format(tname(self), join(m)) })
    return self
  end

  -- node:snat{out=, src=, to=ADDRESS}
  function Node:snat(o)
    o = util.check_opts(o, util.set { "out", "src", "to" }, "snat")
    if not o.to then raise("snat needs to= (the address to rewrite the source to)") end
    local c = util.check_cidr(o.to, false, "snat to")
    local m = {}
    if o.src then m[#m + 1] = (addr_match("saddr", o.src, "snat src")) end
    if o.out then m[#m + 1] = "oifname " .. q(o.out) end
    run(self, "postrouting", { ("add rule inet %s postrouting %s snat %s to %s"):format(
      tname(self), join(m), c.family == 4 and "ip" or "ip6", c.addr) })
    return self
  end

  -- node:dnat{iif=, dst=, proto=, port=, to="ADDR[:PORT]"}: port forward.
  function Node:dnat(o)
    o = util.check_opts(o, util.set { "iif", "dst", "proto", "port", "to" }, "dnat")
    if type(o.to) ~= "string" then raise("dnat needs to= (\"address\" or \"address:port\")") end
    local addr, port = o.to:match("^%[(.+)%]:(%d+)$")
    if not addr then addr, port = o.to:match("^([%d%.]+):(%d+)$") end
    addr = addr or o.to
    local c = util.check_cidr(addr, false, "dnat to")
    if port then
      port = tonumber(port)
      util.check_int(port, 1, 65535, "dnat to port")
      if not o.port and not o.proto then
        raise("dnat to an address:port needs port= (and proto=) of the traffic to forward")
      end
    end
    local m = {}
    if o.iif then m[#m + 1] = "iifname " .. q(o.iif) end
    if o.dst then m[#m + 1] = (addr_match("daddr", o.dst, "dnat dst")) end
    m[#m + 1] = proto_port(o, "dnat")
    local fam = c.family == 4 and "ip" or "ip6"
    local target = port and (c.family == 4 and ("%s:%d"):format(c.addr, port)
      or ("[%s]:%d"):format(c.addr, port)) or c.addr
    local rules = { ("add rule inet %s prerouting %s dnat %s to %s"):format(tname(self), join(m), fam, target) }
    if o.dst then
      -- the node's own connections to dst are forwarded too, in the same
      -- atomic script
      run(self, "prerouting", rules, "output", { ("add rule inet %s output %s dnat %s to %s"):format(
        tname(self), join { (addr_match("daddr", o.dst, "dnat dst")), proto_port(o, "dnat") }, fam, target) })
    else
      run(self, "prerouting", rules)
    end
    return self
  end
  Node.port_forward = Node.dnat

  -- node:forward{iif=, oif=, src=, dst=, proto=, port=, state=, action=}
  -- like `iptables -A FORWARD ... -j ACCEPT`.
  function Node:forward(o)
    o = util.check_opts(o, util.set { "iif", "oif", "src", "dst", "proto", "port", "state", "action" }, "forward")
    local action = o.action or "accept"
    if not ACTION[action] then
      raise(("forward action \"%s\" (use accept, drop or reject)"):format(tostring(action)))
    end
    local m = {}
    if o.iif then m[#m + 1] = "iifname " .. q(o.iif) end
    if o.oif then m[#m + 1] = "oifname " .. q(o.oif) end
    if o.src then m[#m + 1] = (addr_match("saddr", o.src, "forward src")) end
    if o.dst then m[#m + 1] = (addr_match("daddr", o.dst, "forward dst")) end
    m[#m + 1] = proto_port(o, "forward")
    if o.state then
      local st = {}
      for w in tostring(o.state):lower():gmatch("[^,%s]+") do
        if not STATE[w] then
          raise(("forward state \"%s\" (use new, established, related, invalid)"):format(w))
        end
        st[#st + 1] = w
      end
      m[#m + 1] = "ct state " .. table.concat(st, ",")
    end
    run(self, "forward", { ("add rule inet %s forward %s %s"):format(tname(self), join(m), action) })
    return self
  end

  -- node:forward_policy("drop"|"accept"): what forwarding does by default.
  function Node:forward_policy(p)
    if p ~= "accept" and p ~= "drop" then
      raise(("forward policy \"%s\" (use \"accept\" or \"drop\")"):format(tostring(p)))
    end
    self.nft_policy = p
    run(self, "forward", {})
    return self
  end

  -- node:nft_rule(chain, "rule text"): one rule in the lab's own table.
  function Node:nft_rule(chain, text)
    if not CHAINS[chain] then
      raise(("nft chain \"%s\" (use prerouting, postrouting, output, forward or input)"):format(tostring(chain)))
    end
    if type(text) ~= "string" or text:find("[\n;]") then
      raise("nft rule must be one line of nft rule syntax")
    end
    run(self, chain, { ("add rule inet %s %s %s"):format(tname(self), chain, text) })
    return self
  end

  -- node:nft(script): the raw escape hatch, an nft script run in the node.
  -- Refused on the host: teardown could not undo it.
  function Node:nft(script)
    if type(script) ~= "string" then raise("nft script must be a string") end
    if self:is_root() then
      raise("raw nft on the host cannot be undone on teardown; use host:nft_rule(chain, rule) " ..
        "or masquerade/snat/dnat/forward, which live in the lab's own table")
    end
    self.lab:_begin()
    local out, err = self.ns:nft(script)
    if not out then raise(err) end
    return out
  end

  -- node:ruleset() -> the nft ruleset of the node's namespace as text
  -- (in the root namespace, only the lab's own table).
  function Node:ruleset()
    local cmd = self:is_root() and ("list table inet " .. tname(self)) or "list ruleset"
    local out, err = self.ns:nft(cmd)
    if not out then
      if self:is_root() then return "" end
      raise(err)
    end
    return out
  end
end

M.table_name = tname

return M
