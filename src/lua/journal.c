/* src/lua/journal.c — the lab's record of what it created. */
#include "lua_util.h"
#include "journal.h"
#include "paths.h"
#include "names.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
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

/* journal:KIND(field, ...) and journal:del_KIND(field, ...), one pair per
 * record kind of journal.h (upvalues: the kind, whether it is a del):
 * integers are written in decimal, nil is "none"; journal.c checks each
 * field against its kind. */
static int m_record(lua_State *L)
{
	struct nsl_journal *j = checkj(L);
	struct nsl_record r = { (enum nsl_rec_kind)lua_tointeger(L, lua_upvalueindex(1)),
				lua_toboolean(L, lua_upvalueindex(2)), { NULL } };
	char num[NSL_REC_FIELDS][32];
	int i, nf = nsl_journal_nfields(r.kind);
	struct nsl_err e;

	for (i = 0; i < nf; i++) {
		if (lua_isinteger(L, i + 2)) {
			snprintf(num[i], sizeof num[i], LUA_INTEGER_FMT, lua_tointeger(L, i + 2));
			r.f[i] = num[i];
		} else if (!lua_isnoneornil(L, i + 2))
			r.f[i] = luaL_checkstring(L, i + 2);
	}
	if (nsl_journal_write(j, &r, &e) < 0)
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

/* core.journal_user(lab) -> uid the lab belongs to | nil when no such lab */
static int l_user(lua_State *L)
{
	long u = nsl_journal_user(luaL_checkstring(L, 1));

	if (u < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, u);
	return 1;
}

/* core.journal_kept(lab) -> true when left up on purpose (nslab up) */
static int l_kept(lua_State *L)
{
	lua_pushboolean(L, nsl_journal_kept(luaL_checkstring(L, 1)));
	return 1;
}

/* core.journal_trusted(lab) -> true | nil, msg, errno (paths.h) */
static int l_trusted(lua_State *L)
{
	struct nsl_err e;

	if (nsl_journal_trusted(luaL_checkstring(L, 1), &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

/* core.user() -> uid, name: whom labs made now belong to (paths.h) */
static int l_whoami(lua_State *L)
{
	uid_t u = nsl_paths_user();
	struct passwd *pw = getpwuid(u);

	lua_pushinteger(L, u);
	if (pw)
		lua_pushstring(L, pw->pw_name);
	else
		lua_pushfstring(L, "uid %d", (int)u);
	return 2;
}

/* core.user_name(uid) -> the login name, or "uid N" */
static int l_user_name(lua_State *L)
{
	lua_Integer u = luaL_checkinteger(L, 1);
	struct passwd *pw = u >= 0 ? getpwuid((uid_t)u) : NULL;

	if (pw)
		lua_pushstring(L, pw->pw_name);
	else
		lua_pushfstring(L, "uid %d", (int)u);
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

/* A record's fields as one string, as they stand in its line. */
static int each_record(const struct nsl_record *r, void *arg)
{
	lua_State *L = arg;
	luaL_Buffer b;
	int i, nf = nsl_journal_nfields(r->kind);

	luaL_buffinit(L, &b);
	for (i = 0; i < nf; i++) {
		if (i)
			luaL_addchar(&b, ' ');
		luaL_addstring(&b, r->f[i]);
	}
	luaL_pushresult(&b);
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

static enum nsl_rec_kind checkkind(lua_State *L, int arg)
{
	int k = nsl_journal_kind(luaL_checkstring(L, arg));

	if (k < 0)
		luaL_argerror(L, arg, "not a journal record kind");
	return (enum nsl_rec_kind)k;
}

/* core.journal_records(lab, kind) -> {fields of each standing record, as
 * one string} | nil, msg, errno */
static int push_records(lua_State *L, int (*each)(const struct nsl_record *, void *))
{
	const char *lab = luaL_checkstring(L, 1);
	enum nsl_rec_kind kind = checkkind(L, 2);
	int rc;

	lua_newtable(L);
	rc = nsl_journal_records(lab, kind, each, L);
	if (rc < 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "journal of lab %s: %s", lab, strerror(-rc));
		lua_pushinteger(L, -rc);
		return 3;
	}
	return 1;
}

static int l_records(lua_State *L)
{
	return push_records(L, each_record);
}

static int each_fields(const struct nsl_record *r, void *arg)
{
	lua_State *L = arg;
	int i, nf = nsl_journal_nfields(r->kind);

	lua_createtable(L, nf, 0);
	for (i = 0; i < nf; i++) {
		lua_pushstring(L, r->f[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

/* core.journal_read(lab, kind) -> {{field, ...} of each standing record}
 * | nil, msg, errno: the records parsed by journal.c, fields apart */
static int l_read(lua_State *L)
{
	return push_records(L, each_fields);
}

static int l_count(lua_State *L)
{
	const char *lab = luaL_checkstring(L, 1);

	lua_pushinteger(L, nsl_journal_count(lab, checkkind(L, 2)));
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

/* core.mkfifo(path) -> true | nil, msg, errno: the pipe an agent's
 * answers come back through (nslab.machine opens the ssh with io.popen,
 * which carries one direction only) */
static int l_mkfifo(lua_State *L)
{
	const char *p = luaL_checkstring(L, 1);

	if (mkfifo(p, 0600) < 0) {
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
	lua_pushstring(L, nsl_paths_state_dir());
	return 1;
}

/* core.valid_name(s) -> boolean: the one name rule (names.h) */
static int l_valid_name(lua_State *L)
{
	size_t n;
	const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &n) : NULL;

	lua_pushboolean(L, s && nsl_names_valid_len(s, n));
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

/* core.lab_ns(key) -> the lab's entry: its namespaces' prefix (LAB of
 * LAB.NODE) and state directory name; NAME, or NAME@UID in a sudo user's
 * space (paths.h) | nil for a bad key */
static int l_lab_ns(lua_State *L)
{
	char entry[NSL_PATHS_ENTRY_MAX];

	if (nsl_paths_lab_entry(luaL_checkstring(L, 1), entry, sizeof entry) < 0)
		lua_pushnil(L);
	else
		lua_pushstring(L, entry);
	return 1;
}

/* core.valid_lab(s) -> boolean: a lab key verbs take, NAME or NAME@UID */
static int l_valid_lab(lua_State *L)
{
	char entry[NSL_PATHS_ENTRY_MAX];
	const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;

	lua_pushboolean(L, s && strlen(s) == lua_rawlen(L, 1) &&
			nsl_paths_lab_entry(s, entry, sizeof entry) == 0);
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
		{ "journal_user", l_user },
		{ "journal_kept", l_kept },
		{ "journal_trusted", l_trusted },
		{ "user", l_whoami },
		{ "user_name", l_user_name },
		{ "journal_count", l_count },
		{ "journal_records", l_records },
		{ "journal_read", l_read },
		{ "state_dir", l_state_dir },
		{ "lab_dir", l_lab_dir },
		{ "lab_ns", l_lab_ns },
		{ "valid_lab", l_valid_lab },
		{ "valid_name", l_valid_name },
		{ "mkdir", l_mkdir },
		{ "mkfifo", l_mkfifo },
		{ "exists", l_exists },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "release", m_release },
		{ "close", m_close },
		{ "dir", m_dir },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, NSL_JOURNAL_MT);
	luaL_newlib(L, meths);
	for (int k = 0; k < NSL_REC_NKINDS; k++) {
		for (int del = 0; del <= 1; del++) {
			lua_pushinteger(L, k);
			lua_pushboolean(L, del);
			lua_pushcclosure(L, m_record, 2);
			lua_pushfstring(L, "%s%s", del ? "del_" : "", nsl_journal_kind_name(k));
			lua_insert(L, -2);
			lua_settable(L, -3);
		}
	}
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);
	nsl_lua_register(L, fns, NULL);
	/* core.journal_kinds: {"netns", "link", ...}, for stand-ins (dry.lua) */
	lua_createtable(L, NSL_REC_NKINDS, 0);
	for (int k = 0; k < NSL_REC_NKINDS; k++) {
		lua_pushstring(L, nsl_journal_kind_name(k));
		lua_rawseti(L, -2, k + 1);
	}
	lua_setfield(L, -2, "journal_kinds");
}
