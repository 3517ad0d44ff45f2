-- expect: 3: machine "m2" is declared twice
lab:machine("m2", { underlay = "192.168.77.12" })
lab:machine("m2", { underlay = "192.168.77.13" })
