/* netns.c — create, pin, open, enter and delete network namespaces.
 *
 * A node's namespace is made in-process: unshare(CLONE_NEWNET), bind-mount
 * our own /proc/thread-self/ns/net on /run/netns/NAME, open the netlink
 * socket while still inside (it stays bound to that namespace), then setns
 * back. No process is spawned. Pins behave exactly like `ip netns add`. */
#define _GNU_SOURCE
#include "netns.h"
#include "procsys.h"
#include "paths.h"
#include "nlerr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "names.h"

#define SELF_NS "/proc/thread-self/ns/net"

/* An invalid name ("..", "a/b") yields a path that cannot exist, so
 * every open, create, unlink and umount on it fails with ENOENT. */
static void pin_path(char *buf, size_t len, const char *name)
{
	if (nsl_names_pin_valid(name))
		snprintf(buf, len, "%s/%s", NSL_NETNS_DIR, name);
	else
		snprintf(buf, len, "%s/.invalid/", NSL_NETNS_DIR);
}

/* Make /run/netns a shared mount of itself, as iproute2 does on first use,
 * so pins made by nslab and by `ip netns add` propagate alike. */
int nsl_netns_prepare(struct nsl_err *err)
{
	int rc;

	if (mkdir(NSL_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return nsl_err_fail(err, errno, "cannot create %s", NSL_NETNS_DIR);
	/* a pin directory someone else may write could hold their pins
	 * under our lab's names */
	rc = nsl_paths_trusted(NSL_NETNS_DIR, "the namespace directory", err);
	if (rc < 0)
		return rc;
	if (mount("", NSL_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return nsl_err_fail(err, errno, "cannot make %s shared", NSL_NETNS_DIR);
	/* not a mount point yet: bind it onto itself, then share it */
	if (mount(NSL_NETNS_DIR, NSL_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return nsl_err_fail(err, errno, "cannot bind-mount %s", NSL_NETNS_DIR);
	if (mount("", NSL_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return nsl_err_fail(err, errno, "cannot make %s shared", NSL_NETNS_DIR);
	return 0;
}

long nsl_netns_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return (long)rl.rlim_cur;
}

/* The namespace nslab runs in, opened once and kept: every step into a
 * node returns here (nslab never stays in a node, nor enters one from
 * another), and opening /proc/thread-self/ns/net per step was a third of
 * the opens of a lab build. */
static int home_fd = -1;

static int home(void)
{
	if (home_fd < 0)
		home_fd = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	return home_fd;
}

int nsl_netns_enter(int fd, int *saved, struct nsl_err *err)
{
	*saved = home();
	if (*saved < 0)
		return nsl_err_fail(err, errno, "cannot open %s", SELF_NS);
	if (setns(fd, CLONE_NEWNET) < 0) {
		*saved = -1;
		return nsl_err_fail(err, errno, "cannot enter network namespace");
	}
	return 0;
}

void nsl_netns_restore(int *saved)
{
	if (*saved >= 0) {
		/* cannot fail for a namespace we were just in */
		(void)setns(*saved, CLONE_NEWNET);
		*saved = -1;
	}
}

static int limit_fail(struct nsl_err *err, int e, const char *what, const char *name);

/* A libnl route socket bound in the current namespace. Port 0 lets the
 * kernel choose, so a lab is not limited by libnl's 1024 local ports. */
static int open_route_socket(struct nsl_ns *ns, struct nsl_err *err)
{
	int rc;

	ns->sk = nsl_nl_socket();
	if (!ns->sk)
		return nsl_err_fail(err, ENOMEM, "netlink socket for %s",
				nsl_netns_where(ns));
	nl_socket_set_local_port(ns->sk, 0);
	rc = nl_connect(ns->sk, NETLINK_ROUTE);
	if (rc < 0) {
		/* libnl may clobber errno: ask the fd table directly */
		int e = 0, t = fcntl(0, F_DUPFD_CLOEXEC, 0);

		if (t < 0)
			e = errno;
		else
			close(t);
		nl_socket_free(ns->sk);
		ns->sk = NULL;
		if (e == EMFILE || e == ENFILE)
			return limit_fail(err, e, "netlink socket for",
					  nsl_netns_where(ns));
		return nsl_err_fail(err, EIO, "netlink socket for %s: %s",
				nsl_netns_where(ns), nl_geterror(rc));
	}
	/* libnl's 32 KiB buffers are enough: requests are sent one at a time
	 * and a dump waits for the reader instead of dropping */
	nsl_nl_ext_ack(ns->sk);
	return 0;
}

static int loopback_up(struct nsl_ns *ns, struct nsl_err *err)
{
	struct rtnl_link *lo = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	struct nl_msg *m = NULL;
	int rc = 0;

	if (!lo || !chg) {
		rc = nsl_err_fail(err, ENOMEM, "loopback in %s", ns->name);
		goto out;
	}
	rtnl_link_set_ifindex(lo, 1);
	rtnl_link_set_flags(chg, IFF_UP);
	rtnl_link_build_change_request(lo, chg, 0, &m);
	rc = nsl_nl_request(ns->sk, m, err, "loopback up in %s", ns->name);
out:
	rtnl_link_put(lo);
	rtnl_link_put(chg);
	return rc;
}

int nsl_netns_loopback_up(struct nsl_ns *ns, struct nsl_err *err)
{
	return loopback_up(ns, err);
}

/* Lab interfaces skip IPv6 duplicate address detection: while a link-local
 * address is tentative the kernel sends no neighbour solicitations for
 * forwarded packets, so the first second of every new link would drop
 * IPv6 traffic. Called inside the new namespace; no IPv6 is fine. */
static void write_zero(const char *key)
{
	int fd = nsl_procsys_open(key, O_WRONLY);

	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
}

/* DAD runs unless both "all" and the device say 0. A new namespace starts
 * IPv6's "all" at the kernel's default, 0, unless the host's
 * net.core.devconf_inherit_init_net (1 or 3) copies it from elsewhere:
 * only then is "all" written too (read once per process). */
static void no_dad(void)
{
	static int all_inherited = -1;

	if (all_inherited < 0) {
		char v[8] = "";
		int fd = open("/proc/sys/net/core/devconf_inherit_init_net", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)!read(fd, v, sizeof v - 1);
			close(fd);
		}
		all_inherited = v[0] == '1' || v[0] == '3';
	}
	if (all_inherited)
		write_zero("net/ipv6/conf/all/accept_dad");
	write_zero("net/ipv6/conf/default/accept_dad");
}

static void ns_init(struct nsl_ns *ns, const char *name)
{
	memset(ns, 0, sizeof *ns);
	ns->fd = -1;
	ns->name = name ? name : "";
}

/* Resource limits get a message that says which limit and what to do;
 * anything else the plain "what: strerror". */
static int limit_fail(struct nsl_err *err, int e, const char *what, const char *name)
{
	struct rlimit rl;

	if (e == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		return nsl_err_fail_quiet(err, e, "%s %s: the open-file limit (%llu, hard limit %llu) is "
				"reached; each node holds 2-3 files: raise it (ulimit -Hn / -n) or "
				"build a smaller lab", what, name, (unsigned long long)rl.rlim_cur,
				(unsigned long long)rl.rlim_max);
	if (e == ENFILE)
		return nsl_err_fail_quiet(err, e, "%s %s: the system-wide open-file limit (fs.file-max) is "
				"reached; raise it (sysctl fs.file-max) or build a smaller lab", what, name);
	if (e == ENOSPC) {
		char v[32] = "?";
		int fd = open("/proc/sys/user/max_net_namespaces", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, v, sizeof v - 1);
			v[n > 0 ? n : 0] = 0;
			v[strcspn(v, "\n")] = 0;
			close(fd);
		}
		return nsl_err_fail_quiet(err, e, "%s %s: the kernel's limit on network namespaces "
				"(user.max_net_namespaces = %s) is reached; raise it (sysctl "
				"user.max_net_namespaces) or build a smaller lab", what, name, v);
	}
	return nsl_err_fail(err, e, "%s %s", what, name);
}

int nsl_netns_create(const char *name, struct nsl_ns *ns, struct nsl_err *err)
{
	char path[PATH_MAX];
	int pin = -1, saved = -1, rc = 0;

	ns_init(ns, name);
	pin_path(path, sizeof path, name);
	saved = home();
	if (saved < 0)
		return limit_fail(err, errno, "cannot create namespace", name);
	pin = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (pin < 0) {
		rc = errno == EEXIST ? nsl_err_fail(err, errno, "namespace %s", name)
				     : limit_fail(err, errno, "cannot create namespace", name);
		goto out;
	}
	close(pin);
	if (unshare(CLONE_NEWNET) < 0) {
		rc = limit_fail(err, errno, "cannot create namespace", name);
		goto out_unlink;
	}
	if (mount(SELF_NS, path, "none", MS_BIND, NULL) < 0) {
		rc = nsl_err_fail(err, errno, "cannot pin namespace %s on %s", name, path);
		goto out_back;
	}
	ns->fd = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		rc = limit_fail(err, errno, "cannot open namespace", name);
		goto out_umount;
	}
	rc = open_route_socket(ns, err);
	if (rc < 0)
		goto out_umount;
	rc = loopback_up(ns, err);
	if (rc < 0)
		goto out_umount;
	no_dad();
	/* a fresh namespace holds only lo: links can ask for their ifindex */
	ns->next_ifindex = 2;
	goto out_back;

out_umount:
	nsl_netns_close(ns);
	umount2(path, MNT_DETACH);
out_back:
	if (setns(saved, CLONE_NEWNET) < 0 && rc == 0)
		rc = errno == EPERM
			? nsl_err_fail_quiet(err, EPERM, "cannot step back out of namespace %s: the kernel "
					 "refuses (a user namespace?); run nslab as root on the host", name)
			: nsl_err_fail(err, errno, "cannot return from namespace %s", name);
	if (rc == 0)
		goto out;
out_unlink:
	unlink(path);
out:
	return rc;
}

int nsl_netns_open(const char *name, struct nsl_ns *ns, struct nsl_err *err)
{
	char path[PATH_MAX];
	int saved = -1, rc;

	ns_init(ns, name);
	pin_path(path, sizeof path, name);
	ns->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return nsl_err_fail(err, errno, "namespace %s", name);
	rc = nsl_netns_enter(ns->fd, &saved, err);
	if (rc < 0)
		goto fail;
	rc = open_route_socket(ns, err);
	nsl_netns_restore(&saved);
	if (rc == 0)
		return 0;
fail:
	nsl_netns_close(ns);
	return rc;
}

int nsl_netns_host(struct nsl_ns *ns, struct nsl_err *err)
{
	int rc;

	ns_init(ns, "");
	ns->is_host = 1;
	ns->fd = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return nsl_err_fail(err, errno, "cannot open %s", SELF_NS);
	rc = open_route_socket(ns, err);
	if (rc < 0)
		nsl_netns_close(ns);
	return rc;
}

void nsl_netns_close(struct nsl_ns *ns)
{
	if (ns->sk) {
		nl_socket_free(ns->sk);
		ns->sk = NULL;
	}
	if (ns->fd >= 0) {
		close(ns->fd);
		ns->fd = -1;
	}
	if (ns->have_tmpl > 0) {
		close(ns->tmpl_mnt);
		close(ns->tmpl_uts);
		ns->have_tmpl = 0;
	}
}

int nsl_netns_exists(const char *name)
{
	char path[PATH_MAX];

	pin_path(path, sizeof path, name);
	return access(path, F_OK) == 0;
}

/* Each umount ends waiting for an RCU grace period (namespace_unlock:
 * synchronize_rcu_expedited): 15-20 us when the machine is quiet, ~45 us
 * in the first tenth of a second after a build, while the kernel still
 * settles the new links. Unpinning from several threads shares those
 * waits (the unlinks take the directory's lock one at a time, meanwhile).
 * A pin one of them could not remove is left to nsl_netns_delete. */
struct unpin_slice {
	const char *const *names;
	int n, first, step;
};

static void *unpin_slice(void *arg)
{
	const struct unpin_slice *s = arg;
	char path[PATH_MAX];

	for (int i = s->first; i < s->n; i += s->step) {
		pin_path(path, sizeof path, s->names[i]);
		if (umount2(path, MNT_DETACH) == 0)
			(void)unlink(path);
	}
	return NULL;
}

void nsl_netns_unpin_many(const char *const *names, int n)
{
	enum { MAX_THREADS = 8, PINS_PER_THREAD = 16 };
	struct unpin_slice s[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	pthread_attr_t attr;
	sigset_t all, old;
	int t = n / PINS_PER_THREAD, started = 0;

	if (t > MAX_THREADS)
		t = MAX_THREADS;
	if (t < 2)
		return;   /* a small lab: nsl_netns_delete unpins each */
	/* signals stay with the main thread (its handlers start a teardown) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < t; i++) {
		s[i] = (struct unpin_slice){ names, n, i, t };
		if (pthread_create(&th[started], &attr, unpin_slice, &s[i]) == 0)
			started++;
		else
			unpin_slice(&s[i]);
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* Unpin: the kernel frees the namespace (and every veth with an end in it)
 * once no process and no open fd holds it any more. */
int nsl_netns_delete(const char *name, struct nsl_err *err)
{
	char path[PATH_MAX];

	pin_path(path, sizeof path, name);
	/* only the file is left when an unmount went first; a pin still
	 * mounted is busy */
	if (unlink(path) == 0)
		return 0;
	if (errno == ENOENT)
		return nsl_err_fail(err, ENOENT, "namespace %s", name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return nsl_err_fail(err, errno, "cannot unpin namespace %s", name);
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return nsl_err_fail(err, ENOENT, "namespace %s", name);
		return nsl_err_fail(err, errno, "cannot remove %s", path);
	}
	return 0;
}

void nsl_netns_etc_remove(const char *name)
{
	char etc[PATH_MAX];

	if (!nsl_names_pin_valid(name))
		return;
	snprintf(etc, sizeof etc, "%s/%s", NSL_ETC_NETNS, name);
	nsl_paths_remove_tree(etc);
}
