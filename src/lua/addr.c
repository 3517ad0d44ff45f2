/* src/lua/addr.c — address parsing (the one CIDR parser) and addresses. */
#include "lua_util.h"
#include "addr.h"
#include "cidr.h"

#include <sys/socket.h>

static void check_cidr(lua_State *L, int i, struct nsl_cidr *c)
{
	struct nsl_err e;

	if (nsl_cidr_parse(luaL_checkstring(L, i), c, &e) < 0)
		luaL_argerror(L, i, e.msg);
}

/* core.cidr(text) -> {family=4|6, addr=, prefix=, network=} | nil, msg */
static int l_cidr(lua_State *L)
{
	const char *text = luaL_checkstring(L, 1);
	struct nsl_cidr c;
	struct nsl_err e;
	char buf[64];

	if (nsl_cidr_parse(text, &c, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, c.family == AF_INET ? 4 : 6);
	lua_setfield(L, -2, "family");
	nsl_cidr_format(&c, 0, buf, sizeof buf);
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "addr");
	if (c.prefix >= 0) {
		lua_pushinteger(L, c.prefix);
		lua_setfield(L, -2, "prefix");
		nsl_cidr_network(&c);
		nsl_cidr_format(&c, 1, buf, sizeof buf);
		lua_pushstring(L, buf);
		lua_setfield(L, -2, "network");
	}
	return 1;
}

/* ns:addr_add(ifindex, ifname, cidr) -> true */
static int m_addr(lua_State *L, int add)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	int idx = (int)luaL_checkinteger(L, 2);
	const char *ifname = luaL_checkstring(L, 3);
	struct nsl_cidr c;
	struct nsl_err e;
	int rc;

	check_cidr(L, 4, &c);
	rc = add ? nsl_addr_add(ns, idx, ifname, &c, &e)
		 : nsl_addr_del(ns, idx, ifname, &c, &e);
	if (rc < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int m_addr_add(lua_State *L) { return m_addr(L, 1); }
static int m_addr_del(lua_State *L) { return m_addr(L, 0); }

void nsl_lua_open_addr(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "cidr", l_cidr },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "addr_add", m_addr_add },
		{ "addr_del", m_addr_del },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, meths);
}
