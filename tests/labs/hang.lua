-- A lab whose command never ends (for `nslab test --timeout`): the check
-- before it passes, then node:exec waits for good.
local a = lab:host "a"
lab:check("a exists", a ~= nil)
a:exec("sleep 997", { timeout = false })
lab:check("never reached", true)
