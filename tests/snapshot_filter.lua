-- snapshot_filter — for a developer sharing the machine with other test
-- runs: with NSLAB_TEST_ONLY=PATTERN set, host snapshots keep only the
-- namespaces, links, routes, lab states and /etc/netns entries matching
-- PATTERN, so other people's labs coming and going do not fail a spec
-- that requires this. Unset (as in CI) the full snapshot is compared.
local T = require "nslab_test"

local only = os.getenv("NSLAB_TEST_ONLY")
if only and only ~= "" and not T.snapshot_filtered then
  local full = T.snapshot
  T.snapshot = function()
    local s = full()
    for _, k in ipairs { "netns", "state", "etc", "links", "routes" } do
      local keep = {}
      for line in s[k]:gmatch("[^\n]+") do
        if line:find(only) then keep[#keep + 1] = line end
      end
      s[k] = table.concat(keep, "\n")
    end
    return s
  end
  T.snapshot_filtered = true
end
return true
