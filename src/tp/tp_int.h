/*
 * tp_int: what the transports share inside src/tp (layer 2).
 *
 * Every transport implements struct tp_ops, one table of functions per
 * transport, as valkey's connection.h does for its connection types;
 * tp.c calls through it and never asks which transport it holds.  TCP
 * and TLS share the stream machinery of tp_tcp.c (accept, connect,
 * timers, framing, the write queue); TLS only changes what goes over the
 * socket, by filtering the bytes through OpenSSL with memory BIOs.
 *
 * Lifetime: struct tp counts the libuv handles it has open and frees
 * itself in the last close callback after tp_close.  A connection owns
 * two handles (its socket and its timer); when both are closed its
 * buffers and TLS state are released and the table's reference is
 * dropped, but the struct stays valid until the last tp_conn_unref.
 */
#ifndef SBC_TP_INT_H
#define SBC_TP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "sbc/hash.h"
#include "sbc/tp.h"

/* OpenSSL's types, named without pulling its headers into every file. */
struct ssl_st;
struct ssl_ctx_st;
/* tp_udp.c: a listener's datagrams waiting for one sendmmsg. */
struct tp_udp_out;

/* One read from a stream socket. */
#define TP_RBUF_SIZE 65536
/* Failed UDP destinations kept for one report; more are only counted. */
#define TP_UDP_ERRS 8
/* The largest UDP payload over IPv4: 65,535 - 20 (IP) - 8 (UDP). */
#define TP_UDP_MAX 65507
/* Plaintext taken out of a TLS session at a time: one record. */
#define TP_TLS_PLAIN_SIZE 16384

struct tp_ops {
	enum tp_proto proto;
	/*
	 * Opens the listener's socket on l->addr and fills in the bound
	 * address; for TLS also loads its certificate.  On error it writes
	 * a message into err, and a handle it initialised is closed by
	 * tp.c through lsn_close.
	 */
	int (*lsn_open)(struct tp_lsn *l, const struct tp_lsn_cfg *c,
			char *err, size_t errlen);
	/* Starts closing the listener's handle with tp_lsn_close_cb. */
	void (*lsn_close)(struct tp_lsn *l);
	/* Sends one message from listener l (datagram, or stream lookup). */
	int (*send)(struct tp_lsn *l, const struct tp_dest *d, const void *p,
		    size_t len);

	/* Streams only; NULL for UDP. */
	/* The socket is connected or accepted: begin (TLS handshake) or
	   call tp_stream_ready at once. */
	int (*conn_start)(struct tp_conn *c);
	/* Bytes read from the socket. */
	void (*conn_input)(struct tp_conn *c, const char *p, size_t len);
	/* Writes one message or a pong; the connection is open. */
	int (*conn_write)(struct tp_conn *c, const void *p, size_t len);
	/* Releases the transport's state, once, when the handles are
	   closed; may be NULL. */
	void (*conn_free)(struct tp_conn *c);
};

extern const struct tp_ops tp_udp_ops;
extern const struct tp_ops tp_tcp_ops;
extern const struct tp_ops tp_tls_ops;

struct tp {
	uv_loop_t *loop;
	struct tp_cfg cfg;
	tp_recv_cb *rcb;
	tp_error_cb *ecb;
	void *arg;
	tp_sent_cb *scb;		/* NULL: no observer */
	void *sarg;
	struct tp_lsn *lsns;		/* open listeners, a list */
	struct tp_conn *conns;		/* connections not yet closed */
	struct hash table;		/* open connections by key */
	struct tp_stats st;
	unsigned handles;		/* libuv handles not yet closed */
	int closing;
	/* Scratch space for one stream read, and for TLS plaintext: the
	   loop runs one callback at a time, so one of each serves all. */
	char rbuf[TP_RBUF_SIZE];
	char plain[TP_TLS_PLAIN_SIZE];
	/* UDP, set up with the first UDP listener (tp_udp.c): the chunks
	   one recvmmsg reads into, shared by every UDP listener as rbuf
	   is, and the prepare handle that flushes the send batches. */
	char *udp_rbuf;
	uv_prepare_t udp_flush;
	int udp_flush_init;		/* udp_flush needs closing */
	/* Destinations a batched datagram failed to, reported through ecb
	   by the prepare handle, outside any tp_send (tp_udp.c). */
	struct {
		struct sockaddr_storage to;
		int err;
	} udp_err[TP_UDP_ERRS];
	unsigned udp_n_err;
};

