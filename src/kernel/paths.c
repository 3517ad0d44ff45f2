/* paths.c — see paths.h. */
#include "paths.h"

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

/* The uid outside mapped to root here: "0 UID 1" in a rootless
 * namespace; -1 in the initial one ("0 0 4294967295") or without a map. */
static long outer_root(void)
{
	unsigned long in, out, count;
	FILE *f = fopen("/proc/self/uid_map", "re");
	int n = f ? fscanf(f, "%lu %lu %lu", &in, &out, &count) : 0;

	if (f)
		fclose(f);
	if (n == 3 && in == 0 && !(out == 0 && count == 4294967295UL))
		return (long)out;
	return -1;
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
