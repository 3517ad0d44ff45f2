/* src/lua/nat.c — nftables scripts in a namespace (the NAT helpers and the raw
 * escape hatch are written in Lua on top of this). */
#include "lua_util.h"
#include "nat.h"

static int m_nft(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	const char *out = NULL;
	struct nsl_err e;

	if (nsl_nat_run(ns, luaL_checkstring(L, 2), &out, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushstring(L, out ? out : "");
	return 1;
}

/* ns:nft_release(): free the namespace's nftables context (a large one:
 * `inspect` of 1000 nodes held 145 MiB of them); the next ns:nft makes
 * a new one */
static int m_nft_release(lua_State *L)
{
	nsl_nat_release(nsl_lua_checkns(L, 1));
	return 0;
}

void nsl_lua_open_nat(lua_State *L)
{
	static const luaL_Reg meths[] = {
		{ "nft", m_nft },
		{ "nft_release", m_nft_release },
		{ NULL, NULL },
	};

	nsl_lua_register(L, NULL, meths);
}
