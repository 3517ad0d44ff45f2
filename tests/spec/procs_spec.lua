-- Inside the nodes: processes, identity and ip-netns parity, checked with
-- the tools people already use (ip netns exec, nsenter, getent) and with
-- processes nslab did not start.
local nslab = require "nslab"
local T = require "nslab_test"

local LAB = [[
local a = lab:host "a"
local r = lab:router "r"
local b = lab:host "b"
lab:link(a, r, { "10.51.1.2/24", "10.51.1.1/24" })
lab:link(b, r, { "10.51.2.2/24", "10.51.2.1/24" })
a:route("default", r)
b:route("default", r)
]]

local function up(name)
  local st, out, err = T.nslab("up", "--name", name, T.write_lab("p5procs", LAB))
  assert(st == 0, out .. err)
end

-- A process nslab did not start, as a person starts it; returned once
-- ip netns itself sees it inside ns.
local function start_outside(ns)
  local _, out = T.sh(("ip netns exec %s sleep 100 >/dev/null 2>&1 & echo $!"):format(ns))
  local pid = assert(math.tointeger(tonumber(out:match("%d+"))))
  assert(T.eventually(function()
    return select(2, T.sh("ip netns identify " .. pid)) == ns .. "\n"
  end), "process did not enter " .. ns)
  return pid
end

-- Gone, or a zombie nobody reaped yet: either way it holds no namespace.
local function ended(pid)
  local s = T.slurp(("/proc/%d/stat"):format(pid))
  return s == nil or s:match("^%d+ %b() (%a)") == "Z"
end

