/* nlerr.c — keep the kernel's own errno and extended-ack message.
 *
 * libnl folds kernel errnos into its NLE_* codes (ENETUNREACH and EBUSY
 * come back alike), which would make messages vague. An error callback on
 * each socket records the real errno and the kernel's text. */
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

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nsl_ns *ns = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof *e;

	(void)who;
	ns->kerrno = -e->error;
	ns->kext[0] = 0;
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
			snprintf(ns->kext, sizeof ns->kext, "%s",
				 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

void nsl_nl_install(struct nsl_ns *ns)
{
	int one = 1;

	(void)setsockopt(nl_socket_get_fd(ns->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof one);
	nl_socket_modify_err_cb(ns->sk, NL_CB_CUSTOM, on_error, ns);
}

void nsl_nl_reset(struct nsl_ns *ns)
{
	ns->kerrno = 0;
	ns->kext[0] = 0;
}

int nsl_nl_fail(struct nsl_ns *ns, int nlrc, struct nsl_err *err,
		const char *fmt, ...)
{
	int code = ns->kerrno ? ns->kerrno : nsl_nlerr_errno(nlrc);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = nsl_failv(err, code, fmt, ap);
	va_end(ap);
	if (err && ns->kext[0]) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (%s)", ns->kext);
	}
	return rc;
}
