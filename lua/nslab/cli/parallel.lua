-- nslab.cli.parallel — `nslab test -j N`: each lab file runs in an nslab
-- process of its own (`nslab test --worker RESULT --lab NAME FILE`), N at
-- a time, so that labs neither share a Lua state nor a lab name, and one
-- that crashes takes only itself down. Each worker writes its suite as
-- JSON; the suites are handed back in the order of the files, so the
-- report reads as a sequential run's would, one lab after another.
local core = require "nslab.core"
local json = require "nslab.json"

local M = {}

-- A worker past its --timeout has this long to tear its lab down after
-- its own alarm, before it is killed and its lab removed from here.
local GRACE = 60

local function slurp(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The worker's command line: this very nslab, the options that shape one
-- lab's run, and the file.
local function worker_argv(file, name, result, opt)
  local argv = { "/proc/self/exe", "test", "--worker", result, "--lab", name, "--timeout", tostring(opt.timeout) }
  if opt.only then argv[#argv + 1] = "--only"; argv[#argv + 1] = opt.only end
  if opt.exec_timeout then argv[#argv + 1] = "--exec-timeout"; argv[#argv + 1] = tostring(opt.exec_timeout) end
  if opt.keep_on_fail then argv[#argv + 1] = "--keep-on-fail" end
  if opt.machines then argv[#argv + 1] = "--machines"; argv[#argv + 1] = table.concat(opt.machines, ",") end
  if opt.verbose then argv[#argv + 1] = "--verbose" end
  argv[#argv + 1] = file
  return argv
end

-- The suite of a worker that left no result (killed, crashed): one error
-- case saying so, with the end of what it printed.
local function lost(job, status, why)
  local log = slurp(job.log) or ""
  if #log > 2000 then log = "..." .. log:sub(-2000) end
  local msg = why or ("the test process of %s ended with status %s and no result"):format(job.file, tostring(status))
  return { file = job.file, name = require("nslab.util").lab_name_of(job.file), lab = job.name,
    timestamp = os.date("!%Y-%m-%dT%H:%M:%S"), time = core.clock() - job.t0,
    events = { { case = { name = why and "the lab finishes in time" or "the lab's test process reports",
      status = "error", kind = why and "timeout" or "script", message = msg,
      text = msg .. (log ~= "" and ("\n" .. log) or ""), diag = { message = msg }, time = core.clock() - job.t0 } } } }
end

local function start(job, opt)
  job.result, job.log = os.tmpname(), os.tmpname()
  job.t0 = core.clock()
  local pid, e = core.spawn(worker_argv(job.file, job.name, job.result, opt), {}, job.log)
  if not pid then
    job.done = lost(job, nil, nil)
    job.done.events[1].case.message = "cannot start a test process: " .. tostring(e)
    return
  end
  job.pid = pid
end

-- Reap job if its worker ended (or kill it when far past its time);
-- true once it has its suite.
local function poll(job, opt)
  if job.done then return true end
  local st = core.waitpid(job.pid, true)
  if st == false then
    if opt.timeout > 0 and core.clock() - job.t0 > opt.timeout + GRACE then
      core.kill(job.pid, 9)
      core.waitpid(job.pid, false)
      core.journal_down(job.name)
      job.done = lost(job, nil, ("%s did not finish within --timeout %g s (nor tear down within %d s more); killed, lab %s removed")
        :format(job.file, opt.timeout, GRACE, job.name))
    else
      return false
    end
  else
    local text = slurp(job.result)
    local done = text and text ~= "" and json.decode(text)
    if type(done) == "table" and done.events then
      if done.notes == json.null then done.notes = nil end
      job.done = done
    else
      if core.journal_owner(job.name) ~= nil then core.journal_down(job.name) end
      job.done = lost(job, st)
    end
  end
  os.remove(job.result)
  os.remove(job.log)
  return true
end

-- Run files (opt.names their labs, opt.jobs at once); on_done(suite) for
-- each in file order. Returns the signal that interrupted the run, if
-- one did (the workers are stopped and waited for first).
function M.run(files, opt, on_done)
  local jobs, next_start, next_report = {}, 1, 1
  for i, file in ipairs(files) do jobs[i] = { file = file, name = opt.names[i] } end
  local running = 0
  local ok, msg = pcall(function()
    while next_report <= #jobs do
      while next_start <= #jobs and running < opt.jobs do
        start(jobs[next_start], opt)
        next_start, running = next_start + 1, running + 1
      end
      for i = next_report, next_start - 1 do
        local j = jobs[i]
        if not j.finished and poll(j, opt) then
          j.finished = true
          running = running - 1
        end
      end
      while jobs[next_report] and jobs[next_report].finished do
        on_done(jobs[next_report].done)
        next_report = next_report + 1
      end
      if next_report <= #jobs then core.sleep(0.05) end
    end
  end)
  if ok then return nil end
  local sig = tostring(msg):match("interrupted by (%S+)")
  if not sig then error(msg, 0) end
  -- stopped: each worker tears its lab down on SIGTERM, as nslab does
  core.block_signals(true)
  for i = next_report, next_start - 1 do
    local j = jobs[i]
    if j.pid and not j.finished then core.kill(j.pid, 15) end
  end
  for i = next_report, next_start - 1 do
    local j = jobs[i]
    if j.pid and not j.finished then
      core.waitpid(j.pid, false)
      poll(j, opt)
    end
    if j.done then on_done(j.done) end
  end
  core.block_signals(false)
  return sig
end

return M
