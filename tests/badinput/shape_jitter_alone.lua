-- expect: 4: shape: jitter= varies a delay; give delay= too
local a, b = lab:host "a", lab:host "b"
lab:link(a, b, { "10.0.0.1/24", "10.0.0.2/24" })
a:shape("eth0", { jitter = "5ms" })
