-- The man page nslab(1) and the bash completion: the page renders without
-- a warning and names every verb `nslab help` lists; the completion, sourced
-- into bash, completes verbs, lab files, labs that are up, their nodes and
-- NODE:IFACE; both are installed where man and bash-completion look.
local T = require "nslab_test"

local SRC = T.SRC
local BUILD = T.NSLAB:match("^(.*)/[^/]+$") or "."

-- Verbs as the program lists them.
local function verbs()
  local _, out = T.nslab("help")
  local list = {}
  for v in out:gmatch("\n  ([a-z]+)") do list[#list + 1] = v end
  return list
end

-- COMPREPLY for a command line (cursor at its end), as bash computes it
-- from the completion file with nslab on PATH.
local function complete(line)
  local script = ([==[
source %s/scripts/completion/nslab.bash
COMP_LINE=%s
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_nslab
printf '%%s\n' "${COMPREPLY[@]}"
]==]):format(SRC, T.q(line))
  local st, out, err = T.sh(("cd %s && PATH=%s:$PATH bash -c %s"):format(T.q(SRC), T.q(BUILD), T.q(script)))
  assert.are.equal(0, st, err)
  local got = {}
  for w in out:gmatch("[^\n]+") do got[#got + 1] = w end
  table.sort(got)
  return got
end

describe("docs", function()
  local snap_host, check_host = T.host_guard()
  before_each(snap_host)
  after_each(check_host)

  it("CI keeps the web page's screenshot as an artifact; docs/web.md shows the committed one", function()
    -- .ci/run in a copy whose suite fails (exit 3) after taking the screenshot
    local top = "/tmp/nslab-ci-artifacts"
    T.sh("rm -rf " .. top)
    assert.are.equal(0, T.sh(("mkdir -p %s/.ci %s/scripts %s/build && cp %s/.ci/run %s/.ci/ && " ..
      "cp %s/scripts/ci-artifacts %s/scripts/ && printf '#!/bin/sh\nexit 3\n' >%s/scripts/test && " ..
      "chmod +x %s/scripts/test && cp %s/docs/web-page.png %s/build/web-page.png")
      :format(top, top, top, T.q(SRC), top, T.q(SRC), top, top, top, T.q(SRC), top)))
    local st, out = T.sh(top .. "/.ci/run")
    assert.are.equal(3, st, out)     -- the suite's status, not the copy's
    assert.are.equal("artifact: " .. top .. "/build/artifacts/web-page.png\n", out)
    assert.are.equal(0, T.sh(("cmp %s/docs/web-page.png %s/build/artifacts/web-page.png"):format(T.q(SRC), top)))
    -- none taken: said, and the status is still the suite's
    T.sh("rm -rf " .. top .. "/build")
    st, out = T.sh(top .. "/.ci/run")
    assert.are.equal(3, st, out)
    assert.is_truthy(out:find("^no artifacts"), out)
    T.sh("rm -rf " .. top)
    -- the page's docs show the committed screenshot, a PNG
    local md = T.slurp(SRC .. "/docs/web.md")
    assert.is_truthy(md:find("](web-page.png)", 1, true), "docs/web.md does not show web-page.png")
    assert.is_truthy(md:find("build/artifacts/web-page.png", 1, true), "docs/web.md does not say where CI keeps it")
    assert.are.equal("\137PNG\r\n\26\n", (T.slurp(SRC .. "/docs/web-page.png") or ""):sub(1, 8))
  end)

  it("nslab(1) renders without warnings and covers every verb", function()
    local st, out = T.sh(("cd %s && MANWIDTH=80 man --warnings -l docs/nslab.1 2>&1 >/dev/null"):format(T.q(SRC)))
    assert.are.equal(0, st)
    assert.are.equal("", out)
    local _, page = T.sh(("cd %s && MANWIDTH=80 man -l docs/nslab.1 2>/dev/null | col -b"):format(T.q(SRC)))
    assert.is_truthy(page:find("NAME\n       nslab %- build, explore, test and tear down network labs"), page:sub(1, 300))
    local vs = verbs()
    assert.is_true(#vs >= 20, table.concat(vs, " "))
    for _, v in ipairs(vs) do
      assert.is_truthy(page:find("\n       nslab " .. v .. "[ \n]"), "SYNOPSIS lacks nslab " .. v)
      assert.is_truthy(page:find("\n       " .. v .. "[ \n]"), "COMMANDS lacks " .. v)
    end
  end)

  it("is installed where man and bash-completion look", function()
    local dest = "/tmp/nslab-t8b-install"
    T.sh("rm -rf " .. dest)
    local st, _, err = T.sh(("cmake --install %s --prefix %s"):format(T.q(BUILD), dest))
    assert.are.equal(0, st, err)
    assert.are.equal(T.slurp(SRC .. "/docs/nslab.1"), T.slurp(dest .. "/share/man/man1/nslab.1"))
    assert.are.equal(T.slurp(SRC .. "/scripts/completion/nslab.bash"),
      T.slurp(dest .. "/share/bash-completion/completions/nslab"))
    local st2, out = T.sh(("MANPATH=%s/share/man man -w nslab"):format(dest))
    T.sh("rm -rf " .. dest)
    assert.are.equal(0, st2)
    assert.are.equal(dest .. "/share/man/man1/nslab.1\n", out)
  end)

  it("bash completes verbs, lab files, labs, nodes and NODE:IFACE", function()
    assert.are.same({ "capture" }, complete("nslab ca"))
    assert.are.same({ "capture", "check", "clean" }, complete("nslab c"))
    assert.are.same({ "shape", "shell" }, complete("nslab sh"))
    assert.are.same({ "labs/client-router-server.lua" }, complete("nslab run labs/client-r"))
    assert.are.same({ "--help", "--machines", "--name", "--verbose" }, complete("nslab up --"))
    assert.are.same({ "--name" }, complete("nslab up --n"))
    -- a flag's value: files for --junit, nothing for --prefix
    assert.are.same({ "labs/client-router-server.lua" }, complete("nslab test --junit labs/client-r"))
    assert.are.same({}, complete("nslab test --prefix "))
    assert.are.same({ "labs/client-router-server.lua" }, complete("nslab test --prefix x labs/client-r"))
    assert.are.same({ "run" }, complete("nslab help ru"))
    assert.are.same({ "rate=" }, complete("nslab shape crs client:eth0 ra"))
    assert.are.same({ "--all-users", "-c", "-h", "-p", "-s", "-w" }, complete("nslab capture crs client:eth0 -"))
    -- h14's flags: clean's dry run, check's teacher file, root's --all-users
    assert.are.same({ "--dry-run" }, complete("nslab clean --d"))
    assert.are.same({ "labs/client-router-server.lua" }, complete("nslab check x --with labs/client-r"))
    assert.are.same({ "--all-users" }, complete("nslab ls --a"))

    local labfile = T.write_lab("t8b-comp", table.concat({
      'local a, router = lab:host "a", lab:router "router"',
      'lab:link(a, router, { "10.92.0.1/24", "10.92.0.2/24" })',
    }, "\n") .. "\n")
    local st, _, e = T.nslab("up", labfile)
    assert.are.equal(0, st, e)
    local ok, err = pcall(function()
      local labs = complete("nslab down t8b-co")
      assert.are.same({ "t8b-comp" }, labs)
      assert.are.same({ "a", "host", "router" }, complete("nslab exec t8b-comp "))
      assert.are.same({ "router" }, complete("nslab shell t8b-comp r"))
      assert.are.same({ "a:", "router:" }, complete("nslab capture t8b-comp "))
      -- bash splits at ':', so only what follows it comes back
      assert.are.same({ "eth0", "lo" }, complete("nslab capture t8b-comp router:"))
      assert.are.same({ "eth0" }, complete("nslab shape t8b-comp a:e"))
      assert.are.same({ "down", "up" }, complete("nslab link t8b-comp a:eth0 "))
      -- flags before the lab do not count as positionals
      assert.are.same({ "a", "host", "router" }, complete("nslab pids t8b-comp "))
      assert.are.same({ "a:", "router:" }, complete("nslab capture -w x.pcap t8b-comp "))
      -- after exec's NODE: the command, not nslab's flags
      local cmds = complete("nslab exec t8b-comp a hostnam")
      assert.are.equal("hostname", cmds[1], table.concat(cmds, " "))
      for i = 2, #cmds do assert.are_not.equal(cmds[i - 1], cmds[i]) end
      assert.are.same({}, complete("nslab exec t8b-comp a hostname -"))
    end)
    T.nslab("down", "t8b-comp")
    assert(ok, err)
  end)
end)
