-- expect: 3: unknown node "nobody" in lab "ping_unknown_target" (nodes: a)
local a = lab:host "a"
a:ping "nobody"
