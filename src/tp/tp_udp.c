/*
 * tp_udp: the UDP transport (layer 2, RFC 3261 18.1.1 and 18.2.1).
 *
 * A listener is one bound socket.  Sends leave from it, so they carry its
 * address and port, which is what RFC 3581 4 asks of a response.
 *
 * A system call per datagram is much of what a datagram costs, and a
 * busy SBC finds several datagrams at each wakeup and answers each, so
 * the socket is read and written in batches rather than a datagram a
 * call.
 *
 * Reading: libuv reads with recvmmsg(2) (UV_UDP_RECVMMSG) into
 * TP_UDP_RCHUNKS chunks of one buffer, up to that many datagrams a call,
 * and hands each to tp_udp_on_recv in the order they came.  The buffer
 * is the set's, shared by its UDP listeners as rbuf is by the streams:
 * every datagram of a read is delivered before the loop reads again, and
 * the receive callback copies what it keeps.  A datagram that did not
 * fit its chunk is dropped; no UDP datagram is that large.  libuv reads
 * again until the socket has nothing, a system call that finds nothing
 * at every wakeup; a read that did not fill every chunk has emptied the
 * socket, so the allocation callback then gives no buffer, which ends
 * libuv's reading for this wakeup (with UV_ENOBUFS, ignored here).
 * Datagrams that come in meanwhile wake the loop again: epoll reports a
 * readable socket for as long as it is one.
 *
 * Writing: tp_udp_send copies the datagram into the listener's batch (the
 * caller reuses its buffer at once) and returns, and the batch leaves in
 * one sendmmsg(2) when it is full (TP_UDP_BATCH datagrams or
 * TP_UDP_BATCH_BYTES), when the set's prepare handle runs, and when the
 * listener closes.  libuv runs prepare callbacks just before it polls,
 * after the timers and I/O callbacks that send, so a datagram waits for
 * the end of the loop iteration it was sent in, never across a sleep.
 * (One sent from another prepare callback that runs after this one
 * would wait for the next iteration; sbcd's own sends nothing.)
 *
 * Datagrams from one socket leave in the order they were sent.  What the
 * kernel does not take (EAGAIN, or a part of a batch) goes to libuv's
 * send queue with a copy each, in order, and while that queue holds
 * anything new datagrams join it rather than the batch, until it drains.
 *
 * Errors: a datagram too large or of the wrong address family is refused
 * by tp_udp_send at once.  The socket's own errors (a port of 0, no
 * route) come after tp_send returned 0, as they do for a queued send: the
 * datagram is counted in send_errors and the failure is logged,
 * rate-limited since a peer can provoke it; the rest of the batch goes
 * on.  The destination is then reported through tp_error_cb, as a
 * stream's late failure is, so that the transaction layer fails over
 * (RFC 3263 4.3) at once rather than after Timer B.  The report comes
 * from the prepare handle, never from inside tp_send, and what the
 * report's callbacks send is flushed before the loop sleeps.  A batch
 * left when the listener closes is sent then; what libuv still queues is
 * cancelled with the handle.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg */
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sbc/log.h"
#include "tp_int.h"

/* libuv's chunk for one datagram (UV__UDP_DGRAM_MAXSIZE), and how many
   one recvmmsg fills (libuv takes up to 20): 1 MiB a set. */
#define TP_UDP_CHUNK 65536
#define TP_UDP_RCHUNKS 16
/* A send batch: 64 datagrams, 256 KiB of them (four of the largest). */
#define TP_UDP_BATCH 64
#define TP_UDP_BATCH_BYTES (256 * 1024)
/* The receive buffer asked for (SO_RCVBUF). */
#define TP_UDP_RCVBUF (4 * 1024 * 1024)

union tp_udp_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* A listener's batch: sendmmsg's vector over copies in data. */
struct tp_udp_out {
	unsigned n;
	size_t used;			/* of data */
	struct mmsghdr msg[TP_UDP_BATCH];
	struct iovec iov[TP_UDP_BATCH];
	union tp_udp_addr to[TP_UDP_BATCH];
	char data[TP_UDP_BATCH_BYTES];
};

