/* journal.c — see journal.h. Record lines, one per object:
 *   netns NAME                 a pinned namespace (and /etc/netns/NAME)
 *   link IFNAME                an interface created in the host namespace
 *   addr IFNAME CIDR           an address added in the host namespace
 *   route DST GW|- OIF|- METRIC  a route added in the host namespace
 *   sysctl KEY OLDVALUE        a host sysctl changed (restored on down)
 *   nft FAMILY TABLE           an nftables table made in the host namespace
 *   pid PID STARTTIME          a background process started by the lab
 *   rmdir DIR                  a directory the lab made (removed if empty)
 *   del RECORD                 RECORD (the newest earlier line equal to it)
 *                              was undone while the lab ran, e.g.
 *                              `del netns LAB.NODE` after lab:remove(node);
 *                              written after the undo, so a crash in
 *                              between only makes teardown retry it
 * Everything inside a lab's own namespaces goes away with the namespace.
 * Readers apply `del` first (cancel_deleted), so counts, listings and
 * teardown see only what still stands. */
#define _GNU_SOURCE
#include "journal.h"
#include "paths.h"
#include "names.h"
#include "netns.h"
#include "link.h"
#include "addr.h"
#include "route.h"
#include "sysctl.h"
#include "nat.h"
#include "exec.h"
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int nsl_journal_dir(const char *lab, char *buf, size_t len)
{
	/* the one gate between a name and a path: "..", "a/b" or "" would
	 * name the state directory itself or a place outside it */
	if (!nsl_name_valid(lab)) {
		if (len)
			buf[0] = 0;
		return -EINVAL;
	}
	snprintf(buf, len, "%s/%s", nsl_state_dir(), lab);
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

pid_t nsl_journal_owner(const char *lab)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[128];
	unsigned long long start = 0;
	int pid = 0;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0 || access(dir, F_OK) < 0)
		return -ENOENT;
	snprintf(path, sizeof path, "%s/owner", dir);
	if (read_small(path, buf, sizeof buf) < 0)
		return 0;
	if (sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	/* the pid alone could be reused: the start time pins the process */
	if (nsl_proc_starttime(pid) != start)
		return 0;
	return pid;
}

/* test-only: die around record N, to prove every crash point can be
 * cleaned up (tests/spec/faults_spec.lua) */
static void fault_hooks(struct nsl_journal *j)
{
	const char *b = getenv("NSLAB_FAULT_BEFORE_RECORD");
	const char *a = getenv("NSLAB_FAULT_AFTER_RECORD");

	j->nrec = 0;
	j->kill_before = b ? atoi(b) : 0;
	j->kill_after = a ? atoi(a) : 0;
}

int nsl_journal_begin(const char *lab, const char *labfile,
		      struct nsl_journal *j, struct nsl_err *err)
{
	char path[PATH_MAX + 16], buf[64];
	pid_t owner;

	j->fd = -1;
	snprintf(j->lab, sizeof j->lab, "%s", lab);
	if (nsl_journal_dir(lab, j->dir, sizeof j->dir) < 0)
		return nsl_fail_quiet(err, EINVAL, "cannot use \"%s\" as a lab name (letters, digits, "
				      "'-', '_', at most %d bytes)", lab, NSL_NAME_MAX);
	if (mkdir(nsl_state_dir(), 0755) < 0 && errno != EEXIST)
		return nsl_fail(err, errno, "cannot create %s", nsl_state_dir());
	if (mkdir(j->dir, 0755) < 0) {
		if (errno != EEXIST)
			return nsl_fail(err, errno, "cannot create %s", j->dir);
		owner = nsl_journal_owner(lab);
		if (owner > 0)
			return nsl_fail_quiet(err, EBUSY, "lab \"%s\" is in use by nslab process %d "
					"(wait for it, or pick another lab name)", lab, (int)owner);
		return nsl_fail_quiet(err, EEXIST, "lab \"%s\" is already up (left by `nslab up` or a "
				"crash); run `nslab down %s` first", lab, lab);
	}
	/* the journal first, locked until the owner is written: whoever
	 * attaches (nsl_journal_attach) or tears down meanwhile waits */
	snprintf(path, sizeof path, "%s/journal", j->dir);
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0 || flock(j->fd, LOCK_EX) < 0)
		goto fail;
	snprintf(buf, sizeof buf, "%d %llu\n", (int)getpid(),
		 nsl_proc_starttime(getpid()));
	snprintf(path, sizeof path, "%s/owner", j->dir);
	if (write_file(path, buf) < 0)
		goto fail;
	if (labfile) {
		snprintf(path, sizeof path, "%s/file", j->dir);
		if (write_file(path, labfile) < 0)
			goto fail;
	}
	flock(j->fd, LOCK_UN);
	fault_hooks(j);
	return 0;
