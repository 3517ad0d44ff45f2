-- nslab.cli.say — how the command line reports a problem: one line on
-- standard error that starts "nslab: ", and the exit status to return.
local M = {}

-- say.line(fmt, ...): the line alone.
function M.line(fmt, ...)
  io.stderr:write("nslab: ", fmt:format(...), "\n")
end

-- say.fail(status, fmt, ...) -> status, after the line.
function M.fail(status, fmt, ...)
  M.line(fmt, ...)
  return status
end

return M
