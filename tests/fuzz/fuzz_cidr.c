/* fuzz_cidr.c — libFuzzer target for the address parser: any byte string
 * is either rejected with a message that quotes it, or parsed into a
 * family, address and prefix that format back and parse again the same. */
#include "cidr.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char text[128], again[128];
	struct nsl_cidr c, d;
	struct nsl_err e;

	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (nsl_cidr_parse(text, &c, &e) < 0) {
		if (!e.msg[0])
			abort();   /* every rejection explains itself */
		return 0;
	}
	if (c.family != AF_INET && c.family != AF_INET6)
		abort();
	if (c.prefix > (c.family == AF_INET ? 32 : 128))
		abort();
	nsl_cidr_format(&c, 1, again, sizeof again);
	if (nsl_cidr_parse(again, &d, &e) < 0 || d.family != c.family ||
	    d.prefix != c.prefix || memcmp(d.addr, c.addr, 16))
		abort();
	nsl_cidr_network(&c);
	return 0;
}
