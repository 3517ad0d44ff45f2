-- expect: 3: frr in node "r1": frr.conf: line 3: % Unknown command[41]:  network 10.0.0.0/8 arrea 0 (at tests/badinput/frr_config_typo.lua:6)
local r1 = lab:router "r1"
r1:frr { config = [[
hostname r1
router ospf
 network 10.0.0.0/8 arrea 0
]] }
