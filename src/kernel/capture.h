/* capture.h — packet capture on a node's interface into a pcap file,
 * through libpcap, by a forked helper process. */
#ifndef NSL_CAPTURE_H
#define NSL_CAPTURE_H

#include "nsl.h"
#include <sys/types.h>

struct nsl_capture_opts {
	const char *ifname;
	const char *file;        /* pcap file to write, "-" = standard output */
	long count;              /* stop after this many packets, 0 = never */
	const char *filter;      /* pcap-filter(7) expression, NULL = all */
	int snaplen;             /* bytes kept per packet, 0 = 262144 */
	int promisc;             /* promiscuous mode, as tcpdump without -p */
	int own_session;         /* setsid(): a terminal's Ctrl-C does not reach
				    it (captures started from a lab or the REPL) */
	int detach_stdio;        /* stdin, stdout, stderr on /dev/null: the
				    caller's pipes (an agent's ssh channel) do
				    not stay open while the helper runs */
	/* Called in the helper when the capture fails after it has started
	 * (the disk filled, libpcap failed), just before it ends with
	 * NSL_CAPTURE_ERROR: the caller says how to tell (this layer never
	 * prints). NULL = nobody is told but by the exit status. */
	void (*report)(const struct nsl_err *e, void *arg);
	void *report_arg;
};

/* How a capture helper ends (its exit status). */
enum {
	NSL_CAPTURE_DONE = 0,    /* stopped by SIGINT/SIGTERM/SIGHUP or count */
	NSL_CAPTURE_ERROR = 1,   /* could not write, or libpcap failed */
	NSL_CAPTURE_GONE = 3,    /* the node or the interface went away */
};

/* Start capturing on o->ifname of ns. A child process opens the output
 * file, joins the node (setns, private mount namespace with the node's
 * /sys, like `ip netns exec`), opens and activates the pcap handle there,
 * then returns to the namespace it came from: only its packet socket stays
 * in the node. It flushes after every packet, and ends on SIGINT, SIGTERM
 * or SIGHUP, after count packets, when the interface disappears, or when
 * the path watch (may be NULL) goes away or changes: the node's pin, or
 * the lab's state directory, so the capture ends when the lab goes down.
 * Returns once the handle is active, so every packet sent after the call
 * is captured; *pid is the helper, the caller's child to reap. */
int nsl_capture_start(struct nsl_ns *ns, const struct nsl_capture_opts *o,
		      const char *watch, pid_t *pid, struct nsl_err *err);

/* Count the packets of a pcap file (records that are complete). */
int nsl_capture_count(const char *file, long *count, struct nsl_err *err);

#endif
