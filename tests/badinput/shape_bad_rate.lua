-- expect: 4: bad rate "10" (use tc's units: "10mbit", "512kbit", "1gbit", or bytes per second: "100kbps")
local a, b = lab:host "a", lab:host "b"
local l = lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
l:shape { rate = "10" }
