-- nslab.cli — the `nslab` command line. The verbs, their flags and help
-- are one table (nslab.cli.verbs), parsed by nslab.cli.args; each verb
-- lives in the module its entry names (build, nodes, tests, shape, repl).
local M = {}

function M.main(argv)
  local ok, args = pcall(require, "nslab.cli.args")
  if not ok then
    -- lua-argparse missing: its one line, not an internal error
    io.stderr:write("nslab: ", tostring(args), "\n")
    return 1
  end
  return args.dispatch(argv)
end

return M
