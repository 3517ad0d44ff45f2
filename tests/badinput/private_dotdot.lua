-- expect: 3: file: path "/etc/frr/../shadow" must not hold "." or ".."
local a = lab:host "a"
a:file("/etc/frr/../shadow", "x")
