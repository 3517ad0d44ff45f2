/*
 * floor.c - the C floor of the nslab benchmark (issue 7).
 *
 * Builds the benchmark topologies with nothing but libnl-3/libnl-route-3
 * and a handful of syscalls, no Lua and no child process, so that the
 * other contenders can be compared against "the speed of the kernel".
 *
 *   floor linear N PREFIX   chain PREFIX1 .. PREFIXN, /30 per link
 *   floor star   N PREFIX   PREFIXsw holds bridge br0, PREFIX1..N on it, 10.0.0.0/16
 *   floor down   N PREFIX   unpin PREFIX1..N and PREFIXsw (if present)
 *
 * Every node is a named network namespace pinned the way iproute2 pins
 * it: /run/netns is a shared bind mount of itself, the pin is an O_EXCL
 * file, the namespace is made with unshare(CLONE_NEWNET) in-process and
 * bind-mounted from /proc/self/ns/net onto the pin, and we setns() back to
 * the namespace we started in.  Each namespace gets one NETLINK_ROUTE
 * socket, opened while inside it.  A veth pair is created by one
 * RTM_NEWLINK with both ends placed straight into their namespaces
 * (IFLA_NET_NS_FD on the link and on its peer) and already up, so no
 * interface ever exists in the host namespace.
 *
 * The star's bridge gets a fixed MAC at creation; without one it takes the
 * lowest MAC of its ports and changes it (with notifications and FDB
 * updates) as ports join: 6.5 s instead of 4.7 s for N = 1000 here.
 *
 * Sockets and namespace fds are closed as soon as a node is finished, so
 * N = 1000 needs no raised open-files limit.
 *
 * On any failure the program removes every pin it made and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#define NETNS_RUN_DIR "/run/netns"
#define MAX_NODES 4096

struct node {
	char name[64];
	int nsfd;
	struct nl_sock *sk;
};

static int orig_ns = -1;
static char (*made)[64];	/* pins created, for rollback */
static int nmade;

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "floor: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* roll back: unpin what we made, newest first */
	while (nmade > 0) {
		char path[128];

		nmade--;
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", made[nmade]);
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	exit(1);
}

/* Like iproute2: make /run/netns a shared mount, bind-mounting it onto
 * itself first when it is not a mount point yet. */
static void netns_dir_init(void)
{
	int bound = 0;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", NETNS_RUN_DIR, strerror(errno));
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || bound)
			die("mount --make-shared %s: %s", NETNS_RUN_DIR, strerror(errno));
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			die("mount --bind %s: %s", NETNS_RUN_DIR, strerror(errno));
		bound = 1;
	}
}

/* Set interface ifindex of n up. */
static void link_up(struct node *n, int ifindex)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	int err;

	if (!orig || !chg)
		die("out of memory");
	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_set_ifindex(chg, ifindex);
	rtnl_link_set_flags(chg, IFF_UP);
	err = rtnl_link_change(n->sk, orig, chg, 0);
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	if (err < 0)
		die("link %d up in %s: %s", ifindex, n->name, nl_geterror(err));
}

/* The same lab as nslab's: nslab turns IPv6 duplicate address detection
 * off in every namespace it makes (docs/design.md, "IPv6 without
 * waiting"), so link-local addresses work at once, and the router
 * solicitations and MLD reports that follow are flooded by the star's
 * bridge during the build. The floor makes the same write, in the new
 * namespace, so both build the same state and pay for the same traffic
 * (docs/bench.md, "The star's gap"). FLOOR_KEEP_DAD=1 leaves DAD on, to
 * measure what that write costs. "all" is left alone: a new namespace
 * starts it at 0 unless devconf_inherit_init_net says otherwise, which
 * is not the case on the machines we bench on. */
