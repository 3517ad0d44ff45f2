-- Course step 001-1 (seed 001, "Basic Operations with ip netns"): a new
-- namespace holds only lo; ip netns exec sees nothing of the host.
local red = lab:host "red"                    -- ip netns add red

local links = red:exec("ip -o link show").out
lab:check("red holds only the loopback interface",
  select(2, links:gsub("\n", "")) == 1 and links:find(": lo:", 1, true), links)
-- nslab brings lo up, as `ip netns exec red ip link set lo up` does
lab:check("lo is up in red", red:exec("ip -o link show lo").out:find("UP", 1, true))
lab:check("red has no routes", red:exec("ip route").out == "")
lab:check("red's hostname is its own", red:exec("hostname").out == "red\n")
