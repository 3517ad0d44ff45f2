/* src/lua/monitor.c — nslab.monitor userdata: core.monitor(lab) watches a lab;
 * m:poll(timeout) returns the events seen as tables. Created closed, then
 * acquires; close() twice is harmless; __gc and __close are the net. */
#include "lua_util.h"
#include "monitor.h"

#include <errno.h>

#define NSL_MONITOR_MT "nslab.monitor"

struct lmon {
	struct nsl_monitor *m;
};

static int l_monitor(lua_State *L)
{
	const char *lab = luaL_checkstring(L, 1);
	struct lmon *u = lua_newuserdatauv(L, sizeof *u, 0);
	struct nsl_err e;

	u->m = NULL;
	luaL_setmetatable(L, NSL_MONITOR_MT);
	if (nsl_monitor_open(lab, &u->m, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static void setstr(lua_State *L, const char *k, const char *v)
{
	if (v) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, k);
	}
}

static int push_event(const struct nsl_mon_event *ev, void *arg)
{
	lua_State *L = arg;

	lua_createtable(L, 0, 5);                     /* list ev */
	setstr(L, "what", ev->what);
	setstr(L, "action", ev->action);
	setstr(L, "node", ev->node);
	setstr(L, "ifname", ev->ifname);
	setstr(L, "detail", ev->detail);
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);   /* list */
	return 0;
}

/* m:poll([timeout seconds, nil = forever]) -> {event, ...} (empty on
 * timeout or signal) | nil, msg, errno */
static int m_poll(lua_State *L)
{
	struct lmon *u = luaL_checkudata(L, 1, NSL_MONITOR_MT);
	double want = lua_isnoneornil(L, 2) ? -1 : luaL_checknumber(L, 2) * 1000.0;
	int ms = (int)want;
	struct nsl_err e;
	int rc;

	/* rounded up: a poll that ends before its time makes a caller
	 * waiting for a deadline poll again and again with 0 ms */
	if (ms < want)
		ms++;
	luaL_argcheck(L, u->m != NULL, 1, "monitor is closed");
	lua_newtable(L);
	rc = nsl_monitor_poll(u->m, ms, push_event, L, &e);
	if (rc < 0 && rc != -EINTR)
		return nsl_lua_fail(L, &e);
	return 1;
}

/* m:wake_on(fd | nil): a poll also ends when fd is readable */
static int m_wake_on(lua_State *L)
{
	struct lmon *u = luaL_checkudata(L, 1, NSL_MONITOR_MT);

	luaL_argcheck(L, u->m != NULL, 1, "monitor is closed");
	nsl_monitor_wake_on(u->m, lua_isnoneornil(L, 2) ? -1 : (int)luaL_checkinteger(L, 2));
	return 0;
}

static int m_close(lua_State *L)
{
	struct lmon *u = luaL_checkudata(L, 1, NSL_MONITOR_MT);

	nsl_monitor_close(u->m);
	u->m = NULL;
	return 0;
}

void nsl_lua_open_monitor(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "monitor", l_monitor },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "poll", m_poll },
		{ "wake_on", m_wake_on },
		{ "close", m_close },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, NSL_MONITOR_MT);
	luaL_newlib(L, meths);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, m_close);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);
	nsl_lua_register(L, fns, NULL);
}
