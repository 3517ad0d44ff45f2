/* src/lua/readline.c — GNU readline for the REPL, and the REPL's signals.
 *
 * Lines are read through readline's callback interface with our own select
 * loop, so that Ctrl-C at the prompt only discards the line being typed
 * (readline's own handlers would re-raise it), and a SIGTERM or SIGHUP
 * ends the read so the Lua side can tear the lab down. Completion calls
 * back into a Lua function. While code typed at the prompt runs, SIGINT
 * raises "interrupted" inside it through a hook, as lua.c does.
 *
 * Readline is process-global (one terminal, one line buffer, C callbacks
 * without a user pointer), so the state below is file-static on purpose:
 * a signal handler and readline's callbacks are the only ways in. */
#define _GNU_SOURCE
#include "lua_util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "lazy_readline.h"

static volatile sig_atomic_t got_int, got_winch;
static lua_State *volatile hook_L;   /* running prompt code, or NULL */
static volatile int *cancel_p;       /* the program's exec cancel flag */
static struct sigaction old_int, old_winch;
static int sig_installed;

static lua_State *read_L;            /* the state inside core.readline */
static char compl_key;               /* registry key of the completer */
static char **compl_list;            /* candidates of the current Tab */
static size_t compl_n, compl_next;

static char *line_got;               /* set by on_line */
static int line_done;

static int rl_loaded;
static struct nsl_err rl_err;

/* readline is opened on first use (lazylib.h): the REPL pays for it,
 * `nslab run` and `nslab exec` do not. Without it the REPL still works,
 * reading plain lines: NULL when loaded, else why not. */
static const char *rl_missing(void)
{
	if (!rl_loaded && nsl_lazylib_load_readline(&rl_err) == 0)
		rl_loaded = 1;
	return rl_loaded ? NULL : rl_err.msg;
}

static void int_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	lua_pushliteral(L, "interrupted (Ctrl-C)");
	lua_error(L);
}

static void on_int(int sig)
{
	(void)sig;
	got_int = 1;
	if (hook_L) {
		lua_sethook(hook_L, int_hook,
			    LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
		/* a command run by core.exec is killed at once */
		if (cancel_p && !*cancel_p)
			*cancel_p = SIGINT;
	}
}

static void on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

/* core.repl_signals(on): while on, SIGINT never ends the process: at the
 * prompt it discards the line, inside core.interruptible it raises
 * "interrupted" (and sets the cancel flag the program published for
 * core.exec, cleared again when the call returns); off restores the
 * handlers found. SIGTERM and SIGHUP keep the program's handlers. */
static int l_repl_signals(lua_State *L)
{
	struct sigaction sa;

	if (lua_toboolean(L, 1) && !sig_installed) {
		if (lua_getfield(L, LUA_REGISTRYINDEX, "nslab.cancel") == LUA_TLIGHTUSERDATA)
			cancel_p = lua_touserdata(L, -1);
		lua_pop(L, 1);
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_int;          /* no SA_RESTART: select must wake */
		sigaction(SIGINT, &sa, &old_int);
		sa.sa_handler = on_winch;
		sigaction(SIGWINCH, &sa, &old_winch);
		sig_installed = 1;
	} else if (!lua_toboolean(L, 1) && sig_installed) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGWINCH, &old_winch, NULL);
		sig_installed = 0;
	}
	got_int = 0;
	return 0;
}

/* core.interruptible(f, ...) -> true, results... | false, error: pcall
 * during which Ctrl-C raises "interrupted (Ctrl-C)" in f. */
static int l_interruptible(lua_State *L)
{
	lua_State *prev = hook_L;
	int st, n = lua_gettop(L);

	luaL_checktype(L, 1, LUA_TFUNCTION);
	got_int = 0;
	hook_L = L;
	st = lua_pcall(L, n - 1, LUA_MULTRET, 0);
	hook_L = prev;
	if (lua_gethook(L) == int_hook)
		lua_sethook(L, NULL, 0, 0);
	if (cancel_p && *cancel_p == SIGINT)
		*cancel_p = 0;
	lua_pushboolean(L, st == LUA_OK);
	lua_insert(L, 1);
	return lua_gettop(L);
}

