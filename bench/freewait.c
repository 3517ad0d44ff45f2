/*
 * freewait.c - wait until the kernel has really freed the benchmark's
 * network namespaces, and say when.
 *
 *   freewait [-p PREFIX] [-t SECONDS] [-b SLAB_BASELINE] [INODE...]
 *   freewait -c            calibrate: the sentinel step alone
 *
 * Prints one line:  visible=<ns> freed=<ns> slab=<ns>|slab=0
 * (CLOCK_MONOTONIC, nanoseconds) and exits 0, or exits 1 with a message
 * when the timeout passes.
 *
 * Step 1 (visible): poll, every 0.5 ms, until
 *   - /run/netns holds no entry starting with PREFIX (default "nsb"),
 *   - no interface starting with PREFIX is left in our (the root) namespace,
 *   - none of the given namespace inodes is still reachable: not the
 *     network namespace of any task (/proc/PID/task/TID/ns/net) and not an
 *     nsfs bind mount (/proc/self/mountinfo).
 * Then no pin, process or mount holds a benchmark namespace: the kernel has
 * queued every one of them for destruction, but may not have destroyed
 * them yet (that is done later by the "netns" workqueue, cleanup_net()).
 *
 * Step 2 (freed): two sentinels.  The kernel destroys namespaces on one
 * ordered workqueue: each pass of cleanup_net() takes every namespace
 * queued so far as one batch and runs it to the end before the next pass.
 * A sentinel is a throw-away namespace S with a veth pair whose other end
 * lives in an observer namespace O; we drop S and wait on O's netlink socket
 * for the RTM_DELLINK of that end, sent when the pass holding S tears down
 * devices -- early in that pass.  S1 may share its pass with the last lab
 * namespaces, so its RTM_DELLINK only proves that pass has started; S2,
 * dropped after that, must go to a later pass, so its RTM_DELLINK proves
 * the pass holding the lab namespaces has run to its end.  The figure
 * includes the two sentinels' own cost; `freewait -c` measures that alone.
 *
 * Step 3 (slab, only with -b): the struct net itself (a few KiB) is
 * returned to the allocator later still: cleanup_net() defers the final
 * free to a later pass of the worker.  With -b BASE we issue a sentinel
 * every 100 ms (each one is such a later pass) until the in-use object
 * count of the net_namespace slab cache is at most BASE + one slab's worth
 * of objects, for at most 5 s.  SLUB counts free objects sitting in per-CPU
 * slabs as in use, so this count is only exact to a few slabs: it is
 * reported beside the figures, not used as the "freed" figure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <linux/rtnetlink.h>

static const char *prefix = "nsb";
static unsigned long *inodes;
static int ninodes;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int wanted(unsigned long ino)
{
	for (int i = 0; i < ninodes; i++)
		if (inodes[i] == ino)
			return 1;
	return 0;
}

static int pins_left(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static int links_left(void)
{
	struct if_nameindex *ifs = if_nameindex(), *p;
	int n = 0;

	if (!ifs)
		return 0;
	for (p = ifs; p->if_index; p++)
		if (!strncmp(p->if_name, prefix, strlen(prefix)))
			n++;
	if_freenameindex(ifs);
	return n;
}

/* Is any of our inodes the net namespace of a task? */
static int tasks_hold(void)
{
	DIR *pd = opendir("/proc"), *td;
	struct dirent *p, *t;
	char path[600];
	struct stat st;
	int n = 0;

	if (!pd)
		return 0;
	while (!n && (p = readdir(pd))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		td = opendir(path);
		if (!td)
			continue;
		while ((t = readdir(td))) {
			if (t->d_name[0] < '0' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net",
				 p->d_name, t->d_name);
			if (stat(path, &st) == 0 && wanted(st.st_ino)) {
				n = 1;
				break;
			}
		}
		closedir(td);
	}
	closedir(pd);
	return n;
}

/* Is any of our inodes still bind-mounted somewhere ("net:[INODE]")? */
static int mounts_hold(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], *s;
	int n = 0;

	if (!f)
		return 0;
	while (!n && fgets(line, sizeof(line), f)) {
		s = strstr(line, "net:[");
		if (s && wanted(strtoul(s + 5, NULL, 10)))
			n = 1;
	}
	fclose(f);
	return n;
}

