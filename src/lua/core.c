/* src/lua/core.c — the `nslab.core` module: one opener per kernel area. */
#include "lua_util.h"

void nsl_lua_register(lua_State *L, const luaL_Reg *l, const luaL_Reg *m)
{
	if (l)
		luaL_setfuncs(L, l, 0);
	if (m) {
		luaL_getmetatable(L, NSL_NETNS_MT);      /* mt */
		lua_getfield(L, -1, "__index");          /* mt methods */
		luaL_setfuncs(L, m, 0);
		lua_pop(L, 2);
	}
}

int luaopen_nslab_core(lua_State *L)
{
	static void (*const openers[])(lua_State *) = {
		nsl_lua_open_netns,  /* first: makes the nslab.netns metatable */
		nsl_lua_open_link,
		nsl_lua_open_addr,
		nsl_lua_open_route,
		nsl_lua_open_sysctl,
		nsl_lua_open_nat,
		nsl_lua_open_exec,
		nsl_lua_open_journal,
		nsl_lua_open_procs,
		nsl_lua_open_kinds,
		nsl_lua_open_monitor,
		nsl_lua_open_inspect,
		nsl_lua_open_readline,
		nsl_lua_open_shape,
		nsl_lua_open_capture,
		nsl_lua_open_private,
	};
	size_t i;

	lua_newtable(L);
	for (i = 0; i < sizeof openers / sizeof openers[0]; i++)
		openers[i](L);
	lua_pushliteral(L, NSLAB_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
