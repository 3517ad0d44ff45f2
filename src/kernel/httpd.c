/* httpd.c — see httpd.h. */
#define _GNU_SOURCE
#include "httpd.h"
#include "lazy_mhd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RING 1024                /* messages an event stream may lag behind */
#define MAX_BODY (64 * 1024)     /* a POST body larger is refused (413) */
#define WAIT_S 30                /* a queued request waits this long for Lua */
#define KEEPALIVE_S 15           /* a comment on a quiet event stream */
#define MAX_LOG 256              /* queued log lines kept */

struct doc {
	char *path, *ctype, *body;
	size_t len;
	struct doc *next;
};

enum { Q_QUEUED, Q_TAKEN, Q_DONE };

struct qreq {
	unsigned id;
	int state;
	struct nsl_httpd_req r;
	int status;
	char *ctype, *body, *file;
	size_t len;
	struct qreq *next;
};

struct logline {
	char *text;
	struct logline *next;
};

struct nsl_httpd {
	struct MHD_Daemon *d;
	int lfd, efd;
	char token[128];
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* replies and broadcasts */
	struct doc *docs;
	struct qreq *q;
	unsigned next_id;
	char *ring[RING];
	size_t ring_len[RING];
	unsigned long long seq;     /* the next message's number */
	int streams, closing;
	struct logline *log, **log_tail;
	int nlog;
};

/* Per connection: a POST body being gathered. */
struct conn {
	char *buf;
	size_t len;
	int too_big;
};

/* One event stream. */
struct stream {
	struct nsl_httpd *h;
	unsigned long long seq;
	char *pend;
	size_t plen, poff;
};

