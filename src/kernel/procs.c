/* procs.c — see procs.h. Everything here reads /proc; nothing is
 * changed except by nsl_procs_exec_in, which replaces the calling
 * process (the `nslab exec` verb). */
#define _GNU_SOURCE
#include "procs.h"
#include "exec.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nsl_procs_nsid(const char *path, struct nsl_nsid *id, struct nsl_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return nsl_err_fail(err, errno, "%s", path);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int nsl_procs_nsid_of_pid(pid_t pid, struct nsl_nsid *id, struct nsl_err *err)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return nsl_err_fail(err, ESRCH, "process %d", (int)pid);
		return nsl_err_fail(err, errno, "process %d", (int)pid);
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* One pass over /proc: visit(pid, its network namespace, arg) for every
 * process still there; a non-zero return stops the pass and is returned. */
static int scan(int (*visit)(pid_t pid, const struct nsl_nsid *ns, void *arg),
		void *arg, struct nsl_err *err)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int rc = 0;

	if (!d)
		return nsl_err_fail(err, errno, "cannot read /proc");
	while (rc == 0 && (e = readdir(d))) {
		char path[300];
		struct stat st;
		struct nsl_nsid id;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		id.dev = st.st_dev;
		id.ino = st.st_ino;
		rc = visit((pid_t)atoi(e->d_name), &id, arg);
	}
	closedir(d);
	return rc;
}

struct each {
	const struct nsl_nsid *ids;
	size_t nids;
	int (*fn)(pid_t pid, size_t which, void *arg);
	void *arg;
};

static int visit_each(pid_t pid, const struct nsl_nsid *ns, void *arg)
{
	struct each *w = arg;
	size_t k;

	for (k = 0; k < w->nids; k++)
		if (nsl_procs_nsid_eq(ns, &w->ids[k]))
			return w->fn(pid, k, w->arg);
	return 0;
}

int nsl_procs_each(const struct nsl_nsid *ids, size_t nids,
		   int (*fn)(pid_t pid, size_t which, void *arg), void *arg,
		   struct nsl_err *err)
{
	struct each w = { ids, nids, fn, arg };

	return scan(visit_each, &w, err);
}

struct away {
	struct nsl_nsid self;
	int n;
};

static int visit_away(pid_t pid, const struct nsl_nsid *ns, void *arg)
{
	struct away *w = arg;

	(void)pid;
	if (!nsl_procs_nsid_eq(ns, &w->self))
		w->n++;
	return 0;
}

int nsl_procs_away(struct nsl_err *err)
{
	struct away w = { .n = 0 };
	int rc;

	if ((rc = nsl_procs_nsid("/proc/self/ns/net", &w.self, err)) < 0)
		return rc;
	rc = scan(visit_away, &w, err);
	return rc < 0 ? rc : w.n;
}

struct collect {
	pid_t *pids;
	size_t n, cap;
};

static int collect(pid_t pid, size_t which, void *arg)
{
	struct collect *c = arg;

	(void)which;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		pid_t *p = realloc(c->pids, nc * sizeof *p);

		if (!p)
			return -ENOMEM;
		c->pids = p;
		c->cap = nc;
	}
	c->pids[c->n++] = pid;
	return 0;
}

int nsl_procs_in(const struct nsl_nsid *id, pid_t **pids, size_t *n,
		 struct nsl_err *err)
{
	struct collect c = { NULL, 0, 0 };
	int rc = nsl_procs_each(id, 1, collect, &c, err);

	if (rc == -ENOMEM)
		rc = nsl_err_fail(err, ENOMEM, "process list");
	if (rc < 0) {
		free(c.pids);
		c.pids = NULL;
		c.n = 0;
	} else if (c.n)
		qsort(c.pids, c.n, sizeof *c.pids, cmp_pid);
	*pids = c.pids;
	*n = c.n;
	return rc;
}

struct killing {
	pid_t self;
	int n;
};

static int kill_one(pid_t pid, size_t which, void *arg)
{
	struct killing *k = arg;

	(void)which;
	/* never ourselves: a build that could not step back out of a node
	 * (setns refused, as in a user namespace) is still in it */
	if (pid != k->self && kill(pid, SIGKILL) == 0)
		k->n++;
	return 0;
}

int nsl_procs_kill(const struct nsl_nsid *ids, size_t nids, struct nsl_err *err)
{
	struct killing k = { getpid(), 0 };
	int rc = nsl_procs_each(ids, nids, kill_one, &k, err);

	return rc < 0 ? rc : k.n;
}

int nsl_procs_exec_in(const char *pin, const char *nsname, const char *hostname,
		      char *const argv[], struct nsl_err *err)
{
	struct nsl_exec_opts o;
	const char *stage = "";
	int rc;

	memset(&o, 0, sizeof o);
	o.nsfd = -1;
	if (pin) {
		o.nsfd = open(pin, O_RDONLY | O_CLOEXEC);
		if (o.nsfd < 0)
			return nsl_err_fail(err, errno, "namespace %s", pin);
	}
	o.nsname = nsname;
	o.hostname = hostname;
	rc = nsl_exec_enter(&o, &stage);
	if (o.nsfd >= 0)
		close(o.nsfd);
	if (rc < 0)
		return nsl_err_fail(err, -rc, "cannot enter %s (%s)", nsname ? nsname : "node", stage);
	execvp(argv[0], argv);
	return nsl_err_fail(err, errno, "cannot run \"%s\"", argv[0]);
}

unsigned long long nsl_procs_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');   /* the command name may hold spaces */
	if (!p)
		return 0;
	/* a zombie is not alive: nobody may have reaped it (PID 1 in a
	 * container often does not) */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	/* after ")" come fields 3..; starttime is field 22 */
	for (i = 3; i <= 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}
