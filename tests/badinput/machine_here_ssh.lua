-- expect: 2: machine "m1" is here (the coordinator): it takes no ssh=, nslab= or ssh_config=
lab:machine("m1", { here = true, ssh = "m1", underlay = "192.168.77.11" })
