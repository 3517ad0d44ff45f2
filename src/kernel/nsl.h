/* nsl.h — shared types of the nslab kernel layer (no Lua here).
 *
 * Every kernel-layer function returns 0 or a negative errno and, on failure,
 * fills a caller-owned struct nsl_err whose text names the object and the
 * namespace. The layer never prints and never exits. */
#ifndef NSL_H
#define NSL_H

#include <stddef.h>
#include <stdint.h>

struct nsl_err {
	int code;        /* positive errno */
	char msg[512];
};

/* Record an error: fmt names the object; ": strerror(code)" is appended
 * when code is non-zero. Returns -code so callers can `return nsl_err_fail(...)`. */
int nsl_err_fail(struct nsl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for a message that already says what is wrong: records code
 * (so callers and Lua still get the errno) without the strerror suffix. */
int nsl_err_fail_quiet(struct nsl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A namespace handle: a node's network namespace, its netlink socket and,
 * lazily, its nftables context. The root namespace has is_host set. */
struct nl_sock;
struct nft_ctx;
struct nsl_ns {
	const char *name;        /* pinned name (LAB.NODE), "" for the host; the
				    caller keeps it alive as long as the handle */
	int fd;                  /* open fd of the namespace, -1 when closed */
	int is_host;
	struct nl_sock *sk;      /* NETLINK_ROUTE socket bound inside the ns */
	struct nft_ctx *nft;     /* created inside the ns on first use */
	int next_ifindex;        /* next ifindex to request, 0 = let kernel pick */
	int have_tmpl;           /* 1: tmpl_mnt/tmpl_uts are open fds, -1: failed */
	int tmpl_mnt, tmpl_uts;  /* the node's mount and UTS namespaces as
				    `ip netns exec` would make them, made once
				    so each command only has to join them */
};

/* How messages name a namespace: "host", or its pinned name. */
static inline const char *nsl_netns_where(const struct nsl_ns *ns)
{
	return ns->is_host ? "host" : ns->name;
}

#include <stdarg.h>
int nsl_err_failv(struct nsl_err *err, int code, const char *fmt, va_list ap);

#endif