/* core.interrupted() -> true once after a Ctrl-C that nothing consumed */
static int l_interrupted(lua_State *L)
{
	lua_pushboolean(L, got_int);
	got_int = 0;
	return 1;
}

static void on_line(char *line)
{
	line_got = line;
	line_done = 1;
	rl_callback_handler_remove();
}

/* Without a terminal: a plain line read, prompt shown as is. */
static int read_plain(lua_State *L, const char *prompt)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	fputs(prompt, stdout);
	fflush(stdout);
	errno = 0;
	n = getline(&line, &cap, stdin);
	if (n < 0) {
		int intr = errno == EINTR;

		free(line);
		clearerr(stdin);
		if (intr && got_int) {
			got_int = 0;
			fputc('\n', stdout);
			lua_pushboolean(L, 0);
			return 1;
		}
		if (*prompt)
			fputc('\n', stdout);     /* end the prompt's line */
		lua_pushnil(L);
		lua_pushstring(L, intr ? "signal" : "eof");
		return 2;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = 0;
	lua_pushlstring(L, line, (size_t)n);
	free(line);
	return 1;
}

/* core.readline(prompt) -> line | false (Ctrl-C: line discarded)
 * | nil, "eof" (Ctrl-D) | nil, "signal" (another signal arrived) */
static int l_readline(lua_State *L)
{
	const char *prompt = luaL_optstring(L, 1, "> ");
	int fd = fileno(rl_loaded && rl_instream ? rl_instream : stdin);

	if (!isatty(fd) || rl_missing())
		return read_plain(L, prompt);
	got_int = 0;
	line_got = NULL;
	line_done = 0;
	read_L = L;
	rl_callback_handler_install(prompt, on_line);
	while (!line_done) {
		fd_set fds;
		int r;

		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		r = select(fd + 1, &fds, NULL, NULL, NULL);
		if (r < 0 && errno != EINTR)
			break;
		if (got_winch) {
			got_winch = 0;
			rl_resize_terminal();
			if (r < 0)
				continue;
		}
		if (got_int) {
			/* like bash: show ^C, drop the line, give a fresh prompt */
			got_int = 0;
			read_L = NULL;
			rl_point = rl_end;
			rl_redisplay();
			fputs("^C", rl_outstream ? rl_outstream : stdout);
			fflush(rl_outstream ? rl_outstream : stdout);
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_point = rl_end = rl_mark = 0;
			rl_line_buffer[0] = 0;
			rl_callback_handler_remove();
			fputc('\n', rl_outstream ? rl_outstream : stdout);
			fflush(rl_outstream ? rl_outstream : stdout);
			lua_pushboolean(L, 0);
			return 1;
		}
		if (r < 0) {
			read_L = NULL;
			/* SIGTERM or SIGHUP: the program's handler wants us out */
			rl_callback_sigcleanup();
			rl_callback_handler_remove();
			fputc('\n', rl_outstream ? rl_outstream : stdout);
			lua_pushnil(L);
			lua_pushliteral(L, "signal");
			return 2;
		}
		if (r > 0)
			rl_callback_read_char();
	}
	read_L = NULL;
	if (!line_done) {
		rl_callback_handler_remove();
		lua_pushnil(L);
		lua_pushliteral(L, "eof");
		return 2;
	}
	if (!line_got) {
		/* Ctrl-D: readline leaves the cursor on the prompt line */
		fputc('\n', rl_outstream ? rl_outstream : stdout);
		lua_pushnil(L);
		lua_pushliteral(L, "eof");
		return 2;
	}
	lua_pushstring(L, line_got);
	free(line_got);
	line_got = NULL;
	return 1;
}

static int l_add_history(lua_State *L)
{
	const char *line = luaL_checkstring(L, 1);

	if (!rl_missing())
		add_history(line);
	return 0;
}

static int history_fail(lua_State *L, int e, const char *what, const char *path)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s %s: %s", what, path, strerror(e));
	lua_pushinteger(L, e);
	return 3;
}

/* core.history_load(path [, max]) -> true | nil, msg, errno */
static int l_history_load(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int max = (int)luaL_optinteger(L, 2, 1000), e;

	if (rl_missing())
		return history_fail(L, ENOENT, rl_missing(), path);
	stifle_history(max);
	e = read_history(path);
	if (e != 0 && e != ENOENT)
		return history_fail(L, e, "cannot read history", path);
	using_history();
	lua_pushboolean(L, 1);
	return 1;
}

