/* sysctl.c — /proc/sys/net files belong to the namespace of the process
 * that opens them, so the file is opened inside the node's namespace and
 * read or written after returning. */
#define _GNU_SOURCE
#include "sysctl.h"
#include "netns.h"
#include "procsys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROC_SYS "/proc/sys/"   /* a key is the path below it */

static int key_path(const char *key, char *path, size_t len, struct nsl_err *err)
{
	size_t n;
	char *p;

	if (!*key || strstr(key, "..") || key[0] == '/' || key[0] == '.')
		return nsl_err_fail_quiet(err, EINVAL, "bad sysctl name \"%s\"", key);
	n = (size_t)snprintf(path, len, PROC_SYS "%s", key);
	if (n >= len)
		return nsl_err_fail_quiet(err, ENAMETOOLONG, "sysctl name too long \"%s\"", key);
	/* dotted form: dots become slashes, as sysctl(8) does without '/' */
	if (!strchr(key, '/'))
		for (p = path + strlen(PROC_SYS); *p; p++)
			if (*p == '.')
				*p = '/';
	return 0;
}

static int open_in(struct nsl_ns *ns, const char *key, int flags,
		   struct nsl_err *err)
{
	char path[PATH_MAX];
	int fd, saved = -1, e, rc;

	rc = key_path(key, path, sizeof path, err);
	if (rc < 0)
		return rc;
	if (!ns->is_host && (rc = nsl_netns_enter(ns->fd, &saved, err)) < 0)
		return rc;
	fd = nsl_procsys_open(path + strlen(PROC_SYS), flags);
	e = errno;
	nsl_netns_restore(&saved);
	if (fd < 0) {
		if (e == ENOENT) {
			return nsl_err_fail_quiet(err, ENOENT, "unknown sysctl \"%s\" in %s (no %s)",
					      key, nsl_netns_where(ns), path);
		}
		return nsl_err_fail(err, e, "sysctl \"%s\" in %s", key, nsl_netns_where(ns));
	}
	return fd;
}

static int read_fd(int fd, char *val, size_t len)
{
	ssize_t n = read(fd, val, len - 1);

	if (n < 0)
		return -errno;
	val[n] = 0;
	while (n > 0 && (val[n - 1] == '\n' || val[n - 1] == ' '))
		val[--n] = 0;
	return 0;
}

int nsl_sysctl_get(struct nsl_ns *ns, const char *key, char *val, size_t len,
		   struct nsl_err *err)
{
	int fd = open_in(ns, key, O_RDONLY, err), rc;

	if (fd < 0)
		return fd;
	rc = read_fd(fd, val, len);
	close(fd);
	if (rc < 0)
		return nsl_err_fail(err, -rc, "sysctl \"%s\" in %s", key, nsl_netns_where(ns));
	return 0;
}

int nsl_sysctl_set(struct nsl_ns *ns, const char *key, const char *val,
		   char *old, size_t oldlen, struct nsl_err *err)
{
	int fd = open_in(ns, key, O_RDWR, err), rc = 0;
	size_t n = strlen(val);

	if (fd < 0)
		return fd;
	if (old && oldlen && (rc = read_fd(fd, old, oldlen)) < 0) {
		rc = nsl_err_fail(err, -rc, "sysctl \"%s\" in %s", key, nsl_netns_where(ns));
		goto out;
	}
	if (pwrite(fd, val, n, 0) != (ssize_t)n)
		rc = nsl_err_fail(err, errno, "sysctl %s = \"%s\" in %s", key, val, nsl_netns_where(ns));
out:
	close(fd);
	return rc;
}
