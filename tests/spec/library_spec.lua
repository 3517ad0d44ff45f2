-- Parts of the library a plain lab never needs (NAT, shaping, capture,
-- tunnels) are loaded on their first use (util.later): `nslab run` of a
-- plain lab does not parse them, and the stubs that stand in for their
-- methods must be exactly the methods each module's install defines.
require "nslab"
local util = require "nslab.util"
local T = require "nslab_test"

local LATER = { "nslab.nat", "nslab.shape", "nslab.capture", "nslab.kinds", "nslab.private", "nslab.frr",
  "nslab.converge", "nslab.bird" }

describe("modules loaded on first use", function()
  local snap_host, check_host = T.host_guard()
  before_each(snap_host)
  after_each(check_host)

  it("stand in with one stub per method their install defines, no more, no fewer", function()
    for _, module in ipairs(LATER) do
      local entry = util.later_modules[module]
      assert.is_table(entry, module .. " is not loaded later")
      -- every class the module may touch: install's arguments and the
      -- classes that carry stubs
      local classes, stubbed = {}, {}
      for _, c in ipairs(entry.args) do classes[c] = true end
      for _, s in ipairs(entry.stubs) do
        classes[s[1]] = true
        for _, name in ipairs(s[2]) do stubbed[#stubbed + 1] = { s[1], name, s[1][name] } end
      end
      local before = {}
      for c in pairs(classes) do
        before[c] = {}
        for k, v in pairs(c) do before[c][k] = v end
      end
      require(module).install(table.unpack(entry.args))
      -- each stub was replaced by the real method
      for _, s in ipairs(stubbed) do
        assert.are_not.equal(s[3], s[1][s[2]], module .. " did not define " .. s[2])
        assert.is_function(s[1][s[2]])
      end
      -- and install added nothing a stub does not stand for
      for c in pairs(classes) do
        for k in pairs(c) do
          assert(before[c][k] ~= nil, module .. ".install defines " .. tostring(k) ..
            ", which has no stub in util.later (it would be missing until the module loads)")
        end
      end
    end
  end)

  it("are not loaded by a plain lab, and are by the first call of one of their methods", function()
    local file = T.write_lab("lib-later", table.concat({
      'local function loaded()',
      '  local t = {}',
      '  for _, m in ipairs { "nslab.nat", "nslab.shape", "nslab.capture", "nslab.kinds" } do',
      '    if package.loaded[m] then t[#t + 1] = m end',
      '  end',
      '  return "[" .. table.concat(t, " ") .. "]"',
      'end',
      'local a, b = lab:host "a", lab:host "b"',
      'lab:link(a, b, { "10.86.0.1/24", "10.86.0.2/24" })',
      'print("built", loaded())',
      'print("shaping", a:shaping("eth0"))',
      'print("after", loaded())',
    }, "\n") .. "\n")
    local st, out, err = T.nslab("run", file)
    assert.are.equal(0, st, err)
    assert.are.equal("built\t[]\nshaping\tnil\nafter\t[nslab.shape]\n", out)
  end)
end)
