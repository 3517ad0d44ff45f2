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

local made = {}     -- functions called with each new lab (nslab.on "lab")

-- nslab.lab(name [, opts]) -> a new, empty lab. Nothing touches the kernel
-- until the first node is added.
function M.lab(name, opts)
  local lab = Lab.new(name, opts)
  M.labs[#M.labs + 1] = lab
  for i = 1, #made do made[i](lab) end
  return lab
end

-- nslab.on("lab", fn): fn(lab) for every lab made from now on, so the
-- command line can follow labs a script makes (lab:on for their events).
function M.on(event, fn)
  if event ~= "lab" then util.raise(("nslab.on: no event \"%s\" (there is \"lab\")"):format(tostring(event))) end
  if type(fn) ~= "function" then util.raise("nslab.on: give a function to call") end
  made[#made + 1] = fn
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
-- nslab.defaults.exec_timeout = SECONDS | false (util.defaults)
M.defaults = util.defaults

return M
