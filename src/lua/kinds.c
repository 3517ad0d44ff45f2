/* src/lua/kinds.c — link kinds beyond veth: vxlan, macvlan, vlan, and kinds
 * without options such as dummy and wireguard. */
#include "lua_util.h"
#include "link.h"

#include <string.h>

static int opt_int(lua_State *L, int t, const char *k, lua_Integer lo,
		   lua_Integer hi, lua_Integer def)
{
	lua_Integer v = def;

	if (lua_getfield(L, t, k) != LUA_TNIL) {
		if (!lua_isinteger(L, -1))
			luaL_error(L, "option '%s' must be an integer", k);
		v = lua_tointeger(L, -1);
		if (v < lo || v > hi)
			luaL_error(L, "option '%s' is out of range %I-%I", k, lo, hi);
	}
	lua_pop(L, 1);
	return (int)v;
}

static const char *opt_str(lua_State *L, int t, const char *k)
{
	const char *v = NULL;

	if (lua_getfield(L, t, k) != LUA_TNIL)
		v = luaL_checkstring(L, -1);
	lua_pop(L, 1);   /* the string stays alive in the options table */
	return v;
}

static int push_idx(lua_State *L, int rc, int idx, const struct nsl_err *e)
{
	if (rc < 0)
		return nsl_lua_fail(L, e);
	lua_pushinteger(L, idx);
	return 1;
}

/* core.vxlan(sock_ns, dev_ns, name, {id=, port=, local=, remote=, mtu=}) -> ifindex */
static int l_vxlan(lua_State *L)
{
	struct nsl_ns *sock = nsl_lua_checkns(L, 1), *dev = nsl_lua_checkns(L, 2);
	const char *name = luaL_checkstring(L, 3);
	struct nsl_vxlan_opts o;
	struct nsl_err e;
	int idx = 0;

	luaL_checktype(L, 4, LUA_TTABLE);
	memset(&o, 0, sizeof o);
	o.id = (unsigned)opt_int(L, 4, "id", 0, 16777215, 0);
	o.port = opt_int(L, 4, "port", 1, 65535, 4789);
	o.mtu = opt_int(L, 4, "mtu", 68, 65535, 0);
	o.local = opt_str(L, 4, "local");
	o.remote = opt_str(L, 4, "remote");
	int rc = nsl_link_vxlan(sock, dev, name, &o, &idx, &e);

	return push_idx(L, rc, idx, &e);
}

/* core.macvlan(parent_ns, parent_idx, dev_ns, name [, mode]) -> ifindex */
static int l_macvlan(lua_State *L)
{
	struct nsl_ns *pns = nsl_lua_checkns(L, 1), *dev;
	int pidx = (int)luaL_checkinteger(L, 2), idx = 0;
	const char *name, *mode;
	struct nsl_err e;

	dev = nsl_lua_checkns(L, 3);
	name = luaL_checkstring(L, 4);
	mode = luaL_optstring(L, 5, NULL);
	int rc = nsl_link_macvlan(pns, pidx, dev, name, mode, &idx, &e);

	return push_idx(L, rc, idx, &e);
}

/* core.vlan(parent_ns, parent_idx, dev_ns, name, vid) -> ifindex */
static int l_vlan(lua_State *L)
{
	struct nsl_ns *pns = nsl_lua_checkns(L, 1), *dev;
	int pidx = (int)luaL_checkinteger(L, 2), idx = 0, vid;
	const char *name;
	struct nsl_err e;

	dev = nsl_lua_checkns(L, 3);
	name = luaL_checkstring(L, 4);
	vid = (int)luaL_checkinteger(L, 5);
	int rc = nsl_link_vlan(pns, pidx, dev, name, vid, &idx, &e);

	return push_idx(L, rc, idx, &e);
}

/* core.link_kind(sock_ns, dev_ns, kind, name) -> ifindex */
static int l_link_kind(lua_State *L)
{
	struct nsl_ns *sock = nsl_lua_checkns(L, 1), *dev = nsl_lua_checkns(L, 2);
	const char *kind = luaL_checkstring(L, 3), *name = luaL_checkstring(L, 4);
	struct nsl_err e;
	int idx = 0;

	int rc = nsl_link_kind(sock, dev, kind, name, &idx, &e);

	return push_idx(L, rc, idx, &e);
}

/* core.link_missing(kind) -> the message a kernel without kind gives */
static int l_missing(lua_State *L)
{
	struct nsl_err e;

	nsl_link_missing(luaL_checkstring(L, 1), &e);
	lua_pushstring(L, e.msg);
	return 1;
}

void nsl_lua_open_kinds(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "vxlan", l_vxlan },
		{ "macvlan", l_macvlan },
		{ "vlan", l_vlan },
		{ "link_kind", l_link_kind },
		{ "link_missing", l_missing },
		{ NULL, NULL },
	};
	nsl_lua_register(L, fns, NULL);
}
