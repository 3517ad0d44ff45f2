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
/* up: 1 up, 0 down, -1 unchanged; mtu 0 unchanged; master -1 unchanged. */
int nsl_link_set(struct nsl_ns *ns, int ifindex, const char *name, int up,
		 int mtu, int master, struct nsl_err *err);
int nsl_link_index(struct nsl_ns *ns, const char *name, int *idx,
		   struct nsl_err *err);
int nsl_link_delete(struct nsl_ns *ns, const char *name, struct nsl_err *err);

#endif
