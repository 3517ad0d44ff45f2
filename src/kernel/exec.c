/* exec.c — fork; in the child join the node and exec. Only a forked child
 * ever switches namespaces for a user command, so the nslab process keeps
 * its own mount and UTS namespaces. */
#define _GNU_SOURCE
#include "exec.h"
#include "paths.h"
#include "names.h"

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
#include <time.h>
#include <unistd.h>

/* Bind every file of /etc/netns/NAME over its namesake in /etc, as
 * iproute2's `ip netns exec` does; missing targets are skipped. */
static void bind_etc(const char *nsname)
{
	char dir[PATH_MAX], src[PATH_MAX + 256], dst[300];
	struct dirent *e;
	DIR *d;

	if (!nsl_pin_name_valid(nsname))
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

int nsl_node_enter(const struct nsl_exec_opts *o, const char **stage)
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
		if (umount2("/sys", MNT_DETACH) == 0)
			(void)mount(o->nsname, "/sys", "sysfs", fl, NULL);
		bind_etc(o->nsname);
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

/* Every signal nslab handles or ignores (main.c, lua_readline.c): a child
 * resets them before it unblocks signals, so no handler of ours ever runs
 * in a child — which matters when the child shares our memory (below). */
static const int our_signals[] = {
	SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGWINCH,
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

	for (i = 0; i < sizeof our_signals / sizeof our_signals[0]; i++)
		signal(our_signals[i], SIG_DFL);
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
	int rc = nsl_node_enter(o, &stage);

	if (rc < 0)
		child_fail(rep, -rc, stage);
	if (o->envp)
		execvpe(argv[0], argv, o->envp);
	else
		execvp(argv[0], argv);
	child_fail(rep, errno, "run");
}

int nsl_exec_report(const char *buf, char *const argv[], struct nsl_err *err)
{
	int e = 0, off = 0;

	if (sscanf(buf, "%d %n", &e, &off) < 1)
		e = EIO;
	if (strcmp(buf + off, "run") == 0)
		return nsl_fail(err, e, "cannot run \"%s\"", argv[0]);
	return nsl_fail(err, e, "cannot start \"%s\" (%s)", argv[0], buf + off);
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
	return nsl_exec_report(buf, argv, err);
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

int nsl_node_template(const struct nsl_exec_opts *o, int *mntfd, int *utsfd,
		      struct nsl_err *err)
{
	struct nsl_exec_opts t = *o;
	int ready[2], go[2], rc = 0;
	char path[64], c;
	pid_t pid;

	t.mntfd = t.utsfd = 0;
	t.cwd = NULL;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return nsl_fail(err, errno, "node template: pipe");
	if (pipe2(go, O_CLOEXEC) < 0) {
		rc = nsl_fail(err, errno, "node template: pipe");
		goto out_ready;
	}
	pid = fork();
	if (pid < 0) {
		rc = nsl_fail(err, errno, "node template: fork");
		goto out;
	}
	if (pid == 0) {
		const char *stage = "";
		char ok;

		/* keep only our ends, so the parent's close reaches us as EOF */
		close(go[1]);
		close(ready[0]);
		ok = nsl_node_enter(&t, &stage) == 0 ? 'y' : 'n';

		(void)!write(ready[1], &ok, 1);
		(void)!read(go[0], &ok, 1);       /* parent has opened our fds */
		_exit(0);
	}
	close(ready[1]);
	ready[1] = -1;
	if (read(ready[0], &c, 1) != 1 || c != 'y') {
		rc = nsl_fail(err, EIO, "node %s: cannot prepare its mount and UTS namespaces",
			      o->nsname ? o->nsname : "?");
	} else {
		snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
		*mntfd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
		*utsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (*mntfd < 0 || *utsfd < 0) {
			rc = nsl_fail(err, errno, "node template: open namespaces");
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

int nsl_exec(char *const argv[], const struct nsl_exec_opts *o,
	     struct nsl_exec_result *r, struct nsl_err *err)
{
	int pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, pin[2] = { -1, -1 };
	int prep[2] = { -1, -1 }, rc = 0, st = 0;
	size_t cap_out = 0, cap_err = 0, in_off = 0;
	long long deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : 0;
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0 ||
	    pipe2(prep, O_CLOEXEC) < 0 || (o->input && pipe2(pin, O_CLOEXEC) < 0)) {
		rc = nsl_fail(err, errno, "cannot run \"%s\": pipe", argv[0]);
		goto out;
	}
	{
		struct exec_child c = { argv, o, o->input ? pin[0] : -1,
					pout[1], perr[1], prep[1] };

		pid = start_child(exec_child_main, &c);
	}
	if (pid < 0) {
		rc = nsl_fail(err, errno, "cannot run \"%s\": fork", argv[0]);
		goto out;
	}
	close(pout[1]); pout[1] = -1;
	close(perr[1]); perr[1] = -1;
	close(prep[1]); prep[1] = -1;
	if (o->input) {
		close(pin[0]); pin[0] = -1;
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
		if (o->input_len == 0) {
			close(pin[1]);
			pin[1] = -1;
		}
	}
	while (pout[0] >= 0 || perr[0] >= 0) {
		struct pollfd pf[3] = {
			{ .fd = pout[0], .events = POLLIN },
			{ .fd = perr[0], .events = POLLIN },
			{ .fd = pin[1], .events = POLLOUT },
		};
		int wait = -1, i;

		if (deadline) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				r->timed_out = 1;
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				break;
			}
			wait = (int)left;
		}
		if (o->cancel && *o->cancel) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(pf, 3, wait) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			char buf[16384];
			ssize_t n;
			int *fd = i == 0 ? &pout[0] : &perr[0];

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, buf, sizeof buf);
			if (n > 0) {
				if (i == 0)
					append(&r->out, &r->out_len, &cap_out, buf, (size_t)n);
				else
					append(&r->err, &r->err_len, &cap_err, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(*fd);
				*fd = -1;
			}
		}
		if (pin[1] >= 0 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write_nosig(pin[1], o->input + in_off, o->input_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if (n < 0 || in_off >= o->input_len) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	rc = child_report(prep[0], argv, err);
out:
	if (!r->out) append(&r->out, &r->out_len, &cap_out, "", 0);
	if (!r->err) append(&r->err, &r->err_len, &cap_err, "", 0);
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0) close(pout[i]);
		if (perr[i] >= 0) close(perr[i]);
		if (pin[i] >= 0) close(pin[i]);
		if (prep[i] >= 0) close(prep[i]);
	}
	return rc;
}

void nsl_exec_result_free(struct nsl_exec_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int nsl_spawn(char *const argv[], const struct nsl_exec_opts *o,
	      const char *logpath, pid_t *pid, struct nsl_err *err)
{
	int prep[2], rc;
	pid_t p;

	if (pipe2(prep, O_CLOEXEC) < 0)
		return nsl_fail(err, errno, "cannot start \"%s\": pipe", argv[0]);
	p = fork();
	if (p < 0) {
		rc = nsl_fail(err, errno, "cannot start \"%s\": fork", argv[0]);
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

unsigned long long nsl_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');   /* the command name may hold spaces */
	if (!p)
		return 0;
	/* a zombie is not alive: nobody may have reaped it (PID 1 in a
	 * container often does not) */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	/* after ")" come fields 3..; starttime is field 22 */
	for (i = 3; i <= 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}
