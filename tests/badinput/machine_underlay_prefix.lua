-- expect: 2: machine "m2": underlay "192.168.77.12/24" must be an address without a prefix
lab:machine("m2", { underlay = "192.168.77.12/24" })
