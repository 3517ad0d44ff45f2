/* lazy_pcap.h — libpcap through lazylib (see lazylib.h). Include it
 * instead of <pcap/pcap.h>; call nsl_lazylib_load_pcap() first. */
#ifndef NSL_LAZY_PCAP_H
#define NSL_LAZY_PCAP_H

#include "lazylib.h"
#include <pcap/pcap.h>

#define NSL_PCAP_SYMS(X) X(pcap_activate) X(pcap_breakloop) X(pcap_close) \
	X(pcap_compile) X(pcap_create) X(pcap_dispatch) X(pcap_dump) \
	X(pcap_dump_close) X(pcap_dump_flush) X(pcap_dump_fopen) \
	X(pcap_freecode) X(pcap_get_selectable_fd) X(pcap_geterr) \
	X(pcap_next_ex) X(pcap_open_offline) X(pcap_set_immediate_mode) \
	X(pcap_set_promisc) X(pcap_set_snaplen) X(pcap_setfilter) \
	X(pcap_setnonblock) X(pcap_statustostr)

#define NSL_LAZY_SLOT(s) __typeof__(&s) s;
extern struct nsl_pcap_syms { NSL_PCAP_SYMS(NSL_LAZY_SLOT) } nsl_pcap;

#ifndef NSL_LAZY_TABLES
#define pcap_activate            nsl_pcap.pcap_activate
#define pcap_breakloop           nsl_pcap.pcap_breakloop
#define pcap_close               nsl_pcap.pcap_close
#define pcap_compile             nsl_pcap.pcap_compile
#define pcap_create              nsl_pcap.pcap_create
#define pcap_dispatch            nsl_pcap.pcap_dispatch
#define pcap_dump                nsl_pcap.pcap_dump
#define pcap_dump_close          nsl_pcap.pcap_dump_close
#define pcap_dump_flush          nsl_pcap.pcap_dump_flush
#define pcap_dump_fopen          nsl_pcap.pcap_dump_fopen
#define pcap_freecode            nsl_pcap.pcap_freecode
#define pcap_get_selectable_fd   nsl_pcap.pcap_get_selectable_fd
#define pcap_geterr              nsl_pcap.pcap_geterr
#define pcap_next_ex             nsl_pcap.pcap_next_ex
#define pcap_open_offline        nsl_pcap.pcap_open_offline
#define pcap_set_immediate_mode  nsl_pcap.pcap_set_immediate_mode
#define pcap_set_promisc         nsl_pcap.pcap_set_promisc
#define pcap_set_snaplen         nsl_pcap.pcap_set_snaplen
#define pcap_setfilter           nsl_pcap.pcap_setfilter
#define pcap_setnonblock         nsl_pcap.pcap_setnonblock
#define pcap_statustostr         nsl_pcap.pcap_statustostr
#endif

#endif
