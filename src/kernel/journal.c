/* journal.c — see journal.h. One line per record, `KIND FIELD...`, kinds
 * and fields in KINDS below; `del KIND FIELD...` says that record (the
 * newest earlier line equal to it) was undone while the lab ran, e.g.
 * `del netns LAB.NODE` after lab:remove(node); it is written after the
 * undo, so a crash in between only makes teardown retry it.
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
	char entry[NSL_PATHS_ENTRY_MAX];

	/* the one gate between a name and a path: "..", "a/b" or "" would
	 * name the state directory itself or a place outside it; the key
	 * (NAME or NAME@UID) says whose space the lab is in (paths.h) */
	if (nsl_paths_lab_entry(lab, entry, sizeof entry) < 0) {
		if (len)
			buf[0] = 0;
		return -EINVAL;
	}
	snprintf(buf, len, "%s/%s", nsl_paths_state_dir(), entry);
	return 0;
}

/* A lab's state is its owner's alone: directories 0700, files 0600. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
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
	if (nsl_procs_starttime(pid) != start)
		return 0;
	return pid;
}

long nsl_journal_user(const char *lab)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[64];
	unsigned long uid;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0 || access(dir, F_OK) < 0)
		return -ENOENT;
	snprintf(path, sizeof path, "%s/user", dir);
	/* labs from before owners were recorded were root's */
	if (read_small(path, buf, sizeof buf) < 0 || sscanf(buf, "%lu", &uid) != 1)
		return 0;
	return (long)uid;
}

int nsl_journal_kept(const char *lab)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0)
		return 0;
	snprintf(path, sizeof path, "%s/kept", dir);
	return access(path, F_OK) == 0;
}

int nsl_journal_trusted(const char *lab, struct nsl_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int rc;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0)
		return nsl_err_fail_quiet(err, EINVAL, "\"%s\" is not a lab name (see `nslab ls`)", lab);
	rc = nsl_paths_trusted(nsl_paths_state_dir(), "the state directory", err);
	if (rc == 0)
		rc = nsl_paths_trusted(dir, "the state of lab", err);
	if (rc == -ENOENT)
		return nsl_err_fail_quiet(err, ENOENT, "no lab named \"%s\" is up (see `nslab ls`)", lab);
	snprintf(path, sizeof path, "%s/journal", dir);
	if (rc == 0 && (rc = nsl_paths_trusted(path, "the journal", err)) == -ENOENT)
		rc = 0;    /* made nothing yet */
	return rc;
}

/* The state directory, made private; one owned or writable by someone
 * else is refused (they could plant a lab for us to "tear down"). */
static int state_dir_ready(struct nsl_err *err)
{
	const char *st = nsl_paths_state_dir();
	int rc;

	if (mkdir(st, 0700) < 0 && errno != EEXIST)
		return nsl_err_fail(err, errno, "cannot create %s", st);
	rc = nsl_paths_trusted(st, "the state directory", err);
	if (rc == 0)
		(void)chmod(st, 0700);   /* one made world-readable by an older nslab */
	return rc;
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
		return nsl_err_fail_quiet(err, EINVAL, "cannot use \"%s\" as a lab name (letters, digits, "
				      "'-', '_', at most %d bytes)", lab, NSL_NAME_MAX);
	if (state_dir_ready(err) < 0)
		return -err->code;
	if (mkdir(j->dir, 0700) < 0) {
		if (errno != EEXIST)
			return nsl_err_fail(err, errno, "cannot create %s", j->dir);
		owner = nsl_journal_owner(lab);
		if (owner > 0)
			return nsl_err_fail_quiet(err, EBUSY, "lab \"%s\" is in use by nslab process %d "
					"(wait for it, or pick another lab name)", lab, (int)owner);
		return nsl_err_fail_quiet(err, EEXIST, "lab \"%s\" is already up (left by `nslab up` or a "
				"crash); run `nslab down %s` first", lab, lab);
	}
	/* the journal first, locked until the owner is written: whoever
	 * attaches (nsl_journal_attach) or tears down meanwhile waits */
	snprintf(path, sizeof path, "%s/journal", j->dir);
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0 || flock(j->fd, LOCK_EX) < 0)
		goto fail;
	snprintf(buf, sizeof buf, "%u\n", (unsigned)nsl_paths_user());
	snprintf(path, sizeof path, "%s/user", j->dir);
	if (write_file(path, buf) < 0)
		goto fail;
	snprintf(buf, sizeof buf, "%d %llu\n", (int)getpid(),
		 nsl_procs_starttime(getpid()));
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
		return nsl_err_fail(err, e, "cannot write lab state in %s", j->dir);
	}
}

