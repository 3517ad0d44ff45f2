-- nslab.cli.verbs — the one table of the command line: every verb, its
-- arguments, flags and help texts, and the exit statuses. The parser
-- (nslab.cli.args), `--help`, `help VERB`, the usage text, docs/cli.md,
-- the synopsis of docs/nslab.1 and the bash completion are all made from
-- it (scripts/cli-docs writes the files, and the test cli.docs fails when
-- they drift).
--
-- Adding a verb is one entry in M.list; adding a flag is one line in its
-- flags. An entry:
--   name     the verb
--   group    the heading it is listed under (M.groups)
--   summary  one line for the verb list
--   doc      a paragraph for `nslab VERB --help`, cli.md and the man page
--   args     positionals: { NAME, METAVAR, help, count = "?"|"*"|"+"|nil (one),
--                           complete = a completion kind, choices = {...} }
--   rest     words after the positionals, taken as they are (exec's
--            command): { NAME, METAVAR, help, after = N positionals }
--   flags    { "-s --long", METAVAR or nil (a switch), help, complete =,
--              convert = function(s) -> value | nil, message, required = true,
--              hidden = true: internal, left out of help, docs and completion,
--              global = true: one flag many verbs share, said once in nslab(1) }
--   run      "module" (the verb's function is module[name]) or
--            "module:function"
-- The parsed command line reaches run as one table: positionals by NAME,
-- flags by their long name with '-' as '_' (--keep-on-fail -> keep_on_fail).
--
-- Completion kinds: lua (lab files), file, lab (labs that are up),
-- labfile (either), node (of the lab in the first argument), endpoint
-- (NODE:IFACE of that lab), command, shapekey (KEY=), and choices.
local M = {}

-- Exit statuses, the same for every verb (docs/cli.md, nslab(1)).
M.EXIT = {
  ok = 0,        -- success
  failed = 1,    -- a check failed; or what was asked cannot be done (no such lab, not root, ...)
  usage = 2,     -- the command line is wrong: unknown verb or flag, missing or stray argument
  build = 4,     -- the lab could not be built: its file is missing, or raises an error
  timeout = 5,   -- a time limit was reached
}

M.exit_doc = {
  { "0", "success" },
  { "1", "a check failed (`test`, `check`, a failed `lab:check` under `run`); or what was asked " ..
    "cannot be done: no such lab or node, not root, the kernel refused" },
  { "2", "usage: unknown verb or flag, a missing or stray argument, a bad flag value" },
  { "4", "the lab could not be built: its file is missing or unreadable, or its script raised an " ..
    "error (one line, `FILE:LINE: message`); the partial lab is torn down first" },
  { "5", "a time limit was reached" },
  { "N", "a lab script that calls `os.exit(N)` under `run` or `up`: its status, after the lab is torn down" },
  { "125, 126, 127", "`exec` and `shell`: nslab could not run the command (no such lab or node), " ..
    "the command cannot be executed, or is not found (as env(1)); otherwise the command's own status" },
  { "130, 143", "ended by SIGINT (Ctrl-C) or SIGTERM; the lab is torn down first" },
}

-- Whose labs a verb acts on, and rootless mode: said once, in `nslab
-- help` (plain) and in docs/cli.md (where the path becomes a link).
M.whose = "Every verb that acts on labs that are up acts on your own (a lab belongs to the user " ..
  "who built it, the one behind `sudo`); root adds `--all-users` to act on every user's. As an " ..
  "ordinary user nslab runs rootless, in a user namespace of your own (docs/rootless.md); " ..
  "`NSLAB_ROOTLESS=1` asks for that as root too."

M.groups = {
  { "build", "Building and tearing down" },
  { "look", "Looking into labs that are up" },
  { "ci", "Courses and CI" },
  { "links", "Links of labs that are up" },
  { "other", "Other" },
}

local NAME = { "--name", "NAME", "the lab's name (default: the file's name, labs/crs.lua -> crs)" }
local VERBOSE = { "-v --verbose", nil, "errors with a Lua traceback" }
local JSON = { "--json", nil, "print JSON (shape in docs/cli.md)" }
-- Every verb that acts on labs that are up acts on the caller's own (the
-- user behind sudo or behind a rootless namespace); root of the machine
-- adds this flag to act on every user's (nslab.live.owned holds the rule,
-- nslab.cli.args checks who may use it).
local ALL_USERS = { "--all-users", nil, "root: act on every user's labs, not only your own (another user's is " ..
  "LAB@UID, as `nslab ls --all-users` lists it)", global = true }