static void no_dad(void)
{
	static int keep = -1;
	int fd;

	if (keep < 0)
		keep = getenv("FLOOR_KEEP_DAD") && strcmp(getenv("FLOOR_KEEP_DAD"), "1") == 0;
	if (keep)
		return;
	fd = open("/proc/sys/net/ipv6/conf/default/accept_dad", O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return;   /* no IPv6 on this machine: nslab writes nothing either */
	if (fd < 0 || write(fd, "0", 1) != 1)
		die("accept_dad: %s", strerror(errno));
	close(fd);
}

/* Create, pin and open a socket in a new named namespace, then return to
 * the original namespace. */
static void node_open(struct node *n, const char *fmt, ...)
{
	char path[128];
	va_list ap;
	int fd, err;

	va_start(ap, fmt);
	vsnprintf(n->name, sizeof(n->name), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", n->name);

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		unlink(path);
		die("unshare for %s: %s", n->name, strerror(errno));
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		int e = errno;

		setns(orig_ns, CLONE_NEWNET);
		unlink(path);
		die("bind %s: %s", path, strerror(e));
	}
	snprintf(made[nmade++], 64, "%s", n->name);
	no_dad();

	n->nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	n->sk = nl_socket_alloc();
	if (n->nsfd < 0 || !n->sk) {
		setns(orig_ns, CLONE_NEWNET);
		die("open %s: %s", n->name, strerror(errno));
	}
	err = nl_connect(n->sk, NETLINK_ROUTE);
	if (setns(orig_ns, CLONE_NEWNET) < 0)
		die("setns back from %s: %s", n->name, strerror(errno));
	if (err < 0)
		die("netlink socket in %s: %s", n->name, nl_geterror(err));
	link_up(n, 1);	/* lo */
}

static void node_close(struct node *n)
{
	if (n->sk)
		nl_socket_free(n->sk);
	if (n->nsfd >= 0)
		close(n->nsfd);
	n->sk = NULL;
	n->nsfd = -1;
}

static int ifindex_of(struct node *n, const char *ifname)
{
	struct rtnl_link *l;
	int err, idx;

	err = rtnl_link_get_kernel(n->sk, 0, ifname, &l);
	if (err < 0)
		die("look up %s in %s: %s", ifname, n->name, nl_geterror(err));
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

/* One RTM_NEWLINK: veth `aname` in a (optionally enslaved to master) and
 * up, peer `bname` in b.  Sent through a's socket.  The peer cannot be
 * created up in the same request: the kernel configures it before the
 * pair is joined and veth_open() then fails with ENOTCONN; so it is set up
 * by link_up() through b's own socket. */
static void veth(struct node *a, const char *aname, int master,
		 struct node *b, const char *bname)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *peer;
	int err;

	if (!l)
		die("out of memory");
	rtnl_link_set_name(l, aname);
	rtnl_link_set_ns_fd(l, a->nsfd);
	rtnl_link_set_flags(l, IFF_UP);
	if (master)
		rtnl_link_set_master(l, master);
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, bname);
	rtnl_link_set_ns_fd(peer, b->nsfd);
	rtnl_link_put(peer);
	err = rtnl_link_add(a->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (err < 0)
		die("veth %s/%s -- %s/%s: %s", a->name, aname, b->name, bname,
		    nl_geterror(err));
}

static void addr(struct node *n, int ifindex, const char *cidr)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;
	int err;

	if (!a)
		die("out of memory");
	err = nl_addr_parse(cidr, AF_INET, &local);
	if (err < 0)
		die("address %s: %s", cidr, nl_geterror(err));
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, nl_addr_get_prefixlen(local));
	nl_addr_put(local);
	err = rtnl_addr_add(n->sk, a, 0);
	rtnl_addr_put(a);
	if (err < 0)
		die("address %s on %s/%d: %s", cidr, n->name, ifindex, nl_geterror(err));
}