fail:
	{
		int e = errno;

		nsl_journal_close(j);
		nsl_journal_down(lab, NULL, NULL);
		return nsl_fail(err, e, "cannot write lab state in %s", j->dir);
	}
}

int nsl_journal_attach(const char *lab, struct nsl_journal *j, struct nsl_err *err)
{
	char path[PATH_MAX + 16];

	j->fd = -1;
	snprintf(j->lab, sizeof j->lab, "%s", lab);
	if (nsl_journal_dir(lab, j->dir, sizeof j->dir) < 0)
		return nsl_fail_quiet(err, EINVAL, "cannot use \"%s\" as a lab name (letters, digits, "
				      "'-', '_', at most %d bytes)", lab, NSL_NAME_MAX);
	snprintf(path, sizeof path, "%s/journal", j->dir);
	/* no O_CREAT: a lab without a journal is not up (or is going) */
	j->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->fd < 0) {
		if (errno == ENOENT)
			return nsl_fail_quiet(err, ENOENT, "no lab named \"%s\" is up (see `nslab ls`)", lab);
		return nsl_fail(err, errno, "cannot open the journal of lab %s", lab);
	}
	fault_hooks(j);
	return 0;
}

int nsl_journal_add(struct nsl_journal *j, struct nsl_err *err,
		    const char *fmt, ...)
{
	char line[1024];
	struct stat st;
	va_list ap;
	ssize_t w;
	int n, e;

	if (j->fd < 0)
		return nsl_fail(err, EBADF, "journal of lab %s is closed", j->lab);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof line - 1)
		return nsl_fail(err, ENAMETOOLONG, "journal record");
	line[n++] = '\n';
	if (++j->nrec == j->kill_before)
		raise(SIGKILL);
	/* one writer at a time (an attached REPL appends to a lab another
	 * process owns), and none after a teardown removed the journal: the
	 * object would then be made after its undo ran */
	if (flock(j->fd, LOCK_EX) < 0)
		return nsl_fail(err, errno, "cannot lock journal of lab %s", j->lab);
	if (fstat(j->fd, &st) == 0 && st.st_nlink == 0) {
		flock(j->fd, LOCK_UN);
		return nsl_fail_quiet(err, ENOENT, "lab %s is down (`nslab down` removed it)", j->lab);
	}
	w = write(j->fd, line, (size_t)n);
	e = errno;
	flock(j->fd, LOCK_UN);
	if (w != n)
		return nsl_fail(err, e, "cannot write journal of lab %s", j->lab);
	if (j->nrec == j->kill_after)
		raise(SIGKILL);
	return 0;
}

void nsl_journal_close(struct nsl_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

int nsl_journal_release(struct nsl_journal *j)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/owner", j->dir);
	nsl_journal_close(j);
	return unlink(path) < 0 ? -errno : 0;
}

/* ---- teardown ---- */

struct lines {
	char *buf;
	char **v;
	int n;
};

/* The journal's lines from fd (read from its start). */
static int read_lines(int fd, struct lines *L)
{
	struct stat st;
	int i, cap = 0;
	ssize_t got = 0;
	char *p;

	memset(L, 0, sizeof *L);
	if (fstat(fd, &st) < 0 || !(L->buf = malloc((size_t)st.st_size + 1)))
		return -ENOMEM;
	while (got < st.st_size) {
		ssize_t n = pread(fd, L->buf + got, (size_t)(st.st_size - got), got);
		if (n <= 0)
			break;
		got += n;
	}
	L->buf[got] = 0;
	for (p = L->buf; *p; p++)
		if (*p == '\n')
			cap++;
	L->v = calloc((size_t)cap + 2, sizeof *L->v);
	if (!L->v) {
		free(L->buf);
		L->buf = NULL;
		return -ENOMEM;
	}
	for (p = strtok(L->buf, "\n"), i = 0; p && i < cap + 1; p = strtok(NULL, "\n"))
		L->v[i++] = p;
	L->n = i;
	return 0;
}