M.ALL_USERS = ALL_USERS
local LAB = { "lab", "LAB", "a lab that is up (see `nslab ls`)", complete = "lab" }
-- --machines a,b: the file's nodes spread over machines (nslab.cli.place)
local MACHINES = { "--machines", "M1,M2,...", "spread the nodes the file does not place (on=) over these " ..
  "machines, about as many on each, few links between them; `here` is this machine; a machine the lab does " ..
  "not declare is looked up in ~/.config/nslab/machines or $NSLAB_MACHINES_FILE (docs/multi-host.md)",
  convert = function(s) return require("nslab.placement").parse_list(s) end }
local ENDPOINT = { "endpoint", "NODE:IFACE", "an interface of a node of the lab, like client:eth0",
                   complete = "endpoint" }

-- A whole number from lo to hi, for flags like -c COUNT.
local function int_between(lo, hi, flag, what)
  return function(s)
    local n = math.tointeger(tonumber(s))
    if not n or n < lo or n > hi then
      return nil, ("%s needs %s from %d to %d, got \"%s\""):format(flag, what, lo, hi, s)
    end
    return n
  end
end

-- A number of seconds, 0 or more, for time limits.
local function seconds(flag)
  return function(s)
    local n = tonumber(s)
    if not n or n < 0 or n ~= n or n == math.huge then
      return nil, ("%s needs a number of seconds (0: no limit), got \"%s\""):format(flag, s)
    end
    return n
  end
end

-- A Lua pattern string.find accepts.
local function lua_pattern(flag)
  return function(s)
    if not pcall(string.find, "", s) then
      return nil, ("%s \"%s\" is not a valid Lua pattern (escape magic characters with %%)"):format(flag, s)
    end
    return s
  end
end

-- graph's -o: a file name whose ending says the format.
local function drawing(path)
  local ext = (path:match("%.(%w+)$") or "dot"):lower()
  if ext == "dot" or ext == "gv" or ext == "svg" or ext == "png" or ext == "pdf" then return path end
  return nil, ("cannot write \"%s\": use a name ending in .dot, .svg, .png or .pdf"):format(path)
end

-- inspect's and graph's --here: a lab over machines without asking them
local HERE = { "--here", nil, "a lab placed over machines: only this machine's part (by default each other " ..
  "machine's part is read there over ssh, docs/multi-host.md)" }

