-- nslab_test — helpers for the busted specs: run commands, observe the
-- kernel with independent tools (ip, nft), and snapshot the host so that
-- a spec fails when anything of a lab is left behind.
local M = {}

M.NSLAB = os.getenv("NSLAB") or "build/nslab"
M.SRC = os.getenv("NSLAB_SRC") or "."

local slurp = require("nslab.util").slurp
M.slurp = slurp

local tmpn = 0
local function tmpname()
  tmpn = tmpn + 1
  return ("/tmp/nslab-test-%d-%d"):format(math.floor(os.clock() * 1e6) % 1000000, tmpn)
end

local preload = os.getenv("NSLAB_SANITIZER_PRELOAD") and "unset LD_PRELOAD; " or ""

-- Run a shell command; returns status, stdout, stderr.
function M.sh(cmd)
  cmd = preload .. cmd
  local out, err = tmpname() .. ".out", tmpname() .. ".err"
  -- observers run without the sanitizer runtime the test driver may carry
  local ok, how, code = os.execute(("( %s ) >%s 2>%s"):format(cmd, out, err))
  local o, e = slurp(out) or "", slurp(err) or ""
  os.remove(out)
  os.remove(err)
  local status = ok and 0 or (how == "exit" and code or 128 + (code or 0))
  return status, o, e
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
M.q = q

-- Run a shell command inside namespace ns (observing, with iproute2).
function M.ns_sh(ns, cmd)
  return M.sh(("ip netns exec %s %s"):format(ns, cmd))
end

-- Run the nslab binary with arguments; returns status, stdout, stderr.
function M.nslab(...)
  local args = {}
  for i, a in ipairs { ... } do args[i] = q(a) end
  return M.sh(q(M.NSLAB) .. " " .. table.concat(args, " "))
end

