/* procsys.c — see procsys.h.
 *
 * Each namespace's /proc/sys files get their own dentries, and they hash
 * alike ("net", "ipv6", "conf", ... in every namespace): in one /proc, a
 * lookup in the Nth namespace nslab wrote to walks the N-1 earlier ones'
 * dentries first. The accept_dad write of node 1000 cost 240 us against
 * 30 us for node 1 — a quadratic eighth of a 1000-node build. So nslab
 * looks up through a private proc instance (fsopen/fsmount: a mount that
 * is never attached anywhere, so nothing outside nslab sees it), and
 * replaces it, dentries and all, every FRESH_EVERY opens. Where the new
 * mount API is missing or refused, /proc/sys is used. */
#define _GNU_SOURCE
#include "procsys.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FRESH_EVERY 64     /* measured: 16..64 all keep a lookup ~20 us */

static int proc_mnt = -1;
static int uses;
static int unavailable;

static int fresh_proc(void)
{
#if defined(SYS_fsopen) && defined(SYS_fsconfig) && defined(SYS_fsmount)
	/* FSOPEN_CLOEXEC, FSCONFIG_CMD_CREATE, FSMOUNT_CLOEXEC (linux/mount.h,
	 * which clashes with glibc's sys/mount.h) */
	int fs = (int)syscall(SYS_fsopen, "proc", 1), m = -1;

	if (fs < 0)
		return -1;
	if (syscall(SYS_fsconfig, fs, 6, NULL, NULL, 0) == 0)
		m = (int)syscall(SYS_fsmount, fs, 1, 0);
	close(fs);
	return m;
#else
	return -1;
#endif
}

int nsl_procsys_open(const char *key, int flags)
{
	char path[PATH_MAX];

	if (!unavailable && (proc_mnt < 0 || uses >= FRESH_EVERY)) {
		int m = fresh_proc();

		if (m >= 0) {
			if (proc_mnt >= 0)
				close(proc_mnt);
			proc_mnt = m;
			uses = 0;
		} else if (proc_mnt < 0) {
			unavailable = 1;
		}
	}
	if (proc_mnt >= 0) {
		uses++;
		snprintf(path, sizeof path, "sys/%s", key);
		return openat(proc_mnt, path, flags | O_CLOEXEC);
	}
	snprintf(path, sizeof path, "/proc/sys/%s", key);
	return open(path, flags | O_CLOEXEC);
}
