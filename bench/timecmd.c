/*
 * timecmd.c - run one command and report its wall time and peak RSS.
 *
 *   timecmd OUTFILE -- CMD [ARG...]
 *
 * Forks, execs CMD (stdin/stdout/stderr are passed through), waits with
 * wait4() and writes to OUTFILE one line:
 *   start=<ns> end=<ns> maxrss_kb=<KiB> status=<wait status>
 * start/end are CLOCK_MONOTONIC just before fork() and just after wait4().
 *
 * Why not the driver's own fork: ru_maxrss keeps the high-water mark of
 * the process before exec, and a child forked from Python starts with the
 * interpreter's ~15 MiB; this wrapper is ~1 MiB, so small tools (the C
 * floor, `ip`) are measured for what they are.  It is the same figure
 * `/usr/bin/time -f %M` reports.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	long long t0, t1;
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: timecmd OUTFILE -- CMD [ARG...]\n");
		return 2;
	}
	out = fopen(argv[1], "we");
	if (!out) {
		perror("timecmd: OUTFILE");
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("timecmd: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		perror("timecmd: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timecmd: wait4");
		return 2;
	}
	t1 = now_ns();
	fprintf(out, "start=%lld end=%lld maxrss_kb=%ld status=%d\n", t0, t1, ru.ru_maxrss, status);
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