int nsl_journal_attach(const char *lab, struct nsl_journal *j, struct nsl_err *err)
{
	char path[PATH_MAX + 16];

	j->fd = -1;
	snprintf(j->lab, sizeof j->lab, "%s", lab);
	if (nsl_journal_dir(lab, j->dir, sizeof j->dir) < 0)
		return nsl_err_fail_quiet(err, EINVAL, "cannot use \"%s\" as a lab name (letters, digits, "
					  "'-', '_', at most %d bytes)", lab, NSL_NAME_MAX);
	if (nsl_journal_trusted(lab, err) < 0)
		return -err->code;
	snprintf(path, sizeof path, "%s/journal", j->dir);
	/* no O_CREAT: a lab without a journal is not up (or is going) */
	j->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (j->fd < 0) {
		if (errno == ENOENT)
			return nsl_err_fail_quiet(err, ENOENT, "no lab named \"%s\" is up (see `nslab ls`)", lab);
		return nsl_err_fail(err, errno, "cannot open the journal of lab %s", lab);
	}
	fault_hooks(j);
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

	/* kept on purpose: `nslab clean` leaves it to `nslab down` */
	snprintf(path, sizeof path, "%s/kept", j->dir);
	(void)write_file(path, "");
	snprintf(path, sizeof path, "%s/owner", j->dir);
	nsl_journal_close(j);
	return unlink(path) < 0 ? -errno : 0;
}

/* ---- records: the one table, the one writer and the one reader ---- */

enum field_type {
	F_WORD,                  /* text without spaces */
	F_OPT,                   /* a word or none, written "-" */
	F_INT,                   /* a decimal integer (may be negative) */
	F_REST,                  /* the rest of the line, spaces and all (last) */
};

static const struct kind {
	const char *name;
	int nf;
	enum field_type type[NSL_REC_FIELDS];
} KINDS[NSL_REC_NKINDS] = {
	[NSL_REC_NETNS]  = { "netns", 1, { F_WORD } },
	[NSL_REC_LINK]   = { "link", 1, { F_WORD } },
	[NSL_REC_ADDR]   = { "addr", 2, { F_WORD, F_WORD } },
	[NSL_REC_ROUTE]  = { "route", 4, { F_WORD, F_OPT, F_OPT, F_INT } },
	[NSL_REC_SYSCTL] = { "sysctl", 2, { F_WORD, F_REST } },
	[NSL_REC_NFT]    = { "nft", 2, { F_WORD, F_WORD } },
	[NSL_REC_PID]    = { "pid", 2, { F_INT, F_INT } },
	[NSL_REC_RMDIR]  = { "rmdir", 1, { F_REST } },
	[NSL_REC_PRIVATE] = { "private", 3, { F_WORD, F_WORD, F_REST } },
};

const char *nsl_journal_kind_name(enum nsl_rec_kind kind)
{
	return (unsigned)kind < NSL_REC_NKINDS ? KINDS[kind].name : NULL;
}

int nsl_journal_kind(const char *name)
{
	for (int k = 0; k < NSL_REC_NKINDS; k++)
		if (!strcmp(KINDS[k].name, name))
			return k;
	return -1;
}

int nsl_journal_nfields(enum nsl_rec_kind kind)
{
	return (unsigned)kind < NSL_REC_NKINDS ? KINDS[kind].nf : 0;
}

