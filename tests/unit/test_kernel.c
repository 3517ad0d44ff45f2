/* test_kernel.c — netns, link, addr and route as the kernel sees them.
 * The test unshares its own network and mount namespaces with a private
 * /run, so the host never sees a thing; every check asks the kernel from
 * inside the node (if_nametoindex, ioctl, getifaddrs, /proc/net), not
 * nslab's own bookkeeping. As root. */
#define _GNU_SOURCE
#include "netns.h"
#include "link.h"
#include "addr.h"
#include "route.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct nsl_err e = { 0, "" };
static int home = -1;

/* Enter ns for a look; back with leave(). */
static void enter(const struct nsl_ns *ns)
{
	if (setns(ns->fd, CLONE_NEWNET) < 0) {
		printf("not ok - enter %s (%s)\n", ns->name, strerror(errno));
		exit(1);
	}
}

static void leave(void)
{
	(void)setns(home, CLONE_NEWNET);
}

static int ifindex_in(const struct nsl_ns *ns, const char *name)
{
	int i;

	enter(ns);
	i = (int)if_nametoindex(name);
	leave();
	return i;
}

/* ioctl on a socket made inside ns: the interface's flags or MTU. */
static int if_ioctl(const struct nsl_ns *ns, const char *name, unsigned long req)
{
	struct ifreq r;
	int fd, v = -1;

	enter(ns);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	leave();
	memset(&r, 0, sizeof r);
	snprintf(r.ifr_name, sizeof r.ifr_name, "%s", name);
	if (fd >= 0 && ioctl(fd, req, &r) == 0)
		v = req == SIOCGIFMTU ? r.ifr_mtu : r.ifr_flags;
	if (fd >= 0)
		close(fd);
	return v;
}

/* Whether ifname in ns holds addr (text, as inet_ntop writes it). */
static int has_addr(const struct nsl_ns *ns, const char *ifname, const char *addr)
{
	struct ifaddrs *all, *a;
	char buf[INET6_ADDRSTRLEN];
	int found = 0;

	enter(ns);
	if (getifaddrs(&all) < 0) {
		leave();
		return 0;
	}
	leave();
	for (a = all; a; a = a->ifa_next) {
		const void *p;

		if (!a->ifa_addr || strcmp(a->ifa_name, ifname))
			continue;
		if (a->ifa_addr->sa_family == AF_INET)
			p = &((struct sockaddr_in *)a->ifa_addr)->sin_addr;
		else if (a->ifa_addr->sa_family == AF_INET6)
			p = &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(a->ifa_addr->sa_family, p, buf, sizeof buf) && !strcmp(buf, addr))
			found = 1;
	}
	freeifaddrs(all);
	return found;
}

/* Whether /proc/net/route of ns has dst/gw (hex as the kernel writes them). */
static int has_route4(const struct nsl_ns *ns, const char *dev, const char *dst_hex,
		      const char *gw_hex)
{
	char line[256], want[128];
	int found = 0, fd;
	FILE *f;

	enter(ns);
	fd = open("/proc/thread-self/net/route", O_RDONLY | O_CLOEXEC);
	leave();
	if (fd < 0 || !(f = fdopen(fd, "r")))
		return 0;
	snprintf(want, sizeof want, "%s\t%s\t%s\t", dev, dst_hex, gw_hex);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, want, strlen(want)))
			found = 1;
	fclose(f);
	return found;
}

/* Wait (poll) until name is gone from ns; the kernel frees a deleted
 * namespace's devices asynchronously. */
