-- expect: 3: file /etc/x.conf: text must be a string, got table
local a = lab:host "a"
a:file("/etc/x.conf", { "x" })