static int field_ok(enum field_type t, const char *v)
{
	char *end;

	if (strchr(v, '\n'))
		return 0;
	switch (t) {
	case F_WORD:
		return *v && !strchr(v, ' ');
	case F_OPT:
		return !strchr(v, ' ');
	case F_INT:
		(void)strtoll(v, &end, 10);
		return *v && !*end;
	case F_REST:
		return 1;
	}
	return 0;
}

int nsl_journal_format(const struct nsl_record *r, char *buf, size_t len)
{
	const struct kind *k;
	size_t n;
	int w;

	if ((unsigned)r->kind >= NSL_REC_NKINDS)
		return -EINVAL;
	k = &KINDS[r->kind];
	w = snprintf(buf, len, "%s%s", r->del ? "del " : "", k->name);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	n = (size_t)w;
	for (int i = 0; i < k->nf; i++) {
		const char *v = r->f[i] && *r->f[i] ? r->f[i] :
				k->type[i] == F_OPT ? "-" : r->f[i];

		if (!v || !field_ok(k->type[i], v))
			return -EINVAL;
		w = snprintf(buf + n, len - n, " %s", v);
		if (w < 0 || (size_t)w >= len - n)
			return -ENAMETOOLONG;
		n += (size_t)w;
	}
	return 0;
}

int nsl_journal_parse(char *line, struct nsl_record *r)
{
	const struct kind *k;
	char *p = line, *sp;
	int kind;

	memset(r, 0, sizeof *r);
	r->kind = NSL_REC_NKINDS;
	if (!strncmp(p, "del ", 4)) {
		r->del = 1;
		p += 4;
	}
	if (!(sp = strchr(p, ' ')))
		return -EINVAL;
	*sp = 0;
	if ((kind = nsl_journal_kind(p)) < 0)
		return -EINVAL;
	k = &KINDS[kind];
	p = sp + 1;
	for (int i = 0; i < k->nf; i++) {
		if (!p)
			return -EINVAL;       /* too few fields */
		r->f[i] = p;
		if (k->type[i] == F_REST) {
			p = NULL;
			break;
		}
		if ((sp = strchr(p, ' ')))
			*sp = 0;
		p = sp ? sp + 1 : NULL;
		if (!field_ok(k->type[i], r->f[i]))
			return -EINVAL;
	}
	r->kind = (enum nsl_rec_kind)kind;
	return 0;
}

int nsl_journal_same(const struct nsl_record *a, const struct nsl_record *b)
{
	if (a->kind != b->kind || (unsigned)a->kind >= NSL_REC_NKINDS)
		return 0;
	for (int i = 0; i < KINDS[a->kind].nf; i++) {
		const char *x = a->f[i] ? a->f[i] : "", *y = b->f[i] ? b->f[i] : "";

		if (KINDS[a->kind].type[i] == F_OPT) {
			x = strcmp(x, "-") ? x : "";
			y = strcmp(y, "-") ? y : "";
		}
		if (strcmp(x, y))
			return 0;
	}
	return 1;
}

int nsl_journal_write(struct nsl_journal *j, const struct nsl_record *r,
		      struct nsl_err *err)
{
	char line[1024];
	struct stat st;
	ssize_t w;
	int rc, e;
	size_t n;

	if (j->fd < 0)
		return nsl_err_fail(err, EBADF, "journal of lab %s is closed", j->lab);
	rc = nsl_journal_format(r, line, sizeof line - 1);
	if (rc == -ENAMETOOLONG)
		return nsl_err_fail(err, ENAMETOOLONG, "journal record");
	if (rc < 0)
		return nsl_err_fail_quiet(err, EINVAL, "a %s record of lab %s with a field "
				      "it cannot hold", KINDS[r->kind].name, j->lab);
	n = strlen(line);
	line[n++] = '\n';
	if (++j->nrec == j->kill_before)
		raise(SIGKILL);
	/* one writer at a time (an attached REPL appends to a lab another
	 * process owns), and none after a teardown removed the journal: the
	 * object would then be made after its undo ran */
	if (flock(j->fd, LOCK_EX) < 0)
		return nsl_err_fail(err, errno, "cannot lock journal of lab %s", j->lab);
	if (fstat(j->fd, &st) == 0 && st.st_nlink == 0) {
		flock(j->fd, LOCK_UN);
		return nsl_err_fail_quiet(err, ENOENT, "lab %s is down (`nslab down` removed it)", j->lab);
	}
	w = write(j->fd, line, n);
	e = errno;
	flock(j->fd, LOCK_UN);
	if (w != (ssize_t)n)
		return nsl_err_fail(err, e, "cannot write journal of lab %s", j->lab);
	if (j->nrec == j->kill_after)
		raise(SIGKILL);
	return 0;
}

