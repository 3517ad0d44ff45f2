/* nat.c — one nft_ctx per namespace, made and always used inside it.
 *
 * libnftables exits the process when it cannot open its netlink socket,
 * so we first open a NETLINK_NETFILTER socket ourselves and report a clear
 * error if that fails. Errors are buffered, never printed. */
#define _GNU_SOURCE
#include "nat.h"
#include "netns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include "lazy_nft.h"

static int probe(struct nsl_ns *ns, struct nsl_err *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0)
		return nsl_err_fail(err, errno, "nftables is not available in %s "
				"(kernel built without CONFIG_NF_TABLES?)", nsl_netns_where(ns));
	close(fd);
	return 0;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
}

int nsl_nat_run(struct nsl_ns *ns, const char *script, const char **out,
		struct nsl_err *err)
{
	int saved = -1, rc;

	if (!ns->is_host && (rc = nsl_netns_enter(ns->fd, &saved, err)) < 0)
		return rc;
	if (!ns->nft) {
		rc = probe(ns, err);
		if (rc == 0)
			rc = nsl_lazylib_load_nft(err);
		if (rc < 0)
			goto out;
		ns->nft = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!ns->nft) {
			rc = nsl_err_fail(err, ENOMEM, "nftables context in %s", nsl_netns_where(ns));
			goto out;
		}
		nft_ctx_buffer_output(ns->nft);
		nft_ctx_buffer_error(ns->nft);
	}
	if (nft_run_cmd_from_buffer(ns->nft, script) != 0) {
		char msg[400];
		const char *e = nft_ctx_get_error_buffer(ns->nft);

		snprintf(msg, sizeof msg, "%s", e && *e ? e : "rejected");
		trim(msg);
		/* keep the first line: nft adds the echoed rule and carets */
		msg[strcspn(msg, "\n")] = 0;
		rc = nsl_err_fail_quiet(err, EINVAL, "nft in %s: %s", nsl_netns_where(ns), msg);
		goto out;
	}
	if (out)
		*out = nft_ctx_get_output_buffer(ns->nft);
	rc = 0;
out:
	nsl_netns_restore(&saved);
	return rc;
}

void nsl_nat_release(struct nsl_ns *ns)
{
	if (ns->nft) {
		nft_ctx_free(ns->nft);
		ns->nft = NULL;
	}
}
