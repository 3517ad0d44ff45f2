-- expect: 3: private /var/run/x: owner "nosuchuser:frr": no user "nosuchuser" on this machine
local a = lab:host "a"
a:private("/var/run/x", { owner = "nosuchuser:frr" })
