/*
 * tp_tcp: the TCP transport and the stream machinery TLS shares
 * (layer 2, RFC 3261 18.3, RFC 5626 3.5.1).
 *
 * A connection is a libuv TCP handle and a timer.  The timer first
 * bounds the connect (and for TLS the handshake) by connect_ms, then
 * closes the connection once it has been idle for idle_ms.  Input is
 * read into the set's read buffer and framed from there; only the tail
 * of an incomplete message is copied into the connection's own buffer.
 * Output is written at once when the kernel takes it and queued in
 * libuv otherwise, up to max_conn_buf bytes a connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "tp_int.h"

/* A queued write and its copy of the bytes, in one allocation. */
struct tp_wreq {
	uv_write_t req;
	struct tp_conn *c;
	size_t len;
	char data[];
};

/* Input buffers larger than this are given back once drained. */
#define TP_IN_KEEP 16384

static void tp_conn_on_timer(uv_timer_t *t);

static const char *tp_conn_fmt(const struct tp_conn *c, char *dst, size_t n)
{
	return tp_addr_fmt((const struct sockaddr *)&c->peer, dst, n);
}

static int tp_buf_append(char **b, size_t *len, size_t *cap, const void *p,
			 size_t n)
{
	if (*len + n > *cap) {
		size_t nc = *cap ? *cap : 1024;
		char *nb;

		while (nc < *len + n)
			nc *= 2;
		nb = realloc(*b, nc);
		if (!nb)
			return -ENOMEM;
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	return 0;
}

static void tp_conn_close_cb(uv_handle_t *h)
{
	struct tp_conn *c = h->data;
	struct tp *tp = c->tp;

	/* The set counts each handle; it cannot go away while the other
	   handle of this connection is still counted. */
	if (--c->handles > 0) {
		tp_handle_closed(tp);
		return;
	}
	if (c->ops->conn_free)
		c->ops->conn_free(c);
	free(c->in);
	free(c->pend);
	c->in = c->pend = NULL;
	c->in_len = c->pend_len = 0;
	c->state = TP_CONN_CLOSED;
	c->tp = NULL;
	c->lsn = NULL;
	tp_conn_unref(c);
	tp_handle_closed(tp);
}

void tp_conn_close(struct tp_conn *c, int err, int force)
{
	struct tp *tp = c->tp;
	int report;
	char a[64];

	if (c->state >= TP_CONN_CLOSING)
		return;
	/*
	 * RFC 3263 4.3: the transaction layer fails over when a transport
	 * error tells it a message did not get through.  That is so when
	 * the connection never opened, when output was still queued, or
	 * when the peer refused our TLS.  An error met inside tp_send is
	 * returned by it instead.
	 */
	report = err < 0 && c->outgoing && !c->reported && !c->sending &&
		 tp->ecb && !tp->closing &&
		 (force || c->state != TP_CONN_OPEN || c->out_bytes ||
		  c->pend_len);
	if (err < 0 && c->sending)
		c->reported = 1;
	log_debug("%s: closing the connection %s %s: %s",
		  tp_proto_name(c->proto), c->outgoing ? "to" : "from",
		  tp_conn_fmt(c, a, sizeof(a)),
		  err < 0 ? uv_strerror(err) : "done");
	c->state = TP_CONN_CLOSING;
	tp_conn_table_del(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		tp->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	tp->st.conns_open--;
	/* Queued writes and a connect in flight end with UV_ECANCELED
	   before the close callbacks run. */
	uv_close((uv_handle_t *)&c->tcp, tp_conn_close_cb);
	uv_close((uv_handle_t *)&c->timer, tp_conn_close_cb);
	if (report) {
		c->reported = 1;
		tp->ecb(tp, &c->dest, err, tp->arg);
	}
}

/* A new connection from listener l, not yet connected or accepted. */
static int tp_conn_new(struct tp_lsn *l, int outgoing, struct tp_conn **out)
{
	struct tp *tp = l->tp;
	struct tp_conn *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	rc = uv_tcp_init(tp->loop, &c->tcp);
	if (rc < 0) {
		free(c);
		return rc;
	}
	uv_timer_init(tp->loop, &c->timer);
	c->tp = tp;
	c->ops = l->ops;
	c->lsn = l;
	c->proto = l->proto;
	c->outgoing = outgoing ? 1 : 0;
	c->refs = 1;			/* the table's, until closed */
	c->handles = 2;
	c->tcp.data = c;
	c->timer.data = c;
	c->creq.data = c;
	c->last = uv_now(tp->loop);
	tp->handles += 2;
	c->next = tp->conns;
	if (c->next)
		c->next->prev = c;
	tp->conns = c;
	tp->st.conns_open++;
	*out = c;
	return 0;
}

static void tp_conn_timer_start(struct tp_conn *c, unsigned ms)
{
	if (ms)
		uv_timer_start(&c->timer, tp_conn_on_timer, ms, 0);
	else
		uv_timer_stop(&c->timer);
}

static void tp_conn_on_timer(uv_timer_t *t)
{
	struct tp_conn *c = t->data;
	struct tp *tp = c->tp;
	uint64_t idle = uv_now(tp->loop) - c->last;
	char a[64];

	if (c->state < TP_CONN_OPEN) {
		log_info("%s: %s %s %s timed out", tp_proto_name(c->proto),
			 c->state == TP_CONN_CONNECTING ? "connect"
							: "TLS handshake",
			 c->outgoing ? "to" : "from",
			 tp_conn_fmt(c, a, sizeof(a)));
		tp_conn_close(c, -ETIMEDOUT, 1);
		return;
	}
	/* Activity does not touch the timer; it is re-armed here for the
	   rest of the idle time instead. */
	if (idle < tp->cfg.idle_ms) {
		tp_conn_timer_start(c, tp->cfg.idle_ms - (unsigned)idle);
		return;
	}
	log_debug("%s: %s idle for %llu ms", tp_proto_name(c->proto),
		  tp_conn_fmt(c, a, sizeof(a)), (unsigned long long)idle);
	tp->st.conns_idle_closed++;
	tp_conn_close(c, -ETIMEDOUT, 0);
}

static void tp_conn_write_cb(uv_write_t *req, int status)
{
	struct tp_wreq *r = (struct tp_wreq *)req;
	struct tp_conn *c = r->c;

	c->nwreq--;
	c->out_bytes -= r->len;
	free(r);
	if (status == UV_ECANCELED || c->state >= TP_CONN_CLOSING)
		return;
	if (status < 0) {
		/* Bytes were lost: the sender must hear of it. */
		tp_conn_close(c, status, 1);
		return;
	}
	c->last = uv_now(c->tp->loop);
}

int tp_stream_write_raw(struct tp_conn *c, const void *p, size_t len)
{
	uv_stream_t *s = (uv_stream_t *)&c->tcp;
	struct tp_wreq *r;
	uv_buf_t b;
	int n = 0, rc;

	if (c->state >= TP_CONN_CLOSING)
		return -ENOTCONN;
	if (len == 0)
		return 0;
	/* Nothing queued: the kernel may take it all now, and then nothing
	   is copied. */
	if (c->nwreq == 0) {
		b = uv_buf_init((char *)p, (unsigned)len);
		n = uv_try_write(s, &b, 1);
		if (n >= 0 && (size_t)n == len) {
			c->last = uv_now(c->tp->loop);
			return 0;
		}
		if (n < 0 && n != UV_EAGAIN)
			return n;
		if (n < 0)
			n = 0;
	}
	r = malloc(sizeof(*r) + len - (size_t)n);
	if (!r)
		return -ENOMEM;
	r->c = c;
	r->len = len - (size_t)n;
	memcpy(r->data, (const char *)p + n, r->len);
	b = uv_buf_init(r->data, (unsigned)r->len);
	rc = uv_write(&r->req, s, &b, 1, tp_conn_write_cb);
	if (rc < 0) {
		free(r);
		return rc;
	}
	c->nwreq++;
	c->out_bytes += r->len;
	return 0;
}

int tp_conn_send(struct tp_conn *c, const void *p, size_t len)
{
	int rc;

	if (len == 0)
		return -EINVAL;
	if (c->out_bytes + c->pend_len + len > c->tp->cfg.max_conn_buf)
		return -ENOBUFS;
	if (c->state < TP_CONN_OPEN)
		return tp_buf_append(&c->pend, &c->pend_len, &c->pend_cap, p,
				     len);
	c->sending = 1;
	rc = c->ops->conn_write(c, p, len);
	if (rc < 0)
		tp_conn_close(c, rc, 0);
	c->sending = 0;
	return rc;
}

void tp_stream_ready(struct tp_conn *c)
{
	char *p = c->pend;
	size_t n = c->pend_len;
	int rc;

	c->state = TP_CONN_OPEN;
	c->last = uv_now(c->tp->loop);
	tp_conn_timer_start(c, c->tp->cfg.idle_ms);
	if (!n)
		return;
	/* What was sent while the connection opened goes first. */
	c->pend = NULL;
	c->pend_len = c->pend_cap = 0;
	rc = c->ops->conn_write(c, p, n);
	free(p);
	if (rc < 0)
		tp_conn_close(c, rc, 1);
}

/* Broken framing (RFC 3261 18.3): the stream cannot be resynchronised. */
static void tp_stream_broken(struct tp_conn *c, const char *why)
{
	char a[64];

	log_warn("%s: closing the connection %s %s: %s",
		 tp_proto_name(c->proto), c->outgoing ? "to" : "from",
		 tp_conn_fmt(c, a, sizeof(a)), why);
	c->tp->st.framing_errors++;
	tp_conn_close(c, -EPROTO, 0);
}

void tp_stream_frame(struct tp_conn *c, const char *p, size_t len)
{
	struct tp *tp = c->tp;
	const char *buf = p, *why = NULL;
	size_t n = len, off = 0, used, left;
	struct tp_src src;
	enum sip_frame_rc rc;
	int wrc;

	if (c->in_len) {
		if (tp_buf_append(&c->in, &c->in_len, &c->in_cap, p, len)) {
			tp_conn_close(c, -ENOMEM, 0);
			return;
		}
		buf = c->in;
		n = c->in_len;
	}
	/* The receive callback may close anything, this connection too;
	   the reference keeps it readable until this returns. */
	tp_conn_ref(c);
	while (c->state == TP_CONN_OPEN && off < n) {
		rc = sip_frame_next(buf + off, n - off, &tp->cfg.frame, &used,
				    &why);
		if (rc == SIP_FRAME_MORE)
			break;
		if (rc == SIP_FRAME_ERROR) {
			tp_stream_broken(c, why ? why : "broken framing");
			break;
		}
		if (rc == SIP_FRAME_MSG) {
			memset(&src, 0, sizeof(src));
			src.proto = c->proto;
			src.lsn = c->lsn;
			src.conn = c;
			tp_sockaddr_set(&src.peer, &c->peer);
			tp_sockaddr_set(&src.local, &c->local);
			tp_deliver(tp, &src, buf + off, used);
		} else if (rc == SIP_FRAME_PING) {
			/* RFC 5626 3.5.1: a CRLFCRLF ping gets a CRLF pong. */
			tp->st.pings++;
			wrc = c->ops->conn_write(c, "\r\n", 2);
			if (wrc < 0)
				tp_conn_close(c, wrc, 0);
		}
		/* A pong needs nothing: the read counts as activity. */
		off += used;
	}
	if (c->state == TP_CONN_OPEN) {
		left = n - off;
		if (left > tp->cfg.max_conn_buf) {
			tp_stream_broken(c, "unframed input over the limit");
		} else if (buf == c->in) {
			memmove(c->in, c->in + off, left);
			c->in_len = left;
		} else if (left &&
			   tp_buf_append(&c->in, &c->in_len, &c->in_cap,
					 p + off, left)) {
			tp_conn_close(c, -ENOMEM, 0);
		}
		if (c->in_len == 0 && c->in_cap > TP_IN_KEEP) {
			free(c->in);
			c->in = NULL;
			c->in_cap = 0;
		}
	}
	tp_conn_unref(c);
}

static void tp_conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct tp_conn *c = h->data;

	/* Each read is framed before the next alloc, so the set's one
	   read buffer serves every connection. */
	b->base = c->tp->rbuf;
	b->len = sizeof(c->tp->rbuf);
}

static void tp_conn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct tp_conn *c = s->data;

	if (n == 0 || c->state >= TP_CONN_CLOSING)
		return;
	if (n < 0) {
		/* The peer closing is a reset for whatever was in flight. */
		tp_conn_close(c, n == UV_EOF ? -ECONNRESET : (int)n, 0);
		return;
	}
	c->last = uv_now(c->tp->loop);
	c->ops->conn_input(c, b->base, (size_t)n);
}

