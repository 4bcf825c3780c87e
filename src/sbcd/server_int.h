/*
 * server_int: the server's state, shared by server.c (wiring and the
 * datagram path) and server_status.c (the answers of the status socket).
 */
#ifndef SBC_SERVER_INT_H
#define SBC_SERVER_INT_H

#include <uv.h>

#include "sbc/acl.h"
#include "sbc/buf.h"
#include "sbc/core.h"
#include "sbc/dns.h"
#include "sbc/msgstat.h"
#include "sbc/ratelimit.h"
#include "sbc/sip_msg.h"
#include "sbc/store.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"
#include "server.h"

/* Length of the To tag of a stateless 400 (RFC 3261 19.3). */
#define SERVER_TAG_LEN 16
/* A stretch of loop work longer than this is counted as a stall. */
#define SERVER_STALL_NS 1000000u

struct server_stats {
	unsigned long bad;		/* messages that failed to parse */
	unsigned long bad_answered;	/* of those, answered with 400 */
	unsigned long send_errors;
};

/* Requests refused before the transaction layer, by cause (the
 * "refused" object of the status socket's stats). */
struct server_refused {
	unsigned long acl_deny;		/* a deny entry matched */
	unsigned long acl_unknown;	/* no allow entry, no trunk */
	unsigned long rate_banned;	/* from a source under a ban */
	unsigned long rate_limited;	/* bans started */
	unsigned long too_large;	/* over max_message_size: 513 */
	unsigned long too_many_headers;	/* 400 */
	unsigned long uri_too_long;	/* 414 */
};

/* Access control and source limits (server_edge.c). */
struct server_edge {
	struct acl_table *acl;		/* of the routing in force */
	struct ratelimit *rl;		/* per source IP */
	struct server_refused refused;
};

struct server {
	uv_loop_t *loop;
	const struct config *cfg;
	struct tp *tp;
	struct tsx_layer *tsx;
	struct core *core;
	struct dns *dns;
	struct rtpe *rtpe;		/* rtpengine's ng client, or NULL */
	const char **dns_servers;	/* NULL-terminated, into dns_buf */
	char *dns_buf;
	struct core_cfg core_cfg;
	struct core_realm *realms;
	struct store *store;		/* the admin state, read on reload */
	struct store_writer *writer;	/* dialog rows and CDRs */
	struct store_routing *routing;	/* the trunks and routes in force */
	struct tmr_heap tmr;
	uv_timer_t timer;
	/* How long the loop works between two waits for I/O: a check handle
	 * notes when the work starts, a prepare handle when it ends. */
	uv_check_t loop_check;
	uv_prepare_t loop_prepare;
	uint64_t loop_t0;		/* uv_hrtime() at the check, or 0 */
	uint64_t loop_cpu0;		/* the thread's CPU time then */
	uint64_t loop_max_ns;		/* the longest stretch of work */
	/* The same in the thread's CPU time, which leaves out the time
	 * other processes had the CPU (on a busy host the wall-clock
	 * figure is mostly that). */
	uint64_t loop_max_cpu_ns;
	unsigned long loop_iterations;
	unsigned long loop_over_1ms;	/* stretches over 1 ms, wall clock */
	unsigned long loop_cpu_over_1ms;	/* ... of CPU time */
	int closing;			/* handles whose close is pending */
	struct buf out;			/* the stateless 400 being built */
	struct sip_msg msg;		/* the message being handled */
	struct server_stats stats;
	struct server_edge edge;
	/* For the status socket (server_status.c). */
	struct msgstat msgs;		/* parsed in, sent out */
	int64_t started_ms;		/* Unix time of server_start */
	uint64_t started_ns;		/* uv_hrtime() then, for the uptime */
};

/*
 * Notes the start time and has tp report every message sent, so that
 * they are counted in msgs.out.  Called by server_start once the
 * transports exist.
 */
void server_status_init(struct server *s);

/*
 * A stateless response to request m from src (RFC 3261 8.2.6, 18.2.2):
 * the Vias, From, To (with a tag), Call-ID and CSeq of m, then extra
 * (whole header lines, or NULL).  Nothing is sent for a response, an
 * ACK or a request without a top Via: -EINVAL.  Returns 0 or a negative
 * errno.
 */
int server_reply(struct server *s, const struct sip_msg *m,
		 const struct tp_src *src, unsigned status, const char *reason,
		 const char *extra);

/* server_edge.c: what is refused before the transaction layer. */
int server_edge_init(struct server *s);
/* The ACL of a new routing state (a reload). */
void server_edge_reload(struct server *s, const struct store_routing *r);
void server_edge_free(struct server *s);
/*
 * Checks a received message before it reaches the transaction layer:
 * the ACL of the listener's realm, the per-source rate, then the size,
 * header count and Request-URI length of a request.  bad is the
 * parser's reason when m did not parse (then only the source checks
 * and the header count apply).  Returns 1 when the message was refused
 * (answered or dropped, and counted), 0 when it goes on.
 */
int server_edge_check(struct server *s, const struct sip_msg *m,
		      const struct tp_src *src, size_t len, const char *bad);
/* The "refused" object of stats: refusals by cause, of this file and of
 * the core's call admission, and the sources banned now. */
void server_edge_json(struct server *s, struct buf *b);

/*
 * server_auth.c: reads the digest credentials into the core, and has
 * every TLS listener load its certificate, key and CAs again.  Part of
 * server_reload; returns 0 or a negative errno with a message in err.
 */
int server_auth_reload(struct server *s, char *err, size_t errlen);

#endif
