/* rootless.c — see rootless.h.
 *
 * Who may go: every command holds a shared flock on BASE/lock for its
 * whole life (the fd is close-on-exec, so user commands in nodes do not
 * hold it). The keeper waits for that file to be closed or a lab to go,
 * then takes the lock exclusively without blocking: when it gets it and no
 * lab is left, it removes BASE/keeper and exits, and the namespaces go
 * with it. A command takes its shared lock before it reads BASE/keeper,
 * so it either finds a keeper that stays or none and makes new ones.
 * Making is serialised by BASE/make.lock (two first commands at once). */
#define _GNU_SOURCE
#include "rootless.h"
#include "paths.h"
#include "procs.h"
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

int nsl_rootless_wanted(void)
{
	const char *e = getenv("NSLAB_ROOTLESS");

	if (e && !strcmp(e, "0"))
		return 0;
	return geteuid() != 0 || (e && !strcmp(e, "1"));
}

/* BASE: $XDG_RUNTIME_DIR/nslab when that directory is the user's, else
 * /tmp/nslab-UID; made 0700, and refused when someone else owns it or
 * may write it (another user could plant a keeper or a lab there). */
static void base_path(char *buf, size_t len, uid_t uid)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && x[0] == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid)
		snprintf(buf, len, "%s/nslab", x);
	else
		snprintf(buf, len, "/tmp/nslab-%u", (unsigned)uid);
}

static int base_dir(char *buf, size_t len, uid_t uid, struct nsl_err *err)
{
	int rc;

	base_path(buf, len, uid);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return nsl_err_fail(err, errno, "cannot create %s", buf);
	rc = nsl_paths_trusted(buf, "nslab's directory", err);
	if (rc == 0 && chmod(buf, 0700) < 0)
		rc = nsl_err_fail(err, errno, "cannot make %s private", buf);
	return rc;
}

