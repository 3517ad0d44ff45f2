-- A lab whose script fails half-way: `nslab test` reports a script error
-- at line 6, after the check before it, and still tears the lab down.
local a = lab:host "a"
lab:check("a exists", a ~= nil)
local b = lab:host "b"
lab:link(a, b, { "10.91.0.1/24", "10.91.0.300/24" })
