/* src/lua/procs.c — processes and identity: which namespace a pin or process
 * is (as a comparable "dev:ino" string), the pids inside one, and joining
 * a node in-process for `nslab exec`. */
#include "lua_util.h"
#include "procs.h"

#include <errno.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include "paths.h"

static void push_id(lua_State *L, const struct nsl_nsid *id)
{
	lua_pushfstring(L, "%I:%I", (lua_Integer)id->dev, (lua_Integer)id->ino);
}

/* core.nsid(path) -> "dev:ino" | nil, msg, errno */
static int l_nsid(lua_State *L)
{
	struct nsl_nsid id;
	struct nsl_err e;

	if (nsl_procs_nsid(luaL_checkstring(L, 1), &id, &e) < 0)
		return nsl_lua_fail(L, &e);
	push_id(L, &id);
	return 1;
}

/* core.nsid_of_pid(pid) -> "dev:ino" | nil, msg, errno */
static int l_nsid_pid(lua_State *L)
{
	struct nsl_nsid id;
	struct nsl_err e;

	if (nsl_procs_nsid_of_pid((pid_t)luaL_checkinteger(L, 1), &id, &e) < 0)
		return nsl_lua_fail(L, &e);
	push_id(L, &id);
	return 1;
}

struct hit {
	pid_t pid;
	size_t which;   /* index of the namespace it is in */
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static int add_hit(pid_t pid, size_t which, void *arg)
{
	struct hits *h = arg;

	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 64;
		struct hit *v = realloc(h->v, nc * sizeof *v);

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = nc;
	}
	h->v[h->n].pid = pid;
	h->v[h->n].which = which;
	h->n++;
	return 0;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->which != y->which)
		return x->which < y->which ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* core.pids_in({pin, ...}) -> {[pin] = {pid, ...}}: one look at /proc for
 * many namespaces, where one call per node scanned /proc once per node (a
 * pin that cannot be read gets an empty list) */
static int pids_in_many(lua_State *L)
{
	lua_Integer n = luaL_len(L, 1), i;
	struct nsl_nsid *ids = calloc((size_t)n + 1, sizeof *ids);
	struct hits h = { NULL, 0, 0 };
	struct nsl_err e;
	size_t k;
	int rc;

	if (!ids)
		return luaL_error(L, "out of memory");
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		if (nsl_procs_nsid(luaL_checkstring(L, -1), &ids[i - 1], NULL) < 0)
			ids[i - 1].dev = (dev_t)-1, ids[i - 1].ino = (ino_t)-1;   /* matches nothing */
		lua_pop(L, 1);
	}
	rc = nsl_procs_each(ids, (size_t)n, add_hit, &h, &e);
	free(ids);
	if (rc < 0) {
		free(h.v);
		if (rc == -ENOMEM)
			return luaL_error(L, "out of memory");
		return nsl_lua_fail(L, &e);
	}
	if (h.n)
		qsort(h.v, h.n, sizeof *h.v, cmp_hit);   /* h.v is NULL when empty */
	lua_createtable(L, 0, (int)n);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		lua_newtable(L);
		lua_rawset(L, -3);
	}
	for (k = 0; k < h.n; k++) {
		lua_rawgeti(L, 1, (lua_Integer)h.v[k].which + 1);
		lua_rawget(L, -2);
		lua_pushinteger(L, h.v[k].pid);
		lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
		lua_pop(L, 1);
	}
	free(h.v);
	return 1;
}

/* core.pids_in(pin) -> {pid, ...} ascending | nil, msg, errno;
 * core.pids_in({pin, ...}) -> {[pin] = {pid, ...}} */
static int l_pids_in(lua_State *L)
{
	struct nsl_nsid id;
	struct nsl_err e;
	pid_t *pids;
	size_t n, i;

	if (lua_istable(L, 1))
		return pids_in_many(L);
	if (nsl_procs_nsid(luaL_checkstring(L, 1), &id, &e) < 0 ||
	    nsl_procs_in(&id, &pids, &n, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, pids[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(pids);
	return 1;
}

/* core.procs_kill(pin) -> how many processes were ended (0: none left)
 * | nil, msg, errno */
static int l_procs_kill(lua_State *L)
{
	struct nsl_nsid id;
	struct nsl_err e;
	int n;

	if (nsl_procs_nsid(luaL_checkstring(L, 1), &id, &e) < 0 ||
	    (n = nsl_procs_kill(&id, 1, &e)) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, n);
	return 1;
}

/* core.exec_in(pin|nil, nsname|nil, hostname|nil, argv) -> nil, msg, errno
 * (on success the process is replaced and nothing returns) */
static int l_exec_in(lua_State *L)
{
	const char *pin = luaL_optstring(L, 1, NULL);
	const char *nsname = luaL_optstring(L, 2, NULL);
	const char *host = luaL_optstring(L, 3, NULL);
	lua_Integer n, i;
	char **argv;
	struct nsl_err e;

	luaL_checktype(L, 4, LUA_TTABLE);
	n = luaL_len(L, 4);
	luaL_argcheck(L, n >= 1, 4, "command is empty");
	argv = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
	for (i = 1; i <= n; i++) {
		lua_geti(L, 4, i);                       /* argv s */
		luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 4, "arguments must be strings");
		argv[i - 1] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);                           /* the string lives in the table */
	}
	argv[n] = NULL;
	fflush(NULL);
	nsl_procs_exec_in(pin, nsname, host, argv, &e);
	return nsl_lua_fail(L, &e);
}

/* core.netns_pins() -> {name, ...}: every pin in /run/netns, ours or not */
static int l_pins(lua_State *L)
{
	DIR *d = opendir(NSL_NETNS_DIR);
	struct dirent *e;
	lua_Integer n = 0;

	lua_newtable(L);
	if (!d)
		return 1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		lua_pushstring(L, e->d_name);
		lua_rawseti(L, -2, ++n);
	}
	closedir(d);
	return 1;
}

void nsl_lua_open_procs(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "nsid", l_nsid },
		{ "nsid_of_pid", l_nsid_pid },
		{ "pids_in", l_pids_in },
		{ "procs_kill", l_procs_kill },
		{ "exec_in", l_exec_in },
		{ "netns_pins", l_pins },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, NULL);
}
