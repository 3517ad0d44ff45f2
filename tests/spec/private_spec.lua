-- Private directories and files of a node (node:private, node:file): seen
-- by every way into the node (exec, spawn, `nslab exec`, `ip netns exec`
-- is documented not to), by no other node and never by the host; gone
-- after teardown, also after kill -9 and `nslab clean`.
local nslab = require "nslab"
local T = require "nslab_test"

-- /tmp as the host sees it, without the test helpers' own files.
local function host_tmp()
  return select(2, T.sh("ls -A /tmp | grep -v -e '^nslab-test-' -e '^nslab-labs$' -e '^nslab-bg\\.' | sort"))
end

describe("private directories and files", function()
  local snap_host, check_host = T.lab_guard()
  local tmp_before
  before_each(function() snap_host() tmp_before = host_tmp() end)
  after_each(function()
    check_host()
    assert.are.equal(tmp_before, host_tmp())
  end)

  it("are seen by exec and spawn of that node only, shared between them, never by the host", function()
    local lab = nslab.lab "pv1"
    local a, b = lab:host "a", lab:host "b"
    a:private "/var/run/frr"
    a:private("/etc/frr", { owner = "frr:frr", mode = tonumber("750", 8) })
    a:file("/etc/frr/daemons", "zebra=yes\n", { owner = "frr:frr", mode = tonumber("640", 8) })
    a:file("/tmp/pv1-only-a", "a's own\n")
    a:private "/opt/pv1/deep/dir"      -- below a missing directory
    -- a background process writes, a later command reads: one content
    local p = a:spawn "echo from-spawn > /var/run/frr/mark; echo x > /opt/pv1/deep/dir/y; sleep 60"
    assert(T.eventually(function() return a:exec("cat /var/run/frr/mark").out == "from-spawn\n" end))
    assert.are.equal("zebra=yes\n", a:exec("cat /etc/frr/daemons").out)
    assert.are.equal("a's own\n", a:exec("cat /tmp/pv1-only-a").out)
    assert.are.equal("x\n", a:exec("cat /opt/pv1/deep/dir/y").out)
    -- as the package expects: /etc/frr frr:frr 750, daemons 640
    assert.are.equal("frr frr 750\nfrr frr 640\n",
      a:exec("stat -c '%U %G %a' /etc/frr /etc/frr/daemons").out)
    -- the host's /etc/frr stays visible elsewhere: b sees the host's files
    local host_etc = select(2, T.sh("ls /etc/frr"))
    assert.are.equal(host_etc, b:exec("ls /etc/frr").out)
    assert.is_false(b:exec("test -e /var/run/frr/mark").ok)
    assert.is_false(b:exec("test -e /tmp/pv1-only-a").ok)
    -- the host (this process) sees none of it
    assert.is_nil(io.open("/var/run/frr/mark"))
    assert.is_nil(io.open("/tmp/pv1-only-a"))
    assert.is_nil(io.open("/opt/pv1"))
    -- unix sockets made by one process reach another through the private dir
    a:spawn { "socat", "UNIX-LISTEN:/var/run/frr/sock,fork", "EXEC:echo pong" }
    assert(T.eventually(function()
      return a:exec("socat -T1 - UNIX-CONNECT:/var/run/frr/sock", { input = "" }).out == "pong\n"
    end), "socket in the private dir not reachable")
    -- recorded in the journal
    local j = T.slurp(require("nslab.core").lab_dir("pv1") .. "/journal")
    assert.is_truthy(j:find("private a dir /var/run/frr\n", 1, true), j)
    assert.is_truthy(j:find("private a file /tmp/pv1-only-a\n", 1, true), j)
    p:kill()
    lab:down()
    assert.is_nil(io.open(require("nslab.core").lab_dir("pv1")))
  end)

  it("are seen by `nslab exec`; gone after kill -9 of nslab and `nslab clean`", function()
    local file = T.write_lab("pv2", [[
local a = lab:host "a"
a:private "/var/run/frr"
a:file("/etc/pv2.conf", "conf of a\n")
a:spawn "echo spawned > /var/run/frr/s; sleep 300"
a:exec "sleep 300"
]])
    local pid = T.bg(T.q(T.NSLAB) .. " run --name pv2 " .. file)
    assert(T.eventually(function()
      local st, out = T.nslab("exec", "pv2", "a", "--", "cat", "/var/run/frr/s", "/etc/pv2.conf")
      return st == 0 and out == "spawned\nconf of a\n"
    end, 10), "nslab exec does not see the private files")
    -- ip netns exec makes no private binds: the host's view
    local st = T.ns_sh("pv2.a", "test -e /etc/pv2.conf")
    assert.are_not.equal(0, st)
    T.sh("kill -9 " .. pid)
    assert(T.wait_exit(pid))
    local core = require "nslab.core"
    assert.is_truthy(io.open(core.lab_dir("pv2") .. "/private/a/0.at") or
      T.sh("test -L " .. core.lab_dir("pv2") .. "/private/a/0.at") == 0)
    local cst, out = T.nslab("clean")
    assert.are.equal(0, cst, out)
    assert.are.equal(1, T.sh("test -e " .. core.lab_dir("pv2")))
    -- the spawned sleep is gone with its namespace
    assert.are.equal("", select(2, T.sh("ip netns pids pv2.a 2>/dev/null")))
  end)
end)
