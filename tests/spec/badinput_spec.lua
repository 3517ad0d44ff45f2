-- Bad input: every lab in tests/badinput/ must end the run with exit
-- status 1 and exactly one line on stderr, "FILE:LINE: message", as its
-- first line says (-- expect: LINE: message), and leave nothing behind.
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
      assert.are.equal(1, st, out .. err)
      local lines = {}
      for l in err:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.are.equal(1, #lines, "stderr must be one line:\n" .. err)
      assert.are.equal(path .. ":" .. line .. ": " .. msg, lines[1])
      local same, d = T.same_as(before)
      assert(same, d)
    end)
  end

  it("not being root: one line with the lab line, nothing left", function()
    local before = T.snapshot()
    local st, out, err = T.as_nobody(function(nslab) return nslab .. " run labs/client-router-server.lua" end)
    assert.are.equal(1, st, out .. err)
    assert.are.equal("labs/client-router-server.lua:6: nslab needs root to create network namespaces; " ..
      "run it as root (sudo nslab ...)\n", err)
    local same, d = T.same_as(before)
    assert(same, d)
  end)

  local cli = {
    { { "run", "/nonexistent/lab.lua" }, "nslab: cannot open lab file /nonexistent/lab.lua (check the path)" },
    { { "run" }, "nslab: run: give exactly one lab file, like `nslab run labs/client-router-server.lua`" },
    { { "run", "--nmae", "x", "labs/veth-nat.lua" }, "nslab: run: unknown option '--nmae'" },
    { { "run", "--name", "bad/name", "labs/veth-nat.lua" },
      "nslab: labs/veth-nat.lua: cannot use \"bad/name\" as a lab name (letters, digits, '-', '_'); pass --name NAME" },
    { { "down", "no-such-lab" }, "nslab: no lab named \"no-such-lab\" is up (see `nslab ls`)" },
    { { "down" }, "nslab: down: which lab? (see `nslab ls`)" },
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
