/* src/lua/httpd.c — nslab.httpd userdata for `nslab web` (nslab.web):
 * core.httpd(addr, port, token) starts serving; the main loop polls
 * h:fd() with the monitor, then h:next() / h:reply() answer queued API
 * requests, h:put() sets a document, h:broadcast() sends an event to
 * every stream, h:log() drains log lines. See src/kernel/httpd.h for the
 * threads. */
#include "lua_util.h"
#include "httpd.h"

#include <stdlib.h>
#include <sys/random.h>

#define NSL_HTTPD_MT "nslab.httpd"

struct lhttpd {
	struct nsl_httpd *h;
};

static struct nsl_httpd *check(lua_State *L)
{
	struct lhttpd *u = luaL_checkudata(L, 1, NSL_HTTPD_MT);

	luaL_argcheck(L, u->h != NULL, 1, "server is stopped");
	return u->h;
}

/* core.httpd(addr, port, token) -> server, port | nil, msg, errno */
static int l_httpd(lua_State *L)
{
	const char *addr = luaL_checkstring(L, 1);
	lua_Integer port = luaL_checkinteger(L, 2);
	const char *token = luaL_checkstring(L, 3);
	struct lhttpd *u = lua_newuserdatauv(L, sizeof *u, 0);
	struct nsl_err e;
	int bound = 0;

	u->h = NULL;
	luaL_setmetatable(L, NSL_HTTPD_MT);
	if (port < 0 || port > 65535)
		return luaL_error(L, "port %d is not a TCP port (0 to 65535)", (int)port);
	if (nsl_httpd_start(addr, (int)port, token, &u->h, &bound, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, bound);
	return 2;
}

/* core.random_token() -> 32 hex digits from getrandom(2) */
static int l_random_token(lua_State *L)
{
	unsigned char b[16];
	char hex[33];
	ssize_t n = getrandom(b, sizeof b, 0);

	if (n != (ssize_t)sizeof b)
		return luaL_error(L, "getrandom failed");
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	lua_pushstring(L, hex);
	return 1;
}

static int h_fd(lua_State *L)
{
	lua_pushinteger(L, nsl_httpd_fd(check(L)));
	return 1;
}

/* h:next() -> {id=, method=, path=, body=, peer=} | nil (drains the fd) */
static int h_next(lua_State *L)
{
	struct nsl_httpd *h = check(L);
	struct nsl_httpd_req r;

	nsl_httpd_drain(h);
	if (!nsl_httpd_next(h, &r))
		return 0;
	lua_createtable(L, 0, 5);
	lua_pushinteger(L, r.id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, r.method);
	lua_setfield(L, -2, "method");
	lua_pushstring(L, r.path);
	lua_setfield(L, -2, "path");
	lua_pushlstring(L, r.body, r.body_len);
	lua_setfield(L, -2, "body");
	lua_pushstring(L, r.peer);
	lua_setfield(L, -2, "peer");
	nsl_httpd_req_free(&r);
	return 1;
}

/* h:reply(id, status, ctype, body [, file]) */
static int h_reply(lua_State *L)
{
	struct nsl_httpd *h = check(L);
	lua_Integer id = luaL_checkinteger(L, 2);
	lua_Integer status = luaL_checkinteger(L, 3);
	const char *ctype = luaL_checkstring(L, 4);
	size_t len = 0;
	const char *body = luaL_optlstring(L, 5, "", &len);
	const char *file = luaL_optstring(L, 6, NULL);
	struct nsl_err e;

	luaL_argcheck(L, status >= 100 && status <= 599, 3, "not an HTTP status");
	if (nsl_httpd_reply(h, (unsigned)id, (int)status, ctype, body, len, file, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

/* h:put(path, ctype, body) */
static int h_put(lua_State *L)
{
	struct nsl_httpd *h = check(L);
	const char *path = luaL_checkstring(L, 2);
	const char *ctype = luaL_checkstring(L, 3);
	size_t len;
	const char *body = luaL_checklstring(L, 4, &len);
	struct nsl_err e;

	if (nsl_httpd_put(h, path, ctype, body, len, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

/* h:broadcast(message) */
static int h_broadcast(lua_State *L)
{
	struct nsl_httpd *h = check(L);
	size_t len;
	const char *msg = luaL_checklstring(L, 2, &len);
	struct nsl_err e;

	if (nsl_httpd_broadcast(h, msg, len, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushboolean(L, 1);
	return 1;
}

static int h_streams(lua_State *L)
{
	lua_pushinteger(L, nsl_httpd_streams(check(L)));
	return 1;
}

/* h:log() -> line | nil */
static int h_log(lua_State *L)
{
	char *line;

	if (!nsl_httpd_log(check(L), &line))
		return 0;
	lua_pushstring(L, line);
	free(line);
	return 1;
}

static int h_stop(lua_State *L)
{
	struct lhttpd *u = luaL_checkudata(L, 1, NSL_HTTPD_MT);

	nsl_httpd_stop(u->h);
	u->h = NULL;
	return 0;
}

void nsl_lua_open_httpd(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "httpd", l_httpd },
		{ "random_token", l_random_token },
		{ NULL, NULL },
	};
	static const luaL_Reg meths[] = {
		{ "fd", h_fd },
		{ "next", h_next },
		{ "reply", h_reply },
		{ "put", h_put },
		{ "broadcast", h_broadcast },
		{ "streams", h_streams },
		{ "log", h_log },
		{ "stop", h_stop },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, NSL_HTTPD_MT);
	luaL_newlib(L, meths);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, h_stop);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, h_stop);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);
	nsl_lua_register(L, fns, NULL);
}