static int gone_in(const struct nsl_ns *ns, const char *name)
{
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (!ifindex_in(ns, name))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

int main(void)
{
	struct nsl_ns a, b;
	struct nsl_veth_opts vo = { .mtu = 1400, .mac_a = "02:00:00:00:00:0a" };
	struct nsl_link_change down = { .state = NSL_LINK_DOWN, .mtu = 1300 };
	struct nsl_cidr c, dst, gw;
	int ia = 0, ib = 0, br = 0, rc;
	struct stat st;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount("", "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, NULL) < 0) {
		printf("not ok - isolate test (%s): run as root\n", strerror(errno));
		return 1;
	}
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	TAP_CHECK(nsl_netns_prepare(&e) == 0, e.msg, "prepare /run/netns");
	TAP_CHECK(nsl_netns_create("k.a", &a, &e) == 0 && nsl_netns_create("k.b", &b, &e) == 0,
		  e.msg, "create k.a and k.b");
	TAP_CHECK(stat("/run/netns/k.a", &st) == 0, strerror(errno), "k.a is pinned");
	TAP_CHECK(if_ioctl(&a, "lo", SIOCGIFFLAGS) & IFF_UP, "down", "loopback is up in k.a");

	/* link */
	TAP_CHECK(nsl_link_veth(&a, "eth0", &b, "eth0", &vo, &ia, &ib, &e) == 0, e.msg, "veth");
	TAP_CHECK(ifindex_in(&a, "eth0") == ia && ifindex_in(&b, "eth0") == ib, "index",
		  "each end in its namespace, at the index nslab expected (%d, %d)", ia, ib);
	TAP_CHECK(!if_nametoindex("eth0"), "found", "no end in the test's own namespace");
	TAP_CHECK(if_ioctl(&a, "eth0", SIOCGIFMTU) == 1400 && if_ioctl(&b, "eth0", SIOCGIFMTU) == 1400,
		  "mtu", "both ends have MTU 1400");
	TAP_CHECK((if_ioctl(&a, "eth0", SIOCGIFFLAGS) & IFF_UP) &&
		  (if_ioctl(&b, "eth0", SIOCGIFFLAGS) & IFF_UP), "down", "both ends are up");
	TAP_CHECK(nsl_link_set(&b, ib, "eth0", &down, &e) == 0, e.msg, "set b's end down, MTU 1300");
	TAP_CHECK(!(if_ioctl(&b, "eth0", SIOCGIFFLAGS) & IFF_UP) &&
		  if_ioctl(&b, "eth0", SIOCGIFMTU) == 1300, "flags", "the kernel has it down at 1300");
	TAP_CHECK(nsl_link_set(&b, ib, "eth0", &(struct nsl_link_change){ .state = NSL_LINK_UP },
			       &e) == 0 && (if_ioctl(&b, "eth0", SIOCGIFFLAGS) & IFF_UP) &&
		  if_ioctl(&b, "eth0", SIOCGIFMTU) == 1300, e.msg, "up again, MTU kept");
	rc = nsl_link_set(&b, 999, "nope", &(struct nsl_link_change){ .state = NSL_LINK_UP }, &e);
	TAP_CHECK(rc == -ENODEV && strstr(e.msg, "\"nope\" in k.b: No such device"), e.msg,
		  "the kernel's own errno: %s", e.msg);
	TAP_CHECK(nsl_link_bridge(&a, "br0", 0, &br, &e) == 0 && ifindex_in(&a, "br0") == br,
		  e.msg, "bridge br0 in k.a at %d", br);
	rc = nsl_link_bridge(&a, "br0", 0, &br, &e);
	TAP_CHECK(rc == -EEXIST && strstr(e.msg, "bridge \"br0\" in k.a: File exists"), e.msg,
		  "a second br0 is refused: %s", e.msg);

	/* addr */
	nsl_cidr_parse("10.7.0.1/24", &c, &e);
	TAP_CHECK(nsl_addr_add(&a, ia, "eth0", &c, &e) == 0 && has_addr(&a, "eth0", "10.7.0.1"),
		  e.msg, "10.7.0.1/24 on k.a's eth0");
	TAP_CHECK(!has_addr(&b, "eth0", "10.7.0.1"), "leaked", "not on k.b's eth0");
	nsl_cidr_parse("fd00:7::1/64", &c, &e);
	TAP_CHECK(nsl_addr_add(&a, ia, "eth0", &c, &e) == 0 && has_addr(&a, "eth0", "fd00:7::1"),
		  e.msg, "fd00:7::1/64 on k.a's eth0");
	rc = nsl_addr_add(&a, ia, "eth0", &c, &e);
	TAP_CHECK(rc == -EEXIST && strstr(e.msg, "File exists"), e.msg, "twice: %s", e.msg);
	TAP_CHECK(nsl_addr_del(&a, ia, "eth0", &c, &e) == 0 && !has_addr(&a, "eth0", "fd00:7::1"),
		  e.msg, "removed again");
	nsl_cidr_parse("10.7.0.2/24", &c, &e);
	nsl_addr_add(&b, ib, "eth0", &c, &e);

	/* route: 10.8.0.0/16 via 10.7.0.2 reads "0000080A" via "0200070A" (the
	 * kernel prints the network-order word as a host integer) */
	nsl_cidr_parse("10.8.0.0/16", &dst, &e);
	nsl_cidr_parse("10.7.0.2", &gw, &e);
	TAP_CHECK(nsl_route_add(&a, &dst, &gw, 0, NULL, -1, 0, &e) == 0 &&
		  has_route4(&a, "eth0", "0000080A", "0200070A"), e.msg,
		  "route 10.8.0.0/16 via 10.7.0.2 in k.a's table");
	TAP_CHECK(!has_route4(&b, "eth0", "0000080A", "0200070A"), "leaked", "not in k.b's");
	nsl_cidr_parse("10.99.0.1", &gw, &e);
	rc = nsl_route_add(&a, &dst, &gw, 0, NULL, 7, 0, &e);
	TAP_CHECK(rc == -ENETUNREACH && strstr(e.msg, "gateway 10.99.0.1 is not on any connected network"),
		  e.msg, "an unreachable gateway, said plainly");
	nsl_cidr_parse("10.7.0.2", &gw, &e);
	TAP_CHECK(nsl_route_del(&a, &dst, &gw, 0, -1, &e) == 0 &&
		  !has_route4(&a, "eth0", "0000080A", "0200070A"), e.msg, "route removed");
	rc = nsl_route_del(&a, &dst, &gw, 0, -1, &e);
	TAP_CHECK(rc == -ESRCH, e.msg, "removed twice: %s", e.msg);

	/* delete */
	TAP_CHECK(nsl_link_delete(&a, "br0", &e) == 0 && !ifindex_in(&a, "br0"), e.msg,
		  "br0 deleted");
	rc = nsl_link_delete(&a, "br0", &e);
	TAP_CHECK(rc == -ENODEV, e.msg, "deleting it again: %s", e.msg);
	nsl_netns_close(&a);
	TAP_CHECK(nsl_netns_delete("k.a", &e) == 0 && stat("/run/netns/k.a", &st) < 0, e.msg,
		  "k.a deleted and unpinned");
	TAP_CHECK(gone_in(&b, "eth0"), "still there", "the veth went with it, k.b's end too");
	nsl_netns_close(&b);
	TAP_CHECK(nsl_netns_delete("k.b", &e) == 0, e.msg, "k.b deleted");
	return tap_done();
}
