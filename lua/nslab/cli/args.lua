-- nslab.cli.args — the command line of one verb, parsed by lua-argparse
-- from its entry in nslab.cli.verbs: `--help`, usage errors (one line,
-- exit 2) and the table the verb runs with.
-- argparse is not kept in an upvalue: dispatch drops it once the verb's
-- words are parsed (it is ~130 KB of every lab's Lua heap, a third of an
-- empty lab's), and help or a late usage line loads it again.
local function argparse_module()
  local ok, mod = pcall(require, "argparse")
  -- one line naming the package, not Lua's list of the paths it tried
  if not ok then error("cannot load the Lua module argparse: apt-get install lua-argparse", 0) end
  return mod
end
argparse_module()   -- missing: said at start, by cli.main
local verbs = require "nslab.cli.verbs"

local M = {}

-- The key a flag's value is stored under: --keep-on-fail -> keep_on_fail.
function M.key(names)
  local long = names:match("%-%-([%w-]+)") or names:match("%-(%w+)")
  return (long:gsub("-", "_"))
end

-- The argparse parser of verb v (an entry of verbs.list). help_wanted is
-- set when -h/--help is met, which wins over any missing argument.
function M.parser(v)
  local p = argparse_module()("nslab " .. v.name, v.summary .. (v.doc and ("\n\n" .. v.doc) or ""))
    :add_help(false):usage_margin(7):help_description_margin(28):help_max_width(80)
  p._nslab = { help = false }
  p:flag("-h --help", "show this help"):action(function() p._nslab.help = true end)
  for _, a in ipairs(v.args or {}) do
    local arg = p:argument(a[2], a[3]):target(a[1]):argname(a[2])
    if a.count then arg:args(a.count) end
    if a.choices then arg:choices(a.choices) end
  end
  if v.rest then
    p:argument(v.rest[2], v.rest[3]):target(v.rest[1]):argname(v.rest[2]):args("*")
  end
  for _, f in ipairs(v.flags or {}) do
    local o
    if f[2] then
      o = p:option(f[1], f[3]):argname(f[2]):target(M.key(f[1]))
      if f.convert then o:convert(f.convert) end
      if f.hidden then o:hidden(true) end
      if f.required then o:count(1) end
    else
      o = p:flag(f[1], f[3]):target(M.key(f[1]))
    end
  end
  if v.rest then
    -- argparse would show "[CMD] ...": the words are the command's own
    local meta = v.rest[2]:gsub("%p", "%%%0")
    p:usage((p:get_usage():gsub("%[" .. meta .. "%] %.%.%.", (("[--] %s [ARG...]"):format(v.rest[2]):gsub("%%", "%%%%")))))
  end
  return p
end

-- The usage line of verb v: "nslab run [-h] [--name NAME] [-v] LAB.lua".
function M.usage(v)
  return (M.parser(v):get_usage():gsub("^Usage: ", ""):gsub("%s+", " "))
end

function M.help(v)
  return (M.parser(v):get_help():gsub("^Usage:", "usage:"))
end

-- argparse's message on one line.
local function tidy(msg)
  msg = msg:gsub("\n[Dd]id you mean (.-)%?", " (did you mean %1?)")
  return (msg:gsub("\n", " "))
end

-- Words after the positionals of a verb with `rest` (exec's command) are
-- taken as they are: split them off before argparse sees them.
local function split_rest(v, words)
  local head, rest, npos = {}, {}, 0
  local i = 1
  while i <= #words do
    local w = words[i]
    if w == "--" then
      table.move(words, i + 1, #words, 1, rest)
      return head, rest
    end
    head[#head + 1] = w
    if not (w:sub(1, 1) == "-" and #w > 1) then
      npos = npos + 1
      if npos == v.rest.after then
        if words[i + 1] == "--" then i = i + 1 end
        table.move(words, i + 1, #words, 1, rest)
        return head, rest
      end
    end
    i = i + 1
  end
  return head, rest
end

local say = require("nslab.cli.say").line

-- Parse words for verb v. Returns the table of arguments, or nil and the
-- exit status (help printed: 0; usage error, one line: 2).
function M.parse(v, words)
  local p = M.parser(v)
  local head, rest = words, nil
  if v.rest then head, rest = split_rest(v, words) end
  local ok, res = p:pparse(head)
  if p._nslab.help then
    io.stdout:write(M.help(v), "\n")
    return nil, verbs.EXIT.ok
  end
  if not ok then
    say("%s: %s; see `nslab %s --help`", v.name, tidy(res), v.name)
    return nil, verbs.EXIT.usage
  end
  if v.rest then
    res[v.rest[1]] = rest
    if #rest == 0 then
      say("%s: missing %s; see `nslab %s --help`", v.name, v.rest[2], v.name)
      return nil, verbs.EXIT.usage
    end
  end
  res.help = nil
  return res
end

-- A usage error found by the verb itself: one line, exit 2.
function M.usage_error(verb, fmt, ...)
  say("%s: %s", verb, fmt:format(...))
  return verbs.EXIT.usage
end

-- The text of `nslab help`: the usage line and the verbs by group.
function M.overview()
  local out = { "usage: nslab VERB [ARGS...]   (nslab VERB --help: its arguments and flags)", "" }
  for _, g in ipairs(verbs.groups) do
    out[#out + 1] = g[2] .. ":"
    for _, v in ipairs(verbs.list) do
      if v.group == g[1] then out[#out + 1] = ("  %-10s %s"):format(v.name, v.summary) end
    end
    out[#out + 1] = ""
  end
  -- verbs.whose, wrapped at 78 columns and without the backquotes of markdown
  local line = ""
  for word in verbs.whose:gsub("`", ""):gmatch("%S+") do
    if #line + 1 + #word > 78 then out[#out + 1] = line; line = word
    else line = line == "" and word or (line .. " " .. word) end
  end
  out[#out + 1] = line
  out[#out + 1] = ""
  out[#out + 1] = "A lab file is a Lua 5.4 script; `lab` is pre-bound to a lab named after the"
  out[#out + 1] = "file (labs/crs.lua -> lab \"crs\", nodes are namespaces \"crs.NODE\")."
  out[#out + 1] = "Exit status: 0 ok, 1 a check failed (or the request failed), 2 usage,"
  out[#out + 1] = "4 the lab could not be built, 5 timed out (man nslab: EXIT STATUS)."
  return table.concat(out, "\n")
end

-- Run argv (argv[1] the verb): parse, then call the verb. Returns the exit status.
function M.dispatch(argv)
  local name = argv[1]
  local words = table.move(argv, 2, #argv, 1, {})
  if name == nil then
    say("which verb? like `nslab run LAB.lua` (`nslab help` lists them)")
    return verbs.EXIT.usage
  end
  if name == "-h" or name == "--help" then
    io.stdout:write(M.overview(), "\n")
    return verbs.EXIT.ok
  end
  if name == "--version" then name = "version" end
  local v = verbs.by_name[name]
  if not v then
    say("unknown command \"%s\" (try `nslab help`)", name)
    return verbs.EXIT.usage
  end
  local a, status = M.parse(v, words)
  if not a then return status end
  package.loaded.argparse = nil   -- see the top of this file
  if a.all_users then
    -- root of the machine only (a rootless namespace holds one user's labs anyway)
    local core = require "nslab.core"
    if not core.privileged() or core.rootless() then
      say("--all-users: only root acts on other users' labs")
      return verbs.EXIT.failed
    end
    require("nslab.live").all_users = true
  end
  a.all_users = nil
  local mod, fn = v.run:match("^([^:]+):?(.*)$")
  return require(mod)[fn ~= "" and fn or v.name](a)
end

return M
