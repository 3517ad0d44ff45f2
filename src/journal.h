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
/* Open the journal of lab, which is up, for appending (a REPL attached to
 * it grows it); the owner stays as it is. ENOENT when no such lab is up. */
int nsl_journal_attach(const char *lab, struct nsl_journal *j, struct nsl_err *err);
/* Append one record line (no newline in fmt), under an exclusive flock
 * of the journal, so two writers never interleave; ENOENT when the lab
 * went down meanwhile (nsl_journal_down holds the lock until it is gone). */
int nsl_journal_add(struct nsl_journal *j, struct nsl_err *err,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void nsl_journal_close(struct nsl_journal *j);
/* Give up ownership (nslab up leaves the lab behind on purpose). */
int nsl_journal_release(struct nsl_journal *j);

/* Undo every record of lab, newest first, then remove its state dir.
 * *nobjs (may be NULL) receives how many records were undone. */
int nsl_journal_down(const char *lab, int *nobjs, struct nsl_err *err);

/* Owner of lab: its pid if that process is alive, 0 if the lab is up
 * without an owner, -ENOENT if no such lab. */
pid_t nsl_journal_owner(const char *lab);

/* Call fn for each lab with a state directory. */
int nsl_journal_each(int (*fn)(const char *lab, void *arg), void *arg);

/* Count records of kind ("netns", ...) in lab's journal. */
int nsl_journal_count(const char *lab, const char *kind);

/* Call fn with the rest of each record of kind that still stands (a
 * later `del` line cancels one), oldest first; stops when fn returns
 * non-zero and returns that. -ENOENT when no such lab. */
int nsl_journal_records(const char *lab, const char *kind,
			int (*fn)(const char *rest, void *arg), void *arg);

/* Path of lab's state directory; -EINVAL (and "") when lab is not a
 * valid name (names.h), so no name can reach outside the state dir. */
int nsl_journal_dir(const char *lab, char *buf, size_t len);

#endif
