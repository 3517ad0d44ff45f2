/* lua_exec.c — exec and spawn in a node, and the small process helpers
 * the Lua layer polls with. */
#define _GNU_SOURCE
#include "lua_util.h"
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
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
		struct nsl_ns *ns = nsl_lua_checkns(L, -1);
		if (!ns->is_host)
			node = ns;
	}
	lua_pop(L, 1);
	o->nsname = opt_string(L, t, "nsname", NULL);
	o->hostname = opt_string(L, t, "hostname", NULL);
	if (node) {
		o->nsfd = node->fd;
		/* first command in this node: build its mount and UTS namespaces
		 * once; if that fails (-1), every command builds its own */
		if (!node->have_tmpl && o->nsname && o->hostname)
			node->have_tmpl = nsl_node_template(o, &node->tmpl_mnt,
							    &node->tmpl_uts, NULL) == 0 ? 1 : -1;
		if (node->have_tmpl > 0) {
			o->mntfd = node->tmpl_mnt;
			o->utsfd = node->tmpl_uts;
		}
	}
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

/* The child of run_interactive: own process group in the terminal's
 * foreground (so Ctrl-C and Ctrl-Z reach it, not nslab), default signals,
 * extra environment, the node, exec. Failures go up the CLOEXEC pipe. */
static void interactive_child(char *const argv[], const struct nsl_exec_opts *o,
			      char *const setenv_kv[], int tty, int rep)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
				    SIGPIPE, SIGTERM, SIGHUP, SIGCHLD, SIGWINCH };
	sigset_t none;
	size_t i;

	if (tty >= 0) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_IGN);
		(void)tcsetpgrp(tty, getpid());
	}
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; setenv_kv && setenv_kv[i]; i += 2)
		setenv(setenv_kv[i], setenv_kv[i + 1], 1);
	nsl_exec_child(argv, o, rep);
}

/* Give the terminal to process group pg (SIGTTOU held while we do). */
static void give_tty(int tty, pid_t pg)
{
	sigset_t s, old;

	sigemptyset(&s);
	sigaddset(&s, SIGTTOU);
	sigprocmask(SIG_BLOCK, &s, &old);
	(void)tcsetpgrp(tty, pg);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* core.run_interactive(argv [, opts]) -> status | nil, msg, errno
 * Run argv in a node like a shell runs a foreground job: stdin, stdout
 * and stderr are the terminal's, the job owns the terminal until it ends
 * (Ctrl-C interrupts it, not us), and the terminal modes are restored
 * after. opts as core.exec, plus setenv = {NAME = value} added to the
 * inherited environment. A stopped job (Ctrl-Z) is continued: the REPL
 * has no job control. When another signal reaches us (SIGTERM, SIGHUP:
 * the program's handler set a hook) the job is sent SIGHUP. */
static int l_run_interactive(lua_State *L)
{
	struct nsl_exec_opts o;
	struct nsl_err e;
	struct termios tio;
	char **argv, **kv = NULL, buf[200];
	int prep[2], tty = -1, have_tio = 0, st = 0;
	size_t nkv = 0;
	ssize_t n;
	pid_t pid;

	check_opts(L, 2, &o);
	argv = check_argv(L, 1, "command");
	if (lua_istable(L, 2) && lua_getfield(L, 2, "setenv") == LUA_TTABLE) {
		int t = lua_gettop(L);

		lua_pushnil(L);
		while (lua_next(L, t)) {
			nkv++;
			lua_pop(L, 1);
		}
		kv = lua_newuserdatauv(L, sizeof(char *) * (2 * nkv + 1), 0);
		nkv = 0;
		lua_pushnil(L);
		while (lua_next(L, t)) {             /* strings stay in the table */
			if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
				luaL_error(L, "setenv names and values must be strings");
			kv[nkv++] = (char *)lua_tostring(L, -2);
			kv[nkv++] = (char *)lua_tostring(L, -1);
			lua_pop(L, 1);
		}
		kv[nkv] = NULL;
	}
	if (isatty(0) && tcgetpgrp(0) == getpgrp()) {
		tty = 0;
		have_tio = tcgetattr(tty, &tio) == 0;
	}
	if (pipe2(prep, O_CLOEXEC) < 0) {
		nsl_fail(&e, errno, "cannot run \"%s\": pipe", argv[0]);
		return nsl_lua_fail(L, &e);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		nsl_fail(&e, errno, "cannot run \"%s\": fork", argv[0]);
		close(prep[0]);
		close(prep[1]);
		return nsl_lua_fail(L, &e);
	}
	if (pid == 0)
		interactive_child(argv, &o, kv, tty, prep[1]);
	close(prep[1]);
	if (tty >= 0) {
		setpgid(pid, pid);        /* both sides: whichever runs first */
		give_tty(tty, pid);
	}
	do
		n = read(prep[0], buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	close(prep[0]);
	for (;;) {
		pid_t r = waitpid(pid, &st, WUNTRACED);

		if (r == pid && WIFSTOPPED(st)) {
			if (tty >= 0)
				give_tty(tty, pid);
			kill(tty >= 0 ? -pid : pid, SIGCONT);
			continue;
		}
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (lua_gethook(L))
			kill(tty >= 0 ? -pid : pid, SIGHUP);
	}
	if (tty >= 0) {
		give_tty(tty, getpgrp());
		if (have_tio)
			(void)tcsetattr(tty, TCSADRAIN, &tio);
	}
	if (n > 0) {
		buf[n] = 0;
		nsl_exec_report(buf, argv, &e);
		return nsl_lua_fail(L, &e);
	}
	lua_pushinteger(L, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 1;
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
		{ "run_interactive", l_run_interactive },
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
