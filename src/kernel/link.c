/* link.c — veth pairs with both ends placed by namespace fd, bridges,
 * and link state, all through libnl's rtnl_link objects. */
#include "link.h"
#include "nlerr.h"

#include <errno.h>
#include <sys/random.h>
#include <stdio.h>
#include <string.h>

#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/vlan.h>

static int set_mac(struct rtnl_link *l, const char *mac, struct nsl_err *err)
{
	struct nl_addr *a = NULL;

	if (!mac)
		return 0;
	if (nl_addr_parse(mac, AF_LLC, &a) < 0 || nl_addr_get_len(a) != 6) {
		nl_addr_put(a);
		return nsl_err_fail_quiet(err, EINVAL, "bad MAC address \"%s\" (expected six hex bytes like 02:00:00:00:00:01)", mac);
	}
	rtnl_link_set_addr(l, a);
	nl_addr_put(a);
	return 0;
}

static int got_index(struct nl_msg *m, void *idx)
{
	struct ifinfomsg *ifi = nlmsg_data(nlmsg_hdr(m));

	*(int *)idx = ifi->ifi_index;
	return NL_OK;
}

static int lookup(struct nsl_ns *ns, const char *name, int *idx,
		  struct nsl_err *err)
{
	struct nl_msg *m = NULL;
	struct nsl_nl_ack ack;

	*idx = 0;
	rtnl_link_build_get_request(0, name, &m);
	if (nsl_nl_send(ns->sk, m, got_index, idx, &ack) < 0 || !*idx) {
		if (!ack.code)
			ack.code = ENODEV;
		return nsl_nl_fail(&ack, err, "interface \"%s\" in %s",
				   name, nsl_netns_where(ns));
	}
	return 0;
}

/* Send the request to create l; the kernel's answer is left in ack. */
static int create(struct nsl_ns *ns, struct rtnl_link *l, struct nsl_nl_ack *ack)
{
	struct nl_msg *m = NULL;

	rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &m);
	return nsl_nl_send(ns->sk, m, NULL, NULL, ack);
}

static const struct nsl_link_change RAISE = { .state = NSL_LINK_UP };

/* Fill a veth pair's request: both ends named and placed by namespace fd,
 * at the indexes wanted (0: the kernel picks), with o's MTU, master and
 * MACs. */
static int veth_fill(struct rtnl_link *l, struct rtnl_link *peer,
		     struct nsl_ns *a, const char *name_a, struct nsl_ns *b,
		     const char *name_b, const struct nsl_veth_opts *o,
		     int want_a, int want_b, struct nsl_err *err)
{
	int rc;

	rtnl_link_set_name(l, name_a);
	rtnl_link_set_name(peer, name_b);
	rtnl_link_set_ns_fd(l, a->fd);
	rtnl_link_set_ns_fd(peer, b->fd);
	if (want_a && want_b) {
		rtnl_link_set_ifindex(l, want_a);
		rtnl_link_set_ifindex(peer, want_b);
	}
	if (o && o->mtu) {
		rtnl_link_set_mtu(l, o->mtu);
		rtnl_link_set_mtu(peer, o->mtu);
	}
	/* only the first end can come up in the same request: the kernel
	 * configures the peer before the pair is joined (veth_open would
	 * fail with ENOTCONN), so the peer is raised just after */
	if (!o || !o->down)
		rtnl_link_set_flags(l, IFF_UP);
	if (o && o->master_a)
		rtnl_link_set_master(l, o->master_a);
	if (o && ((rc = set_mac(l, o->mac_a, err)) < 0 ||
		  (rc = set_mac(peer, o->mac_b, err)) < 0))
		return rc;
	return 0;
}

/* Where the ends landed: the indexes asked for (and the counters move on),
 * or, when the kernel picked, what it says (counters kept ahead of it). */
static int veth_indexes(struct nsl_ns *a, const char *name_a, struct nsl_ns *b,
			const char *name_b, int want_a, int want_b,
			int *idx_a, int *idx_b, struct nsl_err *err)
{
	int rc;

	if (want_a && want_b) {
		*idx_a = want_a;
		*idx_b = want_b;
		if (a == b)
			a->next_ifindex = want_b + 1;
		else {
			a->next_ifindex++;
			b->next_ifindex++;
		}
		return 0;
	}
	rc = lookup(a, name_a, idx_a, err);
	if (rc == 0)
		rc = lookup(b, name_b, idx_b, err);
	if (rc == 0 && a->next_ifindex && a->next_ifindex <= *idx_a)
		a->next_ifindex = *idx_a + 1;
	if (rc == 0 && b->next_ifindex && b->next_ifindex <= *idx_b)
		b->next_ifindex = *idx_b + 1;
	return rc;
}

