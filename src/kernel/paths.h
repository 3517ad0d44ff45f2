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

/* This process entered another user namespace (or wrote its map): the
 * next question reads /proc/self/uid_map again. */
void nsl_paths_userns_changed(void);

/* The user labs made now belong to: the uid mapped to root of a rootless
 * user namespace, else SUDO_UID under sudo, else the effective uid. */
uid_t nsl_paths_user(void);

/* Whose lab names the caller uses: labs of root's own (and of a rootless
 * user, in their private state) are named as written ("crs"); a user
 * behind sudo has a space of their own, so two sudo users build the same
 * lab file at once without colliding. Returns that user's uid, 0 for
 * root's space. */
uid_t nsl_paths_space(void);

/* A lab key is what verbs take: NAME (in the caller's space) or NAME@UID
 * (in UID's space, for root's --all-users; NAME@0 is root's). It resolves
 * to the lab's entry, its one name in the state directory and the prefix
 * of its namespaces: NAME in root's space, NAME@UID in another. Fills out
 * (at least NSL_PATHS_ENTRY_MAX bytes) and returns 0, or -EINVAL. */
#define NSL_PATHS_ENTRY_MAX 80
int nsl_paths_lab_entry(const char *key, char *out, size_t len);

/* Non-zero when the first len bytes of s are an entry (NAME or NAME@UID
 * with UID > 0, no leading zeros); fills *uid (0 for a plain NAME). */
int nsl_paths_entry_valid(const char *s, size_t len, uid_t *uid);

/* The key the caller uses for entry (NAME in its own space, else
 * NAME@UID); 0, or -EINVAL when entry is not one. */
int nsl_paths_entry_key(const char *entry, char *out, size_t len);

/* 0 when path (not followed if a link) belongs to us and no one else may
 * write it; else fills err ("what PATH belongs to uid N ...") and returns
 * a negative errno (-ENOENT when it does not exist). */
int nsl_paths_trusted(const char *path, const char *what, struct nsl_err *err);

/* Remove dir and everything in it (what can be removed). */
void nsl_paths_remove_tree(const char *dir);

#endif
