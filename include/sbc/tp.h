/*
 * tp: SIP transports over UDP, TCP and TLS on one libuv loop (layer 2,
 * RFC 3261 18, RFC 3581, RFC 5626 3.5.1).
 *
 * One struct tp owns every listener and every connection.  The layers
 * above see one interface whatever the transport: they hand tp_send a
 * destination and bytes, and receive whole messages with their source
 * through one callback.  Each transport implements struct tp_ops (as
 * valkey's connection.h does for its connection types).
 *
 * Listeners are named and belong to a realm.  A destination names the
 * realm to send from: UDP leaves from that realm's UDP socket, and TCP and
 * TLS connections are bound to that realm's listener address, so every
 * packet a realm sends carries that realm's address.
 *
 * Connections are reused by (realm, transport, remote address, and for
 * TLS the server name); accepted connections count too, so a response or
 * a request to a peer that connected to us goes back over its connection
 * (RFC 3261 18.2.2).  Stream input is framed with sip_frame_next; a CRLF
 * ping is answered with a CRLF pong; broken framing closes the
 * connection.  Failures of a destination that happen after tp_send
 * returned (connection refused, TLS handshake failed, connection lost
 * with data unsent) are reported once through tp_error_cb, so that the
 * transaction layer can fail over (RFC 3263 4.3).
 */
#ifndef SBC_TP_H
#define SBC_TP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <uv.h>

#include "sbc/sip_frame.h"

enum tp_proto {
	TP_UDP = 0,
	TP_TCP,
	TP_TLS,
	TP_PROTO_COUNT
};

/* "UDP", "TCP", "TLS": the Via transport token (RFC 3261 20.42). */
const char *tp_proto_name(enum tp_proto p);
/* Parses a transport token, any case; -EINVAL for an unknown one. */
int tp_proto_parse(const char *s, size_t len, enum tp_proto *p);
/* 5060 for UDP and TCP, 5061 for TLS (RFC 3261 19.1.2). */
uint16_t tp_proto_default_port(enum tp_proto p);

struct tp;
struct tp_lsn;
struct tp_conn;

/* TLS settings of a listener: its certificate, and how it checks peers. */
struct tp_tls_cfg {
	const char *cert_file;	/* PEM chain; required for a TLS listener */
	const char *key_file;	/* PEM private key */
	const char *ca_file;	/* PEM CAs for peer verification; optional */
	int verify_client;	/* accepted connections: require and verify a
				   client certificate (mutual TLS) */
	const char *ciphers;	/* TLS 1.2 cipher list (OpenSSL syntax);
				   NULL: TP_TLS_DEFAULT_CIPHERS */
	const char *ciphersuites;	/* TLS 1.3 suites; NULL: OpenSSL's */
	unsigned min_version;	/* 12 or 13 for TLS 1.2 or 1.3; 0: 1.2 */
};

/*
 * Forward-secret suites only: ECDHE and DHE key exchange with AEAD
 * ciphers (RFC 7525 4.2, RFC 9325 4.2).  Every TLS 1.3 suite is forward
 * secret.
 */
#define TP_TLS_DEFAULT_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

struct tp_lsn_cfg {
	const char *name;	/* unique, for logs and status */
	const char *realm;
	enum tp_proto proto;
	struct sockaddr_storage addr;	/* address and port; port 0 picks one */
	struct tp_tls_cfg tls;
};

/* Limits and timers of every connection. */
struct tp_cfg {
	unsigned idle_ms;	/* close a connection idle this long; 0: never */
	unsigned connect_ms;	/* connect plus TLS handshake limit; 0: none */
	unsigned max_conns;	/* accepted plus outgoing */
	size_t max_conn_buf;	/* unframed input or unsent output, bytes;
				   0 means the default */
	struct sip_frame_limits frame;	/* a zero field means its default */
};

/* Defaults: 120 s idle, 5 s connect, 4096 connections, 256 KiB. */
void tp_cfg_default(struct tp_cfg *c);

