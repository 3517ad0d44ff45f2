-- expect: 3: unexpected symbol near ')'
local a = lab:host "a"
a:route("default", )
