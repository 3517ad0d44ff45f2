-- expect: 4: cannot link two switches directly; put a node between them
local s1 = lab:switch "s1"
local s2 = lab:switch "s2"
lab:link(s1, s2)
