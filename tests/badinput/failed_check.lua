-- expect: 5: check failed: a reaches 10.0.0.9 (nobody there)
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
lab:check("a reaches 10.0.0.9", a:ping("10.0.0.9", { timeout = 1 }), "nobody there")