static int put(struct nsl_journal *j, enum nsl_rec_kind kind, const char *a,
	       const char *b, const char *c, const char *d, struct nsl_err *err)
{
	struct nsl_record r = { kind, 0, { a, b, c, d } };

	return nsl_journal_write(j, &r, err);
}

int nsl_journal_netns(struct nsl_journal *j, const char *name, struct nsl_err *err)
{
	return put(j, NSL_REC_NETNS, name, NULL, NULL, NULL, err);
}

int nsl_journal_link(struct nsl_journal *j, const char *ifname, struct nsl_err *err)
{
	return put(j, NSL_REC_LINK, ifname, NULL, NULL, NULL, err);
}

int nsl_journal_addr(struct nsl_journal *j, const char *ifname, const char *cidr,
		     struct nsl_err *err)
{
	return put(j, NSL_REC_ADDR, ifname, cidr, NULL, NULL, err);
}

int nsl_journal_route(struct nsl_journal *j, const char *dst, const char *gw,
		      const char *oif, int metric, struct nsl_err *err)
{
	char m[16];

	snprintf(m, sizeof m, "%d", metric);
	return put(j, NSL_REC_ROUTE, dst, gw, oif, m, err);
}

int nsl_journal_sysctl(struct nsl_journal *j, const char *key, const char *old,
		       struct nsl_err *err)
{
	return put(j, NSL_REC_SYSCTL, key, old, NULL, NULL, err);
}

int nsl_journal_nft(struct nsl_journal *j, const char *family, const char *table,
		    struct nsl_err *err)
{
	return put(j, NSL_REC_NFT, family, table, NULL, NULL, err);
}

int nsl_journal_pid(struct nsl_journal *j, pid_t pid, unsigned long long start,
		    struct nsl_err *err)
{
	char p[16], s[24];

	snprintf(p, sizeof p, "%d", (int)pid);
	snprintf(s, sizeof s, "%llu", start);
	return put(j, NSL_REC_PID, p, s, NULL, NULL, err);
}

int nsl_journal_rmdir(struct nsl_journal *j, const char *dir, struct nsl_err *err)
{
	return put(j, NSL_REC_RMDIR, dir, NULL, NULL, NULL, err);
}

int nsl_journal_del(struct nsl_journal *j, const struct nsl_record *r,
		    struct nsl_err *err)
{
	struct nsl_record d = *r;

	d.del = 1;
	return nsl_journal_write(j, &d, err);
}

/* ---- reading a journal ---- */

struct recs {
	char *buf;                   /* the journal's text, cut into fields */
	struct nsl_record *v;        /* its lines; kind NSL_REC_NKINDS: none */
	int n;
};

/* Open dir's journal for reading, locked (LOCK_SH: readers never see half
 * a record; LOCK_EX: no record is added until the fd is closed).
 * Returns the fd, -ENOENT when there is no journal, or -errno. */
