/* addr.h — interface addresses. */
#ifndef NSL_ADDR_H
#define NSL_ADDR_H

#include "nsl.h"
#include "cidr.h"

/* Add c (with its prefix) to ifindex; IPv6 skips DAD so it is usable
 * at once. ifname only names the interface in messages. */
int nsl_addr_add(struct nsl_ns *ns, int ifindex, const char *ifname,
		 const struct nsl_cidr *c, struct nsl_err *err);
int nsl_addr_del(struct nsl_ns *ns, int ifindex, const char *ifname,
		 const struct nsl_cidr *c, struct nsl_err *err);

#endif