static long read_knob(const char *key)
{
	char path[PATH_MAX], buf[32];
	const char *root = getenv("NSLAB_TEST_PROC_SYS");   /* test-only: fake knobs */
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", root && *root ? root : "/proc/sys", key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* The one line for a user namespace the system refuses: which knob, and
 * what to do about it. */
static int refused(struct nsl_err *err, int e, const char *step)
{
	long max = read_knob("user/max_user_namespaces");

	if (read_knob("kernel/unprivileged_userns_clone") == 0)
		return nsl_err_fail_quiet(err, EPERM, "rootless: this kernel forbids user namespaces to "
			"ordinary users (sysctl kernel.unprivileged_userns_clone=0); ask an admin for "
			"`sysctl -w kernel.unprivileged_userns_clone=1`, or run nslab as root (docs/rootless.md)");
	if (read_knob("kernel/apparmor_restrict_unprivileged_userns") == 1)
		return nsl_err_fail_quiet(err, EPERM, "rootless: AppArmor restricts user namespaces "
			"(sysctl kernel.apparmor_restrict_unprivileged_userns=1); ask an admin for an AppArmor "
			"profile that gives nslab `userns,` (docs/rootless.md), or run nslab as root");
	if (max == 0)
		return nsl_err_fail_quiet(err, ENOSPC, "rootless: user namespaces are switched off "
			"(sysctl user.max_user_namespaces=0); ask an admin for "
			"`sysctl -w user.max_user_namespaces=15000`, or run nslab as root (docs/rootless.md)");
	if (e == ENOSPC)
		return nsl_err_fail_quiet(err, ENOSPC, "rootless: no user namespace left (the limit "
			"user.max_user_namespaces=%ld is reached); end other users' namespaces or ask an admin "
			"to raise it", max);
	return nsl_err_fail(err, e, "rootless: cannot %s", step);
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : (n < 0 ? -errno : -EIO);
}

pid_t nsl_rootless_keeper(const char *base)
{
	char path[PATH_MAX], buf[64], proc[64];
	unsigned long long start;
	struct stat st;
	int pid, fd;
	ssize_t n;

	snprintf(path, sizeof path, "%s/keeper", base);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	/* the same process (not a reused pid) and the user's own */
	snprintf(proc, sizeof proc, "/proc/%d", pid);
	if (nsl_procs_starttime(pid) != start || stat(proc, &st) < 0 || st.st_uid != getuid())
		return 0;
	return pid;
}

/* Join the keeper's user, mount and network namespaces. */
static int join(pid_t pid, struct nsl_err *err)
{
	static const struct { const char *ns; int type; } order[] = {
		{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "net", CLONE_NEWNET },
	};
	int fd[3], i, rc = 0;
	char path[64];

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, order[i].ns);
		fd[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
	for (i = 0; i < 3 && rc == 0; i++)
		if (fd[i] < 0 || setns(fd[i], order[i].type) < 0)
			rc = nsl_err_fail(err, errno, "rootless: cannot join the %s namespace of keeper %d",
					  order[i].ns, (int)pid);
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	nsl_paths_userns_changed();
	return rc;
}

static int no_labs(const char *labs)
{
	DIR *d = opendir(labs);
	struct dirent *e;
	int none = 1;

	if (!d)
		return 1;
	while (none && (e = readdir(d)))
		none = e->d_name[0] == '.';
	closedir(d);
	return none;
}

/* The keeper: holds the namespaces while a command runs or a lab is up. */
static void __attribute__((noreturn)) keeper(const char *base)
{
	char lock[PATH_MAX], labs[PATH_MAX], kfile[PATH_MAX];
	struct pollfd p;
	int fd, i, lk;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	for (i = 3; i < 1024; i++)
		close(i);
	fd = open("/dev/null", O_RDWR);
	for (i = 0; i < 3 && fd >= 0; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
	if (chdir("/") < 0)
		_exit(1);
	prctl(PR_SET_NAME, "nslab-keeper", 0, 0, 0);
	snprintf(lock, sizeof lock, "%s/lock", base);
	snprintf(labs, sizeof labs, "%s/labs", base);
	snprintf(kfile, sizeof kfile, "%s/keeper", base);
	lk = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	p.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	p.events = POLLIN;
	if (lk < 0 || p.fd < 0)
		_exit(1);
	inotify_add_watch(p.fd, lock, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
	inotify_add_watch(p.fd, labs, IN_DELETE | IN_MOVED_FROM);
	for (;;) {
		char ev[4096];

		/* an event says when to look; the minute is a safety net */
		if (poll(&p, 1, 60000) > 0)
			while (read(p.fd, ev, sizeof ev) > 0)
				;
		if (flock(lk, LOCK_EX | LOCK_NB) < 0)
			continue;
		if (no_labs(labs)) {
			unlink(kfile);
			_exit(0);
		}
		flock(lk, LOCK_UN);
	}
}

/* Make the user's namespaces in this process, and the keeper. */
static int make(const char *base, struct nsl_err *err)
{
	char map[64], path[PATH_MAX], tmp[PATH_MAX];
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct nsl_ns host;
	pid_t pid;
	int rc, fd;

	if (unshare(CLONE_NEWUSER) < 0)
		return refused(err, errno, "create a user namespace");
	/* one uid and one gid, the user's own, as root inside: no subuid
	 * ranges needed; setgroups must be denied first to map a gid */
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	rc = write_text("/proc/self/setgroups", "deny");
	if (rc == 0 || rc == -ENOENT)
		rc = write_text("/proc/self/uid_map", map);
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	if (rc == 0)
		rc = write_text("/proc/self/gid_map", map);
	nsl_paths_userns_changed();
	if (rc < 0)
		return refused(err, -rc, "map your uid in the user namespace");
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		return refused(err, errno, "create the mount and network namespaces");
	/* nothing we mount (pins) propagates back out */
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return refused(err, errno, "make / a slave mount");
	if (nsl_netns_host(&host, err) < 0)
		return -err->code;
	rc = nsl_netns_loopback_up(&host, err);
	nsl_netns_close(&host);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof path, "%s/labs", base);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return nsl_err_fail(err, errno, "cannot create %s", path);
	pid = fork();
	if (pid < 0)
		return nsl_err_fail(err, errno, "rootless: cannot start the keeper: fork");
	if (pid == 0)
		keeper(base);
	/* written whole, then renamed: a reader sees all of it or none */
	snprintf(tmp, sizeof tmp, "%s/keeper.new", base);
	snprintf(path, sizeof path, "%s/keeper", base);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		char line[64];
		int n = snprintf(line, sizeof line, "%d %llu\n", (int)pid, nsl_procs_starttime(pid));

		rc = write(fd, line, (size_t)n) == n ? 0 : -EIO;
		close(fd);
		if (rc == 0 && rename(tmp, path) == 0)
			return 0;
	}
	rc = errno ? errno : EIO;
	kill(pid, SIGKILL);
	return nsl_err_fail(err, rc, "rootless: cannot write %s", path);
}

static int open_lock(const char *base, const char *name, int how, struct nsl_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof path, "%s/%s", base, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nsl_err_fail(err, errno, "cannot open %s", path);
	if (fstat(fd, &st) < 0 || st.st_uid != getuid() || flock(fd, how) < 0) {
		close(fd);
		return nsl_err_fail_quiet(err, EPERM, "%s is not yours (or cannot be locked); remove it", path);
	}
	return fd;
}

static void setenv_under(const char *var, const char *base, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", base, sub);
	setenv(var, path, 1);
}

int nsl_rootless_idle(void)
{
	char base[PATH_MAX - 32], labs[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int any = 0;

	if (nsl_paths_in_userns() && getenv("NSLAB_ROOTLESS_BASE"))
		return 0;
	base_path(base, sizeof base, getuid());
	if (nsl_rootless_keeper(base) > 0)
		return 0;
	snprintf(labs, sizeof labs, "%s/labs", base);
	d = opendir(labs);
	while (d && !any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return !any;
}

int nsl_rootless_enter(struct nsl_err *err)
{
	char base[PATH_MAX - 32], cwd[PATH_MAX];
	int have_cwd, lk, mk, rc;
	pid_t keeper_pid;

	/* already inside (a command in a node, or a nested nslab) */
	if (nsl_paths_in_userns() && getenv("NSLAB_ROOTLESS_BASE"))
		return 0;
	rc = base_dir(base, sizeof base, getuid(), err);
	if (rc < 0)
		return rc;
	have_cwd = getcwd(cwd, sizeof cwd) != NULL;
	/* held, shared, until this process ends: the keeper stays meanwhile */
	lk = open_lock(base, "lock", LOCK_SH, err);
	if (lk < 0)
		return lk;
	mk = open_lock(base, "make.lock", LOCK_EX, err);
	if (mk < 0)
		return mk;
	keeper_pid = nsl_rootless_keeper(base);
	rc = keeper_pid > 0 ? join(keeper_pid, err) : make(base, err);
	close(mk);
	if (rc < 0)
		return rc;
	/* joining a mount namespace moved us to its root */
	if (have_cwd && chdir(cwd) < 0)
		(void)chdir("/");
	setenv("NSLAB_ROOTLESS_BASE", base, 1);
	setenv_under("NSLAB_STATE_DIR", base, "labs");
	setenv_under("NSLAB_NETNS_DIR", base, "netns");
	setenv_under("NSLAB_ETC_NETNS", base, "etc");
	return 0;
}
