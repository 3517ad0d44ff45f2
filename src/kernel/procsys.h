/* procsys.h — open a /proc/sys file of the calling thread's network
 * namespace, without the cost that grows with every namespace opened. */
#ifndef NSL_PROCSYS_H
#define NSL_PROCSYS_H

/* key is relative to /proc/sys ("net/ipv6/conf/default/accept_dad");
 * returns an O_CLOEXEC fd or -1 with errno, as open(2) does. */
int nsl_procsys_open(const char *key, int flags);

#endif
