-- cmake/luac.lua SRC CHUNKNAME OUT — compile one library module to Lua
-- bytecode (debug info kept) under the chunk name that loading SRC from
-- its run-time location would give, so messages and util.where() read
-- the same whichever form was loaded. Run by the build with lua5.4.
local src, chunk, out = ...
local fh = assert(io.open(src, "rb"))
local text = fh:read("a")
fh:close()
local fn = assert(load(text, "@" .. chunk))
local oh = assert(io.open(out, "wb"))
oh:write(string.dump(fn))
oh:close()
