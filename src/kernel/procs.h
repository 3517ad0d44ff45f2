/* procs.h — the processes inside a namespace and the namespace of a
 * process: what `ip netns pids` and `ip netns identify` answer, for lab
 * nodes. A namespace is named by the device and inode of its nsfs file
 * (/proc/PID/ns/net, or a pin under /run/netns); equal ids, same stack. */
#ifndef NSL_PROCS_H
#define NSL_PROCS_H

#include "nsl.h"
#include <sys/types.h>

struct nsl_nsid {
	dev_t dev;
	ino_t ino;
};

/* The namespace behind path (a pin or /proc/PID/ns/net). */
int nsl_procs_nsid(const char *path, struct nsl_nsid *id, struct nsl_err *err);
/* The network namespace pid is in. */
int nsl_procs_nsid_of_pid(pid_t pid, struct nsl_nsid *id, struct nsl_err *err);
static inline int nsl_procs_nsid_eq(const struct nsl_nsid *a, const struct nsl_nsid *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* Call fn for every process whose network namespace is one of ids, with
 * the index of that id (processes that end while we look are skipped); a
 * non-zero return of fn stops the scan and is returned. */
int nsl_procs_each(const struct nsl_nsid *ids, size_t nids,
		   int (*fn)(pid_t pid, size_t which, void *arg), void *arg,
		   struct nsl_err *err);

/* How many processes are in a network namespace other than ours (0: no
 * lab has a process, so a teardown need not look for its own). */
int nsl_procs_away(struct nsl_err *err);

/* Every process whose network namespace is id, ascending; *pids is
 * malloc'd (free it), *n its length. Processes that end while we look
 * are skipped. */
int nsl_procs_in(const struct nsl_nsid *id, pid_t **pids, size_t *n,
		 struct nsl_err *err);

/* End (SIGKILL) every process whose network namespace is one of ids,
 * but ours; returns how many were signalled, so a caller that must see
 * them gone asks again until 0. */
int nsl_procs_kill(const struct nsl_nsid *ids, size_t nids, struct nsl_err *err);

/* Join a node in this very process (nsl_exec_enter) and exec argv: what
 * `nslab exec` does, with no fork, so the command's exit status is ours.
 * Returns only on failure. */
int nsl_procs_exec_in(const char *pin, const char *nsname, const char *hostname,
		      char *const argv[], struct nsl_err *err);

/* Start time of pid in clock ticks since boot (field 22 of /proc/PID/stat),
 * 0 if it is gone or a zombie: with the pid it names one live process
 * unambiguously. */
unsigned long long nsl_procs_starttime(pid_t pid);

#endif
