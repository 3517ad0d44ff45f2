/* monitor.h — watch a lab: its nodes (namespace pins) appearing and
 * going, and in each node its links and addresses, as events. Pins are
 * watched with inotify on /run/netns (and the lab's state directory for
 * the lab's end); inside each node a libnl cache manager, whose sockets
 * are opened inside the node's namespace, turns the kernel's RTNLGRP_LINK
 * and address notifications into add/del/up/down. Read only. */
#ifndef NSL_MONITOR_H
#define NSL_MONITOR_H

#include "nsl.h"

struct nsl_mon_event {
	const char *what;        /* "lab", "node", "link", "addr" */
	const char *action;      /* "up", "down" (lab, link); "add", "del" */
	const char *node;        /* node name, NULL for lab events */
	const char *ifname;      /* link and addr events */
	const char *detail;      /* link add: kind ("" plain); addr: CIDR */
};

struct nsl_monitor;

/* Start watching lab (which need not be up yet): nodes already there are
 * attached silently. */
int nsl_monitor_open(const char *lab, struct nsl_monitor **m, struct nsl_err *err);
/* Wait up to timeout_ms (-1 = forever) and report what happened through
 * fn (which may stop the walk by returning non-zero). Returns the number
 * of events, or a negative errno (EINTR when a signal came). */
int nsl_monitor_poll(struct nsl_monitor *m, int timeout_ms,
		     int (*fn)(const struct nsl_mon_event *e, void *arg), void *arg,
		     struct nsl_err *err);
/* Also end a poll when fd becomes readable (it is not read; -1: none):
 * `nslab web` wakes on queued HTTP requests this way. */
void nsl_monitor_wake_on(struct nsl_monitor *m, int fd);
void nsl_monitor_close(struct nsl_monitor *m);

#endif
