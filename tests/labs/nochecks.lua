-- A lab that proves nothing: `nslab test` must fail it.
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.90.0.1/24", "10.90.0.2/24" })