int nsl_link_veth(struct nsl_ns *a, const char *name_a, struct nsl_ns *b,
		  const char *name_b, const struct nsl_veth_opts *o,
		  int *idx_a, int *idx_b, struct nsl_err *err)
{
	struct rtnl_link *l = NULL, *peer;
	struct nsl_nl_ack ack;
	int rc, want_a = a->next_ifindex, want_b = b->next_ifindex;

	/* the same namespace on both ends shares one ifindex counter */
	if (a == b && want_a)
		want_b = want_a + 1;
again:
	l = rtnl_link_veth_alloc();
	if (!l)
		return nsl_err_fail(err, ENOMEM, "veth \"%s\"", name_a);
	peer = rtnl_link_veth_get_peer(l);
	rc = veth_fill(l, peer, a, name_a, b, name_b, o, want_a, want_b, err);
	if (rc < 0)
		goto out;
	rc = create(a, l, &ack);
	if ((ack.code == EBUSY || ack.code == EEXIST) && want_a) {
		/* someone else holds the index we guessed (or the name is taken,
		 * which the retry will report): let the kernel pick */
		rtnl_link_put(peer);
		rtnl_link_veth_release(l);
		want_a = want_b = 0;
		a->next_ifindex = b->next_ifindex = 0;
		goto again;
	}
	if (rc < 0) {
		rc = nsl_nl_fail(&ack, err, "veth \"%s\" in %s / \"%s\" in %s",
				 name_a, nsl_netns_where(a), name_b, nsl_netns_where(b));
		goto out;
	}
	rc = veth_indexes(a, name_a, b, name_b, want_a, want_b, idx_a, idx_b, err);
	if (rc == 0 && (!o || !o->down))
		rc = nsl_link_set(b, *idx_b, name_b, &RAISE, err);
out:
	rtnl_link_put(peer);          /* get_peer took a reference */
	rtnl_link_veth_release(l);
	return rc;
}

int nsl_link_bridge(struct nsl_ns *ns, const char *name, int mtu, int *idx,
		    struct nsl_err *err)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	struct nsl_nl_ack ack;
	int rc, want = ns->next_ifindex;
	unsigned char mac[6];
	struct nl_addr *a;

	if (!l)
		return nsl_err_fail(err, ENOMEM, "bridge \"%s\"", name);
	/* A MAC of its own (random, locally administered, as the kernel
	 * would pick): without one the bridge re-takes the lowest MAC of its
	 * ports each time one joins, with notifications and FDB updates for
	 * every change, and its address moves as ports come and go. */
	if (getrandom(mac, sizeof mac, 0) == (ssize_t)sizeof mac) {
		mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02);
		if ((a = nl_addr_build(AF_LLC, mac, sizeof mac))) {
			rtnl_link_set_addr(l, a);
			nl_addr_put(a);
		}
	}
again:
	rtnl_link_set_name(l, name);
	rtnl_link_set_flags(l, IFF_UP);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	rtnl_link_set_ifindex(l, want);
	rc = create(ns, l, &ack);
	if (ack.code == EBUSY && want) {
		want = ns->next_ifindex = 0;
		goto again;
	}
	if (rc < 0) {
		rc = nsl_nl_fail(&ack, err, "bridge \"%s\" in %s", name,
			      nsl_netns_where(ns));
		goto out;
	}
	if (want) {
		*idx = want;
		ns->next_ifindex++;
	} else
		rc = lookup(ns, name, idx, err);
out:
	rtnl_link_put(l);
	return rc;
}

