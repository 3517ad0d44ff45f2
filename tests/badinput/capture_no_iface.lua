-- expect: 4: node "b" has no interface "eth1" (it has: eth0)
local a, b = lab:host "a", lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
b:capture("eth1", { file = "/tmp/nslab-badinput.pcap" })
