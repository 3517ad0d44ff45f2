/* test_journal.c — the journal's records: every kind formats and parses
 * back to the same fields, fields a line could not hold are refused, and
 * a journal written through the typed writers into a state directory of
 * our own (NSLAB_STATE_DIR) reads back with `del` lines cancelling. Needs
 * no kernel object and no privilege. */
#define _GNU_SOURCE
#include "journal.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct nsl_err e = { 0, "" };

/* format r, parse the line back, compare */
static void round_trip(struct nsl_record r, const char *want)
{
	char line[512], copy[512];
	struct nsl_record back;
	int rc = nsl_journal_format(&r, line, sizeof line);

	TAP_CHECK(rc == 0 && !strcmp(line, want), line, "%s formats as \"%s\"",
		  nsl_journal_kind_name(r.kind), want);
	snprintf(copy, sizeof copy, "%s", line);
	rc = nsl_journal_parse(copy, &back);
	TAP_CHECK(rc == 0 && back.kind == r.kind && back.del == r.del &&
		  nsl_journal_same(&back, &r), line, "\"%s\" parses back", want);
}

static void refused(struct nsl_record r, int want, const char *what)
{
	char line[64];
	int rc = nsl_journal_format(&r, line, sizeof line);

	TAP_CHECK(rc == want, "formatted anyway", "refused: %s", what);
}

static void unparsable(const char *text)
{
	char line[256];
	struct nsl_record r;

	snprintf(line, sizeof line, "%s", text);
	TAP_CHECK(nsl_journal_parse(line, &r) == -EINVAL, "parsed", "not a record: \"%s\"", text);
}

struct seen {
	char text[1024];
	int n;
};

static int collect(const struct nsl_record *r, void *arg)
{
	struct seen *s = arg;
	char line[256];

	nsl_journal_format(r, line, sizeof line);
	snprintf(s->text + strlen(s->text), sizeof s->text - strlen(s->text), "%s|", line);
	s->n++;
	return 0;
}

static void records(const char *lab, enum nsl_rec_kind kind, const char *want)
{
	struct seen s = { "", 0 };
	int rc = nsl_journal_records(lab, kind, collect, &s);

	TAP_CHECK(rc == 0 && !strcmp(s.text, want), s.text, "%s records read back: %s",
		  nsl_journal_kind_name(kind), want);
}

static void written_and_read(void)
{
	char dir[] = "/tmp/nslab-unit-journal-XXXXXX", made[PATH_MAX];
	struct nsl_journal j;
	struct nsl_record del_b = { NSL_REC_NETNS, 0, { "t.b" } };
	struct nsl_record del_route = { NSL_REC_ROUTE, 0, { "10.1.0.0/16", NULL, "eth0", "-1" } };
	int n = -1;

	if (!mkdtemp(dir)) {
		TAP_CHECK(0, strerror(errno), "temporary state directory");
		return;
	}
	setenv("NSLAB_STATE_DIR", dir, 1);
	snprintf(made, sizeof made, "%s/made-by-lab", dir);
	TAP_CHECK(nsl_journal_begin("t", "lab.lua", &j, &e) == 0, e.msg, "begin lab t");
	TAP_CHECK(nsl_journal_owner("t") == getpid(), "other owner", "we own lab t");
	TAP_CHECK(nsl_journal_begin("t", NULL, &(struct nsl_journal){ 0 }, &e) == -EBUSY &&
		  strstr(e.msg, "in use"), e.msg, "a second begin is refused: %s", e.msg);
	TAP_CHECK(nsl_journal_netns(&j, "t.a", &e) == 0 &&
		  nsl_journal_netns(&j, "t.b", &e) == 0 &&
		  nsl_journal_link(&j, "nsl-x0", &e) == 0 &&
		  nsl_journal_addr(&j, "nsl-x0", "10.0.0.1/24", &e) == 0 &&
		  nsl_journal_route(&j, "10.1.0.0/16", NULL, "eth0", -1, &e) == 0 &&
		  nsl_journal_route(&j, "0.0.0.0/0", "10.0.0.254", NULL, 5, &e) == 0 &&
		  nsl_journal_sysctl(&j, "net.ipv4.ip_forward", "0", &e) == 0 &&
		  nsl_journal_sysctl(&j, "net.ipv4.ping_group_range", "1\t0", &e) == 0 &&
		  nsl_journal_nft(&j, "inet", "nslab_t", &e) == 0 &&
		  nsl_journal_pid(&j, 999999, 12345, &e) == 0 &&
		  nsl_journal_rmdir(&j, made, &e) == 0, e.msg, "typed writers");
	TAP_CHECK(nsl_journal_link(&j, "two words", &e) == -EINVAL, "written",
		  "a field with a space is refused: %s", e.msg);
	TAP_CHECK(nsl_journal_netns(&j, "a\nnetns evil", &e) == -EINVAL, "written",
		  "a field with a newline is refused");
	TAP_CHECK(nsl_journal_del(&j, &del_b, &e) == 0 &&
		  nsl_journal_del(&j, &del_route, &e) == 0, e.msg, "del records");
	records("t", NSL_REC_NETNS, "netns t.a|");
	records("t", NSL_REC_ROUTE, "route 0.0.0.0/0 10.0.0.254 - 5|");
	records("t", NSL_REC_SYSCTL, "sysctl net.ipv4.ip_forward 0|sysctl net.ipv4.ping_group_range 1\t0|");
	records("t", NSL_REC_PID, "pid 999999 12345|");
	TAP_CHECK(nsl_journal_count("t", NSL_REC_NETNS) == 1, "count", "one netns stands");
	TAP_CHECK(nsl_journal_count("t", NSL_REC_LINK) == 1, "count", "one link stands");
	TAP_CHECK(nsl_journal_records("no-such-lab", NSL_REC_NETNS, collect,
				      &(struct seen){ "", 0 }) == -ENOENT, "found",
		  "records of a lab that is not up: ENOENT");
	nsl_journal_close(&j);

	/* a teardown of records that need no kernel: the directory the lab
	 * made goes (it is empty), the dead pid is left alone, the state
	 * directory goes with it; the namespaces were never made */
	{
		struct nsl_journal k;

		TAP_CHECK(nsl_journal_begin("u", NULL, &k, &e) == 0, e.msg, "begin lab u");
		mkdir(made, 0755);
		TAP_CHECK(nsl_journal_rmdir(&k, made, &e) == 0 &&
			  nsl_journal_pid(&k, 999999, 1, &e) == 0, e.msg, "u's records");
		nsl_journal_close(&k);
		TAP_CHECK(nsl_journal_down("u", &n, &e) == 0, e.msg, "down u");
		TAP_CHECK(n == 2, "count", "two records undone (%d)", n);
		TAP_CHECK(access(made, F_OK) < 0, "still there", "the directory it made is gone");
		TAP_CHECK(nsl_journal_owner("u") == -ENOENT, "still up", "lab u is gone");
	}
	TAP_CHECK(nsl_journal_down("../etc", &n, &e) == -EINVAL, "accepted",
		  "a path-like lab name is refused: %s", e.msg);
	/* lab t's journal stays for the record; remove what we made */
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof path, "%s/t/journal", dir); unlink(path);
		snprintf(path, sizeof path, "%s/t/owner", dir); unlink(path);
		snprintf(path, sizeof path, "%s/t/file", dir); unlink(path);
		snprintf(path, sizeof path, "%s/t", dir); rmdir(path);
		rmdir(dir);
	}
}

