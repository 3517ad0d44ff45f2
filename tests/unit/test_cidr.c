/* test_cidr.c — the address parser accepts what iproute2 accepts and
 * rejects the rest with a message that quotes the text. */
#include "cidr.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int fails;

static void ok(const char *text, int fam, int prefix, const char *net)
{
	struct nsl_cidr c;
	struct nsl_err e;
	char buf[64];

	if (nsl_cidr_parse(text, &c, &e) < 0) {
		printf("not ok - %s rejected: %s\n", text, e.msg);
		fails++;
		return;
	}
	nsl_cidr_network(&c);
	nsl_cidr_format(&c, 1, buf, sizeof buf);
	if (c.family != fam || c.prefix != prefix || (net && strcmp(buf, net))) {
		printf("not ok - %s parsed as family %d prefix %d network %s\n", text,
		       c.family, c.prefix, buf);
		fails++;
	} else
		printf("ok - %s\n", text);
}

static void bad(const char *text, const char *want)
{
	struct nsl_cidr c;
	struct nsl_err e;

	if (nsl_cidr_parse(text, &c, &e) == 0) {
		printf("not ok - %s accepted\n", text);
		fails++;
	} else if (!strstr(e.msg, want)) {
		printf("not ok - %s: message \"%s\" lacks \"%s\"\n", text, e.msg, want);
		fails++;
	} else
		printf("ok - %s rejected: %s\n", text, e.msg);
}

int main(void)
{
	ok("10.0.1.2/24", AF_INET, 24, "10.0.1.0/24");
	ok("10.0.1.2", AF_INET, -1, NULL);
	ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	ok("192.168.15.1/32", AF_INET, 32, "192.168.15.1/32");
	ok("fd00::1/64", AF_INET6, 64, "fd00::/64");
	ok("2001:db8::1:2/127", AF_INET6, 127, "2001:db8::1:2/127");
	ok("10.255.255.255/9", AF_INET, 9, "10.128.0.0/9");
	bad("10.0.1.2/33", "/33 is over 32");
	bad("fd00::1/129", "/129 is over 128");
	bad("10.0.1/24", "bad address \"10.0.1/24\"");
	bad("10.0.1.256/24", "bad address");
	bad("10.0.1.2/", "nothing after /");
	bad("10.0.1.2/2x", "expected a number");
	bad("10.0.1.2/-1", "expected a number");
	bad("", "empty address");
	bad("/24", "bad address");
	bad("host", "bad address \"host\"");
	bad("10.0.0.1/99999999999", "expected a number");
	printf("%d passed, %d failed\n", 18 - fails, fails);
	return fails != 0;
}