static int open_locked(const char *dir, int how)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof path, "%s/journal", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (flock(fd, how) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* The whole journal behind fd, NUL-terminated, into *out. */
static int read_all(int fd, char **out)
{
	struct stat st;
	ssize_t got = 0;

	if (fstat(fd, &st) < 0 || !(*out = malloc((size_t)st.st_size + 1)))
		return -ENOMEM;
	while (got < st.st_size) {
		ssize_t n = pread(fd, *out + got, (size_t)(st.st_size - got), got);
		if (n <= 0)
			break;
		got += n;
	}
	(*out)[got] = 0;
	return 0;
}

/* Mark each record a later `del` line cancels, and the del line itself,
 * as none: what is left is what the lab still holds. */
static void cancel_deleted(struct recs *R)
{
	for (int i = R->n - 1; i >= 0; i--) {
		if (!R->v[i].del)
			continue;
		for (int j = i - 1; j >= 0; j--)
			if (!R->v[j].del && nsl_journal_same(&R->v[j], &R->v[i])) {
				R->v[j].kind = NSL_REC_NKINDS;
				break;
			}
		R->v[i].kind = NSL_REC_NKINDS;
	}
}

/* The records of the journal behind fd that still stand, oldest first. */
static int load_fd(int fd, struct recs *R)
{
	char *p, *nl;
	int cap = 1, rc;

	memset(R, 0, sizeof *R);
	if ((rc = read_all(fd, &R->buf)) < 0 || !R->buf)
		return rc;
	for (p = R->buf; *p; p++)
		cap += *p == '\n';
	R->v = calloc((size_t)cap, sizeof *R->v);
	if (!R->v) {
		free(R->buf);
		R->buf = NULL;
		return -ENOMEM;
	}
	for (p = R->buf; *p && R->n < cap; p = nl ? nl + 1 : p + strlen(p)) {
		if ((nl = strchr(p, '\n')))
			*nl = 0;
		/* an unknown or torn line (a crash mid-write) stands for nothing */
		if (*p && nsl_journal_parse(p, &R->v[R->n]) == 0)
			R->n++;
	}
	cancel_deleted(R);
	return 0;
}

/* The same for dir's journal, read under a shared lock; no journal (a lab
 * whose first record is not written yet) holds no records. */
static int load(const char *dir, struct recs *R)
{
	int fd = open_locked(dir, LOCK_SH), rc;

	memset(R, 0, sizeof *R);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	rc = load_fd(fd, R);
	close(fd);
	return rc;
}

static void unload(struct recs *R)
{
	free(R->v);
	free(R->buf);
}

/* ---- teardown ---- */

/* Step 1: end the lab's background processes (each pinned by its start
 * time, so a reused pid is left alone) and everything else running in
 * its namespaces — also what nslab did not start — so that no process
 * keeps a namespace (and its veths) alive. */
static void end_processes(const struct recs *R)
{
	struct nsl_nsid *ids = calloc((size_t)R->n + 1, sizeof *ids);
	/* one look at /proc first: when every process is in our own namespace
	 * (a lab without commands running), the pins need no stat each */
	int away = nsl_procs_away(NULL), nids = 0;

	for (int i = 0; i < R->n; i++) {
		const struct nsl_record *r = &R->v[i];

		if (r->kind == NSL_REC_NETNS && ids && away != 0) {
			char path[PATH_MAX];

			snprintf(path, sizeof path, "%s/%s", NSL_NETNS_DIR, r->f[0]);
			if (nsl_procs_nsid(path, &ids[nids], NULL) == 0)
				nids++;
		} else if (r->kind == NSL_REC_PID) {
			pid_t pid = (pid_t)atoi(r->f[0]);

			if (pid > 0 && nsl_procs_starttime(pid) == strtoull(r->f[1], NULL, 10))
				kill(-pid, SIGKILL), kill(pid, SIGKILL);
		}
	}
	/* SIGKILL lands asynchronously: a loaded machine may still be running
	 * a daemon's exit when kill() returns. Look again until nothing is
	 * left (an exited process has no namespace any more, zombie or not),
	 * so that "clean" and "down" return with the lab's processes gone. */
	for (int tries = 0; nids && tries < 500; tries++) {
		if (nsl_procs_kill(ids, (size_t)nids, NULL) <= 0)
			break;
		usleep(10 * 1000);
	}
	free(ids);
}

/* Step 2: the lab's pins removed together (see nsl_netns_unpin_many);
 * the undo of each netns record finds its pin gone, or removes what is
 * left, and the node's /etc/netns files. */
static void unpin_all(const struct recs *R)
{
	const char **names = calloc((size_t)R->n + 1, sizeof *names);
	int n = 0;

	if (!names)
		return;   /* each is unpinned by its own undo */
	for (int i = 0; i < R->n; i++)
		if (R->v[i].kind == NSL_REC_NETNS)
			names[n++] = R->v[i].f[0];
	nsl_netns_unpin_many(names, n);
	free(names);
}

/* The host namespace, opened on first need. */
struct host {
	struct nsl_ns ns;
	int open;
	int etc_netns_seen;       /* /etc/netns existed when teardown began:
				     without it no node has files to remove */
};

static int host_ns(struct host *h, struct nsl_err *err)
{
	if (h->open)
		return 0;
	if (nsl_netns_host(&h->ns, err) < 0)
		return -1;
	h->open = 1;
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

static int undo_netns(const struct nsl_record *r, struct host *h, struct nsl_err *e)
{
	int rc = nsl_netns_delete(r->f[0], e);

	if (h->etc_netns_seen)
		nsl_netns_etc_remove(r->f[0]);
	return rc == -ENOENT ? 0 : rc;
}

static int undo_addr(const struct nsl_record *r, struct host *h, struct nsl_err *e)
{
	struct nsl_cidr c;
	int idx, rc;

	if (nsl_cidr_parse(r->f[1], &c, e) < 0)
		return -1;
	if (nsl_link_index(&h->ns, r->f[0], &idx, e) < 0)
		return 0;    /* interface gone, address with it */
	rc = nsl_addr_del(&h->ns, idx, r->f[0], &c, e);
	return rc == -EADDRNOTAVAIL ? 0 : rc;
}

static int undo_route(const struct nsl_record *r, struct host *h, struct nsl_err *e)
{
	struct nsl_cidr dst, gw;
	int has_gw = strcmp(r->f[1], "-") != 0, oif = 0, rc;

	if (nsl_cidr_parse(r->f[0], &dst, e) < 0)
		return -1;
	if (has_gw && nsl_cidr_parse(r->f[1], &gw, e) < 0)
		return -1;
	if (strcmp(r->f[2], "-") && nsl_link_index(&h->ns, r->f[2], &oif, e) < 0)
		return 0;    /* device gone, route with it */
	rc = nsl_route_del(&h->ns, &dst, has_gw ? &gw : NULL, oif, atoi(r->f[3]), e);
	return (rc == -ESRCH || rc == -ENOENT) ? 0 : rc;
}

static int undo_nft(const struct nsl_record *r, struct host *h, struct nsl_err *e)
{
	char cmd[300];
	int rc;

	snprintf(cmd, sizeof cmd, "destroy table %s %s", r->f[0], r->f[1]);
	rc = nsl_nat_run(&h->ns, cmd, NULL, e);
	if (rc < 0) {
		/* older nft has no "destroy": list first, then delete */
		snprintf(cmd, sizeof cmd, "list table %s %s", r->f[0], r->f[1]);
		if (nsl_nat_run(&h->ns, cmd, NULL, NULL) < 0)
			return 0;
		snprintf(cmd, sizeof cmd, "delete table %s %s", r->f[0], r->f[1]);
		rc = nsl_nat_run(&h->ns, cmd, NULL, e);
	}
	return rc;
}

/* Undo one record; pid records went in step 1, rmdir ones go last. */
static int undo(const struct nsl_record *r, struct host *h, struct nsl_err *e)
{
	int rc;

	switch (r->kind) {
	case NSL_REC_NETNS:
		return undo_netns(r, h, e);
	case NSL_REC_LINK:
	case NSL_REC_ADDR:
	case NSL_REC_ROUTE:
	case NSL_REC_SYSCTL:
	case NSL_REC_NFT:
		if (host_ns(h, e) < 0)
			return -1;
		break;
	default:
		return 0;
	}
	switch (r->kind) {
	case NSL_REC_LINK:
		rc = nsl_link_delete(&h->ns, r->f[0], e);
		return (rc == -ENODEV || rc == -ENOENT) ? 0 : rc;
	case NSL_REC_ADDR:
		return undo_addr(r, h, e);
	case NSL_REC_ROUTE:
		return undo_route(r, h, e);
	case NSL_REC_SYSCTL:
		/* a key of an interface that went with the lab is gone: fine */
		rc = nsl_sysctl_set(&h->ns, r->f[0], r->f[1], NULL, 0, e);
		return rc == -ENOENT ? 0 : rc;
	case NSL_REC_NFT:
		return undo_nft(r, h, e);
	default:
		return 0;
	}
}

int nsl_journal_down(const char *lab, int *nobjs, struct nsl_err *err)
{
	char dir[PATH_MAX];
	struct recs R;
	struct host h = { .open = 0 };
	struct nsl_err e1;
	int i, rc = 0, undone = 0, lockfd;
	const char *fault = getenv("NSLAB_FAULT_IN_DOWN");
	int kill_in_down = fault ? atoi(fault) : 0;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0)
		return nsl_err_fail_quiet(err, EINVAL, "\"%s\" is not a lab name (see `nslab ls`)", lab);
	if (nsl_journal_trusted(lab, err ? err : &e1) < 0)
		return err ? -err->code : -e1.code;
	/* locked until the journal is gone: a writer waiting in
	 * nsl_journal_write then finds it removed and makes nothing */
	memset(&R, 0, sizeof R);
	lockfd = open_locked(dir, LOCK_EX);
	if (lockfd >= 0)
		rc = load_fd(lockfd, &R);
	else if (lockfd != -ENOENT)    /* no journal: nothing was made yet */
		rc = lockfd;
	if (rc < 0) {
		if (lockfd >= 0)
			close(lockfd);
		return nsl_err_fail(err, -rc, "cannot read journal of lab %s", lab);
	}
	rc = 0;
	h.etc_netns_seen = access(NSL_ETC_NETNS, F_OK) == 0;
	end_processes(&R);
	unpin_all(&R);
	/* step 3: every record undone, newest first */
	for (i = R.n - 1; i >= 0; i--) {
		int r = undo(&R.v[i], &h, &e1);

		if (++undone == kill_in_down)     /* test-only fault hook */
			raise(SIGKILL);
		if (r < 0 && rc == 0) {
			rc = r;
			if (err)
				*err = e1;
		}
	}
	/* step 4: the directories, once what was inside them is gone */
	for (i = R.n - 1; i >= 0; i--)
		if (R.v[i].kind == NSL_REC_RMDIR)
			rmdir_made(R.v[i].f[0]);
	if (h.open) {
		nsl_nat_release(&h.ns);
		nsl_netns_close(&h.ns);
	}
	unload(&R);
	if (rc == 0)
		nsl_paths_remove_tree(dir);
	if (lockfd >= 0)
		close(lockfd);
	if (nobjs)
		*nobjs = undone;
	return rc;
}

int nsl_journal_each(int (*fn)(const char *lab, void *arg), void *arg)
{
	DIR *d = opendir(nsl_paths_state_dir());
	char key[NSL_PATHS_ENTRY_MAX];
	struct nsl_err err;
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && rc == 0) {
		if (nsl_paths_entry_key(e->d_name, key, sizeof key) < 0 || nsl_journal_trusted(key, &err) < 0)
			continue;
		rc = fn(key, arg);
	}
	closedir(d);
	return rc;
}

int nsl_journal_count(const char *lab, enum nsl_rec_kind kind)
{
	char dir[PATH_MAX];
	struct recs R;
	int i, n = 0;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0 || load(dir, &R) < 0)
		return 0;
	for (i = 0; i < R.n; i++)
		n += R.v[i].kind == kind;
	unload(&R);
	return n;
}

int nsl_journal_records(const char *lab, enum nsl_rec_kind kind,
			int (*fn)(const struct nsl_record *r, void *arg), void *arg)
{
	char dir[PATH_MAX];
	struct recs R;
	int i, rc;

	if (nsl_journal_dir(lab, dir, sizeof dir) < 0 || access(dir, F_OK) < 0)
		return -ENOENT;
	if ((rc = load(dir, &R)) < 0)
		return rc;
	for (i = 0, rc = 0; i < R.n && rc == 0; i++)
		if (R.v[i].kind == kind)
			rc = fn(&R.v[i], arg);
	unload(&R);
	return rc;
}
