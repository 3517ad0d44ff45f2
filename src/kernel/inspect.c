/* inspect.c — see inspect.h. Dumps through the namespace's own libnl
 * socket (caches filled and dropped at once), so the view is always the
 * kernel's, never a remembered one. */
#define _GNU_SOURCE
#include "inspect.h"
#include "nlerr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

/* "10.0.1.2" or "10.0.1.0/24" (with_prefix) from a libnl address;
 * "" when a is NULL. */
static void fmt_addr(struct nl_addr *a, int with_prefix, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	int fam;

	buf[0] = 0;
	if (!a)
		return;
	fam = nl_addr_get_family(a);
	if ((fam != AF_INET && fam != AF_INET6) ||
	    !inet_ntop(fam, nl_addr_get_binary_addr(a), tmp, sizeof tmp)) {
		nl_addr2str(a, buf, len);
		return;
	}
	if (with_prefix)
		snprintf(buf, len, "%s/%u", tmp, nl_addr_get_prefixlen(a));
	else
		snprintf(buf, len, "%s", tmp);
}

struct walk {
	void *fn;
	void *arg;
	int stop;
};

static void each_link(struct nl_object *o, void *p)
{
	struct walk *w = p;
	struct rtnl_link *l = (struct rtnl_link *)o;
	int (*fn)(const struct nsl_if_info *, void *) = w->fn;
	struct nsl_if_info i;
	struct nl_addr *mac;
	const char *s;
	int32_t nsid = -1;

	if (w->stop)
		return;
	memset(&i, 0, sizeof i);
	i.index = rtnl_link_get_ifindex(l);
	snprintf(i.name, sizeof i.name, "%s", rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "");
	s = rtnl_link_get_type(l);
	snprintf(i.kind, sizeof i.kind, "%s", s ? s : "");
	i.flags = rtnl_link_get_flags(l);
	rtnl_link_operstate2str(rtnl_link_get_operstate(l), i.oper, sizeof i.oper);
	i.mtu = rtnl_link_get_mtu(l);
	mac = rtnl_link_get_addr(l);
	if (mac && nl_addr_get_len(mac) > 0)
		nl_addr2str(mac, i.mac, sizeof i.mac);
	i.master = rtnl_link_get_master(l);
	i.peer = rtnl_link_get_link(l);
	if (rtnl_link_get_link_netnsid(l, &nsid) < 0)
		nsid = -1;
	i.peer_nsid = nsid;
	/* IFLA_LINK naming the interface itself says nothing (same
	 * namespace); a veth in another namespace may share our index */
	if (i.peer == i.index && nsid < 0)
		i.peer = 0;
	w->stop = fn(&i, w->arg);
}

int nsl_inspect_links(struct nsl_ns *ns,
		      int (*fn)(const struct nsl_if_info *i, void *arg), void *arg,
		      struct nsl_err *err)
{
	struct nl_cache *c = NULL;
	struct walk w = { (void *)fn, arg, 0 };
	int rc;

	if (nl_cache_alloc_name("route/link", &c) < 0)
		return nsl_err_fail(err, ENOMEM, "list interfaces in %s", nsl_netns_where(ns));
	rc = nsl_nl_dump(ns->sk, c, err, "list interfaces in %s", nsl_netns_where(ns));
	if (rc < 0) {
		nl_cache_free(c);
		return rc;
	}
	nl_cache_foreach(c, each_link, &w);
	nl_cache_free(c);
	return 0;
}