/* Reading starts and the transport takes over (TLS: its handshake). */
static void tp_conn_begin(struct tp_conn *c)
{
	int rc;

	uv_tcp_nodelay(&c->tcp, 1);
	rc = uv_read_start((uv_stream_t *)&c->tcp, tp_conn_alloc_cb,
			   tp_conn_on_read);
	if (rc == 0)
		rc = c->ops->conn_start(c);
	if (rc < 0)
		tp_conn_close(c, rc, 1);
}

static void tp_conn_on_connect(uv_connect_t *req, int status)
{
	struct tp_conn *c = req->data;
	int len = sizeof(c->local);
	char a[64];

	if (status == UV_ECANCELED || c->state != TP_CONN_CONNECTING)
		return;
	if (status < 0) {
		log_info("%s: connect to %s failed: %s",
			 tp_proto_name(c->proto), tp_conn_fmt(c, a, sizeof(a)),
			 uv_strerror(status));
		tp_conn_close(c, status, 1);
		return;
	}
	uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&c->local, &len);
	c->tp->st.conns_connected++;
	tp_conn_begin(c);
}

/* Opens a connection from listener l to d; sends queue until it opens. */
static int tp_conn_connect(struct tp_lsn *l, const struct tp_dest *d,
			   const char *name, struct tp_conn **out)
{
	struct tp *tp = l->tp;
	struct sockaddr_storage local = l->addr;
	struct tp_conn *c;
	char a[64];
	int rc;

	*out = NULL;
	if (tp->st.conns_open >= tp->cfg.max_conns) {
		tp->st.conns_refused++;
		log_warn("%s: not connecting to %s: %u connections are open",
			 tp_proto_name(l->proto),
			 tp_addr_fmt((const struct sockaddr *)&d->addr, a,
				     sizeof(a)),
			 tp->cfg.max_conns);
		return -EMFILE;
	}
	rc = tp_conn_new(l, 1, &c);
	if (rc < 0)
		return rc;
	memcpy(&c->peer, &d->addr,
	       tp_addr_len((const struct sockaddr *)&d->addr));
	if (name && !(c->name = strdup(name))) {
		c->sending = 1;
		tp_conn_close(c, -ENOMEM, 0);
		return -ENOMEM;
	}
	c->verify = d->verify ? 1 : 0;
	c->dest = *d;
	c->dest.realm = l->realm;
	c->dest.conn = NULL;
	c->dest.server_name = c->name;
	/*
	 * The socket takes the listener's address with any port, so that
	 * the peer sees this realm's address and nothing of any other.
	 */
	if (local.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	else
		((struct sockaddr_in *)&local)->sin_port = 0;
	rc = uv_tcp_bind(&c->tcp, (const struct sockaddr *)&local, 0);
	if (rc == 0)
		rc = uv_tcp_connect(&c->creq, &c->tcp,
				    (const struct sockaddr *)&d->addr,
				    tp_conn_on_connect);
	if (rc < 0) {
		/* The callback will never be called; tp_send returns rc. */
		c->sending = 1;
		tp_conn_close(c, rc, 0);
		return rc;
	}
	tp_conn_table_add(tp, c);
	tp_conn_timer_start(c, tp->cfg.connect_ms);
	*out = c;
	return 0;
}

int tp_stream_send(struct tp_lsn *l, const struct tp_dest *d, const void *p,
		   size_t len)
{
	struct tp *tp = l->tp;
	const char *name = l->proto == TP_TLS ? d->server_name : NULL;
	struct tp_conn *c;
	int rc;

	if (len == 0)
		return -EINVAL;
	if (len > tp->cfg.max_conn_buf)
		return -ENOBUFS;
	if (d->addr.sa.sa_family != l->addr.ss_family)
		return -EAFNOSUPPORT;
	c = tp_conn_find(tp, l->realm, l->proto,
			 (const struct sockaddr *)&d->addr, name,
			 l->proto == TP_TLS && d->verify);
	if (!c) {
		rc = tp_conn_connect(l, d, name, &c);
		if (rc < 0)
			return rc;
	}
	return tp_conn_send(c, p, len);
}

static void tp_refused_close_cb(uv_handle_t *h)
{
	struct tp *tp = h->data;

	free(h);
	tp_handle_closed(tp);
}

/* Over max_conns: the connection is accepted only to be closed, since
   libuv stops accepting until the pending one is taken. */
static void tp_stream_refuse(struct tp_lsn *l)
{
	struct tp *tp = l->tp;
	uv_tcp_t *t = malloc(sizeof(*t));
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char a[64] = "?";

	tp->st.conns_refused++;
	if (!t || uv_tcp_init(tp->loop, t) < 0) {
		free(t);
		return;
	}
	t->data = tp;
	tp->handles++;
	if (uv_accept((uv_stream_t *)&l->u.tcp, (uv_stream_t *)t) == 0 &&
	    uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) == 0)
		tp_addr_fmt((const struct sockaddr *)&ss, a, sizeof(a));
	log_warn("%s %s: refused a connection from %s: %u connections are "
		 "open",
		 tp_proto_name(l->proto), l->name, a, tp->cfg.max_conns);
	uv_close((uv_handle_t *)t, tp_refused_close_cb);
}

