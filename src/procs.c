/* procs.c — see procs.h. Everything here reads /proc; nothing is
 * changed except by nsl_procs_exec_in, which replaces the calling
 * process (the `nslab exec` verb). */
#define _GNU_SOURCE
#include "procs.h"
#include "exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nsl_nsid_of(const char *path, struct nsl_nsid *id, struct nsl_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return nsl_fail(err, errno, "%s", path);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int nsl_nsid_of_pid(pid_t pid, struct nsl_nsid *id, struct nsl_err *err)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return nsl_fail(err, ESRCH, "process %d", (int)pid);
		return nsl_fail(err, errno, "process %d", (int)pid);
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

int nsl_procs_each(const struct nsl_nsid *ids, size_t nids,
		   int (*fn)(pid_t pid, size_t which, void *arg), void *arg,
		   struct nsl_err *err)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int rc = 0;

	if (!d)
		return nsl_fail(err, errno, "cannot read /proc");
	while (rc == 0 && (e = readdir(d))) {
		char path[300];
		struct stat st;
		size_t k;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		for (k = 0; k < nids; k++)
			if (st.st_dev == ids[k].dev && st.st_ino == ids[k].ino) {
				rc = fn((pid_t)atoi(e->d_name), k, arg);
				break;
			}
	}
	closedir(d);
	return rc;
}

int nsl_procs_away(struct nsl_err *err)
{
	struct nsl_nsid self;
	DIR *d;
	struct dirent *e;
	int n = 0;

	struct stat me;

	if (stat("/proc/self/ns/net", &me) < 0)
		return nsl_fail(err, errno, "/proc/self/ns/net");
	self.dev = me.st_dev;
	self.ino = me.st_ino;
	if (!(d = opendir("/proc")))
		return nsl_fail(err, errno, "cannot read /proc");
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) == 0 && (st.st_dev != self.dev || st.st_ino != self.ino))
			n++;
	}
	closedir(d);
	return n;
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
		rc = nsl_fail(err, ENOMEM, "process list");
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
			return nsl_fail(err, errno, "namespace %s", pin);
	}
	o.nsname = nsname;
	o.hostname = hostname;
	rc = nsl_node_enter(&o, &stage);
	if (o.nsfd >= 0)
		close(o.nsfd);
	if (rc < 0)
		return nsl_fail(err, -rc, "cannot enter %s (%s)", nsname ? nsname : "node", stage);
	execvp(argv[0], argv);
	return nsl_fail(err, errno, "cannot run \"%s\"", argv[0]);
}
