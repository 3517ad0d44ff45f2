/* fuzz_lua_input.c — libFuzzer target for the parsers of user text that
 * live in Lua: node and lab names, interface names, addresses as the lab
 * library checks them, and (when the REPL module exists) REPL command
 * lines. The first byte picks the parser; the rest is the input. Every
 * input must either pass or raise one clean error string; anything else
 * (a crash, a non-string error, a Lua panic) is a finding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include "lua_util.h"

static lua_State *L;

static const char *const SETUP =
	"package.path = DIR .. '/?.lua;' .. DIR .. '/?/init.lua;' .. package.path\n"
	"local util = require 'nslab.util'\n"
	"local ok, repl = pcall(require, 'nslab.repl')\n"
	"local parse_line = ok and type(repl) == 'table' and repl.parse_line\n"
	"return function(kind, s)\n"
	"  if kind == 0 then return util.check_ifname(s)\n"
	"  elseif kind == 1 then return util.check_name(s, 'node')\n"
	"  elseif kind == 2 then return util.check_cidr(s, true)\n"
	"  elseif parse_line then return parse_line(s)\n"
	"  else return util.check_cidr(s, false) end\n"
	"end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!L) {
		L = luaL_newstate();
		luaL_openlibs(L);
		luaL_requiref(L, "nslab.core", luaopen_nslab_core, 0);
		lua_pop(L, 1);
		lua_pushstring(L, NSLAB_LUA_DIR);
		lua_setglobal(L, "DIR");
		if (luaL_dostring(L, SETUP) != LUA_OK) {
			fprintf(stderr, "setup: %s\n", lua_tostring(L, -1));
			abort();
		}
		lua_setglobal(L, "CHECK");
	}
	if (size < 1)
		return 0;
	lua_getglobal(L, "CHECK");
	lua_pushinteger(L, data[0] % 4);
	lua_pushlstring(L, (const char *)data + 1, size - 1);
	if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
		if (lua_type(L, -1) != LUA_TSTRING)
			abort();    /* errors must be one message string */
		if (strchr(lua_tostring(L, -1), '\n'))
			abort();    /* ... of one line */
		lua_pop(L, 1);
	}
	lua_settop(L, 0);
	return 0;
}
