/*
 * core_int: what core.c and call.c share (layer 6).
 */
#ifndef SBC_CORE_INT_H
#define SBC_CORE_INT_H

#include <stdint.h>

#include "sbc/buf.h"
#include "sbc/core.h"
#include "sbc/dlg.h"
#include "sbc/hash.h"
#include "sbc/sip_msg.h"
#include "sbc/store.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"

enum { LEG_A = 0, LEG_B = 1 };

/* Length of the tags and Call-IDs sbc makes (RFC 3261 19.3). */
#define CORE_TAG_LEN 16
#define CORE_CALLID_LEN 24

struct call;

/* One side of a call. */
struct leg {
	struct call *call;
	int side;
	struct dlg *dlg;		/* NULL until the dialog exists */
	const char *realm;
	struct tp_lsn *lsn;		/* sbc's listener on this side */
	enum tp_proto proto;		/* transport of requests we send */
	struct tp_conn *conn;		/* the peer's connection, if any */
	struct sockaddr_storage peer;	/* where the peer was last seen */
	char sent_by[72];		/* "ip:port" of lsn, for Via */
	char contact[128];		/* sbc's Contact URI on this side */
	struct hash_node node;		/* core->dialogs, by Call-ID + tag */
	unsigned in_table : 1;
	unsigned invite_pending : 1;	/* an INVITE we sent, unanswered */
	uint32_t invite_cseq;		/* of the last INVITE sent here */
	struct buf ack;			/* the last ACK sent here, to resend
					   on a retransmitted 2xx */
	struct tp_dest ack_dest;
};

/* An in-dialog request relayed from one leg to the other. */
struct relay {
	struct call *call;
	struct tsx *st;		/* the request's server transaction */
	int from;		/* the leg it came in on */
	enum sip_method method;
	struct relay *prev, *next;	/* core->relays */
};

enum call_state {
	CALL_SETUP = 1,		/* INVITE sent to B, no final response */
	CALL_UP,		/* a 2xx relayed */
	CALL_DOWN,		/* ended; waits for its transactions */
};

/* Early dialogs of leg B mirrored on leg A (forking). */
#define CALL_MAX_FORKS 8

struct fork {
	char b_tag[64];			/* the To tag of a B early dialog */
	char a_tag[CORE_TAG_LEN + 1];	/* the To tag leg A sees for it */
};

/* Next hops of leg B tried in turn (RFC 3263 4.3). */
#define CALL_MAX_TARGETS 8

/* Reliable provisional responses relayed (RFC 3262). */
#define CALL_MAX_RSEQ 16

struct call {
	struct core *core;
	unsigned refs;
	enum call_state state;
	struct leg leg[2];
	struct tsx *a_invite;		/* A's INVITE until its final answer */
	struct tsx *b_invite;		/* B's INVITE client transaction */
	char a_tag[CORE_TAG_LEN + 1];	/* sbc's To tag on leg A */
	struct fork forks[CALL_MAX_FORKS];
	unsigned n_forks;
	struct {
		uint32_t b, a;
	} rseq[CALL_MAX_RSEQ];		/* RSeq of leg B -> RSeq on leg A */
	unsigned n_rseq;
	uint32_t rseq_next;		/* the next RSeq on leg A */
	struct tmr max_timer;		/* maximum call duration */
	struct tmr ack_timer;		/* waits for the caller's ACK */
	unsigned cancelled : 1;
	unsigned counted_active : 1;
	unsigned restored : 1;		/* loaded from the database */
	unsigned rejected : 1;		/* the callee refused the INVITE */
	unsigned stored : 1;		/* its dialog row exists */
	char id[CORE_TAG_LEN + 1];	/* the call's token: CDR, dialog row */
	int64_t started_ms, answered_ms;	/* Unix epoch */
	unsigned status;		/* the final status leg A got */
	const char *hangup;		/* "caller", "callee" or "sbc" */
	struct store_routing *routing;	/* held while the call lives */
	const struct store_route *route;
	const struct store_trunk *trunk;	/* the one tried now */
	unsigned trunk_i;		/* its place in route->targets */
	const char *from_trunk;		/* the trunk the caller is, if any */
	char *restored_text;		/* strings of a restored call */
	const char *r_route, *r_to_trunk;	/* its names, in there */
	struct tp_dest targets[CALL_MAX_TARGETS];	/* leg B, in order */
	struct dns_target dtargets[CALL_MAX_TARGETS];	/* as resolved */
	struct dns_sip_query *dnsq;	/* resolving the route's target */
	unsigned n_targets;
	unsigned cur_target;
	char b_from_tag[CORE_TAG_LEN + 1];
	char b_call_id[CORE_CALLID_LEN + 1];
	struct call *prev, *next;	/* core->calls */
};

struct core {
	const struct core_cfg *cfg;
	struct tp *tp;
	struct tmr_heap *tmr;
	struct tsx_layer *tsx;
	struct hash dialogs;		/* legs by Call-ID + local tag */
	struct call *calls;
	struct relay *relays;
	struct store_routing *routing;	/* trunks and routes in force */
	struct core_stats stats;
};

/* core.c */
/* The first route of the routing in force that takes m from src; sets
 * *from_trunk to the trunk the source is, or NULL. */
int core__route_find(struct core *c, const struct tp_src *src,
		     const struct sip_msg *m, const struct store_route **out,
		     const char **from_trunk);
/* Copies the headers of m that the policy of realm lets pass. */
void core__copy_headers(struct core *c, struct buf *b,
			const struct sip_msg *m, const char *realm);
/* Body and its Content-Type and Content-Length: the end of a message. */
void core__print_body(struct buf *b, const struct sip_msg *m);
/* A URI to a destination: numeric host, transport, default port. */
int core__uri_dest(struct str uri, enum tp_proto dflt, struct tp_dest *d);
/* Answers a server transaction with just the head. */
void core__answer(struct core *c, struct tsx *st, unsigned status,
		  struct str reason, const char *to_tag);
uint64_t core__dialog_hash(struct str call_id, struct str tag);
/* A next hop failed: avoid it for a while (RFC 3263 4.3). */
/* seconds 0: the configured avoid time (Retry-After gives one). */
void core__target_failed(struct core *c, const struct call *k,
			 unsigned seconds);

/* call.c */
void call__invite(struct core *c, struct tsx *st, const struct sip_msg *m,
		  const struct tp_src *src, const struct store_route *r,
		  const char *from_trunk);
void call__in_dialog(struct core *c, struct tsx *st, struct leg *leg,
		     const struct sip_msg *m, const struct tp_src *src);
void call__ack(struct core *c, struct leg *leg, const struct sip_msg *m);
void call__standalone(struct core *c, struct tsx *st, const struct sip_msg *m,
		      const struct store_route *r);
void call__cancel(struct core *c, struct tsx *st);
struct leg *call__find_leg(struct core *c, struct str call_id,
			   struct str tag);
void call__free_all(struct core *c);
/* Shared with call_store.c. */
struct call *call__new(struct core *c, enum call_state state);
void call__unref(struct call *k);
void call__leg_table_add(struct core *c, struct leg *l);
int call__leg_bind(struct core *c, struct leg *l, const struct tp_dest *d);
void call__on_max(struct tmr *t, void *arg);

/* call_store.c: dialog rows, CDRs and restored calls. */
/* Writes (or rewrites) the dialog row of an answered call. */
void call__store_put(struct call *k);
/* The call ends: its dialog row goes, its CDR is written. */
void call__store_end(struct call *k);

#endif
