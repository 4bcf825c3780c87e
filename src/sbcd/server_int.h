/*
 * server_int: the server's state, shared by server.c (wiring and the
 * datagram path) and server_status.c (the answers of the status socket).
 */
#ifndef SBC_SERVER_INT_H
#define SBC_SERVER_INT_H

#include <uv.h>

#include "sbc/buf.h"
#include "sbc/core.h"
#include "sbc/dns.h"
#include "sbc/msgstat.h"
#include "sbc/sip_msg.h"
#include "sbc/store.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"
#include "server.h"

/* Length of the To tag of a stateless 400 (RFC 3261 19.3). */
#define SERVER_TAG_LEN 16

struct server_stats {
	unsigned long bad;		/* messages that failed to parse */
	unsigned long bad_answered;	/* of those, answered with 400 */
	unsigned long send_errors;
};

struct server {
	uv_loop_t *loop;
	const struct config *cfg;
	struct tp *tp;
	struct tsx_layer *tsx;
	struct core *core;
	struct dns *dns;
	const char **dns_servers;	/* NULL-terminated, into dns_buf */
	char *dns_buf;
	struct core_cfg core_cfg;
	struct core_realm *realms;
	struct store *store;		/* the admin state, read on reload */
	struct store_writer *writer;	/* dialog rows and CDRs */
	struct store_routing *routing;	/* the trunks and routes in force */
	struct tmr_heap tmr;
	uv_timer_t timer;
	struct buf out;			/* the stateless 400 being built */
	struct sip_msg msg;		/* the message being handled */
	struct server_stats stats;
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

#endif
