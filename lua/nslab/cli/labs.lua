-- nslab.cli.labs — the verbs on whole labs and whose they are: down, ls,
-- clean, and the --all-users option every verb takes. A lab belongs to
-- the user who built it (core.user: behind sudo, or behind a rootless
-- namespace); these verbs act on the caller's own labs, root on anyone's
-- with --all-users (nslab.live.owned holds the rule).
local core = require "nslab.core"
local live = require "nslab.live"
local util = require "nslab.util"

local M = {}

local function err(fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
  return 1
end

-- Take --all-users out of args (before a `--`, so a command's own
-- arguments are left alone). Returns true, or nil and the message when
-- the caller may not use it: root of the machine only (a rootless
-- namespace holds one user's labs anyway).
function M.take_all_users(args)
  for i, a in ipairs(args) do
    if a == "--" then break end
    if a == "--all-users" then
      table.remove(args, i)
      if not core.privileged() or core.rootless() then
        return nil, "--all-users: only root acts on other users' labs"
      end
      live.all_users = true
      return true
    end
  end
  return true
end

-- The caller's own labs (every user's with --all-users), sorted; and how
-- many labs of other users were left out.
local function my_labs()
  local mine, others = {}, 0
  for _, name in ipairs(core.journal_list()) do
    if live.all_users or core.journal_user(name) == (core.user()) then
      mine[#mine + 1] = name
    else
      others = others + 1
    end
  end
  table.sort(mine)
  return mine, others
end

local function others_note(n)
  if n > 0 then
    io.stdout:write(("(%d lab%s of other users not shown; root sees them with --all-users)\n")
      :format(n, n == 1 and "" or "s"))
  end
end

function M.down(args)
  local pos, opt = util.parse_args(args, { force = "flag" })
  if not pos then return err("down: %s", opt) end
  if #pos == 0 then return err("down: which lab? (see `nslab ls`)") end
  if not core.privileged() then return err("down needs root; run it as root (sudo nslab down ...)") end
  local rc = 0
  for _, arg in ipairs(pos) do
    local name, bad = util.lab_arg("down", arg)
    local mine, merr
    if name then mine, merr = live.owned(name) end
    local owner = mine and core.journal_owner(name)
    if not name then
      rc = err("%s", bad)
    elseif not mine then
      rc = err("%s", merr)
    elseif owner == nil then
      rc = err("no lab named \"%s\" is up (see `nslab ls`)", name)
    elseif owner > 0 and not opt.force then
      rc = err("lab \"%s\" is running in nslab process %d; stop that process (it tears the lab down) " ..
        "or use --force", name, owner)
    else
      if owner > 0 then core.kill(owner, 15) end
      local n, e = core.journal_down(name)
      if n then
        io.stdout:write(("lab %s is down (%d records undone)\n"):format(name, n))
      else
        rc = err("down %s: %s", name, e)
      end
    end
  end
  return rc
end

-- Rootless: a lab whose pins are plain files again lost its namespaces
-- with the keeper that held them (killed); what is left is debris.
local function lost(name)
  if not core.rootless() then return false end
  local recs = core.journal_records(name, "netns")
  if not recs or not recs[1] then return false end
  local pin = core.nsid(core.netns_dir .. "/" .. recs[1])
  local nsfs = core.nsid("/proc/self/ns/net")
  return not pin or pin:match("^%d+") ~= nsfs:match("^%d+")
end

-- What a lab is doing: "running (pid N)", "kept (nslab up)", or "left by
-- a crash" (what `nslab clean` removes; so is a rootless lab whose
-- namespaces were "lost").
local function state_of(name)
  local owner = core.journal_owner(name)
  if owner and owner > 0 then return ("running (pid %d)"):format(owner), owner end
  if lost(name) then return "lost (keeper ended)" end
  if core.journal_kept(name) then return "kept (nslab up)" end
  return "left by a crash"
end

function M.ls(args)
  local pos, opt = util.parse_args(args or {}, {})
  if not pos then return err("ls: %s", opt) end
  local labs, others = my_labs()
  if #labs == 0 then
    io.stdout:write("no labs are up\n")
    others_note(others)
    return 0
  end
  io.stdout:write(("%-20s %-10s %5s  %-22s %s\n"):format("LAB", "OWNER", "NODES", "STATE", "FILE"))
  for _, name in ipairs(labs) do
    local f = io.open(core.lab_dir(name) .. "/file")
    local file = f and f:read("a") or "-"
    if f then f:close() end
    local uid = core.journal_user(name)
    io.stdout:write(("%-20s %-10s %5d  %-22s %s\n"):format(name, uid and core.user_name(uid) or "-",
      core.journal_count(name, "netns"), (state_of(name)), file))
  end
  others_note(others)
  return 0
end

-- nslab clean [-n]: tear down the caller's labs that a crash left (no
-- nslab process owns them and none was kept with `nslab up`); say which,
-- and why each other lab stays. -n: only say.
function M.clean(args)
  local pos, opt = util.parse_args(args or {}, { ["dry-run"] = "flag" }, { n = "dry-run" })
  if not pos then return err("clean: %s", opt) end
  if #pos > 0 then return err("clean: takes no lab names; `nslab down NAME` removes one lab") end
  if not core.privileged() then return err("clean needs root; run it as root (sudo nslab clean)") end
  local labs, others = my_labs()
  local rc, done = 0, 0
  for _, name in ipairs(labs) do
    local state, pid = state_of(name)
    local ok, terr = core.journal_trusted(name)
    if not ok then
      rc = err("clean %s: %s", name, terr)
    elseif pid then
      io.stdout:write(("lab %s is in use by nslab process %d; left alone\n"):format(name, pid))
    elseif state == "kept (nslab up)" then
      io.stdout:write(("lab %s was kept with `nslab up`; left alone (`nslab down %s` removes it)\n")
        :format(name, name))
    elseif opt["dry-run"] then
      done = done + 1
      io.stdout:write(("would remove lab %s (%s)\n"):format(name, state))
    else
      local n, e = core.journal_down(name)
      if n then
        done = done + 1
        io.stdout:write(("removed lab %s (%d records undone)\n"):format(name, n))
      else
        rc = err("clean %s: %s", name, e)
      end
    end
  end
  if done == 0 and rc == 0 then io.stdout:write("nothing to clean\n") end
  if others > 0 then
    io.stdout:write(("%d lab%s of other users left alone\n"):format(others, others == 1 and "" or "s"))
  end
  return rc
end

return M