struct tp_lsn {
	struct tp *tp;
	const struct tp_ops *ops;
	struct tp_lsn *next;
	char *name;
	char *realm;
	enum tp_proto proto;
	struct sockaddr_storage addr;	/* bound, with the real port */
	union {
		uv_handle_t h;
		uv_udp_t udp;
		uv_tcp_t tcp;
	} u;
	int handle_init;		/* u needs closing */
	struct ssl_ctx_st *ssl_ctx;	/* TLS: server and client roles */
	struct tp_tls_cfg *tls;		/* TLS: a copy, for tp_tls_reload */
	struct tp_udp_out *out;		/* UDP: the send batch, or NULL */
	unsigned udp_got;		/* UDP: datagrams of the read so far */
	int udp_drained;		/* UDP: the last read was not full */
};

enum tp_conn_state {
	TP_CONN_CONNECTING = 0,		/* TCP connect in flight */
	TP_CONN_HANDSHAKE,		/* TLS handshake in flight */
	TP_CONN_OPEN,
	TP_CONN_CLOSING,		/* handles closing */
	TP_CONN_CLOSED,			/* only the memory is left */
};

struct tp_conn {
	struct tp *tp;			/* NULL once closed */
	const struct tp_ops *ops;
	struct tp_lsn *lsn;
	enum tp_proto proto;
	enum tp_conn_state state;
	unsigned refs;
	unsigned handles;		/* of tcp and timer, still open */
	unsigned outgoing : 1;
	unsigned reported : 1;		/* tp_error_cb was called, or the
					   error was returned by tp_send */
	unsigned sending : 1;		/* inside tp_send: errors are
					   returned, not reported */
	unsigned verify : 1;		/* TLS: verify the server */
	unsigned tls_failed : 1;	/* a TLS error closes it */
	struct tp_conn *prev, *next;	/* tp->conns */
	struct hash_node node;
	int in_table;
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
	char *name;			/* TLS server name asked for: part of
					   the key of an outgoing connection */
	char *sni;			/* the name an accepting side heard */
	struct tp_dest dest;		/* what tp_error_cb is told */
	uint64_t last;			/* loop time of the last activity */
	char *in;			/* unframed input */
	size_t in_len, in_cap;
	char *pend;			/* messages waiting for the open */
	size_t pend_len, pend_cap;
	size_t out_bytes;		/* in libuv's write queue */
	unsigned nwreq;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t creq;
	struct ssl_st *ssl;
};

/* tp.c */
void tp_handle_closed(struct tp *tp);
void tp_lsn_close_cb(uv_handle_t *h);
int tp_conn_table_add(struct tp *tp, struct tp_conn *c);
void tp_conn_table_del(struct tp_conn *c);
/* An open connection by key; verified: only one whose server
   certificate was verified (a connection the peer opened never was). */
struct tp_conn *tp_conn_find(struct tp *tp, const char *realm,
			     enum tp_proto proto, const struct sockaddr *sa,
			     const char *name, int verified);
void tp_deliver(struct tp *tp, const struct tp_src *src, const char *p,
		size_t len);
socklen_t tp_addr_len(const struct sockaddr *sa);

/* tp_udp.c: closes the flush handle; tp_close calls it after the
   listeners, whose batches their lsn_close has flushed. */
void tp_udp_close(struct tp *tp);

/* tp_tcp.c: the stream machinery of TCP and TLS. */
int tp_stream_lsn_open(struct tp_lsn *l, const struct tp_lsn_cfg *c,
		       char *err, size_t errlen);
void tp_stream_lsn_close(struct tp_lsn *l);
int tp_stream_send(struct tp_lsn *l, const struct tp_dest *d, const void *p,
		   size_t len);
/* Sends over c, or queues while it opens; -ENOBUFS over the limit. */
int tp_conn_send(struct tp_conn *c, const void *p, size_t len);
/* The connection is usable: flush what waited and arm the idle timer. */
void tp_stream_ready(struct tp_conn *c);
/* Frames plaintext stream input and delivers whole messages. */
void tp_stream_frame(struct tp_conn *c, const char *p, size_t len);
/* Writes bytes to the socket, queueing what the kernel does not take. */
int tp_stream_write_raw(struct tp_conn *c, const void *p, size_t len);
/*
 * Starts closing c.  err < 0 is a failure: an outgoing connection
 * reports it through tp_error_cb when data may have been lost (not yet
 * open, output unsent) or when force is set (a TLS failure).
 */
void tp_conn_close(struct tp_conn *c, int err, int force);

#endif
