-- nslab graph: DOT from a dry run (no root, nothing built) that Graphviz
-- accepts, SVG and PNG rendered; nslab inspect --json: the live lab,
-- validated against docs/inspect.schema.json by python3-jsonschema and
-- compared with what ip(8) and nft(8) see.
local T = require "nslab_test"
local H = require "labhold"

local PY = io.open("/usr/bin/python3") and "/usr/bin/python3" or "python3"
local SCHEMA = T.SRC .. "/docs/inspect.schema.json"
local CHECK = T.SRC .. "/tests/tools/jsonschema_check.py"

local function tmp(ext)
  local p = os.tmpname()
  os.remove(p)
  return p .. ext
end

local function validate(path)
  return T.sh(("%s %s %s %s"):format(PY, T.q(CHECK), T.q(SCHEMA), T.q(path)))
end

describe("nslab graph", function()
  local snap_host, check_host = T.host_guard()
  before_each(snap_host)
  after_each(check_host)

  it("DOT of a lab file, as nobody: nodes, interfaces and addresses; dot accepts it", function()
    local st, dot, err = T.as_nobody(function(nslab, src)
      return nslab .. " graph " .. T.q(src .. "/labs/client-router-server.lua")
    end)
    assert.are.equal(0, st, err)
    assert.are.equal("", err)
    assert.is_truthy(dot:find('^graph "client%-router%-server" {'), dot)
    for _, s in ipairs {
      -- each node a table: its header, then a row (a port) per interface with its addresses
      '"client" [id="node:client", label=<<TABLE', '<B>client</B><BR/><FONT POINT-SIZE="9">host</FONT>',
      '<B>router</B><BR/><FONT POINT-SIZE="9">router</FONT>',
      '<TD PORT="p1" HREF="#" TITLE="client:cl-rt0" ID="if:client:cl-rt0" ALIGN="LEFT"><B>cl-rt0</B><BR ALIGN="LEFT"/>10.0.1.2/24<BR ALIGN="LEFT"/></TD>',
      '<TD PORT="p2" HREF="#" TITLE="router:sv-rt1" ID="if:router:sv-rt1" ALIGN="LEFT"><B>sv-rt1</B><BR ALIGN="LEFT"/>10.0.2.1/24<BR ALIGN="LEFT"/></TD>',
      -- edges join ports and carry no text
      '"client":p1 -- "router":p1 [id="link:client:cl-rt0--router:cl-rt1", tooltip=',
      '"server":p1 -- "router":p2 [id="link:server:sv-rt0--router:sv-rt1", tooltip=',
    } do
      assert.is_truthy(dot:find(s, 1, true), s .. "\n" .. dot)
    end
    -- Graphviz itself parses it: the canonical form lists the same edges
    local f = tmp(".dot")
    local h = io.open(f, "w")
    h:write(dot)
    h:close()
    local cst, canon, cerr = T.sh("dot -Tcanon " .. T.q(f))
    os.remove(f)
    assert.are.equal(0, cst, cerr)
    assert.are.equal(2, select(2, canon:gsub(" %-%- ", "")), canon)
  end)

  it("SVG and PNG through dot: a well-formed SVG naming every node, a real PNG", function()
    local svg, png = tmp(".svg"), tmp(".png")
    local st, out, err = T.nslab("graph", T.SRC .. "/labs/bridge-nat.lua", "-o", svg)
    assert.are.equal(0, st, out .. err)
    local pst, pout, perr = T.sh(("%s -c %s %s"):format(PY, T.q([[
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
print("\n".join(t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text))
]]), T.q(svg)))
    assert.are.equal(0, pst, perr)
    for _, s in ipairs { "web-ns", "db-ns", "gw", "internet", "vnet-0", "192.168.15.1/24", "eth0-web",
                         "192.168.15.5/24", "198.51.100.2/24" } do
      assert.is_truthy(pout:find(s, 1, true), s .. " not in the SVG:\n" .. pout)
    end
    st, out, err = T.nslab("graph", "--output", png, T.SRC .. "/labs/bridge-nat.lua")
    assert.are.equal(0, st, out .. err)
    assert.are.equal("\137PNG\r\n\26\n", T.slurp(png):sub(1, 8))
    os.remove(svg)
    os.remove(png)
  end)

  it("a generated topology is drawn without being built", function()
    local st, dot, err = T.as_nobody(function(nslab, src) return nslab .. " graph " .. T.q(src .. "/labs/tree.lua") end)
    assert.are.equal(0, st, err)
    assert.are.equal(14, select(2, dot:gsub(" %-%- ", "")), dot)
    assert.is_truthy(dot:find('"h1":p1 -- "r4":p2 [id="link:h1:eth0--r4:eth1"', 1, true), dot)
    assert.is_truthy(dot:find('ID="if:h1:eth0" ALIGN="LEFT"><B>eth0</B><BR ALIGN="LEFT"/>10.0.0.25/30<BR', 1, true), dot)
    assert.is_truthy(dot:find('ID="if:r4:eth1" ALIGN="LEFT"><B>eth1</B><BR ALIGN="LEFT"/>10.0.0.26/30<BR', 1, true), dot)
    assert.is_nil(dot:find("taillabel", 1, true), dot)
  end)

  it("groups a switch with its hosts, is no strip, and scales to 1000 nodes", function()
    local st, dot, err = T.nslab("graph", T.SRC .. "/labs/tenants.lua")
    assert.are.equal(0, st, err)
    -- each tenant network: its bridge, its qdhcp namespace and its VM, not the router
    for _, net in ipairs { "brqdae14f7d-c7", "brq8f1e2d3c-4b" } do
      local body = dot:match('subgraph "cluster_' .. net:gsub("%-", "%%-") .. '" {(.-)\n  }')
      assert(body, net .. " has no cluster:\n" .. dot)
      local members = {}
      for name in body:gmatch('\n    "([^"]+)" %[id=') do members[#members + 1] = name end
      table.sort(members)
      local t = net == "brqdae14f7d-c7" and "a" or "b"
      local qdhcp = t == "a" and "qdhcp-dae14f7d-c7f9-4dbc-9635-603f0fbc3f09" or "qdhcp-8f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
      assert.are.same({ net, qdhcp, "vm-" .. t }, members)
    end
    -- it was a 2373x255 strip: now about as tall as wide
    local png = tmp(".png")
    st, _, err = T.nslab("graph", T.SRC .. "/labs/tenants.lua", "-o", png)
    assert.are.equal(0, st, err)
    local head = T.slurp(png)
    os.remove(png)
    local w, h = string.unpack(">I4I4", head, 17)
    assert(w < 3 * h and h < 3 * w, ("%dx%d"):format(w, h))
    -- 1000 hosts on a switch: a force layout, the switch's ports counted, not listed
    local f = tmp(".lua")
    local g = io.open(f, "w")
    g:write('local sw = lab:switch "sw"\nfor i = 1, 1000 do lab:link(lab:host("n" .. i), sw) end\n')
    g:close()
    st, dot, err = T.nslab("graph", f)
    os.remove(f)
    assert.are.equal(0, st, err)
    assert.is_truthy(dot:find("layout=sfdp", 1, true))
    assert.is_truthy(dot:find("<TD>1000 ports</TD>", 1, true))
    assert.are.equal(1000, select(2, dot:gsub(' %-%- "sw" %[id="link:', "")))
  end)

  it("errors: a bad lab's own line; an unknown format; no such lab", function()
    local st, _, err = T.nslab("graph", T.SRC .. "/tests/badinput/bad_cidr.lua")
    assert.are.equal(4, st)
    assert.is_truthy(err:find("^nslab: graph: .*bad_cidr%.lua:%d+: bad address"), err)
    st, _, err = T.nslab("graph", T.SRC .. "/labs/tree.lua", "-o", "/tmp/x.jpeg")
    assert.are.equal(2, st)
    assert.are.equal("nslab: graph: cannot write \"/tmp/x.jpeg\": use a name ending in .dot, .svg, .png or .pdf; " ..
      "see `nslab graph --help`\n", err)
    st, _, err = T.nslab("graph", "t8-nosuch")
    assert.are.equal(1, st)
    assert.are.equal("nslab: graph: no lab file t8-nosuch, and no lab of that name is up\n", err)
  end)
end)

describe("nslab inspect", function()
  local snap_host, check_host = T.host_guard()
  before_each(snap_host)
  after_each(check_host)

  it("--json of a live lab validates against the schema and matches ip and nft", function()
    local lab = H.hold("t8i", T.SRC .. "/labs/bridge-nat.lua")
    local ok, e = pcall(function()
      local file = tmp(".json")
      local st, out, err = T.nslab("inspect", "t8i", "--json")
      assert.are.equal(0, st, err)
      local h = io.open(file, "w")
      h:write(out)
      h:close()
      local vst, vout = validate(file)
      assert.are.equal(0, vst, vout)
      assert.are.equal("valid\n", vout)
      -- read back with python's json and compare with ip/nft
      local _, facts = T.sh(("%s -c %s %s"):format(PY, T.q([==[
import json, sys
d = json.load(open(sys.argv[1]))
n = {x["name"]: x for x in d["nodes"]}
print(d["lab"], d["state"], len(d["nodes"]), len(d["links"]))
print(n["gw"]["kind"], n["web-ns"]["kind"])
print(" ".join(sorted(a for i in n["gw"]["interfaces"] for a in i["addresses"] if "." in a)))
print([r for c in n["gw"]["nat"][0]["chains"] for r in c["rules"]][0])
print(" ".join(p["comm"] for p in n["internet"]["processes"]))
print(sorted(f'{l["a"]["node"]}:{l["a"]["interface"]}-{l["b"]["node"]}:{l["b"]["interface"]}' for l in d["links"]))
print([r["via"] for r in n["web-ns"]["routes"] if r["dst"] == "default"][0])
]==]), T.q(file)))
      os.remove(file)
      local lines = {}
      for l in facts:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.are.equal("t8i running 4 3", lines[1])
      assert.are.equal("router host", lines[2])
      local _, ipaddrs = T.sh("ip netns exec t8i.gw ip -4 -o addr show | awk '{print $4}' | sort | tr '\\n' ' '")
      assert.are.equal(ipaddrs:gsub(" $", ""), lines[3])
      local _, rules = T.sh("ip netns exec t8i.gw nft list ruleset")
      assert.is_truthy(rules:find(lines[4], 1, true), lines[4])
      assert.is_truthy(lines[5]:find("socat", 1, true), lines[5])
      assert.are.equal("['db-ns:eth0-db-gw:veth-db-br', 'gw:uplink-internet:eth0', 'web-ns:eth0-web-gw:veth-web-br']", lines[6])
      local _, rt = T.sh("ip netns exec t8i.web-ns ip route show default")
      assert.is_truthy(rt:find("via " .. lines[7], 1, true), rt)
      -- the text view and a graph of the live lab
      st, out = T.nslab("inspect", "t8i")
      assert.are.equal(0, st)
      assert.is_truthy(out:find("gw  [router, netns t8i.gw]", 1, true), out)
      assert.is_truthy(out:find("nft inet nslab postrouting: ip saddr 192.168.15.0/24 masquerade", 1, true), out)
      st, out = T.nslab("graph", "t8i")
      assert.are.equal(0, st)
      assert.is_truthy(out:find('"gw":p%d+ %-%- "internet":p%d+ %[id="link:gw:uplink%-%-internet:eth0"'), out)
      assert.is_truthy(out:find('ID="if:gw:uplink" ALIGN="LEFT"><B>uplink</B><BR ALIGN="LEFT"/>198.51.100.2/24', 1, true), out)
    end)
    lab.stop()
    assert(ok, e)
  end)

  it("a lab with host-namespace parts and a generated topology validate too", function()
    local labfile = T.write_lab("t8ih", [[
local h = lab:host "host"
local a = lab:host "a"
lab:link(h, a, { "10.92.0.1/24", "10.92.0.2/24" })
a:route("default", "10.92.0.1")
h:masquerade { src = "10.92.0.0/24" }
local t = require("nslab.topo").ring { n = 3, ipv6 = true, base = "10.93.0.0/24" }
]])
    local lab = H.hold("t8ih", labfile)
    local ok, e = pcall(function()
      local file = tmp(".json")
      local st, out, err = T.nslab("inspect", "--json", "t8ih")
      assert.are.equal(0, st, err)
      local h = io.open(file, "w")
      h:write(out)
      h:close()
      local vst, vout = validate(file)
      os.remove(file)
      assert.are.equal(0, vst, vout)
      assert.is_truthy(out:find('"kind": "root"', 1, true), out)
      assert.is_truthy(out:find('"name": "nslab_t8ih"', 1, true), out)
      assert.is_truthy(out:find('"fd00:a:0:1::1/64"', 1, true), out)
    end)
    lab.stop()
    assert(ok, e)
  end)

  -- inspect (and the REPL's attach) find a veth's far end by asking for
  -- the peer interface and matching its MAC, name and index; equal MACs
  -- set by hand make that ambiguous, and the namespace-id fallback must
  -- still pair the right nodes
  it("pairs veth ends right in a chain, and with MACs set equal by hand", function()
    local labfile = T.write_lab("t8ip", [[
local p
for i = 1, 6 do
  local n = lab:host("n" .. i)
  if p then lab:link(p, n, { ("10.94.%d.1/30"):format(i), ("10.94.%d.2/30"):format(i) }) end
  p = n
end
local a, b, c, d = lab:host "a", lab:host "b", lab:host "c", lab:host "d"
lab:link(a, b, nil, { mac = { "02:00:00:00:00:0a", "02:00:00:00:00:0b" } })
lab:link(c, d, nil, { mac = { "02:00:00:00:00:0a", "02:00:00:00:00:0b" } })
]])
    local lab = H.hold("t8ip", labfile)
    local ok, e = pcall(function()
      local st, out, err = T.nslab("inspect", "--json", "t8ip")
      assert.are.equal(0, st, err)
      local json = require "nslab.json"
      local data = json.decode(out)
      local pairs_seen = {}
      for _, l in ipairs(data.links) do
        local x, y = l.a.node, l.b.node
        if x > y then x, y = y, x end
        pairs_seen[#pairs_seen + 1] = x .. "-" .. y
      end
      table.sort(pairs_seen)
      assert.are.same({ "a-b", "c-d", "n1-n2", "n2-n3", "n3-n4", "n4-n5", "n5-n6" }, pairs_seen)
      -- the REPL's attach pairs them the same way
      local rst, rout = T.sh(("printf 'links\nexit\n' | %s repl t8ip"):format(T.q(T.NSLAB)))
      assert.are.equal(0, rst, rout)
      assert.matches("a:eth0%s+<%->%s+b:eth0", rout)
      assert.matches("c:eth0%s+<%->%s+d:eth0", rout)
      assert.matches("n3:eth1%s+<%->%s+n4:eth0", rout)
    end)
    lab.stop()
    assert(ok, e)
  end)

  it("errors: no such lab; not root", function()
    local st, _, err = T.nslab("inspect", "t8-nosuch", "--json")
    assert.are.equal(1, st)
    assert.are.equal("nslab: inspect: no lab named \"t8-nosuch\" is up (see `nslab ls`)\n", err)
    -- another user (rootless, in a namespace of their own) does not see it
    st, _, err = T.as_nobody(function(nslab) return nslab .. " inspect t8i" end)
    assert.are.equal(1, st)
    assert.is_truthy(err:find('no lab named "t8i" is up', 1, true), err)
  end)
end)
