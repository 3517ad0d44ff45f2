-- expect: 4: on= must be the name of a machine (lab:machine), got number
lab:machine("m2", { underlay = "192.168.77.12" })
lab:host "a"
lab:host("b", { on = 2 })
