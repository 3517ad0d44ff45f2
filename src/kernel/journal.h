/* journal.h — what a lab created, under /run/nslab/LAB/, so that teardown,
 * `nslab down` and `nslab clean` work from the record and never by name
 * patterns, also after a crash or kill -9. Intent is written before the
 * kernel is asked, so every crash point is recoverable. */
#ifndef NSL_JOURNAL_H
#define NSL_JOURNAL_H

#include "nsl.h"
#include <limits.h>
#include <sys/types.h>

struct nsl_journal {
	int fd;                  /* journal file, O_APPEND; -1 when closed */
	char lab[128];
	char dir[PATH_MAX];
	int nrec;                /* records written by this process */
	int kill_before;         /* test-only fault hooks (NSLAB_FAULT_*): */
	int kill_after;          /* SIGKILL ourselves around record N */
};

/* Claim the lab name: create its state directory and owner record.
 * Fails with EBUSY if a live process owns it, EEXIST if it is up. */
int nsl_journal_begin(const char *lab, const char *labfile,
		      struct nsl_journal *j, struct nsl_err *err);
/* ---- records ----
 * One line per object the lab made outside its own namespaces (or that
 * outlives them), written before the kernel is asked. The kinds and their
 * fields are the table in journal.c; these are the only writers and
 * nsl_journal_parse the only reader of a line. */
enum nsl_rec_kind {
	NSL_REC_NETNS,           /* NAME: a pinned namespace (and /etc/netns/NAME) */
	NSL_REC_LINK,            /* IFNAME: an interface made in the host namespace */
	NSL_REC_ADDR,            /* IFNAME CIDR: an address added in the host namespace */
	NSL_REC_ROUTE,           /* DST GW|- OIF|- METRIC: a route in the host namespace */
	NSL_REC_SYSCTL,          /* KEY OLDVALUE: a host sysctl changed (restored on down) */
	NSL_REC_NFT,             /* FAMILY TABLE: an nftables table in the host namespace */
	NSL_REC_PID,             /* PID STARTTIME: a background process of the lab */
	NSL_REC_RMDIR,           /* DIR: a directory the lab made (removed if empty) */
	NSL_REC_PRIVATE,         /* NODE dir|file PATH: a private entry of a node; its
				    content is in the lab's directory, which teardown
				    removes, and its mounts live only in the node's
				    mount namespaces */
	NSL_REC_NKINDS
};

#define NSL_REC_FIELDS 4

/* One record: its kind and its fields as text (pointers into the line it
 * was parsed from, or into the caller's strings). del: the line says the
 * record was undone while the lab ran (`del KIND FIELDS`). */
struct nsl_record {
	enum nsl_rec_kind kind;
	int del;
	const char *f[NSL_REC_FIELDS];
};

/* The name of a kind ("netns", ...), and the kind of a name (-1: none). */
const char *nsl_journal_kind_name(enum nsl_rec_kind kind);
int nsl_journal_kind(const char *name);
/* How many fields a kind has. */
int nsl_journal_nfields(enum nsl_rec_kind kind);
/* Format r as its line (no newline) into buf; -EINVAL when a field is
 * missing or would not read back (a space or newline where the kind
 * allows none), -ENAMETOOLONG when it does not fit. */
int nsl_journal_format(const struct nsl_record *r, char *buf, size_t len);
/* Parse a line in place (it is cut into the fields r points at); -EINVAL
 * for a line of no known kind or with too few fields. */
int nsl_journal_parse(char *line, struct nsl_record *r);
/* Whether two records name the same object. */
int nsl_journal_same(const struct nsl_record *a, const struct nsl_record *b);

/* Append r (or, with r->del, its undoing) to the journal. */
int nsl_journal_write(struct nsl_journal *j, const struct nsl_record *r,
		      struct nsl_err *err);
int nsl_journal_netns(struct nsl_journal *j, const char *name, struct nsl_err *err);
int nsl_journal_link(struct nsl_journal *j, const char *ifname, struct nsl_err *err);
int nsl_journal_addr(struct nsl_journal *j, const char *ifname, const char *cidr,
		     struct nsl_err *err);
/* gw and oif may be NULL; metric -1 = the kernel's default. */
int nsl_journal_route(struct nsl_journal *j, const char *dst, const char *gw,
		      const char *oif, int metric, struct nsl_err *err);
int nsl_journal_sysctl(struct nsl_journal *j, const char *key, const char *old,
		       struct nsl_err *err);
int nsl_journal_nft(struct nsl_journal *j, const char *family, const char *table,
		    struct nsl_err *err);
int nsl_journal_pid(struct nsl_journal *j, pid_t pid, unsigned long long start,
		    struct nsl_err *err);
int nsl_journal_rmdir(struct nsl_journal *j, const char *dir, struct nsl_err *err);
/* Record that r was undone while the lab ran: teardown skips it. */
int nsl_journal_del(struct nsl_journal *j, const struct nsl_record *r,
		    struct nsl_err *err);

/* Open the journal of lab, which is up, for appending (a REPL attached to
 * it grows it); the owner stays as it is. ENOENT when no such lab is up.
 * Every write takes an exclusive flock of the journal, so two writers
 * never interleave; a write after nsl_journal_down removed the journal
 * fails with ENOENT (down holds the lock until it is gone). */
int nsl_journal_attach(const char *lab, struct nsl_journal *j, struct nsl_err *err);
void nsl_journal_close(struct nsl_journal *j);
/* Give up ownership (nslab up leaves the lab behind on purpose). */
int nsl_journal_release(struct nsl_journal *j);

/* Undo every record of lab, newest first, then remove its state dir.
 * *nobjs (may be NULL) receives how many records were undone. */
int nsl_journal_down(const char *lab, int *nobjs, struct nsl_err *err);

/* Owner of lab: its pid if that process is alive, 0 if the lab is up
 * without an owner, -ENOENT if no such lab. */
pid_t nsl_journal_owner(const char *lab);
/* The uid the lab belongs to (a lab from before owners were recorded:
 * 0), -ENOENT when it is not up. */
long nsl_journal_user(const char *lab);
/* Non-zero when the lab was left up on purpose (`nslab up`). */
int nsl_journal_kept(const char *lab);
/* 0 when lab's state directory and journal are ours and no one else may
 * write them (paths.h); else the one line saying why not, in err. */
int nsl_journal_trusted(const char *lab, struct nsl_err *err);

/* Call fn for each lab with a state directory, by the key the caller
 * names it with (NAME in its own space, else NAME@UID; paths.h). */
int nsl_journal_each(int (*fn)(const char *lab, void *arg), void *arg);

/* Count the records of kind that still stand in lab's journal. */
int nsl_journal_count(const char *lab, enum nsl_rec_kind kind);

/* Call fn with each record of kind that still stands (a later `del`
 * cancels one), oldest first; stops when fn returns non-zero and returns
 * that. -ENOENT when no such lab. */
int nsl_journal_records(const char *lab, enum nsl_rec_kind kind,
			int (*fn)(const struct nsl_record *r, void *arg), void *arg);

/* Path of lab's state directory; -EINVAL (and "") when lab is not a
 * valid name (names.h), so no name can reach outside the state dir. */
int nsl_journal_dir(const char *lab, char *buf, size_t len);

#endif
