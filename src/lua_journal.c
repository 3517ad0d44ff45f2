/* lua_journal.c — the lab's record of what it created. */
#include "lua_util.h"
#include "journal.h"
#include "paths.h"
#include "names.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct nsl_journal *checkj(lua_State *L)
{
	struct nsl_journal *j = luaL_checkudata(L, 1, NSL_JOURNAL_MT);

	if (j->fd < 0)
		luaL_argerror(L, 1, "journal is closed");
	return j;
}

/* core.journal_begin(lab, labfile) -> journal | nil, msg, errno */
static int l_begin(lua_State *L)
{
	const char *lab = luaL_checkstring(L, 1);
	const char *file = luaL_optstring(L, 2, NULL);
	struct nsl_journal *j = lua_newuserdatauv(L, sizeof *j, 0);
	struct nsl_err e;

	memset(j, 0, sizeof *j);
	j->fd = -1;
	luaL_setmetatable(L, NSL_JOURNAL_MT);
	if (nsl_journal_begin(lab, file, j, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

/* core.journal_attach(lab) -> journal | nil, msg, errno: append to the
 * journal of a lab that is up, without owning it */
static int l_attach(lua_State *L)
{
	const char *lab = luaL_checkstring(L, 1);
	struct nsl_journal *j = lua_newuserdatauv(L, sizeof *j, 0);
	struct nsl_err e;

	memset(j, 0, sizeof *j);
	j->fd = -1;
	luaL_setmetatable(L, NSL_JOURNAL_MT);
	if (nsl_journal_attach(lab, j, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static int m_add(lua_State *L)
{
	struct nsl_journal *j = checkj(L);
	const char *line = luaL_checkstring(L, 2);
	struct nsl_err e;

	if (strchr(line, '\n'))
		luaL_argerror(L, 2, "record holds a newline");
	if (nsl_journal_add(j, &e, "%s", line) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int m_release(lua_State *L)
{
	nsl_journal_release(checkj(L));
	return 0;
}

static int m_close(lua_State *L)
{
	nsl_journal_close(luaL_checkudata(L, 1, NSL_JOURNAL_MT));
	return 0;
}

static int m_dir(lua_State *L)
{
	lua_pushstring(L, ((struct nsl_journal *)luaL_checkudata(L, 1, NSL_JOURNAL_MT))->dir);
	return 1;
}

/* core.journal_down(lab) -> records undone | nil, msg, errno */
static int l_down(lua_State *L)
{
	struct nsl_err e;
	int n = 0;

	if (nsl_journal_down(luaL_checkstring(L, 1), &n, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, n);
	return 1;
}

/* core.journal_owner(lab) -> pid (0 = up, no owner) | nil when no such lab */
static int l_owner(lua_State *L)
{
	pid_t p = nsl_journal_owner(luaL_checkstring(L, 1));

	if (p < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, p);
	return 1;
}

static int each(const char *lab, void *arg)
{
	lua_State *L = arg;

	lua_pushstring(L, lab);
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

static int l_list(lua_State *L)
{
	lua_newtable(L);
	nsl_journal_each(each, L);
	return 1;
}

static int each_record(const char *rest, void *arg)
{
	lua_State *L = arg;

	lua_pushstring(L, rest);
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

/* core.journal_records(lab, kind) -> {rest of each standing record} | nil, msg, errno */
static int l_records(lua_State *L)
{
	const char *lab = luaL_checkstring(L, 1);
	const char *kind = luaL_checkstring(L, 2);
	int rc;

	lua_newtable(L);
	rc = nsl_journal_records(lab, kind, each_record, L);
	if (rc < 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "journal of lab %s: %s", lab, strerror(-rc));
		lua_pushinteger(L, -rc);
		return 3;
	}
	return 1;
}

static int l_count(lua_State *L)
{
	lua_pushinteger(L, nsl_journal_count(luaL_checkstring(L, 1), luaL_checkstring(L, 2)));
	return 1;
}

/* core.mkdir(path) -> true | nil, msg, errno (EEXIST is reported too) */
static int l_mkdir(lua_State *L)
{
	const char *p = luaL_checkstring(L, 1);

	if (mkdir(p, 0755) < 0) {
		int e = errno;
		lua_pushnil(L);
		lua_pushfstring(L, "cannot create %s: %s", p, strerror(e));
		lua_pushinteger(L, e);
		return 3;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int l_exists(lua_State *L)
{
	lua_pushboolean(L, access(luaL_checkstring(L, 1), F_OK) == 0);
	return 1;
}

static int l_state_dir(lua_State *L)
{
	lua_pushstring(L, nsl_state_dir());
	return 1;
}

/* core.valid_name(s) -> boolean: the one name rule (names.h) */
static int l_valid_name(lua_State *L)
{
	size_t n;
	const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &n) : NULL;

	lua_pushboolean(L, s && nsl_name_valid_len(s, n));
	return 1;
}

/* core.lab_dir(lab) -> path of lab's state directory | nil for a bad name */
static int l_lab_dir(lua_State *L)
{
	char dir[PATH_MAX];

	if (nsl_journal_dir(luaL_checkstring(L, 1), dir, sizeof dir) < 0)
		lua_pushnil(L);
	else
		lua_pushstring(L, dir);
	return 1;
}

void nsl_lua_open_journal(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "journal_begin", l_begin },
		{ "journal_attach", l_attach },
		{ "journal_down", l_down },
		{ "journal_owner", l_owner },
		{ "journal_list", l_list },
		{ "journal_count", l_count },
		{ "journal_records", l_records },
		{ "state_dir", l_state_dir },
		{ "lab_dir", l_lab_dir },
		{ "valid_name", l_valid_name },
		{ "mkdir", l_mkdir },
		{ "exists", l_exists },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "add", m_add },
		{ "release", m_release },
		{ "close", m_close },
		{ "dir", m_dir },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, NSL_JOURNAL_MT);
	luaL_newlib(L, meths);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);
	nsl_lua_register(L, fns, NULL);
}
