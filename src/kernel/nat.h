/* nat.h — nftables rules in a node's namespace through libnftables. */
#ifndef NSL_NAT_H
#define NSL_NAT_H

#include "nsl.h"

/* Run an nft script atomically inside ns. On success *out (may be NULL)
 * points at the command output, valid until the next call on ns. */
int nsl_nat_run(struct nsl_ns *ns, const char *script, const char **out,
		struct nsl_err *err);

/* Free ns's nftables context, if it has one. */
void nsl_nat_release(struct nsl_ns *ns);

#endif
