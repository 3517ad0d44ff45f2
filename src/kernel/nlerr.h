/* nlerr.h — netlink requests that keep the kernel's own answer.
 *
 * libnl folds kernel errnos into its NLE_* codes (ENETUNREACH and EBUSY
 * come back alike), which would make messages vague. Every request goes
 * through nsl_nl_send(), which reads the answer with a callback set of its
 * own (as libnl's nl_wait_for_ack does: no extra syscall, no state shared
 * between requests) and hands back the kernel's errno and extended-ack text
 * in a struct nsl_nl_ack owned by the caller. */
#ifndef NSL_NLERR_H
#define NSL_NLERR_H

#include "nsl.h"

struct nl_sock;
struct nl_msg;
struct nl_cache;

/* The kernel's answer to one request. */
struct nsl_nl_ack {
	int code;                /* positive errno, 0 = accepted */
	char ext[160];           /* the kernel's extended-ack text, or "" */
};

/* A NETLINK_ROUTE socket; all share one default callback set (one set per
 * socket was ~240 bytes a node). */
struct nl_sock *nsl_nl_socket(void);
/* Ask the kernel for extended-ack text on sk's refusals. */
void nsl_nl_ext_ack(struct nl_sock *sk);

/* Send m (taken and freed; NULL = it could not be built) on sk and read
 * until the kernel's ack, error or end of dump, handing every reply to
 * each (may be NULL). Returns 0 or -errno, with ack filled. */
int nsl_nl_send(struct nl_sock *sk, struct nl_msg *m,
		int (*each)(struct nl_msg *reply, void *arg), void *arg,
		struct nsl_nl_ack *ack);
/* nsl_nl_send for a request the kernel answers with an ack; a refusal
 * fills err as nsl_nl_fail does. */
int nsl_nl_request(struct nl_sock *sk, struct nl_msg *m, struct nsl_err *err,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fill cache with a full dump from sk; a refusal fills err likewise. */
int nsl_nl_dump(struct nl_sock *sk, struct nl_cache *cache, struct nsl_err *err,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fill err for a refused request: fmt, ": strerror(errno)" and, when the
 * kernel said more, " (its text)". Returns -errno. */
int nsl_nl_fail(const struct nsl_nl_ack *ack, struct nsl_err *err,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The errno the kernel most likely sent for a libnl NLE_* code (negative
 * or positive); EIO for codes of libnl's own. */
int nsl_nl_errno(int nlerr);

#endif
