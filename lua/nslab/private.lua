-- nslab.private — a node's own directories and files (node:private,
-- node:file). Their content lives in the lab's state directory
-- (LAB/private/NODE/, src/kernel/private.c) and is bound over the path
-- in the node's mount namespace whenever anything enters the node: exec,
-- spawn, the REPL's `enter`, `nslab exec`. The host's path is never
-- written; teardown and `nslab clean` remove the lab's directory.
local util = require "nslab.util"

local raise = util.raise

local M = {}

-- A path users may give: absolute, no "." or ".." parts; "//" and a
-- trailing "/" are folded away. Returns the clean path.
local function clean_path(path, what)
  if type(path) ~= "string" then
    raise(("%s: path must be a string like \"/var/run/frr\", got %s"):format(what, type(path)))
  end
  if path:sub(1, 1) ~= "/" then
    raise(("%s: path \"%s\" must be absolute (start with /)"):format(what, path))
  end
  local parts = {}
  for p in path:gmatch("[^/]+") do
    if p == "." or p == ".." then
      raise(("%s: path \"%s\" must not hold \".\" or \"..\""):format(what, path))
    end
    parts[#parts + 1] = p
  end
  if #parts == 0 then raise(("%s: \"/\" cannot be private; name a directory under it"):format(what)) end
  local clean = "/" .. table.concat(parts, "/")
  if #clean > 1000 or clean:find("[%z\n]") then
    raise(("%s: path \"%s\" is too long or holds a newline"):format(what, path))
  end
  return clean
end

-- Whether b is a (or is the same) path under a.
local function under(a, b) return b == a or b:sub(1, #a + 1) == a .. "/" end

local OPTS = util.set { "mode", "owner" }

local function check_mode_owner(opts, what, default)
  opts = util.check_opts(opts, OPTS, what)
  local mode = opts.mode or default
  if math.type(mode) ~= "integer" or mode < 0 or mode > 4095 then
    raise(("%s: mode must be an integer like 0755 (in Lua write tonumber(\"755\", 8) or 493), got %s")
      :format(what, tostring(opts.mode)))
  end
  if opts.owner ~= nil and type(opts.owner) ~= "string" then
    raise(("%s: owner must be a string like \"frr\" or \"frr:frr\", got %s"):format(what, type(opts.owner)))
  end
  return mode, opts.owner
end

-- The node's entries, in declaration order: { path, dir = bool, backing, line }.
local function entries(node)
  local all = node.lab.private_entries
  if not all then
    all = setmetatable({}, { __mode = "k" })
    node.lab.private_entries = all
  end
  all[node] = all[node] or {}
  return all[node]
end

-- The private directory of node holding path (or nil).
local function holder(node, path)
  for _, e in ipairs(entries(node)) do
    if e.dir and under(e.path, path) then return e end
  end
end

local function add(node, path, is_dir, text, mode, owner, what)
  if node:is_root() then
    raise(("%s: the host (root namespace) has no private files; use a node of the lab"):format(what))
  end
  local lab, core = node.lab, node.lab.core
  if owner then
    local ok, err = core.private_owner(owner)
    if not ok then raise(("%s %s: %s"):format(what, path, err)) end
  end
  local ok, err = core.private_check(path, is_dir)
  if not ok then raise(("%s in node \"%s\": %s"):format(what, node.name, err)) end
  lab:_begin()
  lab:_record(lab.journal:private(node.name, is_dir and "dir" or "file", path))
  local backing, aerr = node.ns:private_add(path, is_dir, text, mode, owner)
  if not backing then raise(aerr) end
  local list = entries(node)
  local e = { path = path, dir = is_dir, backing = backing, line = util.where() }
  list[#list + 1] = e
  return e
end

function M.install(Node)
  -- node:private(path [, {mode=0755, owner="user:group"}]): a fresh empty
  -- directory at path that only this node's processes see.
  function Node:private(path, opts)
    path = clean_path(path, "private")
    local mode, owner = check_mode_owner(opts, "private", 493)  -- 0755
    local h = holder(self, path)
    if h then
      if h.path == path then
        raise(("private %s: already private in node \"%s\" (declared at %s)")
          :format(path, self.name, h.line:gsub(": $", "")))
      end
      -- a directory inside one that is already private: made in its content
      local rel = path:sub(#h.path + 2)
      local dir = h.backing
      for part in rel:gmatch("[^/]+") do
        dir = dir .. "/" .. part
        self.lab.core.mkdir(dir)
      end
      return self
    end
    for _, e in ipairs(entries(self)) do
      if under(path, e.path) then
        raise(("private %s would hide %s %s of node \"%s\" (declared at %s); declare the directory first")
          :format(path, e.dir and "private directory" or "file", e.path, self.name, e.line:gsub(": $", "")))
      end
    end
    add(self, path, true, nil, mode, owner, "private")
    return self
  end

  -- node:file(path, text [, {mode=0644, owner=}]): a file only this node
  -- sees; inside a private directory of the node it is written there.
  function Node:file(path, text, opts)
    path = clean_path(path, "file")
    if type(text) ~= "string" then
      raise(("file %s: text must be a string, got %s"):format(path, type(text)))
    end
    local mode, owner = check_mode_owner(opts, "file", 420)  -- 0644
    self:_private_write(path, text, mode, owner)
    return self
  end

  -- Write a private file of the node (into its private directory, or as
  -- an entry of its own).
  function Node:_private_write(path, text, mode, owner)
    local core = self.lab.core
    local h = holder(self, path)
    if h and h.path == path then
      raise(("file %s: it is a private directory of node \"%s\" (declared at %s)")
        :format(path, self.name, h.line:gsub(": $", "")))
    end
    if h then
      local ok, err = core.private_write(h.backing .. path:sub(#h.path + 1), text, mode, owner)
      if not ok then raise(err) end
      return
    end
    for _, e in ipairs(entries(self)) do
      if e.path == path then
        local ok, err = core.private_write(e.backing, text, mode, owner)
        if not ok then raise(err) end
        return
      end
    end
    add(self, path, false, text, mode, owner, "file")
  end

  -- The node's private entries (a copy): { path, dir, backing }.
  function Node:privates()
    local out = {}
    for i, e in ipairs(entries(self)) do out[i] = { path = e.path, dir = e.dir, backing = e.backing } end
    return out
  end
end

return M