int nsl_link_set(struct nsl_ns *ns, int ifindex, const char *name,
		 const struct nsl_link_change *c, struct nsl_err *err)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	struct nl_msg *m = NULL;
	int rc = 0;

	if (!orig || !chg) {
		rc = nsl_err_fail(err, ENOMEM, "interface \"%s\"", name);
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (c->state == NSL_LINK_UP)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (c->state == NSL_LINK_DOWN)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (c->mtu > 0)
		rtnl_link_set_mtu(chg, (unsigned)c->mtu);
	if (c->set_master)
		rtnl_link_set_master(chg, c->master);
	rtnl_link_build_change_request(orig, chg, 0, &m);
	rc = nsl_nl_request(ns->sk, m, err, "interface \"%s\" in %s",
			    name, nsl_netns_where(ns));
out:
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return rc;
}

int nsl_link_index(struct nsl_ns *ns, const char *name, int *idx,
		   struct nsl_err *err)
{
	return lookup(ns, name, idx, err);
}

int nsl_link_delete(struct nsl_ns *ns, const char *name, struct nsl_err *err)
{
	struct rtnl_link *l = rtnl_link_alloc();
	struct nl_msg *m = NULL;

	if (!l)
		return nsl_err_fail(err, ENOMEM, "interface \"%s\"", name);
	rtnl_link_set_name(l, name);
	rtnl_link_build_delete_request(l, &m);
	rtnl_link_put(l);
	return nsl_nl_request(ns->sk, m, err, "cannot delete \"%s\" in %s",
			      name, nsl_netns_where(ns));
}

/* ---- link kinds beyond veth ---- */

static const struct feature {
	const char *kind, *what, *module, *config;
} FEATURES[] = {
	{ "vxlan", "vxlan links", "vxlan", "CONFIG_VXLAN" },
	{ "macvlan", "macvlan links", "macvlan", "CONFIG_MACVLAN" },
	{ "vlan", "vlan links", "8021q", "CONFIG_VLAN_8021Q" },
	{ "dummy", "dummy links", "dummy", "CONFIG_DUMMY" },
	{ "wireguard", "wireguard links", "wireguard", "CONFIG_WIREGUARD" },
	{ "netem", "netem qdiscs", "sch_netem", "CONFIG_NET_SCH_NETEM" },
};

int nsl_link_missing(const char *kind, struct nsl_err *err)
{
	size_t i;

	for (i = 0; i < sizeof FEATURES / sizeof FEATURES[0]; i++)
		if (!strcmp(FEATURES[i].kind, kind)) {
			const struct feature *f = &FEATURES[i];

			return nsl_err_fail_quiet(err, EOPNOTSUPP, "%s need the kernel's %s module, "
					      "which this kernel does not have (modprobe %s failed "
					      "or %s is off)", f->what, f->module, f->module, f->config);
		}
	return nsl_err_fail_quiet(err, EOPNOTSUPP, "%s links need a kernel module this kernel does not have",
			      kind);
}

/* Send the create request for l (kind set) on sock, placing it in dev,
 * then find its index there and bring it up. The kernel answers an
 * unknown kind with EOPNOTSUPP ("Unknown device type") once its own
 * modprobe has failed: that becomes the missing-feature message. */
static int create_in(struct nsl_ns *sock, struct nsl_ns *dev, struct rtnl_link *l,
		     const char *kind, const char *name, int mtu, int *idx,
		     struct nsl_err *err)
{
	struct nsl_nl_ack ack;
	int rc;

	rtnl_link_set_name(l, name);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	if (dev != sock)
		rtnl_link_set_ns_fd(l, dev->fd);
	rc = create(sock, l, &ack);
	if (rc < 0) {
		if (ack.code == EOPNOTSUPP &&
		    (!ack.ext[0] || strstr(ack.ext, "Unknown device type")))
			return nsl_link_missing(kind, err);
		if (dev != sock)
			return nsl_nl_fail(&ack, err, "%s \"%s\" in %s (made from %s)",
					   kind, name, nsl_netns_where(dev), nsl_netns_where(sock));
		return nsl_nl_fail(&ack, err, "%s \"%s\" in %s", kind, name, nsl_netns_where(dev));
	}
	rc = lookup(dev, name, idx, err);
	if (rc < 0)
		return rc;
	/* the kernel picked the index: keep dev's counter ahead of it */
	if (dev->next_ifindex && *idx >= dev->next_ifindex)
		dev->next_ifindex = *idx + 1;
	return nsl_link_set(dev, *idx, name, &RAISE, err);
}

