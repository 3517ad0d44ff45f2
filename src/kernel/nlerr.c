/* nlerr.c — netlink requests that keep the kernel's own errno and
 * extended-ack text (see nlerr.h). */
#include "nlerr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/cache.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nsl_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_EXIST: return EEXIST;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NODEV: return ENODEV;
	case NLE_PERM: return EPERM;
	case NLE_BUSY: return EBUSY;
	case NLE_INVAL: return EINVAL;
	case NLE_RANGE: return ERANGE;
	case NLE_NOMEM: return ENOMEM;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_NOACCESS: return EACCES;
	case NLE_AGAIN: return EAGAIN;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_IMMUTABLE: return EPERM;
	case NLE_DUMP_INTR: return EINTR;
	default: return EIO;
	}
}

struct nl_sock *nsl_nl_socket(void)
{
	/* never changed after it is made: requests bring their own set */
	static struct nl_cb *cb;

	if (!cb && !(cb = nl_cb_alloc(NL_CB_DEFAULT)))
		return NULL;
	return nl_socket_alloc_cb(cb);
}

void nsl_nl_ext_ack(struct nl_sock *sk)
{
	int one = 1;

	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof one);
}

/* One request in flight: what its callbacks fill. */
struct talk {
	struct nsl_nl_ack *ack;
	int (*each)(struct nl_msg *, void *);
	void *arg;
	int done;
};

/* The kernel's text from an error message carrying NLMSGERR_ATTR_MSG. */
static void ext_text(struct nlmsgerr *e, char *buf, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof *e;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *start;
	int n;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return;
	start = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
	n = (int)h->nlmsg_len - (int)(NLMSG_HDRLEN + NLMSG_ALIGN(off));
	if (n > 0 && nla_parse(tb, NLMSGERR_ATTR_MAX, start, n, NULL) == 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(buf, len, "%s", (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *p)
{
	struct talk *t = p;

	(void)who;
	t->ack->code = -e->error;
	ext_text(e, t->ack->ext, sizeof t->ack->ext);
	t->done = 1;
	return NL_STOP;
}

static int on_done(struct nl_msg *m, void *p)
{
	(void)m;
	((struct talk *)p)->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *m, void *p)
{
	struct talk *t = p;

	return t->each ? t->each(m, t->arg) : NL_OK;
}

static int refused(struct nsl_nl_ack *ack, int nlrc)
{
	if (!ack->code)
		ack->code = nsl_nl_errno(nlrc);
	return -ack->code;
}

/* Read sk until the kernel's ack, error or end of dump. */
static int answer(struct nl_sock *sk, int (*each)(struct nl_msg *, void *),
		  void *arg, struct nsl_nl_ack *ack)
{
	struct talk t = { ack, each, arg, 0 };
	/* a set per request, as nl_wait_for_ack makes one */
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc = 0;

	if (!cb)
		return refused(ack, -NLE_NOMEM);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	while (!t.done && rc >= 0)
		rc = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	if (ack->code || rc < 0)
		return refused(ack, rc);
	return 0;
}

int nsl_nl_send(struct nl_sock *sk, struct nl_msg *m,
		int (*each)(struct nl_msg *, void *), void *arg,
		struct nsl_nl_ack *ack)
{
	int rc;

	ack->code = 0;
	ack->ext[0] = 0;
	if (!m)
		return refused(ack, -NLE_NOMEM);
	rc = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (rc < 0)
		return refused(ack, rc);
	return answer(sk, each, arg, ack);
}

static int failv(const struct nsl_nl_ack *ack, struct nsl_err *err,
		 const char *fmt, va_list ap)
{
	int rc = nsl_err_failv(err, ack->code ? ack->code : EIO, fmt, ap);

	if (err && ack->ext[0]) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof err->msg - n, " (%s)", ack->ext);
	}
	return rc;
}

int nsl_nl_fail(const struct nsl_nl_ack *ack, struct nsl_err *err,
		const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = failv(ack, err, fmt, ap);
	va_end(ap);
	return rc;
}

int nsl_nl_request(struct nl_sock *sk, struct nl_msg *m, struct nsl_err *err,
		   const char *fmt, ...)
{
	struct nsl_nl_ack ack;
	va_list ap;
	int rc = nsl_nl_send(sk, m, NULL, NULL, &ack);

	if (rc == 0)
		return 0;
	va_start(ap, fmt);
	rc = failv(&ack, err, fmt, ap);
	va_end(ap);
	return rc;
}

int nsl_nl_dump(struct nl_sock *sk, struct nl_cache *cache, struct nsl_err *err,
		const char *fmt, ...)
{
	struct nsl_nl_ack ack = { 0, "" };
	struct talk t = { &ack, NULL, NULL, 0 };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT), *old;
	va_list ap;
	int rc;

	if (!cb)
		return nsl_err_fail(err, ENOMEM, "netlink callbacks");
	/* libnl reads a dump (and redoes one the kernel interrupted) with the
	 * socket's own set: lend it one that keeps the kernel's answer */
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	old = nl_socket_get_cb(sk);
	nl_socket_set_cb(sk, cb);
	rc = nl_cache_refill(sk, cache);
	nl_socket_set_cb(sk, old);
	nl_cb_put(old);
	nl_cb_put(cb);
	if (rc >= 0)
		return 0;
	refused(&ack, rc);
	va_start(ap, fmt);
	rc = failv(&ack, err, fmt, ap);
	va_end(ap);
	return rc;
}
