/* sysctl.h — per-namespace sysctls under /proc/sys. */
#ifndef NSL_SYSCTL_H
#define NSL_SYSCTL_H

#include "nsl.h"

/* key is dotted ("net.ipv4.ip_forward") or a path below /proc/sys.
 * old (may be NULL) receives the previous value, trailing newline cut. */
int nsl_sysctl_get(struct nsl_ns *ns, const char *key, char *val, size_t len,
		   struct nsl_err *err);
int nsl_sysctl_set(struct nsl_ns *ns, const char *key, const char *val,
		   char *old, size_t oldlen, struct nsl_err *err);

#endif