/* A queued send and its copy of the datagram, in one allocation. */
struct tp_udp_req {
	uv_udp_send_t req;
	struct tp *tp;
	union tp_udp_addr to;		/* for the log */
	char data[];
};

/* Send failures a peer can cause (a bad address in a Via): one limit. */
static struct log_limit tp_udp_ll_send;

static void tp_udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct tp_lsn *l = h->data;

	(void)suggested;
	if (l->udp_drained) {
		l->udp_drained = 0;
		b->base = NULL;
		b->len = 0;
		return;
	}
	b->base = l->tp->udp_rbuf;
	b->len = TP_UDP_RCHUNKS * TP_UDP_CHUNK;
}

static void tp_udp_on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
			   const struct sockaddr *src, unsigned flags)
{
	struct tp_lsn *l = h->data;
	struct tp_src s;

	if (nread == UV_ENOBUFS)
		return;		/* the socket is empty: see the top */
	if (nread < 0) {
		log_warn("udp %s: receive failed: %s", l->name,
			 uv_strerror((int)nread));
		return;
	}
	/* Zero bytes and no address means the socket had nothing, or
	   (UV_UDP_MMSG_FREE) that the read's chunks are free again. */
	if (src == NULL) {
		if (flags & UV_UDP_MMSG_FREE) {
			l->udp_drained = l->udp_got < TP_UDP_RCHUNKS;
			l->udp_got = 0;
		}
		return;
	}
	l->udp_got++;
	/* The rest of a read after the set was closed in the middle of
	   it: a read one at a time would have stopped there. */
	if (uv_is_closing((uv_handle_t *)h))
		return;
	if (flags & UV_UDP_PARTIAL) {
		log_debug("udp %s: dropped a datagram over %zu bytes",
			  l->name, b->len);
		return;
	}
	/* An empty datagram carries no message (RFC 3261 18.3 needs a
	   start line at least). */
	if (nread == 0)
		return;
	memset(&s, 0, sizeof(s));
	s.proto = TP_UDP;
	s.lsn = l;
	tp_sockaddr_set(&s.peer, src);
	/* The bound address: a wildcard listener would need IP_PKTINFO to
	   tell which of the host's addresses the datagram came to. */
	tp_sockaddr_set(&s.local, &l->addr);
	tp_deliver(l->tp, &s, b->base, (size_t)nread);
}

static void tp_udp_flush_closed(uv_handle_t *h)
{
	tp_handle_closed(h->data);
}

void tp_udp_close(struct tp *tp)
{
	if (tp->udp_flush_init)
		uv_close((uv_handle_t *)&tp->udp_flush, tp_udp_flush_closed);
}

static int tp_udp_lsn_open(struct tp_lsn *l, const struct tp_lsn_cfg *c,
			   char *err, size_t errlen)
{
	struct tp *tp = l->tp;
	int len = sizeof(l->addr);
	int rc;

	(void)c;
	(void)err;
	(void)errlen;
	if (!tp->udp_rbuf) {
		tp->udp_rbuf = malloc(TP_UDP_RCHUNKS * TP_UDP_CHUNK);
		if (!tp->udp_rbuf)
			return -ENOMEM;
	}
	if (!tp->udp_flush_init) {
		rc = uv_prepare_init(tp->loop, &tp->udp_flush);
		if (rc < 0)
			return rc;
		tp->udp_flush.data = tp;
		tp->udp_flush_init = 1;
		tp->handles++;
	}
	rc = uv_udp_init_ex(tp->loop, &l->u.udp, AF_UNSPEC | UV_UDP_RECVMMSG);
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
	if (rc == 0) {
		/* Room for a burst while the loop is busy or preempted: the
		 * default (some 200 KiB) holds a few milliseconds at a few
		 * thousand calls a second.  The kernel caps the size at
		 * net.core.rmem_max; a smaller buffer is no error. */
		int size = TP_UDP_RCVBUF;

		uv_recv_buffer_size(&l->u.h, &size);
		rc = uv_udp_recv_start(&l->u.udp, tp_udp_alloc_cb,
				       tp_udp_on_recv);
	}
	return rc;
}

