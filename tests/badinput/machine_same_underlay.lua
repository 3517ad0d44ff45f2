-- expect: 3: machines "m2" and "m3" have the same underlay address 192.168.77.12
lab:machine("m2", { underlay = "192.168.77.12" })
lab:machine("m3", { underlay = "192.168.77.12" })
