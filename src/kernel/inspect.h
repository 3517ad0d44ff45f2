/* inspect.h — read-only views of a namespace as the kernel holds it:
 * interfaces, addresses, routes, namespace ids. The REPL shows them and
 * rebuilds a lab it attaches to from them. Nothing here changes anything. */
#ifndef NSL_INSPECT_H
#define NSL_INSPECT_H

#include "nsl.h"

struct nsl_if_info {
	int index;
	char name[16];
	char kind[16];           /* "veth", "bridge", ... ; "" when plain */
	unsigned flags;          /* IFF_* */
	char oper[16];           /* operational state: "up", "down", "unknown" */
	unsigned mtu;
	char mac[32];
	int master;              /* ifindex of its bridge, 0 = none */
	int peer;                /* veth peer's ifindex (IFLA_LINK), 0 = none */
	int peer_nsid;           /* netnsid of the peer's namespace, -1 = same */
};

struct nsl_addr_info {
	int ifindex;
	int family;              /* 4 or 6 */
	char cidr[64];           /* "10.0.1.2/24" */
	int scope;               /* RT_SCOPE_* */
};

struct nsl_route_info {
	int family;              /* 4 or 6 */
	int table;               /* 254 = main */
	int type;                /* RTN_UNICAST, RTN_LOCAL, ... */
	int proto;               /* RTPROT_* */
	int scope;               /* RT_SCOPE_* */
	char dst[64];            /* "default" or "10.0.1.0/24" */
	char gw[64];             /* "" = none */
	int oif;                 /* 0 = none */
	char src[64];            /* preferred source, "" = none */
	long long metric;        /* -1 = none */
	int nnh;                 /* next hops of a multipath route (gw and oif
				    above are the first); at most NSL_ROUTE_MAXNH */
	struct { char gw[64]; int oif; } nh[8];
};
#define NSL_ROUTE_MAXNH 8

/* Each calls fn once per object; fn returning non-zero stops the walk. */
int nsl_inspect_links(struct nsl_ns *ns,
		      int (*fn)(const struct nsl_if_info *i, void *arg), void *arg,
		      struct nsl_err *err);
int nsl_inspect_addrs(struct nsl_ns *ns,
		      int (*fn)(const struct nsl_addr_info *a, void *arg), void *arg,
		      struct nsl_err *err);
int nsl_inspect_routes(struct nsl_ns *ns,
		       int (*fn)(const struct nsl_route_info *r, void *arg), void *arg,
		       struct nsl_err *err);

/* The id ns gives the namespace behind other_fd (what a veth's
 * peer_nsid refers to); *nsid = -1 when ns has assigned it none. */
int nsl_inspect_nsid(struct nsl_ns *ns, int other_fd, int *nsid, struct nsl_err *err);
/* The interface ifindex of the namespace ns knows as nsid (a veth's
 * peer): its address, as nsl_if_info.mac has it, and its name. */
int nsl_inspect_peer(struct nsl_ns *ns, int nsid, int ifindex, char *mac, size_t maclen,
		     char *name, size_t namelen, struct nsl_err *err);

#endif
