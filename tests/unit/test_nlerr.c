/* test_nlerr.c — the error mapping: libnl's NLE_* codes back to the errno
 * the kernel most likely sent, and a refusal's message with the kernel's
 * errno and extended-ack text. Needs no kernel object. */
#include "nlerr.h"
#include "tap.h"

#include <errno.h>
#include <string.h>
#include <netlink/errno.h>

static void maps(int nle, int want, const char *name)
{
	TAP_CHECK(nsl_nl_errno(-nle) == want && nsl_nl_errno(nle) == want, strerror(nsl_nl_errno(-nle)),
		  "%s -> %s", name, strerror(want));
}

int main(void)
{
	struct nsl_err e = { 0, "" };
	struct nsl_nl_ack ack = { EEXIST, "Address already assigned" };
	int rc;

	maps(NLE_EXIST, EEXIST, "NLE_EXIST");
	maps(NLE_OBJ_NOTFOUND, ENOENT, "NLE_OBJ_NOTFOUND");
	maps(NLE_NODEV, ENODEV, "NLE_NODEV");
	maps(NLE_PERM, EPERM, "NLE_PERM");
	maps(NLE_BUSY, EBUSY, "NLE_BUSY");
	maps(NLE_INVAL, EINVAL, "NLE_INVAL");
	maps(NLE_RANGE, ERANGE, "NLE_RANGE");
	maps(NLE_NOMEM, ENOMEM, "NLE_NOMEM");
	maps(NLE_OPNOTSUPP, EOPNOTSUPP, "NLE_OPNOTSUPP");
	maps(NLE_AF_NOSUPPORT, EAFNOSUPPORT, "NLE_AF_NOSUPPORT");
	maps(NLE_NOADDR, EADDRNOTAVAIL, "NLE_NOADDR");
	maps(NLE_NOACCESS, EACCES, "NLE_NOACCESS");
	maps(NLE_AGAIN, EAGAIN, "NLE_AGAIN");
	maps(NLE_MSGSIZE, EMSGSIZE, "NLE_MSGSIZE");
	maps(NLE_IMMUTABLE, EPERM, "NLE_IMMUTABLE");
	maps(NLE_DUMP_INTR, EINTR, "NLE_DUMP_INTR");
	maps(NLE_PARSE_ERR, EIO, "a code of libnl's own");

	rc = nsl_nl_fail(&ack, &e, "address %s on \"%s\" in %s", "10.0.0.1/24", "eth0", "lab.a");
	TAP_CHECK(rc == -EEXIST && e.code == EEXIST &&
		  !strcmp(e.msg, "address 10.0.0.1/24 on \"eth0\" in lab.a: File exists "
			  "(Address already assigned)"), e.msg, "message with extack: %s", e.msg);
	ack = (struct nsl_nl_ack){ ENETUNREACH, "" };
	rc = nsl_nl_fail(&ack, &e, "route %s in %s", "default", "lab.a");
	TAP_CHECK(rc == -ENETUNREACH && !strcmp(e.msg, "route default in lab.a: Network is unreachable"),
		  e.msg, "message without extack: %s", e.msg);
	ack = (struct nsl_nl_ack){ 0, "" };
	rc = nsl_nl_fail(&ack, &e, "x");
	TAP_CHECK(rc == -EIO && e.code == EIO, e.msg, "a refusal without a code is EIO");
	ack = (struct nsl_nl_ack){ EBUSY, "" };
	TAP_CHECK(nsl_nl_fail(&ack, NULL, "x") == -EBUSY, "rc", "no err to fill: still -errno");
	/* the request wrapper takes a message that could not be built */
	TAP_CHECK(nsl_nl_send(NULL, NULL, NULL, NULL, &ack) == -ENOMEM && ack.code == ENOMEM,
		  strerror(ack.code), "an unbuilt message is ENOMEM, nothing sent");
	TAP_CHECK(nsl_nl_request(NULL, NULL, &e, "veth \"%s\"", "a") == -ENOMEM &&
		  strstr(e.msg, "veth \"a\": Cannot allocate memory"), e.msg, "... and says so: %s", e.msg);
	return tap_done();
}
