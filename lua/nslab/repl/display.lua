-- nslab.repl.display — how the REPL writes: colours (only on a terminal
-- without NO_COLOR) and tables padded to their widest cell.
local M = {}

function M.palette(on)
  local function c(code)
    if not on then return function(s) return s end end
    return function(s) return ("\27[%sm%s\27[0m"):format(code, s) end
  end
  return {
    on = on, bold = c "1", dim = c "2", red = c "31", green = c "32",
    yellow = c "33", blue = c "34", cyan = c "36", head = c "1;36",
  }
end

function M.out(...) io.stdout:write(...) end

-- Columns padded to the widest cell (cells may carry colour codes).
local function visible_len(s) return #(s:gsub("\27%[[%d;]*m", "")) end
function M.table_out(rows, indent)
  local w = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do w[i] = math.max(w[i] or 0, visible_len(cell)) end
  end
  for _, r in ipairs(rows) do
    local parts = {}
    for i, cell in ipairs(r) do
      parts[i] = i < #r and cell .. (" "):rep(w[i] - visible_len(cell)) or cell
    end
    M.out(indent or "", table.concat(parts, "  "), "\n")
  end
end

function M.split_words(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

return M
