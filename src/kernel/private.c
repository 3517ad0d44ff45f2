/* private.c — see private.h. */
#define _GNU_SOURCE
#include "private.h"
#include "paths.h"
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int nsl_private_dir(const char *nsname, char *buf, size_t len)
{
	const char *dot = nsname ? strchr(nsname, '.') : NULL;
	uid_t uid;

	/* LAB.NODE: LAB is the lab's entry (NAME, or NAME@UID; paths.h) */
	if (!dot || !nsl_paths_entry_valid(nsname, (size_t)(dot - nsname), &uid) ||
	    !nsl_names_valid(dot + 1))
		return -EINVAL;
	snprintf(buf, len, "%s/%.*s/private/%s", nsl_paths_state_dir(),
		 (int)(dot - nsname), nsname, dot + 1);
	return 0;
}

static int id_of(const char *s, int user, unsigned *id)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s && !*end) {
		*id = (unsigned)v;
		return 0;
	}
	if (user) {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	} else {
		struct group *gr = getgrnam(s);

		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
	}
	return 0;
}

int nsl_private_owner(const char *owner, uid_t *uid, gid_t *gid, struct nsl_err *err)
{
	char user[256];
	const char *colon = strchr(owner, ':');
	size_t n = colon ? (size_t)(colon - owner) : strlen(owner);
	unsigned id;

	if (n >= sizeof user)
		return nsl_err_fail_quiet(err, EINVAL, "owner \"%s\" is too long", owner);
	memcpy(user, owner, n);
	user[n] = 0;
	if (n) {
		if (id_of(user, 1, &id) < 0)
			return nsl_err_fail_quiet(err, ENOENT, "owner \"%s\": no user \"%s\" on this machine",
						  owner, user);
		*uid = id;
	}
	if (colon && colon[1]) {
		if (id_of(colon + 1, 0, &id) < 0)
			return nsl_err_fail_quiet(err, ENOENT, "owner \"%s\": no group \"%s\" on this machine",
						  owner, colon + 1);
		*gid = id;
	}
	return 0;
}

/* The nearest existing ancestor of path (a copy cut short in anc) and its
 * stat; -ENOENT when that would be "/" (a tmpfs cannot be laid over the
 * root of a mount namespace we are already inside). */
static int ancestor(const char *path, char *anc, size_t len, struct stat *st)
{
	snprintf(anc, len, "%s", path);
	for (;;) {
		char *slash = strrchr(anc, '/');

		if (!slash || slash == anc)
			return -ENOENT;
		*slash = 0;
		if (stat(anc, st) == 0)
			return S_ISDIR(st->st_mode) ? 0 : -ENOTDIR;
		if (errno != ENOENT)
			return -errno;
	}
}

int nsl_private_check(const char *path, int is_dir, struct nsl_err *err)
{
	char anc[PATH_MAX];
	struct stat st;
	int rc;

	if (stat(path, &st) == 0) {
		if (!!S_ISDIR(st.st_mode) == !!is_dir)
			return 0;
		return nsl_err_fail_quiet(err, is_dir ? ENOTDIR : EISDIR, "%s is %s on this machine",
					  path, is_dir ? "not a directory" : "a directory");
	}
	rc = ancestor(path, anc, sizeof anc, &st);
	if (rc == -ENOENT)
		return nsl_err_fail_quiet(err, ENOENT, "%s: no directory above it exists on this "
					  "machine except /; pick a path under an existing directory",
					  path);
	if (rc < 0)
		return nsl_err_fail(err, -rc, "%s", anc);
	return 0;
}

int nsl_private_write(const char *path, const char *text, size_t len, int mode,
		      uid_t uid, gid_t gid, struct nsl_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t off = 0;

	if (fd < 0)
		return nsl_err_fail(err, errno, "cannot write %s", path);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			int e = errno;

			close(fd);
			return nsl_err_fail(err, e, "cannot write %s", path);
		}
		off += (size_t)n;
	}
	/* explicit, so the umask does not decide what the daemon may read */
	if (fchmod(fd, (mode_t)mode) < 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)) {
		int e = errno;

		close(fd);
		return nsl_err_fail(err, e, "cannot set mode and owner of %s", path);
	}
	close(fd);
	return 0;
}

