-- labhold — for specs: keep a lab up under a running nslab while the
-- spec examines it from outside (nslab check, inspect, graph, ip netns
-- exec). tests/labs/hold.lua builds the lab and waits for a stop file.
local T = require "nslab_test"

local M = {}

-- M.hold(name, file [, env]) -> handle {name=, log=, stop=fn}; errors
-- with the nslab output when the lab does not come up.
function M.hold(name, file, env)
  local stop = ("/tmp/nslab-hold-%s"):format(name)
  local log = stop .. ".log"
  os.remove(stop)
  os.remove(log)
  T.sh(("%s NSLAB_HOLD_FILE=%s NSLAB_HOLD_STOP=%s %s run --name %s %s/tests/labs/hold.lua >%s 2>&1 &")
    :format(env or "", T.q(file), T.q(stop), T.q(T.NSLAB), T.q(name), T.q(T.SRC), T.q(log)))
  local failed
  local ok = T.eventually(function()
    local s = T.slurp(log) or ""
    if s:find("held\n", 1, true) then return true end
    failed = s:match("[^\n]*:%d+: [^\n]*") or s:match("nslab: [^\n]*")
    return failed ~= nil -- stop waiting: the lab failed to build
  end, 30)
  ok = ok and not failed
  assert(ok, ("lab %s did not come up:\n%s"):format(name, T.slurp(log) or ""))
  local h = { name = name, log = log }
  function h.stop()
    local f = io.open(stop, "w")
    f:write("stop\n")
    f:close()
    local gone = T.eventually(function()
      return T.slurp("/run/nslab/" .. name .. "/journal") == nil
    end, 20)
    os.remove(stop)
    assert(gone, ("lab %s did not go down:\n%s"):format(name, T.slurp(log) or ""))
    os.remove(log)
  end
  return h
end

return M