int main(void)
{
	round_trip((struct nsl_record){ NSL_REC_NETNS, 0, { "lab.node" } }, "netns lab.node");
	round_trip((struct nsl_record){ NSL_REC_NETNS, 1, { "lab.node" } }, "del netns lab.node");
	round_trip((struct nsl_record){ NSL_REC_LINK, 0, { "veth0" } }, "link veth0");
	round_trip((struct nsl_record){ NSL_REC_ADDR, 0, { "br0", "fd00::1/64" } },
		   "addr br0 fd00::1/64");
	round_trip((struct nsl_record){ NSL_REC_ROUTE, 0, { "10.0.0.0/8", NULL, NULL, "-1" } },
		   "route 10.0.0.0/8 - - -1");
	round_trip((struct nsl_record){ NSL_REC_ROUTE, 0, { "::/0", "fe80::1", "eth0", "1024" } },
		   "route ::/0 fe80::1 eth0 1024");
	round_trip((struct nsl_record){ NSL_REC_SYSCTL, 0, { "net.ipv4.ip_local_port_range", "32768 60999" } },
		   "sysctl net.ipv4.ip_local_port_range 32768 60999");
	round_trip((struct nsl_record){ NSL_REC_SYSCTL, 0, { "kernel.x", "" } }, "sysctl kernel.x ");
	round_trip((struct nsl_record){ NSL_REC_NFT, 0, { "inet", "nslab_lab" } }, "nft inet nslab_lab");
	round_trip((struct nsl_record){ NSL_REC_PID, 0, { "4242", "98765" } }, "pid 4242 98765");
	round_trip((struct nsl_record){ NSL_REC_RMDIR, 0, { "/etc/netns" } }, "rmdir /etc/netns");
	round_trip((struct nsl_record){ NSL_REC_RMDIR, 0, { "/tmp/a dir" } }, "rmdir /tmp/a dir");

	refused((struct nsl_record){ NSL_REC_LINK, 0, { "a b" } }, -EINVAL, "a space in a word");
	refused((struct nsl_record){ NSL_REC_LINK, 0, { "" } }, -EINVAL, "an empty word");
	refused((struct nsl_record){ NSL_REC_LINK, 0, { NULL } }, -EINVAL, "a missing field");
	refused((struct nsl_record){ NSL_REC_PID, 0, { "12x", "1" } }, -EINVAL, "a pid that is no number");
	refused((struct nsl_record){ NSL_REC_SYSCTL, 0, { "k", "a\nb" } }, -EINVAL, "a newline in the rest");
	refused((struct nsl_record){ NSL_REC_NKINDS, 0, { "x" } }, -EINVAL, "no such kind");
	refused((struct nsl_record){ NSL_REC_RMDIR, 0, { "/a/very/long/path/that/does/not/fit/in/sixty-four/bytes/at/all/x" } },
		-ENAMETOOLONG, "a line longer than the buffer");

	unparsable("");
	unparsable("netns");
	unparsable("frob x");
	unparsable("del");
	unparsable("addr eth0");
	unparsable("route 10.0.0.0/8 - -");
	unparsable("pid 12 x");
	{
		struct nsl_record a = { NSL_REC_ROUTE, 0, { "10.0.0.0/8", NULL, "eth0", "-1" } };
		struct nsl_record b = { NSL_REC_ROUTE, 0, { "10.0.0.0/8", "-", "eth0", "-1" } };
		struct nsl_record c = { NSL_REC_ROUTE, 0, { "10.0.0.0/8", "-", "eth1", "-1" } };

		TAP_CHECK(nsl_journal_same(&a, &b), "differ", "no gateway and \"-\" are the same");
		TAP_CHECK(!nsl_journal_same(&a, &c), "same", "another device is another route");
	}
	TAP_CHECK(nsl_journal_kind("sysctl") == NSL_REC_SYSCTL && nsl_journal_kind("del") < 0 &&
		  nsl_journal_nfields(NSL_REC_ROUTE) == 4, "table", "the kind table");
	written_and_read();
	return tap_done();
}
