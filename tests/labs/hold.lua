-- hold.lua — build the lab file $NSLAB_HOLD_FILE (in this very lab) and
-- keep it up under this running nslab until the file $NSLAB_HOLD_STOP
-- appears. A spec uses it for a lab that stays up while it is examined:
-- a lab with a live owner is one `nslab clean` (run by a concurrent test)
-- leaves alone, and it still goes down with its owner. Replayed without
-- NSLAB_HOLD_STOP (`nslab check`, `nslab graph`) it only declares the lab.
local file = assert(os.getenv("NSLAB_HOLD_FILE"), "set NSLAB_HOLD_FILE to the lab file to hold")
assert(loadfile(file, "t", _ENV))()
local stop = os.getenv("NSLAB_HOLD_STOP")
if stop then
  io.stdout:write("held\n")
  io.stdout:flush()
  while true do
    local f = io.open(stop)
    if f then f:close() break end
    nslab.core.sleep(0.05)
  end
end
