/* src/lua/route.c — routes. */
#include "lua_util.h"
#include "route.h"

#include <string.h>
#include <sys/socket.h>

static void check_cidr(lua_State *L, int i, struct nsl_cidr *c)
{
	struct nsl_err e;

	if (nsl_cidr_parse(luaL_checkstring(L, i), c, &e) < 0)
		luaL_argerror(L, i, e.msg);
}

/* ns:route_add(dst, gw|nil, oif|0, oifname|nil, metric|-1, replace, family)
 * dst is a prefix or "default" (family 4 or 6 then says which). */
static int m_route(lua_State *L, int add)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	const char *dst = luaL_checkstring(L, 2);
	struct nsl_cidr d, g;
	int have_gw = !lua_isnoneornil(L, 3);
	int oif = (int)luaL_optinteger(L, 4, 0);
	const char *oifname = luaL_optstring(L, 5, NULL);
	int metric = (int)luaL_optinteger(L, 6, -1);
	int replace = lua_toboolean(L, 7);
	int fam = (int)luaL_optinteger(L, 8, 4);
	struct nsl_err e;
	int rc;

	if (have_gw)
		check_cidr(L, 3, &g);
	if (!strcmp(dst, "default")) {
		memset(&d, 0, sizeof d);
		d.family = have_gw ? g.family : (fam == 6 ? AF_INET6 : AF_INET);
		d.prefix = 0;
	} else {
		check_cidr(L, 2, &d);
		if (d.prefix < 0)
			d.prefix = d.family == AF_INET ? 32 : 128;
	}
	rc = add ? nsl_route_add(ns, &d, have_gw ? &g : NULL, oif, oifname, metric,
				 replace, &e)
		 : nsl_route_del(ns, &d, have_gw ? &g : NULL, oif, metric, &e);
	if (rc < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int m_route_add(lua_State *L) { return m_route(L, 1); }
static int m_route_del(lua_State *L) { return m_route(L, 0); }

void nsl_lua_open_route(lua_State *L)
{
	static const luaL_Reg meths[] = {
		{ "route_add", m_route_add },
		{ "route_del", m_route_del },
		{ NULL, NULL },
	};

	nsl_lua_register(L, NULL, meths);
}
