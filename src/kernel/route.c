/* route.c — routes through libnl's rtnl_route objects, in the main table. */
#include "route.h"
#include "nlerr.h"

#include <errno.h>
#include <stdio.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/nexthop.h>

static struct rtnl_route *build(const struct nsl_cidr *dst, const struct nsl_cidr *gw,
				int oif, int metric)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = NULL, *g = NULL;
	int len = dst->family == AF_INET ? 4 : 16;

	if (!r || !nh)
		goto fail;
	d = nl_addr_build(dst->family, dst->addr, len);
	if (!d)
		goto fail;
	nl_addr_set_prefixlen(d, dst->prefix < 0 ? len * 8 : dst->prefix);
	rtnl_route_set_family(r, dst->family);
	rtnl_route_set_dst(r, d);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	if (metric >= 0)
		rtnl_route_set_priority(r, (uint32_t)metric);
	if (gw) {
		g = nl_addr_build(gw->family, gw->addr, gw->family == AF_INET ? 4 : 16);
		if (!g)
			goto fail;
		rtnl_route_nh_set_gateway(nh, g);
	}
	if (oif)
		rtnl_route_nh_set_ifindex(nh, oif);
	rtnl_route_add_nexthop(r, nh);
	nl_addr_put(d);
	nl_addr_put(g);
	return r;
fail:
	nl_addr_put(d);
	nl_addr_put(g);
	if (nh)
		rtnl_route_nh_free(nh);
	if (r)
		rtnl_route_put(r);
	return NULL;
}

int nsl_route_add(struct nsl_ns *ns, const struct nsl_cidr *dst,
		  const struct nsl_cidr *gw, int oif, const char *oifname,
		  int metric, int replace, struct nsl_err *err)
{
	struct rtnl_route *r = build(dst, gw, oif, metric);
	struct nl_msg *m = NULL;
	struct nsl_nl_ack ack;
	char d[64], g[64] = "";
	int rc;

	nsl_cidr_format(dst, 1, d, sizeof d);
	if (gw)
		nsl_cidr_format(gw, 0, g, sizeof g);
	if (!r)
		return nsl_err_fail(err, ENOMEM, "route %s", d);
	rtnl_route_build_add_request(r, replace ? NLM_F_REPLACE : NLM_F_EXCL, &m);
	rtnl_route_put(r);
	rc = nsl_nl_send(ns->sk, m, NULL, NULL, &ack);
	if (rc < 0) {
		if (gw && ack.code == ENETUNREACH)
			return nsl_err_fail_quiet(err, ENETUNREACH, "route %s via %s in %s: gateway %s is not on any "
					"connected network of this node (add an address in its "
					"subnet first)", d, g, nsl_netns_where(ns), g);
		return nsl_nl_fail(&ack, err, "route %s%s%s%s%s in %s", d,
				   gw ? " via " : "", g, oifname ? " dev " : "",
				   oifname ? oifname : "", nsl_netns_where(ns));
	}
	return 0;
}

int nsl_route_del(struct nsl_ns *ns, const struct nsl_cidr *dst,
		  const struct nsl_cidr *gw, int oif, int metric,
		  struct nsl_err *err)
{
	struct rtnl_route *r = build(dst, gw, oif, metric);
	struct nl_msg *m = NULL;
	char d[64];

	nsl_cidr_format(dst, 1, d, sizeof d);
	if (!r)
		return nsl_err_fail(err, ENOMEM, "route %s", d);
	rtnl_route_build_del_request(r, 0, &m);
	rtnl_route_put(r);
	return nsl_nl_request(ns->sk, m, err, "cannot remove route %s in %s", d,
			      nsl_netns_where(ns));
}
