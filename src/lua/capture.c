/* src/lua/capture.c — packet capture into pcap files (libpcap helper). */
#include "lua_util.h"
#include "capture.h"
#include "exec.h"
#include "procs.h"

#include <stdio.h>

/* A capture that fails once it runs says so on the helper's stderr (the
 * caller's), as a command would. */
static void report_on_stderr(const struct nsl_err *e, void *arg)
{
	(void)arg;
	fprintf(stderr, "nslab: %s\n", e->msg);
	fflush(stderr);
}

/* core.capture(ns, ifname, file [, {count=, filter=, snaplen=, promisc=,
 * session=, detach=, watch=}]) -> pid, starttime: the capture is active on return */
static int l_capture(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_capture_opts o = { 0 };
	const char *watch = NULL;
	struct nsl_err e;
	pid_t pid;

	o.ifname = luaL_checkstring(L, 2);
	o.file = luaL_checkstring(L, 3);
	o.promisc = 1;
	o.report = report_on_stderr;
	if (!lua_isnoneornil(L, 4)) {
		luaL_checktype(L, 4, LUA_TTABLE);
		if (lua_getfield(L, 4, "count") != LUA_TNIL) {
			lua_Integer c = luaL_checkinteger(L, -1);
			luaL_argcheck(L, c >= 0 && c <= 2147483647, 4, "count out of range");
			o.count = (long)c;
		}
		if (lua_getfield(L, 4, "snaplen") != LUA_TNIL) {
			lua_Integer s = luaL_checkinteger(L, -1);
			luaL_argcheck(L, s >= 0 && s <= 262144, 4, "snaplen out of range");
			o.snaplen = (int)s;
		}
		if (lua_getfield(L, 4, "promisc") != LUA_TNIL)
			o.promisc = lua_toboolean(L, -1);
		lua_getfield(L, 4, "session");
		o.own_session = lua_toboolean(L, -1);
		/* (nobody reads a detached helper's stderr: its status tells) */
		lua_getfield(L, 4, "detach");
		o.detach_stdio = lua_toboolean(L, -1);
		if (o.detach_stdio)
			o.report = NULL;
		if (lua_getfield(L, 4, "filter") != LUA_TNIL)
			o.filter = luaL_checkstring(L, -1);
		if (lua_getfield(L, 4, "watch") != LUA_TNIL)
			watch = luaL_checkstring(L, -1);
		lua_pop(L, 7);   /* the strings stay alive in the options table */
	}
	if (nsl_capture_start(ns, &o, watch, &pid, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, pid);
	lua_pushinteger(L, (lua_Integer)nsl_procs_starttime(pid));
	return 2;
}

/* core.pcap_count(file) -> number of whole packets in the file */
static int l_pcap_count(lua_State *L)
{
	struct nsl_err e;
	long n = 0;

	if (nsl_capture_count(luaL_checkstring(L, 1), &n, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, n);
	return 1;
}

void nsl_lua_open_capture(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "capture", l_capture },
		{ "pcap_count", l_pcap_count },
		{ NULL, NULL },
	};

	nsl_lua_register(L, fns, NULL);
}
