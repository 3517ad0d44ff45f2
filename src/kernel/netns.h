/* netns.h — named network namespaces, pinned the iproute2 way. */
#ifndef NSL_NETNS_H
#define NSL_NETNS_H

#include "nsl.h"

int  nsl_netns_prepare(struct nsl_err *err);
/* ns->name points at name afterwards: keep it alive as long as ns. */
int  nsl_netns_create(const char *name, struct nsl_ns *ns, struct nsl_err *err);
int  nsl_netns_open(const char *name, struct nsl_ns *ns, struct nsl_err *err);
int  nsl_netns_host(struct nsl_ns *ns, struct nsl_err *err);
/* Set lo up in ns (a new namespace has it down). */
int  nsl_netns_loopback_up(struct nsl_ns *ns, struct nsl_err *err);
/* Closes the handle's fds and socket; its nftables context, if any, is
 * nat.c's to free (nsl_nat_release) first. */
void nsl_netns_close(struct nsl_ns *ns);
int  nsl_netns_delete(const char *name, struct nsl_err *err);
/* Remove /etc/netns/NAME, the node's files `ip netns exec` and nslab
 * bind over /etc (hosts, resolv.conf); nothing for an invalid name. */
void nsl_netns_etc_remove(const char *name);
/* Unpin many namespaces at once (threads share the kernel's wait per
 * umount); nsl_netns_delete afterwards finds them gone (ENOENT) or does
 * what is left. Does nothing for fewer than 32. */
void nsl_netns_unpin_many(const char *const *names, int n);
int  nsl_netns_exists(const char *name);
/* Enter the namespace behind fd, saving the current one in *saved;
 * every enter is paired with a restore. */
int  nsl_netns_enter(int fd, int *saved, struct nsl_err *err);
void nsl_netns_restore(int *saved);
/* Raise RLIMIT_NOFILE's soft limit to the hard one (big labs hold
 * several fds per node); returns the new soft limit. */
long nsl_netns_raise_nofile(void);

#endif
