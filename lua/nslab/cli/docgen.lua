-- nslab.cli.docgen — the documents made from the verb table
-- (nslab.cli.verbs): docs/cli.md, the SYNOPSIS and EXIT STATUS of
-- docs/nslab.1 (between its "generated" marks) and the bash completion.
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
    w[#w + 1] = { names[1] .. (f[2] and (" " .. f[2]) or ""), "flag" }
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
        parts[#parts + 1] = "[\\fB" .. roff(name) .. "\\fP" .. (meta ~= "" and (" \\fI" .. roff(meta) .. "\\fP") or "") .. "]"
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
        for _, n in ipairs(flag_names(f)) do
          if body:find(roff(n), 1, true) then found = true end
        end
        if not found then problems[#problems + 1] = ("COMMANDS: %s does not mention %s"):format(v.name, f[1]) end
      end
    end
  end
  return problems
end

---- bash completion -------------------------------------------------------------

local COMPLETION_HEAD = [=[
# bash completion for nslab(1)                             -*- shell-script -*-
#
# Made by scripts/cli-docs from lua/nslab/cli/verbs.lua; edit that table
# (and the helpers in lua/nslab/cli/docgen.lua), not this file.
# Installed as share/bash-completion/completions/nslab (bash-completion
# loads it on first use); without that package: source this file.
# Completes verbs, lab files, names of labs that are up (/run/nslab or
# $NSLAB_STATE_DIR), their nodes (the pins /run/netns/LAB.NODE), NODE:IFACE
# (interfaces read with `ip -n`, as root), and each verb's flags.
# Needs nothing from the bash-completion package.

_nslab_labs() {
    local d=${NSLAB_STATE_DIR:-/run/nslab} f
    for f in "$d"/*/; do
        [[ -d $f ]] || continue
        f=${f%/}
        printf '%s\n' "${f##*/}"
    done
}

_nslab_nodes() {
    local lab=$1 f
    [[ -n $lab ]] || return
    for f in /run/netns/"$lab".*; do
        [[ -e $f ]] && printf '%s\n' "${f##*/"$lab".}"
    done
}

_nslab_ifaces() {
    ip -n "$1.$2" -o link show 2>/dev/null | sed -n 's/^[0-9]*: \([^:@ ]*\).*/\1/p'
}

# COMPREPLY from a word list, one word a line.
_nslab_reply() {
    local IFS=$'\n'
    COMPREPLY+=($(compgen -W "$1" -- "$2"))
}

_nslab_files() {   # $1 = current word, $2 = glob pattern to keep (or empty)
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -d -- "$1"))
    if [[ -n $2 ]]; then
        COMPREPLY+=($(compgen -f -X "!$2" -- "$1"))
    else
        COMPREPLY+=($(compgen -f -- "$1"))
    fi
}

# NODE:IFACE of lab $1 for the current word $2.
_nslab_endpoint() {
    local lab=$1 cur=$2 n i words=""
    if [[ $cur == *:* ]]; then
        n=${cur%%:*}
        for i in $(_nslab_ifaces "$lab" "$n"); do words+="$n:$i"$'\n'; done
    else
        for n in $(_nslab_nodes "$lab"); do words+="$n:"$'\n'; done
        compopt -o nospace 2>/dev/null
    fi
    _nslab_reply "$words" "$cur"
}

# Complete the current word $2 as kind $1 (lab $3 for nodes and NODE:IFACE).
_nslab_kind() {
    local kind=$1 cur=$2 lab=$3
    case $kind in
        lua) _nslab_files "$cur" '*.lua' ;;
        file) _nslab_files "$cur" '' ;;
        lab) _nslab_reply "$(_nslab_labs)" "$cur" ;;
        labfile) _nslab_reply "$(_nslab_labs)" "$cur"; _nslab_files "$cur" '*.lua' ;;
        node) _nslab_reply "$(_nslab_nodes "$lab")"$'\nhost' "$cur" ;;
        endpoint) _nslab_endpoint "$lab" "$cur" ;;
        command) local IFS=$'\n'; COMPREPLY=($(compgen -c -- "$cur" | sort -u)) ;;
        verb) _nslab_reply "$(tr ' ' '\n' <<< "$_nslab_verbs")" "$cur" ;;
        shapekey)
            if [[ $cur != *=* ]]; then
                _nslab_reply $'rate=\nburst=\nlatency=\nlimit=\ndelay=\njitter=\nloss=\nduplicate=' "$cur"
                compopt -o nospace 2>/dev/null
            fi ;;
        choice:*) _nslab_reply "$(tr , '\n' <<< "${kind#choice:}")" "$cur" ;;
    esac
}
]=]

local COMPLETION_TAIL = [=[

_nslab() {
    local line=${COMP_LINE:0:COMP_POINT} cur prev cword
    local -a words
    # our own words: NODE:IFACE and KEY=VALUE stay whole
    read -r -a words <<< "$line"
    [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
    prev=${words[cword - 1]}
    COMPREPLY=()

    if ((cword == 1)); then
        _nslab_reply "$(tr ' ' '\n' <<< "$_nslab_verbs")" "$cur"
        return
    fi
    local long="" short="" valued="" pos="" rest=""
    _nslab_spec "${words[1]}"
    # positionals before this word (flags and their values left out); the
    # first is the lab, for nodes and NODE:IFACE
    local k w npos=0 lab="" dashdash=0
    for ((k = 2; k < cword; k++)); do
        w=${words[k]}
        if ((dashdash)); then
            ((npos++))
        elif [[ $w == -- ]]; then
            dashdash=1
        elif [[ " $valued " == *" $w:"* ]]; then
            ((k++))
        elif [[ $w != -* ]]; then
            ((npos++))
            [[ -z $lab ]] && lab=$w
        fi
    done
    local -a kinds=($pos)
    if [[ -n $rest ]] && ((npos >= ${#kinds[@]})); then
        _nslab_kind "$rest" "$cur" "$lab"
    elif [[ " $valued " == *" $prev:"* ]]; then
        w=${valued#*" $prev:"}
        _nslab_kind "${w%% *}" "$cur" "$lab"
        return
    elif [[ $cur == --* ]] && ((!dashdash)); then
        _nslab_reply "$(tr ' ' '\n' <<< "$long")" "$cur"
        return
    elif [[ $cur == -* ]] && ((!dashdash)); then
        _nslab_reply "$(tr ' ' '\n' <<< "$short")" "$cur"
        return
    elif ((npos < ${#kinds[@]})); then
        _nslab_kind "${kinds[npos]%\*}" "$cur" "$lab"
    elif ((${#kinds[@]} > 0)) && [[ ${kinds[-1]} == *\* ]]; then
        _nslab_kind "${kinds[-1]%\*}" "$cur" "$lab"
    fi

    # bash splits words at ':' and '=' (COMP_WORDBREAKS): give back only
    # what follows the last one in the current word
    local c pre
    for c in : =; do
        if [[ $cur == *"$c"* && $COMP_WORDBREAKS == *"$c"* ]]; then
            pre=${cur%"${cur##*"$c"}"}
            COMPREPLY=("${COMPREPLY[@]#"$pre"}")
            cur=${cur#"$pre"}
        fi
    done
}

complete -F _nslab nslab
]=]

function M.completion()
  local o = { COMPLETION_HEAD }
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
  o[#o + 1] = COMPLETION_TAIL
  return table.concat(o, "\n")
end

return M
