/*
 * tp_udp: a SIP listener on a UDP socket (layer 2, RFC 3261 18).
 *
 * One listener is one bound socket on a libuv loop.  Every datagram is
 * handed whole to the receive callback, in a 65535-byte buffer the
 * listener owns and reuses: the callback must copy what it keeps.
 * Datagrams that did not fit are dropped here.
 *
 * The later transport abstraction (one vtable over udp, tcp and tls, as
 * in valkey's connection.h) will wrap this; for now sbcd calls it
 * directly.
 */
#ifndef SBC_TP_UDP_H
#define SBC_TP_UDP_H

#include <stddef.h>
#include <sys/socket.h>

#include <uv.h>

/* The receive buffer: the largest UDP payload over IPv4 fits. */
#define TP_UDP_RECV_MAX 65535

struct tp_udp;

typedef void(tp_udp_recv_cb)(struct tp_udp *t, const char *p, size_t len,
			     const struct sockaddr *src, void *arg);

/*
 * Binds a listener to addr (IPv4 or IPv6, with port; an IPv6 socket is
 * bound IPv6-only) and starts receiving.  Returns 0 and *out, or a
 * negative errno (-EADDRINUSE, -EADDRNOTAVAIL, -EACCES, ...); on
 * failure the callback is never called and nothing needs closing.
 */
int tp_udp_open(uv_loop_t *loop, const struct sockaddr *addr,
		tp_udp_recv_cb *cb, void *arg, struct tp_udp **out);

/*
 * Sends one datagram to dst.  It is sent at once when the socket allows;
 * otherwise it is copied and queued.  Returns 0 or a negative errno;
 * a queued send that fails later is logged and counted, not reported.
 */
int tp_udp_send(struct tp_udp *t, const void *p, size_t len,
		const struct sockaddr *dst);

/* The bound address, with the port the kernel chose for port 0. */
int tp_udp_local(const struct tp_udp *t, struct sockaddr_storage *ss);

/* Datagrams sent, and sends that failed (synchronously or queued). */
unsigned long tp_udp_sent(const struct tp_udp *t);
unsigned long tp_udp_send_errors(const struct tp_udp *t);

/*
 * Stops receiving and closes the socket.  Queued sends are cancelled;
 * the listener is freed once libuv has closed the handle, during a later
 * turn of the loop, so the loop must run after this.
 */
void tp_udp_close(struct tp_udp *t);

#endif
