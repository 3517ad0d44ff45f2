/* src/lua/exec.c — exec, spawn and foreground jobs in a node (exec.c does
 * them), and the small process helpers the Lua layer polls with. */
#define _GNU_SOURCE
#include "lua_util.h"
#include "exec.h"
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Build a NULL-terminated char* array from the strings (or numbers) of
 * table t; the array lives in a userdata left on the stack. Strings live in
 * t; a number's string form exists only on the stack, so those stay there
 * until the caller returns. */
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
		int type = lua_geti(L, t, i);

		if (type != LUA_TSTRING && !lua_isnumber(L, -1))
			luaL_argerror(L, t, lua_pushfstring(L, "%s[%d] is not a string",
							     what, (int)i));
		v[i - 1] = (char *)lua_tostring(L, -1);
		if (type == LUA_TSTRING)
			lua_pop(L, 1);
		else
			luaL_checkstack(L, 2, "too many arguments");
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

/* A string option of table t (nil when absent). Only real strings: they
 * stay alive in t after the pop, a converted number would not. */
static const char *opt_string(lua_State *L, int t, const char *k, size_t *len)
{
	const char *s = NULL;
	int type = lua_getfield(L, t, k);

	if (type == LUA_TSTRING)
		s = lua_tolstring(L, -1, len);
	else if (type != LUA_TNIL)
		luaL_error(L, "exec option '%s' must be a string, got %s", k, lua_typename(L, type));
	lua_pop(L, 1);
	return s;
}

/* Read exec options from table t; values stay anchored in t. */
static void check_opts(lua_State *L, int t, struct nsl_exec_opts *o)
{
	struct nsl_ns *node = NULL;

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
		node = nsl_lua_checkns(L, -1);
	}
	lua_pop(L, 1);
	o->nsname = opt_string(L, t, "nsname", NULL);
	o->hostname = opt_string(L, t, "hostname", NULL);
	nsl_exec_set_node(o, node);
	o->cwd = opt_string(L, t, "cwd", NULL);
	o->input = opt_string(L, t, "input", &o->input_len);
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
	if (nsl_exec_run(argv, &o, &r, &e) < 0) {
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
	if (nsl_exec_spawn(argv, &o, log, &pid, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, pid);
	lua_pushinteger(L, (lua_Integer)nsl_procs_starttime(pid));
	return 2;
}

/* A signal reached us while the job ran: the program's handler set a
 * hook (main.c) when it wants us to end, and the job with us. */
static int hook_set(void *L)
{
	return lua_gethook(L) != NULL;
}

/* {NAME = value, ...} at index t as NAME, value, ..., NULL in a userdata
 * left on the stack; the strings stay in the table. */
static char **setenv_array(lua_State *L, int t)
{
	size_t n = 0;
	char **kv;

	lua_pushnil(L);
	while (lua_next(L, t)) {
		n++;
		lua_pop(L, 1);
	}
	kv = lua_newuserdatauv(L, sizeof(char *) * (2 * n + 1), 0);
	n = 0;
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "setenv names and values must be strings");
		kv[n++] = (char *)lua_tostring(L, -2);
		kv[n++] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	kv[n] = NULL;
	return kv;
}

/* core.run_interactive(argv [, opts]) -> status | nil, msg, errno
 * argv as a foreground job of the terminal (nsl_exec_foreground); opts as
 * core.exec, plus setenv = {NAME = value} added to the environment. */
static int l_run_interactive(lua_State *L)
{
	struct nsl_exec_opts o;
	struct nsl_err e;
	char **argv, **kv = NULL;
	int st = 0;

	check_opts(L, 2, &o);
	argv = check_argv(L, 1, "command");
	if (lua_istable(L, 2) && lua_getfield(L, 2, "setenv") == LUA_TTABLE)
		kv = setenv_array(L, lua_gettop(L));
	if (nsl_exec_foreground(argv, &o, kv, hook_set, L, &st, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, st);
	return 1;
}

static int l_starttime(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)nsl_procs_starttime((pid_t)luaL_checkinteger(L, 1)));
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