/*
 * An IPv4 or IPv6 socket address in the room it needs: 28 bytes, where a
 * sockaddr_storage takes 128.  Transactions and calls keep two or three
 * each, by the hundred thousand.  Pass &x.sa where a struct sockaddr *
 * is wanted.
 */
union tp_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* Copies an IPv4 or IPv6 address (a struct sockaddr of either, or a
 * sockaddr_storage holding one); any other family leaves *dst zeroed. */
static inline void tp_sockaddr_set(union tp_sockaddr *dst, const void *src)
{
	const struct sockaddr *sa = src;

	memset(dst, 0, sizeof(*dst));
	if (sa->sa_family == AF_INET)
		memcpy(&dst->in, sa, sizeof(dst->in));
	else if (sa->sa_family == AF_INET6)
		memcpy(&dst->in6, sa, sizeof(dst->in6));
}

/* Whether a and b are the same IPv4 or IPv6 address and port. */
int tp_addr_eq(const struct sockaddr *a, const struct sockaddr *b);

/* Where a message came from.  Valid during the receive callback only. */
struct tp_src {
	enum tp_proto proto;
	struct tp_lsn *lsn;		/* the listener, or the one the
					   connection was made from */
	struct tp_conn *conn;		/* NULL for UDP; tp_conn_ref to keep */
	union tp_sockaddr peer;		/* the packet's source address */
	union tp_sockaddr local;	/* the address it arrived on */
};

/* Where to send a message. */
struct tp_dest {
	enum tp_proto proto;
	union tp_sockaddr addr;
	const char *realm;	/* send from this realm's listener */
	struct tp_lsn *lsn;	/* send from exactly this listener (a response
				   leaves where its request came in, RFC 3581
				   4); overrides realm */
	struct tp_conn *conn;	/* use this connection if it is still open
				   (a response over the request's connection);
				   otherwise find or open one by the fields
				   above */
	const char *server_name;	/* TLS: SNI and, with verify, the name
					   the certificate must carry */
	int verify;		/* TLS: verify the server's certificate against
				   the listener's CA file */
};

typedef void(tp_recv_cb)(struct tp *tp, const struct tp_src *src,
			 const char *p, size_t len, void *arg);
/*
 * A destination failed after tp_send returned 0: err is a negative errno
 * (-ECONNREFUSED, -ETIMEDOUT for connect or handshake over time,
 * -ECONNRESET, -EPROTO for a TLS failure, -EACCES for a certificate that
 * failed verification).
 */
typedef void(tp_error_cb)(struct tp *tp, const struct tp_dest *d, int err,
			  void *arg);

/*
 * Creates the transport set on loop.  rcb receives every message,
 * requests and responses alike; ecb (may be NULL) hears of late failures.
 * cfg NULL means the defaults.  SIGPIPE, when it still has its default
 * action, is ignored, so that writing to a reset stream is an error and
 * not the end of the process.  Returns 0 or a negative errno.
 */
int tp_new(uv_loop_t *loop, const struct tp_cfg *cfg, tp_recv_cb *rcb,
	   tp_error_cb *ecb, void *arg, struct tp **out);

/*
 * Opens a listener.  For TLS the certificate and key are loaded here, and
 * a problem with them is an error with a message in err.  Returns 0 or a
 * negative errno.
 */
int tp_listen(struct tp *tp, const struct tp_lsn_cfg *c, struct tp_lsn **out,
	      char *err, size_t errlen);

/*
 * Loads the certificate, key and CAs of every TLS listener again from
 * the files it was opened with, into a new context that connections
 * made or accepted from now on use; open connections keep theirs.  A
 * listener whose files do not load keeps its old context, and the
 * reason is logged.  Returns the number of listeners that failed (0 for
 * none), with the first reason in err.
 */
int tp_tls_reload(struct tp *tp, char *err, size_t errlen);

