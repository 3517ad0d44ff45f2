/* exec.c — fork; in the child join the node and exec. Only a forked child
 * ever switches namespaces for a user command, so the nslab process keeps
 * its own mount and UTS namespaces. */
#define _GNU_SOURCE
#include "exec.h"
#include "paths.h"
#include "names.h"
#include "private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Bind every file of /etc/netns/NAME over its namesake in /etc, as
 * iproute2's `ip netns exec` does; missing targets are skipped. */
static void bind_etc(const char *nsname)
{
	char dir[PATH_MAX], src[PATH_MAX + 256], dst[300];
	struct dirent *e;
	DIR *d;

	if (!nsl_names_pin_valid(nsname))
		return;
	snprintf(dir, sizeof dir, "%s/%s", NSL_ETC_NETNS, nsname);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof src, "%s/%s", dir, e->d_name);
		snprintf(dst, sizeof dst, "/etc/%s", e->d_name);
		(void)mount(src, dst, "none", MS_BIND, NULL);
	}
	closedir(d);
}

int nsl_exec_enter(const struct nsl_exec_opts *o, const char **stage)
{
	if (o->nsfd >= 0 && setns(o->nsfd, CLONE_NEWNET) < 0) {
		*stage = "enter network namespace";
		return -errno;
	}
	if (o->mntfd > 0 && o->utsfd > 0) {
		/* joining a mount namespace moves us to its root: keep the cwd */
		char cwd[PATH_MAX];
		int have_cwd = getcwd(cwd, sizeof cwd) != NULL;

		if (setns(o->mntfd, CLONE_NEWNS) < 0) {
			*stage = "join the node's mount namespace";
			return -errno;
		}
		if (setns(o->utsfd, CLONE_NEWUTS) < 0) {
			*stage = "join the node's UTS namespace";
			return -errno;
		}
		if (o->cwd ? chdir(o->cwd) < 0 : (have_cwd && chdir(cwd) < 0 && chdir("/") < 0)) {
			*stage = "change directory";
			return -errno;
		}
		return 0;
	}
	if (o->nsname) {
		struct statvfs sv;
		unsigned long fl = 0;
		int rc;

		if (unshare(CLONE_NEWNS) < 0) {
			*stage = "private mount namespace";
			return -errno;
		}
		/* keep our mounts from propagating back to the host */
		if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
			*stage = "make / a slave mount";
			return -errno;
		}
		/* /sys must show this namespace's interfaces */
		if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
			fl = MS_RDONLY;
		/* in a rootless namespace /sys is locked (cannot be
		 * unmounted): the node's sysfs goes on top of it instead */
		if (umount2("/sys", MNT_DETACH) == 0 || errno == EINVAL || errno == EPERM)
			(void)mount(o->nsname, "/sys", "sysfs", fl, NULL);
		bind_etc(o->nsname);
		/* never run with the host's copy of a path the node keeps
		 * private: a daemon would write where the host sees it */
		if ((rc = nsl_private_bind(o->nsname)) < 0) {
			*stage = "bind the node's private files";
			return rc;
		}
	}
	if (o->hostname) {
		if (unshare(CLONE_NEWUTS) < 0 ||
		    sethostname(o->hostname, strlen(o->hostname)) < 0) {
			*stage = "set hostname";
			return -errno;
		}
	}
	if (o->cwd && chdir(o->cwd) < 0) {
		*stage = "change directory";
		return -errno;
	}
	return 0;
}

static void child_run(char *const argv[], const struct nsl_exec_opts *o, int rep)
	__attribute__((noreturn));

/* Every signal nslab handles or ignores (main.c, src/lua/readline.c) and
 * the job-control ones a shell would reset: a child resets them before it
 * unblocks signals, so no handler of ours ever runs in a child — which
 * matters when the child shares our memory (below). The one list for
 * every child nslab starts. */
static const int child_signals[] = {
	SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGTERM, SIGHUP,
	SIGCHLD, SIGWINCH,
};