/* The cancel flag the embedding program published (nslab's signals and
 * `test --timeout`), or NULL. */
static volatile int *cancel_flag(lua_State *L)
{
	volatile int *c = NULL;

	if (lua_getfield(L, LUA_REGISTRYINDEX, "nslab.cancel") == LUA_TLIGHTUSERDATA)
		c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return c;
}

/* core.waitpid(pid, nohang) -> status | false (still running) | nil, msg.
 * A wait cut short by a signal that cancels (the flag above) returns
 * false at once, so that the signal's Lua error is raised. */
static int l_waitpid(lua_State *L)
{
	pid_t pid = (pid_t)luaL_checkinteger(L, 1);
	volatile int *cancel = cancel_flag(L);
	int st = 0, r;

	do
		r = waitpid(pid, &st, lua_toboolean(L, 2) ? WNOHANG : 0);
	while (r < 0 && errno == EINTR && !(cancel && *cancel));
	if (r < 0 && errno == EINTR) {
		lua_pushboolean(L, 0);
		return 1;
	}
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

	volatile int *cancel = cancel_flag(L);

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !(cancel && *cancel))
		;
	return 0;
}

/* core.alarm(seconds): SIGALRM after seconds, for `nslab test --timeout`;
 * the embedding program turns it into a Lua error, as it does SIGTERM.
 * Refused where nothing handles SIGALRM (plain lua5.4), which it would
 * kill. core.alarm(0) disarms it for good: an alarm that went off just
 * before is taken back too (still pending: consumed; caught already:
 * its stop hook removed, core.cancelled() still tells), so no error can
 * surface after the caller's protected call. */
static int l_alarm(lua_State *L)
{
	lua_Number s = luaL_checknumber(L, 1);
	struct itimerval it = { { 0, 0 }, { (time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e6) } };
	struct timespec zero = { 0, 0 };
	struct sigaction cur;
	volatile int *cancel;
	sigset_t alrm, old;

	if (s > 0) {
		if (sigaction(SIGALRM, NULL, &cur) < 0 || cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN)
			return luaL_error(L, "alarm: nothing handles SIGALRM in this program");
		setitimer(ITIMER_REAL, &it, NULL);
		return 0;
	}
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	while (sigtimedwait(&alrm, NULL, &zero) == SIGALRM)
		;
	cancel = cancel_flag(L);
	if (cancel && *cancel == SIGALRM)
		lua_sethook(L, NULL, 0, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* core.cancelled([clear]) -> the signal that cancels commands (0 when
 * none); with clear, forget it, so that work can go on after a handled
 * timeout. */
static int l_cancelled(lua_State *L)
{
	int clear = lua_toboolean(L, 1);
	volatile int *c = cancel_flag(L);

	lua_pushinteger(L, c ? *c : 0);
	if (c && clear)
		*c = 0;
	return 1;
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

/* core.cloexec(file): the Lua file's descriptor is closed in every
 * program started after (io.popen's and io.open's are not): the pipe to
 * an agent's ssh must not live on in a node's command, or the agent never
 * sees the coordinator end (nslab.machine). */
static int l_cloexec(lua_State *L)
{
	luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
	int fd = p->f ? fileno(p->f) : -1;

	if (fd < 0 || fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) < 0)
		return luaL_error(L, "core.cloexec: not an open file");
	return 0;
}

void nsl_lua_open_exec(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "exec", l_exec },
		{ "spawn", l_spawn },
		{ "run_interactive", l_run_interactive },
		{ "starttime", l_starttime },
		{ "kill", l_kill },
		{ "waitpid", l_waitpid },
		{ "clock", l_clock },
		{ "sleep", l_sleep },
		{ "block_signals", l_block_signals },
		{ "cloexec", l_cloexec },
		{ "alarm", l_alarm },
		{ "cancelled", l_cancelled },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, NULL);
}
