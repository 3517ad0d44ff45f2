/* httpd.h — the HTTP side of `nslab web`, on libmicrohttpd (opened on
 * first use). No request is parsed here: MHD does that.
 *
 * Threads. Lua is single-threaded, so the design keeps every Lua call on
 * the main thread and gives MHD only what needs no Lua:
 *   - MHD runs its own threads (one per connection: a Server-Sent Events
 *     stream blocks in its reader until there is something to send, which
 *     only that mode allows without suspend/resume bookkeeping);
 *   - they check the token, serve documents the main thread put (the page,
 *     its script and style) and the event stream from a ring of messages
 *     the main thread broadcasts;
 *   - anything else under /api/ is queued: the HTTP thread waits (up to
 *     30 s) while the main thread, woken through an eventfd it polls along
 *     with the netlink monitor, takes the request, answers it in Lua and
 *     hands the reply back.
 * All shared state is under one mutex. Log lines (refusals, bad requests,
 * MHD's own errors) are queued too: this layer never prints. */
#ifndef NSL_HTTPD_H
#define NSL_HTTPD_H

#include "nsl.h"

struct nsl_httpd;

/* A request taken off the queue (nsl_httpd_next); strings are the
 * caller's to free with nsl_httpd_req_free. */
struct nsl_httpd_req {
	unsigned id;
	char method[16];
	char *path;              /* without the query */
	char *body;              /* POST body, NUL-terminated ("" when none) */
	size_t body_len;
	char peer[64];           /* client address */
};

/* Listen on addr:port (port 0: the kernel picks) and start serving;
 * token is what every request must carry (?token= or X-Nslab-Token).
 * *port_out gets the port bound. */
int nsl_httpd_start(const char *addr, int port, const char *token, struct nsl_httpd **h,
		    int *port_out, struct nsl_err *err);
/* Open one TCP socket per family (IPv4, IPv6) in the network namespace
 * this process is in now, for the next nsl_httpd_start to bind instead of
 * making its own. A rootless nslab calls it before joining the user's
 * private network namespace (rootless.h), so the page is served on the
 * machine's loopback, where the browser is: a socket stays in the
 * namespace it was made in. */
void nsl_httpd_outer_sockets(void);
/* Stop: event streams end after what was broadcast, then every thread is
 * joined. NULL is fine. */
void nsl_httpd_stop(struct nsl_httpd *h);

/* The eventfd that becomes readable when a request is queued; drain it
 * with nsl_httpd_drain before taking requests. */
int nsl_httpd_fd(struct nsl_httpd *h);
void nsl_httpd_drain(struct nsl_httpd *h);
/* Take the next queued request: 1 and *r filled, 0 when none. */
int nsl_httpd_next(struct nsl_httpd *h, struct nsl_httpd_req *r);
void nsl_httpd_req_free(struct nsl_httpd_req *r);
/* Answer request id: body (copied) with ctype, or, when file is non-NULL,
 * that file's bytes (opened here). An id that gave up waiting is ignored. */
int nsl_httpd_reply(struct nsl_httpd *h, unsigned id, int status, const char *ctype,
		    const char *body, size_t len, const char *file, struct nsl_err *err);

/* Serve path (exact) with these bytes from now on (copied; replaces). */
int nsl_httpd_put(struct nsl_httpd *h, const char *path, const char *ctype,
		  const char *body, size_t len, struct nsl_err *err);
/* Send msg (a whole SSE message, "event: x\ndata: y\n\n") to every event
 * stream open now. */
int nsl_httpd_broadcast(struct nsl_httpd *h, const char *msg, size_t len, struct nsl_err *err);
/* Event streams open now. */
int nsl_httpd_streams(struct nsl_httpd *h);
/* Take the queued log lines, one a call: 1 and *line (to free), 0 when
 * none. */
int nsl_httpd_log(struct nsl_httpd *h, char **line);

#endif
