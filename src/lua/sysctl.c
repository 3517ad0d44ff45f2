/* src/lua/sysctl.c — per-namespace sysctls. */
#include "lua_util.h"
#include "sysctl.h"

static int m_get(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	char val[4096];
	struct nsl_err e;

	if (nsl_sysctl_get(ns, luaL_checkstring(L, 2), val, sizeof val, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushstring(L, val);
	return 1;
}

/* ns:sysctl_set(key, value) -> old value */
static int m_set(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	const char *key = luaL_checkstring(L, 2), *val = luaL_checkstring(L, 3);
	char old[4096];
	struct nsl_err e;

	if (nsl_sysctl_set(ns, key, val, old, sizeof old, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushstring(L, old);
	return 1;
}

void nsl_lua_open_sysctl(lua_State *L)
{
	static const luaL_Reg meths[] = {
		{ "sysctl_get", m_get },
		{ "sysctl_set", m_set },
		{ NULL, NULL },
	};

	nsl_lua_register(L, NULL, meths);
}
