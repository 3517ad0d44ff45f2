/* private.h — a node's private directories and files: content kept in the
 * lab's state directory (LAB/private/NODE/), bound over their paths in the
 * node's mount namespace each time something enters the node
 * (nsl_exec_enter), so every process of the node sees the same content and
 * the host sees none of it.
 *
 * Layout: entry i of a node is the backing `i` (a directory or a file) and
 * the symlink `i.at` whose target is the path inside the node. Entries are
 * numbered from 0 without gaps, and read back with readlink alone (no
 * allocation: the reader may run in a child that borrows our memory). */
#ifndef NSL_PRIVATE_H
#define NSL_PRIVATE_H

#include "nsl.h"
#include <sys/types.h>

/* The node's private directory (LAB/private/NODE under the state
 * directory) for its pinned name LAB.NODE; -EINVAL for another name. */
int nsl_private_dir(const char *nsname, char *buf, size_t len);

/* uid and gid of "USER", "USER:GROUP" or ":GROUP" (numbers allowed);
 * what is not named is left as it is. */
int nsl_private_owner(const char *owner, uid_t *uid, gid_t *gid, struct nsl_err *err);

/* Whether path can be made private (is_dir) or a private file inside a
 * node: it may exist (of that type) or be missing below an existing
 * directory other than "/". 0 or -errno with err saying why. */
int nsl_private_check(const char *path, int is_dir, struct nsl_err *err);

/* Add an entry to the node nsname: a fresh directory, or a file holding
 * text (len bytes), with mode and owner (uid/gid -1: root's). The backing
 * path goes to backing. */
int nsl_private_add(const char *nsname, const char *path, int is_dir,
		    const char *text, size_t len, int mode, uid_t uid, gid_t gid,
		    char *backing, size_t blen, struct nsl_err *err);

/* Write a file (text, len) at path with mode and owner; used to fill a
 * private directory's backing. */
int nsl_private_write(const char *path, const char *text, size_t len, int mode,
		      uid_t uid, gid_t gid, struct nsl_err *err);

/* In a child that has its own mount namespace (slave of the host's): bind
 * every entry of the node nsname over its path. A missing path is made in
 * a tmpfs laid over its nearest existing directory, whose entries are
 * bound back into it, so nothing is created on the host. 0 or -errno. */
int nsl_private_bind(const char *nsname);

#endif
