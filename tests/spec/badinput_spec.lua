-- Bad input: every lab in tests/badinput/ must end the run with exit
-- status 4 (the lab could not be built; 1 for a failed check) and exactly
-- one line on stderr, "FILE:LINE: message", as its first line says
-- (-- expect: LINE: message), and leave nothing behind.
local T = require "nslab_test"

local function cases()
  local _, out = T.sh("ls tests/badinput/*.lua")
  local list = {}
  for path in out:gmatch("[^\n]+") do list[#list + 1] = path end
  return list
end

describe("bad input", function()
  local list = cases()
  it("has a table of at least 35 cases", function()
    assert.is_true(#list >= 35, #list .. " cases")
  end)

  for _, path in ipairs(list) do
    local first = io.open(path):read("l")
    local line, msg = first:match("^%-%- expect: (%d+): (.*)$")
    it(path:match("([^/]+)%.lua$") .. " -> line " .. tostring(line), function()
      assert(line, path .. ": first line must be '-- expect: LINE: message'")
      local before = T.snapshot()
      local st, out, err = T.nslab("run", path)
      assert.are.equal(msg:find("^check failed: ") and 1 or 4, st, out .. err)
      local lines = {}
      for l in err:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.are.equal(1, #lines, "stderr must be one line:\n" .. err)
      assert.are.equal(path .. ":" .. line .. ": " .. msg, lines[1])
      local same, d = T.same_as(before)
      assert(same, d)
    end)
  end

  it("not being root, with rootless mode refused (NSLAB_ROOTLESS=0): one line with the lab line, nothing left", function()
    local before = T.snapshot()
    local st, out, err = T.as_nobody(function(nslab)
      return "env NSLAB_ROOTLESS=0 " .. nslab .. " run labs/client-router-server.lua"
    end)
    assert.are.equal(4, st, out .. err)
    assert.are.equal("labs/client-router-server.lua:6: nslab needs root to create network namespaces; " ..
      "run it as root (sudo nslab ...)\n", err)
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  local cli = {
    { { "run", "/nonexistent/lab.lua" }, "nslab: cannot open lab file /nonexistent/lab.lua (check the path)" },
    { { "run" }, "nslab: run: missing argument 'LAB.lua'; see `nslab run --help`" },
    { { "run", "--nmae", "x", "labs/veth-nat.lua" },
      "nslab: run: unknown option '--nmae' (did you mean '--name'?); see `nslab run --help`" },
    { { "run", "--name", "bad/name", "labs/veth-nat.lua" },
      "nslab: labs/veth-nat.lua: cannot use \"bad/name\" as a lab name (letters, digits, '-', '_'); pass --name NAME" },
    { { "down", "no-such-lab" }, "nslab: no lab named \"no-such-lab\" is up (see `nslab ls`)" },
    { { "down" }, "nslab: down: missing argument 'LAB|LAB.lua'; see `nslab down --help`" },
    { { "frobnicate" }, "nslab: unknown command \"frobnicate\" (try `nslab help`)" },
  }
  for _, c in ipairs(cli) do
    it("cli: nslab " .. table.concat(c[1], " "), function()
      local st, _, err = T.nslab(table.unpack(c[1]))
      assert.are_not.equal(0, st)
      assert.are.equal(c[2] .. "\n", err)
    end)
  end
end)

-- Root in a user namespace may create network namespaces but not step back
-- into the host's: one clear line, and nslab must not kill itself when the
-- rollback ends every process in the lab's namespaces (it was still in one).
describe("nslab in a user namespace", function()
  it("fails with one line naming the lab line and what to do", function()
    local lab = T.write_lab("userns-lab", 'local a = lab:host "a"\n')
    local st, out, err = T.sh(("unshare -U -r -m --propagation private sh -c %s"):format(
      T.q(("mount -t tmpfs tmpfs /run && %s run %s"):format(T.q(T.NSLAB), lab))))
    assert.are.equal(4, st, out .. err)
    assert.are.equal(lab .. ":1: cannot step back out of namespace userns-lab.a: the kernel " ..
      "refuses (a user namespace?); run nslab as root on the host\n", err)
  end)

  -- The user namespace's own namespace limit, set low: its network
  -- namespace (unshare -n, so nslab can step back into it) is one, node a
  -- the second, node b is refused.
  it("names the kernel's namespace limit when a lab reaches it, and leaves nothing", function()
    local lab = T.write_lab("userns-limit", 'lab:host "a"\nlab:host "b"\nlab:host "c"\n')
    local st, out, err = T.sh(("unshare -U -r -n -m --propagation private sh -c %s"):format(
      T.q(("mount -t tmpfs tmpfs /run && echo 2 > /proc/sys/user/max_net_namespaces && " ..
        "%s run %s; s=$?; ls -A /run/netns /run/nslab; exit $s"):format(T.q(T.NSLAB), lab))))
    assert.are.equal(4, st, out .. err)
    assert.are.equal(lab .. ":2: cannot create namespace userns-limit.b: the kernel's limit on " ..
      "network namespaces (user.max_net_namespaces = 2) is reached; raise it (sysctl " ..
      "user.max_net_namespaces) or build a smaller lab\n", err)
    -- the rollback removed node a's pin and the lab's state
    assert.are.equal("/run/netns:\n\n/run/nslab:\n", out)
  end)
end)

-- libnftables, libpcap and readline are opened on first use (src/kernel/lazylib.c).
-- Each test hides one library in a private mount namespace (the file found
-- through ld.so's cache is covered by /dev/null) and runs nslab there.
describe("a library nslab opens on first use is missing", function()
  local function hidden(soname, cmd)
    local _, path = T.sh("readlink -f $(ldconfig -p | awk '$1 == \"" .. soname .. "\" {print $NF; exit}')")
    path = path:match("%S+")
    assert(path and path ~= "", soname .. " not found through ldconfig")
    return T.sh(("unshare -m sh -c %s"):format(T.q(("mount --bind /dev/null %s && %s"):format(path, cmd))))
  end
  local function lab(name, body)
    local file = "/tmp/nslab-lazy-" .. name .. ".lua"
    local f = assert(io.open(file, "w"))
    f:write(body)
    f:close()
    return file
  end

  it("a lab without NAT, capture or REPL does not need them", function()
    local file = lab("plain", 'local a = lab:host "a"\nlocal b = lab:host "b"\n' ..
      'lab:link(a, b, { "10.9.0.1/24", "10.9.0.2/24" })\nassert(a:ping("10.9.0.2"))\n')
    local before = T.snapshot()
    local st, out, err = hidden("libnftables.so.1", T.q(T.NSLAB) .. " run " .. file)
    assert.are.equal(0, st, out .. err)
    st, out, err = hidden("libpcap.so.0.8", T.q(T.NSLAB) .. " run " .. file)
    assert.are.equal(0, st, out .. err)
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  -- line 4 of each lab is the first use of its library
  local uses = {
    { what = "nftables: the NAT line", so = "libnftables.so.1", pkg = "libnftables1", name = "nat",
      body = 'local r = lab:router "r"\nlocal c = lab:host "c"\n' ..
        'lab:link(c, r, { "10.9.0.2/24", "10.9.0.1/24" })\nr:masquerade { src = "10.9.0.0/24" }\n' },
    { what = "libpcap: the capture line", so = "libpcap.so.0.8", pkg = "libpcap0.8", name = "pcap",
      body = 'local a = lab:host "a"\nlocal b = lab:host "b"\n' ..
        'lab:link(a, b, { "10.9.0.1/24", "10.9.0.2/24" })\n' ..
        'a:capture("eth0", { file = "/tmp/nslab-lazy.pcap" })\n' },
  }
  for _, u in ipairs(uses) do
    it(u.what .. " says which library and package", function()
      local file = lab(u.name, u.body)
      local before = T.snapshot()
      local st, out, err = hidden(u.so, T.q(T.NSLAB) .. " run " .. file)
      assert.are.equal(4, st, out .. err)
      assert.matches("^" .. file:gsub("%p", "%%%0") .. ":4: cannot load " .. u.so:gsub("%p", "%%%0") ..
        " %(.-%): apt%-get install " .. u.pkg:gsub("%p", "%%%0") .. "\n$", err)
      local same, d = T.same_as(before)
      assert(same, d)
    end)
  end

  it("readline: the REPL says so once and reads plain lines", function()
    local file = lab("repl", 'local a = lab:host "a"\n')
    local before = T.snapshot()
    local st, out, err = hidden("libreadline.so.8",
      ("printf 'a hostname\\nexit\\n' | %s repl %s"):format(T.q(T.NSLAB), file))
    assert.are.equal(0, st, out .. err)
    assert.matches("a\n", out)
    assert.matches("^nslab: repl without line editing or history: cannot load libreadline%.so%.8 %(.-%): " ..
      "apt%-get install libreadline8\n$", err)
    local same, d = T.same_as(before)
    assert(same, d)
  end)
end)
