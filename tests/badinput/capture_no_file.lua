-- expect: 4: capture: give the pcap file to write, like {file = "client.pcap"} ("-" for standard output)
local a, b = lab:host "a", lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
a:capture("eth0", { count = 10 })