/*
 * A datagram that failed after tp_send took it: counted, logged, and its
 * destination kept for the prepare handle to report (once per batch).
 */
static void tp_udp_on_prepare(uv_prepare_t *h);

static void tp_udp_failed(struct tp *tp, const struct sockaddr *to, int err)
{
	char a[64];
	unsigned i;

	tp->st.send_errors++;
	log_limited(&tp_udp_ll_send, LOG_LVL_WARN, "udp: send to %s failed: %s",
		    tp_addr_fmt(to, a, sizeof(a)), uv_strerror(err));
	if (!tp->ecb || tp->closing || !tp->udp_flush_init)
		return;
	for (i = 0; i < tp->udp_n_err; i++)
		if (tp_addr_eq((const struct sockaddr *)&tp->udp_err[i].to, to))
			return;
	if (i == TP_UDP_ERRS)
		return;
	memset(&tp->udp_err[i].to, 0, sizeof(tp->udp_err[i].to));
	memcpy(&tp->udp_err[i].to, to, tp_addr_len(to));
	tp->udp_err[i].err = err;
	tp->udp_n_err++;
	uv_prepare_start(&tp->udp_flush, tp_udp_on_prepare);
}

static void tp_udp_send_cb(uv_udp_send_t *req, int status)
{
	struct tp_udp_req *r = (struct tp_udp_req *)req;

	if (status < 0 && status != UV_ECANCELED)
		tp_udp_failed(r->tp, &r->to.sa, status);
	free(r);
}

/* Onto libuv's send queue, behind what it holds, with a copy. */
static int tp_udp_queue(struct tp_lsn *l, const struct sockaddr *dst,
			const void *p, size_t len)
{
	struct tp_udp_req *r;
	uv_buf_t b;
	int rc;

	r = malloc(sizeof(*r) + len);
	if (r == NULL)
		return -ENOMEM;
	r->tp = l->tp;
	memcpy(&r->to, dst, tp_addr_len(dst));
	memcpy(r->data, p, len);
	b = uv_buf_init(r->data, (unsigned)len);
	rc = uv_udp_send(&r->req, &l->u.udp, &b, 1, dst, tp_udp_send_cb);
	if (rc < 0)
		free(r);
	return rc;
}

/*
 * Sends the batch with sendmmsg, which stops at the first datagram that
 * fails: that one is counted and skipped, and the call goes on from the
 * next.  What the kernel will not take now goes to libuv's queue in
 * order; so does the whole batch when that queue is not empty.
 */
static void tp_udp_flush(struct tp_lsn *l)
{
	struct tp_udp_out *o = l->out;
	unsigned i = 0;
	uv_os_fd_t fd;
	int rc;

	if (!o || o->n == 0)
		return;
	if (uv_udp_get_send_queue_count(&l->u.udp) == 0) {
		rc = uv_fileno(&l->u.h, &fd);
		while (rc == 0 && i < o->n) {
			rc = sendmmsg(fd, o->msg + i, o->n - i, 0);
			if (rc > 0) {
				i += (unsigned)rc;
				rc = 0;
			} else if (rc < 0 && errno == EINTR) {
				rc = 0;
			} else if (rc < 0 && errno != EAGAIN &&
				   errno != EWOULDBLOCK && errno != ENOBUFS) {
				tp_udp_failed(l->tp, &o->to[i].sa, -errno);
				i++;
				rc = 0;
			} else {
				/* The socket buffer is full. */
				break;
			}
		}
	}
	for (; i < o->n; i++) {
		rc = tp_udp_queue(l, &o->to[i].sa, o->iov[i].iov_base,
				  o->iov[i].iov_len);
		if (rc < 0)
			tp_udp_failed(l->tp, &o->to[i].sa, rc);
	}
	o->n = 0;
	o->used = 0;
}