M.list = {
  { name = "run", group = "build", run = "nslab.cli.build",
    summary = "build the lab, run its script, tear it down",
    doc = "Builds the lab the file describes, runs the rest of its script, and tears everything " ..
      "down, also on an error or Ctrl-C.",
    args = { { "file", "LAB.lua", "the lab file", complete = "lua" } },
    flags = { NAME, MACHINES, VERBOSE } },
  { name = "up", group = "build", run = "nslab.cli.build",
    summary = "build the lab and leave it up",
    doc = "As run, but the lab stays up (for `nslab exec`, `repl`, `check`); take it down with " ..
      "`nslab down NAME` or `nslab down LAB.lua`.",
    args = { { "file", "LAB.lua", "the lab file", complete = "lua" } },
    flags = { NAME, MACHINES, VERBOSE } },
  { name = "down", group = "build", run = "nslab.cli.build",
    summary = "tear down labs that are up",
    doc = "Tears down labs left up by `up` (or by a crash), by their journal. A lab file names " ..
      "the lab it was brought up as.",
    args = { { "labs", "LAB|LAB.lua", "a lab that is up, or the file it was built from", count = "+",
               complete = "labfile" } },
    flags = { { "--force", nil, "also a lab a running nslab owns (that process is stopped)" }, ALL_USERS } },
  { name = "ls", group = "build", run = "nslab.cli.build",
    summary = "list your labs that are up",
    doc = "Name, owner, node count, state (`running (pid N)`, `kept (nslab up)`, `left by a crash`, or, " ..
      "rootless, `lost (keeper ended)`) and file of each of your labs that is up; how many of other " ..
      "users' are not shown.",
    flags = { JSON, ALL_USERS },
    notes = "`--json`: `{\"labs\": [{\"name\": \"crs\", \"nodes\": 3, \"state\": \"running\"|\"up\"|\"crashed\"|\"lost\", " ..
      "\"owner\": PID|null, \"user\": \"alice\", \"uid\": 1000, \"file\": \"/abs/labs/crs.lua\"|null, \"machines\": {\"m2\": 3}}]}` " ..
      "(`state` is `running` while an nslab process owns the lab, that process's pid in `owner`; `up` when " ..
      "it was left up with `nslab up`; `crashed` when a crash left it, what `nslab clean` removes; `lost` " ..
      "when its rootless keeper was killed; `machines`, only for a lab placed over machines: the nodes on each " ..
      "other machine, docs/multi-host.md)." },
  { name = "clean", group = "build", run = "nslab.cli.build",
    summary = "tear down your labs a crash left",
    doc = "Tears down your labs that a crash or `kill -9` left (no running nslab owns them, none was " ..
      "kept with `up`); prints each lab it removes and why it leaves each other one. Never a lab still " ..
      "running, a lab kept with `up` (`nslab down` removes it), another user's lab, nor anything nslab " ..
      "did not create.",
    flags = { { "-n --dry-run", nil, "only say which labs would be removed" }, ALL_USERS } },
  { name = "repl", group = "build", run = "nslab.repl:main",
    summary = "explore a lab interactively (docs/repl.md)",
    doc = "With a lab file, builds the lab and opens the REPL (leaving tears it down unless --keep); " ..
      "with the name of a lab that is up, attaches to it.",
    args = { { "target", "LAB.lua|LAB", "a lab file, or a lab that is up", complete = "labfile" } },
    flags = { NAME, { "--keep", nil, "leave the lab up when the REPL ends" }, VERBOSE, ALL_USERS } },

  { name = "nodes", group = "look", run = "nslab.cli.nodes",
    summary = "the lab's nodes, namespaces, processes and addresses",
    args = { LAB }, flags = { JSON, ALL_USERS },
    notes = "`--json`: `{\"lab\": \"crs\", \"nodes\": [{\"name\": \"client\", \"netns\": \"crs.client\", " ..
      "\"pids\": N|null, \"interfaces\": [{\"name\": \"eth0\", \"addresses\": [\"10.0.1.2/24\"]}]|null}]}` " ..
      "(interfaces without `lo`, addresses without link-local ones; `null` where the namespace could not be read)." },
  { name = "exec", group = "look", run = "nslab.cli.nodes",
    summary = "run a command inside a node; exits with its status",
    doc = "Runs CMD inside NODE (its network namespace and hostname) in place of nslab, so its exit " ..
      "status is nslab's. Words after NODE are the command; `--` before it is optional.",
    args = { LAB, { "node", "NODE", "a node of the lab (`host`: the host namespace)", complete = "node" } },
    rest = { "command", "CMD", "the command and its arguments", after = 2, complete = "command" },
    flags = { ALL_USERS } },
  { name = "shell", group = "look", run = "nslab.cli.nodes",
    summary = "an interactive shell inside a node",
    args = { LAB, { "node", "NODE", "a node of the lab", complete = "node" } }, flags = { ALL_USERS } },
  { name = "pids", group = "look", run = "nslab.cli.nodes",
    summary = "every process inside a node, one pid a line",
    args = { LAB, { "node", "NODE", "a node of the lab", complete = "node" } }, flags = { ALL_USERS } },
  { name = "identify", group = "look", run = "nslab.cli.nodes",
    summary = "which lab and node a process is in",
    args = { { "pid", "PID", "a process id", complete = "none" } } },
  { name = "monitor", group = "look", run = "nslab.cli.nodes",
    summary = "nodes, links and addresses coming and going",
    doc = "One line per event until the lab goes down or Ctrl-C; a lab not up yet is waited for " ..
      "(your own: another user's is refused, as by the other verbs).",
    args = { LAB }, flags = { ALL_USERS } },
  { name = "inspect", group = "look", run = "nslab.cli.tests",
    summary = "a lab that is up, as the kernel holds it",
    doc = "Nodes, interfaces, addresses, routes, rules and NAT, read from the kernel " ..
      "(docs/graph-inspect.md; JSON schema docs/inspect.schema.json).",
    args = { LAB }, flags = { { "--json", nil, "print JSON (docs/inspect.schema.json)" },
      { "--compare", "FILE", "compare with a state saved by --json: print the difference (ifindexes, " ..
        "MACs, link-local addresses, pids and counters aside); exit 1 when it differs", complete = "file" }, HERE,
      ALL_USERS } },

  { name = "test", group = "ci", run = "nslab.cli.tests",
    summary = "build each lab, run its checks, tear down (TAP, JUnit)",
    doc = "Runs each lab file under its own lab and reports every check as TAP on standard output " ..
      "(docs/testing.md).",
    args = { { "files", "LAB.lua", "lab files", count = "+", complete = "lua" } },
    flags = {
      { "--junit", "FILE", "also write a JUnit XML report to FILE", complete = "file" },
      { "--json", "FILE", "also write the results as JSON to FILE (- for standard output, instead of TAP; " ..
        "docs/test-results.schema.json)", complete = "file" },
      { "-j --jobs", "N", "run N labs at once, each in a process of its own (output kept per lab)",
        convert = int_between(1, 64, "-j", "a number of labs") },
      { "--timeout", "SECONDS", "time limit of each lab, its teardown aside (default 600; 0: none)",
        convert = seconds("--timeout") },
      { "--exec-timeout", "SECONDS", "limit of a node:exec that names none (default 60; 0: none)",
        convert = seconds("--exec-timeout") },
      { "--only", "PATTERN", "report only the checks whose \"LAB: description\" matches the Lua PATTERN",
        convert = lua_pattern("--only") },
      { "--keep-on-fail", nil, "leave a lab whose checks failed up for inspection" },
      { "--prefix", "P", "prefix every lab name with P" },
      MACHINES, VERBOSE,
      { "--worker", "RESULT", "internal (-j): run one file, write its suite to RESULT", hidden = true },
      { "--lab", "NAME", "internal (-j): the lab name of --worker's file", hidden = true },
    } },
  { name = "check", group = "ci", run = "nslab.cli.tests",
    summary = "which exercises of a lab that is up pass, with hints",
    doc = "With --with, the exercises of another copy of the lab file (the teacher's) are run against " ..
      "the live lab, for grading; the lab's own file is not read.",
    args = { { "lab", "LAB|LAB.lua", "a lab that is up, or its file", complete = "labfile" } },
    flags = { { "--name", "NAME", "the lab's name, when the file was brought up under another" },
              { "--with", "CHECKS.lua", "the file whose exercises are checked (the teacher's copy)", complete = "lua" },
              VERBOSE, ALL_USERS } },
  { name = "graph", group = "ci", run = "nslab.cli.tests",
    summary = "draw a lab (DOT; SVG, PNG or PDF through Graphviz)",
    doc = "Draws a lab file without building it (no root needed), or a lab that is up as the " ..
      "kernel holds it.",
    args = { { "lab", "LAB.lua|LAB", "a lab file, or a lab that is up", complete = "labfile" } },
    flags = {
      { "-o --output", "FILE", "write FILE (.dot, .svg, .png or .pdf) instead of DOT on standard output",
        complete = "file", convert = drawing },
      NAME, MACHINES, HERE, VERBOSE, ALL_USERS,
    } },

  { name = "shape", group = "links", run = "nslab.cli.shape",
    summary = "shape what leaves an interface (no settings: show it)",
    doc = "Settings: rate=R burst=B latency=T limit=B delay=T jitter=T loss=P% duplicate=P% " ..
      "(docs/shaping-capture.md).",
    args = { LAB, ENDPOINT,
             { "settings", "KEY=VALUE", "shaping settings, like rate=10mbit delay=20ms", count = "*",
               complete = "shapekey" } }, flags = { ALL_USERS } },
  { name = "unshape", group = "links", run = "nslab.cli.shape",
    summary = "remove the shaping of an interface",
    args = { LAB, ENDPOINT }, flags = { ALL_USERS } },
  { name = "link", group = "links", run = "nslab.cli.shape",
    summary = "set an interface (and so its link) up or down",
    args = { LAB, ENDPOINT, { "state", "up|down", "the new state", choices = { "up", "down" } } },
    flags = { ALL_USERS } },
  { name = "capture", group = "links", run = "nslab.cli.shape",
    summary = "write an interface's packets to a pcap file",
    doc = "Captures until Ctrl-C, COUNT packets, or the lab going down. FILTER is a pcap filter " ..
      "(as tcpdump's).",
    args = { LAB, ENDPOINT, { "filter", "FILTER", "a pcap filter expression", count = "*", complete = "none" } },
    flags = {
      { "-w --write", "FILE", "the pcap file to write (- for standard output)", complete = "file", required = true },
      { "-c --count", "COUNT", "stop after COUNT packets", convert = int_between(1, 2147483647, "-c", "a number of packets") },
      { "-s --snaplen", "BYTES", "keep at most BYTES of each packet",
        convert = int_between(64, 2147483647, "-s", "a number of bytes") },
      { "-p --no-promiscuous-mode", nil, "do not put the interface in promiscuous mode" },
      ALL_USERS,
    } },
  { name = "web", group = "look", run = "nslab.web:main",
    summary = "the lab live in a browser; prints the URL (with its token) first",
    doc = "Serves a page of the lab that follows the kernel: link state, traffic per link, nodes and " ..
      "links coming and going, and actions on links (docs/web.md). Only on 127.0.0.1 unless --bind " ..
      "says otherwise; every request must carry the token of the printed URL.",
    args = { LAB },
    flags = {
      { "--port", "N", "the TCP port (default 8080; 0: any free one)",
        convert = int_between(0, 65535, "--port", "a TCP port") },
      { "--bind", "ADDR", "the address to listen on (default 127.0.0.1)" },
      ALL_USERS,
    } },

  { name = "agent", group = "other", run = "nslab.cli.agent",
    summary = "internal: this machine's part of a lab placed over machines",
    doc = "Started by the coordinator over ssh (docs/multi-host.md), not by hand: holds this machine's " ..
      "part of LAB and applies the requests the coordinator sends as JSON lines on standard input; when " ..
      "standard input closes, that part is torn down unless the coordinator kept it (`nslab up`).",
    args = { { "lab", "LAB", "the lab's name", complete = "none" } } },
  { name = "version", group = "other", run = "nslab.cli.build",
    summary = "print the version" },
  { name = "help", group = "other", run = "nslab.cli.build",
    summary = "the verbs, or the help of one",
    args = { { "verb", "VERB", "a verb", count = "?", complete = "verb" } } },
}

M.by_name = {}
for _, v in ipairs(M.list) do M.by_name[v.name] = v end

return M
