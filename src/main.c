/* main.c — the nslab executable: an embedded Lua 5.4 with nslab.core
 * registered, the Lua library found beside the source tree or where it was
 * installed, and signals turned into a clean Lua error so that a lab is
 * always torn down. The command line itself is handled by nslab.cli. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include "lua_util.h"
#include "paths.h"
#include "rootless.h"
#include "httpd.h"
#include "journal.h"
#include "names.h"
#include "procs.h"

static lua_State *G;                 /* for the signal hook only */
static volatile int caught;   /* the signal; also exec's cancel flag */

/* Raised inside Lua at the next instruction, as lua.c does for SIGINT. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	if (caught == SIGALRM)      /* core.alarm: `nslab test --timeout` */
		luaL_error(L, "timed out");
	luaL_error(L, "interrupted by %s", caught == SIGINT ? "SIGINT (Ctrl-C)" :
		   caught == SIGTERM ? "SIGTERM" : "SIGHUP");
}

static void on_signal(int sig)
{
	caught = sig;
	lua_sethook(G, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int is_dir_with(const char *dir, const char *file)
{
	char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/%s", dir, file);
	return access(p, R_OK) == 0;
}

/* Whether this is the installed nslab (a package's /usr/bin/nslab), which
 * must read the library installed with it even where the source tree it
 * was built from is still around. */
static int installed(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return 0;
	exe[n] = 0;
	return !strcmp(exe, NSLAB_INSTALL_BIN);
}

/* The Lua library: $NSLAB_LUA_DIR, else (for the binary in the build
 * tree) the source tree it was built from, else the install location. */
static const char *lua_dir(void)
{
	static const char *dir;
	const char *e = getenv("NSLAB_LUA_DIR");

	if (e && *e)
		return e;
	if (!dir)
		dir = !installed() && is_dir_with(NSLAB_SOURCE_LUA_DIR, "nslab/init.lua") ?
			NSLAB_SOURCE_LUA_DIR : NSLAB_INSTALL_LUA_DIR;
	return dir;
}

/* Where the library's bytecode is (see CMakeLists.txt), for the Lua
 * directory in use; NULL when $NSLAB_LUA_DIR points elsewhere. */
static const char *bytecode_dir(void)
{
	const char *d = lua_dir();

	if (!strcmp(d, NSLAB_SOURCE_LUA_DIR))
		return NSLAB_BUILD_BC_DIR;
	if (!strcmp(d, NSLAB_INSTALL_LUA_DIR))
		return NSLAB_INSTALL_BC_DIR;
	return NULL;
}

/* package.searchers entry ahead of Lua's own: a module of the library is
 * loaded from its bytecode when that is no older than the source (an
 * edited source is read as such until the next build). Anything else —
 * another module, no bytecode, bytecode of another Lua — falls through
 * to the source. */
static int bytecode_searcher(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1), *bc = bytecode_dir();
	char rel[256], src[PATH_MAX], bin[PATH_MAX], *p;
	struct stat s_src, s_bin;
	int pkg;

	if (!bc || strncmp(name, "nslab", 5) || (name[5] && name[5] != '.'))
		return 0;
	snprintf(rel, sizeof rel, "%s", name);
	for (p = rel; *p; p++)
		if (*p == '.')
			*p = '/';
	/* a module (nslab/lab.lua) or a package (nslab/init.lua,
	 * nslab/cli/init.lua), found as Lua's own searcher would */
	for (pkg = 0; pkg < 2; pkg++) {
		snprintf(src, sizeof src, "%s/%s%s", lua_dir(), rel, pkg ? "/init.lua" : ".lua");
		if (stat(src, &s_src) == 0)
			break;
	}
	if (pkg == 2)
		return 0;
	snprintf(bin, sizeof bin, "%s/%s%s", bc, rel, pkg ? "/init.luac" : ".luac");
	if (stat(bin, &s_bin) < 0 ||
	    s_bin.st_mtim.tv_sec < s_src.st_mtim.tv_sec ||
	    (s_bin.st_mtim.tv_sec == s_src.st_mtim.tv_sec &&
	     s_bin.st_mtim.tv_nsec < s_src.st_mtim.tv_nsec))
		return 0;
	if (luaL_loadfilex(L, bin, "b") != LUA_OK) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pushstring(L, src);   /* what require hands the module, as for a source */
	return 2;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg)
		msg = luaL_tolstring(L, 1, NULL);
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* `nslab exec LAB NODE [--] CMD...` without starting Lua: when the lab
 * and node plainly exist, join the node and exec in this very process
 * (what `ip netns exec` does, with nslab's hostname). Anything unusual
 * before that — a missing lab or node, the host node — returns, and the
 * Lua verb handles it with its full messages. */
static void fast_exec(int argc, char **argv)
{
	char pin[PATH_MAX], state[PATH_MAX], nsname[300], entry[NSL_PATHS_ENTRY_MAX];
	const char *lab, *node;
	struct nsl_err e;
	int first = 4;

	if (argc < 5 || strcmp(argv[1], "exec") || !nsl_paths_privileged())
		return;
	lab = argv[2];
	node = argv[3];
	if (!strcmp(argv[4], "--"))
		first = 5;
	if (first >= argc || !strcmp(node, "host") || !nsl_names_valid(node) ||
	    nsl_paths_lab_entry(lab, entry, sizeof entry) < 0)
		return;
	snprintf(nsname, sizeof nsname, "%s.%s", entry, node);
	snprintf(pin, sizeof pin, "%s/%s", NSL_NETNS_DIR, nsname);
	snprintf(state, sizeof state, "%s/%s", nsl_paths_state_dir(), entry);
	if (access(state, F_OK) < 0 || access(pin, F_OK) < 0 ||
	    nsl_journal_user(lab) != (long)nsl_paths_user() || nsl_journal_trusted(lab, &e) < 0)
		return;   /* someone else's (or untrusted): the Lua verb says so */
	nsl_procs_exec_in(pin, nsname, node, argv + first, &e);
	/* we may be inside the node by now: report here, as the Lua verb
	 * would (statuses of env(1): 127 not found, 126 not runnable) */
	fprintf(stderr, "nslab: exec: %s\n", e.msg);
	exit(e.code == ENOENT ? 127 : (e.code == EACCES || e.code == ENOEXEC) ? 126 : 125);
}

/* As an ordinary user (or root with NSLAB_ROOTLESS=1), join the user's
 * own namespaces (src/kernel/rootless.c) before anything else, while
 * single-threaded. Verbs that need no kernel skip it: help, version, and
 * graph of a lab file (a dry run). */
static void enter_rootless(int argc, char **argv)
{
	static const char *const skip[] = { "help", "-h", "--help", "version", "--version" };
	struct nsl_err e;
	size_t i;

	unsetenv("NSLAB_ROOTLESS_IDLE");    /* ours to set, below */
	if (argc < 2 || !nsl_rootless_wanted())
		return;
	for (i = 0; i < sizeof skip / sizeof skip[0]; i++)
		if (!strcmp(argv[1], skip[i]))
			return;
	if (!strcmp(argv[1], "graph") && argc > 2 && strstr(argv[2], ".lua") &&
	    access(argv[2], R_OK) == 0)
		return;
	/* nothing up: `ls` and `clean` say so without making namespaces and
	 * a keeper for nothing (nslab.cli.build reads NSLAB_ROOTLESS_IDLE) */
	if ((!strcmp(argv[1], "ls") || !strcmp(argv[1], "clean")) && nsl_rootless_idle()) {
		setenv("NSLAB_ROOTLESS_IDLE", "1", 1);
		return;
	}
	/* the page is for the machine's browser: its socket is made here,
	 * before the user's private network namespace is joined */
	if (!strcmp(argv[1], "web"))
		nsl_httpd_outer_sockets();
	if (nsl_rootless_enter(&e) < 0) {
		fprintf(stderr, "nslab: %s\n", e.msg);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	lua_State *L;
	int i, rc = 1;
	struct sigaction sa;

	enter_rootless(argc, argv);
	fast_exec(argc, argv);
	L = luaL_newstate();
	if (!L) {
		fputs("nslab: cannot create Lua state: out of memory\n", stderr);
		return 1;
	}
	G = L;
	/* collect sooner than Lua's default (a new cycle when the heap has
	 * doubled): a lab's objects live to the end and its garbage is small.
	 * At 110 % a 1000-node chain peaks at 5.3 MiB instead of 5.9 (Lua's
	 * 200 %) or 5.5 (130 %); its GC time is ~30 ms of a 1.5 s build */
	lua_gc(L, LUA_GCINC, 110, 200, 0);
	luaL_openlibs(L);
	luaL_requiref(L, "nslab.core", luaopen_nslab_core, 0);
	lua_pushstring(L, lua_dir());    /* for `nslab version` */
	lua_setfield(L, -2, "lua_dir");
	lua_pop(L, 1);
	lua_pushlightuserdata(L, (void *)&caught);
	lua_setfield(L, LUA_REGISTRYINDEX, "nslab.cancel");

	/* package.path = LUADIR/?.lua;LUADIR/?/init.lua;<default> */
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", lua_dir(), lua_dir());
	lua_getfield(L, -2, "path");
	lua_concat(L, 2);
	lua_setfield(L, -2, "path");
	/* the bytecode searcher goes second: after package.preload */
	lua_getfield(L, -1, "searchers");
	for (i = (int)luaL_len(L, -1); i >= 2; i--) {
		lua_rawgeti(L, -1, i);
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushcfunction(L, bytecode_searcher);
	lua_rawseti(L, -2, 2);
	lua_pop(L, 2);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	/* `nslab run lab.lua | head` must not kill nslab before teardown:
	 * writes to a closed pipe fail instead (children get SIGPIPE back) */
	signal(SIGPIPE, SIG_IGN);

	lua_pushcfunction(L, traceback);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "nslab.cli");
	if (lua_pcall(L, 1, 1, 1) != LUA_OK) {
		fprintf(stderr, "nslab: cannot load its Lua library from %s: %s\n",
			lua_dir(), lua_tostring(L, -1));
		goto out;
	}
	lua_getfield(L, -1, "main");
	lua_createtable(L, argc, 1);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	if (lua_pcall(L, 1, 1, 1) != LUA_OK) {
		fprintf(stderr, "nslab: internal error: %s\n", lua_tostring(L, -1));
		goto out;
	}
	rc = (int)lua_tointeger(L, -1);
out:
	fflush(stdout);
#if defined(__SANITIZE_ADDRESS__)
	lua_close(L);   /* leak checkers want everything freed */
#else
	/* The lab is down and every file flushed by exit(); freeing the Lua
	 * heap object by object first was a quarter of the teardown of a
	 * 1000-node lab. G keeps the state reachable for valgrind. */
#endif
	if (caught && rc == 0)
		rc = 128 + caught;
	return rc;
}