static int sentinel(long long deadline, long long *done)
{
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ofd = -1, sfd = -1, err, peer_idx = 0, ret = -1;
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *l = NULL, *peer, *got = NULL;
	char buf[65536];

	if (orig < 0 || !sk)
		goto out;
	if (unshare(CLONE_NEWNET) < 0)
		goto out;
	ofd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	err = nl_connect(sk, NETLINK_ROUTE);
	if (ofd < 0 || err < 0)
		goto back;
	if (unshare(CLONE_NEWNET) < 0)
		goto back;
	sfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
back:
	if (setns(orig, CLONE_NEWNET) < 0) {
		perror("freewait: setns back");
		exit(1);
	}
	if (sfd < 0)
		goto out;

	l = rtnl_link_veth_alloc();
	rtnl_link_set_name(l, "nsbsentinel");
	rtnl_link_set_ns_fd(l, sfd);
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, "nsbobserver");
	rtnl_link_set_ns_fd(peer, ofd);
	rtnl_link_put(peer);
	err = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0) {
		fprintf(stderr, "freewait: sentinel veth: %s\n", nl_geterror(err));
		goto out;
	}
	err = rtnl_link_get_kernel(sk, 0, "nsbobserver", &got);
	if (err < 0)
		goto out;
	peer_idx = rtnl_link_get_ifindex(got);
	/* subscribe only now, so the acks above are not mixed with events */
	nl_socket_add_membership(sk, RTNLGRP_LINK);
	close(sfd);		/* last reference to S: it is queued now */
	sfd = -1;

	/* read raw messages until RTM_DELLINK for peer_idx */
	for (;;) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(sk), .events = POLLIN };
		long long left = (deadline - now_ns()) / 1000000;
		ssize_t len;

		if (left <= 0) {
			fprintf(stderr, "freewait: timeout waiting for the sentinel\n");
			goto out;
		}
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		len = recv(pfd.fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == ENOBUFS)
				continue;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct ifinfomsg *ifi = NLMSG_DATA(h);

			if (h->nlmsg_type == RTM_DELLINK && ifi->ifi_index == peer_idx) {
				*done = now_ns();
				ret = 0;
				goto out;
			}
		}
	}
out:
	if (got)
		rtnl_link_put(got);
	if (l)
		rtnl_link_put(l);
	if (sk)
		nl_socket_free(sk);
	if (sfd >= 0)
		close(sfd);
	if (ofd >= 0)
		close(ofd);
	if (orig >= 0)
		close(orig);
	return ret;
}

static long slab_read(const char *file)
{
	char path[128], buf[64];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/sys/kernel/slab/net_namespace/%s", file);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	long base = -1;
	double timeout = 120;
	long long t0 = now_ns(), deadline, visible, freed = 0;
	int c, calibrate = 0;

	while ((c = getopt(argc, argv, "p:t:cb:")) != -1) {
		switch (c) {
		case 'p': prefix = optarg; break;
		case 't': timeout = atof(optarg); break;
		case 'c': calibrate = 1; break;
		case 'b': base = atol(optarg); break;
		default:
			fprintf(stderr, "usage: freewait [-c] [-p PREFIX] [-t SECONDS] [INODE...]\n");
			return 2;
		}
	}
	if (strncmp(prefix, "nsb", 3)) {
		fprintf(stderr, "freewait: PREFIX must start with nsb\n");
		return 2;
	}
	ninodes = argc - optind;
	inodes = calloc((size_t)ninodes + 1, sizeof(*inodes));
	for (int i = 0; i < ninodes; i++)
		inodes[i] = strtoul(argv[optind + i], NULL, 10);
	deadline = t0 + (long long)(timeout * 1e9);

	if (!calibrate) {
		for (;;) {
			if (!pins_left() && !links_left() && (!ninodes ||
			    (!mounts_hold() && !tasks_hold())))
				break;
			if (now_ns() > deadline) {
				fprintf(stderr, "freewait: timeout: pins=%d links=%d mounts=%d tasks=%d\n",
					pins_left(), links_left(), ninodes ? mounts_hold() : 0,
					ninodes ? tasks_hold() : 0);
				return 1;
			}
			usleep(500);
		}
	}
	visible = now_ns();
	if (sentinel(deadline, &freed) < 0 || sentinel(deadline, &freed) < 0) {
		fprintf(stderr, "freewait: sentinel failed\n");
		return 1;
	}
	long long slab = 0;
	long per = slab_read("objs_per_slab");

	if (base >= 0 && per > 0) {
		long long stop = freed + 5000000000LL, next = now_ns() + 100000000LL, tmp;

		while (now_ns() < stop) {
			long cur = slab_read("objects");

			if (cur >= 0 && cur <= base + per) {
				slab = now_ns();
				break;
			}
			if (now_ns() >= next) {
				sentinel(deadline, &tmp);
				next = now_ns() + 100000000LL;
			}
			usleep(1000);
		}
	}
	printf("visible=%lld freed=%lld slab=%lld\n", visible, freed, slab);
	return 0;
}