static void child_defaults(void)
{
	sigset_t none;
	size_t i;

	/* the sanitizer test pass preloads its runtime into the test driver;
	 * user commands must not inherit it (such builds fork, see
	 * start_child, so changing the environment here is safe) */
	if (getenv("NSLAB_SANITIZER_PRELOAD"))
		unsetenv("LD_PRELOAD");

	for (i = 0; i < sizeof child_signals / sizeof child_signals[0]; i++)
		signal(child_signals[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

#if defined(__SANITIZE_ADDRESS__)
#define NSL_FORK_ONLY 1          /* ASan cannot follow a child on our memory */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NSL_FORK_ONLY 1
#endif
#endif

/* Start a child running fn(arg), which must exec or _exit. fork() copies
 * the page tables of the whole nslab process (Lua heap, libraries: several
 * MiB), which put node:exec at ~1.7x a bare setns+fork+exec; a child that
 * borrows our memory until it execs (CLONE_VM|CLONE_VFORK, as posix_spawn
 * does) costs the same whatever our size. Such a child writes nothing of
 * ours: it runs on its own stack, signals stay blocked until it has reset
 * our handlers, and it only makes system calls. We are suspended until it
 * execs or exits. Returns the pid, or -1 with errno. */
static pid_t start_child(int (*fn)(void *), void *arg)
{
	static char *stack;
	const size_t size = 256 * 1024;  /* execvp's PATH and argv copies */
	sigset_t all, old;
	pid_t pid;
	int e;

#ifndef NSL_FORK_ONLY
	if (!stack && !getenv("NSLAB_SANITIZER_PRELOAD")) {
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
		stack = m == MAP_FAILED ? NULL : m;
	}
#endif
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (stack) {
		pid = clone(fn, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
	} else {
		pid = fork();
		if (pid == 0)
			_exit(fn(arg));
	}
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

/* In the child: report errno and stage through the CLOEXEC pipe, then die. */
static __attribute__((noreturn)) void child_fail(int rep, int e, const char *stage)
{
	char buf[200];
	int n = snprintf(buf, sizeof buf, "%d %s", e, stage);

	if (n > 0)
		(void)!write(rep, buf, (size_t)n);
	_exit(127);
}

void nsl_exec_child(char *const argv[], const struct nsl_exec_opts *o, int rep)
{
	child_defaults();
	child_run(argv, o, rep);
}

static void child_run(char *const argv[], const struct nsl_exec_opts *o, int rep)
{
	const char *stage = "";
	int rc = nsl_exec_enter(o, &stage);

	if (rc < 0)
		child_fail(rep, -rc, stage);
	if (o->envp)
		execvpe(argv[0], argv, o->envp);
	else
		execvp(argv[0], argv);
	child_fail(rep, errno, "run");
}

/* The error a child reported (buf as written to rep). */
static int report(const char *buf, char *const argv[], struct nsl_err *err)
{
	int e = 0, off = 0;

	if (sscanf(buf, "%d %n", &e, &off) < 1)
		e = EIO;
	if (strcmp(buf + off, "run") == 0)
		return nsl_err_fail(err, e, "cannot run \"%s\"", argv[0]);
	return nsl_err_fail(err, e, "cannot start \"%s\" (%s)", argv[0], buf + off);
}

/* Read what the child reported before exec; 0 when exec succeeded. */
static int child_report(int rep, char *const argv[], struct nsl_err *err)
{
	char buf[200];
	ssize_t n;

	do
		n = read(rep, buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return report(buf, argv, err);
}

static int append(char **buf, size_t *len, size_t *cap, const char *d, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;
		char *p;

		while (nc < *len + n + 1)
			nc *= 2;
		p = realloc(*buf, nc);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = nc;
	}
	memcpy(*buf + *len, d, n);
	*len += n;
	(*buf)[*len] = 0;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nsl_exec_template(const struct nsl_exec_opts *o, int *mntfd, int *utsfd,
		      struct nsl_err *err)
{
	struct nsl_exec_opts t = *o;
	int ready[2], go[2], rc = 0;
	char path[64], c;
	pid_t pid;

	t.mntfd = t.utsfd = 0;
	t.cwd = NULL;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return nsl_err_fail(err, errno, "node template: pipe");
	if (pipe2(go, O_CLOEXEC) < 0) {
		rc = nsl_err_fail(err, errno, "node template: pipe");
		goto out_ready;
	}
	pid = fork();
	if (pid < 0) {
		rc = nsl_err_fail(err, errno, "node template: fork");
		goto out;
	}
	if (pid == 0) {
		const char *stage = "";
		char ok;

		/* keep only our ends, so the parent's close reaches us as EOF */
		close(go[1]);
		close(ready[0]);
		ok = nsl_exec_enter(&t, &stage) == 0 ? 'y' : 'n';

		(void)!write(ready[1], &ok, 1);
		(void)!read(go[0], &ok, 1);       /* parent has opened our fds */
		_exit(0);
	}
	close(ready[1]);
	ready[1] = -1;
	if (read(ready[0], &c, 1) != 1 || c != 'y') {
		rc = nsl_err_fail(err, EIO, "node %s: cannot prepare its mount and UTS namespaces",
			      o->nsname ? o->nsname : "?");
	} else {
		snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
		*mntfd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
		*utsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (*mntfd < 0 || *utsfd < 0) {
			rc = nsl_err_fail(err, errno, "node template: open namespaces");
			if (*mntfd >= 0)
				close(*mntfd);
			if (*utsfd >= 0)
				close(*utsfd);
		}
	}
	close(go[1]);
	go[1] = -1;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
out:
	if (go[0] >= 0) close(go[0]);
	if (go[1] >= 0) close(go[1]);
out_ready:
	close(ready[0]);
	if (ready[1] >= 0) close(ready[1]);
	return rc;
}

void nsl_exec_forget_template(struct nsl_ns *node)
{
	if (node->have_tmpl > 0) {
		close(node->tmpl_mnt);
		close(node->tmpl_uts);
	}
	node->have_tmpl = 0;
}

void nsl_exec_set_node(struct nsl_exec_opts *o, struct nsl_ns *node)
{
	if (!node || node->is_host)
		return;
	o->nsfd = node->fd;
	if (!node->have_tmpl && o->nsname && o->hostname)
		node->have_tmpl = nsl_exec_template(o, &node->tmpl_mnt,
						    &node->tmpl_uts, NULL) == 0 ? 1 : -1;
	if (node->have_tmpl > 0) {
		o->mntfd = node->tmpl_mnt;
		o->utsfd = node->tmpl_uts;
	}
}

/* write() that turns a reader gone away into EPIPE, never into a
 * SIGPIPE that would end the embedding process (busted has no handler). */
static ssize_t write_nosig(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old;
	ssize_t n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	if (n < 0 && errno == EPIPE) {
		struct timespec now = { 0, 0 };
		int e = errno;

		(void)sigtimedwait(&pipe_set, NULL, &now);   /* drop our SIGPIPE */
		errno = e;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return n;
}

struct exec_child {
	char *const *argv;
	const struct nsl_exec_opts *o;
	int in, out, err, rep;   /* in < 0: /dev/null */
};

static int exec_child_main(void *arg)
{
	const struct exec_child *c = arg;
	int in = c->in >= 0 ? c->in : open("/dev/null", O_RDONLY | O_CLOEXEC);

	child_defaults();
	setpgid(0, 0);
	dup2(in, 0);
	dup2(c->out, 1);
	dup2(c->err, 2);
	child_run(c->argv, c->o, c->rep);
}

/* One command's pipes (read end, write end; -1 when closed) and how far
 * its input has been written. */
struct run {
	int out[2], err[2], in[2], rep[2];
	size_t cap_out, cap_err, in_off;
};

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

static int open_pipes(struct run *x, int with_input)
{
	if (pipe2(x->out, O_CLOEXEC) < 0 || pipe2(x->err, O_CLOEXEC) < 0 ||
	    pipe2(x->rep, O_CLOEXEC) < 0 || (with_input && pipe2(x->in, O_CLOEXEC) < 0))
		return -errno;
	return 0;
}

/* Our ends after the child started: theirs closed, input non-blocking
 * (or closed at once when there is none to write). */
static void keep_our_ends(struct run *x, const struct nsl_exec_opts *o)
{
	close(x->out[1]); x->out[1] = -1;
	close(x->err[1]); x->err[1] = -1;
	close(x->rep[1]); x->rep[1] = -1;
	if (o->input) {
		close(x->in[0]); x->in[0] = -1;
		fcntl(x->in[1], F_SETFL, O_NONBLOCK);
		if (o->input_len == 0) {
			close(x->in[1]);
			x->in[1] = -1;
		}
	}
}

static void kill_job(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* Move what is readable on stdout (i 0) or stderr (i 1) into r. */
static void take_output(struct run *x, int i, struct nsl_exec_result *r)
{
	char buf[16384];
	int *fd = i == 0 ? &x->out[0] : &x->err[0];
	ssize_t n = read(*fd, buf, sizeof buf);

	if (n > 0) {
		if (i == 0)
			append(&r->out, &r->out_len, &x->cap_out, buf, (size_t)n);
		else
			append(&r->err, &r->err_len, &x->cap_err, buf, (size_t)n);
	} else if (n == 0 || errno != EINTR) {
		close(*fd);
		*fd = -1;
	}
}

/* Write the next piece of the command's input. */
static void feed_input(struct run *x, const struct nsl_exec_opts *o)
{
	ssize_t n = write_nosig(x->in[1], o->input + x->in_off, o->input_len - x->in_off);

	if (n > 0)
		x->in_off += (size_t)n;
	if (n < 0 || x->in_off >= o->input_len) {
		close(x->in[1]);
		x->in[1] = -1;
	}
}

/* Collect output and feed input until both outputs close, the deadline
 * passes (r->timed_out) or the caller cancels; then the job is killed. */
static void pump(struct run *x, pid_t pid, const struct nsl_exec_opts *o,
		 struct nsl_exec_result *r)
{
	long long deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : 0;

	while (x->out[0] >= 0 || x->err[0] >= 0) {
		struct pollfd pf[3] = {
			{ .fd = x->out[0], .events = POLLIN },
			{ .fd = x->err[0], .events = POLLIN },
			{ .fd = x->in[1], .events = POLLOUT },
		};
		int wait = -1;

		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				r->timed_out = 1;
				kill_job(pid);
				return;
			}
			wait = (int)left;
		}
		if (o->cancel && *o->cancel) {
			kill_job(pid);
			return;
		}
		if (poll(pf, 3, wait) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++)
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				take_output(x, i, r);
		if (x->in[1] >= 0 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP)))
			feed_input(x, o);
	}
}

/* Wait for pid; its exit code, or 128+signal. */
static int reap(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int nsl_exec_run(char *const argv[], const struct nsl_exec_opts *o,
		 struct nsl_exec_result *r, struct nsl_err *err)
{
	struct run x = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, 0, 0, 0 };
	int rc = 0;
	pid_t pid = -1;

	memset(r, 0, sizeof *r);
	if ((rc = open_pipes(&x, o->input != NULL)) < 0) {
		rc = nsl_err_fail(err, -rc, "cannot run \"%s\": pipe", argv[0]);
		goto out;
	}
	{
		struct exec_child c = { argv, o, o->input ? x.in[0] : -1,
					x.out[1], x.err[1], x.rep[1] };

		pid = start_child(exec_child_main, &c);
	}
	if (pid < 0) {
		rc = nsl_err_fail(err, errno, "cannot run \"%s\": fork", argv[0]);
		goto out;
	}
	keep_our_ends(&x, o);
	pump(&x, pid, o, r);
	r->status = reap(pid);
	rc = child_report(x.rep[0], argv, err);
out:
	if (!r->out) append(&r->out, &r->out_len, &x.cap_out, "", 0);
	if (!r->err) append(&r->err, &r->err_len, &x.cap_err, "", 0);
	close_pair(x.out);
	close_pair(x.err);
	close_pair(x.in);
	close_pair(x.rep);
	return rc;
}

void nsl_exec_result_free(struct nsl_exec_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int nsl_exec_spawn(char *const argv[], const struct nsl_exec_opts *o,
	      const char *logpath, pid_t *pid, struct nsl_err *err)
{
	int prep[2], rc;
	pid_t p;

	if (pipe2(prep, O_CLOEXEC) < 0)
		return nsl_err_fail(err, errno, "cannot start \"%s\": pipe", argv[0]);
	p = fork();
	if (p < 0) {
		rc = nsl_err_fail(err, errno, "cannot start \"%s\": fork", argv[0]);
		close(prep[0]);
		close(prep[1]);
		return rc;
	}
	if (p == 0) {
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int log = open(logpath ? logpath : "/dev/null",
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		child_defaults();
		setsid();
		if (in < 0 || log < 0)
			child_fail(prep[1], errno, "open log file");
		dup2(in, 0);
		dup2(log, 1);
		dup2(log, 2);
		child_run(argv, o, prep[1]);
	}
	close(prep[1]);
	rc = child_report(prep[0], argv, err);
	close(prep[0]);
	if (rc < 0) {
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		return rc;
	}
	*pid = p;
	return 0;
}

/* ---- foreground jobs ---- */

/* Give the terminal to process group pg (SIGTTOU held while we do). */
static void give_tty(int tty, pid_t pg)
{
	sigset_t s, old;

	sigemptyset(&s);
	sigaddset(&s, SIGTTOU);
	sigprocmask(SIG_BLOCK, &s, &old);
	(void)tcsetpgrp(tty, pg);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The child of a foreground job: own process group in the terminal's
 * foreground (so Ctrl-C and Ctrl-Z reach it, not nslab), default signals,
 * extra environment, the node, exec. Failures go up the CLOEXEC pipe. */
static __attribute__((noreturn)) void foreground_child(char *const argv[],
		const struct nsl_exec_opts *o, char *const setenv_kv[], int tty, int rep)
{
	if (tty >= 0) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_IGN);
		(void)tcsetpgrp(tty, getpid());
	}
	child_defaults();
	for (size_t i = 0; setenv_kv && setenv_kv[i]; i += 2)
		setenv(setenv_kv[i], setenv_kv[i + 1], 1);
	child_run(argv, o, rep);
}

/* Wait for the job as a shell without job control would: a stopped job
 * is continued; when hangup() says we are asked to end, it gets SIGHUP. */
static int wait_job(pid_t pid, int tty, int (*hangup)(void *), void *arg)
{
	int st = 0;

	for (;;) {
		pid_t r = waitpid(pid, &st, WUNTRACED);

		if (r == pid && WIFSTOPPED(st)) {
			if (tty >= 0)
				give_tty(tty, pid);
			kill(tty >= 0 ? -pid : pid, SIGCONT);
			continue;
		}
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (hangup && hangup(arg))
			kill(tty >= 0 ? -pid : pid, SIGHUP);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int nsl_exec_foreground(char *const argv[], const struct nsl_exec_opts *o,
			char *const setenv_kv[], int (*hangup)(void *), void *arg,
			int *status, struct nsl_err *err)
{
	struct termios tio;
	int prep[2], tty = -1, have_tio = 0, rc;
	char buf[200];
	ssize_t n;
	pid_t pid;

	if (isatty(0) && tcgetpgrp(0) == getpgrp()) {
		tty = 0;
		have_tio = tcgetattr(tty, &tio) == 0;
	}
	if (pipe2(prep, O_CLOEXEC) < 0)
		return nsl_err_fail(err, errno, "cannot run \"%s\": pipe", argv[0]);
	fflush(NULL);     /* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		rc = nsl_err_fail(err, errno, "cannot run \"%s\": fork", argv[0]);
		close(prep[0]);
		close(prep[1]);
		return rc;
	}
	if (pid == 0)
		foreground_child(argv, o, setenv_kv, tty, prep[1]);
	close(prep[1]);
	if (tty >= 0) {
		setpgid(pid, pid);        /* both sides: whichever runs first */
		give_tty(tty, pid);
	}
	do
		n = read(prep[0], buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	close(prep[0]);
	*status = wait_job(pid, tty, hangup, arg);
	if (tty >= 0) {
		give_tty(tty, getpgrp());
		if (have_tio)
			(void)tcsetattr(tty, TCSADRAIN, &tio);
	}
	if (n > 0) {
		buf[n] = 0;
		return report(buf, argv, err);
	}
	return 0;
}
