-- expect: 3: in node "a": cannot run "no-such-program-xyz": No such file or directory
local a = lab:host "a"
a:exec { "no-such-program-xyz" }
