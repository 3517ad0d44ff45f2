/* paths.c — see paths.h. */
#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *nsl_paths_state_dir(void)
{
	const char *s = getenv("NSLAB_STATE_DIR");
	return (s && *s) ? s : NSL_STATE_DIR;
}

/* Root is the only privilege model for now; a later user-namespace mode
 * answers differently here and nowhere else. */
int nsl_paths_privileged(void)
{
	return geteuid() == 0;
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
