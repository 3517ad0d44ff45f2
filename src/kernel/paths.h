/* paths.h — every filesystem location and privilege assumption of nslab in
 * one place, so a rootless mode or another layout changes only this file. */
#ifndef NSL_PATHS_H
#define NSL_PATHS_H

#include <sys/types.h>

#include "nsl.h"

/* The defaults as root; a rootless nslab (rootless.c) points the three
 * NSLAB_*_DIR variables under the user's runtime directory instead. */
#define NSL_NETNS_DEFAULT "/run/netns"   /* iproute2's pin directory */
#define NSL_ETC_DEFAULT   "/etc/netns"   /* per-namespace /etc overlays */
#define NSL_STATE_DIR     "/run/nslab"   /* one directory per live lab */

/* Where pins and /etc overlays live (NSLAB_NETNS_DIR, NSLAB_ETC_NETNS). */
const char *nsl_paths_netns_dir(void);
const char *nsl_paths_etc_netns(void);
#define NSL_NETNS_DIR (nsl_paths_netns_dir())
#define NSL_ETC_NETNS (nsl_paths_etc_netns())

/* The state directory; NSLAB_STATE_DIR overrides it (tests, rootless). */
const char *nsl_paths_state_dir(void);

/* Non-zero when the process may create namespaces (CAP_SYS_ADMIN): root,
 * or root of the user namespace a rootless nslab entered. */
int nsl_paths_privileged(void);

/* Non-zero inside a user namespace other than the machine's (rootless). */
int nsl_paths_in_userns(void);

/* The user labs made now belong to: the uid mapped to root of a rootless
 * user namespace, else SUDO_UID under sudo, else the effective uid. */
uid_t nsl_paths_user(void);

/* 0 when path (not followed if a link) belongs to us and no one else may
 * write it; else fills err ("what PATH belongs to uid N ...") and returns
 * a negative errno (-ENOENT when it does not exist). */
int nsl_paths_trusted(const char *path, const char *what, struct nsl_err *err);

/* Remove dir and everything in it (what can be removed). */
void nsl_paths_remove_tree(const char *dir);

#endif