/* Open dir's journal for reading, locked (LOCK_SH: readers never see half
 * a record; LOCK_EX: no record is added until the lock fd is closed).
 * Returns the fd, -ENOENT when there is no journal, or -errno. */
static int open_locked(const char *dir, int how)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof path, "%s/journal", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, how) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int load_lines(const char *dir, struct lines *L)
{
	int fd = open_locked(dir, LOCK_SH), rc;

	memset(L, 0, sizeof *L);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	rc = read_lines(fd, L);
	close(fd);
	return rc;
}

/* Blank each record a later `del RECORD` line cancels, and the del
 * line itself: what is left is what the lab still holds. */
static void cancel_deleted(struct lines *L)
{
	int i, j;

	for (i = L->n - 1; i >= 0; i--) {
		if (strncmp(L->v[i], "del ", 4))
			continue;
		for (j = i - 1; j >= 0; j--)
			if (!strcmp(L->v[j], L->v[i] + 4)) {
				L->v[j][0] = 0;
				break;
			}
		L->v[i][0] = 0;
	}
}

/* End every process inside the lab's namespaces — also ones nslab did not
 * start — so that no process keeps a namespace (and its veths) alive. */
static int kill_one(pid_t pid, size_t which, void *arg)
{
	(void)which;
	(void)arg;
	/* never ourselves: a build that could not step back out of a node
	 * (setns refused, as in a user namespace) is still in it */
	if (pid == getpid())
		return 0;
	kill(pid, SIGKILL);
	return 0;
}

/* The lab's pins removed together first (see nsl_netns_unpin_many);
 * the undo of each "netns" record below finds its pin gone, or removes
 * what is left, and the node's /etc/netns files. */
static void unpin_all(const struct lines *L)
{
	const char **names = calloc((size_t)L->n + 1, sizeof *names);
	int n = 0;

	if (!names)
		return;   /* each is unpinned by its own undo */
	for (int i = 0; i < L->n; i++)
		if (!strncmp(L->v[i], "netns ", 6))
			names[n++] = L->v[i] + 6;
	nsl_netns_unpin_many(names, n);
	free(names);
}

static void rm_tree(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];

	/* most nodes never ran a command, so have no /etc/netns directory:
	 * one rmdir tells (ENOENT), and removes an empty one */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (e->d_type == DT_DIR)
				rm_tree(path);
			else
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int host_ns(struct nsl_ns *h, int *open_, struct nsl_err *err)
{
	if (*open_)
		return 0;
	if (nsl_netns_host(h, err) < 0)
		return -1;
	*open_ = 1;
	return 0;
}

/* Remove a directory nslab made, only if empty (another lab may still use
 * it) — empty but for the ".nslab" file that marks it as made by nslab
 * (node.lua): then that file goes too, and the directory. */
static void rmdir_made(const char *dir)
{
	char mark[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int others = 0;

	if (rmdir(dir) == 0 || (errno != ENOTEMPTY && errno != EEXIST))
		return;
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".nslab"))
			others++;
	closedir(d);
	snprintf(mark, sizeof mark, "%s/.nslab", dir);
	if (!others && unlink(mark) == 0)
		(void)rmdir(dir);
}

/* Whether /etc/netns existed when this teardown began: without it no
 * node has a directory there to remove. */
static int etc_netns_seen = 1;

