/* src/lua/link.c — veth pairs, bridges, link state. */
#include "lua_util.h"
#include "link.h"

static int opt_int(lua_State *L, int t, const char *k, int def)
{
	int v = def;

	if (lua_getfield(L, t, k) != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			luaL_error(L, "option '%s' must be an integer", k);
		v = (int)lua_tointeger(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

static const char *opt_str(lua_State *L, int t, const char *k)
{
	const char *v = NULL;

	if (lua_getfield(L, t, k) != LUA_TNIL)
		v = luaL_checkstring(L, -1);
	lua_pop(L, 1);   /* the string stays alive in the options table */
	return v;
}

/* core.veth(nsA, nameA, nsB, nameB [, opts]) -> idxA, idxB */
static int l_veth(lua_State *L)
{
	struct nsl_ns *a = nsl_lua_checkns(L, 1), *b;
	const char *na = luaL_checkstring(L, 2), *nb;
	struct nsl_veth_opts o = { 0 };
	struct nsl_err e;
	int ia = 0, ib = 0;

	b = nsl_lua_checkns(L, 3);
	nb = luaL_checkstring(L, 4);
	if (!lua_isnoneornil(L, 5)) {
		luaL_checktype(L, 5, LUA_TTABLE);
		o.mtu = opt_int(L, 5, "mtu", 0);
		o.master_a = opt_int(L, 5, "master_a", 0);
		o.mac_a = opt_str(L, 5, "mac_a");
		o.mac_b = opt_str(L, 5, "mac_b");
		lua_getfield(L, 5, "down");
		o.down = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (nsl_link_veth(a, na, b, nb, &o, &ia, &ib, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, ia);
	lua_pushinteger(L, ib);
	return 2;
}

/* ns:bridge(name [, mtu]) -> ifindex */
static int m_bridge(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	const char *name = luaL_checkstring(L, 2);
	int mtu = (int)luaL_optinteger(L, 3, 0), idx = 0;
	struct nsl_err e;

	if (nsl_link_bridge(ns, name, mtu, &idx, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, idx);
	return 1;
}

/* ns:link_set(ifindex, name, {up=, mtu=, master=}) -> true */
static int m_link_set(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	int idx = (int)luaL_checkinteger(L, 2);
	const char *name = luaL_checkstring(L, 3);
	struct nsl_link_change c = { 0 };
	struct nsl_err e;

	luaL_checktype(L, 4, LUA_TTABLE);
	if (lua_getfield(L, 4, "up") != LUA_TNIL)
		c.state = lua_toboolean(L, -1) ? NSL_LINK_UP : NSL_LINK_DOWN;
	lua_pop(L, 1);
	c.mtu = opt_int(L, 4, "mtu", 0);
	if (lua_getfield(L, 4, "master") != LUA_TNIL) {
		c.set_master = 1;
		c.master = opt_int(L, 4, "master", 0);
	}
	lua_pop(L, 1);
	if (nsl_link_set(ns, idx, name, &c, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int m_link_index(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_err e;
	int idx;

	if (nsl_link_index(ns, luaL_checkstring(L, 2), &idx, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, idx);
	return 1;
}

static int m_link_delete(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_err e;

	if (nsl_link_delete(ns, luaL_checkstring(L, 2), &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

void nsl_lua_open_link(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "veth", l_veth },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "bridge", m_bridge },
		{ "link_set", m_link_set },
		{ "link_index", m_link_index },
		{ "link_delete", m_link_delete },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, meths);
}
