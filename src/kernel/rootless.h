/* rootless.h — nslab without root: the user's labs live in a user
 * namespace of their own (mapping the user to root inside), with its own
 * "host" network namespace and mount namespace. The first command makes
 * them and forks a keeper that holds them while any of the user's labs is
 * up; later commands join the keeper's (setns user, mnt, net). State lives
 * under BASE = $XDG_RUNTIME_DIR/nslab (a directory the user owns), else
 * /tmp/nslab-UID: labs/ (the state directory), netns/ (pins, bind mounts
 * seen only inside), etc/ (per-node /etc files), lock and keeper.
 * docs/rootless.md says what differs for users. */
#ifndef NSL_ROOTLESS_H
#define NSL_ROOTLESS_H

#include <sys/types.h>

#include "nsl.h"

/* Non-zero when this nslab runs rootless: not root, or NSLAB_ROOTLESS=1
 * (root asking for it); NSLAB_ROOTLESS=0 never. */
int nsl_rootless_wanted(void);

/* Enter the user's namespaces, making them (and the keeper) on first use,
 * then point NSLAB_STATE_DIR, NSLAB_NETNS_DIR and NSLAB_ETC_NETNS under
 * BASE and set NSLAB_ROOTLESS_BASE. Must be called while single-threaded;
 * keeps the working directory. Where the kernel or distribution forbids
 * user namespaces, err names the knob and what to do. */
int nsl_rootless_enter(struct nsl_err *err);

/* Non-zero when the user has no keeper and no lab left under BASE (not
 * even what a killed keeper left): nothing is up, so a verb that only
 * looks (ls, clean) need not make the namespaces and a keeper that would
 * end right after. */
int nsl_rootless_idle(void);

/* The keeper's pid recorded under base, if that process still runs; else
 * 0. */
pid_t nsl_rootless_keeper(const char *base);

#endif
