/* cidr.c — the one parser for addresses users write in labs.
 * inet_pton is strict (no "10.1", no leading zeros tricks), and the prefix
 * must be plain decimal within the family's width. */
#include "cidr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int nsl_cidr_parse(const char *text, struct nsl_cidr *c, struct nsl_err *err)
{
	char buf[64];
	const char *slash;
	size_t alen;

	memset(c, 0, sizeof *c);
	c->prefix = -1;
	if (!text || !*text)
		return nsl_err_fail_quiet(err, EINVAL, "empty address");
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof buf)
		return nsl_err_fail_quiet(err, EINVAL, "bad address \"%s\"", text);
	memcpy(buf, text, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = AF_INET6;
	else
		return nsl_err_fail_quiet(err, EINVAL, "bad address \"%s\" (expected IPv4 like 10.0.0.1 or IPv6 like fd00::1)", text);
	if (slash) {
		const char *p = slash + 1;
		int v = 0, max = c->family == AF_INET ? 32 : 128;

		if (!*p)
			return nsl_err_fail_quiet(err, EINVAL, "bad prefix in \"%s\" (nothing after /)", text);
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || v > 1000)
				return nsl_err_fail_quiet(err, EINVAL, "bad prefix in \"%s\" (expected a number 0-%d)", text, max);
			v = v * 10 + (*p - '0');
		}
		if (v > max)
			return nsl_err_fail_quiet(err, EINVAL, "bad prefix in \"%s\" (/%d is over %d for %s)", text, v,
					max, c->family == AF_INET ? "IPv4" : "IPv6");
		c->prefix = v;
	}
	return 0;
}

void nsl_cidr_format(const struct nsl_cidr *c, int with_prefix, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->family, c->addr, a, sizeof a);
	if (with_prefix && c->prefix >= 0)
		snprintf(buf, len, "%s/%d", a, c->prefix);
	else
		snprintf(buf, len, "%s", a);
}

void nsl_cidr_network(struct nsl_cidr *c)
{
	int bytes = c->family == AF_INET ? 4 : 16, i;
	int p = c->prefix < 0 ? bytes * 8 : c->prefix;

	for (i = 0; i < bytes; i++) {
		int keep = p - i * 8;
		if (keep >= 8)
			continue;
		c->addr[i] &= keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
	}
}
