-- Course step 002-1 (seed 002, the ip netns verbs): list, exec, pids and
-- identify against a lab's node, the way Neutron's qrouter namespaces are
-- inspected.
local host = lab:host "host"
local qr = lab:router "qrouter-e945b6b1"
local vm = lab:host "vm"
lab:link(vm, qr, { "10.1.1.5/24", "10.1.1.1/24" }, { names = { "eth0", "qr-76de6d23-a8" } })

-- ip netns list
lab:check("ip netns list shows the router namespace",
  host:exec("ip netns list").out:find(qr.netns, 1, true))
-- ip netns exec qrouter-... ip addr (the article uses ifconfig)
lab:check("ip netns exec sees qr-76de6d23-a8 with 10.1.1.1/24",
  host:exec({ "ip", "netns", "exec", qr.netns, "ip", "-br", "addr" }).out:find("10.1.1.1/24", 1, true))
-- ip netns pids / identify
local p = qr:spawn "exec sleep 30"
lab:check("ip netns pids lists the process started in the router",
  lab:eventually(function()
    return host:exec({ "ip", "netns", "pids", qr.netns }).out:find("%f[%d]" .. p.pid .. "%f[%D]")
  end))
lab:check("ip netns identify names the router",
  host:exec({ "ip", "netns", "identify", tostring(p.pid) }).out == qr.netns .. "\n")
lab:check("the VM reaches its router", vm:ping "10.1.1.1")
p:stop()
