-- nslab.cli — the `nslab` command line. The verbs, their flags and help
-- are one table (nslab.cli.verbs), parsed by nslab.cli.args; each verb
-- lives in the module its entry names (build, nodes, tests, shape, repl).
local M = {}

function M.main(argv)
  return require("nslab.cli.args").dispatch(argv)
end

return M
