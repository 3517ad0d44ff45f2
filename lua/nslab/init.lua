-- nslab — network labs in Lua. `require "nslab"` gives the entry points;
-- the kernel work happens in nslab.core (C), this library adds defaults,
-- validation, the lab-file line in every error, and rollback.
local Lab = require "nslab.lab"
local util = require "nslab.util"

local M = {
  core = require "nslab.core",
  labs = {},          -- every lab made in this process, oldest first
}
M.version = M.core.version

-- nslab.lab(name [, opts]) -> a new, empty lab. Nothing touches the kernel
-- until the first node is added.
function M.lab(name, opts)
  local lab = Lab.new(name, opts)
  M.labs[#M.labs + 1] = lab
  return lab
end

-- Tear down every lab this process built (newest first); returns the
-- first error message, if any.
function M.down_all()
  local first
  for i = #M.labs, 1, -1 do
    local ok, err = pcall(M.labs[i].down, M.labs[i])
    if not ok and not first then first = err end
  end
  return first
end

M.eventually = util.eventually

return M
