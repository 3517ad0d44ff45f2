-- nslab.cli.rootless — what the command line says differently when nslab
-- runs rootless (src/kernel/rootless.c, docs/rootless.md): the user's
-- labs live in a user namespace of their own, so `ip netns` on the machine
-- does not list them and the `host` node is the user's private one.
local core = require "nslab.core"

local M = {}

-- base, keeper pid when rootless; nil as root
function M.info()
  local base, keeper = core.rootless()
  if not base then return nil end
  return base, keeper
end

-- How to get into the user's namespaces with their own tools: the
-- private host, and node (a pin, seen only inside) when given. The user
-- is root inside already; --preserve-credentials because setgroups is
-- denied there (nsenter would try it to become root).
function M.nsenter(keeper, pin)
  local line = ("nsenter -t %d -U -m -n --preserve-credentials"):format(keeper)
  if pin then
    line = ("nsenter -t %d -U -m --preserve-credentials nsenter --net=%s"):format(keeper, pin)
  end
  return line
end

-- The lines `nslab nodes` and `nslab up` add in rootless mode.
function M.enter_help(out, pin_example)
  local base, keeper = M.info()
  if not base or not keeper or keeper == 0 then return end
  out:write(("rootless: these namespaces are in your own user namespace (held by nslab-keeper %d, " ..
    "state in %s); `ip netns` does not list them. Enter with your own tools:\n"):format(keeper, base))
  out:write("  ", M.nsenter(keeper), "    # your private host namespace\n")
  if pin_example then out:write("  ", M.nsenter(keeper, pin_example), "    # a node\n") end
end

-- Said once a lab with a `host` node is built rootless.
function M.host_note(labs, out)
  if not M.info() then return end
  for _, l in ipairs(labs) do
    if l.nodes and l.nodes.host then
      out:write("nslab: rootless: node \"host\" is your private host namespace, not the machine's; " ..
        "nothing in the lab reaches the machine's network (docs/rootless.md)\n")
      return
    end
  end
end

return M
