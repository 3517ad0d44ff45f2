/* shape.c — see shape.h. Through libnl's rtnl_qdisc objects on the node's
 * own netlink socket; tc(8) is never run.
 *
 * Layout, as tc-netem(8) and tc-tbf(8) build it by hand:
 *   rate only            root tbf (H:)
 *   netem only           root netem (H:)
 *   netem and rate       root netem (H:), tbf (H+16:) as its child H:1
 * H alternates between 1: and 2:, so a new shape never has the handle of
 * the old root: the kernel then creates it and grafts it in place of the
 * old one (NLM_F_CREATE|NLM_F_REPLACE) instead of trying to "change" a
 * qdisc of another kind. */
#include "shape.h"
#include "nlerr.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

static struct rtnl_qdisc *new_qdisc(int ifindex, uint32_t parent,
				    uint32_t handle, const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	if (handle)
		rtnl_tc_set_handle(TC_CAST(q), handle);
	if (kind && rtnl_tc_set_kind(TC_CAST(q), kind) < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

static int load(struct nsl_ns *ns, const char *ifname, struct nl_cache **cache,
		struct nsl_err *err)
{
	int rc;

	if (nl_cache_alloc_name("route/qdisc", cache) < 0)
		return nsl_err_fail(err, ENOMEM, "qdiscs of \"%s\" in %s", ifname,
				nsl_netns_where(ns));
	rc = nsl_nl_dump(ns->sk, *cache, err, "qdiscs of \"%s\" in %s", ifname,
			 nsl_netns_where(ns));
	if (rc < 0) {
		nl_cache_free(*cache);
		*cache = NULL;
	}
	return rc;
}

static void tbf_fill(struct rtnl_qdisc *q, const struct nsl_shape *s)
{
	/* libnl takes the rate as an int and keeps it as a u32 */
	rtnl_qdisc_tbf_set_rate(q, (int)(uint32_t)s->rate, (int)s->burst, 0);
	if (s->limit)
		rtnl_qdisc_tbf_set_limit(q, (int)s->limit);
	else
		rtnl_qdisc_tbf_set_limit_by_latency(q, (int)s->latency_us);
}

static void netem_fill(struct rtnl_qdisc *q, const struct nsl_shape *s)
{
	if (s->delay_us)
		rtnl_netem_set_delay(q, (int)s->delay_us);
	if (s->jitter_us)
		rtnl_netem_set_jitter(q, (int)s->jitter_us);
	if (s->loss)
		rtnl_netem_set_loss(q, (int)s->loss);
	if (s->duplicate)
		rtnl_netem_set_duplicate(q, (int)s->duplicate);
}

static int add(struct nsl_ns *ns, struct rtnl_qdisc *q, const char *kind,
	       const char *ifname, const char **failed, struct nsl_err *err)
{
	struct nl_msg *m = NULL;
	int rc;

	rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, &m);
	rc = nsl_nl_request(ns->sk, m, err, "%s qdisc on \"%s\" in %s", kind,
			    ifname, nsl_netns_where(ns));
	if (rc < 0 && failed)
		*failed = kind;
	return rc;
}

int nsl_shape_set(struct nsl_ns *ns, int ifindex, const char *ifname,
		  const struct nsl_shape *s, const char **failed,
		  struct nsl_err *err)
{
	struct nl_cache *cache = NULL;
	struct rtnl_qdisc *old = NULL, *root = NULL, *child = NULL;
	int netem = s->delay_us || s->jitter_us || s->loss || s->duplicate;
	uint32_t h = TC_H_MAKE(1U << 16, 0);
	int rc;

	if (failed)
		*failed = NULL;
	if (!netem && !s->rate)
		return nsl_err_fail(err, EINVAL, "shaping \"%s\" in %s: no rate, delay, jitter, loss or duplicate",
				ifname, nsl_netns_where(ns));
	if (s->rate > UINT32_MAX)
		return nsl_err_fail(err, ERANGE, "rate on \"%s\": tbf takes at most %u bytes/s (34gbit)",
				ifname, UINT32_MAX);
	rc = load(ns, ifname, &cache, err);
	if (rc < 0)
		return rc;
	old = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (old && rtnl_tc_get_handle(TC_CAST(old)) == h)
		h = TC_H_MAKE(2U << 16, 0);
	root = new_qdisc(ifindex, TC_H_ROOT, h, netem ? "netem" : "tbf");
	if (!root) {
		rc = nsl_err_fail(err, ENOMEM, "qdisc on \"%s\"", ifname);
		goto out;
	}
	if (netem)
		netem_fill(root, s);
	else
		tbf_fill(root, s);
	rc = add(ns, root, netem ? "netem" : "tbf", ifname, failed, err);
	if (rc < 0 || !netem || !s->rate)
		goto out;
	child = new_qdisc(ifindex, h | 1, h + TC_H_MAKE(16U << 16, 0), "tbf");
	if (!child)
		rc = nsl_err_fail(err, ENOMEM, "qdisc on \"%s\"", ifname);
	else {
		tbf_fill(child, s);
		rc = add(ns, child, "tbf", ifname, failed, err);
	}
	if (rc < 0) {
		/* half of a shape is worse than none */
		struct nsl_err ignored;
		(void)nsl_shape_clear(ns, ifindex, ifname, &ignored);
	}
out:
	if (child)
		rtnl_qdisc_put(child);
	if (root)
		rtnl_qdisc_put(root);
	if (old)
		rtnl_qdisc_put(old);
	nl_cache_free(cache);
	return rc;
}

int nsl_shape_clear(struct nsl_ns *ns, int ifindex, const char *ifname,
		    struct nsl_err *err)
{
	struct rtnl_qdisc *q = new_qdisc(ifindex, TC_H_ROOT, 0, NULL);
	struct nl_msg *m = NULL;
	struct nsl_nl_ack ack;
	int rc;

	if (!q)
		return nsl_err_fail(err, ENOMEM, "qdisc on \"%s\"", ifname);
	rtnl_qdisc_build_delete_request(q, &m);
	rtnl_qdisc_put(q);
	rc = nsl_nl_send(ns->sk, m, NULL, NULL, &ack);
	/* ENOENT: only the default qdisc (handle 0), nothing to remove */
	if (rc < 0 && ack.code != ENOENT)
		return nsl_nl_fail(&ack, err, "shaping of \"%s\" in %s", ifname,
				   nsl_netns_where(ns));
	return 0;
}

static void tbf_read(struct rtnl_qdisc *q, struct nsl_shape *s)
{
	int limit = rtnl_qdisc_tbf_get_limit(q);

	s->rate = (uint32_t)rtnl_qdisc_tbf_get_rate(q);
	s->burst = (uint32_t)rtnl_qdisc_tbf_get_rate_bucket(q);
	s->limit = limit > 0 ? (uint32_t)limit : 0;
}

static void netem_read(struct rtnl_qdisc *q, struct nsl_shape *s)
{
	int v;

	if ((v = rtnl_netem_get_delay(q)) > 0)
		s->delay_us = (uint32_t)v;
	if ((v = rtnl_netem_get_jitter(q)) > 0)
		s->jitter_us = (uint32_t)v;
	/* the getters return -NLE_NOATTR for what the kernel did not send */
	if ((v = rtnl_netem_get_loss(q)) != -NLE_NOATTR)
		s->loss = (uint32_t)v;
	if ((v = rtnl_netem_get_duplicate(q)) != -NLE_NOATTR)
		s->duplicate = (uint32_t)v;
}

int nsl_shape_get(struct nsl_ns *ns, int ifindex, const char *ifname,
		  struct nsl_shape *s, int *shaped, struct nsl_err *err)
{
	struct nl_cache *cache = NULL;
	struct rtnl_qdisc *root, *child = NULL;
	uint32_t h;
	int rc;

	memset(s, 0, sizeof *s);
	*shaped = 0;
	rc = load(ns, ifname, &cache, err);
	if (rc < 0)
		return rc;
	root = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (!root || (h = rtnl_tc_get_handle(TC_CAST(root))) == 0)
		goto out;
	*shaped = 1;
	snprintf(s->kind, sizeof s->kind, "%s", rtnl_tc_get_kind(TC_CAST(root)));
	if (!strcmp(s->kind, "tbf"))
		tbf_read(root, s);
	else if (!strcmp(s->kind, "netem")) {
		netem_read(root, s);
		child = rtnl_qdisc_get_by_parent(cache, ifindex, h | 1);
		if (child && !strcmp(rtnl_tc_get_kind(TC_CAST(child)), "tbf"))
			tbf_read(child, s);
	}
out:
	if (child)
		rtnl_qdisc_put(child);
	if (root)
		rtnl_qdisc_put(root);
	nl_cache_free(cache);
	return 0;
}
