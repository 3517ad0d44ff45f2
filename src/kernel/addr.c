/* addr.c — addresses through libnl's rtnl_addr objects. */
#include "addr.h"
#include "nlerr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

static struct rtnl_addr *build(int ifindex, const struct nsl_cidr *c)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;

	if (!a)
		return NULL;
	local = nl_addr_build(c->family, c->addr, c->family == AF_INET ? 4 : 16);
	if (!local) {
		rtnl_addr_put(a);
		return NULL;
	}
	nl_addr_set_prefixlen(local, c->prefix < 0 ? (c->family == AF_INET ? 32 : 128) : c->prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, c->family);
	rtnl_addr_set_local(a, local);
	nl_addr_put(local);
	if (c->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	return a;
}

int nsl_addr_add(struct nsl_ns *ns, int ifindex, const char *ifname,
		 const struct nsl_cidr *c, struct nsl_err *err)
{
	struct rtnl_addr *a = build(ifindex, c);
	struct nl_msg *m;
	char txt[64];

	nsl_cidr_format(c, 1, txt, sizeof txt);
	if (!a)
		return nsl_err_fail(err, ENOMEM, "address %s", txt);
	m = NULL;
	rtnl_addr_build_add_request(a, NLM_F_EXCL, &m);
	rtnl_addr_put(a);
	return nsl_nl_request(ns->sk, m, err, "address %s on \"%s\" in %s", txt,
			      ifname, nsl_netns_where(ns));
}

int nsl_addr_del(struct nsl_ns *ns, int ifindex, const char *ifname,
		 const struct nsl_cidr *c, struct nsl_err *err)
{
	struct rtnl_addr *a = build(ifindex, c);
	struct nl_msg *m;
	char txt[64];

	nsl_cidr_format(c, 1, txt, sizeof txt);
	if (!a)
		return nsl_err_fail(err, ENOMEM, "address %s", txt);
	m = NULL;
	rtnl_addr_build_delete_request(a, 0, &m);
	rtnl_addr_put(a);
	return nsl_nl_request(ns->sk, m, err, "cannot remove address %s from \"%s\" in %s",
			      txt, ifname, nsl_netns_where(ns));
}
