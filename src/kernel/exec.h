/* exec.h — running the user's own programs inside a node. */
#ifndef NSL_EXEC_H
#define NSL_EXEC_H

#include "nsl.h"
#include <sys/types.h>

struct nsl_exec_opts {
	int nsfd;                /* network namespace to join, -1 = stay */
	const char *nsname;      /* bind the files of /etc/netns/NAME over /etc, NULL = no */
	const char *hostname;    /* own UTS namespace with this name, NULL = keep */
	char *const *envp;       /* NULL = inherit */
	const char *input;       /* stdin bytes, NULL = /dev/null */
	size_t input_len;
	int timeout_ms;          /* 0 = none; on expiry the process group is killed */
	const char *cwd;
	volatile int *cancel;    /* when it turns non-zero (a signal handler), the
				    child's process group is killed at once */
	int mntfd, utsfd;        /* > 0: join these (from nsl_node_template)
				    instead of building mount and UTS namespaces */
};

struct nsl_exec_result {
	int status;              /* exit code, or 128+signal */
	int timed_out;
	char *out, *err;         /* NUL-terminated, malloc'd */
	size_t out_len, err_len;
};

/* In the current (child) process: join the node the way `ip netns exec`
 * does — network namespace, private mount namespace with /etc/netns binds
 * and a fresh /sys, hostname. Returns 0 or -errno with *stage set. */
int nsl_node_enter(const struct nsl_exec_opts *o, const char **stage);

/* Build the node's mount and UTS namespaces once (as nsl_node_enter would
 * for nsname and hostname) in a short-lived child, and hand back fds to
 * them: later commands join them with setns, which costs far less than
 * unsharing and mounting for every command. */
int nsl_node_template(const struct nsl_exec_opts *o, int *mntfd, int *utsfd,
		      struct nsl_err *err);

/* The child half of a command, for callers that fork themselves (the
 * REPL's foreground jobs): default signals, enter the node, exec; on
 * failure "ERRNO STAGE" is written to rep and the child exits 127. */
void nsl_exec_child(char *const argv[], const struct nsl_exec_opts *o, int rep)
	__attribute__((noreturn));
/* The error a child reported (buf as written to rep). */
int nsl_exec_report(const char *buf, char *const argv[], struct nsl_err *err);

/* fork, enter the node, exec argv; collect output and status. */
int nsl_exec(char *const argv[], const struct nsl_exec_opts *o,
	     struct nsl_exec_result *r, struct nsl_err *err);
void nsl_exec_result_free(struct nsl_exec_result *r);

/* Start argv in the background, detached (own session), stdout and stderr
 * appended to logpath. */
int nsl_spawn(char *const argv[], const struct nsl_exec_opts *o,
	      const char *logpath, pid_t *pid, struct nsl_err *err);

/* Start time of pid in clock ticks since boot (field 22 of /proc/PID/stat),
 * 0 if it is gone or a zombie: with the pid it names one live process
 * unambiguously. */
unsigned long long nsl_proc_starttime(pid_t pid);

#endif
