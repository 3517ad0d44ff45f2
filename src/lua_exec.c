/* lua_exec.c — exec and spawn in a node, and the small process helpers
 * the Lua layer polls with. */
#define _GNU_SOURCE
#include "lua_util.h"
#include "exec.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* Build a NULL-terminated char* array from the strings of table t; the
 * array lives in a userdata left on the stack, the strings in t. */
static char **check_argv(lua_State *L, int t, const char *what)
{
	lua_Integer n, i;
	char **v;

	luaL_checktype(L, t, LUA_TTABLE);
	n = luaL_len(L, t);
	if (n < 1)
		luaL_argerror(L, t, lua_pushfstring(L, "%s is empty", what));
	v = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, t, i) != LUA_TSTRING && !lua_isnumber(L, -1))
			luaL_argerror(L, t, lua_pushfstring(L, "%s[%d] is not a string",
							     what, (int)i));
		v[i - 1] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	v[n] = NULL;
	return v;
}

static char **env_array(lua_State *L, int t)
{
	size_t n = 0, i = 0;
	int anchor;
	char **v;

	lua_pushnil(L);
	while (lua_next(L, t)) {
		n++;
		lua_pop(L, 1);
	}
	v = lua_newuserdatauv(L, sizeof(char *) * (n + 1), 0);  /* ud */
	lua_newtable(L);                      /* ud anchor: keeps strings alive */
	anchor = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, t)) {              /* ud anchor key val */
		const char *k, *val;

		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "env keys must be strings");
		k = lua_tostring(L, -2);
		val = luaL_tolstring(L, -1, NULL);            /* key val sval */
		v[i++] = (char *)lua_pushfstring(L, "%s=%s", k, val);
		lua_rawseti(L, anchor, (lua_Integer)i);       /* key val sval */
		lua_pop(L, 2);                                /* key */
	}
	v[i] = NULL;
	return v;                             /* ud anchor */
}

/* Read exec options from table t; values stay anchored in t. */
static void check_opts(lua_State *L, int t, struct nsl_exec_opts *o)
{
	memset(o, 0, sizeof *o);
	o->nsfd = -1;
	/* the embedding program may publish a cancel flag (nslab's signals) */
	if (lua_getfield(L, LUA_REGISTRYINDEX, "nslab.cancel") == LUA_TLIGHTUSERDATA)
		o->cancel = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (lua_isnoneornil(L, t))
		return;
	luaL_checktype(L, t, LUA_TTABLE);
	if (lua_getfield(L, t, "ns") != LUA_TNIL) {
		struct nsl_ns *ns = nsl_lua_checkns(L, -1);
		if (!ns->is_host)
			o->nsfd = ns->fd;
	}
	lua_pop(L, 1);
	if (lua_getfield(L, t, "nsname") != LUA_TNIL)
		o->nsname = luaL_checkstring(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, t, "hostname") != LUA_TNIL)
		o->hostname = luaL_checkstring(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, t, "cwd") != LUA_TNIL)
		o->cwd = luaL_checkstring(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, t, "input") != LUA_TNIL)
		o->input = luaL_checklstring(L, -1, &o->input_len);
	lua_pop(L, 1);
	if (lua_getfield(L, t, "timeout") != LUA_TNIL)
		o->timeout_ms = (int)(luaL_checknumber(L, -1) * 1000.0);
	lua_pop(L, 1);
	if (lua_getfield(L, t, "env") == LUA_TTABLE) {
		int et = lua_gettop(L);
		o->envp = env_array(L, et);    /* leaves userdata + anchor table */
		lua_setfield(L, t, "\1envanchor");
		lua_setfield(L, t, "\1envarray");
	}
	lua_pop(L, 1);
}

/* core.exec(argv, opts) -> status, out, err, timed_out | nil, msg, errno */
static int l_exec(lua_State *L)
{
	struct nsl_exec_opts o;
	struct nsl_exec_result r;
	struct nsl_err e;
	char **argv;

	check_opts(L, 2, &o);
	argv = check_argv(L, 1, "command");
	if (nsl_exec(argv, &o, &r, &e) < 0) {
		nsl_exec_result_free(&r);
		return nsl_lua_fail(L, &e);
	}
	lua_pushinteger(L, r.status);
	lua_pushlstring(L, r.out, r.out_len);
	lua_pushlstring(L, r.err, r.err_len);
	lua_pushboolean(L, r.timed_out);
	nsl_exec_result_free(&r);
	return 4;
}

/* core.spawn(argv, opts, logpath) -> pid, starttime */
static int l_spawn(lua_State *L)
{
	struct nsl_exec_opts o;
	struct nsl_err e;
	const char *log = luaL_optstring(L, 3, NULL);
	char **argv;
	pid_t pid;

	check_opts(L, 2, &o);
	argv = check_argv(L, 1, "command");
	if (nsl_spawn(argv, &o, log, &pid, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, pid);
	lua_pushinteger(L, (lua_Integer)nsl_proc_starttime(pid));
	return 2;
}

static int l_starttime(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)nsl_proc_starttime((pid_t)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_kill(lua_State *L)
{
	pid_t pid = (pid_t)luaL_checkinteger(L, 1);
	int sig = (int)luaL_optinteger(L, 2, SIGTERM);

	if (kill(pid, sig) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		lua_pushinteger(L, errno);
		return 3;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* core.waitpid(pid, nohang) -> status | false (still running) | nil, msg */
static int l_waitpid(lua_State *L)
{
	pid_t pid = (pid_t)luaL_checkinteger(L, 1);
	int st = 0, r;

	do
		r = waitpid(pid, &st, lua_toboolean(L, 2) ? WNOHANG : 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		lua_pushinteger(L, errno);
		return 3;
	}
	if (r == 0) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_pushinteger(L, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 1;
}

static int l_clock(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
	return 1;
}

static int l_sleep(lua_State *L)
{
	lua_Number s = luaL_checknumber(L, 1);
	struct timespec ts = { (time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* core.block_signals(on): hold SIGINT/SIGTERM/SIGHUP during teardown so
 * a second Ctrl-C cannot cut it short (children unblock them). */
static int l_block_signals(lua_State *L)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigprocmask(lua_toboolean(L, 1) ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
	return 0;
}

void nsl_lua_open_exec(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "exec", l_exec },
		{ "spawn", l_spawn },
		{ "starttime", l_starttime },
		{ "kill", l_kill },
		{ "waitpid", l_waitpid },
		{ "clock", l_clock },
		{ "sleep", l_sleep },
		{ "block_signals", l_block_signals },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, NULL);
}
