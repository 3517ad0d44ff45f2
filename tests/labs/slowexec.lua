-- A lab whose command outlives node:exec's default limit (for
-- `nslab test --exec-timeout`, NSLAB_EXEC_TIMEOUT): it names no timeout.
local a = lab:host "a"
lab:check("a exists", a ~= nil)
a:exec "sleep 996"
lab:check("never reached", true)
