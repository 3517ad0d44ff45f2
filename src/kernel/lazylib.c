/* lazylib.c — see lazylib.h. The sonames come from the build (CMake reads
 * them from the libraries it found), so a library of another ABI version
 * is not picked up by accident. */
#define _GNU_SOURCE
#define NSL_LAZY_TABLES
#include "lazy_nft.h"
#include "lazy_pcap.h"
#include "lazy_readline.h"
#include "lazy_mhd.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NSL_LAZY_NAME(s) #s,

int nsl_lazylib_load(struct nsl_lazylib *lib, struct nsl_err *err)
{
	void *h;
	size_t i;

	if (lib->state == 0) {
		h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *e = dlerror();

			snprintf(lib->why, sizeof lib->why,
				 "cannot load %s (%s): apt-get install %s",
				 lib->soname, e ? e : "not found", lib->package);
			lib->state = -ENOENT;
		} else {
			lib->state = 1;
			for (i = 0; i < lib->n && lib->state == 1; i++) {
				lib->slots[i] = dlsym(h, lib->names[i]);
				if (!lib->slots[i]) {
					snprintf(lib->why, sizeof lib->why,
						 "%s has no %s (a different version?): "
						 "apt-get install --reinstall %s",
						 lib->soname, lib->names[i], lib->package);
					lib->state = -ENOSYS;
				}
			}
			/* a failed library stays mapped: cheaper than reasoning
			 * about half-filled tables */
		}
	}
	if (lib->state < 0)
		return nsl_err_fail_quiet(err, -lib->state, "%s", lib->why);
	return 0;
}

/* Each table is a struct of typed pointers, filled as an array of void *
 * (POSIX guarantees function and data pointers convert through void *). */
#define LAZY_LIB(var, syms, so, pkg)                                        \
	struct var##_syms var;                                               \
	static const char *const var##_names[] = { syms(NSL_LAZY_NAME) };    \
	static struct nsl_lazylib var##_lib = {                              \
		so, pkg, var##_names, (void **)&var,                         \
		sizeof var##_names / sizeof var##_names[0], 0, "" };         \
	_Static_assert(sizeof(struct var##_syms) ==                          \
		       sizeof var##_names / sizeof var##_names[0] * sizeof(void *), \
		       "one slot per name");

LAZY_LIB(nsl_nft, NSL_NFT_SYMS, NSLAB_SONAME_NFTABLES, "libnftables1")
LAZY_LIB(nsl_pcap, NSL_PCAP_SYMS, NSLAB_SONAME_PCAP, "libpcap0.8")
LAZY_LIB(nsl_rl, NSL_RL_SYMS, NSLAB_SONAME_READLINE, "libreadline8")
LAZY_LIB(nsl_mhd, NSL_MHD_SYMS, NSLAB_SONAME_MHD, "libmicrohttpd12")

int nsl_lazylib_load_nft(struct nsl_err *err) { return nsl_lazylib_load(&nsl_nft_lib, err); }
int nsl_lazylib_load_pcap(struct nsl_err *err) { return nsl_lazylib_load(&nsl_pcap_lib, err); }
int nsl_lazylib_load_readline(struct nsl_err *err) { return nsl_lazylib_load(&nsl_rl_lib, err); }
int nsl_lazylib_load_mhd(struct nsl_err *err) { return nsl_lazylib_load(&nsl_mhd_lib, err); }
