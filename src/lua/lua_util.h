/* lua_util.h — conventions shared by the Lua bindings: misuse raises
 * "bad argument", kernel failures return nil, message, errno. */
#ifndef NSL_LUA_UTIL_H
#define NSL_LUA_UTIL_H

#include <lua.h>
#include <lauxlib.h>
#include "nsl.h"

#define NSL_NETNS_MT   "nslab.netns"
#define NSL_JOURNAL_MT "nslab.journal"

static inline int nsl_lua_fail(lua_State *L, const struct nsl_err *e)
{
	lua_pushnil(L);
	lua_pushstring(L, e->msg);
	lua_pushinteger(L, e->code);
	return 3;
}

/* An open namespace handle at index i (raises on a closed one). */
struct nsl_ns *nsl_lua_checkns(lua_State *L, int i);

/* Add the functions of l to the module table at the top of the stack and,
 * when m is non-NULL, the methods of m to nslab.netns. */
void nsl_lua_register(lua_State *L, const luaL_Reg *l, const luaL_Reg *m);

/* One opener per area, composed by luaopen_nslab_core. */
void nsl_lua_open_netns(lua_State *L);
void nsl_lua_open_link(lua_State *L);
void nsl_lua_open_addr(lua_State *L);
void nsl_lua_open_route(lua_State *L);
void nsl_lua_open_sysctl(lua_State *L);
void nsl_lua_open_nat(lua_State *L);
void nsl_lua_open_exec(lua_State *L);
void nsl_lua_open_journal(lua_State *L);
void nsl_lua_open_procs(lua_State *L);
void nsl_lua_open_kinds(lua_State *L);
void nsl_lua_open_monitor(lua_State *L);
void nsl_lua_open_inspect(lua_State *L);
void nsl_lua_open_readline(lua_State *L);
void nsl_lua_open_shape(lua_State *L);
void nsl_lua_open_capture(lua_State *L);
void nsl_lua_open_private(lua_State *L);

int luaopen_nslab_core(lua_State *L);

#endif
