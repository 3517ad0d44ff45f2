-- expect: 3: frr: config must be the text of an integrated frr.conf, got nil
local r1 = lab:router "r1"
r1:frr { daemons = { "ospfd" } }
