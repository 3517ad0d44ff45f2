-- expect: 3: command "ls /nonexistent" in node "a" failed with status 2: ls: cannot access '/nonexistent': No such file or directory
local a = lab:host "a"
a:exec("ls /nonexistent", { check = true })
