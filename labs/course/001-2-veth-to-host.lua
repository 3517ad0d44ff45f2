-- Course step 001-2 (seed 001, "Creating a veth Pair and Connecting
-- Namespaces"): blue joined to the host side by veth0/veth1, before NAT.
local blue = lab:host "blue"                  -- ip netns add blue
local gw = lab:host "gw"                      -- plays the article's host
-- ip link add veth0 type veth peer name veth1 ; veth1 -> blue ; addresses ; up
lab:link(gw, blue, { "10.10.0.1/24", "10.10.0.2/24" }, { names = { "veth0", "veth1" } })

-- ip netns exec blue ping -c 3 10.10.0.1
lab:check("blue reaches the host side 10.10.0.1", blue:ping("10.10.0.1", { count = 3 }))
lab:check("blue has no default route: nothing beyond the pair",
  blue:exec("ip route show default").out == "")
