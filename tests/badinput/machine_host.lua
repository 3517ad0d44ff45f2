-- expect: 3: "host" is this machine's own namespace; it cannot be placed on machine "m2"
lab:machine("m2", { underlay = "192.168.77.12" })
lab:host("host", { on = "m2" })
