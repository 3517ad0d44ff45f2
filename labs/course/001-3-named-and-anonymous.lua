-- Course step 001-3 (seed 001, "Named Namespaces vs Anonymous Namespaces"
-- and "Inspecting Namespaces"): a node is a named namespace, pinned in
-- /run/netns; a process inside it shares its inode in /proc/PID/ns/net.
local host = lab:host "host"                  -- the root namespace, read only here
local app = lab:host "app"

local p = app:spawn "exec sleep 30"
local function inode(path)
  return host:exec({ "stat", "-L", "-c", "%i", path }).out:match("%d+")
end
local pin = inode("/run/netns/" .. app.netns)
local proc = lab:eventually(function() return inode(("/proc/%d/ns/net"):format(p.pid)) end)
lab:check("the pin /run/netns/" .. app.netns .. " and the process share one namespace inode",
  pin and pin == proc, ("pin %s, process %s"):format(tostring(pin), tostring(proc)))
lab:check("the host's own namespace is another one", inode("/proc/self/ns/net") ~= pin)
-- ip netns identify PID
lab:check("ip netns identify names the node",
  host:exec({ "ip", "netns", "identify", tostring(p.pid) }).out == app.netns .. "\n")
-- nsenter --net=/proc/PID/ns/net ip link: the process's view
lab:check("nsenter into the process's namespace sees only lo",
  host:exec({ "nsenter", "--net=/proc/" .. p.pid .. "/ns/net", "ip", "-o", "link" }).out:find("^1: lo:"))
p:stop()