describe("processes and identity", function()
  local before, lab
  before_each(function() before = T.snapshot() end)
  after_each(function()
    if lab then lab:down() end
    lab = nil
    T.nslab("down", "p5pr")
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("nslab exec passes the exit status, stdin and stdout through", function()
    up("p5pr")
    local st, out = T.nslab("exec", "p5pr", "a", "--", "sh", "-c", "echo in-$(hostname); exit 7")
    assert.are.equal(7, st)
    assert.are.equal("in-a\n", out)
    st, out = T.nslab("exec", "p5pr", "b", "--", "true")
    assert.are.equal(0, st)
    st, out = T.sh(("echo hello | %s exec p5pr b -- cat"):format(T.q(T.NSLAB)))
    assert.are.equal(0, st)
    assert.are.equal("hello\n", out)
    -- without "--" too
    st, out = T.nslab("exec", "p5pr", "a", "ip", "-br", "addr", "show", "eth0")
    assert.are.equal(0, st)
    assert.is_truthy(out:find("10.51.1.2/24", 1, true), out)
    -- the command's own failures, then nslab's, told apart by status
    local err
    st, out, err = T.nslab("exec", "p5pr", "a", "--", "no-such-command-p5")
    assert.are.equal(127, st)
    assert.are.equal('nslab: exec: cannot run "no-such-command-p5": No such file or directory\n', err)
    st, out, err = T.nslab("exec", "p5pr", "zz", "--", "true")
    assert.are.equal(125, st)
    assert.are.equal('nslab: exec: lab "p5pr" has no node "zz" (nodes: a, r, b)\n', err)
    st, out, err = T.nslab("exec", "p5-no-such-lab", "a", "--", "true")
    assert.are.equal(125, st)
    assert.are.equal('nslab: exec: no lab named "p5-no-such-lab" is up (see `nslab ls`)\n', err)
    st, out, err = T.nslab("exec", "p5pr", "a")
    assert.are.equal(2, st)
    assert.are.equal("nslab: exec: missing CMD; see `nslab exec --help`\n", err)
  end)

  it("nslab shell runs a shell inside the node", function()
    up("p5pr")
    local st, out = T.sh(("printf 'hostname; ip -br addr show eth0; exit 3\\n' | SHELL=/bin/sh %s shell p5pr b")
      :format(T.q(T.NSLAB)))
    assert.are.equal(3, st)
    assert.is_truthy(out:find("^b\n"), out)
    assert.is_truthy(out:find("10.51.2.2/24", 1, true), out)
  end)

  it("gives each node its hostname and a hosts file naming every node", function()
    up("p5pr")
    local _, myname = T.sh("hostname")
    for _, via in ipairs {
      { T.q(T.NSLAB) .. " exec p5pr a --", "a", "a" },
      { "ip netns exec p5pr.a", "a", myname:gsub("\n", "") },
      { T.q(T.NSLAB) .. " exec p5pr b --", "b", "b" },
      { "ip netns exec p5pr.b", "b", myname:gsub("\n", "") },
    } do
      -- nslab gives a node its own UTS namespace; ip netns exec joins
      -- only the network (and mount) namespace, so it keeps the host's
      local st, out = T.sh(via[1] .. " hostname")
      assert.are.equal(0, st)
      assert.are.equal(via[3] .. "\n", out)
      local other = via[2] == "a" and "b" or "a"
      st, out = T.sh(via[1] .. " getent hosts " .. other)
      assert.are.equal(0, st)
      assert.are.equal(other == "b" and "10.51.2.2       b\n" or "10.51.1.2       a\n", out)
      st, out = T.sh(via[1] .. " getent hosts r")
      assert.is_truthy(out:find("10.51.1.1", 1, true) and out:find("10.51.2.1", 1, true), out)
      -- names work for traffic too: a reaches b through the router
      st = T.sh(via[1] .. " ping -c1 -W2 " .. other)
      assert.are.equal(0, st)
    end
    -- the host's own hostname is untouched
    local _, h1 = T.sh("hostname")
    local _, h2 = T.sh(T.q(T.NSLAB) .. " exec p5pr host -- hostname")
    assert.are.equal(h1, h2)
    -- nsenter joins the network namespace alone (no hostname, no hosts file)
    local st, out = T.sh("nsenter --net=/run/netns/p5pr.a ip -br addr show eth0")
    assert.are.equal(0, st)
    assert.is_truthy(out:find("10.51.1.2/24", 1, true), out)
    st = T.sh("nsenter --net=/run/netns/p5pr.a ping -c1 -W2 10.51.2.2")
    assert.are.equal(0, st)
    -- and lsns sees the node's namespace through a process inside it
    local pid = start_outside("p5pr.r")
    local _, ls = T.sh("lsns -t net -n -o NS,PID")
    local ino = select(2, T.sh("stat -L -c %i /run/netns/p5pr.r")):match("%d+")
    assert.is_truthy(ls:find(ino, 1, true), ls)
    T.sh("kill " .. pid)
  end)

  it("identifies and lists processes it did not start, and ends them on teardown", function()
    up("p5pr")
    local pid = start_outside("p5pr.r")
    local st, out = T.nslab("identify", tostring(pid))
    assert.are.equal(0, st)
    assert.are.equal("p5pr r\n", out)
    st, out = T.nslab("pids", "p5pr", "r")
    assert.are.equal(0, st)
    assert.is_truthy(("\n" .. out):find("\n" .. pid .. "\n", 1, true), out)
    -- ip netns agrees
    local _, ipout = T.sh("ip netns pids p5pr.r")
    assert.are.equal(ipout, out)
    _, ipout = T.sh("ip netns identify " .. pid)
    assert.are.equal("p5pr.r\n", ipout)
    st, out = T.nslab("pids", "p5pr", "a")
    assert.are.equal(0, st)
    assert.are.equal("", out)
    st, out = T.nslab("nodes", "p5pr")
    assert.are.equal(0, st)
    assert.is_truthy(out:find("\nr%s+p5pr%.r%s+1%s+eth0 10%.51%.1%.1/24, eth1 10%.51%.2%.1/24\n"), out)
    assert.is_truthy(out:find("\na%s+p5pr%.a%s+0%s+eth0 10%.51%.1%.2/24\n"), out)
    -- nslab itself is in the host's namespace
    local err
    st, out, err = T.nslab("identify", tostring(select(2, T.sh("echo $PPID")):match("%d+")))
    assert.are.equal(1, st)
    assert.is_truthy(err:find("in the host's network namespace, not in a lab node", 1, true), err)
    st, out, err = T.nslab("identify", "nope")
    assert.are.equal('nslab: identify: "nope" is not a process id\n', err)
    -- teardown ends the process nslab never started
    st = T.nslab("down", "p5pr")
    assert.are.equal(0, st)
    assert.is_truthy(T.eventually(function() return ended(pid) end))
  end)

  it("adds and removes nodes in a running lab, and the journal follows", function()
    lab = nslab.lab "p5rm"
    local a, r = lab:host "a", lab:router "r"
    lab:link(a, r, { "10.52.1.2/24", "10.52.1.1/24" })
    local sw = lab:switch "sw"
    lab:link(r, sw, { "10.52.9.1/24" })
    assert.is_true((a:ping(r)))
    -- added while running
    local c = lab:host "c"
    lab:link(c, sw, { "10.52.9.3/24" })
    assert.is_true((c:ping "10.52.9.1"))
    local spawned = c:spawn "sleep 100"
    local outside = start_outside("p5rm.c")
    local _, out = T.nslab("nodes", "p5rm")
    local n = tonumber(out:match("\nc%s+p5rm%.c%s+(%d+)%s"))
    assert.is_truthy(n and n >= 2, out)   -- the spawned one (maybe under sh) and ours
    -- removed while running: processes end, the pin goes, the switch port with it
    lab:remove(c)
    assert.is_truthy(T.eventually(function() return ended(outside) end))
    assert.is_false(spawned:running())
    local _, list = T.sh("ip netns list")
    assert.is_falsy(list:find("p5rm.c", 1, true), list)
    assert.is_nil(lab.nodes.c)
    assert.is_truthy(T.eventually(function()
      local _, ports = T.sh("ip -n p5rm.sw -br link show master br0")
      return not ports:find("p2", 1, true), ports
    end))
    assert.has_error(function() c:exec "true" end)
    _, out = T.nslab("nodes", "p5rm")
    assert.is_falsy(out:find("p5rm.c", 1, true), out)
    local _, ls = T.nslab("ls")
    assert.is_truthy(ls:find("p5rm%s+root%s+3%s"), ls)
    local st, _, err = T.nslab("pids", "p5rm", "c")
    assert.are.equal(1, st)
    assert.are.equal('nslab: pids: lab "p5rm" has no node "c" (nodes: a, r, sw)\n', err)
    assert.has_error(function() lab:remove "c" end)
    -- the name is free again
    c = lab:host "c"
    lab:link(c, sw, { "10.52.9.3/24" })
    assert.is_true((c:ping(r)))
    assert.is_truthy(select(2, T.sh("ip netns list")):find("p5rm.c", 1, true))
    -- removing a switch takes its ports' peers' interfaces too
    lab:remove "sw"
    assert.is_nil(r.ifaces.eth1)
    assert.is_false((c:ping("10.52.9.1", { timeout = 1 })))
    assert.has_error(function() lab:remove "host" end)
  end)
end)
