/* capture.c — see capture.h.
 *
 * The helper is a plain fork of the caller, without exec and without
 * threads: it joins the node (the nslab process itself never does), opens
 * the pcap handle there, and steps back out. A packet socket keeps working
 * in the namespace it was made in, so the helper is not "inside" the node:
 * a lab going down does not SIGKILL it with the node's processes; the
 * helper sees the node's pin go and closes its file itself. */
#define _GNU_SOURCE
#include "capture.h"
#include "exec.h"
#include "paths.h"

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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lazy_pcap.h"

#define SELF_NS "/proc/thread-self/ns/net"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;   /* poll() returns EINTR: no SA_RESTART */
}

struct sink {
	pcap_t *p;
	pcap_dumper_t *d;
	long got;
	int werr;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *bytes)
{
	struct sink *k = (struct sink *)user;

	pcap_dump((u_char *)k->d, h, bytes);
	/* packet-buffered, like tcpdump -U: a file read while the capture
	 * runs, or left by a killed helper, ends on a whole packet */
	if (pcap_dump_flush(k->d) < 0) {
		k->werr = errno ? errno : EIO;
		pcap_breakloop(k->p);
	}
	k->got++;
}

/* In the helper: report a failure through the pipe and end. */
static void child_fail(int rep, const struct nsl_err *e)
{
	char buf[600];
	int n = snprintf(buf, sizeof buf, "%d %s", e->code ? e->code : EIO, e->msg);

	if (n > 0)
		(void)!write(rep, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	_exit(NSL_CAPTURE_ERROR);
}

/* Keep only stdio and the descriptors named: the namespaces and netlink
 * sockets of every other node must not stay open in a long-lived helper. */
static void close_others(int a, int b, int c)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d) && fd != a && fd != b && fd != c)
			close(fd);
	}
	closedir(d);
}

/* The watched path went away, or now names something else (a pin whose
 * namespace was unmounted shows the empty file under it). */
static int gone(const char *path, const struct stat *was)
{
	struct stat st;

	return stat(path, &st) < 0 || st.st_dev != was->st_dev ||
	       st.st_ino != was->st_ino;
}

/* Step 1 in the helper: our own signal handling (a stop request ends the
 * loop), a name for ps, and a tie to the caller or a session of its own. */
static void helper_setup(const struct nsl_capture_opts *o)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);   /* a closed reader of -w - is a write error */
	signal(SIGQUIT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_NAME, "nslab-capture");   /* for ps and pgrep */
	if (o->own_session)
		(void)setsid();
	else if (prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 && getppid() == 1)
		_exit(NSL_CAPTURE_DONE);   /* the caller is already gone */
}

