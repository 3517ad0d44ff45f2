-- nslab.cli — the `nslab` command line: run, up, down, ls, clean.
local core = require "nslab.core"
local nslab = require "nslab"

local M = {}

local USAGE = [[
usage: nslab <command> [options]

  run LAB.lua [--name NAME] [--verbose]   build the lab, run its script, tear it down
  up LAB.lua [--name NAME] [--verbose]    build the lab and leave it up
  repl LAB.lua [--keep] | repl NAME       build the lab (or attach to one that is up) and
                                          explore it interactively (docs/repl.md)
  down NAME... [--force]                  tear down labs left up (or after a crash)
  ls                                      list labs that are up
  clean                                   tear down every lab no running nslab owns
  nodes LAB                               the lab's nodes, their namespaces and processes
  exec LAB NODE -- CMD [ARG...]           run CMD inside NODE; exits with CMD's status
  shell LAB NODE                          an interactive shell inside NODE
  pids LAB NODE                           every process inside NODE, one pid a line
  identify PID                            which lab and node process PID is in
  monitor LAB                             nodes, links and addresses coming and going
  test FILE... [--junit F] [--keep-on-fail] [--prefix P]
                                          build each lab, run its checks, tear down (TAP)
  check LAB                               which exercises of a lab that is up pass, with hints
  graph LAB.lua [-o FILE.dot|.svg|.png]   draw the lab (DOT; SVG/PNG through Graphviz)
  inspect LAB [--json]                    a lab that is up, as the kernel holds it
  shape LAB NODE:IFACE [rate=R] [delay=T] [loss=P%] ...
                                          shape what leaves IFACE (no settings: show it)
  unshape LAB NODE:IFACE                  remove the shaping of IFACE
  link LAB NODE:IFACE up|down             set an interface (and so its link) up or down
  capture LAB NODE:IFACE -w FILE.pcap [-c N] [FILTER]
                                          write IFACE's packets to a pcap file until Ctrl-C
  web LAB [--port N] [--bind ADDR]        the lab live in a browser (docs/web.md); prints
                                          the URL (with its token) first
  version                                 print the version
  help                                    this text

A lab file is a Lua 5.4 script; `lab` is pre-bound to a lab named after the
file (labs/crs.lua -> lab "crs", nodes are namespaces "crs.NODE").
See docs/ for the manual and the Lua API.]]

local function err(fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
  return 1
end

local util = require "nslab.util"
local parse = util.parse_args

local runner = require "nslab.cli.runner"
local progress = require "nslab.cli.progress"

-- Run a lab file. mode "run" tears down at the end, "up" leaves it up.
-- Returns the exit status, and the labs when kept.
function M.run_file(file, mode, opt)
  local name, status = runner.lab_name(file, opt)
  if not name then return status end
  local chunk, lerr = runner.load(nslab, file, name, progress.output())
  if not chunk then
    io.stderr:write(lerr, "\n")
    return 1
  end
  local ok, msg = xpcall(chunk, runner.handler(opt.verbose))
  if not ok then return runner.fail(nslab, file, msg, opt.verbose) end
  core.block_signals(true)
  if mode == "up" then
    for _, l in ipairs(nslab.labs) do
      if l:is_up() then
        l:keep()
        local names = {}
        for _, n in ipairs(l.order) do names[#names + 1] = n.name end
        io.stdout:write(("lab %s is up: %s\n  enter a node: ip netns exec %s.NODE bash  |  remove it: nslab down %s\n")
          :format(l.name, table.concat(names, " "), l.name, l.name))
      end
    end
  else
    local derr = nslab.down_all()
    if derr then io.stderr:write("nslab: ", derr, "\n") end
  end
  core.block_signals(false)
  return 0
end

local function cmd_down(args)
  local pos, opt = parse(args, { force = "flag" })
  if not pos then return err("down: %s", opt) end
  if #pos == 0 then return err("down: which lab? (see `nslab ls`)") end
  if not core.privileged() then return err("down needs root; run it as root (sudo nslab down ...)") end
  local rc = 0
  for _, arg in ipairs(pos) do
    local name, bad = util.lab_arg("down", arg)
    local owner = name and core.journal_owner(name)
    if not name then
      rc = err("%s", bad)
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

local function cmd_ls()
  local labs = core.journal_list()
  table.sort(labs)
  if #labs == 0 then
    io.stdout:write("no labs are up\n")
    return 0
  end
  io.stdout:write(("%-20s %5s  %-22s %s\n"):format("LAB", "NODES", "STATE", "FILE"))
  for _, name in ipairs(labs) do
    local owner = core.journal_owner(name)
    local f = io.open(core.lab_dir(name) .. "/file")
    local file = f and f:read("a") or "-"
    if f then f:close() end
    local state = owner and owner > 0 and ("running (pid %d)"):format(owner) or "up (no owner)"
    io.stdout:write(("%-20s %5d  %-22s %s\n"):format(name, core.journal_count(name, "netns"), state, file))
  end
  return 0
end

local function cmd_clean()
  if not core.privileged() then return err("clean needs root; run it as root (sudo nslab clean)") end
  local labs, rc, done = core.journal_list(), 0, 0
  table.sort(labs)
  for _, name in ipairs(labs) do
    local owner = core.journal_owner(name)
    if owner and owner > 0 then
      io.stdout:write(("lab %s is in use by nslab process %d; left alone\n"):format(name, owner))
    elseif owner then
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
  return rc
end

-- Verbs that look into labs that are up (nslab.cli.nodes).
local NODE_VERBS = { nodes = true, exec = true, shell = true, pids = true,
                     identify = true, monitor = true }
-- Verbs for courses and CI (nslab.cli.tests).
local TEST_VERBS = { test = true, check = true, graph = true, inspect = true }
-- Verbs on the interfaces of labs that are up (nslab.cli.shape).
local LINK_VERBS = { shape = true, unshape = true, link = true, capture = true }

function M.main(argv)
  local cmd = argv[1]
  local args = table.move(argv, 2, #argv, 1, {})
  if cmd == nil or cmd == "help" or cmd == "-h" or cmd == "--help" then
    io.stdout:write(USAGE, "\n")
    return cmd == nil and 2 or 0
  elseif cmd == "version" or cmd == "--version" then
    io.stdout:write("nslab ", core.version, " (", _VERSION, ")\n")
    return 0
  elseif cmd == "run" or cmd == "up" then
    progress.auto(nslab)
    local pos, opt = parse(args, { name = "value", verbose = "flag" }, { v = "verbose" })
    if not pos then return err("%s: %s", cmd, opt) end
    if #pos ~= 1 then return err("%s: give exactly one lab file, like `nslab %s labs/client-router-server.lua`", cmd, cmd) end
    return M.run_file(pos[1], cmd, opt)
  elseif cmd == "repl" then
    return require("nslab.repl").main(args)
  elseif cmd == "down" then
    return cmd_down(args)
  elseif cmd == "ls" then
    return cmd_ls()
  elseif cmd == "clean" then
    return cmd_clean()
  elseif cmd == "web" then
    return require("nslab.web").main(args)
  elseif NODE_VERBS[cmd] then
    return require("nslab.cli.nodes")[cmd](args)
  elseif TEST_VERBS[cmd] then
    return require("nslab.cli.tests")[cmd](args)
  elseif LINK_VERBS[cmd] then
    return require("nslab.cli.shape")[cmd](args)
  end
  return err("unknown command \"%s\" (try `nslab help`)", cmd)
end

return M
