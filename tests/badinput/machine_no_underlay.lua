-- expect: 2: machine "m2" needs underlay = "ADDRESS": the address this machine's VXLAN links use (it is never guessed)
lab:machine("m2", { ssh = "root@m2.lan" })
lab:host "a"
