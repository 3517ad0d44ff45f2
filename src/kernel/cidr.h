/* cidr.h — strict parsing of user-written addresses and prefixes. */
#ifndef NSL_CIDR_H
#define NSL_CIDR_H

#include "nsl.h"

struct nsl_cidr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;              /* -1 when the text had none */
};

/* Parse "10.0.0.1/24", "fd00::1/64", or a bare address. Returns 0 or
 * -EINVAL with a message quoting the text and saying what is wrong. */
int nsl_cidr_parse(const char *text, struct nsl_cidr *c, struct nsl_err *err);
/* Write the address (and "/prefix" when c->prefix >= 0) into buf. */
void nsl_cidr_format(const struct nsl_cidr *c, int with_prefix, char *buf, size_t len);
/* Zero the host bits: the network of the prefix. */
void nsl_cidr_network(struct nsl_cidr *c);

#endif
