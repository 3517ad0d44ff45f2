-- crs_nslab.lua - the nslab side of bench/run's data-plane step: the
-- topology of labs/client-router-server.lua and nothing else (no checks, no
-- processes, no output), held up with `nslab up` and removed with
-- `nslab down`.  bench/run names the lab with --name (nsbdn: its nodes are
-- the namespaces nsbdn.client, nsbdn.router, nsbdn.server).
-- The same topology with plain `ip` commands: bench/contenders/crs_ip.sh.
local client = lab:host "client"
local router = lab:router "router"
local server = lab:host "server"
lab:link(client, router, { "10.0.1.2/24", "10.0.1.1/24" }, { names = { "cl-rt0", "cl-rt1" } })
lab:link(server, router, { "10.0.2.2/24", "10.0.2.1/24" }, { names = { "sv-rt0", "sv-rt1" } })
client:route("default", "10.0.1.1")
server:route("default", "10.0.2.1")