static void logf_locked(struct nsl_httpd *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_locked(struct nsl_httpd *h, const char *fmt, ...)
{
	struct logline *l;
	va_list ap;

	if (h->nlog >= MAX_LOG || !(l = calloc(1, sizeof *l)))
		return;
	va_start(ap, fmt);
	if (vasprintf(&l->text, fmt, ap) < 0) {
		free(l);
		l = NULL;
	}
	va_end(ap);
	if (!l)
		return;
	*h->log_tail = l;
	h->log_tail = &l->next;
	h->nlog++;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct nsl_httpd *h = cls;
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	pthread_mutex_lock(&h->mu);
	logf_locked(h, "libmicrohttpd: %s", buf);
	pthread_mutex_unlock(&h->mu);
}

static void peer_of(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

static enum MHD_Result answer(struct MHD_Connection *c, int status, const char *ctype,
			      const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result refuse(struct nsl_httpd *h, struct MHD_Connection *c, int status,
			      const char *method, const char *url, const char *why)
{
	char peer[64], body[256];

	peer_of(c, peer, sizeof peer);
	pthread_mutex_lock(&h->mu);
	logf_locked(h, "%d %.8s %.200s from %s: %s", status, method, url, peer, why);
	pthread_mutex_unlock(&h->mu);
	snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", why);
	return answer(c, status, "application/json", body, strlen(body));
}

/* The token compared in time that does not depend on where they differ. */
static int token_ok(const struct nsl_httpd *h, const char *t)
{
	size_t n = strlen(h->token), m = t ? strlen(t) : 0;
	unsigned char diff = (unsigned char)(n != m);

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(h->token[i] ^ (i < m ? t[i] : 0));
	return t && !diff;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	struct nsl_httpd *h = s->h;
	size_t n;

	(void)pos;
	if (s->poff == s->plen) {
		struct timespec until;

		free(s->pend);
		s->pend = NULL;
		s->plen = s->poff = 0;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += KEEPALIVE_S;
		pthread_mutex_lock(&h->mu);
		while (s->seq == h->seq && !h->closing)
			if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
				break;
		if (s->seq + RING < h->seq) {
			/* fell behind the ring: the page reloads the lab */
			s->pend = strdup("event: resync\ndata: {}\n\n");
			s->seq = h->seq;
		} else if (s->seq < h->seq) {
			size_t k = (size_t)(s->seq % RING);

			s->pend = malloc(h->ring_len[k]);
			if (s->pend) {
				memcpy(s->pend, h->ring[k], h->ring_len[k]);
				s->plen = h->ring_len[k];
			}
			s->seq++;
		} else if (h->closing) {
			pthread_mutex_unlock(&h->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		} else {
			s->pend = strdup(": keepalive\n\n");
		}
		pthread_mutex_unlock(&h->mu);
		if (!s->pend)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (!s->plen)
			s->plen = strlen(s->pend);
	}
	n = s->plen - s->poff < max ? s->plen - s->poff : max;
	memcpy(buf, s->pend + s->poff, n);
	s->poff += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	pthread_mutex_lock(&s->h->mu);
	s->h->streams--;
	pthread_cond_broadcast(&s->h->cv);
	pthread_mutex_unlock(&s->h->mu);
	free(s->pend);
	free(s);
}

static enum MHD_Result open_stream(struct nsl_httpd *h, struct MHD_Connection *c)
{
	struct stream *s = calloc(1, sizeof *s);
	struct MHD_Response *r;
	enum MHD_Result rc;
	static const char hello[] = "retry: 1000\n\n";

	if (!s)
		return MHD_NO;
	s->h = h;
	s->pend = strdup(hello);
	s->plen = s->pend ? strlen(hello) : 0;
	pthread_mutex_lock(&h->mu);
	s->seq = h->seq;
	h->streams++;
	pthread_mutex_unlock(&h->mu);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s, stream_free);
	if (!r) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static void qreq_free(struct qreq *q)
{
	nsl_httpd_req_free(&q->r);
	free(q->ctype);
	free(q->body);
	free(q->file);
	free(q);
}

/* Queue a request for the main thread and wait for its reply. */
static enum MHD_Result ask_lua(struct nsl_httpd *h, struct MHD_Connection *c, const char *method,
			       const char *url, struct conn *cn)
{
	struct qreq *q = calloc(1, sizeof *q), **pp;
	struct MHD_Response *r = NULL;
	struct timespec until;
	enum MHD_Result rc;
	uint64_t one = 1;
	int status;

	if (!q)
		return MHD_NO;
	snprintf(q->r.method, sizeof q->r.method, "%s", method);
	q->r.path = strdup(url);
	q->r.body = cn && cn->buf ? cn->buf : strdup("");
	q->r.body_len = cn && cn->buf ? cn->len : 0;
	if (cn)
		cn->buf = NULL;
	peer_of(c, q->r.peer, sizeof q->r.peer);
	if (!q->r.path || !q->r.body) {
		qreq_free(q);
		return MHD_NO;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	pthread_mutex_lock(&h->mu);
	if (h->closing) {
		pthread_mutex_unlock(&h->mu);
		qreq_free(q);
		return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
			      "{\"error\":\"the server is stopping\"}\n", 35);
	}
	q->id = q->r.id = ++h->next_id;
	q->next = h->q;
	h->q = q;
	if (write(h->efd, &one, sizeof one) < 0) {
		/* the counter is full: the main thread has a wake-up pending anyway */
	}
	while (q->state != Q_DONE && !h->closing)
		if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
			break;
	for (pp = &h->q; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	if (q->state != Q_DONE)
		logf_locked(h, "504 %s %.200s: no answer within %d s", method, url, WAIT_S);
	pthread_mutex_unlock(&h->mu);
	if (q->state != Q_DONE) {
		qreq_free(q);
		return answer(c, MHD_HTTP_GATEWAY_TIMEOUT, "application/json",
			      "{\"error\":\"no answer in time\"}\n", 30);
	}
	status = q->status;
	if (q->file) {
		int fd = open(q->file, O_RDONLY | O_CLOEXEC);
		struct stat st;

		if (fd >= 0 && fstat(fd, &st) == 0)
			r = MHD_create_response_from_fd((size_t)st.st_size, fd);
		else if (fd >= 0)
			close(fd);
		if (!r) {
			qreq_free(q);
			return answer(c, MHD_HTTP_NOT_FOUND, "application/json", "{\"error\":\"file gone\"}\n", 22);
		}
		MHD_add_response_header(r, "Content-Type", q->ctype ? q->ctype : "application/octet-stream");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		rc = MHD_queue_response(c, (unsigned)status, r);
		MHD_destroy_response(r);
	} else {
		rc = answer(c, status, q->ctype ? q->ctype : "application/json", q->body ? q->body : "", q->len);
	}
	qreq_free(q);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct nsl_httpd *h = cls;
	struct conn *cn = *con_cls;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
	const char *tok;

	(void)version;
	if (!cn) {
		/* first call: headers only; a body (if any) follows */
		if (!(cn = calloc(1, sizeof *cn)))
			return MHD_NO;
		*con_cls = cn;
		return MHD_YES;
	}
	if (*data_size) {
		if (!cn->too_big && cn->len + *data_size <= MAX_BODY) {
			char *nb = realloc(cn->buf, cn->len + *data_size + 1);

			if (!nb)
				return MHD_NO;
			memcpy(nb + cn->len, data, *data_size);
			cn->buf = nb;
			cn->len += *data_size;
			cn->buf[cn->len] = 0;
		} else {
			cn->too_big = 1;
		}
		*data_size = 0;
		return MHD_YES;
	}
	tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (!tok)
		tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Nslab-Token");
	if (!token_ok(h, tok))
		return refuse(h, c, MHD_HTTP_FORBIDDEN, method, url,
			      tok ? "wrong token" : "no token: open the URL nslab web printed");
	if (cn->too_big)
		return refuse(h, c, 413, method, url, "request body over 64 KiB");
	if (!get && !post)
		return refuse(h, c, MHD_HTTP_METHOD_NOT_ALLOWED, method, url, "only GET and POST");
	if (get && !strcmp(url, "/api/events"))
		return open_stream(h, c);
	if (!strncmp(url, "/api/", 5))
		return ask_lua(h, c, method, url, cn);
	if (get) {
		struct doc *d;
		enum MHD_Result rc;

		pthread_mutex_lock(&h->mu);
		for (d = h->docs; d && strcmp(d->path, url); d = d->next)
			;
		if (d) {
			/* copied under the lock: the main thread may replace it */
			rc = answer(c, MHD_HTTP_OK, d->ctype, d->body, d->len);
			pthread_mutex_unlock(&h->mu);
			return rc;
		}
		pthread_mutex_unlock(&h->mu);
	}
	return refuse(h, c, MHD_HTTP_NOT_FOUND, method, url, "no such page");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)t;
	if (cn) {
		free(cn->buf);
		free(cn);
		*con_cls = NULL;
	}
}

/* nsl_httpd_outer_sockets's sockets, [0] IPv4 and [1] IPv6; -1 when none */
static int outer_fd[2] = { -1, -1 };

void nsl_httpd_outer_sockets(void)
{
	outer_fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	outer_fd[1] = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int listen_on(const char *addr, int port, int *port_out, struct nsl_err *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1, rc, v6;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof *s4;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof *s6;
	} else {
		return nsl_err_fail_quiet(err, EINVAL, "\"%s\" is not an IP address to bind to (like 127.0.0.1 or ::1)",
					  addr);
	}
	v6 = ss.ss_family == AF_INET6;
	fd = outer_fd[v6];              /* one made before (rootless), else ours */
	outer_fd[v6] = -1;
	if (outer_fd[!v6] >= 0)
		close(outer_fd[!v6]);
	outer_fd[!v6] = -1;
	if (fd < 0)
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nsl_err_fail(err, errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		rc = errno;
		close(fd);
		if (rc == EADDRINUSE)
			return nsl_err_fail_quiet(err, rc, "port %d on %s is in use: pick another with --port N "
						  "(or --port 0 for any free one)", port, addr);
		if (rc == EADDRNOTAVAIL)
			return nsl_err_fail_quiet(err, rc, "%s is not an address of this machine's network "
						  "namespace: give one it has with --bind", addr);
		if (rc == EACCES)
			return nsl_err_fail_quiet(err, rc, "port %d needs privileges to bind: use one above 1023", port);
		return nsl_err_fail(err, rc, "listen on %s port %d", addr, port);
	}
	sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port_out = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
}

int nsl_httpd_start(const char *addr, int port, const char *token, struct nsl_httpd **out,
		    int *port_out, struct nsl_err *err)
{
	struct nsl_httpd *h;
	sigset_t all, old;
	int rc;

	if (port < 0 || port > 65535)
		return nsl_err_fail_quiet(err, EINVAL, "port %d is not a TCP port (0 to 65535)", port);
	if (strlen(token) >= sizeof h->token)
		return nsl_err_fail_quiet(err, EINVAL, "token too long");
	if ((rc = nsl_lazylib_load_mhd(err)) < 0)
		return rc;
	if (!(h = calloc(1, sizeof *h)))
		return nsl_err_fail(err, ENOMEM, "httpd");
	h->lfd = h->efd = -1;
	snprintf(h->token, sizeof h->token, "%s", token);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->log_tail = &h->log;
	h->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->efd < 0) {
		rc = nsl_err_fail(err, errno, "eventfd");
		goto fail;
	}
	if ((h->lfd = listen_on(addr, port, port_out, err)) < 0) {
		rc = h->lfd;
		goto fail;
	}
	/* MHD's threads take no signal: they stay with the main thread, whose
	 * handler turns them into a clean teardown */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
				MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, h,
				MHD_OPTION_LISTEN_SOCKET, h->lfd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)400,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)300,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		rc = nsl_err_fail_quiet(err, EIO, "libmicrohttpd could not start on %s port %d", addr, *port_out);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	nsl_httpd_stop(h);
	return rc;
}

void nsl_httpd_stop(struct nsl_httpd *h)
{
	struct timespec until;

	if (!h)
		return;
	if (h->d) {
		/* let the streams send what was broadcast (the "lab down"
		 * message), a second at most, then close everything */
		pthread_mutex_lock(&h->mu);
		h->closing = 1;
		pthread_cond_broadcast(&h->cv);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (h->streams > 0)
			if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&h->mu);
		MHD_stop_daemon(h->d);
	}
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->efd >= 0)
		close(h->efd);
	while (h->docs) {
		struct doc *d = h->docs;

		h->docs = d->next;
		free(d->path);
		free(d->ctype);
		free(d->body);
		free(d);
	}
	while (h->q) {
		struct qreq *q = h->q;

		h->q = q->next;
		qreq_free(q);
	}
	for (int i = 0; i < RING; i++)
		free(h->ring[i]);
	while (h->log) {
		struct logline *l = h->log;

		h->log = l->next;
		free(l->text);
		free(l);
	}
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

