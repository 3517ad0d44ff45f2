-- A lab with one deliberately failing check among passing ones (for the
-- `nslab test` spec): line 8 fails, the checks around it pass.
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.89.0.1/24", "10.89.0.2/24" })
lab:expect_reach(a, b)
-- nobody has 10.89.0.9: this one fails, and the run goes on
lab:expect_reach(a, "10.89.0.9", { timeout = 1, desc = "a reaches 10.89.0.9" })
lab:check("a is on 10.89.0.0/24", a:ip() == "10.89.0.1")
