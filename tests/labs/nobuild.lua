-- A lab that cannot be built (for `nslab test`): its second address is
-- no address, so the link is refused before any check.
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.92.0.1/24", "10.92.0.300/24" })
lab:check("never reached", true)