int nsl_private_add(const char *nsname, const char *path, int is_dir,
		    const char *text, size_t len, int mode, uid_t uid, gid_t gid,
		    char *backing, size_t blen, struct nsl_err *err)
{
	char dir[PATH_MAX], at[PATH_MAX + 32];
	int i;

	if (nsl_private_dir(nsname, dir, sizeof dir) < 0)
		return nsl_err_fail_quiet(err, EINVAL, "\"%s\" is not a node of a lab", nsname);
	/* LAB/private is ours alone: the node reaches its entries through the
	 * bind mounts, never through this path */
	snprintf(at, sizeof at, "%s", dir);
	*strrchr(at, '/') = 0;
	if ((mkdir(at, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return nsl_err_fail(err, errno, "cannot create %s", dir);
	for (i = 0;; i++) {
		struct stat st;

		snprintf(at, sizeof at, "%s/%d.at", dir, i);
		if (lstat(at, &st) < 0)
			break;
	}
	snprintf(backing, blen, "%s/%d", dir, i);
	nsl_paths_remove_tree(backing);    /* left by a crash before its .at */
	if (is_dir) {
		if (mkdir(backing, 0700) < 0)
			return nsl_err_fail(err, errno, "cannot create %s", backing);
		if (chmod(backing, (mode_t)mode) < 0 ||
		    ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(backing, uid, gid) < 0))
			return nsl_err_fail(err, errno, "cannot set mode and owner of %s", backing);
	} else if (nsl_private_write(backing, text, len, mode, uid, gid, err) < 0) {
		return -err->code;
	}
	/* last: an entry counts once its target is named */
	if (symlink(path, at) < 0)
		return nsl_err_fail(err, errno, "cannot create %s", at);
	return 0;
}

/* ---- in the child, entering the node ---- */

/* Lay a tmpfs over dir and bind its old entries back into it (symlinks
 * copied), so new names can be made in it without touching the host.
 * Entries made on the host later are not seen by this mount namespace. */
static int shadow(const char *dir)
{
	char opts[96], src[PATH_MAX + 64], dst[PATH_MAX + 300], link[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	snprintf(opts, sizeof opts, "mode=%04o,uid=%u,gid=%u", (unsigned)(st.st_mode & 07777),
		 (unsigned)st.st_uid, (unsigned)st.st_gid);
	/* in a rootless lab the covered directory's owner (the machine's
	 * root) is not mapped: the kernel refuses uid=/gid= with EINVAL, so
	 * the tmpfs keeps the mode and belongs to the lab's own root */
	int rc = mount("nslab", dir, "tmpfs", 0, opts);

	if (rc < 0 && errno == EINVAL) {
		snprintf(opts, sizeof opts, "mode=%04o", (unsigned)(st.st_mode & 07777));
		rc = mount("nslab", dir, "tmpfs", 0, opts);
	}
	if (rc < 0 || !(d = fdopendir(fd))) {
		int e2 = errno;

		close(fd);
		return -e2;
	}
	/* fd still reaches the covered directory: /proc/self/fd/N/NAME
	 * names each old entry (and, recursively, the mounts on it) */
	while ((e = readdir(d))) {
		struct stat es;
		ssize_t n;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(fd, e->d_name, &es, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(dst, sizeof dst, "%s/%s", dir, e->d_name);
		if (S_ISLNK(es.st_mode)) {
			n = readlinkat(fd, e->d_name, link, sizeof link - 1);
			if (n >= 0) {
				link[n] = 0;
				(void)!symlink(link, dst);
			}
			continue;
		}
		if (S_ISDIR(es.st_mode) ? mkdir(dst, 0755) < 0 : mknod(dst, S_IFREG | 0644, 0) < 0)
			continue;
		snprintf(src, sizeof src, "/proc/self/fd/%d/%s", fd, e->d_name);
		(void)mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
	}
	closedir(d);
	return 0;
}

/* Make path exist (a directory or an empty file) for a bind mount;
 * shadows[] are the devices of tmpfs this child already laid. */
static int make_target(const char *path, int is_dir, dev_t *shadows, int *nsh, int max)
{
	char anc[PATH_MAX], real[PATH_MAX], p[2 * PATH_MAX];
	struct stat st;
	size_t keep;
	char *c;
	int rc, k, mine = 0;

	if (stat(path, &st) == 0)
		return !!S_ISDIR(st.st_mode) == !!is_dir ? 0 : (is_dir ? -ENOTDIR : -EISDIR);
	if (errno != ENOENT)
		return -errno;
	if ((rc = ancestor(path, anc, sizeof anc, &st)) < 0)
		return rc;
	keep = strlen(anc);
	if (!realpath(anc, real))
		return -errno;
	for (k = 0; k < *nsh; k++)
		mine |= shadows[k] == st.st_dev;
	if (!mine) {
		if ((rc = shadow(real)) < 0)
			return rc;
		if (stat(real, &st) == 0 && *nsh < max)
			shadows[(*nsh)++] = st.st_dev;
	}
	snprintf(p, sizeof p, "%s%s", real, path + keep);
	for (c = p + strlen(real) + 1;;) {
		char *s = strchr(c, '/');
		int fd;

		if (s)
			*s = 0;
		if (s || is_dir) {
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
		} else {
			if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
				return -errno;
			close(fd);
		}
		if (!s)
			return 0;
		*s = '/';
		c = s + 1;
	}
}

int nsl_private_bind(const char *nsname)
{
	char dir[PATH_MAX], at[PATH_MAX + 32], src[PATH_MAX + 32], target[PATH_MAX];
	dev_t shadows[8];
	int nsh = 0;

	if (nsl_private_dir(nsname, dir, sizeof dir) < 0)
		return 0;
	for (int i = 0;; i++) {
		struct stat st;
		ssize_t n;
		int rc;

		snprintf(at, sizeof at, "%s/%d.at", dir, i);
		n = readlink(at, target, sizeof target - 1);
		if (n < 0)
			return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
		target[n] = 0;
		snprintf(src, sizeof src, "%s/%d", dir, i);
		if (lstat(src, &st) < 0)
			return -errno;
		rc = make_target(target, S_ISDIR(st.st_mode), shadows, &nsh,
				 (int)(sizeof shadows / sizeof shadows[0]));
		if (rc < 0)
			return rc;
		if (mount(src, target, NULL, MS_BIND, NULL) < 0)
			return -errno;
	}
}
