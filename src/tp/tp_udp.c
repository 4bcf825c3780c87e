/*
 * tp_udp: a SIP listener on a UDP socket (layer 2).
 *
 * libuv error codes are negative errno values on every platform sbc
 * runs on, so they are returned as they are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "sbc/log.h"
#include "sbc/tp_udp.h"

struct tp_udp {
	uv_udp_t handle;
	tp_udp_recv_cb *cb;
	void *arg;
	unsigned long sent;
	unsigned long send_errors;
	char rbuf[TP_UDP_RECV_MAX];
};

/* A queued send and its copy of the datagram, in one allocation. */
struct tp_udp_req {
	uv_udp_send_t req;
	struct tp_udp *t;
	char data[];
};

static void tp_udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct tp_udp *t = h->data;

	/* One datagram at a time: the loop hands it over before reading on. */
	b->base = t->rbuf;
	b->len = sizeof(t->rbuf);
}

static void tp_udp_on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
			    const struct sockaddr *src, unsigned flags)
{
	struct tp_udp *t = h->data;

	if (nread < 0) {
		log_warn("udp: receive failed: %s", uv_strerror((int)nread));
		return;
	}
	/* Zero bytes and no address means the socket had nothing to read. */
	if (nread == 0 || src == NULL)
		return;
	if (flags & UV_UDP_PARTIAL) {
		log_debug("udp: dropped a datagram over %zu bytes",
			  sizeof(t->rbuf));
		return;
	}
	t->cb(t, b->base, (size_t)nread, src, t->arg);
}

int tp_udp_open(uv_loop_t *loop, const struct sockaddr *addr,
		tp_udp_recv_cb *cb, void *arg, struct tp_udp **out)
{
	struct tp_udp *t;
	unsigned flags = 0;
	int rc;

	*out = NULL;
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->cb = cb;
	t->arg = arg;
	rc = uv_udp_init(loop, &t->handle);
	if (rc < 0) {
		free(t);
		return rc;
	}
	t->handle.data = t;

	/*
	 * An IPv6 listener takes only IPv6, so that "::" and "0.0.0.0"
	 * can be two listeners in two realms.
	 */
	if (addr->sa_family == AF_INET6)
		flags |= UV_UDP_IPV6ONLY;
	rc = uv_udp_bind(&t->handle, addr, flags);
	if (rc == 0)
		rc = uv_udp_recv_start(&t->handle, tp_udp_alloc_cb,
				       tp_udp_on_recv);
	if (rc < 0) {
		/* An initialised handle is freed only through uv_close. */
		tp_udp_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

static void tp_udp_send_cb(uv_udp_send_t *req, int status)
{
	struct tp_udp_req *r = (struct tp_udp_req *)req;

	if (status < 0) {
		r->t->send_errors++;
		if (status != UV_ECANCELED)
			log_warn("udp: send failed: %s", uv_strerror(status));
	} else {
		r->t->sent++;
	}
	free(r);
}

int tp_udp_send(struct tp_udp *t, const void *p, size_t len,
		const struct sockaddr *dst)
{
	struct tp_udp_req *r;
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
	int rc;

	if (len > TP_UDP_RECV_MAX)
		return -EMSGSIZE;
	rc = uv_udp_try_send(&t->handle, &b, 1, dst);
	if (rc >= 0) {
		t->sent++;
		return 0;
	}
	/*
	 * The socket buffer is full or sends are already queued (they go
	 * first, in order): queue a copy, since the caller's buffer is
	 * reused as soon as this returns.
	 */
	if (rc != UV_EAGAIN && rc != UV_ENOSYS) {
		t->send_errors++;
		return rc;
	}
	r = malloc(sizeof(*r) + len);
	if (r == NULL) {
		t->send_errors++;
		return -ENOMEM;
	}
	r->t = t;
	memcpy(r->data, p, len);
	b = uv_buf_init(r->data, (unsigned)len);
	rc = uv_udp_send(&r->req, &t->handle, &b, 1, dst, tp_udp_send_cb);
	if (rc < 0) {
		t->send_errors++;
		free(r);
		return rc;
	}
	return 0;
}

int tp_udp_local(const struct tp_udp *t, struct sockaddr_storage *ss)
{
	int len = sizeof(*ss);

	return uv_udp_getsockname(&t->handle, (struct sockaddr *)ss, &len);
}

unsigned long tp_udp_sent(const struct tp_udp *t)
{
	return t->sent;
}

unsigned long tp_udp_send_errors(const struct tp_udp *t)
{
	return t->send_errors;
}

static void tp_udp_close_cb(uv_handle_t *h)
{
	free(h->data);
}

void tp_udp_close(struct tp_udp *t)
{
	if (t == NULL)
		return;
	uv_udp_recv_stop(&t->handle);
	/* Queued sends complete with UV_ECANCELED before this callback. */
	uv_close((uv_handle_t *)&t->handle, tp_udp_close_cb);
}