/* The listener's bound address (the chosen port when it asked for 0). */
int tp_lsn_addr(const struct tp_lsn *l, struct sockaddr_storage *ss);
const char *tp_lsn_name(const struct tp_lsn *l);
const char *tp_lsn_realm(const struct tp_lsn *l);
enum tp_proto tp_lsn_proto(const struct tp_lsn *l);

/*
 * The listener a destination would be sent from: the realm's listener of
 * the destination's transport and address family.  Its address is what a
 * Via sent-by and a Contact should name.  NULL when the realm has none.
 */
struct tp_lsn *tp_lsn_for(struct tp *tp, const struct tp_dest *d);

/*
 * Sends one whole message.  Returns 0 when it was sent or queued (a
 * connection may still be opening), or a negative errno now: -ENOENT when
 * the realm has no listener for the transport and family, -EMSGSIZE for
 * a datagram over 65,507 bytes, -ENOBUFS when the connection's output
 * limit is reached, -EMFILE when no connection may be opened, or the
 * socket's error.
 */
int tp_send(struct tp *tp, const struct tp_dest *d, const void *p,
	    size_t len);

/*
 * An observer of what leaves: called with the bytes of every message
 * tp_send accepted, after it was sent or queued.  sbcd counts them by
 * method and status for its status socket.  cb NULL removes it.
 */
typedef void(tp_sent_cb)(void *arg, const struct tp_dest *d, const void *p,
			 size_t len);
void tp_set_sent_cb(struct tp *tp, tp_sent_cb *cb, void *arg);

void tp_conn_ref(struct tp_conn *c);
void tp_conn_unref(struct tp_conn *c);
/* Whether the connection is still usable for sending. */
int tp_conn_open(const struct tp_conn *c);
/*
 * TLS: the server name of the connection, valid while a reference is
 * held: for one we opened, the name we asked for; for one we accepted,
 * the name the client sent in its SNI extension (RFC 6066 3), once the
 * handshake is done.  NULL for none, and for TCP.
 */
const char *tp_conn_server_name(const struct tp_conn *c);

struct tp_stats {
	unsigned long msgs_in[TP_PROTO_COUNT];
	unsigned long msgs_out[TP_PROTO_COUNT];
	unsigned long bytes_in[TP_PROTO_COUNT];
	unsigned long bytes_out[TP_PROTO_COUNT];
	unsigned long send_errors;
	unsigned long framing_errors;	/* streams closed for bad framing */
	unsigned long pings;		/* CRLF pings answered */
	unsigned long conns_open;	/* now */
	unsigned long conns_accepted;
	unsigned long conns_connected;
	unsigned long conns_refused;	/* over max_conns */
	unsigned long conns_idle_closed;
	unsigned long tls_failures;	/* handshakes and verifications */
};

void tp_stats_get(const struct tp *tp, struct tp_stats *s);

/*
 * Closes every listener and connection.  The handles are released while
 * the loop runs on; tp itself is freed in the last close callback.
 */
void tp_close(struct tp *tp);

/* Formats an address as "127.0.0.1:5060" or "[::1]:5060". */
const char *tp_addr_fmt(const struct sockaddr *sa, char *dst, size_t n);

/*
 * The reverse: "IPv4", "IPv4:port", "[IPv6]", "[IPv6]:port" or a bare
 * IPv6 literal into *ss, with dflt_port where no port is written.
 * Returns 0, or -EINVAL for anything else (host names included).
 */
int tp_addr_parse(const char *s, uint16_t dflt_port,
		  struct sockaddr_storage *ss);

/*
 * The address as text without brackets, an IPv4-mapped IPv6 address as
 * IPv4 (what a Via received parameter carries), and its port.  Returns
 * AF_INET or AF_INET6, or 0 (and "") for another family.
 */
int tp_addr_ip(const struct sockaddr *sa, char *ip, size_t n,
	       uint16_t *port);

#endif