static void each_addr(struct nl_object *o, void *p)
{
	struct walk *w = p;
	struct rtnl_addr *a = (struct rtnl_addr *)o;
	int (*fn)(const struct nsl_addr_info *, void *) = w->fn;
	struct nsl_addr_info i;
	struct nl_addr *local = rtnl_addr_get_local(a);
	char tmp[INET6_ADDRSTRLEN];

	if (w->stop || !local)
		return;
	memset(&i, 0, sizeof i);
	i.ifindex = rtnl_addr_get_ifindex(a);
	i.family = rtnl_addr_get_family(a) == AF_INET6 ? 6 : 4;
	i.scope = rtnl_addr_get_scope(a);
	fmt_addr(local, 0, tmp, sizeof tmp);
	snprintf(i.cidr, sizeof i.cidr, "%s/%d", tmp, rtnl_addr_get_prefixlen(a));
	w->stop = fn(&i, w->arg);
}

int nsl_inspect_addrs(struct nsl_ns *ns,
		      int (*fn)(const struct nsl_addr_info *a, void *arg), void *arg,
		      struct nsl_err *err)
{
	struct nl_cache *c = NULL;
	struct walk w = { (void *)fn, arg, 0 };
	int rc;

	if (nl_cache_alloc_name("route/addr", &c) < 0)
		return nsl_err_fail(err, ENOMEM, "list addresses in %s", nsl_netns_where(ns));
	rc = nsl_nl_dump(ns->sk, c, err, "list addresses in %s", nsl_netns_where(ns));
	if (rc < 0) {
		nl_cache_free(c);
		return rc;
	}
	nl_cache_foreach(c, each_addr, &w);
	nl_cache_free(c);
	return 0;
}

static void each_route(struct nl_object *o, void *p)
{
	struct walk *w = p;
	struct rtnl_route *r = (struct rtnl_route *)o;
	int (*fn)(const struct nsl_route_info *, void *) = w->fn;
	struct nsl_route_info i;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;

	if (w->stop)
		return;
	memset(&i, 0, sizeof i);
	i.family = rtnl_route_get_family(r) == AF_INET6 ? 6 : 4;
	i.table = (int)rtnl_route_get_table(r);
	i.type = rtnl_route_get_type(r);
	i.proto = rtnl_route_get_protocol(r);
	i.scope = rtnl_route_get_scope(r);
	if (!dst || nl_addr_get_prefixlen(dst) == 0)
		snprintf(i.dst, sizeof i.dst, "default");
	else if (nl_addr_get_prefixlen(dst) == (unsigned)(i.family == 4 ? 32 : 128))
		fmt_addr(dst, 0, i.dst, sizeof i.dst);
	else
		fmt_addr(dst, 1, i.dst, sizeof i.dst);
	fmt_addr(rtnl_route_get_pref_src(r), 0, i.src, sizeof i.src);
	i.metric = -1;
	if (rtnl_route_get_priority(r) || i.family == 6)
		i.metric = rtnl_route_get_priority(r);
	/* the first next hop in gw/oif; a multipath route's all in nh[] */
	nh = rtnl_route_get_nnexthops(r) > 0 ? rtnl_route_nexthop_n(r, 0) : NULL;
	if (nh) {
		i.oif = rtnl_route_nh_get_ifindex(nh);
		fmt_addr(rtnl_route_nh_get_gateway(nh), 0, i.gw, sizeof i.gw);
	}
	if (rtnl_route_get_nnexthops(r) > 1) {
		for (int k = 0; k < rtnl_route_get_nnexthops(r) && k < NSL_ROUTE_MAXNH; k++) {
			nh = rtnl_route_nexthop_n(r, k);
			i.nh[k].oif = rtnl_route_nh_get_ifindex(nh);
			fmt_addr(rtnl_route_nh_get_gateway(nh), 0, i.nh[k].gw, sizeof i.nh[k].gw);
			i.nnh = k + 1;
		}
	}
	w->stop = fn(&i, w->arg);
}

int nsl_inspect_routes(struct nsl_ns *ns,
		       int (*fn)(const struct nsl_route_info *r, void *arg), void *arg,
		       struct nsl_err *err)
{
	struct nl_cache *c = NULL;
	struct walk w = { (void *)fn, arg, 0 };
	int rc;

