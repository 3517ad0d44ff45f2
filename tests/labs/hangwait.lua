-- A lab that waits for a daemon that never ends (for `nslab test
-- --timeout`): p:wait() without a limit.
local a = lab:host "a"
local p = a:spawn "sleep 995"
lab:check("the daemon runs", p:running())
p:wait()
