/* test_journal_lock.c — two writers on one lab's journal (its owner and a
 * REPL attached with nsl_journal_attach): records never interleave, an
 * append waits for whoever holds the journal's lock, a teardown holds it
 * until the journal is gone and an append after that fails and makes
 * nothing. In a private state directory (NSLAB_STATE_DIR); the records
 * used need no kernel object. */
#define _GNU_SOURCE
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fails;

/* one record through the typed writer: rmdir STATE/NAME */
static int add_rmdir(struct nsl_journal *j, const char *state, const char *name,
		     struct nsl_err *e)
{
	char dir[4096];

	snprintf(dir, sizeof dir, "%s/%s", state, name);
	return nsl_journal_rmdir(j, dir, e);
}

static void ok(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		fails++;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A child that holds LOCK_EX on the journal for ms milliseconds; returns
 * once the lock is taken. */
static pid_t hold_lock(const char *path, int ms)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		exit(2);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		usleep((useconds_t)ms * 1000);
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], &c, 1);
	close(p[0]);
	return pid;
}

struct seen {
	char v[8][64];
	int n;
};

static int collect(const struct nsl_record *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->v[s->n++], sizeof s->v[0], "%s", r->f[0]);
	return 0;
}

int main(void)
{
	char state[] = "/tmp/nslab-journal-lock-XXXXXX", path[4200], owner1[64] = "", owner2[64] = "";
	struct nsl_journal own, att;
	struct nsl_err e;
	struct seen s = { .n = 0 };
	double t0;
	pid_t child;
	FILE *f;
	int rc;

	if (!mkdtemp(state))
		return 2;
	setenv("NSLAB_STATE_DIR", state, 1);

	ok(nsl_journal_attach("lk", &att, &e) == -ENOENT, "attach to a lab that is not up: ENOENT");
	ok(nsl_journal_begin("lk", NULL, &own, &e) == 0, "begin");
	snprintf(path, sizeof path, "%s/lk/owner", state);
	if ((f = fopen(path, "r"))) {
		(void)!fgets(owner1, sizeof owner1, f);
		fclose(f);
	}
	ok(nsl_journal_attach("lk", &att, &e) == 0, "attach");
	if ((f = fopen(path, "r"))) {
		(void)!fgets(owner2, sizeof owner2, f);
		fclose(f);
	}
	ok(owner1[0] && !strcmp(owner1, owner2), "attaching leaves the owner record as it was");

	ok(add_rmdir(&own, state, "none-a", &e) == 0, "owner appends");
	ok(add_rmdir(&att, state, "none-b", &e) == 0, "attached appends");
	ok(add_rmdir(&own, state, "none-c", &e) == 0, "owner appends again");
	nsl_journal_records("lk", NSL_REC_RMDIR, collect, &s);
	ok(s.n == 3 && strstr(s.v[0], "none-a") && strstr(s.v[1], "none-b") && strstr(s.v[2], "none-c"),
	   "the three records, whole and in order");

	snprintf(path, sizeof path, "%s/lk/journal", state);
	child = hold_lock(path, 300);
	t0 = now();
	rc = add_rmdir(&att, state, "none-d", &e);
	ok(rc == 0 && now() - t0 > 0.2, "an append waits for the journal's lock");
	waitpid(child, NULL, 0);

	nsl_journal_close(&own);
	child = hold_lock(path, 300);
	t0 = now();
	rc = nsl_journal_down("lk", NULL, &e);
	ok(rc == 0 && now() - t0 > 0.2, "teardown waits for the journal's lock");
	waitpid(child, NULL, 0);
	ok(access(path, F_OK) < 0, "teardown removed the journal");

	rc = add_rmdir(&att, state, "none-e", &e);
	ok(rc == -ENOENT && strstr(e.msg, "lab lk is down"), "an append after teardown fails: the lab is down");
	nsl_journal_close(&att);
	snprintf(path, sizeof path, "%s/lk", state);
	ok(access(path, F_OK) < 0, "and leaves no state behind");
	rmdir(state);
	return fails ? 1 : 0;
}