	if (nl_cache_alloc_name("route/route", &c) < 0)
		return nsl_err_fail(err, ENOMEM, "list routes in %s", nsl_netns_where(ns));
	rc = nsl_nl_dump(ns->sk, c, err, "list routes in %s", nsl_netns_where(ns));
	if (rc < 0) {
		nl_cache_free(c);
		return rc;
	}
	nl_cache_foreach(c, each_route, &w);
	nl_cache_free(c);
	return 0;
}

struct reply {
	int nsid;                /* RTM_GETNSID */
	char mac[32], name[64];  /* RTM_GETLINK */
};

/* Send m (taken) and read until the ack, handing each reply to on_valid; libnl
 * has no objects for these requests. */
static int ask(struct nsl_ns *ns, struct nl_msg *m, int (*on_valid)(struct nl_msg *, void *),
	       struct reply *r, const char *what, struct nsl_err *err)
{
	struct nsl_nl_ack ack;

	if (nsl_nl_send(ns->sk, m, on_valid, r, &ack) < 0)
		return nsl_nl_fail(&ack, err, "%s in %s", what, nsl_netns_where(ns));
	return 0;
}

static int on_nsid(struct nl_msg *m, void *p)
{
	struct reply *r = p;
	struct nlattr *tb[NETNSA_MAX + 1];
	struct nlmsghdr *h = nlmsg_hdr(m);

	if (h->nlmsg_type == RTM_NEWNSID &&
	    nlmsg_parse(h, sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 &&
	    tb[NETNSA_NSID])
		r->nsid = (int)nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

/* RTM_GETNSID with NETNSA_FD */
int nsl_inspect_nsid(struct nsl_ns *ns, int other_fd, int *nsid, struct nsl_err *err)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct reply r = { .nsid = -1 };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST | NLM_F_ACK);
	int rc;

	*nsid = -1;
	if (!m || nlmsg_append(m, &g, sizeof g, NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, NETNSA_FD, (uint32_t)other_fd) < 0) {
		nlmsg_free(m);
		return nsl_err_fail(err, ENOMEM, "namespace id in %s", nsl_netns_where(ns));
	}
	rc = ask(ns, m, on_nsid, &r, "namespace id", err);
	if (rc == 0)
		*nsid = r.nsid;
	return rc;
}

static int on_link(struct nl_msg *m, void *p)
{
	struct reply *r = p;
	struct nlattr *tb[IFLA_MAX + 1];
	struct nlmsghdr *h = nlmsg_hdr(m);

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return NL_OK;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(r->name, tb[IFLA_IFNAME], sizeof r->name);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) > 0) {
		/* formatted as nsl_inspect_links formats a link's address */
		struct nl_addr *a = nl_addr_build(AF_LLC, nla_data(tb[IFLA_ADDRESS]),
						 (size_t)nla_len(tb[IFLA_ADDRESS]));
		if (a) {
			nl_addr2str(a, r->mac, sizeof r->mac);
			nl_addr_put(a);
		}
	}
	return NL_OK;
}

/* RTM_GETLINK of one ifindex in the namespace ns calls nsid
 * (IFLA_TARGET_NETNSID): a veth's peer, seen from this end's side. */
int nsl_inspect_peer(struct nsl_ns *ns, int nsid, int ifindex, char *mac, size_t maclen,
		     char *name, size_t namelen, struct nsl_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct reply r = { .nsid = -1 };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
	int rc;

	if (!m || nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
	    nla_put_s32(m, IFLA_TARGET_NETNSID, nsid) < 0) {
		nlmsg_free(m);
		return nsl_err_fail(err, ENOMEM, "peer interface in %s", nsl_netns_where(ns));
	}
	rc = ask(ns, m, on_link, &r, "peer interface", err);
	if (rc == 0) {
		snprintf(mac, maclen, "%s", r.mac);
		snprintf(name, namelen, "%s", r.name);
	}
	return rc;
}