static int undo(char *line, struct nsl_ns *h, int *hopen, struct nsl_err *e)
{
	char *tok[8] = { 0 }, *save = NULL, *p;
	int n = 0;

	for (p = strtok_r(line, " ", &save); p && n < 8; p = strtok_r(NULL, " ", &save))
		tok[n++] = p;
	if (n == 0)
		return 0;
	if (!strcmp(tok[0], "netns") && n >= 2) {
		char etc[PATH_MAX];
		int rc = nsl_netns_delete(tok[1], e);

		snprintf(etc, sizeof etc, "%s/%s", NSL_ETC_NETNS, tok[1]);
		if (etc_netns_seen && nsl_pin_name_valid(tok[1]))
			rm_tree(etc);
		return rc == -ENOENT ? 0 : rc;
	}
	if (!strcmp(tok[0], "pid"))
		return 0;   /* handled before, with the namespace scan */
	if (!strcmp(tok[0], "rmdir"))
		return 0;   /* last of all, once what is inside is gone */
	if (host_ns(h, hopen, e) < 0)
		return -1;
	if (!strcmp(tok[0], "link") && n >= 2) {
		int rc = nsl_link_delete(h, tok[1], e);
		return (rc == -ENODEV || rc == -ENOENT) ? 0 : rc;
	}
	if (!strcmp(tok[0], "addr") && n >= 3) {
		struct nsl_cidr c;
		int idx, rc;

		if (nsl_cidr_parse(tok[2], &c, e) < 0)
			return -1;
		if (nsl_link_index(h, tok[1], &idx, e) < 0)
			return 0;    /* interface gone, address with it */
		rc = nsl_addr_del(h, idx, tok[1], &c, e);
		return rc == -EADDRNOTAVAIL ? 0 : rc;
	}
	if (!strcmp(tok[0], "route") && n >= 5) {
		struct nsl_cidr dst, gw;
		int oif = 0, rc;

		if (nsl_cidr_parse(tok[1], &dst, e) < 0)
			return -1;
		if (strcmp(tok[2], "-") && nsl_cidr_parse(tok[2], &gw, e) < 0)
			return -1;
		if (strcmp(tok[3], "-") && nsl_link_index(h, tok[3], &oif, e) < 0)
			return 0;    /* device gone, route with it */
		rc = nsl_route_del(h, &dst, strcmp(tok[2], "-") ? &gw : NULL, oif,
				   atoi(tok[4]), e);
		return (rc == -ESRCH || rc == -ENOENT) ? 0 : rc;
	}
	if (!strcmp(tok[0], "sysctl") && n >= 3) {
		/* the old value may have held spaces: rejoin the rest */
		char val[256] = "";
		for (int i = 2; i < n; i++) {
			strncat(val, tok[i], sizeof val - strlen(val) - 2);
			if (i + 1 < n)
				strcat(val, " ");
		}
		/* a key of an interface that went with the lab is gone: fine */
		int rc = nsl_sysctl_set(h, tok[1], val, NULL, 0, e);
		return rc == -ENOENT ? 0 : rc;
	}
	if (!strcmp(tok[0], "nft") && n >= 3) {
		char cmd[300];
		int rc;

		snprintf(cmd, sizeof cmd, "destroy table %s %s", tok[1], tok[2]);
		rc = nsl_nft_run(h, cmd, NULL, e);
		if (rc < 0) {
			/* older nft has no "destroy": list first, then delete */
			snprintf(cmd, sizeof cmd, "list table %s %s", tok[1], tok[2]);
			if (nsl_nft_run(h, cmd, NULL, NULL) < 0)
				return 0;
			snprintf(cmd, sizeof cmd, "delete table %s %s", tok[1], tok[2]);
			rc = nsl_nft_run(h, cmd, NULL, e);
		}
		return rc;
	}
	return 0;
}

