-- expect: 3: unknown machine "nope" (machines: m2)
lab:machine("m2", { ssh = "root@m2.lan", underlay = "192.168.77.12" })
lab:router("r1", { on = "nope" })
