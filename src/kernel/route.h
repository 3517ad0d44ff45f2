/* route.h — static routes. */
#ifndef NSL_ROUTE_H
#define NSL_ROUTE_H

#include "nsl.h"
#include "cidr.h"

/* dst is a network (prefix set; /0 for default). gw may be NULL, oif 0. */
int nsl_route_add(struct nsl_ns *ns, const struct nsl_cidr *dst,
		  const struct nsl_cidr *gw, int oif, const char *oifname,
		  int metric, int replace, struct nsl_err *err);
int nsl_route_del(struct nsl_ns *ns, const struct nsl_cidr *dst,
		  const struct nsl_cidr *gw, int oif, int metric,
		  struct nsl_err *err);

#endif
