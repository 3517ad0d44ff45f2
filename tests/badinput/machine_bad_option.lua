-- expect: 2: machine: unknown option 'adress' (known: here, nslab, ssh, ssh_config, underlay)
lab:machine("m2", { adress = "192.168.77.12" })
