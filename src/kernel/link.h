/* link.h — veth pairs, bridges, link state. */
#ifndef NSL_LINK_H
#define NSL_LINK_H

#include "nsl.h"

struct nsl_veth_opts {
	int mtu;                 /* 0 = kernel default */
	const char *mac_a;       /* NULL = random */
	const char *mac_b;
	int master_a;            /* ifindex of a bridge in a's namespace, 0 = none */
	int down;                /* leave both ends down */
};

/* Create a veth pair with end a named name_a inside a and end b inside b,
 * in one request: no end ever appears in another namespace. */
int nsl_link_veth(struct nsl_ns *a, const char *name_a, struct nsl_ns *b,
		  const char *name_b, const struct nsl_veth_opts *o,
		  int *idx_a, int *idx_b, struct nsl_err *err);
int nsl_link_bridge(struct nsl_ns *ns, const char *name, int mtu,
		    int *idx, struct nsl_err *err);
/* What nsl_link_set changes; a zeroed struct changes nothing. */
struct nsl_link_change {
	enum { NSL_LINK_KEEP, NSL_LINK_UP, NSL_LINK_DOWN } state;
	int mtu;                 /* 0 = keep */
	int set_master;          /* 1: make master the interface's master */
	int master;              /* ifindex of a bridge, 0 = none */
};
int nsl_link_set(struct nsl_ns *ns, int ifindex, const char *name,
		 const struct nsl_link_change *c, struct nsl_err *err);
int nsl_link_index(struct nsl_ns *ns, const char *name, int *idx,
		   struct nsl_err *err);
int nsl_link_delete(struct nsl_ns *ns, const char *name, struct nsl_err *err);

/* ---- link kinds beyond veth ----
 * Each device is created by a request on the socket of one namespace
 * (where its lower device or its UDP socket lives) and placed directly in
 * another by fd, so a node can hold a tunnel whose underlay it cannot
 * see (the WireGuard "netns trick", which vxlan honours too). A kind the
 * kernel lacks fails with a message naming the module and config option. */

struct nsl_vxlan_opts {
	unsigned id;             /* VNI, 0..16777215 */
	int port;                /* UDP port, 0 = 4789 */
	const char *local;       /* underlay source address, NULL = any */
	const char *remote;      /* underlay address of the far end */
	int mtu;                 /* 0 = kernel default */
};

/* vxlan device name in dev, its UDP socket in sock; comes up at once. */
int nsl_link_vxlan(struct nsl_ns *sock, struct nsl_ns *dev, const char *name,
		   const struct nsl_vxlan_opts *o, int *idx, struct nsl_err *err);
/* macvlan (mode "bridge", "private", "vepa", "passthru"; NULL = bridge)
 * or 802.1Q vlan named name in dev, over interface parent_idx of
 * parent_ns; comes up at once. */
int nsl_link_macvlan(struct nsl_ns *parent_ns, int parent_idx, struct nsl_ns *dev,
		     const char *name, const char *mode, int *idx, struct nsl_err *err);
int nsl_link_vlan(struct nsl_ns *parent_ns, int parent_idx, struct nsl_ns *dev,
		  const char *name, int vid, int *idx, struct nsl_err *err);
/* A device of a kind that takes no options here (dummy, wireguard),
 * requested from sock and placed in dev; comes up at once. */
int nsl_link_kind(struct nsl_ns *sock, struct nsl_ns *dev, const char *kind,
		  const char *name, int *idx, struct nsl_err *err);
/* Fill err with "WHAT need the kernel's MODULE module, which this kernel
 * does not have (modprobe MODULE failed or CONFIG is off)" for a kind (a
 * link kind or "netem"); returns -EOPNOTSUPP. */
int nsl_link_missing(const char *kind, struct nsl_err *err);

#endif