static void tp_stream_on_accept(uv_stream_t *server, int status)
{
	struct tp_lsn *l = server->data;
	struct tp *tp = l->tp;
	struct tp_conn *c;
	int len, rc;

	if (status < 0) {
		log_warn("%s %s: accept failed: %s", tp_proto_name(l->proto),
			 l->name, uv_strerror(status));
		return;
	}
	if (tp->st.conns_open >= tp->cfg.max_conns ||
	    tp_conn_new(l, 0, &c) < 0) {
		tp_stream_refuse(l);
		return;
	}
	rc = uv_accept(server, (uv_stream_t *)&c->tcp);
	len = sizeof(c->peer);
	if (rc == 0)
		rc = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer,
					&len);
	len = sizeof(c->local);
	if (rc == 0)
		rc = uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&c->local,
					&len);
	if (rc < 0) {
		log_warn("%s %s: accept failed: %s", tp_proto_name(l->proto),
			 l->name, uv_strerror(rc));
		tp_conn_close(c, rc, 0);
		return;
	}
	tp->st.conns_accepted++;
	/* RFC 3261 18.2.2: requests to this peer reuse its connection. */
	tp_conn_table_add(tp, c);
	/* The handshake of TLS is bounded like a connect. */
	tp_conn_timer_start(c, tp->cfg.connect_ms);
	tp_conn_begin(c);
}

