-- expect: 3: cannot link node "a" to itself
local a = lab:host "a"
lab:link(a, a)
