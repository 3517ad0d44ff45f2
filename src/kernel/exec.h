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
	int mntfd, utsfd;        /* > 0: join these (from nsl_exec_template)
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
int nsl_exec_enter(const struct nsl_exec_opts *o, const char **stage);

/* Build the node's mount and UTS namespaces once (as nsl_exec_enter would
 * for nsname and hostname) in a short-lived child, and hand back fds to
 * them: later commands join them with setns, which costs far less than
 * unsharing and mounting for every command. */
int nsl_exec_template(const struct nsl_exec_opts *o, int *mntfd, int *utsfd,
		      struct nsl_err *err);

/* Point o at node (its network namespace; nothing for the host) and, on
 * the first command there, build its template (nsl_exec_template) once,
 * kept in the node's handle; when that fails every command builds its
 * own. Set o->nsname and o->hostname first. */
void nsl_exec_set_node(struct nsl_exec_opts *o, struct nsl_ns *node);

/* Drop the node's template: the next command builds it again (after the
 * node's private files changed). */
void nsl_exec_forget_template(struct nsl_ns *node);

/* fork, enter the node, exec argv; collect output and status. */
int nsl_exec_run(char *const argv[], const struct nsl_exec_opts *o,
		 struct nsl_exec_result *r, struct nsl_err *err);
void nsl_exec_result_free(struct nsl_exec_result *r);

/* Start argv in the background, detached (own session), stdout and stderr
 * appended to logpath. */
int nsl_exec_spawn(char *const argv[], const struct nsl_exec_opts *o,
		   const char *logpath, pid_t *pid, struct nsl_err *err);

/* Run argv in a node as a shell runs a foreground job: stdin, stdout and
 * stderr are ours, the job owns the terminal until it ends (Ctrl-C
 * interrupts it, not us) and the terminal modes are restored after.
 * setenv_kv (NAME, value, ..., NULL; may be NULL) is added to the
 * environment. A stopped job (Ctrl-Z) is continued: there is no job
 * control. hangup(arg) (may be NULL) is asked after each signal that
 * reaches us; when it says so the job gets SIGHUP. *status: exit code, or
 * 128+signal. */
int nsl_exec_foreground(char *const argv[], const struct nsl_exec_opts *o,
			char *const setenv_kv[], int (*hangup)(void *), void *arg,
			int *status, struct nsl_err *err);

#endif