int tp_stream_lsn_open(struct tp_lsn *l, const struct tp_lsn_cfg *c,
		       char *err, size_t errlen)
{
	int len = sizeof(l->addr);
	int rc;

	(void)c;
	(void)err;
	(void)errlen;
	rc = uv_tcp_init(l->tp->loop, &l->u.tcp);
	if (rc < 0)
		return rc;
	l->handle_init = 1;
	l->u.tcp.data = l;
	rc = uv_tcp_bind(&l->u.tcp, (const struct sockaddr *)&l->addr,
			 l->addr.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->u.tcp, SOMAXCONN,
			       tp_stream_on_accept);
	if (rc == 0)
		rc = uv_tcp_getsockname(&l->u.tcp, (struct sockaddr *)&l->addr,
					&len);
	return rc;
}

void tp_stream_lsn_close(struct tp_lsn *l)
{
	uv_close(&l->u.h, tp_lsn_close_cb);
}

static int tp_tcp_conn_start(struct tp_conn *c)
{
	tp_stream_ready(c);
	return 0;
}

const struct tp_ops tp_tcp_ops = {
	.proto = TP_TCP,
	.lsn_open = tp_stream_lsn_open,
	.lsn_close = tp_stream_lsn_close,
	.send = tp_stream_send,
	.conn_start = tp_tcp_conn_start,
	.conn_input = tp_stream_frame,
	.conn_write = tp_stream_write_raw,
	.conn_free = NULL,
};
