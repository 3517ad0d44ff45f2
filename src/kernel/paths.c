/* paths.c — see paths.h. */
#include "paths.h"
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *dflt)
{
	const char *s = getenv(name);
	return (s && *s) ? s : dflt;
}

const char *nsl_paths_state_dir(void)
{
	return env_or("NSLAB_STATE_DIR", NSL_STATE_DIR);
}

const char *nsl_paths_netns_dir(void)
{
	return env_or("NSLAB_NETNS_DIR", NSL_NETNS_DEFAULT);
}

const char *nsl_paths_etc_netns(void)
{
	return env_or("NSLAB_ETC_NETNS", NSL_ETC_DEFAULT);
}

/* Root of the initial user namespace, or of the user's own one (a
 * rootless nslab has entered it before anything asks). */
int nsl_paths_privileged(void)
{
	return geteuid() == 0;
}

/* The map read last; -2: read it again. It changes only when this process
 * enters another user namespace, which rootless.c says: read once, not
 * for every node a lab makes (two reads a node were 4 % of a chain's build). */
static long outer_cached = -2;

void nsl_paths_userns_changed(void)
{
	outer_cached = -2;
}

/* The uid outside mapped to root here: "0 UID 1" in a rootless
 * namespace; -1 in the initial one ("0 0 4294967295") or without a map. */
static long outer_root(void)
{
	unsigned long in, out, count;
	FILE *f;
	int n;

	if (outer_cached != -2)
		return outer_cached;
	f = fopen("/proc/self/uid_map", "re");
	n = f ? fscanf(f, "%lu %lu %lu", &in, &out, &count) : 0;
	if (f)
		fclose(f);
	if (n == 3 && in == 0 && !(out == 0 && count == 4294967295UL))
		outer_cached = (long)out;
	else
		outer_cached = -1;
	return outer_cached;
}

int nsl_paths_in_userns(void)
{
	return outer_root() >= 0;
}

uid_t nsl_paths_user(void)
{
	long outer = outer_root();
	const char *sudo;

	if (outer >= 0)
		return (uid_t)outer;
	sudo = getenv("SUDO_UID");
	if (geteuid() == 0 && sudo && *sudo) {
		char *end;
		unsigned long u = strtoul(sudo, &end, 10);

		if (!*end && u < 4294967295UL)
			return (uid_t)u;
	}
	return geteuid();
}

uid_t nsl_paths_space(void)
{
	return nsl_paths_in_userns() ? 0 : nsl_paths_user();
}

/* "NAME@UID": the byte offset of '@' and the uid, or 0 when s has none
 * (a plain NAME) or -1 when what follows it is not a canonical uid. */
static long split_at(const char *s, size_t len, uid_t *uid)
{
	const char *at = memchr(s, '@', len);
	unsigned long u = 0;
	size_t i;

	*uid = 0;
	if (!at)
		return 0;
	i = (size_t)(at - s) + 1;
	if (i == len || len - i > 10 || (s[i] == '0' && len - i > 1))
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		u = u * 10 + (unsigned long)(s[i] - '0');
	}
	if (u >= 4294967295UL)
		return -1;
	*uid = (uid_t)u;
	return at - s;
}

int nsl_paths_entry_valid(const char *s, size_t len, uid_t *uid)
{
	long at = split_at(s, len, uid);

	if (at < 0 || (at > 0 && *uid == 0))
		return 0;    /* root's labs are named plainly, never NAME@0 */
	return nsl_names_valid_len(s, at > 0 ? (size_t)at : len);
}

int nsl_paths_lab_entry(const char *key, char *out, size_t len)
{
	size_t n = key ? strlen(key) : 0;
	uid_t uid;
	long at;

	if (len)
		out[0] = 0;
	if (!key || (at = split_at(key, n, &uid)) < 0)
		return -EINVAL;
	if (at > 0)
		n = (size_t)at;
	else
		uid = nsl_paths_space();
	if (!nsl_names_valid_len(key, n))
		return -EINVAL;
	if (uid == 0)
		snprintf(out, len, "%.*s", (int)n, key);
	else
		snprintf(out, len, "%.*s@%u", (int)n, key, (unsigned)uid);
	return 0;
}

int nsl_paths_entry_key(const char *entry, char *out, size_t len)
{
	size_t n = strlen(entry);
	uid_t uid;
	const char *at = strchr(entry, '@');

	if (len)
		out[0] = 0;
	if (!nsl_paths_entry_valid(entry, n, &uid))
		return -EINVAL;
	if (at)
		n = (size_t)(at - entry);
	if (uid == nsl_paths_space())
		snprintf(out, len, "%.*s", (int)n, entry);
	else
		snprintf(out, len, "%.*s@%u", (int)n, entry, (unsigned)uid);
	return 0;
}

int nsl_paths_trusted(const char *path, const char *what, struct nsl_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? -ENOENT : nsl_err_fail(err, errno, "cannot read %s %s", what, path);
	if (S_ISLNK(st.st_mode))
		return nsl_err_fail_quiet(err, EPERM, "%s %s is a symbolic link: nslab does not follow it "
					  "(remove it)", what, path);
	if (st.st_uid != geteuid())
		return nsl_err_fail_quiet(err, EPERM, "%s %s belongs to uid %u, not to you: nslab does not "
					  "trust it (its owner or root removes it)", what, path,
					  (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return nsl_err_fail_quiet(err, EPERM, "%s %s is writable by others (mode %03o): nslab does "
					  "not trust it (remove it)", what, path,
					  (unsigned)(st.st_mode & 0777));
	return 0;
}

void nsl_paths_remove_tree(const char *dir)
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
				nsl_paths_remove_tree(path);
			else
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}
