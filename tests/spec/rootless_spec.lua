-- Labs without root, and many users on one machine (docs/rootless.md):
-- owners and privacy as root; ordinary users (65534 and 65533) building
-- labs rootless in user namespaces of their own, side by side, unable to
-- see, enter or remove each other's; kill -9 then clean; the one line
-- when the system forbids user namespaces. Observed with ip, nsenter, ls
-- and stat as well as nslab.
local T = require "nslab_test"

local A, B = 65534, 65533

-- a user's nslab state directory (T.as_user gives each XDG_RUNTIME_DIR)
local function base(uid) return "/tmp/nslab-user-" .. uid .. "/nslab" end

-- what is left of uid's labs: lab directories, pin files, a keeper
local function leftovers(uid)
  local _, labs = T.sh("ls -A " .. base(uid) .. "/labs 2>/dev/null")
  local _, pins = T.sh("ls -A " .. base(uid) .. "/netns 2>/dev/null")
  -- the keeper of this sandbox's user (pgrep would see other sandboxes')
  local _, keeper = T.sh("cat " .. base(uid) .. "/keeper 2>/dev/null")
  return labs .. pins .. keeper
end

local function gone(uid)
  return T.eventually(function() return leftovers(uid) == "" end, 10), leftovers(uid)
end

describe("owners (as root)", function()
  local before
  before_each(function() before = T.snapshot() end)
  after_each(function()
    for _, n in ipairs { "rl-own", "rl-crash", "rl-grade", "veth-nat@65534", "veth-nat@65533", "rl-mon@65534" } do
      T.nslab("down", "--force", "--all-users", n)
    end
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("records the owner, keeps state private, acts on the caller's own labs", function()
    local st, _, e = T.nslab("up", "--name", "rl-own", "labs/veth-nat.lua")
    assert.are.equal(0, st, e)
    local _, modes = T.sh("stat -c '%a %U' /run/nslab /run/nslab/rl-own /run/nslab/rl-own/journal")
    assert.are.equal("700 root\n700 root\n600 root\n", modes)
    local _, ls = T.nslab("ls")
    assert.is_truthy(ls:find("rl%-own%s+root%s+%d+%s+kept %(nslab up%)"), ls)
    -- the same root, acting for another user (sudo): root's lab is not theirs
    local function as_sudo(args)
      return T.sh(("SUDO_UID=%d %s %s"):format(A, T.q(T.NSLAB), args))
    end
    local _, ls2 = as_sudo("ls")
    assert.is_falsy(ls2:find("rl-own", 1, true), ls2)
    assert.is_truthy(ls2:find("(1 lab of other users not shown; root sees them with --all-users)", 1, true), ls2)
    local st2, _, e2 = as_sudo("down rl-own")
    assert.are.equal(1, st2)
    assert.are.equal('nslab: lab "rl-own" belongs to root, not to you (root may act on it with --all-users, ' ..
      'as rl-own@0)\n', e2)
    st2, _, e2 = as_sudo("exec rl-own gw -- true")
    assert.are.equal(125, st2)
    assert.is_truthy(e2:find("belongs to root, not to you", 1, true), e2)
    st2, _, e2 = as_sudo("repl rl-own </dev/null")
    assert.are.equal(1, st2)
    assert.is_truthy(e2:find('lab "rl-own" belongs to root, not to you', 1, true), e2)
    local _, cl = as_sudo("clean")
    assert.is_truthy(cl:find("1 lab of other users left alone", 1, true), cl)
    assert.are.equal(0, T.sh("ip netns list | grep -q rl-own.gw"))
    -- with the explicit flag root may
    local _, ls3 = as_sudo("ls --all-users")
    assert.is_truthy(ls3:find("rl-own", 1, true), ls3)
    -- state someone else can write is refused, and left alone
    T.sh("chmod 0777 /run/nslab/rl-own")
    local st4, _, e4 = T.nslab("down", "rl-own")
    assert.are.equal(1, st4)
    assert.are.equal("nslab: the state of lab /run/nslab/rl-own is writable by others (mode 777): nslab does " ..
      "not trust it (remove it)\n", e4)
    T.sh("chmod 0700 /run/nslab/rl-own && chown 65534 /run/nslab/rl-own/journal")
    st4, _, e4 = T.nslab("exec", "rl-own", "gw", "--", "true")
    assert.are.equal(125, st4)
    assert.are.equal("nslab: exec: the journal /run/nslab/rl-own/journal belongs to uid 65534, not to you: nslab " ..
      "does not trust it (its owner or root removes it)\n", e4)
    T.sh("chown 0 /run/nslab/rl-own/journal")
    assert.are.equal(0, (T.nslab("down", "rl-own")))
    -- so is a pin directory others may write
    T.sh("chmod 0777 /run/netns")
    local st5, _, e5 = T.nslab("run", "labs/veth-nat.lua")
    T.sh("chmod 0755 /run/netns")
    assert.are.equal(4, st5)   -- the lab could not be built
    assert.is_truthy(e5:find("the namespace directory /run/netns is writable by others (mode 777): nslab does " ..
      "not trust it (remove it)", 1, true), e5)
  end)

  it("two sudo users build the same lab file at once without colliding", function()
    local function as_sudo(uid, args)
      return T.sh(("SUDO_UID=%d %s %s"):format(uid, T.q(T.NSLAB), args))
    end
    -- both at once, as two students typing the same command
    local st, both = T.sh(("(SUDO_UID=%d %s up labs/veth-nat.lua >/dev/null 2>&1; echo a$?) & " ..
      "(SUDO_UID=%d %s up labs/veth-nat.lua >/dev/null 2>&1; echo b$?) & wait")
      :format(A, T.q(T.NSLAB), B, T.q(T.NSLAB)))
    assert.are.equal(0, st)
    assert.is_truthy(both:find("a0\n", 1, true) and both:find("b0\n", 1, true), both)
    -- each has their own namespaces, named with the owner; root's naming stays LAB.NODE
    local _, ns = T.sh("ip netns list | awk '{print $1}' | sort")
    assert.are.equal("veth-nat@65533.blue\nveth-nat@65533.gw\nveth-nat@65533.internet\n" ..
      "veth-nat@65534.blue\nveth-nat@65534.gw\nveth-nat@65534.internet\n", ns)
    -- each pings inside their own, by the plain lab name
    for _, u in ipairs { A, B } do
      local pst, pout = as_sudo(u, "exec veth-nat blue -- ping -c 1 -W 2 198.51.100.1")
      assert.are.equal(0, pst, pout)
      local _, ls = as_sudo(u, "ls")
      assert.are.equal(1, select(2, ls:gsub("\nveth%-nat ", "")), ls)   -- their own, not the other's
      assert.is_truthy(ls:find("(1 lab of other users not shown;", 1, true), ls)
      assert.is_falsy(ls:find("@", 1, true), ls)
    end
    -- one's address is not the other's: their own lab, both answer alike
    assert.are.equal(0, T.sh("ip netns exec veth-nat@65534.gw ip link set eth0 down"))
    assert.are_not.equal(0, (as_sudo(A, "exec veth-nat blue -- ping -c 1 -W 1 198.51.100.1")))
    assert.are.equal(0, (as_sudo(B, "exec veth-nat blue -- ping -c 1 -W 2 198.51.100.1")))
    -- root sees both with the owner; a plain name of someone else's says whose
    local _, all = T.nslab("ls", "--all-users")
    assert.is_truthy(all:find("veth%-nat@65533 [^\n]-%s3%s+kept"), all)
    assert.is_truthy(all:find("veth%-nat@65534%s+nobody%s+3%s+kept"), all)
    local rst, _, re = T.nslab("down", "veth-nat")
    assert.are.equal(1, rst)
    assert.is_truthy(re:find('lab "veth-nat" belongs to other users, not to you (root may act on one with ' ..
      "--all-users: veth-nat@65533 (", 1, true), re)
    -- a user cannot reach the other's by its key without root's flag
    local xst, _, xe = as_sudo(A, "down veth-nat@65533")
    assert.are.equal(1, xst)
    assert.is_truthy(xe:find("not to you", 1, true), xe)
    -- down of one leaves the other up
    assert.are.equal(0, (as_sudo(A, "down veth-nat")))
    local _, left = T.sh("ip netns list | awk '{print $1}' | sort")
    assert.are.equal("veth-nat@65533.blue\nveth-nat@65533.gw\nveth-nat@65533.internet\n", left)
    assert.are.equal(0, (as_sudo(B, "exec veth-nat blue -- ping -c 1 -W 2 198.51.100.1")))
    local dst, dout = T.nslab("down", "--all-users", "veth-nat@65533")
    assert.are.equal(0, dst, dout)
    assert.are.equal("", select(2, T.sh("ip netns list")))
  end)

  it("monitor: another user's lab is refused, root watches it with --all-users", function()
    local function as_sudo(uid, args)
      return T.sh(("SUDO_UID=%d timeout 20 %s %s"):format(uid, T.q(T.NSLAB), args))
    end
    assert.are.equal(0, (as_sudo(A, "up --name rl-mon labs/veth-nat.lua")))
    -- root's plain name: not root's lab, and says whose (no "waiting")
    local st, _, e = T.sh("timeout 20 " .. T.q(T.NSLAB) .. " monitor rl-mon")
    assert.are.equal(1, st, e)
    assert.are.equal('nslab: monitor: lab "rl-mon" belongs to nobody, not to you (root may act on it with ' ..
      "--all-users, as rl-mon@65534)\n", e)
    -- another sudo user, by the key: not theirs either
    st, _, e = as_sudo(B, "monitor rl-mon@65534")
    assert.are.equal(1, st, e)
    assert.is_truthy(e:find("belongs to nobody, not to you", 1, true), e)
    st, _, e = as_sudo(B, "monitor rl-mon@65532")     -- not up: still not theirs to wait for
    assert.are.equal(1, st, e)
    assert.is_truthy(e:find("another user's, not yours", 1, true), e)
    -- root, with the flag: watches until the owner takes it down
    -- (a log of its own: one an earlier run left would say "watching" at
    -- once, and the lab went down before this monitor watched it)
    local log = os.tmpname()
    local _, pid = T.sh(("timeout 30 %s monitor --all-users rl-mon@65534 >%s 2>&1 & echo $!"):format(T.q(T.NSLAB), log))
    finally(function()
      T.sh("kill " .. pid .. " 2>/dev/null")
      os.remove(log)
    end)
    assert(T.eventually(function() return (T.slurp(log) or ""):find("watching lab", 1, true) end, 20),
      "monitor: " .. tostring(T.slurp(log)))
    assert.are.equal(0, (as_sudo(A, "down rl-mon")))
    assert(T.eventually(function() return (T.slurp(log) or ""):find("lab%s+down") end, 20),
      "monitor: " .. tostring(T.slurp(log)))
  end)

  it("clean removes only what a crash left, and says which", function()
    assert.are.equal(0, (T.nslab("up", "--name", "rl-own", "labs/veth-nat.lua")))
    local st = T.sh(("NSLAB_FAULT_AFTER_RECORD=4 %s up --name rl-crash labs/veth-nat.lua"):format(T.q(T.NSLAB)))
    assert.are.equal(137, st)
    local _, dry = T.nslab("clean", "-n")
    assert.are.equal("would remove lab rl-crash (left by a crash)\n" ..
      "lab rl-own was kept with `nslab up`; left alone (`nslab down rl-own` removes it)\n", dry)
    assert.are.equal(0, T.sh("test -d /run/nslab/rl-crash"))
    local _, out = T.nslab("clean")
    assert.is_truthy(out:find("removed lab rl-crash (", 1, true), out)
    assert.is_truthy(out:find("lab rl-own was kept with `nslab up`; left alone", 1, true), out)
    assert.are.equal(0, T.sh("ip netns list | grep -q rl-own.gw"))
    assert.are.equal(1, T.sh("ip netns list | grep -q rl-crash"))
    assert.are.equal(0, (T.nslab("down", "rl-own")))
  end)

  it("check --with: the teacher's checks against the student's live lab", function()
    -- the student's copy: the exercises rewritten to pass whatever the lab holds
    local student = T.write_lab("rl-student", (T.slurp(T.SRC .. "/labs/exercise-broken-route.lua")
      :gsub("check = function%(%)", "check = function() do return true end")))
    assert.are.equal(0, (T.nslab("up", "--name", "rl-grade", student)))
    local st, out = T.nslab("check", "rl-grade")
    assert.are.equal(0, st, out)          -- graded by their own file: all pass
    assert.is_truthy(out:find("lab rl-grade: 2 of 2 exercises pass", 1, true), out)
    st, out = T.nslab("check", "rl-grade", "--with", T.SRC .. "/labs/exercise-broken-route.lua")
    assert.are.equal(1, st, out)          -- graded by the teacher's: nothing is repaired
    assert.is_truthy(out:find("lab rl-grade: 0 of 2 exercises pass", 1, true), out)
    assert.is_truthy(out:find("not yet  1. client reaches the server 10.0.2.2", 1, true), out)
    assert.are.equal(0, T.sh("ip netns exec rl-grade.client ip route add default via 10.0.1.1"))
    st, out = T.nslab("check", "rl-grade", "--with", T.SRC .. "/labs/exercise-broken-route.lua")
    assert.are.equal(1, st, out)
    assert.is_truthy(out:find("lab rl-grade: 1 of 2 exercises pass", 1, true), out)
    local st2, _, e2 = T.nslab("check", "rl-grade", "--with", "/nonexistent/teacher.lua")
    assert.are.equal(1, st2)
    assert.are.equal("nslab: check: cannot open the checks file /nonexistent/teacher.lua (check the path)\n", e2)
    assert.are.equal(0, (T.nslab("down", "rl-grade")))
  end)
end)

describe("rootless (as users 65534 and 65533)", function()
  local before
  setup(function() before = T.snapshot() end)
  after_each(function()
    for _, u in ipairs { A, B } do
      T.as_user(u, "for l in $($NSLAB ls | awk 'NR>1 && $1 !~ /^[(]/ {print $1}'); do $NSLAB down --force $l; done")
    end
  end)
  teardown(function()
    -- a failed test may have left a lab, so a keeper: it would outlive the sandbox
    for _, u in ipairs { A, B } do
      local k = (T.slurp(base(u) .. "/keeper") or ""):match("^%d+")
      if k then T.sh("kill " .. k) end
    end
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  it("the seed labs run, and the REPL works, with no root and nothing on the machine", function()
    for _, f in ipairs { "client-router-server", "bridge-nat", "veth-nat" } do
      local st, out, err = T.as_user(A, "$NSLAB run labs/" .. f .. ".lua")
      assert.are.equal(0, st, f .. ": " .. out .. err)
      assert.is_falsy(out:find("not ok", 1, true), out)
    end
    local st, out, err = T.as_user(A, "printf 'ping client server\\nnodes\\n' | $NSLAB repl labs/client-router-server.lua")
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("router  router  client-router-server.router", 1, true), out)
    assert.is_truthy(out:find("lab client-router-server torn down", 1, true), out)
    local _, ls = T.sh("ls -ld " .. base(A) .. " | cut -c1-10")
    assert.are.equal("drwx------\n", ls)
    -- nothing of it under the machine's /run/nslab or /run/netns
    assert.are.equal(1, T.sh("ls /run/netns 2>/dev/null | grep -q client-router-server"))
    assert(gone(A))
  end)

  it("routing daemons: BIRD runs rootless (as the user), FRR says in one line what it lacks", function()
    -- BIRD stays the user (the namespace's root) instead of switching to
    -- the unmapped user bird; its private /run/bird is a tmpfs over a
    -- directory the machine's root owns
    local st, out, err = T.as_user(A, "N=3 $NSLAB test labs/bird-ospf.lua")
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("# 18 checks, 18 passed, 0 failed", 1, true), out)
    st, out, err = T.as_user(A, "N=3 $NSLAB run labs/ospf-ring.lua")
    assert.are.equal(4, st, out .. err)
    assert.is_truthy(err:find("^labs/ospf%-ring%.lua:%d+: FRR cannot run in a rootless lab: Debian's FRR daemons " ..
      "need the user frr and the group frrvty"), err)
    local _, nl = err:gsub("\n", "")
    assert.are.equal(1, nl, err)
    assert(gone(A))
  end)

  it("ls and clean with nothing up make no namespaces and no keeper", function()
    assert(gone(A))
    T.sh("rm -rf " .. base(A))
    local st, out, err = T.as_user(A, "$NSLAB ls")
    assert.are.equal(0, st, err)
    assert.are.equal("no labs are up\n", out)
    st, out, err = T.as_user(A, "$NSLAB ls --json")
    assert.are.equal(0, st, err)
    assert.is_truthy(out:find('"labs": []', 1, true), out)
    st, out, err = T.as_user(A, "$NSLAB clean")
    assert.are.equal(0, st, err)
    assert.are.equal("nothing to clean\n", out)
    -- not even the directory a keeper's lock would be in
    assert.are.equal(1, T.sh("test -e " .. base(A)))
    -- with a lab kept, ls does enter and shows it
    assert.are.equal(0, (T.as_user(A, "$NSLAB up --name rl-idle labs/veth-nat.lua >/dev/null")))
    local _, ls = T.as_user(A, "$NSLAB ls")
    assert.is_truthy(ls:find("rl%-idle%s+nobody"), ls)
    assert.are.equal(0, (T.as_user(A, "$NSLAB down rl-idle")))
    assert(gone(A))
  end)

  it("nslab web serves a rootless lab on the machine's loopback", function()
    assert.are.equal(0, (T.as_user(A, "$NSLAB up --name rl-web labs/client-router-server.lua >/dev/null")))
    local out, errf = "/tmp/nslab-user-" .. A .. "/web.out", "/tmp/nslab-user-" .. A .. "/web.err"
    local pidf = "/tmp/nslab-user-" .. A .. "/web.pid"
    -- the user's home outlives a run (CI runs the suite twice): a URL left
    -- from the last run must not be read before this server writes its own
    os.remove(out); os.remove(errf); os.remove(pidf)
    T.sh(T.user_cmd(A, ("echo $$ >%s; exec $NSLAB web rl-web --port 0 >%s 2>%s"):format(pidf, out, errf)) ..
      " >/dev/null 2>&1 &")
    local url = T.eventually(function() return (T.slurp(out) or ""):match("^(http://%S+)\n") end, 30)
    local pid = (T.slurp(pidf) or ""):match("%d+")
    local ok, r = pcall(function()
      assert(url, (T.slurp(out) or "") .. (T.slurp(errf) or ""))
      -- from the machine's side (this test's network namespace, not the user's)
      local st, page = T.sh(("curl -s -S -m 10 -w '\n%%{http_code}' %s 2>&1"):format(T.q(url)))
      assert.are.equal(0, st, ("curl %s: %s\nnslab web (pid %s, %s) said: %s"):format(url, page, tostring(pid),
        T.sh("kill -0 " .. tostring(pid)) == 0 and "running" or "gone", (T.slurp(errf) or "") .. (T.slurp(out) or "")))
      assert.is_truthy(page:find("\n200$"), page)
      assert.is_truthy(page:find("<html", 1, true), page)
      local bare = url:gsub("%?token=.*$", "")
      local _, refused = T.sh(("curl -s -m 10 -o /dev/null -w '%%{http_code}' %s"):format(T.q(bare .. "api/lab")))
      assert.are.equal("403", refused)
      -- the socket is the machine's: listening in this namespace, as the user
      local port = url:match(":(%d+)/")
      local _, ss = T.sh("ss -ltnpH 'sport = :" .. port .. "'")
      assert.is_truthy(ss:find("127.0.0.1:" .. port, 1, true), ss)
    end)
    T.sh("kill " .. pid)
    T.eventually(function() return T.sh("kill -0 " .. pid) ~= 0 end, 10)
    assert(ok, r)
    assert.are.equal(0, (T.as_user(A, "$NSLAB down rl-web")))
    assert(gone(A))
  end)

  it("two users build the same lab at once, and cannot see, enter or remove each other's", function()
    -- both builds started together; each writes its status and output
    local cmds = {}
    for _, u in ipairs { A, B } do
      cmds[#cmds + 1] = ("(%s >/tmp/rl-up-%d.out 2>&1; echo $? >/tmp/rl-up-%d.st) &")
        :format(T.user_cmd(u, "$NSLAB up labs/client-router-server.lua"), u, u)
    end
    T.sh(table.concat(cmds, " ") .. " wait")
    for _, u in ipairs { A, B } do
      assert.are.equal("0\n", T.slurp(("/tmp/rl-up-%d.st"):format(u)), T.slurp(("/tmp/rl-up-%d.out"):format(u)))
    end
    local _, lsa0 = T.as_user(A, "$NSLAB ls")
    assert.is_truthy(lsa0:find("client%-router%-server%s+nobody%s+3%s+kept"), lsa0)
    -- each has its own, working
    for _, u in ipairs { A, B } do
      local s, o, e = T.as_user(u, "$NSLAB exec client-router-server client -- ping -c1 -W2 10.0.2.2")
      assert.are.equal(0, s, o .. e)
    end
    local _, lsb = T.as_user(B, "$NSLAB ls")
    assert.is_truthy(lsb:find("client-router-server", 1, true), lsb)
    assert.is_falsy(lsb:find("nobody", 1, true), lsb)
    -- B cannot read A's state, nor enter A's namespaces, nor remove A's lab
    local sl = T.as_user(B, "ls " .. base(A) .. "/labs")
    assert.are_not.equal(0, sl)
    local keeper = (T.slurp(base(A) .. "/keeper") or ""):match("%d+")
    assert.is_truthy(keeper)
    local se, _, ee = T.as_user(B, "nsenter -t " .. keeper .. " -U -m -n --preserve-credentials true")
    assert.are_not.equal(0, se, ee)
    assert.are.equal(0, (T.as_user(B, "$NSLAB down client-router-server")))   -- B's own
    local _, lsa = T.as_user(A, "$NSLAB ls")
    assert.is_truthy(lsa:find("client-router-server", 1, true), lsa)
    -- A can, with the nsenter line nslab nodes prints
    local _, nodes = T.as_user(A, "$NSLAB nodes client-router-server")
    local line = nodes:match("(nsenter %-t %d+ %-U %-m %-%-preserve%-credentials nsenter %-%-net=%S+)")
    assert.is_truthy(line, nodes)
    local si, oi = T.as_user(A, line .. " ip -br addr show")
    assert.are.equal(0, si)
    assert.is_truthy(oi:find("10.0.1.2/24", 1, true), oi)
    -- root of the machine does not list them in `ip netns` either
    assert.are.equal(1, T.sh("ip netns list | grep -q client-router-server"))
    -- --all-users is root's
    local sa, _, ea = T.as_user(A, "$NSLAB ls --all-users")
    assert.are.equal(1, sa)
    assert.are.equal("nslab: --all-users: only root acts on other users' labs\n", ea)
    assert.are.equal(0, (T.as_user(A, "$NSLAB down client-router-server")))
    assert(gone(A))
    assert(gone(B))
  end)

  it("kill -9 during a build, then clean, leaves nothing", function()
    for _, k in ipairs { 1, 3, 5 } do
      local st, o, e = T.as_user(A, ("NSLAB_FAULT_AFTER_RECORD=%d $NSLAB run labs/bridge-nat.lua"):format(k))
      assert.are.equal(137, st, k .. ": " .. o .. e)
      local s, out, err = T.as_user(A, "$NSLAB clean")
      assert.are.equal(0, s, err)
      assert.is_truthy(out:find("removed lab bridge-nat", 1, true), out)
      local ok, left = gone(A)
      assert(ok, ("kill after record %d: left %s"):format(k, left))
    end
    -- the keeper killed under a kept lab: its namespaces are gone, clean says so and clears the rest
    assert.are.equal(0, (T.as_user(A, "$NSLAB up labs/veth-nat.lua")))
    local keeper = (T.slurp(base(A) .. "/keeper") or ""):match("^%d+")
    assert.are.equal(0, T.sh("kill -9 " .. keeper))
    assert(T.eventually(function() return T.sh("kill -0 " .. keeper) ~= 0 end))
    local _, ls = T.as_user(A, "$NSLAB ls")
    assert.is_truthy(ls:find("veth%-nat%s+nobody%s+3%s+lost %(keeper ended%)"), ls)
    local _, out = T.as_user(A, "$NSLAB clean")
    assert.is_truthy(out:find("removed lab veth-nat", 1, true), out)
    assert(gone(A))
  end)

  it("one line naming the knob when user namespaces are forbidden", function()
    -- a child user namespace whose limit is 0: as a distribution sets it
    -- (a verb that needs the namespaces: ls and clean with nothing up do not)
    local st, _, err = T.as_user(A, "unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && " ..
      "NSLAB_ROOTLESS=1 exec $NSLAB nodes rl-none'")
    assert.are.equal(1, st)
    assert.are.equal("nslab: rootless: user namespaces are switched off (sysctl user.max_user_namespaces=0); " ..
      "ask an admin for `sysctl -w user.max_user_namespaces=15000`, or run nslab as root (docs/rootless.md)\n", err)
    -- the other two knobs, read from a stand-in /proc/sys
    local fake = "/tmp/nslab-user-" .. A .. "/sys"
    for knob, want in pairs {
      ["kernel/unprivileged_userns_clone"] = "kernel.unprivileged_userns_clone=0",
      ["kernel/apparmor_restrict_unprivileged_userns"] = "kernel.apparmor_restrict_unprivileged_userns=1",
    } do
      local v = knob:find("apparmor") and 1 or 0
      T.sh(("rm -rf %s && mkdir -p %s/kernel %s/user && echo 0 >%s/user/max_user_namespaces && echo %d >%s/%s && chmod -R a+rX %s")
        :format(fake, fake, fake, fake, v, fake, knob, fake))
      st, _, err = T.as_user(A, "unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && " ..
        "NSLAB_TEST_PROC_SYS=" .. fake .. " NSLAB_ROOTLESS=1 exec $NSLAB nodes rl-none'")
      assert.are.equal(1, st)
      assert.is_truthy(err:find("(sysctl " .. want .. ")", 1, true), err)
      assert.are.equal(1, select(2, err:gsub("\n", "")), err)
    end
  end)
end)