-- For a developer whose machine runs other labs at the same time (CI sets
-- neither, so everything counts): NSLAB_TEST_IGNORE="pat1,pat2" leaves
-- lines matching any Lua pattern out of snapshots; NSLAB_TEST_ONLY=PATTERN
-- keeps only the namespace, link, route, lab-state and /etc/netns lines
-- that match it.
local ignore = {}
for p in (os.getenv("NSLAB_TEST_IGNORE") or ""):gmatch("[^,]+") do ignore[#ignore + 1] = p end
local only = os.getenv("NSLAB_TEST_ONLY")
if only == "" then only = nil end
local ONLY_KEYS = { netns = true, state = true, etc = true, links = true, routes = true }

local function filtered(key, text)
  if #ignore == 0 and not (only and ONLY_KEYS[key]) then return text end
  local out = {}
  for l in text:gmatch("[^\n]*\n?") do
    local keep = not (only and ONLY_KEYS[key]) or l:find(only) ~= nil
    for _, p in ipairs(ignore) do if l:find(p) then keep = false break end end
    if keep then out[#out + 1] = l end
  end
  return table.concat(out)
end

-- Run a command as the unprivileged user nobody: build(nslab, src) returns
-- the command line (nslab and src quoted paths to use). A checkout in a
-- directory nobody cannot enter (a clone under /root) is mirrored to a
-- world-readable temporary tree first; the command runs in src either way.
local NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups "
function M.as_nobody(build)
  local src, nslab, mirror = M.SRC, M.NSLAB, nil
  local env = ""
  if M.sh(NOBODY .. ("test -r %s/lua/nslab/init.lua -a -x %s"):format(q(src), q(nslab))) ~= 0 then
    local st, out = M.sh("mktemp -d /tmp/nslab-nobody-XXXXXX")
    mirror = st == 0 and out:match("%S+")
    assert(mirror, "cannot make a mirror for nobody")
    assert(M.sh(("cp -a %s/lua %s/labs %s/tests %s/ && cp %s %s/nslab && chmod -R a+rX %s")
      :format(q(src), q(src), q(src), q(mirror), q(nslab), q(mirror), q(mirror))) == 0)
    src, nslab = mirror, mirror .. "/nslab"
    env = "NSLAB_LUA_DIR=" .. q(mirror .. "/lua") .. " "
  end
  local st, out, err = M.sh(("cd %s && %s%s%s"):format(q(src), env, NOBODY, build(q(nslab), src)))
  if mirror then M.sh("rm -rf " .. q(mirror)) end
  return st, out, err
end

-- Run shell command cmd as the unprivileged user uid (rootless nslab),
-- with a HOME and XDG_RUNTIME_DIR of its own (/tmp/nslab-user-UID, made
-- 0700 for it): $NSLAB is the nslab to use, the command runs in the
-- checkout (mirrored world-readable when uid cannot read it, as above).
-- Returns status, stdout, stderr; M.user_cmd(uid, cmd) is that command line.
function M.user_cmd(uid, cmd)
  local src, nslab, env = M.SRC, M.NSLAB, ""
  local home = "/tmp/nslab-user-" .. uid
  local su = ("setpriv --reuid=%d --regid=%d --clear-groups "):format(uid, uid)
  assert(M.sh(("mkdir -p %s && chown %d:%d %s && chmod 700 %s"):format(home, uid, uid, home, home)) == 0)
  if M.sh(su .. ("test -r %s/lua/nslab/init.lua -a -x %s"):format(q(src), q(nslab))) ~= 0 then
    local mirror = "/tmp/nslab-user-mirror"
    if M.sh("test -x " .. mirror .. "/nslab") ~= 0 then
      assert(M.sh(("mkdir -p %s && cp -a %s/lua %s/labs %s/tests %s/ && cp %s %s/nslab && chmod -R a+rX %s")
        :format(mirror, q(src), q(src), q(src), mirror, q(nslab), mirror, mirror)) == 0)
    end
    src, nslab = mirror, mirror .. "/nslab"
    env = "NSLAB_LUA_DIR=" .. q(mirror .. "/lua") .. " "
  end
  return ("cd %s && env -u SUDO_UID HOME=%s XDG_RUNTIME_DIR=%s NSLAB=%s %s%ssh -c %s")
    :format(q(src), home, home, q(nslab), env, su, q(cmd))
end

function M.as_user(uid, cmd)
  return M.sh(M.user_cmd(uid, cmd))
end

-- The host as independent tools see it.
function M.snapshot()
  local s = {}
  s.netns = select(2, M.sh("ip netns list | sort"))
  s.links = select(2, M.sh("ip -o link show | sed -E 's/^[0-9]+: //; s/ .*//' | sort"))
  s.routes = select(2, M.sh("ip route show table all | sort; ip -6 route show table all | sort"))
  s.nft = select(2, M.sh("nft list ruleset"))
  s.state = select(2, M.sh("ls -A /run/nslab 2>/dev/null | sort"))
  s.etc = select(2, M.sh("ls -A /etc/netns 2>/dev/null | sort || echo absent"))
  s.fwd = select(2, M.sh("sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding"))
  -- what routing daemons of a lab must never write on the host
  s.daemon_dirs = select(2, M.sh("find /etc/frr /run/frr /etc/bird /run/bird -printf '%p %m %u %g %s %T@\\n' " ..
    "2>/dev/null | sort"))
  for k, v in pairs(s) do s[k] = filtered(k, v) end
  return s
end

local function diff(a, b)
  local out = {}
  for k, v in pairs(a) do
    if b[k] ~= v then
      out[#out + 1] = ("%s changed:\n--- before\n%s--- after\n%s"):format(k, v, b[k])
    end
  end
  table.sort(out)
  return table.concat(out, "\n")
end

-- Poll (the kernel frees namespaces asynchronously) until the host is as
-- it was; returns true or false, difference.
function M.same_as(before, timeout)
  local core = require "nslab.core"
  local deadline = core.clock() + (timeout or 5)
  local d
  repeat
    d = diff(before, M.snapshot())
    if d == "" then return true end
    core.sleep(0.05)
  until core.clock() > deadline
  return false, d
end

-- For a describe block: `before_each(snap_host)`, `after_each(check_host)`
-- with local snap_host, check_host = T.host_guard() make each test leave
-- the host as it found it.
function M.host_guard()
  local before
  return function() before = M.snapshot() end,
    function()
      local same, d = M.same_as(before)
      assert(same, d)
    end
end

-- The same for specs that build labs in this process: after each test,
-- every lab it made goes down (a failing teardown fails the test) before
-- the host is compared.
function M.lab_guard()
  local snap, check = M.host_guard()
  return snap, function()
    local err = require("nslab").down_all()
    assert(err == nil, err)
    check()
  end
end

-- Wait until fn() is truthy (polling), or fail after timeout seconds.
function M.eventually(fn, timeout)
  local core = require "nslab.core"
  local deadline = core.clock() + (timeout or 5)
  local v, x
  repeat
    v, x = fn()
    if v then return v, x end
    core.sleep(0.05)
  until core.clock() > deadline
  return v, x
end

-- Start a shell command in the background (output to a log under /tmp);
-- returns its pid.
function M.bg(cmd)
  local _, out = M.sh(("%s >/tmp/nslab-bg.$$.log 2>&1 & echo $!"):format(cmd))
  return tonumber(out:match("%d+"))
end

-- Wait until pid has ended (gone, or a zombie nobody reaped yet).
function M.wait_exit(pid, timeout)
  local core = require "nslab.core"
  return M.eventually(function() return core.starttime(pid) == 0 or
    M.sh("ps -o stat= -p " .. pid .. " | grep -q Z") == 0 end, timeout or 10)
end

-- Write a lab file into a temporary directory; returns its path.
function M.write_lab(name, text)
  local dir = "/tmp/nslab-labs"
  os.execute("mkdir -p " .. dir)
  local path = dir .. "/" .. name .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end


-- BIRD 2's config of OSPF router i of the specs' two-router labs: router
-- id 10.255.0.i, OSPF on eth* (point to point, hello 1 s, dead `dead` s,
-- 4 by default) and lo as a stub, OSPF routes exported to the kernel.
function M.bird_ospf_conf(i, dead)
  return ([[
router id 10.255.0.%d;
protocol device { }
protocol kernel { ipv4 { export where source = RTS_OSPF; }; }
protocol ospf v2 ospf1 {
  ipv4 { import all; export none; };
  area 0 {
    interface "eth*" { type ptp; hello 1; dead %d; retransmit 2; };
    interface "lo" { stub yes; };
  };
}
]]):format(i, dead or 4)
end

return M
