-- The library's bytecode (build/luac, made by cmake/luac.lua) is what
-- `nslab` loads, but only while it is no older than the module's source:
-- an edited source is read as such until the next build.
local T = require "nslab_test"

local function dir_of(path) return path:match("^(.*)/[^/]+$") or "." end

describe("library bytecode", function()
  local bc = dir_of(T.NSLAB) .. "/luac/nslab/json.luac"
  -- the build's bytecode is put back with its own time: touching it would
  -- make bytecode of an older source look current (to nslab and to make)
  before_each(function()
    assert(io.open(bc, "rb"), "no " .. bc .. ": is the build complete?"):close()
    assert.are.equal(0, (T.sh(("cp -p %s %s.saved"):format(T.q(bc), T.q(bc)))))
  end)
  after_each(function()
    assert.are.equal(0, (T.sh(("mv %s.saved %s"):format(T.q(bc), T.q(bc)))))
  end)

  local function run()
    local lab = T.write_lab("bc-json", 'print(require("nslab.json").encode({ 1, 2 }))\n')
    local st, out, err = T.nslab("run", lab)
    assert.are.equal(0, st, err)
    return out
  end

  it("is loaded when no older than the source, and the source when it is", function()
    assert.are.equal("[1,2]\n", run())
    -- bytecode that says where it came from, newer than the source
    local fake = string.dump(load('return { encode = function() return "FROM-BYTECODE" end }', "@fake"))
    local f = assert(io.open(bc, "wb"))
    f:write(fake)
    f:close()
    T.sh("touch -d '+1 min' " .. T.q(bc))
    assert.are.equal("FROM-BYTECODE\n", run())
    -- the same bytecode, older than the source: the source wins
    T.sh(("touch -d '2000-01-01' %s"):format(T.q(bc)))
    assert.are.equal("[1,2]\n", run())
    -- and bytecode Lua cannot load falls through to the source too
    f = assert(io.open(bc, "wb"))
    f:write("\27Lua garbage")
    f:close()
    T.sh("touch -d '+1 min' " .. T.q(bc))
    assert.are.equal("[1,2]\n", run())
  end)
end)
