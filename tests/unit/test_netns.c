/* test_netns.c — the kernel layer against a real kernel, inside its own
 * unshared network and mount namespaces (with a private /run), so the
 * host sees nothing: pins, veth placed by fd, ifindex bookkeeping,
 * addresses, routes, sysctl, nft, exec and teardown. */
#define _GNU_SOURCE
#include "netns.h"
#include "link.h"
#include "addr.h"
#include "route.h"
#include "sysctl.h"
#include "nat.h"
#include "exec.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int fails, passes;

#define CHECK(cond, ...) do { if (cond) { passes++; printf("ok - " __VA_ARGS__); puts(""); } \
	else { fails++; printf("not ok - " __VA_ARGS__); printf(" (%s)\n", e.msg); } } while (0)

int main(void)
{
	struct nsl_ns a, b;
	struct nsl_err e = { 0, "" };
	struct nsl_cidr c, gw, dst;
	int ia = 0, ib = 0, idx = 0, rc;
	char val[64];
	const char *out = NULL;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount("", "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, NULL) < 0) {
		printf("not ok - isolate test (%s): run as root\n", strerror(errno));
		return 1;
	}
	CHECK(nsl_netns_prepare(&e) == 0, "prepare /run/netns");
	CHECK(nsl_netns_create("t.a", &a, &e) == 0, "create t.a");
	CHECK(nsl_netns_create("t.b", &b, &e) == 0, "create t.b");
	CHECK(nsl_netns_exists("t.a"), "t.a is pinned");
	rc = nsl_netns_create("t.a", &(struct nsl_ns){0}, &e);
	CHECK(rc == -EEXIST && strstr(e.msg, "t.a"), "duplicate namespace refused");
	CHECK(nsl_link_veth(&a, "eth0", &b, "eth0", NULL, &ia, &ib, &e) == 0, "veth a/b");
	CHECK(nsl_link_index(&a, "eth0", &idx, &e) == 0 && idx == ia, "a's ifindex %d is what the kernel says", ia);
	CHECK(nsl_link_index(&b, "eth0", &idx, &e) == 0 && idx == ib, "b's ifindex %d is what the kernel says", ib);
	rc = nsl_link_veth(&a, "eth0", &b, "eth9", NULL, &ia, &ib, &e);
	CHECK(rc == -EEXIST && strstr(e.msg, "eth0"), "clash on a's name reported: %s", e.msg);
	nsl_cidr_parse("10.9.0.1/24", &c, &e);
	CHECK(nsl_addr_add(&a, ia, "eth0", &c, &e) == 0, "address on a");
	nsl_cidr_parse("10.9.0.2/24", &c, &e);
	CHECK(nsl_addr_add(&b, ib, "eth0", &c, &e) == 0, "address on b");
	nsl_cidr_parse("10.9.0.2/24", &c, &e);
	rc = nsl_addr_add(&b, ib, "eth0", &c, &e);
	CHECK(rc == -EEXIST, "duplicate address refused: %s", e.msg);
	nsl_cidr_parse("10.77.0.0/16", &dst, &e);
	nsl_cidr_parse("10.9.0.2", &gw, &e);
	CHECK(nsl_route_add(&a, &dst, &gw, 0, NULL, -1, 0, &e) == 0, "route via b");
	nsl_cidr_parse("10.50.0.9", &gw, &e);
	rc = nsl_route_add(&a, &dst, &gw, 0, NULL, 5, 0, &e);
	CHECK(rc < 0 && strstr(e.msg, "not on any connected network"), "unreachable gateway: %s", e.msg);
	CHECK(nsl_sysctl_set(&a, "net.ipv4.ip_forward", "1", val, sizeof val, &e) == 0 &&
	      !strcmp(val, "0"), "sysctl set, old value 0");
	CHECK(nsl_sysctl_get(&a, "net.ipv4.ip_forward", val, sizeof val, &e) == 0 &&
	      !strcmp(val, "1"), "sysctl reads back 1");
	CHECK(nsl_sysctl_get(&b, "net.ipv4.ip_forward", val, sizeof val, &e) == 0 &&
	      !strcmp(val, "0"), "b's sysctl is its own");
	rc = nsl_sysctl_get(&a, "net.ipv4.no_such_thing", val, sizeof val, &e);
	CHECK(rc < 0 && strstr(e.msg, "unknown sysctl"), "unknown sysctl: %s", e.msg);
	CHECK(nsl_nat_run(&a, "add table inet t\nadd chain inet t c { type filter hook forward priority 0; }", NULL, &e) == 0, "nft table in a");
	CHECK(nsl_nat_run(&a, "list tables", &out, &e) == 0 && strstr(out, "inet t"), "nft lists it");
	CHECK(nsl_nat_run(&b, "list tables", &out, &e) == 0 && !strstr(out, "inet t"), "b has no such table");
	rc = nsl_nat_run(&a, "add rule inet t nope accept", NULL, &e);
	CHECK(rc < 0 && strstr(e.msg, "nft in t.a"), "bad nft reported: %s", e.msg);
	{
		char *argv[] = { "ping", "-c", "1", "-W", "2", "10.9.0.2", NULL };
		struct nsl_exec_opts o = { .nsfd = a.fd, .nsname = "t.a", .hostname = "alpha" };
		struct nsl_exec_result r;
		char *hn[] = { "hostname", NULL };
		char *nope[] = { "/no/such/program", NULL };

		CHECK(nsl_exec_run(argv, &o, &r, &e) == 0 && r.status == 0, "ping a -> b (status %d)", r.status);
		nsl_exec_result_free(&r);
		CHECK(nsl_exec_run(hn, &o, &r, &e) == 0 && !strcmp(r.out, "alpha\n"), "hostname inside is alpha");
		nsl_exec_result_free(&r);
		rc = nsl_exec_run(nope, &o, &r, &e);
		CHECK(rc < 0 && strstr(e.msg, "No such file"), "missing program: %s", e.msg);
		nsl_exec_result_free(&r);
	}
	nsl_nat_release(&a);
	nsl_nat_release(&b);
	nsl_netns_close(&a);
	nsl_netns_close(&b);
	CHECK(nsl_netns_delete("t.a", &e) == 0 && !nsl_netns_exists("t.a"), "delete t.a");
	CHECK(nsl_netns_delete("t.b", &e) == 0, "delete t.b");
	CHECK(nsl_netns_delete("t.b", &e) == -ENOENT, "second delete says ENOENT");
	printf("%d passed, %d failed\n", passes, fails);
	return fails != 0;
}