/* core.history_save(path [, max]) -> true | nil, msg, errno */
static int l_history_save(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int max = (int)luaL_optinteger(L, 2, 1000), e;

	if (rl_missing())
		return history_fail(L, ENOENT, rl_missing(), path);
	e = write_history(path);
	if (e == 0)
		e = history_truncate_file(path, max);
	if (e != 0)
		return history_fail(L, e, "cannot write history", path);
	lua_pushboolean(L, 1);
	return 1;
}

static char *compl_gen(const char *text, int state)
{
	(void)text;
	if (state == 0)
		compl_next = 0;
	if (compl_next < compl_n)
		return strdup(compl_list[compl_next++]);
	return NULL;
}

static void compl_clear(void)
{
	size_t i;

	for (i = 0; i < compl_n; i++)
		free(compl_list[i]);
	free(compl_list);
	compl_list = NULL;
	compl_n = 0;
}

/* Ask the Lua completer: fn(text, line, start, stop) -> {candidates}
 * [, append] where append is the character added after a unique match
 * ("" for none, " " by default). */
static char **complete(const char *text, int start, int end)
{
	lua_State *L = read_L;
	int top;
	lua_Integer n, i;
	char **m = NULL;

	rl_attempted_completion_over = 1;    /* never fall back to file names */
	if (!L)
		return NULL;
	top = lua_gettop(L);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &compl_key) != LUA_TFUNCTION)
		goto out;
	lua_pushstring(L, text);
	lua_pushstring(L, rl_line_buffer);
	lua_pushinteger(L, start);
	lua_pushinteger(L, end);
	if (lua_pcall(L, 4, 2, 0) != LUA_OK || !lua_istable(L, -2))
		goto out;
	rl_completion_append_character = ' ';
	if (lua_type(L, -1) == LUA_TSTRING)
		rl_completion_append_character = lua_tostring(L, -1)[0];
	compl_clear();
	n = luaL_len(L, -2);
	if (n <= 0)
		goto out;
	compl_list = calloc((size_t)n, sizeof *compl_list);
	if (!compl_list)
		goto out;
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, -2, i) == LUA_TSTRING)
			compl_list[compl_n++] = strdup(lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	m = rl_completion_matches(text, compl_gen);
out:
	lua_settop(L, top);
	return m;
}

/* core.rl_setup{complete = fn(text, line, start, stop), name = "nslab",
 * breaks = "word break characters"} */
static int l_rl_setup(lua_State *L)
{
	static char breaks[64] = " \t\n\"'`@$><=;|&{(,+*/%^~#[]";

	luaL_checktype(L, 1, LUA_TTABLE);
	if (rl_missing()) {
		lua_pushnil(L);
		lua_pushstring(L, rl_missing());
		return 2;
	}
	if (lua_getfield(L, 1, "complete") == LUA_TFUNCTION)
		lua_rawsetp(L, LUA_REGISTRYINDEX, &compl_key);
	else
		lua_pop(L, 1);
	if (lua_getfield(L, 1, "breaks") == LUA_TSTRING)
		snprintf(breaks, sizeof breaks, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	rl_readline_name = "nslab";
	rl_catch_signals = 0;            /* signals are ours (see above) */
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;       /* keep LINES/COLUMNS out of children */
	rl_completer_word_break_characters = breaks;
	rl_attempted_completion_function = complete;
	lua_pushboolean(L, 1);
	return 1;
}

/* core.rl_done(): forget the completer (it refers to a closing state) */
static int l_rl_done(lua_State *L)
{
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &compl_key);
	compl_clear();
	if (rl_loaded)
		rl_attempted_completion_function = NULL;
	return 0;
}

/* core.isatty(fd) -> boolean */
static int l_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

void nsl_lua_open_readline(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "readline", l_readline },
		{ "add_history", l_add_history },
		{ "history_load", l_history_load },
		{ "history_save", l_history_save },
		{ "rl_setup", l_rl_setup },
		{ "rl_done", l_rl_done },
		{ "repl_signals", l_repl_signals },
		{ "interruptible", l_interruptible },
		{ "interrupted", l_interrupted },
		{ "isatty", l_isatty },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, NULL);
}
