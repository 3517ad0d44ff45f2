/* monitor.c — see monitor.h. */
#define _GNU_SOURCE
#include "monitor.h"
#include "netns.h"
#include "paths.h"
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

struct mnode {
	char name[128];          /* node name (the pin is LAB.name) */
	int attached;            /* 0 = pin seen, not bound to a namespace yet */
	long long seen_ms;       /* when its pin appeared */
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;
	struct nl_sock *sk;      /* for names the link cache has not seen yet */
	struct nsl_monitor *m;
};

struct nsl_monitor {
	char lab[128];
	int ino;                 /* inotify fd */
	int ep;                  /* epoll fd holding every node's socket: a
				  * wake-up costs what is ready, not 1000 sockets */
	int wd_pins, wd_state;
	int wake;                /* an extra fd a poll returns on, -1 = none */
	int lab_up;
	struct mnode **nodes;
	int n, cap;
	/* during a poll: where events go */
	int (*fn)(const struct nsl_mon_event *, void *);
	void *arg;
	int count, stop;
};

static void emit(struct nsl_monitor *m, const char *what, const char *action,
		 const char *node, const char *ifname, const char *detail)
{
	struct nsl_mon_event e = { what, action, node, ifname, detail };

	m->count++;
	if (!m->stop && m->fn(&e, m->arg))
		m->stop = 1;
}

/* The node name of pin NAME if it belongs to our lab, else NULL. */
static const char *node_of_pin(struct nsl_monitor *m, const char *pin)
{
	size_t k = strlen(m->lab);

	if (strncmp(pin, m->lab, k) || pin[k] != '.' || !pin[k + 1])
		return NULL;
	return pin + k + 1;
}

static struct mnode *find(struct nsl_monitor *m, const char *name, int *at)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->nodes[i]->name, name)) {
			if (at)
				*at = i;
			return m->nodes[i];
		}
	return NULL;
}

static const char *ifname_of(struct mnode *n, int ifindex, char *buf, size_t len)
{
	struct rtnl_link *l = n->links ? rtnl_link_get(n->links, ifindex) : NULL;

	/* an address event can come before its link's: ask the kernel */
	if (!l && n->sk && rtnl_link_get_kernel(n->sk, ifindex, NULL, &l) < 0)
		l = NULL;
	if (l) {
		snprintf(buf, len, "%s", rtnl_link_get_name(l));
		rtnl_link_put(l);
	} else
		snprintf(buf, len, "if%d", ifindex);
	return buf;
}

static void link_event(struct mnode *n, struct rtnl_link *l, const char *action)
{
	const char *kind = rtnl_link_get_type(l);

	/* the kernel also reports per-family link info (AF_INET6, AF_BRIDGE)
	 * as separate objects: the interface itself is the AF_UNSPEC one */
	if ((rtnl_link_get_flags(l) & IFF_LOOPBACK) || rtnl_link_get_family(l) != AF_UNSPEC)
		return;
	emit(n->m, "link", action, n->name, rtnl_link_get_name(l),
	     !strcmp(action, "add") ? (kind ? kind : "") : "");
}

static void on_link(struct nl_cache *c, struct nl_object *old, struct nl_object *new,
		    uint64_t diff, int action, void *arg)
{
	struct mnode *n = arg;

	(void)c;
	(void)diff;
	if (action == NL_ACT_NEW && new)
		link_event(n, (struct rtnl_link *)new, "add");
	else if (action == NL_ACT_DEL && (old || new))
		link_event(n, (struct rtnl_link *)(old ? old : new), "del");
	else if (action == NL_ACT_CHANGE && old && new) {
		unsigned a = rtnl_link_get_flags((struct rtnl_link *)old) & IFF_UP;
		unsigned b = rtnl_link_get_flags((struct rtnl_link *)new) & IFF_UP;

		if (a != b)
			link_event(n, (struct rtnl_link *)new, b ? "up" : "down");
	}
}

/* Addresses a person means: not loopback's, not link-local. */
static void addr_event(struct mnode *n, struct rtnl_addr *a, const char *action)
{
	struct nl_addr *local = rtnl_addr_get_local(a);
	char cidr[80], ifname[IFNAMSIZ + 8];

	if (!local || rtnl_addr_get_scope(a) >= RT_SCOPE_LINK)
		return;
	nl_addr2str(local, cidr, sizeof cidr);
	if (!strchr(cidr, '/'))
		snprintf(cidr + strlen(cidr), sizeof cidr - strlen(cidr), "/%u",
			 nl_addr_get_prefixlen(local));
	emit(n->m, "addr", action, n->name,
	     ifname_of(n, rtnl_addr_get_ifindex(a), ifname, sizeof ifname), cidr);
}

static void on_addr(struct nl_cache *c, struct nl_object *old, struct nl_object *new,
		    uint64_t diff, int action, void *arg)
{
	(void)c;
	(void)diff;
	if (action == NL_ACT_NEW && new)
		addr_event(arg, (struct rtnl_addr *)new, "add");
	else if (action == NL_ACT_DEL && (old || new))
		addr_event(arg, (struct rtnl_addr *)(old ? old : new), "del");
}

