-- A lab whose checks all pass (for the `nslab test` spec).
local a = lab:host "a"
local b = lab:host "b"
lab:link(a, b, { "10.88.0.1/24", "10.88.0.2/24" })
lab:expect_reach(a, b)
lab:expect_addr(b, "10.88.0.2/24", { iface = "eth0" })
lab:check("b's forwarding is off", b:sysctl "net.ipv4.ip_forward" == "0")
