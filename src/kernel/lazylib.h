/* lazylib.h — shared libraries nslab opens on first use, not at start.
 *
 * libnftables, libpcap and readline bring fifteen more shared objects with
 * them (xtables, gmp, jansson, dbus, systemd, gcrypt, lzma, ...). Linked
 * normally, the dynamic loader maps all of them before main() in every
 * nslab process: ~1.3 ms, most of what `nslab exec` costs, for libraries
 * only NAT rules, captures and the REPL's line editor use. The code that
 * uses them includes lazy_nft.h, lazy_pcap.h or lazy_readline.h, which
 * turn each name into a pointer filled by dlopen/dlsym, and calls the
 * library's load function before the first use. */
#ifndef NSL_LAZYLIB_H
#define NSL_LAZYLIB_H

#include "nsl.h"

struct nsl_lazylib {
	const char *soname;          /* what dlopen asks for */
	const char *package;         /* the Debian package that has it */
	const char *const *names;    /* its symbols, in slot order */
	void **slots;
	size_t n;
	int state;                   /* 0 untried, 1 loaded, < 0 -errno */
	char why[300];               /* the message when it could not be */
};

/* Open lib once; later calls return the first outcome. On failure err says
 * which library and package ("apt-get install ..."). */
int nsl_lazylib_load(struct nsl_lazylib *lib, struct nsl_err *err);

/* The libraries. Their load functions are the ones to call. */
int nsl_lazylib_load_nft(struct nsl_err *err);
int nsl_lazylib_load_pcap(struct nsl_err *err);
int nsl_lazylib_load_readline(struct nsl_err *err);
int nsl_lazylib_load_mhd(struct nsl_err *err);

#endif
