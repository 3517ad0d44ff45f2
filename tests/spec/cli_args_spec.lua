-- The command line: every verb of the table (nslab.cli.verbs) answers
-- --help (and `help VERB`) without doing anything, refuses unknown flags
-- and stray arguments with one line and status 2; `clean --help` does not
-- clean; `up FILE` / `down FILE`; `ls --json` and `nodes --json` in their
-- documented shape, read back with lua-cjson.
local T = require "nslab_test"
package.path = T.SRC .. "/lua/?.lua;" .. T.SRC .. "/lua/?/init.lua;" .. package.path
local verbs = require "nslab.cli.verbs"
local cjson = require "cjson"

local AB = 'local a = lab:host "a"\nlocal b = lab:host "b"\nlab:link(a, b, { "10.78.0.1/24", "10.78.0.2/24" })\n'

local function lines(s)
  local n = 0
  for _ in s:gmatch("[^\n]*\n") do n = n + 1 end
  return n
end

describe("the command line", function()
  local snap, check = T.host_guard()
  before_each(snap)
  after_each(check)

  it("has 22 verbs or more, each with --help equal to `help VERB`, status 0, nothing on stderr", function()
    assert.is_true(#verbs.list >= 22, #verbs.list .. " verbs")
    for _, v in ipairs(verbs.list) do
      local st, out, err = T.nslab(v.name, "--help")
      assert.are.equal(0, st, v.name .. ": " .. err)
      assert.are.equal("", err, v.name)
      assert.is_truthy(out:find("^usage: nslab " .. v.name .. " %[%-h%]"), out)
      assert.is_truthy(out:find(v.summary, 1, true), v.name .. ": " .. out)
      for _, f in ipairs(v.flags or {}) do
        -- hidden flags (test's --worker) are internal: out of the help
        local shown = out:find(f[1]:match("%-%-[%w-]+") or f[1], 1, true)
        if f.hidden then assert.is_falsy(shown, v.name .. " shows " .. f[1]) else
          assert.is_truthy(shown, v.name .. " lacks " .. f[1] .. ":\n" .. out) end
      end
      local st2, out2 = T.nslab("help", v.name)
      assert.are.equal(0, st2)
      assert.are.equal(out, out2)
      -- -h too, even before a missing argument
      local st3, out3 = T.nslab(v.name, "-h")
      assert.are.equal(0, st3)
      assert.are.equal(out, out3)
    end
    local st, _, err = T.nslab("help", "frobnicate")
    assert.are.equal(2, st)
    assert.are.equal('nslab: help: no verb "frobnicate" (try `nslab help`)\n', err)
  end)

  it("refuses an unknown flag on every verb: one line, status 2", function()
    for _, v in ipairs(verbs.list) do
      local st, out, err = T.nslab(v.name, "--no-such-flag")
      assert.are.equal(2, st, v.name .. ": " .. out .. err)
      assert.are.equal(1, lines(err), err)
      assert.is_truthy(err:find("^nslab: " .. v.name .. ": unknown option '%-%-no%-such%-flag'"), err)
    end
  end)

  it("refuses a stray argument on every verb that takes a fixed number", function()
    local sample = { LAB = "nolab", ["LAB.lua"] = "x.lua", ["LAB.lua|LAB"] = "nolab", ["LAB|LAB.lua"] = "nolab",
                     NODE = "a", ["NODE:IFACE"] = "a:eth0", PID = "1", ["up|down"] = "up" }
    local n = 0
    for _, v in ipairs(verbs.list) do
      local fixed, words = not v.rest, { v.name }
      for _, a in ipairs(v.args or {}) do
        if a.count then fixed = false else words[#words + 1] = sample[a[2]] or "x" end
      end
      if fixed then
        n = n + 1
        words[#words + 1] = "stray"
        local st, out, err = T.nslab(table.unpack(words))
        assert.are.equal(2, st, table.concat(words, " ") .. ": " .. out .. err)
        assert.are.equal(("nslab: %s: too many arguments; see `nslab %s --help`\n"):format(v.name, v.name), err)
      end
    end
    assert.is_true(n >= 15, n .. " verbs with a fixed number of arguments")
  end)

  it("clean --help and clean with arguments leave a lab that is up alone", function()
    local file = T.write_lab("args-keep", AB)
    assert.are.equal(0, (T.nslab("up", file)))
    local ok, e = pcall(function()
      for _, words in ipairs { { "clean", "--help" }, { "clean", "args-keep" }, { "clean", "-h" } } do
        local st = T.nslab(table.unpack(words))
        assert.are_not.equal(1, st)
        local _, ns = T.sh("ip netns list")
        assert.is_truthy(ns:find("args-keep.a", 1, true), table.concat(words, " ") .. " took the lab down")
      end
      assert.are.equal(2, (T.nslab("ls", "stray")))
    end)
    -- down by the file it was built from
    local st, out, err = T.nslab("down", file)
    assert.are.equal(0, st, out .. err)
    assert.are.equal("lab args-keep is down (", out:sub(1, 23))
    assert(ok, e)
  end)

  it("down LAB.lua finds a lab brought up under --name by its file", function()
    local file = T.write_lab("args-file", AB)
    assert.are.equal(0, (T.nslab("up", "--name", "args-other", file)))
    local st, out, err = T.nslab("down", file)
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("^lab args%-other is down"), out)
    local _, ns = T.sh("ip netns list")
    assert.is_falsy(ns:find("args-other.", 1, true), ns)
    -- a file of a lab that is not up: the lab of the file's name is not up
    st, _, err = T.nslab("down", file)
    assert.are.equal(1, st)
    assert.are.equal('nslab: no lab named "args-file" is up (see `nslab ls`)\n', err)
    -- the file gone: its lab is still found by the path on record
    assert.are.equal(0, (T.nslab("up", file)))
    os.remove(file)
    st, out, err = T.nslab("down", file)
    assert.are.equal(0, st, out .. err)
    assert.is_truthy(out:find("^lab args%-file is down"), out)
    st, _, err = T.nslab("down", file)
    assert.are.equal(1, st)
    assert.are.equal("nslab: no lab file " .. file .. ", and no lab that is up was built from it (see `nslab ls`)\n", err)
  end)

  it("ls --json and nodes --json, in the shape docs/cli.md gives", function()
    local _, empty = T.nslab("ls", "--json")
    assert.are.same({ labs = {} }, cjson.decode(empty))
    local file = T.write_lab("args-json", AB)
    assert.are.equal(0, (T.nslab("up", file)))
    local ok, e = pcall(function()
      local st, out = T.nslab("ls", "--json")
      assert.are.equal(0, st)
      local ls = cjson.decode(out)
      assert.are.equal(1, #ls.labs)
      local l = ls.labs[1]
      assert.are.equal("args-json", l.name)
      assert.are.equal(2, l.nodes)
      assert.are.equal("up", l.state)
      assert.are.equal(cjson.null, l.owner)
      -- whose it is (built by root here, no sudo)
      assert.are.equal(0, l.uid)
      assert.are.equal("root", l.user)
      assert.are.equal(file, l.file)
      st, out = T.nslab("nodes", "args-json", "--json")
      assert.are.equal(0, st)
      local nodes = cjson.decode(out)
      assert.are.equal("args-json", nodes.lab)
      assert.are.equal(2, #nodes.nodes)
      local a = nodes.nodes[1]
      assert.are.equal("a", a.name)
      assert.are.equal("args-json.a", a.netns)
      assert.are.equal(0, a.pids)
      -- what `ip` says is there
      local _, ip = T.sh("ip -n args-json.a -br addr show eth0")
      assert.is_truthy(ip:find("10.78.0.1/24", 1, true), ip)
      assert.are.same({ { name = "eth0", addresses = { "10.78.0.1/24" } } }, a.interfaces)
      assert.are.same({ { name = "eth0", addresses = { "10.78.0.2/24" } } }, nodes.nodes[2].interfaces)
    end)
    assert.are.equal(0, (T.nslab("down", "args-json")))
    assert(ok, e)
  end)

  it("without lua-argparse says which package, in one line; without lua-cjson still encodes", function()
    local function hidden(dir, cmd)
      return T.sh(("unshare -m sh -c %s"):format(T.q(("mount -t tmpfs nslab-hide %s && %s"):format(dir, cmd))))
    end
    local st, out, err = hidden("/usr/share/lua/5.4", T.q(T.NSLAB) .. " ls")
    assert.are.equal(1, st, out .. err)
    assert.are.equal("nslab: cannot load the Lua module argparse: apt-get install lua-argparse\n", err)
    local _, cdir = T.sh("dirname \"$(lua5.4 -e 'print(package.searchpath(\"cjson\", package.cpath))')\"")
    st, out, err = hidden(cdir:match("%S+"), T.q(T.NSLAB) .. " ls --json")
    assert.are.equal(0, st, out .. err)
    assert.are.equal('{\n  "labs": []\n}\n', out)
  end)

  it("capture takes --count=N and refuses a bad one in one line", function()
    local st, _, err = T.nslab("capture", "nolab", "a:eth0", "-w", "/tmp/x.pcap", "--count=0")
    assert.are.equal(2, st)
    assert.are.equal("nslab: capture: -c needs a number of packets from 1 to 2147483647, got \"0\"; " ..
      "see `nslab capture --help`\n", err)
    st, _, err = T.nslab("capture", "nolab", "a:eth0", "-w", "/tmp/x.pcap", "--count=5", "icmp")
    assert.are.equal(1, st)
    assert.are.equal('nslab: capture: no lab named "nolab" is up (see `nslab ls`)\n', err)
  end)
end)
