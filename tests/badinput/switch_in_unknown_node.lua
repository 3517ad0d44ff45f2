-- expect: 2: unknown node "gw" in lab "switch_in_unknown_node" (nodes: none yet)
lab:switch("vnet-0", { node = "gw" })
