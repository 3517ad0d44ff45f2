/* src/lua/inspect.c — read-only views of a namespace (nslab.netns methods):
 * what the kernel holds, as Lua tables, for the REPL's inspection verbs
 * and for attaching to a lab another process built. */
#include "lua_util.h"
#include "inspect.h"

#include <net/if.h>
#include <linux/rtnetlink.h>

static void setstr(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void setint(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static int push_link(const struct nsl_if_info *i, void *arg)
{
	lua_State *L = arg;

	lua_createtable(L, 0, 10);
	setint(L, "index", i->index);
	setstr(L, "name", i->name);
	if (i->kind[0])
		setstr(L, "kind", i->kind);
	setstr(L, "state", i->oper);
	lua_pushboolean(L, (i->flags & IFF_UP) != 0);
	lua_setfield(L, -2, "up");
	setint(L, "mtu", i->mtu);
	if (i->mac[0])
		setstr(L, "mac", i->mac);
	if (i->master)
		setint(L, "master", i->master);
	if (i->peer)
		setint(L, "peer", i->peer);
	if (i->peer_nsid >= 0)
		setint(L, "peer_nsid", i->peer_nsid);
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

/* ns:links() -> { {index=, name=, kind=, state=, up=, mtu=, mac=,
 * master=, peer=, peer_nsid=}, ... } | nil, msg, errno */
static int m_links(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_err e;

	lua_newtable(L);
	if (nsl_inspect_links(ns, push_link, L, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static const char *scope_name(int s)
{
	switch (s) {
	case RT_SCOPE_UNIVERSE: return "global";
	case RT_SCOPE_SITE:     return "site";
	case RT_SCOPE_LINK:     return "link";
	case RT_SCOPE_HOST:     return "host";
	case RT_SCOPE_NOWHERE:  return "nowhere";
	}
	return "other";
}

static int push_addr(const struct nsl_addr_info *a, void *arg)
{
	lua_State *L = arg;

	lua_createtable(L, 0, 4);
	setint(L, "ifindex", a->ifindex);
	setint(L, "family", a->family);
	setstr(L, "cidr", a->cidr);
	setstr(L, "scope", scope_name(a->scope));
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

/* ns:addresses() -> { {ifindex=, family=4|6, cidr=, scope=}, ... } */
static int m_addresses(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_err e;

	lua_newtable(L);
	if (nsl_inspect_addrs(ns, push_addr, L, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

static const char *proto_name(int p)
{
	switch (p) {
	case RTPROT_KERNEL: return "kernel";
	case RTPROT_BOOT:   return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_RA:     return "ra";
	case RTPROT_DHCP:   return "dhcp";
	}
	return NULL;
}

static const char *type_name(int t)
{
	switch (t) {
	case RTN_UNICAST:     return "unicast";
	case RTN_LOCAL:       return "local";
	case RTN_BROADCAST:   return "broadcast";
	case RTN_MULTICAST:   return "multicast";
	case RTN_BLACKHOLE:   return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	case RTN_PROHIBIT:    return "prohibit";
	case RTN_ANYCAST:     return "anycast";
	}
	return "other";
}

static int push_route(const struct nsl_route_info *r, void *arg)
{
	lua_State *L = arg;
	const char *p = proto_name(r->proto);

	lua_createtable(L, 0, 10);
	setint(L, "family", r->family);
	setint(L, "table", r->table);
	setstr(L, "type", type_name(r->type));
	if (p)
		setstr(L, "proto", p);
	else
		setint(L, "proto", r->proto);
	setstr(L, "scope", scope_name(r->scope));
	setstr(L, "dst", r->dst);
	if (r->gw[0])
		setstr(L, "via", r->gw);
	if (r->oif)
		setint(L, "oif", r->oif);
	if (r->src[0])
		setstr(L, "src", r->src);
	if (r->metric >= 0)
		setint(L, "metric", r->metric);
	if (r->nnh > 1) {
		lua_createtable(L, r->nnh, 0);
		for (int k = 0; k < r->nnh; k++) {
			lua_createtable(L, 0, 2);
			if (r->nh[k].gw[0])
				setstr(L, "via", r->nh[k].gw);
			if (r->nh[k].oif)
				setint(L, "oif", r->nh[k].oif);
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "nexthops");
	}
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

/* ns:routes() -> { {family=, table=, type=, proto=, scope=, dst=, via=,
 * oif=, src=, metric= [, nexthops={ {via=, oif=}, ... }]}, ... } from
 * every table (nexthops: a multipath route's, via/oif its first) */
static int m_routes(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_err e;

	lua_newtable(L);
	if (nsl_inspect_routes(ns, push_route, L, &e) < 0)
		return nsl_lua_fail(L, &e);
	return 1;
}

/* ns:nsid_for(other) -> the id ns gives other's namespace (a veth's
 * peer_nsid), or -1 when none is assigned */
static int m_nsid_for(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	struct nsl_ns *other = nsl_lua_checkns(L, 2);
	struct nsl_err e;
	int id;

	if (nsl_inspect_nsid(ns, other->fd, &id, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushinteger(L, id);
	return 1;
}

/* ns:peer_of(nsid, ifindex) -> mac, name of that interface in the
 * namespace ns calls nsid (a veth's peer_nsid and peer) */
static int m_peer_of(lua_State *L)
{
	struct nsl_ns *ns = nsl_lua_checkns(L, 1);
	int nsid = (int)luaL_checkinteger(L, 2), idx = (int)luaL_checkinteger(L, 3);
	char mac[32], name[64];
	struct nsl_err e;

	if (nsl_inspect_peer(ns, nsid, idx, mac, sizeof mac, name, sizeof name, &e) < 0)
		return nsl_lua_fail(L, &e);
	lua_pushstring(L, mac);
	lua_pushstring(L, name);
	return 2;
}

void nsl_lua_open_inspect(lua_State *L)
{
	static const luaL_Reg meths[] = {
		{ "links", m_links },
		{ "addresses", m_addresses },
		{ "routes", m_routes },
		{ "nsid_for", m_nsid_for },
		{ "peer_of", m_peer_of },
		{ NULL, NULL },
	};

	nsl_lua_register(L, NULL, meths);
}
