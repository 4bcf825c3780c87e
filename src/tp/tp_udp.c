/*
 * tp_udp: the UDP transport (layer 2, RFC 3261 18.1.1 and 18.2.1).
 *
 * A listener is one bound socket.  Every datagram is handed whole to the
 * receive callback from the set's read buffer, so the callback must copy
 * what it keeps; a datagram that did not fit is dropped.  Sends leave
 * from the listener's socket, so they carry its address and port, which
 * is what RFC 3581 4 asks of a response.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "tp_int.h"

/* A queued send and its copy of the datagram, in one allocation. */
struct tp_udp_req {
	uv_udp_send_t req;
	struct tp *tp;
	char data[];
};

static void tp_udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct tp_lsn *l = h->data;

	/* One datagram at a time: the loop hands it over before it reads
	   on, so the set's one read buffer serves every listener. */
	b->base = l->tp->rbuf;
	b->len = sizeof(l->tp->rbuf);
}

static void tp_udp_on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
			   const struct sockaddr *src, unsigned flags)
{
	struct tp_lsn *l = h->data;
	struct tp_src s;

	if (nread < 0) {
		log_warn("udp %s: receive failed: %s", l->name,
			 uv_strerror((int)nread));
		return;
	}
	/* Zero bytes and no address means the socket had nothing. */
	if (src == NULL)
		return;
	if (flags & UV_UDP_PARTIAL) {
		log_debug("udp %s: dropped a datagram over %zu bytes",
			  l->name, sizeof(l->tp->rbuf));
		return;
	}
	/* An empty datagram carries no message (RFC 3261 18.3 needs a
	   start line at least). */
	if (nread == 0)
		return;
	memset(&s, 0, sizeof(s));
	s.proto = TP_UDP;
	s.lsn = l;
	memcpy(&s.peer, src, tp_addr_len(src));
	/* The bound address: a wildcard listener would need IP_PKTINFO to
	   tell which of the host's addresses the datagram came to. */
	s.local = l->addr;
	tp_deliver(l->tp, &s, b->base, (size_t)nread);
}

static int tp_udp_lsn_open(struct tp_lsn *l, const struct tp_lsn_cfg *c,
			   char *err, size_t errlen)
{
	int len = sizeof(l->addr);
	int rc;

	(void)c;
	rc = uv_udp_init(l->tp->loop, &l->u.udp);
	if (rc < 0)
		return rc;
	l->handle_init = 1;
	l->u.udp.data = l;
	/* An IPv6 listener takes only IPv6, so that "::" and "0.0.0.0"
	   can be two listeners in two realms. */
	rc = uv_udp_bind(&l->u.udp, (const struct sockaddr *)&l->addr,
			 l->addr.ss_family == AF_INET6 ? UV_UDP_IPV6ONLY : 0);
	if (rc == 0)
		rc = uv_udp_getsockname(&l->u.udp, (struct sockaddr *)&l->addr,
					&len);
	if (rc == 0)
		rc = uv_udp_recv_start(&l->u.udp, tp_udp_alloc_cb,
				       tp_udp_on_recv);
	return rc;
}

static void tp_udp_lsn_close(struct tp_lsn *l)
{
	/* Queued sends complete with UV_ECANCELED before the callback. */
	uv_close(&l->u.h, tp_lsn_close_cb);
}

static void tp_udp_send_cb(uv_udp_send_t *req, int status)
{
	struct tp_udp_req *r = (struct tp_udp_req *)req;

	if (status < 0 && status != UV_ECANCELED) {
		/* Nothing tells the sender: an unconnected socket hears of
		   no failure it could act on, so it is counted. */
		r->tp->st.send_errors++;
		log_warn("udp: send failed: %s", uv_strerror(status));
	}
	free(r);
}

static int tp_udp_send(struct tp_lsn *l, const struct tp_dest *d,
		       const void *p, size_t len)
{
	const struct sockaddr *dst = (const struct sockaddr *)&d->addr;
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
	struct tp_udp_req *r;
	int rc;

	if (len > TP_UDP_MAX)
		return -EMSGSIZE;
	if (dst->sa_family != l->addr.ss_family)
		return -EAFNOSUPPORT;
	rc = uv_udp_try_send(&l->u.udp, &b, 1, dst);
	if (rc >= 0)
		return 0;
	/*
	 * The socket buffer is full or sends are already queued (they go
	 * first, in order): queue a copy, since the caller's buffer is
	 * reused as soon as this returns.
	 */
	if (rc != UV_EAGAIN && rc != UV_ENOSYS)
		return rc;
	r = malloc(sizeof(*r) + len);
	if (r == NULL)
		return -ENOMEM;
	r->tp = l->tp;
	memcpy(r->data, p, len);
	b = uv_buf_init(r->data, (unsigned)len);
	rc = uv_udp_send(&r->req, &l->u.udp, &b, 1, dst, tp_udp_send_cb);
	if (rc < 0) {
		free(r);
		return rc;
	}
	return 0;
}

const struct tp_ops tp_udp_ops = {
	.proto = TP_UDP,
	.lsn_open = tp_udp_lsn_open,
	.lsn_close = tp_udp_lsn_close,
	.send = tp_udp_send,
};
