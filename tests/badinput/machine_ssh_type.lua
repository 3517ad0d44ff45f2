-- expect: 2: machine "m2": ssh= must be a non-empty string, got table
lab:machine("m2", { ssh = { "root@m2" }, underlay = "192.168.77.12" })