static void each_link(struct nl_object *o, void *arg)
{
	link_event(arg, (struct rtnl_link *)o, "add");
}

static void each_addr(struct nl_object *o, void *arg)
{
	addr_event(arg, (struct rtnl_addr *)o, "add");
}

/* Open the node's pin and, once it is a namespace, make the cache manager
 * inside it. Returns 1 attached, 0 not yet bound (try again), <0 error. */
static int attach(struct nsl_monitor *m, struct mnode *n, int announce)
{
	char path[PATH_MAX];
	struct nl_cache *links = NULL, *addrs = NULL;
	struct statfs sf;
	int fd, saved = -1, rc;
	struct nsl_err e;

	snprintf(path, sizeof path, "%s/%s.%s", NSL_NETNS_DIR, m->lab, n->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* between O_CREAT and the bind mount the pin is a plain file */
	if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC) {
		close(fd);
		return 0;
	}
	rc = nsl_netns_enter(fd, &saved, &e);
	close(fd);
	if (rc < 0)
		return rc;
	n->sk = nl_socket_alloc();
	if (n->sk) {
		nl_socket_set_local_port(n->sk, 0);
		if (nl_connect(n->sk, NETLINK_ROUTE) < 0) {
			nl_socket_free(n->sk);
			n->sk = NULL;
		}
	}
	/* a cache belongs to the manager only once added: free it ourselves
	 * when adding fails */
	rc = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &n->mngr);
	if (rc == 0 && (rc = nl_cache_alloc_name("route/link", &links)) == 0) {
		rc = nl_cache_mngr_add_cache_v2(n->mngr, links, on_link, n);
		if (rc < 0)
			nl_cache_free(links);
		else
			n->links = links;
	}
	if (rc == 0 && (rc = nl_cache_alloc_name("route/addr", &addrs)) == 0) {
		rc = nl_cache_mngr_add_cache_v2(n->mngr, addrs, on_addr, n);
		if (rc < 0)
			nl_cache_free(addrs);
	}
	nsl_netns_restore(&saved);
	if (rc < 0) {
		if (n->mngr)
			nl_cache_mngr_free(n->mngr);
		n->mngr = NULL;
		n->links = NULL;
		if (n->sk)
			nl_socket_free(n->sk);
		n->sk = NULL;
		return -EIO;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = n };

		(void)epoll_ctl(m->ep, EPOLL_CTL_ADD, nl_cache_mngr_get_fd(n->mngr), &ev);
	}
	n->attached = 1;
	if (announce) {
		/* what the node already held when we got to it */
		emit(m, "node", "add", n->name, NULL, NULL);
		nl_cache_foreach(n->links, each_link, n);
		nl_cache_foreach(addrs, each_addr, n);
	}
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Attach the nodes whose pins are not bound yet, in the order the pins
 * appeared (m->nodes keeps it): a node built later is not announced before
 * one built earlier whose bind mount is a moment away — unless that one has
 * stayed unbound for a second (a pin left by a crash). Returns 1 while one
 * is still pending. */
static int attach_in_order(struct nsl_monitor *m)
{
	int i;

	for (i = 0; i < m->n; i++) {
		struct mnode *n = m->nodes[i];

		if (!n->attached && attach(m, n, 1) == 0 && now_ms() - n->seen_ms < 1000)
			return 1;
	}
	return 0;
}

static struct mnode *add_node(struct nsl_monitor *m, const char *name)
{
	struct mnode *n;

	if (m->n == m->cap) {
		int nc = m->cap ? m->cap * 2 : 16;
		struct mnode **v = realloc(m->nodes, (size_t)nc * sizeof *v);

		if (!v)
			return NULL;
		m->nodes = v;
		m->cap = nc;
	}
	n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	snprintf(n->name, sizeof n->name, "%s", name);
	n->seen_ms = now_ms();
	n->m = m;
	m->nodes[m->n++] = n;
	return n;
}

static void drop_node(struct nsl_monitor *m, int at)
{
	struct mnode *n = m->nodes[at];

	if (n->mngr) {
		(void)epoll_ctl(m->ep, EPOLL_CTL_DEL, nl_cache_mngr_get_fd(n->mngr), NULL);
		nl_cache_mngr_free(n->mngr);   /* frees its caches; our sockets let the namespace go */
	}
	if (n->sk)
		nl_socket_free(n->sk);
	free(n);
	m->nodes[at] = m->nodes[--m->n];
}

static int lab_dir_exists(struct nsl_monitor *m)
{
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof dir, "%s/%s", nsl_paths_state_dir(), m->lab);
	return stat(dir, &st) == 0;
}

