-- expect: 4: private /etc/frr would hide file /etc/frr/daemons of node "a" (declared at tests/badinput/private_hides_file.lua:3); declare the directory first
local a = lab:host "a"
a:file("/etc/frr/daemons", "zebra=yes\n")
a:private "/etc/frr"
