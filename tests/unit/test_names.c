/* test_names.c — the one name rule: what may become /run/nslab/LAB or
 * /run/netns/LAB.NODE, and that the journal refuses everything else
 * before it builds a path (the `nslab down ..` data-loss bug). */
#include "names.h"
#include "journal.h"
#include "private.h"
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fails;

static void check(int got, int want, const char *what, const char *name)
{
	if (!got != !want) {
		printf("not ok - %s \"%s\": got %d, want %d\n", what, name, got, want);
		fails++;
	} else
		printf("ok - %s \"%s\"\n", what, name);
}

int main(void)
{
	static const char *good[] = { "a", "crs", "bridge-nat", "r1_x", "0", "A-b_9" };
	static const char *badn[] = { "", ".", "..", "a/b", "a/../../b", "/etc", "a b",
				      "a\nb", "-x", "_x", "a.b", "a:b", "é" };
	char long65[66], long64[65], dir[4096];
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++)
		check(nsl_names_valid(good[i]), 1, "name", good[i]);
	for (i = 0; i < sizeof badn / sizeof *badn; i++)
		check(nsl_names_valid(badn[i]), 0, "name", badn[i]);
	memset(long64, 'x', 64);
	long64[64] = 0;
	memset(long65, 'x', 65);
	long65[65] = 0;
	check(nsl_names_valid(long64), 1, "name of 64 bytes", "x...");
	check(nsl_names_valid(long65), 0, "name of 65 bytes", "x...");
	check(nsl_names_valid_len("a\0b", 3), 0, "name with a NUL", "a\\0b");
	check(nsl_names_valid(NULL), 0, "name", "(null)");

	check(nsl_names_pin_valid("crs.client"), 1, "pin", "crs.client");
	check(nsl_names_pin_valid("my ns"), 1, "pin", "my ns");
	check(nsl_names_pin_valid(".."), 0, "pin", "..");
	check(nsl_names_pin_valid("."), 0, "pin", ".");
	check(nsl_names_pin_valid(".hidden"), 0, "pin", ".hidden");
	check(nsl_names_pin_valid("a/b"), 0, "pin", "a/b");
	check(nsl_names_pin_valid(""), 0, "pin", "");

	/* the journal builds no path from a bad name; the state dir is a
	 * place that cannot exist, so nothing here touches the machine */
	setenv("NSLAB_STATE_DIR", "/nonexistent/nslab-test-names", 1);
	check(nsl_journal_dir("..", dir, sizeof dir) == -EINVAL && dir[0] == 0, 1, "journal dir", "..");
	check(nsl_journal_dir("", dir, sizeof dir) == -EINVAL, 1, "journal dir", "");
	check(nsl_journal_dir("lab", dir, sizeof dir) == 0 &&
	      !strcmp(dir, "/nonexistent/nslab-test-names/lab"), 1, "journal dir", "lab");
	check(nsl_journal_owner("..") == -ENOENT, 1, "journal owner", "..");
	{
		struct nsl_err e;
		int rc = nsl_journal_down("..", NULL, &e);

		check(rc == -EINVAL && strstr(e.msg, "is not a lab name") != NULL, 1, "journal down", "..");
	}
	/* a node's private files live under LAB/private/NODE: only a
	 * pinned name of two valid names makes that path */
	check(nsl_private_dir("lab.r1", dir, sizeof dir) == 0 &&
	      !strcmp(dir, "/nonexistent/nslab-test-names/lab/private/r1"), 1, "private dir", "lab.r1");
	{
		static const char *badp[] = { "lab", "lab.", ".r1", "..", "lab..", "lab/x.r1", "lab.r1/..",
					      "lab.a.b", "../lab.r1", "lab.-x" };

		for (i = 0; i < sizeof badp / sizeof *badp; i++)
			check(nsl_private_dir(badp[i], dir, sizeof dir) == -EINVAL, 1, "private dir refused", badp[i]);
	}
	/* lab keys (paths.h): a user behind sudo names labs in a space of
	 * their own; LAB@UID is the entry the others see, LAB@0 root's */
	unsetenv("SUDO_UID");
	check(nsl_journal_dir("lab@1000", dir, sizeof dir) == 0 &&
	      !strcmp(dir, "/nonexistent/nslab-test-names/lab@1000"), 1, "journal dir", "lab@1000");
	check(nsl_journal_dir("lab@0", dir, sizeof dir) == 0 &&
	      !strcmp(dir, "/nonexistent/nslab-test-names/lab"), 1, "journal dir", "lab@0");
	{
		static const char *badk[] = { "lab@", "@1", "lab@01", "lab@-1", "lab@1x", "lab@1@2", "lab@4294967295",
					      "lab@99999999999", "../x@1", "a.b@1" };

		for (i = 0; i < sizeof badk / sizeof *badk; i++)
			check(nsl_journal_dir(badk[i], dir, sizeof dir) == -EINVAL && !dir[0], 1, "key refused", badk[i]);
	}
	check(nsl_private_dir("lab@1000.r1", dir, sizeof dir) == 0 &&
	      !strcmp(dir, "/nonexistent/nslab-test-names/lab@1000/private/r1"), 1, "private dir", "lab@1000.r1");
	check(nsl_private_dir("lab@0.r1", dir, sizeof dir) == -EINVAL, 1, "private dir refused", "lab@0.r1");
	if (geteuid() == 0) {
		setenv("SUDO_UID", "1000", 1);
		check(nsl_journal_dir("lab", dir, sizeof dir) == 0 &&
		      !strcmp(dir, "/nonexistent/nslab-test-names/lab@1000"), 1, "journal dir as sudo 1000", "lab");
		check(nsl_journal_dir("lab@0", dir, sizeof dir) == 0 &&
		      !strcmp(dir, "/nonexistent/nslab-test-names/lab"), 1, "journal dir as sudo 1000", "lab@0");
		check(nsl_paths_entry_key("lab@1000", dir, sizeof dir) == 0 && !strcmp(dir, "lab"), 1,
		      "key of entry as sudo 1000", "lab@1000");
		check(nsl_paths_entry_key("lab", dir, sizeof dir) == 0 && !strcmp(dir, "lab@0"), 1,
		      "key of entry as sudo 1000", "lab");
		unsetenv("SUDO_UID");
	}
	printf("%s\n", fails ? "FAILED" : "all passed");
	return fails ? 1 : 0;
}
