/* src/lua/private.c — a node's private directories and files (private.c
 * keeps and binds them). */
#include "lua_util.h"
#include "private.h"
#include "exec.h"

#include <limits.h>
#include <sys/types.h>

/* The owner argument at i (nil, or "USER[:GROUP]") as uid/gid. */
static int owner_arg(lua_State *L, int i, uid_t *uid, gid_t *gid, struct nsl_err *e)
{
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (lua_isnoneornil(L, i))
		return 0;
	return nsl_private_owner(luaL_checkstring(L, i), uid, gid, e);
}

/* ns:private_add(path, is_dir, text|nil, mode, owner|nil) -> backing path
 * | nil, msg, errno. The node's next command builds its mount namespace
 * again, with the new entry. */
static int m_add(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	const char *path = luaL_checkstring(L, 2);
	int is_dir = lua_toboolean(L, 3);
	size_t len = 0;
	const char *text = luaL_optlstring(L, 4, "", &len);
	int mode = (int)luaL_checkinteger(L, 5);
	char backing[PATH_MAX + 32];
	struct nsl_err e;
	uid_t uid;
	gid_t gid;

	if (owner_arg(L, 6, &uid, &gid, &e) < 0 ||
	    nsl_private_add(ns->name, path, is_dir, text, len, mode, uid, gid,
			    backing, sizeof backing, &e) < 0)
		return nsl_lua_fail(L, &e);
	nsl_exec_forget_template(ns);
	lua_pushstring(L, backing);
	return 1;
}

/* core.private_check(path, is_dir) -> true | nil, msg, errno */
static int l_check(lua_State *L)
{
	struct nsl_err e;

	if (nsl_private_check(luaL_checkstring(L, 1), lua_toboolean(L, 2), &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

/* core.private_write(path, text, mode, owner|nil) -> true | nil, msg, errno */
static int l_write(lua_State *L)
{
	size_t len;
	const char *path = luaL_checkstring(L, 1);
	const char *text = luaL_checklstring(L, 2, &len);
	int mode = (int)luaL_checkinteger(L, 3);
	struct nsl_err e;
	uid_t uid;
	gid_t gid;

	if (owner_arg(L, 4, &uid, &gid, &e) < 0 ||
	    nsl_private_write(path, text, len, mode, uid, gid, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

/* core.private_owner(owner) -> uid, gid (-1: not named) | nil, msg */
static int l_owner(lua_State *L)
{
	struct nsl_err e;
	uid_t uid;
	gid_t gid;

	if (owner_arg(L, 1, &uid, &gid, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, uid == (uid_t)-1 ? -1 : (lua_Integer)uid);
	lua_pushinteger(L, gid == (gid_t)-1 ? -1 : (lua_Integer)gid);
	return 2;
}

void nsl_lua_open_private(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "private_check", l_check },
		{ "private_write", l_write },
		{ "private_owner", l_owner },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "private_add", m_add },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, meths);
}
