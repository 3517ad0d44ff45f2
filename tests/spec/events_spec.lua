-- Events, not patches: a lab tells its subscribers what it does (lab:on),
-- the command line's progress line follows labs that way, and a dry run
-- gives its labs a stand-in core — none of them rewrites the library's
-- classes, Lua's globals or package.loaded.
local nslab = require "nslab"
local Node = require "nslab.node"
local T = require "nslab_test"

-- Every function of a class table, to compare before and after.
local function methods(class)
  local t = {}
  for k, v in pairs(class) do t[k] = v end
  return t
end

describe("events", function()
  local lab
  local snap_host, down_and_check = T.lab_guard()
  before_each(snap_host)
  after_each(down_and_check)

  it("a lab emits node, link, plan, exec, check, keep and down to its subscribers, in order", function()
    lab = nslab.lab "tev-on"
    local seen = {}
    local function note(e)
      return function(l, x, y)
        assert.are.equal(lab, l)
        if e == "node" then seen[#seen + 1] = "node " .. x.name
        elseif e == "link" then seen[#seen + 1] = "link " .. tostring(x)
        elseif e == "plan" then seen[#seen + 1] = ("plan %d %d"):format(x, y)
        elseif e == "exec" then seen[#seen + 1] = "exec " .. x.name .. " " .. y
        elseif e == "check" then seen[#seen + 1] = "check " .. x.desc
        else seen[#seen + 1] = e end
      end
    end
    for _, e in ipairs { "node", "link", "plan", "exec", "check", "down" } do lab:on(e, note(e)) end
    local a, b = lab:host "a", lab:router "b"
    local sw = lab:switch "sw"
    lab:link(a, b, { "10.9.0.1/30", "10.9.0.2/30" })
    lab:link(a, sw)
    lab:_emit("plan", 3, 2)
    a:exec "true"
    lab:check("a check", true)
    lab:down()
    lab:down() -- harmless twice; "down" comes once
    assert.are.same({ "node a", "node b", "node sw", "link nslab.link(a:eth0 <-> b:eth0)",
      "link nslab.link(a:eth1 <-> sw:p1)", "plan 3 2", "exec a true", "check a check", "down" }, seen)
    lab = nil
    -- a lab left up says so (this one never built anything)
    local kept = nslab.lab "tev-keep"
    local said
    kept:on("keep", function() said = true end)
    kept:keep()
    assert.is_true(said)
  end)

  it("a lab nobody listens to carries no listener table; nslab.on(\"lab\") sees every new lab", function()
    local made = {}
    nslab.on("lab", function(l) made[#made + 1] = l.name end)
    lab = nslab.lab "tev-quiet"
    lab:host "a"
    assert.is_nil(rawget(lab, "listeners"))
    assert.are.same({ "tev-quiet" }, made)
    local ok, err = pcall(nslab.on, "node", function() end)
    assert.is_false(ok)
    assert.is_truthy(err:find('nslab.on: no event "node"', 1, true), err)
  end)

  it("nslab.lab refuses a core or hosts= of the wrong type, at the caller's line", function()
    local ok, err = pcall(nslab.lab, "tev-bad", { core = "fake" })
    assert.is_false(ok)
    assert.is_truthy(err:find("events_spec.lua:%d+: nslab.lab: core= must be a table like nslab.core"), err)
    ok, err = pcall(nslab.lab, "tev-bad", { hosts = "no" })
    assert.is_false(ok)
    assert.is_truthy(err:find("events_spec.lua:%d+: nslab.lab: hosts= must be true or false"), err)
  end)

  it("the progress line subscribes; Lab, Node, print and io.write stay as they are", function()
    -- under `nslab run` with the line forced on: the script looks at the
    -- library's classes and Lua's globals from inside
    local file = T.write_lab("tev-prog", [[
local Lab, Node = require "nslab.lab", require "nslab.node"
local function from(f) return debug.getinfo(f, "S").source end
local a, b = lab:host "a", lab:host "b"
lab:link(a, b)
print("hello")
assert(from(Lab._add_node):find("nslab/lab.lua$"), from(Lab._add_node))
assert(from(Lab.link):find("nslab/lab.lua$"), from(Lab.link))
assert(from(Lab.down):find("nslab/lab.lua$"), from(Lab.down))
assert(from(Node.exec):find("nslab/node.lua$"), from(Node.exec))
assert(from(Node.spawn):find("nslab/node.lua$"), from(Node.spawn))
assert(debug.getinfo(_G.print, "S").what == "C", "print was replaced")
assert(debug.getinfo(_G.io.write, "S").what == "C", "io.write was replaced")
]])
    local st, out, err = T.sh(("NSLAB_PROGRESS=1 NSLAB_PROGRESS_DELAY=0 %s run %s"):format(T.q(T.NSLAB), T.q(file)))
    assert.are.equal(0, st, err)
    assert.are.equal("hello\n", out)
    assert.is_truthy(err:find("\r\27%[Kbuilding tev%-prog: 1 nodes, 0 links"), err)
    -- wiped before the script printed, and at the end
    assert.is_truthy(err:find("\r\27%[K$"), err)
  end)

  it("a dry run builds on its stand-in core: no namespace, package.loaded and the classes untouched", function()
    local core, node_m = package.loaded["nslab.core"], methods(Node)
    local dry = require "nslab.cli.dry"
    local lib, state = dry.load("dry")
    local l = lib.lab("tev-dry")
    local a, b = l:host "a", l:host "b"
    l:link(a, b, { "10.9.1.1/30", "10.9.1.2/30" })
    a:exec "true"
    assert.are_not.equal(core, l.core)
    assert.are.equal(1, state.commands)
    assert.are.equal(core, package.loaded["nslab.core"])
    assert.are.same(node_m, methods(Node))
    assert.are.equal(l, lib.labs[1])
    local _, list = T.sh("ip netns list")
    assert.is_falsy(list:find("tev-dry", 1, true), list)
    l:down()
  end)
end)
