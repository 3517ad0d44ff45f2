/* src/lua/netns.c — nslab.netns userdata: a namespace handle (fd, netlink
 * socket, nft context). Created closed, then acquires; close() twice is
 * harmless; __gc and __close are the same safety net. */
#include "lua_util.h"
#include "netns.h"
#include "nat.h"
#include "paths.h"
#include "rootless.h"

#include <stdlib.h>
#include <string.h>

/* The handle with its name stored right behind it (*name points there). */
static struct nsl_ns *newns(lua_State *L, const char **name)
{
	size_t len = *name ? strlen(*name) + 1 : 0;
	struct nsl_ns *ns = lua_newuserdatauv(L, sizeof *ns + len, 0);

	memset(ns, 0, sizeof *ns);
	ns->fd = -1;
	ns->name = "";
	if (len)
		*name = memcpy(ns + 1, *name, len);
	luaL_setmetatable(L, NSL_NETNS_MT);
	return ns;
}

struct nsl_ns *nsl_lua_checkns(lua_State *L, int i)
{
	struct nsl_ns *ns = luaL_checkudata(L, i, NSL_NETNS_MT);

	if (ns->fd < 0)
		luaL_argerror(L, i, "namespace handle is closed");
	return ns;
}

static int l_prepare(lua_State *L)
{
	struct nsl_err e;

	if (nsl_netns_prepare(&e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, nsl_netns_raise_nofile());
	return 1;
}

static int l_create(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct nsl_ns *ns = newns(L, &name);
	struct nsl_err e;

	if (nsl_netns_create(name, ns, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static int l_open(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct nsl_ns *ns = newns(L, &name);
	struct nsl_err e;

	if (nsl_netns_open(name, ns, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static int l_host(lua_State *L)
{
	const char *none = NULL;
	struct nsl_ns *ns = newns(L, &none);
	struct nsl_err e;

	if (nsl_netns_host(ns, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static int l_delete(lua_State *L)
{
	struct nsl_err e;

	if (nsl_netns_delete(luaL_checkstring(L, 1), &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_exists(lua_State *L)
{
	lua_pushboolean(L, nsl_netns_exists(luaL_checkstring(L, 1)));
	return 1;
}

/* core.netns_etc_remove(name): remove /etc/netns/NAME and its files */
static int l_etc_remove(lua_State *L)
{
	nsl_netns_etc_remove(luaL_checkstring(L, 1));
	return 0;
}

static int l_privileged(lua_State *L)
{
	lua_pushboolean(L, nsl_paths_privileged());
	return 1;
}

/* core.rootless() -> base, keeper pid | false: whether this nslab runs in
 * the user's own namespaces (rootless.h), where, and who holds them */
static int l_rootless(lua_State *L)
{
	const char *base = getenv("NSLAB_ROOTLESS_BASE");

	if (!nsl_paths_in_userns() || !base || !*base) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_pushstring(L, base);
	lua_pushinteger(L, nsl_rootless_keeper(base));
	return 2;
}

static int m_close(lua_State *L)
{
	struct nsl_ns *ns = luaL_checkudata(L, 1, NSL_NETNS_MT);

	nsl_nat_release(ns);
	nsl_netns_close(ns);
	return 0;
}

static int m_name(lua_State *L)
{
	struct nsl_ns *ns = luaL_checkudata(L, 1, NSL_NETNS_MT);

	lua_pushstring(L, nsl_netns_where(ns));
	return 1;
}

static int m_fd(lua_State *L)
{
	lua_pushinteger(L, nsl_lua_checkns(L, 1)->fd);
	return 1;
}

static int m_is_host(lua_State *L)
{
	lua_pushboolean(L, nsl_lua_checkns(L, 1)->is_host);
	return 1;
}

static int m_tostring(lua_State *L)
{
	struct nsl_ns *ns = luaL_checkudata(L, 1, NSL_NETNS_MT);

	lua_pushfstring(L, "nslab.netns(%s%s)", nsl_netns_where(ns),
			ns->fd < 0 ? ", closed" : "");
	return 1;
}

void nsl_lua_open_netns(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "prepare", l_prepare },
		{ "netns_create", l_create },
		{ "netns_open", l_open },
		{ "netns_host", l_host },
		{ "netns_delete", l_delete },
		{ "netns_exists", l_exists },
		{ "netns_etc_remove", l_etc_remove },
		{ "privileged", l_privileged },
		{ "rootless", l_rootless },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "close", m_close },
		{ "name", m_name },
		{ "fd", m_fd },
		{ "is_host", m_is_host },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, NSL_NETNS_MT);          /* mod mt */
	lua_newtable(L);                             /* mod mt methods */
	lua_setfield(L, -2, "__index");              /* mod mt */
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, m_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);                               /* mod */
	nsl_lua_register(L, fns, meths);
	lua_pushstring(L, NSL_NETNS_DIR);
	lua_setfield(L, -2, "netns_dir");
	lua_pushstring(L, NSL_ETC_NETNS);
	lua_setfield(L, -2, "etc_netns_dir");
}