/* Link i (0-based) joins node i+1 and node i+2 with 10.0.0.0/8 + 4i /30. */
static void linear(int n, const char *prefix)
{
	struct node prev = { .nsfd = -1 }, cur = { .nsfd = -1 };
	char a[32], b[32];

	for (int i = 1; i <= n; i++) {
		node_open(&cur, "%s%d", prefix, i);
		if (i > 1) {
			unsigned base = (unsigned)(i - 2) * 4;
			int idx;

			veth(&prev, "eth1", 0, &cur, "eth0");
			snprintf(a, sizeof(a), "10.%u.%u.%u/30", (base >> 16) & 255,
				 (base >> 8) & 255, (base & 255) + 1);
			snprintf(b, sizeof(b), "10.%u.%u.%u/30", (base >> 16) & 255,
				 (base >> 8) & 255, (base & 255) + 2);
			addr(&prev, ifindex_of(&prev, "eth1"), a);
			idx = ifindex_of(&cur, "eth0");
			link_up(&cur, idx);
			addr(&cur, idx, b);
			node_close(&prev);
		}
		prev = cur;
		cur = (struct node){ .nsfd = -1 };
	}
	node_close(&prev);
}

/* Switch namespace PREFIXsw with bridge br0; node i gets eth0 with
 * 10.0.(i/256).(i%256)/16, its peer p<i> is a port of br0. */
static void star(int n, const char *prefix)
{
	struct node sw = { .nsfd = -1 }, cur = { .nsfd = -1 };
	struct rtnl_link *br;
	char port[IFNAMSIZ], cidr[32];
	int err, bridx, idx;

	node_open(&sw, "%ssw", prefix);
	br = rtnl_link_alloc();
	if (!br)
		die("out of memory");
	rtnl_link_set_type(br, "bridge");
	rtnl_link_set_name(br, "br0");
	{	/* a fixed MAC: else the bridge re-takes the lowest port MAC as
		 * ports join, with a notification and FDB update each time */
		struct nl_addr *mac;

		if (nl_addr_parse("02:00:00:00:00:01", AF_LLC, &mac) == 0) {
			rtnl_link_set_addr(br, mac);
			nl_addr_put(mac);
		}
	}
	rtnl_link_set_flags(br, IFF_UP);
	err = rtnl_link_add(sw.sk, br, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(br);
	if (err < 0)
		die("bridge br0 in %s: %s", sw.name, nl_geterror(err));
	bridx = ifindex_of(&sw, "br0");

	for (int i = 1; i <= n; i++) {
		node_open(&cur, "%s%d", prefix, i);
		snprintf(port, sizeof(port), "p%d", i);
		veth(&sw, port, bridx, &cur, "eth0");
		snprintf(cidr, sizeof(cidr), "10.0.%d.%d/16", i / 256, i % 256);
		idx = ifindex_of(&cur, "eth0");
		link_up(&cur, idx);
		addr(&cur, idx, cidr);
		node_close(&cur);
	}
	node_close(&sw);
}

static int unpin(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	if (umount2(path, MNT_DETACH) < 0 && errno != ENOENT && errno != EINVAL)
		fprintf(stderr, "floor: umount %s: %s\n", path, strerror(errno));
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "floor: unlink %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 1;
}

static void down(int n, const char *prefix)
{
	char name[64];
	int bad = 0;

	for (int i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		bad |= unpin(name) < 0;
	}
	snprintf(name, sizeof(name), "%ssw", prefix);
	bad |= unpin(name) < 0;
	if (bad)
		exit(1);
}

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc != 4) {
		fprintf(stderr, "usage: floor linear|star|down N PREFIX\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end || n < 1 || n > MAX_NODES) {
		fprintf(stderr, "floor: N must be 1..%d\n", MAX_NODES);
		return 2;
	}
	if (strncmp(argv[3], "nsb", 3) || strlen(argv[3]) > 40 || strchr(argv[3], '/')) {
		fprintf(stderr, "floor: PREFIX must start with \"nsb\", no '/', at most 40 bytes\n");
		return 2;
	}
	if (!strcmp(argv[1], "down")) {
		down((int)n, argv[3]);
		return 0;
	}
	made = calloc((size_t)n + 1, sizeof(*made));
	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!made || orig_ns < 0)
		die("start: %s", strerror(errno));
	netns_dir_init();
	if (!strcmp(argv[1], "linear"))
		linear((int)n, argv[3]);
	else if (!strcmp(argv[1], "star"))
		star((int)n, argv[3]);
	else {
		fprintf(stderr, "usage: floor linear|star|down N PREFIX\n");
		return 2;
	}
	return 0;
}
