/* paths.h — every filesystem location and privilege assumption of nslab in
 * one place, so a rootless mode or another layout changes only this file. */
#ifndef NSL_PATHS_H
#define NSL_PATHS_H

#define NSL_NETNS_DIR   "/run/netns"   /* iproute2's pin directory */
#define NSL_ETC_NETNS   "/etc/netns"   /* per-namespace /etc overlays */
#define NSL_STATE_DIR   "/run/nslab"   /* one directory per live lab */

/* The state directory; NSLAB_STATE_DIR overrides it (tests). */
const char *nsl_paths_state_dir(void);

/* Non-zero when the process may create namespaces (CAP_SYS_ADMIN). */
int nsl_paths_privileged(void);

/* Remove dir and everything in it (what can be removed). */
void nsl_paths_remove_tree(const char *dir);

#endif
