-- expect: 3: unknown sysctl "net.ipv4.ip_forwarding" in unknown_sysctl.a (no /proc/sys/net/ipv4/ip_forwarding)
local a = lab:host "a"
a:sysctl("net.ipv4.ip_forwarding", 1)