static int parse_addr(const char *text, struct nl_addr **a, const char *what,
		      struct nsl_err *err)
{
	if (nl_addr_parse(text, AF_UNSPEC, a) < 0 ||
	    (nl_addr_get_family(*a) != AF_INET && nl_addr_get_family(*a) != AF_INET6)) {
		if (*a)
			nl_addr_put(*a);
		*a = NULL;
		return nsl_err_fail_quiet(err, EINVAL, "bad %s address \"%s\"", what, text);
	}
	return 0;
}

int nsl_link_vxlan(struct nsl_ns *sock, struct nsl_ns *dev, const char *name,
		   const struct nsl_vxlan_opts *o, int *idx, struct nsl_err *err)
{
	struct rtnl_link *l = rtnl_link_vxlan_alloc();
	struct nl_addr *local = NULL, *remote = NULL;
	int rc;

	if (!l)
		return nsl_err_fail(err, ENOMEM, "vxlan \"%s\"", name);
	if (o->id > 16777215) {
		rc = nsl_err_fail_quiet(err, EINVAL, "vxlan id %u is out of range 0-16777215", o->id);
		goto out;
	}
	if ((o->local && (rc = parse_addr(o->local, &local, "vxlan local", err)) < 0) ||
	    (o->remote && (rc = parse_addr(o->remote, &remote, "vxlan remote", err)) < 0))
		goto out;
	rtnl_link_vxlan_set_id(l, o->id);
	rtnl_link_vxlan_set_port(l, (uint32_t)(o->port ? o->port : 4789));
	if (local)
		rtnl_link_vxlan_set_local(l, local);
	if (remote)
		rtnl_link_vxlan_set_group(l, remote);
	rc = create_in(sock, dev, l, "vxlan", name, o->mtu, idx, err);
out:
	if (local)
		nl_addr_put(local);
	if (remote)
		nl_addr_put(remote);
	rtnl_link_put(l);
	return rc;
}

int nsl_link_macvlan(struct nsl_ns *parent_ns, int parent_idx, struct nsl_ns *dev,
		     const char *name, const char *mode, int *idx, struct nsl_err *err)
{
	struct rtnl_link *l = rtnl_link_macvlan_alloc();
	int m, rc;

	if (!l)
		return nsl_err_fail(err, ENOMEM, "macvlan \"%s\"", name);
	m = rtnl_link_macvlan_str2mode(mode ? mode : "bridge");
	if (m < 0) {
		rc = nsl_err_fail_quiet(err, EINVAL, "macvlan mode \"%s\" (use bridge, private, vepa or passthru)", mode);
		goto out;
	}
	rtnl_link_macvlan_set_mode(l, (uint32_t)m);
	rtnl_link_set_link(l, parent_idx);
	rc = create_in(parent_ns, dev, l, "macvlan", name, 0, idx, err);
out:
	rtnl_link_put(l);
	return rc;
}

int nsl_link_vlan(struct nsl_ns *parent_ns, int parent_idx, struct nsl_ns *dev,
		  const char *name, int vid, int *idx, struct nsl_err *err)
{
	struct rtnl_link *l = rtnl_link_vlan_alloc();
	int rc;

	if (!l)
		return nsl_err_fail(err, ENOMEM, "vlan \"%s\"", name);
	if (vid < 1 || vid > 4094) {
		rc = nsl_err_fail_quiet(err, EINVAL, "vlan id %d is out of range 1-4094", vid);
		goto out;
	}
	rtnl_link_vlan_set_id(l, (uint16_t)vid);
	rtnl_link_set_link(l, parent_idx);
	rc = create_in(parent_ns, dev, l, "vlan", name, 0, idx, err);
out:
	rtnl_link_put(l);
	return rc;
}

int nsl_link_kind(struct nsl_ns *sock, struct nsl_ns *dev, const char *kind,
		  const char *name, int *idx, struct nsl_err *err)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (!l)
		return nsl_err_fail(err, ENOMEM, "%s \"%s\"", kind, name);
	rc = rtnl_link_set_type(l, kind);
	if (rc < 0)
		rc = nsl_err_fail(err, EINVAL, "link kind \"%s\"", kind);
	else
		rc = create_in(sock, dev, l, kind, name, 0, idx, err);
	rtnl_link_put(l);
	return rc;
}
