-- The REPL, driven the way a person uses it: through a real terminal.
-- Each test runs `nslab repl` in a private tmux server (its own socket),
-- types keys with send-keys and reads the screen with capture-pane; every
-- wait polls the screen. The host must be as it was after each test.
local T = require "nslab_test"
local core = require "nslab.core"

local function q(s) return T.q(s) end

local LAB = [[
local c = lab:host "client"
local r = lab:router "router"
local s = lab:host "server"
lab:link(c, r, { "10.0.1.2/24", "10.0.1.1/24" })
lab:link(s, r, { "10.0.2.2/24", "10.0.2.1/24" })
c:route("default", "10.0.1.1")
s:route("default", "10.0.2.1")
r:masquerade { out = "eth1" }
]]

local Tty = require "tty"
local count = Tty.count

-- A lab file, a REPL on it, and its prompt.
local function open(name, extra_env, args)
  local file = T.write_lab(name, LAB)
  local a = { "repl", file }
  for _, x in ipairs(args or {}) do a[#a + 1] = x end
  local tty = Tty.start(a, extra_env)
  tty.prompt = name .. "> "
  tty.lab = name
  tty:wait_for(tty.prompt, 20)
  return tty
end

local function netns_of(lab)
  local _, o = T.sh("ip netns list")
  local n = 0
  for l in o:gmatch("[^\n]+") do
    if l:sub(1, #lab + 1) == lab .. "." then n = n + 1 end
  end
  return n
end

describe("nslab repl", function()
  local before, tty
  before_each(function() before = T.snapshot() end)
  after_each(function()
    if tty then tty:close() end
    tty = nil
    for _, name in ipairs(core.journal_list()) do
      if name:match("^repl") then T.nslab("down", "--force", name) end
    end
    local same, d = T.same_as(before, 10)
    assert(same, d)
  end)

  it("shows a banner and runs a Mininet-style command with node names replaced by addresses", function()
    tty = open("repl-cmd")
    local s = tty:screen()
    assert.is_truthy(s:find("lab repl-cmd: 3 nodes (client, router, server), 2 links", 1, true), s)
    assert.is_truthy(s:find("`help`", 1, true), s)
    local out = tty:run("client ping -c1 server")
    assert.is_truthy(out:find("PING 10.0.2.2", 1, true), out)
    assert.is_truthy(out:find("1 packets transmitted, 1 received", 1, true), out)
    -- the node on a shared network answers with its address there
    out = tty:run("client ping -c1 router")
    assert.is_truthy(out:find("PING 10.0.1.1", 1, true), out)
    -- a shell line: pipes, quotes; the far side sees the command ran in server
    out = tty:run("server echo 'in' $(hostname) | tr a-z A-Z")
    assert.is_truthy(out:find("IN SERVER", 1, true), out)
    -- a failing command says so and the REPL goes on
    out = tty:run("client ls /nonexistent")
    assert.is_truthy(out:find("(exit status 2)", 1, true), out)
    out = tty:run("client no-such-command-x")
    assert.is_truthy(out:find("not found", 1, true), out)
  end)

  it("completes verbs, node names, interfaces and Lua names with Tab", function()
    tty = open("repl-tab")
    tty:type("cli")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "client ")
    tty:type("ip link show e")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "client ip link show eth0 ")
    local out = tty:run("")
    assert.is_truthy(out:find("eth0@", 1, true), out)
    tty:type("pinga")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "pingall ")
    tty:key("C-u")
    tty:type("lab.rou")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "lab.router")
    tty:key("C-u")
    tty:type("router:rou")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "router:route")
    tty:key("C-u")
    tty:type("enter ser")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "enter server ")
    tty:key("C-u")
    tty:type("lab.nodes.cli")
    tty:key("Tab")
    tty:wait_for(tty.prompt .. "lab.nodes.client")
    tty:key("C-u")
    -- several candidates: a second Tab lists them
    tty:type("lab:")
    tty:key("Tab")
    tty:key("Tab")
    tty:wait_for("lab:router", 5)
    tty:wait_for("lab:link", 5)
    tty:key("C-u")
    tty:run("")
  end)

  it("enters a node with the user's shell and comes back", function()
    tty = open("repl-enter")
    tty:type("enter client")
    tty:key("Enter")
    tty:wait_for("repl-enter:client:")
    tty:type("echo node=$(hostname) lab=$NSLAB_LAB; ip -br addr show dev eth0")
    tty:key("Enter")
    local s = tty:wait_for("node=client lab=repl-enter")
    s = tty:wait_for("10.0.1.2/24")
    -- /etc/hosts of the node knows the others by name
    tty:type("ping -c1 -W2 server >/dev/null && echo reached-server")
    tty:key("Enter")
    tty:wait_for("\nreached-server")
    tty:type("exit")
    tty:key("Enter")
    tty:wait_for("back in the REPL (left client)")
    local out = tty:run("client hostname")
    assert.is_truthy(out:find("client", 1, true), out)
    assert.is_falsy(s:find("nslab: ", 1, true), s)
  end)

  it("evaluates Lua against the live lab, continues statements and reports errors in one line", function()
    tty = open("repl-lua")
    assert.are.equal("", tty:run("x = 6 * 7"))
    assert.are.equal("42\n", tty:run("x"))
    assert.is_truthy(tty:run("#lab.order, (client:ping(server))"):match("^3%s+true\n$"))
    assert.are.equal("nslab.node(repl-lua.router, router)\n", tty:run("router"))
    assert.are.equal("hi\n", tty:run("client:exec 'echo hi'"))
    -- an unfinished statement continues on the next line
    assert.are.equal("", tty:run("for i = 1, 2 do", ">> "))
    local out = tty:run("print('it' .. i) end")
    assert.are.equal("it1\nit2\n", out)
    -- errors: one line, and the session goes on
    assert.are.equal("repl:1: attempt to call a nil value (global 'nosuch')\n", tty:run("nosuch()"))
    out = tty:run("lab:get 'nope'")
    assert.is_truthy(out:match('^[^\n]*unknown node "nope" in lab "repl%-lua"[^\n]*\n$'), out)
    assert.are.equal("repl:1: unexpected symbol near ')'\n", tty:run("x = )"))
    out = tty:run("route nope")
    assert.is_truthy(out:match('^route: no node "nope" in lab repl%-lua %(nodes: client, router, server%)\n$'), out)
    -- the lab can grow from the prompt, and the new node is a name at once
    out = tty:run('lab:link(lab:host "extra", router, { "10.0.3.2/24", "10.0.3.1/24" })')
    assert.is_truthy(out:find("nslab.link(extra:eth0 <-> router:eth2)", 1, true), out)
    out = tty:run("extra ping -c1 router")
    assert.is_truthy(out:find("1 received", 1, true), out)
    assert.are.equal(4, netns_of("repl-lua"))
  end)

  it("stops a running command with Ctrl-C and keeps the REPL and the lab", function()
    tty = open("repl-intr")
    local n = count(tty:screen(), tty.prompt)
    tty:type("client ping server")
    tty:key("Enter")
    tty:wait_for("icmp_seq=2")
    tty:key("C-c")
    tty:wait_for("packets transmitted")
    T.eventually(function() return count(tty:screen(), tty.prompt) > n end)
    assert.is_true(count(tty:screen(), tty.prompt) > n)
    -- Lua busy looping, and a command run from Lua, stop too
    tty:type("while true do end")
    tty:key("Enter")
    T.eventually(function() return count(tty:screen(), tty.prompt) == n + 1 end)
    tty:key("C-c")
    tty:wait_for("interrupted (Ctrl-C)")
    tty:type("client:exec 'sleep 600'")
    tty:key("Enter")
    local t0 = core.clock()
    tty:key("C-c")
    T.eventually(function() return count(tty:screen(), "interrupted (Ctrl-C)") == 2 end)
    assert.is_true(core.clock() - t0 < 5)
    -- Ctrl-C at the prompt drops a half-typed line
    tty:type("half typed")
    tty:key("C-c")
    tty:wait_for("half typed^C")
    -- all still there
    assert.is_false((tty:dead()))
    assert.are.equal(3, netns_of("repl-intr"))
    local out = tty:run("client ping -c1 server")
    assert.is_truthy(out:find("1 received", 1, true), out)
  end)

  it("tears the lab down on Ctrl-D, leaving nothing behind", function()
    tty = open("repl-eof")
    assert.are.equal(3, netns_of("repl-eof"))
    tty:run("client ping -c1 server")
    tty:key("C-d")
    assert.are.equal(0, tty:wait_exit())
    assert.is_truthy(tty:screen():find("lab repl-eof torn down", 1, true))
    assert.are.equal(0, netns_of("repl-eof"))
    local same, d = T.same_as(before, 10)
    assert(same, d)
    -- history was kept
    local h = T.slurp(tty.hist) or ""
    assert.is_truthy(h:find("client ping -c1 server", 1, true), h)
  end)

  it("tears the lab down on SIGTERM and when its terminal goes away", function()
    tty = open("repl-term")
    local owner = core.journal_owner("repl-term")
    assert.is_true(owner > 0)
    core.kill(owner, 15)
    assert.are.equal(143, tty:wait_exit())
    tty:wait_for("nslab: repl interrupted by SIGTERM; lab torn down")
    assert.are.equal(0, netns_of("repl-term"))
    tty:close()
    -- the terminal closes while a command runs in a node
    tty = open("repl-hup")
    tty:type("client sleep 600")
    tty:key("Enter")
    assert.is_truthy(T.eventually(function()
      return T.sh("ip netns pids repl-hup.client | grep -q .") == 0
    end))
    tty:close()
    tty = nil
    assert.is_truthy(T.eventually(function() return netns_of("repl-hup") == 0 end, 10))
    assert.is_nil(core.journal_owner("repl-hup"))
  end)

  it("exit with --keep leaves the lab up; a REPL attaches to it and leaves it up", function()
    tty = open("repl-keep", nil, { "--keep" })
    tty:type("exit")
    tty:key("Enter")
    assert.are.equal(0, tty:wait_exit())
    assert.are.equal(3, netns_of("repl-keep"))
    tty:close()
    tty = Tty.start({ "repl", "repl-keep" })
    tty.prompt = "repl-keep> "
    tty:wait_for(tty.prompt)
    local out = tty:run("client ping -c1 server")
    assert.is_truthy(out:find("1 received", 1, true), out)
    tty:key("C-d")
    assert.are.equal(0, tty:wait_exit())
    assert.are.equal(3, netns_of("repl-keep"))
    assert.are.equal(0, (T.nslab("down", "repl-keep")))
  end)

  it("attaches to a lab left up by nslab up, rebuilt from the kernel", function()
    local file = T.write_lab("repl-attach", LAB .. [[
local sw = lab:switch "sw"
local d = lab:host "d"
lab:link(d, sw, { "10.0.4.2/24" })
lab:link(s, sw, { "10.0.4.1/24" })
]])
    local st, o, e = T.nslab("up", file)
    assert.are.equal(0, st, o .. e)
    tty = Tty.start({ "repl", "repl-attach" })
    tty.prompt = "repl-attach> "
    local s = tty:wait_for(tty.prompt)
    assert.is_truthy(s:find("lab repl-attach: 5 nodes (client, router, server, sw, d), 4 links", 1, true), s)
    assert.is_truthy(s:find("the lab stays up", 1, true), s)
    local out = tty:run("client ping -c1 server")
    assert.is_truthy(out:find("PING 10.0.2.2", 1, true), out)
    assert.is_truthy(out:find("1 received", 1, true), out)
    out = tty:run("links")
    -- which end came first is not in the kernel: either order
    local function linked(x, y)
      local p = "%s%%s+<%%->%%s+%s%%s+up"
      return out:find(p:format(x, y)) or out:find(p:format(y, x))
    end
    assert.is_truthy(linked("client:eth0", "router:eth0"), out)
    assert.is_truthy(linked("server:eth0", "router:eth1"), out)
    assert.is_truthy(linked("sw:p1", "d:eth0"), out)
    assert.is_truthy(linked("sw:p2", "server:eth1"), out)
    out = tty:run("nodes")
    assert.is_truthy(out:find("router%s+router%s+repl%-attach%.router%s+10%.0%.1%.1/24 10%.0%.2%.1/24"), out)
    assert.is_truthy(out:find("sw%s+switch%s+repl%-attach%.sw"), out)
    out = tty:run("d ping -c1 server")
    assert.is_truthy(out:find("PING 10.0.4.1", 1, true), out)
    assert.are.equal("2\n", tty:run("#router:addrs()"))
    -- the lab grows from here too, recorded in its journal (see live_spec)
    out = tty:run('lab:host "more"')
    assert.are.equal("nslab.node(repl-attach.more)\n", out)
    tty:key("C-d")
    assert.are.equal(0, tty:wait_exit())
    assert.are.equal(6, netns_of("repl-attach"))
    assert.are.equal(0, (T.nslab("down", "repl-attach")))
    assert.are.equal(0, netns_of("repl-attach"))
  end)

  it("has inspection verbs: nodes, links, net, dump, route, nft, pingall, pids, identify, help", function()
    tty = open("repl-verbs")
    local out = tty:run("nodes")
    assert.is_truthy(out:find("client%s+host%s+repl%-verbs%.client%s+10%.0%.1%.2/24\n"), out)
    out = tty:run("net")
    assert.is_truthy(out:find("router eth0:client:eth0 eth1:server:eth0", 1, true), out)
    out = tty:run("dump")
    assert.is_truthy(out:find("eth1%s+UP%s+10%.0%.2%.1/24"), out)
    assert.is_truthy(out:find("route default via 10.0.1.1 dev eth0", 1, true), out)
    out = tty:run("route server")
    assert.is_truthy(out:find("^default via 10%.0%.2%.1 dev eth0"), out)
    -- the same as ip route, read independently
    local _, ipr = T.sh("ip netns exec repl-verbs.server ip route show table main")
    assert.is_truthy(ipr:find("10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.2", 1, true), ipr)
    assert.is_truthy(out:find("10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.2", 1, true), out)
    out = tty:run("nft router")
    assert.is_truthy(out:find('oifname "eth1" masquerade', 1, true), out)
    out = tty:run("pingall")
    assert.is_truthy(out:find("6/6 pairs reached, 0% dropped", 1, true), out)
    -- a broken route shows in the matrix
    tty:run("client ip route del default")
    out = tty:run("pingall")
    assert.is_truthy(out:find("client%s+%-%s+ok%s+X\n"), out)
    assert.is_truthy(out:find("server%s+X%s+ok%s+%-\n"), out)
    assert.is_truthy(out:find("4/6 pairs reached, 33% dropped", 1, true), out)
    local p = tty:run("p = server:spawn 'sleep 300'; print(p.pid)")
    local pid = p:match("(%d+)")
    out = tty:run("pids server")
    assert.is_truthy(out:find(pid .. "%s+/bin/sh %-c sleep 300"), out)
    out = tty:run("identify " .. pid)
    assert.is_truthy(out:find(pid .. " is in node server (repl-verbs.server)", 1, true), out)
    out = tty:run("help")
    for _, v in ipairs { "help", "nodes", "links", "net", "dump", "route", "nft", "pingall", "enter",
                         "pids", "identify", "exit" } do
      assert.is_truthy(out:find("\n  " .. v, 1, true) or out:find("^  " .. v), v .. " in:\n" .. out)
    end
    out = tty:run("help pingall")
    assert.is_truthy(out:find("matrix", 1, true), out)
  end)

  it("uses colour only on a terminal without NO_COLOR", function()
    tty = open("repl-color", { "NO_COLOR=" })
    assert.is_truthy(tty:screen(true):find("\27[", 1, true))
    tty:close()
    -- closing the terminal hangs the REPL up; its teardown finishes on its
    -- own time (slow under ASan), and the same lab name comes next
    assert.is_truthy(T.eventually(function() return not core.exists(core.lab_dir("repl-color")) end, 30))
    tty = open("repl-color")
    assert.is_falsy(tty:screen(true):find("\27%[[%d;]*[1-9][%d;]*m"))
    tty:key("C-d")
    tty:wait_exit()
    -- not a terminal: plain lines in, plain text out
    local st, o = T.sh(("printf 'nodes\\nclient hostname\\n1+1\\n' | NO_COLOR= %s repl %s")
      :format(q(T.NSLAB), q(T.write_lab("repl-pipe", LAB))))
    assert.are.equal(0, st, o)
    assert.is_falsy(o:find("\27", 1, true), o)
    assert.is_truthy(o:find("repl-pipe> client\n", 1, true), o)
    assert.is_truthy(o:find("repl-pipe> 2\n", 1, true), o)
    assert.is_truthy(o:find("lab repl-pipe torn down", 1, true), o)
  end)

  it("refuses what it cannot do with one clear line", function()
    local st, _, e = T.nslab("repl", "repl-none-such")
    assert.are.equal(1, st)
    assert.are.equal('nslab: repl: no lab file "repl-none-such" and no lab of that name is up (see `nslab ls`)\n', e)
    st, _, e = T.nslab("repl", "/tmp/nslab-labs/repl-missing.lua")
    assert.are.equal(4, st)
    assert.are.equal("nslab: cannot open lab file /tmp/nslab-labs/repl-missing.lua (check the path)\n", e)
    local bad = T.write_lab("repl-bad", 'lab:host "a"\nlab:host "a"\n')
    st, _, e = T.nslab("repl", bad)
    assert.are.equal(4, st)
    assert.is_truthy(e:find("repl-bad.lua:2: node \"a\" already exists", 1, true), e)
    assert.are.equal(0, netns_of("repl-bad"))
  end)
end)
