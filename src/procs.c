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

int nsl_procs_in(const struct nsl_nsid *id, pid_t **pids, size_t *n,
		 struct nsl_err *err)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t cap = 0;
	int rc = 0;

	*pids = NULL;
	*n = 0;
	if (!d)
		return nsl_fail(err, errno, "cannot read /proc");
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) < 0 || st.st_dev != id->dev || st.st_ino != id->ino)
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			pid_t *p = realloc(*pids, nc * sizeof *p);

			if (!p) {
				rc = nsl_fail(err, ENOMEM, "process list");
				goto out;
			}
			*pids = p;
			cap = nc;
		}
		(*pids)[(*n)++] = (pid_t)atoi(e->d_name);
	}
	if (*n)
		qsort(*pids, *n, sizeof **pids, cmp_pid);
out:
	closedir(d);
	if (rc < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
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