/* Reports the failed destinations kept so far; their callbacks may
 * send, and may fail again, into a fresh list. */
static void tp_udp_report(struct tp *tp)
{
	unsigned n = tp->udp_n_err;
	struct tp_dest d;
	int err[TP_UDP_ERRS];
	struct sockaddr_storage to[TP_UDP_ERRS];

	for (unsigned i = 0; i < n; i++) {
		to[i] = tp->udp_err[i].to;
		err[i] = tp->udp_err[i].err;
	}
	tp->udp_n_err = 0;
	for (unsigned i = 0; i < n && !tp->closing; i++) {
		memset(&d, 0, sizeof(d));
		d.proto = TP_UDP;
		tp_sockaddr_set(&d.addr, &to[i]);
		tp->ecb(tp, &d, err[i], tp->arg);
	}
}

static void tp_udp_on_prepare(uv_prepare_t *h)
{
	struct tp *tp = h->data;

	/* Every report is followed by a flush of what it sent; a chain of
	 * failures longer than this waits for the next iteration. */
	for (int round = 0;; round++) {
		for (struct tp_lsn *l = tp->lsns; l; l = l->next)
			if (l->proto == TP_UDP)
				tp_udp_flush(l);
		if (!tp->udp_n_err || round == 4)
			break;
		tp_udp_report(tp);
	}
	/* Started again by the next datagram batched or failed. */
	if (!tp->udp_n_err)
		uv_prepare_stop(h);
}

static void tp_udp_lsn_close(struct tp_lsn *l)
{
	/* The batch leaves now; queued sends complete with UV_ECANCELED
	   before the close callback. */
	tp_udp_flush(l);
	free(l->out);
	l->out = NULL;
	uv_close(&l->u.h, tp_lsn_close_cb);
}

static int tp_udp_send(struct tp_lsn *l, const struct tp_dest *d,
		       const void *p, size_t len)
{
	const struct sockaddr *dst = (const struct sockaddr *)&d->addr;
	struct tp_udp_out *o = l->out;
	unsigned i;

	if (len > TP_UDP_MAX)
		return -EMSGSIZE;
	if (dst->sa_family != l->addr.ss_family)
		return -EAFNOSUPPORT;
	if (o && (o->n == TP_UDP_BATCH || o->used + len > sizeof(o->data)))
		tp_udp_flush(l);
	/* libuv still holds earlier datagrams, so this one goes behind
	   them.  The batch is empty: it fills only while that queue is,
	   and a flush empties it. */
	if (uv_udp_get_send_queue_count(&l->u.udp) > 0)
		return tp_udp_queue(l, dst, p, len);
	if (!o) {
		o = l->out = malloc(sizeof(*o));
		/* Without a batch, one at a time: libuv sends at once. */
		if (!o)
			return tp_udp_queue(l, dst, p, len);
		o->n = 0;
		o->used = 0;
	}
	i = o->n++;
	memcpy(&o->to[i], dst, tp_addr_len(dst));
	memcpy(o->data + o->used, p, len);
	o->iov[i].iov_base = o->data + o->used;
	o->iov[i].iov_len = len;
	o->used += len;
	memset(&o->msg[i], 0, sizeof(o->msg[i]));
	o->msg[i].msg_hdr.msg_name = &o->to[i];
	o->msg[i].msg_hdr.msg_namelen = tp_addr_len(dst);
	o->msg[i].msg_hdr.msg_iov = &o->iov[i];
	o->msg[i].msg_hdr.msg_iovlen = 1;
	if (o->n == 1)
		uv_prepare_start(&l->tp->udp_flush, tp_udp_on_prepare);
	if (o->n == TP_UDP_BATCH)
		tp_udp_flush(l);
	return 0;
}

const struct tp_ops tp_udp_ops = {
	.proto = TP_UDP,
	.lsn_open = tp_udp_lsn_open,
	.lsn_close = tp_udp_lsn_close,
	.send = tp_udp_send,
};
