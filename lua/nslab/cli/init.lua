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
  ls                                      list your labs that are up, with owner and state
  clean [-n]                              tear down your labs a crash left (not those kept
                                          with `up`, nor running ones); -n: only say which
  nodes LAB                               the lab's nodes, their namespaces and processes
  exec LAB NODE -- CMD [ARG...]           run CMD inside NODE; exits with CMD's status
  shell LAB NODE                          an interactive shell inside NODE
  pids LAB NODE                           every process inside NODE, one pid a line
  identify PID                            which lab and node process PID is in
  monitor LAB                             nodes, links and addresses coming and going
  test FILE... [--junit F] [--keep-on-fail] [--prefix P]
                                          build each lab, run its checks, tear down (TAP)
  check LAB [--with TEACHER.lua]          which exercises of a lab that is up pass, with hints
                                          (--with: the exercises of another file, e.g. the
                                          teacher's copy, run against the live lab)
  graph LAB.lua [-o FILE.dot|.svg|.png]   draw the lab (DOT; SVG/PNG through Graphviz)
  inspect LAB [--json]                    a lab that is up, as the kernel holds it
  shape LAB NODE:IFACE [rate=R] [delay=T] [loss=P%] ...
                                          shape what leaves IFACE (no settings: show it)
  unshape LAB NODE:IFACE                  remove the shaping of IFACE
  link LAB NODE:IFACE up|down             set an interface (and so its link) up or down
  capture LAB NODE:IFACE -w FILE.pcap [-c N] [FILTER]
                                          write IFACE's packets to a pcap file until Ctrl-C
  version                                 print the version
  help                                    this text

Every verb acts on your own labs; root adds --all-users to act on anyone's.
As an ordinary user nslab runs rootless, in a user namespace of your own
(docs/rootless.md); NSLAB_ROOTLESS=1 asks for that as root too.

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
  local rootless = require "nslab.cli.rootless"
  rootless.host_note(nslab.labs, io.stderr)
  if mode == "up" then
    for _, l in ipairs(nslab.labs) do
      if l:is_up() then
        l:keep()
        local names = {}
        for _, n in ipairs(l.order) do names[#names + 1] = n.name end
        local enter = rootless.info() and ("nslab shell %s NODE"):format(l.name)
          or ("ip netns exec %s.NODE bash"):format(l.name)
        io.stdout:write(("lab %s is up: %s\n  enter a node: %s  |  remove it: nslab down %s\n")
          :format(l.name, table.concat(names, " "), enter, l.name))
      end
    end
  else
    local derr = nslab.down_all()
    if derr then io.stderr:write("nslab: ", derr, "\n") end
  end
  core.block_signals(false)
  return 0
end

-- Verbs on whole labs and their owners (nslab.cli.labs).
local LAB_VERBS = { down = true, ls = true, clean = true }
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
  local all_ok, all_err = require("nslab.cli.labs").take_all_users(args)
  if not all_ok then return err("%s", all_err) end
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
  elseif LAB_VERBS[cmd] then
    return require("nslab.cli.labs")[cmd](args)
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