int nsl_journal_down(const char *lab, int *nobjs, struct nsl_err *err)
{
	char dir[PATH_MAX];
	struct lines L;
	struct nsl_nsid *ids = NULL;
	struct nsl_ns h;
	struct nsl_err e1;
	int i, nids = 0, hopen = 0, rc = 0, undone = 0, away, lockfd;
	const char *fault = getenv("NSLAB_FAULT_IN_DOWN");
	int kill_in_down = fault ? atoi(fault) : 0;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0)
		return nsl_fail_quiet(err, EINVAL, "\"%s\" is not a lab name (see `nslab ls`)", lab);
	if (access(dir, F_OK) < 0)
		return nsl_fail_quiet(err, ENOENT, "no lab named \"%s\" is up (see `nslab ls`)", lab);
	/* locked until the journal is gone: a writer waiting in
	 * nsl_journal_add then finds it removed and makes nothing */
	memset(&L, 0, sizeof L);
	lockfd = open_locked(dir, LOCK_EX);
	if (lockfd >= 0)
		rc = read_lines(lockfd, &L);
	else if (lockfd != -ENOENT)    /* no journal: nothing was made yet */
		rc = lockfd;
	if (rc < 0) {
		if (lockfd >= 0)
			close(lockfd);
		return nsl_fail(err, -rc, "cannot read journal of lab %s", lab);
	}
	rc = 0;
	cancel_deleted(&L);
	ids = calloc((size_t)L.n + 1, sizeof *ids);
	/* one look at /proc first: when every process is in our own namespace
	 * (a lab without commands running), the pins need no stat each */
	away = nsl_procs_away(NULL);
	etc_netns_seen = access(NSL_ETC_NETNS, F_OK) == 0;
	for (i = 0; ids && i < L.n; i++) {
		char path[PATH_MAX];

		if (!strncmp(L.v[i], "netns ", 6) && away != 0) {
			snprintf(path, sizeof path, "%s/%s", NSL_NETNS_DIR, L.v[i] + 6);
			if (nsl_nsid_of(path, &ids[nids], NULL) == 0)
				nids++;
		} else if (!strncmp(L.v[i], "pid ", 4)) {
			int pid = 0;
			unsigned long long start = 0;

			if (sscanf(L.v[i] + 4, "%d %llu", &pid, &start) == 2 && pid > 0 &&
			    nsl_proc_starttime(pid) == start)
				kill(-pid, SIGKILL), kill(pid, SIGKILL);
		}
	}
	if (nids)
		nsl_procs_each(ids, (size_t)nids, kill_one, NULL, NULL);
	free(ids);
	unpin_all(&L);
	for (i = L.n - 1; i >= 0; i--) {
		int r = undo(L.v[i], &h, &hopen, &e1);
		undone++;
		if (undone == kill_in_down)     /* test-only fault hook */
			raise(SIGKILL);
		if (r < 0 && rc == 0) {
			rc = r;
			if (err)
				*err = e1;
		}
	}
	/* undo() split each line in place: "rmdir\0PATH" */
	for (i = L.n - 1; i >= 0; i--)
		if (!strcmp(L.v[i], "rmdir"))
			rmdir_made(L.v[i] + 6);
	if (hopen)
		nsl_netns_close(&h);
	free(L.v);
	free(L.buf);
	if (rc == 0)
		rm_tree(dir);
	if (lockfd >= 0)
		close(lockfd);
	if (nobjs)
		*nobjs = undone;
	return rc;
}

int nsl_journal_each(int (*fn)(const char *lab, void *arg), void *arg)
{
	DIR *d = opendir(nsl_state_dir());
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && rc == 0) {
		if (!nsl_name_valid(e->d_name))
			continue;
		rc = fn(e->d_name, arg);
	}
	closedir(d);
	return rc;
}

int nsl_journal_count(const char *lab, const char *kind)
{
	char dir[PATH_MAX];
	struct lines L;
	size_t k = strlen(kind);
	int i, n = 0;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0 || load_lines(dir, &L) < 0)
		return 0;
	cancel_deleted(&L);
	for (i = 0; i < L.n; i++)
		if (!strncmp(L.v[i], kind, k) && L.v[i][k] == ' ')
			n++;
	free(L.v);
	free(L.buf);
	return n;
}

int nsl_journal_records(const char *lab, const char *kind,
			int (*fn)(const char *rest, void *arg), void *arg)
{
	char dir[PATH_MAX];
	struct lines L;
	size_t k = strlen(kind);
	int i, rc;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0 || access(dir, F_OK) < 0)
		return -ENOENT;
	if ((rc = load_lines(dir, &L)) < 0)
		return rc;
	cancel_deleted(&L);
	for (i = 0, rc = 0; i < L.n && rc == 0; i++)
		if (!strncmp(L.v[i], kind, k) && L.v[i][k] == ' ')
			rc = fn(L.v[i] + k + 1, arg);
	free(L.v);
	free(L.buf);
	return rc;
}
