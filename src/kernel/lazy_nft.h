/* lazy_nft.h — libnftables through lazylib (see lazylib.h). Include it
 * instead of <nftables/libnftables.h>; call nsl_lazylib_load_nft() first. */
#ifndef NSL_LAZY_NFT_H
#define NSL_LAZY_NFT_H

#include "lazylib.h"
#include <nftables/libnftables.h>

#define NSL_NFT_SYMS(X) X(nft_ctx_new) X(nft_ctx_free) \
	X(nft_ctx_buffer_output) X(nft_ctx_buffer_error) \
	X(nft_ctx_get_output_buffer) X(nft_ctx_get_error_buffer) \
	X(nft_run_cmd_from_buffer)

#define NSL_LAZY_SLOT(s) __typeof__(&s) s;
extern struct nsl_nft_syms { NSL_NFT_SYMS(NSL_LAZY_SLOT) } nsl_nft;

#ifndef NSL_LAZY_TABLES
#define nft_ctx_new                nsl_nft.nft_ctx_new
#define nft_ctx_free               nsl_nft.nft_ctx_free
#define nft_ctx_buffer_output      nsl_nft.nft_ctx_buffer_output
#define nft_ctx_buffer_error       nsl_nft.nft_ctx_buffer_error
#define nft_ctx_get_output_buffer  nsl_nft.nft_ctx_get_output_buffer
#define nft_ctx_get_error_buffer   nsl_nft.nft_ctx_get_error_buffer
#define nft_run_cmd_from_buffer    nsl_nft.nft_run_cmd_from_buffer
#endif

#endif
