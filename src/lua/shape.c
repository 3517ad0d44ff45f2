/* src/lua/shape.c — link shaping (tbf, netem) on a namespace's interface.
 * Values arrive in base units (bytes/s, bytes, microseconds, 2^32-scaled
 * probabilities); nslab.shape parses "10mbit", "20ms" and "1%". */
#include "lua_util.h"
#include "shape.h"

#include <stdint.h>

static uint64_t opt_u(lua_State *L, int t, const char *k, uint64_t max)
{
	lua_Integer v = 0;

	if (lua_getfield(L, t, k) != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			luaL_error(L, "option '%s' must be an integer", k);
		v = lua_tointeger(L, -1);
		if (v < 0 || (uint64_t)v > max)
			luaL_error(L, "option '%s' is out of range 0-%I", k, (lua_Integer)max);
	}
	lua_pop(L, 1);
	return (uint64_t)v;
}

/* ns:shape_set(ifindex, ifname, {rate=, burst=, limit=, latency=, delay=,
 * jitter=, loss=, duplicate=}) -> true | nil, msg, errno, refused kind */
static int m_shape_set(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	int idx = (int)luaL_checkinteger(L, 2);
	const char *name = luaL_checkstring(L, 3);
	struct nsl_shape s = { 0 };
	const char *failed = NULL;
	struct nsl_err e;

	luaL_checktype(L, 4, LUA_TTABLE);
	s.rate = opt_u(L, 4, "rate", UINT32_MAX);
	s.burst = (uint32_t)opt_u(L, 4, "burst", INT32_MAX);
	s.limit = (uint32_t)opt_u(L, 4, "limit", INT32_MAX);
	s.latency_us = (uint32_t)opt_u(L, 4, "latency", INT32_MAX);
	s.delay_us = (uint32_t)opt_u(L, 4, "delay", INT32_MAX);
	s.jitter_us = (uint32_t)opt_u(L, 4, "jitter", INT32_MAX);
	s.loss = (uint32_t)opt_u(L, 4, "loss", UINT32_MAX);
	s.duplicate = (uint32_t)opt_u(L, 4, "duplicate", UINT32_MAX);
	if (nsl_shape_set(ns, idx, name, &s, &failed, &e) < 0) {
		nsl_lua_fail(L, &e);
		if (failed)
			lua_pushstring(L, failed);
		else
			lua_pushnil(L);
		return 4;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* ns:shape_clear(ifindex, ifname) -> true */
static int m_shape_clear(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	int idx = (int)luaL_checkinteger(L, 2);
	struct nsl_err e;

	if (nsl_shape_clear(ns, idx, luaL_checkstring(L, 3), &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static void set_int(lua_State *L, const char *k, uint64_t v)
{
	if (v) {
		lua_pushinteger(L, (lua_Integer)v);
		lua_setfield(L, -2, k);
	}
}

/* ns:shape_get(ifindex, ifname) -> {kind=, rate=, ...} | false (unshaped) */
static int m_shape_get(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	int idx = (int)luaL_checkinteger(L, 2), shaped = 0;
	struct nsl_shape s;
	struct nsl_err e;

	if (nsl_shape_get(ns, idx, luaL_checkstring(L, 3), &s, &shaped, &e) < 0)
		return nsl_lua_fail(L, &e);
	if (!shaped) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_createtable(L, 0, 9);
	lua_pushstring(L, s.kind);
	lua_setfield(L, -2, "kind");
	set_int(L, "rate", s.rate);
	set_int(L, "burst", s.burst);
	set_int(L, "limit", s.limit);
	set_int(L, "delay", s.delay_us);
	set_int(L, "jitter", s.jitter_us);
	set_int(L, "loss", s.loss);
	set_int(L, "duplicate", s.duplicate);
	return 1;
}

void nsl_lua_open_shape(lua_State *L)
{
	static const luaL_Reg meths[] = {
		{ "shape_set", m_shape_set },
		{ "shape_clear", m_shape_clear },
		{ "shape_get", m_shape_get },
		{ NULL, NULL },
	};

	nsl_lua_register(L, NULL, meths);
}