int nsl_httpd_fd(struct nsl_httpd *h)
{
	return h->efd;
}

void nsl_httpd_drain(struct nsl_httpd *h)
{
	uint64_t v;

	while (read(h->efd, &v, sizeof v) == sizeof v)
		;
}

int nsl_httpd_next(struct nsl_httpd *h, struct nsl_httpd_req *r)
{
	struct qreq *q, *first = NULL;

	pthread_mutex_lock(&h->mu);
	/* the oldest queued (the list is newest first) */
	for (q = h->q; q; q = q->next)
		if (q->state == Q_QUEUED)
			first = q;
	if (first) {
		first->state = Q_TAKEN;
		*r = first->r;
		r->path = strdup(first->r.path);
		r->body = malloc(first->r.body_len + 1);
		if (r->body) {
			memcpy(r->body, first->r.body, first->r.body_len);
			r->body[first->r.body_len] = 0;
		}
		if (!r->path || !r->body) {
			nsl_httpd_req_free(r);
			first->state = Q_QUEUED;
			first = NULL;
		}
	}
	pthread_mutex_unlock(&h->mu);
	return first != NULL;
}

void nsl_httpd_req_free(struct nsl_httpd_req *r)
{
	free(r->path);
	free(r->body);
	r->path = r->body = NULL;
}

