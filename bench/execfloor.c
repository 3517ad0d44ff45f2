/*
 * execfloor.c - exec figures of the nslab benchmark (issue 7).
 *
 *   execfloor setns NSNAME COUNT -- CMD [ARG...]
 *       COUNT times: fork; in the child setns() into /run/netns/NSNAME and
 *       exec CMD; wait.  The C floor for running a command in a node
 *       (only the forked child ever switches namespace, as in iproute2).
 *   execfloor loop COUNT -- CMD [ARG...]
 *       COUNT times: fork, exec CMD as it is, wait.  Used to time whole
 *       commands such as `ip netns exec X /bin/true`, `nsenter ...` or
 *       `nslab exec LAB NODE -- /bin/true` without the driver's overhead.
 *
 * Prints one line: count=C median_us=M min_us=A max_us=B mean_us=E
 * Exits 1 if any run fails (non-zero status), naming the first failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int nsfd = -1, count, argi, devnull;
	double *t, sum = 0;

	if (argc >= 6 && !strcmp(argv[1], "setns") && !strcmp(argv[4], "--")) {
		char path[256];

		snprintf(path, sizeof(path), "/run/netns/%s", argv[2]);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			fprintf(stderr, "execfloor: open %s: %s\n", path, strerror(errno));
			return 1;
		}
		count = atoi(argv[3]);
		argi = 5;
	} else if (argc >= 5 && !strcmp(argv[1], "loop") && !strcmp(argv[3], "--")) {
		count = atoi(argv[2]);
		argi = 4;
	} else {
		fprintf(stderr, "usage: execfloor setns NSNAME COUNT -- CMD [ARG...]\n"
				"       execfloor loop COUNT -- CMD [ARG...]\n");
		return 2;
	}
	if (count < 1)
		return 2;
	t = calloc((size_t)count, sizeof(*t));
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!t || devnull < 0)
		return 1;

	for (int i = 0; i < count; i++) {
		double t0 = now_us();
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("execfloor: fork");
			return 1;
		}
		if (pid == 0) {
			if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
				_exit(126);
			dup2(devnull, 1);
			execv(argv[argi], argv + argi);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("execfloor: waitpid");
			return 1;
		}
		t[i] = now_us() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "execfloor: run %d of %s: status 0x%x\n", i + 1,
				argv[argi], status);
			return 1;
		}
		sum += t[i];
	}
	qsort(t, (size_t)count, sizeof(*t), cmp);
	printf("count=%d median_us=%.1f min_us=%.1f max_us=%.1f mean_us=%.1f\n", count,
	       count % 2 ? t[count / 2] : (t[count / 2 - 1] + t[count / 2]) / 2,
	       t[0], t[count - 1], sum / count);
	return 0;
}