int nsl_monitor_open(const char *lab, struct nsl_monitor **out, struct nsl_err *err)
{
	struct nsl_monitor *m;
	struct dirent *d;
	DIR *dir;
	int rc;

	char entry[NSL_PATHS_ENTRY_MAX];

	/* m->lab: the lab's entry, its state directory's name and the prefix
	 * of its namespaces (NAME, or NAME@UID for a sudo user's; paths.h) */
	if (nsl_paths_lab_entry(lab, entry, sizeof entry) < 0)
		return nsl_err_fail_quiet(err, EINVAL, "\"%s\" is not a lab name (see `nslab ls`)", lab);
	m = calloc(1, sizeof *m);
	if (!m)
		return nsl_err_fail(err, ENOMEM, "monitor");
	snprintf(m->lab, sizeof m->lab, "%s", entry);
	m->wake = -1;
	m->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	if (m->ino < 0 || m->ep < 0) {
		rc = nsl_err_fail(err, errno, m->ino < 0 ? "inotify" : "epoll");
		goto fail;
	}
	if ((rc = nsl_netns_prepare(err)) < 0)
		goto fail;
	(void)mkdir(nsl_paths_state_dir(), 0700);
	m->wd_pins = inotify_add_watch(m->ino, NSL_NETNS_DIR, IN_CREATE | IN_DELETE |
				       IN_MOVED_FROM | IN_MOVED_TO);
	m->wd_state = inotify_add_watch(m->ino, nsl_paths_state_dir(), IN_CREATE | IN_DELETE |
					IN_MOVED_FROM | IN_MOVED_TO);
	if (m->wd_pins < 0 || m->wd_state < 0) {
		rc = nsl_err_fail(err, errno, "cannot watch %s and %s", NSL_NETNS_DIR, nsl_paths_state_dir());
		goto fail;
	}
	m->lab_up = lab_dir_exists(m);
	dir = opendir(NSL_NETNS_DIR);
	while (dir && (d = readdir(dir))) {
		const char *node = node_of_pin(m, d->d_name);
		struct mnode *n;

		if (!node || !(n = add_node(m, node)))
			continue;
		(void)attach(m, n, 0);
	}
	if (dir)
		closedir(dir);
	*out = m;
	return 0;
fail:
	nsl_monitor_close(m);
	return rc;
}

static void on_inotify(struct nsl_monitor *m)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(m->ino, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			int gone = ev->mask & (IN_DELETE | IN_MOVED_FROM);

			p += sizeof *ev + ev->len;
			if (!ev->len)
				continue;
			if (ev->wd == m->wd_state) {
				if (strcmp(ev->name, m->lab))
					continue;
				if (gone && m->lab_up) {
					m->lab_up = 0;
					emit(m, "lab", "down", NULL, NULL, NULL);
				} else if (!gone && !m->lab_up) {
					m->lab_up = 1;
					emit(m, "lab", "up", NULL, NULL, NULL);
				}
			} else if (ev->wd == m->wd_pins) {
				const char *node = node_of_pin(m, ev->name);
				struct mnode *n;
				int at;

				if (!node)
					continue;
				n = find(m, node, &at);
				if (gone && n) {
					int was = n->attached;

					drop_node(m, at);
					if (was)
						emit(m, "node", "del", node, NULL, NULL);
				} else if (!gone && !n) {
					(void)add_node(m, node);
				}
			}
		}
	}
	(void)attach_in_order(m);
}

int nsl_monitor_poll(struct nsl_monitor *m, int timeout_ms,
		     int (*fn)(const struct nsl_mon_event *e, void *arg), void *arg,
		     struct nsl_err *err)
{
	struct pollfd pf[3];
	int i, np, pending = 0, rc;

	m->fn = fn;
	m->arg = arg;
	m->count = 0;
	m->stop = 0;
	/* pins seen before their bind mount: try them again first */
	pending = attach_in_order(m);
	if (m->count)
		return m->count;
	pf[0].fd = m->ino;
	pf[0].events = POLLIN;
	pf[1].fd = m->ep;
	pf[1].events = POLLIN;
	np = 2;
	if (m->wake >= 0) {
		pf[np].fd = m->wake;
		pf[np++].events = POLLIN;
	}
	/* a pending pin is bound within moments: look again soon */
	if (pending && (timeout_ms < 0 || timeout_ms > 10))
		timeout_ms = 10;
	rc = poll(pf, (nfds_t)np, timeout_ms);
	if (rc < 0) {
		rc = -errno;
		return rc == -EINTR ? rc : nsl_err_fail(err, -rc, "monitor: poll");
	}
	/* node sockets first: a link's last events come before its pin goes */
	if (pf[1].revents & POLLIN) {
		/* more ready than this: the next poll returns at once for them */
		struct epoll_event ev[256];
		int k = epoll_wait(m->ep, ev, 256, 0);

		for (i = 0; i < k; i++) {
			struct mnode *n = ev[i].data.ptr;

			nl_cache_mngr_data_ready(n->mngr);
		}
	}
	if (pf[0].revents & POLLIN)
		on_inotify(m);
	return m->count;
}

void nsl_monitor_wake_on(struct nsl_monitor *m, int fd)
{
	m->wake = fd;
}

void nsl_monitor_close(struct nsl_monitor *m)
{
	if (!m)
		return;
	while (m->n > 0)
		drop_node(m, m->n - 1);
	free(m->nodes);
	if (m->ino >= 0)
		close(m->ino);
	if (m->ep >= 0)
		close(m->ep);
	free(m);
}