int nsl_httpd_reply(struct nsl_httpd *h, unsigned id, int status, const char *ctype,
		    const char *body, size_t len, const char *file, struct nsl_err *err)
{
	struct qreq *q;

	pthread_mutex_lock(&h->mu);
	for (q = h->q; q && q->id != id; q = q->next)
		;
	if (q && q->state == Q_TAKEN) {
		q->status = status;
		q->ctype = ctype ? strdup(ctype) : NULL;
		q->file = file ? strdup(file) : NULL;
		q->body = malloc(len + 1);
		if (q->body) {
			memcpy(q->body, body ? body : "", len);
			q->body[len] = 0;
			q->len = len;
		} else {
			q->status = 500;
			q->len = 0;
		}
		q->state = Q_DONE;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	(void)err;
	return 0;
}

int nsl_httpd_put(struct nsl_httpd *h, const char *path, const char *ctype,
		  const char *body, size_t len, struct nsl_err *err)
{
	struct doc *d;
	char *nb = malloc(len ? len : 1), *nc = strdup(ctype);

	if (!nb || !nc) {
		free(nb);
		free(nc);
		return nsl_err_fail(err, ENOMEM, "httpd");
	}
	memcpy(nb, body, len);
	pthread_mutex_lock(&h->mu);
	for (d = h->docs; d && strcmp(d->path, path); d = d->next)
		;
	if (!d && (d = calloc(1, sizeof *d)) && !(d->path = strdup(path))) {
		free(d);
		d = NULL;
	}
	if (d) {
		if (!d->body) {
			d->next = h->docs;
			h->docs = d;
		}
		free(d->body);
		free(d->ctype);
		d->body = nb;
		d->ctype = nc;
		d->len = len;
	}
	pthread_mutex_unlock(&h->mu);
	if (!d) {
		free(nb);
		free(nc);
		return nsl_err_fail(err, ENOMEM, "httpd");
	}
	return 0;
}

int nsl_httpd_broadcast(struct nsl_httpd *h, const char *msg, size_t len, struct nsl_err *err)
{
	char *m = malloc(len ? len : 1);
	size_t k;

	if (!m)
		return nsl_err_fail(err, ENOMEM, "httpd");
	memcpy(m, msg, len);
	pthread_mutex_lock(&h->mu);
	k = (size_t)(h->seq % RING);
	free(h->ring[k]);
	h->ring[k] = m;
	h->ring_len[k] = len;
	h->seq++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

int nsl_httpd_streams(struct nsl_httpd *h)
{
	int n;

	pthread_mutex_lock(&h->mu);
	n = h->streams;
	pthread_mutex_unlock(&h->mu);
	return n;
}

int nsl_httpd_log(struct nsl_httpd *h, char **line)
{
	struct logline *l;

	pthread_mutex_lock(&h->mu);
	l = h->log;
	if (l) {
		h->log = l->next;
		if (!h->log)
			h->log_tail = &h->log;
		h->nlog--;
	}
	pthread_mutex_unlock(&h->mu);
	if (!l)
		return 0;
	*line = l->text;
	free(l);
	return 1;
}
