/* lazy_mhd.h — libmicrohttpd through lazylib (see lazylib.h): only
 * `nslab web` serves HTTP. Include it instead of <microhttpd.h>; call
 * nsl_lazylib_load_mhd() first. */
#ifndef NSL_LAZY_MHD_H
#define NSL_LAZY_MHD_H

#include "lazylib.h"
#include <sys/types.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdint.h>
#include <microhttpd.h>

#define NSL_MHD_SYMS(X) X(MHD_start_daemon) X(MHD_stop_daemon) \
	X(MHD_create_response_from_buffer) X(MHD_create_response_from_callback) \
	X(MHD_create_response_from_fd) X(MHD_add_response_header) \
	X(MHD_queue_response) X(MHD_destroy_response) \
	X(MHD_lookup_connection_value) X(MHD_get_connection_info)

#define NSL_LAZY_SLOT(s) __typeof__(&s) s;
extern struct nsl_mhd_syms { NSL_MHD_SYMS(NSL_LAZY_SLOT) } nsl_mhd;

#ifndef NSL_LAZY_TABLES
#define MHD_start_daemon                  nsl_mhd.MHD_start_daemon
#define MHD_stop_daemon                   nsl_mhd.MHD_stop_daemon
#define MHD_create_response_from_buffer   nsl_mhd.MHD_create_response_from_buffer
#define MHD_create_response_from_callback nsl_mhd.MHD_create_response_from_callback
#define MHD_create_response_from_fd       nsl_mhd.MHD_create_response_from_fd
#define MHD_add_response_header           nsl_mhd.MHD_add_response_header
#define MHD_queue_response                nsl_mhd.MHD_queue_response
#define MHD_destroy_response              nsl_mhd.MHD_destroy_response
#define MHD_lookup_connection_value       nsl_mhd.MHD_lookup_connection_value
#define MHD_get_connection_info           nsl_mhd.MHD_get_connection_info
#endif

#endif
