-- Names that reach paths: every verb that takes a lab or node name is
-- given path-like names ("..", "a/../../b", "/etc", "", newlines, 300
-- bytes) while a real lab is up, inside a sandbox with a private /run and
-- /tmp and its own network namespace (tests/sandbox/bad-names.sh); each
-- must refuse in one line and change nothing. `nslab down ..` used to
-- delete /run/nslab, journals of every running lab included.
local T = require "nslab_test"
local core = require "nslab.core"

describe("names", function()
  local snap, check = T.host_guard()
  before_each(snap)
  after_each(check)

  it("every verb refuses path-like lab and node names and changes nothing", function()
    local st, out, err = T.sh(("unshare -m -n --propagation private sh %s/tests/sandbox/bad-names.sh %s %s")
      :format(T.q(T.SRC), T.q(T.NSLAB), T.q(T.SRC)))
    assert.are.equal("", err)
    assert.are.equal("all bad names refused, nothing changed\n", out)
    assert.are.equal(0, st)
  end)

  it("down .. leaves the other labs and their journals alone", function()
    local lab = T.write_lab("names-keep", 'lab:host "a"\nlab:host "b"\n')
    assert.are.equal(0, (T.nslab("up", lab)))
    local st, _, err = T.nslab("down", "..")
    assert.are.equal(1, st)
    assert.matches('down: "%.%." is not a lab name', err)
    st = T.nslab("down", ".")
    assert.are.equal(1, st)
    assert.is_true(core.exists(core.state_dir() .. "/names-keep/journal"))
    local _, ls = T.nslab("ls")
    assert.matches("names%-keep", ls)
    st = T.nslab("down", "names-keep")
    assert.are.equal(0, st)
    assert.are.equal("", select(2, T.sh("ip netns list | grep '^names-keep\\.' || true")))
  end)

  it("the core refuses bad names itself, whatever the caller", function()
    for _, n in ipairs { "..", ".", "", "a/b", "../x", ("x"):rep(65), "a\nb" } do
      assert.is_false(core.valid_name(n), n)
      assert.is_nil(core.lab_dir(n), n)
      assert.is_nil(core.journal_owner(n), n)
      local ok, e = core.journal_down(n)
      assert.is_nil(ok, n)
      assert.matches("is not a lab name", e)
      local j, je = core.journal_begin(n)
      assert.is_nil(j, n)
      assert.matches("as a lab name", je)
    end
    assert.is_true(core.valid_name("crs"))
    assert.are.equal(core.state_dir() .. "/crs", core.lab_dir("crs"))
  end)
end)
