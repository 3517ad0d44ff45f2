/* shape.h — link shaping on one interface's egress: a rate through tbf,
 * delay, jitter, loss and duplication through netem, as one request. */
#ifndef NSL_SHAPE_H
#define NSL_SHAPE_H

#include "nsl.h"

struct nsl_shape {
	uint64_t rate;           /* bytes per second; 0 = no rate limit */
	uint32_t burst;          /* tbf bucket in bytes */
	uint32_t limit;          /* tbf queue in bytes; 0 = from latency_us */
	uint32_t latency_us;     /* tbf queue as the longest wait */
	uint32_t delay_us;       /* netem */
	uint32_t jitter_us;
	uint32_t loss;           /* probabilities: UINT32_MAX is 100 % */
	uint32_t duplicate;
	char kind[16];           /* nsl_shape_get: the root qdisc's kind */
};

/* Replace the shaping of ifindex by s. The new root qdisc is grafted in
 * the request that creates it, so a refused request leaves the old
 * shaping as it was. On failure *failed (may be NULL) names the qdisc
 * kind the kernel refused ("tbf", "netem"), so a caller can tell a kernel
 * without sch_netem from a bad value. */
int nsl_shape_set(struct nsl_ns *ns, int ifindex, const char *ifname,
		  const struct nsl_shape *s, const char **failed,
		  struct nsl_err *err);

/* Remove any shaping (the root qdisc); harmless when there is none. */
int nsl_shape_clear(struct nsl_ns *ns, int ifindex, const char *ifname,
		    struct nsl_err *err);

/* Read the shaping back from the kernel: *shaped is 0 when the interface
 * has its default qdisc; else s holds what tbf and netem report and
 * s->kind the root qdisc's kind ("tbf", "netem", or someone else's). */
int nsl_shape_get(struct nsl_ns *ns, int ifindex, const char *ifname,
		  struct nsl_shape *s, int *shaped, struct nsl_err *err);

#endif