/* Step 2: the output file, named in the caller's view. */
static int open_output(const struct nsl_capture_opts *o, struct nsl_err *e)
{
	int out = !strcmp(o->file, "-") ? dup(STDOUT_FILENO) :
		  open(o->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (out < 0)
		return nsl_err_fail(e, errno, "cannot write %s", o->file);
	return out;
}

/* Step 3: into the node (private mount namespace, the node's /sys). */
static int enter_node(struct nsl_ns *ns, struct nsl_err *e)
{
	struct nsl_exec_opts eo;
	const char *stage = "";
	int rc;

	if (ns->is_host)
		return 0;
	memset(&eo, 0, sizeof eo);
	eo.nsfd = ns->fd;
	eo.nsname = ns->name;
	rc = nsl_exec_enter(&eo, &stage);
	if (rc < 0)
		return nsl_err_fail(e, rc, "capture in %s: cannot %s", nsl_netns_where(ns), stage);
	return 0;
}

/* Step 4: the pcap handle on the interface, with its filter, and the
 * file's header written at once (an empty capture is a valid file). */
static int open_pcap(struct nsl_ns *ns, const struct nsl_capture_opts *o, int out,
		     struct sink *k, struct nsl_err *e)
{
	const char *where = nsl_netns_where(ns);
	char eb[PCAP_ERRBUF_SIZE];
	FILE *fp;
	int rc;

	k->p = pcap_create(o->ifname, eb);
	if (!k->p)
		return nsl_err_fail_quiet(e, EIO, "capture on \"%s\" in %s: %s", o->ifname, where, eb);
	pcap_set_snaplen(k->p, o->snaplen > 0 ? o->snaplen : 262144);
	pcap_set_promisc(k->p, o->promisc ? 1 : 0);
	pcap_set_immediate_mode(k->p, 1);
	rc = pcap_activate(k->p);
	if (rc < 0) {
		const char *detail = pcap_geterr(k->p);

		return nsl_err_fail_quiet(e, rc == PCAP_ERROR_NO_SUCH_DEVICE ? ENODEV :
				      rc == PCAP_ERROR_PERM_DENIED ? EPERM : EIO,
				      "capture on \"%s\" in %s: %s%s%s", o->ifname, where,
				      pcap_statustostr(rc), detail && *detail ? ": " : "",
				      detail ? detail : "");
	}
	if (o->filter && *o->filter) {
		struct bpf_program prog;

		if (pcap_compile(k->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(k->p, &prog) < 0)
			return nsl_err_fail_quiet(e, EINVAL, "bad capture filter \"%s\": %s",
					      o->filter, pcap_geterr(k->p));
		pcap_freecode(&prog);
	}
	fp = fdopen(out, "wb");
	k->d = fp ? pcap_dump_fopen(k->p, fp) : NULL;
	if (!k->d || pcap_dump_flush(k->d) < 0)
		return nsl_err_fail(e, errno ? errno : EIO, "cannot write %s", o->file);
	if (pcap_setnonblock(k->p, 1, eb) < 0)
		return nsl_err_fail_quiet(e, EIO, "capture on \"%s\": %s", o->ifname, eb);
	return 0;
}

/* Step 5: packets into the file until a stop request, count packets, or
 * the node, the interface or the watched path goes; a failure fills e.
 * Returns how the helper ends (NSL_CAPTURE_*). */
static int capture_loop(struct sink *k, const struct nsl_capture_opts *o,
			const char *watch, const struct stat *wst, struct nsl_err *e)
{
	while (!stopping) {
		struct pollfd pfd = { pcap_get_selectable_fd(k->p), POLLIN, 0 };
		int n = poll(&pfd, 1, 200);

		if (n < 0 && errno != EINTR)
			return nsl_err_fail(e, errno, "capture on \"%s\"", o->ifname),
			       NSL_CAPTURE_ERROR;
		if (watch && gone(watch, wst))
			return NSL_CAPTURE_GONE;
		n = pcap_dispatch(k->p, o->count ? (int)(o->count - k->got) : -1,
				  on_packet, (u_char *)k);
		if (k->werr)
			return nsl_err_fail(e, k->werr, "capture: cannot write %s", o->file),
			       NSL_CAPTURE_ERROR;
		if (n == PCAP_ERROR) {
			/* libpcap: "The interface disappeared" */
			if (strstr(pcap_geterr(k->p), "disappeared"))
				return NSL_CAPTURE_GONE;
			return nsl_err_fail_quiet(e, EIO, "capture on \"%s\": %s", o->ifname,
					      pcap_geterr(k->p)), NSL_CAPTURE_ERROR;
		}
		if (o->count && k->got >= o->count)
			break;
	}
	return NSL_CAPTURE_DONE;
}

/* Step 6: what the kernel already queued for us belongs in the file. */
static int finish(struct sink *k, const struct nsl_capture_opts *o, int status)
{
	if (status != NSL_CAPTURE_ERROR && (!o->count || k->got < o->count))
		(void)pcap_dispatch(k->p, o->count ? (int)(o->count - k->got) : -1,
				    on_packet, (u_char *)k);
	if (pcap_dump_flush(k->d) < 0 || k->werr)
		status = NSL_CAPTURE_ERROR;
	pcap_dump_close(k->d);
	pcap_close(k->p);
	return status;
}

/* The helper: steps 1-4 report through the pipe (the caller is waiting);
 * once it has started, a failure goes to the caller's report function. */
static __attribute__((noreturn)) void helper(struct nsl_ns *ns,
		const struct nsl_capture_opts *o, const char *watch, int rep)
{
	struct stat wst;
	struct sink k = { 0 };
	struct nsl_err e = { 0, "" };
	int out, home, status;

	helper_setup(o);
	if ((out = open_output(o, &e)) < 0)
		child_fail(rep, &e);
	if (o->detach_stdio) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
	}
	if (watch && stat(watch, &wst) < 0)
		watch = NULL;
	home = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		nsl_err_fail(&e, errno, "cannot open %s", SELF_NS);
		child_fail(rep, &e);
	}
	if (enter_node(ns, &e) < 0)
		child_fail(rep, &e);
	close_others(rep, out, home);
	if (open_pcap(ns, o, out, &k, &e) < 0)
		child_fail(rep, &e);
	/* out of the node again: only the packet socket stays there */
	if (setns(home, CLONE_NEWNET) < 0) {
		nsl_err_fail(&e, errno, "capture in %s: cannot leave the node", nsl_netns_where(ns));
		child_fail(rep, &e);
	}
	close(home);
	(void)!write(rep, "0", 1);
	close(rep);
	status = finish(&k, o, capture_loop(&k, o, watch, &wst, &e));
	if (status == NSL_CAPTURE_ERROR && e.msg[0] && o->report)
		o->report(&e, o->report_arg);
	_exit(status);
}

int nsl_capture_start(struct nsl_ns *ns, const struct nsl_capture_opts *o,
		      const char *watch, pid_t *pid, struct nsl_err *err)
{
	char buf[600];
	int rep[2], e = 0, off = 0, st;
	ssize_t n;

	if (nsl_lazylib_load_pcap(err) < 0)
		return -err->code;
	if (pipe2(rep, O_CLOEXEC) < 0)
		return nsl_err_fail(err, errno, "capture on \"%s\"", o->ifname);
	fflush(NULL);     /* nothing the caller buffered is written twice */
	*pid = fork();
	if (*pid < 0) {
		e = errno;
		close(rep[0]);
		close(rep[1]);
		return nsl_err_fail(err, e, "capture on \"%s\": cannot fork", o->ifname);
	}
	if (*pid == 0) {
		close(rep[0]);
		helper(ns, o, watch, rep[1]);
	}
	close(rep[1]);
	do
		n = read(rep[0], buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	close(rep[0]);
	if (n == 1 && buf[0] == '0')
		return 0;
	while (waitpid(*pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return nsl_err_fail(err, EIO, "capture on \"%s\": the helper ended before it started",
				o->ifname);
	buf[n] = 0;
	if (sscanf(buf, "%d %n", &e, &off) < 1 || e <= 0)
		e = EIO;
	return nsl_err_fail_quiet(err, e, "%s", buf + off);
}

int nsl_capture_count(const char *file, long *count, struct nsl_err *err)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	long n = 0;

	if (nsl_lazylib_load_pcap(err) < 0)
		return -err->code;
	p = pcap_open_offline(file, eb);
	if (!p) {
		return nsl_err_fail_quiet(err, EIO, "cannot read %s: %s", file, eb);
	}
	/* a truncated last record (a helper killed mid-write) ends the count */
	while (pcap_next_ex(p, &h, &data) == 1)
		n++;
	pcap_close(p);
	*count = n;
	return 0;
}
