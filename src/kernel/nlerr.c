/* nlerr.c — keep the kernel's own errno and extended-ack message.
 *
 * libnl folds kernel errnos into its NLE_* codes (ENETUNREACH and EBUSY
 * come back alike), which would make messages vague. One error callback,
 * shared by every node's socket (a callback set per socket was ~240 bytes
 * a node), records the real errno and the kernel's text of the last
 * refusal: nslab sends one request at a time, so the last is the one. */
#include "nsl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nsl_nlerr_errno(int nlerr);

int nsl_kerrno;
char nsl_kext[160];

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof *e;

	(void)who;
	(void)arg;
	nsl_kerrno = -e->error;
	nsl_kext[0] = 0;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off < h->nlmsg_len) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		struct nlattr *start = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
		int len = (int)h->nlmsg_len - (int)(NLMSG_HDRLEN + NLMSG_ALIGN(off));

		if (len > 0 && nla_parse(tb, NLMSGERR_ATTR_MAX, start, len, NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(nsl_kext, sizeof nsl_kext, "%s",
				 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

struct nl_sock *nsl_nl_socket(void)
{
	static struct nl_cb *cb;

	if (!cb) {
		cb = nl_cb_alloc(NL_CB_DEFAULT);
		if (!cb)
			return NULL;
		nl_cb_err(cb, NL_CB_CUSTOM, on_error, NULL);
	}
	return nl_socket_alloc_cb(cb);
}

void nsl_nl_ext_ack(struct nl_sock *sk)
{
	int one = 1;

	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof one);
}

void nsl_nl_reset(void)
{
	nsl_kerrno = 0;
	nsl_kext[0] = 0;
}

int nsl_nl_fail(int nlrc, struct nsl_err *err, const char *fmt, ...)
{
	int code = nsl_kerrno ? nsl_kerrno : nsl_nlerr_errno(nlrc);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = nsl_failv(err, code, fmt, ap);
	va_end(ap);
	if (err && nsl_kext[0]) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (%s)", nsl_kext);
	}
	return rc;
}
