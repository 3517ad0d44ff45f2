-- expect: 2: machine "m2": underlay= must be an address like "192.168.77.12", got number
lab:machine("m2", { ssh = "m2", underlay = 12 })
