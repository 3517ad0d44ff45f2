-- expect: 3: switch "s1": a switch on another machine is not supported yet (docs/multi-host.md); put it on this machine or use a router there
lab:machine("m2", { underlay = "192.168.77.12" })
lab:switch("s1", { on = "m2" })
