-- nslab.cli.docgen — the documents made from the verb table
-- (nslab.cli.verbs): docs/cli.md, the SYNOPSIS and EXIT STATUS of
-- docs/nslab.1 (between its "generated" marks) and the bash completion
-- (its template: scripts/completion/nslab.bash.in).
-- scripts/cli-docs writes them; the test cli.docs runs it with --check.
-- The COMMANDS section of the man page is prose; man_drift says where it
-- misses a verb or a flag of the table.
local verbs = require "nslab.cli.verbs"
local args = require "nslab.cli.args"

local M = {}

-- The flags of verb v that users see (not the internal, hidden ones).
local function shown_flags(v)
  local t = {}
  for _, f in ipairs(v.flags or {}) do if not f.hidden then t[#t + 1] = f end end
  return t
end

local function flag_names(f)
  local t = {}
  for n in f[1]:gmatch("%S+") do t[#t + 1] = n end
  return t
end

-- "[--name NAME] [-v]" style words of a verb, and its positionals.
local function synopsis_words(v)
  local w = {}
  for _, a in ipairs(v.args or {}) do
    local m = a[2]
    if a.count == "?" then m = "[" .. m .. "]" elseif a.count == "*" then m = "[" .. m .. "...]"
    elseif a.count == "+" then m = m .. "..." end
    w[#w + 1] = { m, "arg" }
  end
  if v.rest then w[#w + 1] = { "[--] " .. v.rest[2] .. " [ARG...]", "arg" } end
  for _, f in ipairs(shown_flags(v)) do
    local names = flag_names(f)
    w[#w + 1] = { names[1] .. (f[2] and (" " .. f[2]) or ""), f.required and "required" or "flag" }
  end
  return w
end

---- markdown ------------------------------------------------------------------

local function md_escape(s) return (s:gsub("|", "\\|")) end

function M.markdown()
  local o = {
    "# nslab command line",
    "",
    "<!-- Made by scripts/cli-docs from lua/nslab/cli/verbs.lua; edit that table, not this file. -->",
    "",
    "`nslab VERB --help` (or `nslab help VERB`) prints the same for one verb.",
    "Flags may come before or after the arguments; `--name=NAME` and `--name NAME` are the same;",
    "`--` ends the flags. An unknown flag, a missing or a stray argument is a usage error (status 2).",
    "",
    (verbs.whose:gsub("docs/rootless%.md", "[rootless.md](rootless.md)")),
    "",
    "```",
  }
  for _, v in ipairs(verbs.list) do o[#o + 1] = args.usage(v) end
  o[#o + 1] = "```"
  o[#o + 1] = ""
  o[#o + 1] = "## Exit status"
  o[#o + 1] = ""
  o[#o + 1] = "The same for every verb:"
  o[#o + 1] = ""
  o[#o + 1] = "| status | meaning |"
  o[#o + 1] = "| --- | --- |"
  for _, e in ipairs(verbs.exit_doc) do o[#o + 1] = ("| %s | %s |"):format(e[1], md_escape(e[2])) end
  o[#o + 1] = ""
  for _, g in ipairs(verbs.groups) do
    o[#o + 1] = "## " .. g[2]
    o[#o + 1] = ""
    for _, v in ipairs(verbs.list) do
      if v.group == g[1] then
        o[#o + 1] = "### " .. v.name
        o[#o + 1] = ""
        o[#o + 1] = "`" .. args.usage(v) .. "`"
        o[#o + 1] = ""
        local text = v.summary:sub(1, 1):upper() .. v.summary:sub(2) .. "."
        if v.doc then text = text .. " " .. v.doc end
        o[#o + 1] = text
        o[#o + 1] = ""
        local rows = {}
        for _, a in ipairs(v.args or {}) do rows[#rows + 1] = { a[2], a[3] } end
        if v.rest then rows[#rows + 1] = { v.rest[2] .. "...", v.rest[3] } end
        for _, f in ipairs(shown_flags(v)) do
          rows[#rows + 1] = { table.concat(flag_names(f), ", ") .. (f[2] and (" " .. f[2]) or ""), f[3] }
        end
        if #rows > 0 then
          o[#o + 1] = "| argument or flag | |"
          o[#o + 1] = "| --- | --- |"
          for _, r in ipairs(rows) do o[#o + 1] = ("| `%s` | %s |"):format(md_escape(r[1]), md_escape(r[2])) end
          o[#o + 1] = ""
        end
        if v.notes then
          o[#o + 1] = v.notes
          o[#o + 1] = ""
        end
      end
    end
  end
  o[#o + 1] = "More: the REPL in [repl.md](repl.md), processes and `exec` in [processes.md](processes.md),"
  o[#o + 1] = "`shape`, `link` and `capture` in [shaping-capture.md](shaping-capture.md), `test` and `check`"
  o[#o + 1] = "in [testing.md](testing.md), `graph` and `inspect` in [graph-inspect.md](graph-inspect.md);"
  o[#o + 1] = "`man nslab` (docs/nslab.1)."
  return table.concat(o, "\n") .. "\n"
end

---- man page ------------------------------------------------------------------

local function roff(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  return s
end

local function roff_text(s)
  -- `code` -> bold; a leading dot or quote must not start a request
  s = roff(s):gsub("`([^`]+)`", "\\fB%1\\fP")
  return (s:gsub("^([.'])", "\\&%1"))
end

function M.man_synopsis()
  local o = { ".nf" }
  for _, v in ipairs(verbs.list) do
    local parts = { "\\fBnslab " .. v.name .. "\\fP" }
    for _, w in ipairs(synopsis_words(v)) do
      if w[2] == "arg" then
        parts[#parts + 1] = "\\fI" .. roff(w[1]):gsub("([%[%]|]+)", "\\fR%1\\fI"):gsub("%.%.%.", "\\fR...\\fI") .. "\\fP"
      else
        local name, meta = w[1]:match("^(%S+)%s*(.*)$")
        local text = "\\fB" .. roff(name) .. "\\fP" .. (meta ~= "" and (" \\fI" .. roff(meta) .. "\\fP") or "")
        parts[#parts + 1] = w[2] == "required" and text or ("[" .. text .. "]")
      end
    end
    o[#o + 1] = table.concat(parts, " ")
  end
  o[#o + 1] = ".fi"
  return table.concat(o, "\n") .. "\n"
end

function M.man_exit()
  local o = { "The same for every verb:" }
  for _, e in ipairs(verbs.exit_doc) do
    o[#o + 1] = ".TP"
    o[#o + 1] = ".B " .. e[1]
    o[#o + 1] = roff_text(e[2])
  end
  return table.concat(o, "\n") .. "\n"
end

-- The man page with its generated parts replaced.
function M.man(page)
  local function put(text, tag, body)
    local open = ('.\\" BEGIN GENERATED %s (scripts/cli-docs)\n'):format(tag)
    local close = ('.\\" END GENERATED %s\n'):format(tag)
    local a, b = text:find(open, 1, true)
    local c, d = text:find(close, 1, true)
    assert(a and c, "docs/nslab.1 lacks the marks of " .. tag)
    return text:sub(1, b) .. body .. text:sub(c)
  end
  page = put(page, "SYNOPSIS", M.man_synopsis())
  return put(page, "EXIT STATUS", M.man_exit())
end

-- Where the COMMANDS prose of the man page misses a verb or a flag of the
-- table: a list of lines (empty when none).
function M.man_drift(page)
  local cmds = page:match('\n%.SH COMMANDS\n(.-)\n%.SH ') or ""
  local problems = {}
  for _, v in ipairs(verbs.list) do
    -- the verb's entry: from its .TP head to the next .TP at the same
    -- level (shape's keys are an indented list, .RS ... .RE)
    local s = cmds:find("\n%.TP\n%.BI? \"?" .. v.name .. "[ \"\n]")
    if not s then
      problems[#problems + 1] = "COMMANDS has no entry for " .. v.name
    else
      local body = cmds:sub(s + 4)
      body = body:gsub("\n%.RS\n.-\n%.RE\n", "\n")
      body = body:match("^(.-)\n%.[TS][PS]\n") or body
      for _, f in ipairs(shown_flags(v)) do
        local found = false
        -- a flag many verbs share (--all-users) is said once for all
        local where = f.global and cmds or body
        for _, n in ipairs(flag_names(f)) do
          if where:find(roff(n), 1, true) then found = true end
        end
        if not found then problems[#problems + 1] = ("COMMANDS: %s does not mention %s"):format(v.name, f[1]) end
      end
    end
  end
  return problems
end

---- bash completion -------------------------------------------------------------


-- The completion script: template (scripts/completion/nslab.bash.in, the
-- helpers and the driver) with the verb table's part at its @SPEC@ line.
function M.completion(template)
  local o = {}
  local names = {}
  for _, v in ipairs(verbs.list) do names[#names + 1] = v.name end
  o[#o + 1] = "_nslab_verbs='" .. table.concat(names, " ") .. "'"
  o[#o + 1] = ""
  o[#o + 1] = "# Each verb's flags (long names for `--`; for `-` the short name where"
  o[#o + 1] = "# there is one), flags taking a value (FLAG:KIND), positionals by kind"
  o[#o + 1] = "# (KIND* repeats) and what follows them (exec's command)."
  o[#o + 1] = "_nslab_spec() {"
  o[#o + 1] = "    case $1 in"
  for _, v in ipairs(verbs.list) do
    local long, short, valued, pos = { "--help" }, { "-h" }, {}, {}
    for _, f in ipairs(shown_flags(v)) do
      local names = flag_names(f)
      short[#short + 1] = names[1]
      long[#long + 1] = names[#names]
      for _, n in ipairs(names) do
        if f[2] then valued[#valued + 1] = n .. ":" .. (f.complete or "none") end
      end
    end
    for _, a in ipairs(v.args or {}) do
      local kind = a.choices and ("choice:" .. table.concat(a.choices, ",")) or a.complete or "none"
      pos[#pos + 1] = kind .. ((a.count == "*" or a.count == "+") and "*" or "")
    end
    o[#o + 1] = ("        %s) long='%s' short='%s' valued=' %s' pos='%s'%s ;;"):format(v.name,
      table.concat(long, " "), table.concat(short, " "),
      table.concat(valued, " "), table.concat(pos, " "), v.rest and (" rest=" .. v.rest.complete) or "")
  end
  o[#o + 1] = "    esac"
  o[#o + 1] = "}"
  local at = template:find("\n# @SPEC@[^\n]*\n")
  assert(at, "the completion template lacks its @SPEC@ line")
  local after = template:find("\n", at + 1, true)
  return template:sub(1, at) .. table.concat(o, "\n") .. template:sub(after)
end

return M
