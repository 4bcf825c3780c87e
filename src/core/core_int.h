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
#include "sbc/ratelimit.h"
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
	union tp_sockaddr peer;		/* where the peer was last seen */
	char sent_by[72];		/* "ip:port" of lsn, for Via */
	char contact[128];		/* sbc's Contact URI on this side */
	struct hash_node node;		/* core->dialogs, by Call-ID + tag */
	unsigned in_table : 1;
	unsigned invite_pending : 1;	/* an INVITE we sent, unanswered */
	unsigned ack_taken : 1;		/* ack_cseq holds an ACK's CSeq */
	uint32_t invite_cseq;		/* of the last INVITE sent here */
	uint32_t ack_cseq;		/* of the last ACK the peer sent */
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

/*
 * A message with (or maybe with) SDP held while rtpengine rewrites its
 * body (call_media.c).  msg is a parsed copy that owns its bytes; tsx is
 * a reference the job holds (the message's transaction), or NULL.
 */
struct media_job;
typedef void(media_done_cb)(struct call *k, struct media_job *j, int err,
			    struct str sdp);

struct media_job {
	struct media_job *next;
	int side;			/* the leg the message came from */
	struct sip_msg *msg;
	struct tsx *tsx;
	void *arg;			/* the continuation's own */
	media_done_cb *done;
};

/* A call's media anchoring. */
struct call_media {
	int server;			/* rtpengine index; -1: none */
	int offer_from;			/* the side of an unanswered offer;
					   -1: none */
	unsigned anchor : 1;		/* the policy asks for anchoring */
	unsigned sent : 1;		/* an offer went out: delete at end */
	unsigned counted : 1;		/* in stats.media_anchored */
	struct media_job *jobs;		/* in order; the first in flight */
	struct rtpe_req *req;		/* holds a call reference */
	struct buf b_sdp;		/* leg B's SDP of the first offer */
};

/* Next hops of leg B tried in turn (RFC 3263 4.3). */
#define CALL_MAX_TARGETS 8

/* Reliable provisional responses relayed (RFC 3262). */
#define CALL_MAX_RSEQ 16

/*
 * What only a call in setup needs: leg B's next hops as resolved, and the
 * early dialogs of forks.  It is most of a call's size, and is freed once
 * the call is answered, so a long call costs far less memory.
 */
struct call_setup {
	struct tp_dest targets[CALL_MAX_TARGETS];	/* leg B, in order */
	struct dns_target dtargets[CALL_MAX_TARGETS];	/* as resolved */
	struct fork forks[CALL_MAX_FORKS];
	unsigned n_forks;
};

struct call {
	struct core *core;
	unsigned refs;
	enum call_state state;
	struct leg leg[2];
	struct tsx *a_invite;		/* A's INVITE until its final answer */
	struct tsx *b_invite;		/* B's INVITE client transaction */
	char a_tag[CORE_TAG_LEN + 1];	/* sbc's To tag on leg A */
	struct call_setup *setup;	/* NULL once answered, or restored */
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
	struct admit_trunk *admitted[2];	/* counted against (admit.c) */
	char *restored_text;		/* strings of a restored call */
	const char *r_route, *r_to_trunk;	/* its names, in there */
	struct dns_sip_query *dnsq;	/* resolving the route's target */
	unsigned n_targets;
	unsigned cur_target;
	char b_from_tag[CORE_TAG_LEN + 1];
	char b_call_id[CORE_CALLID_LEN + 1];
	struct call_media media;
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
	struct auth *auth;		/* the nonce secret */
	struct store_creds *creds;	/* digest credentials in force */
	struct hash admit;		/* struct admit_trunk by name */
	struct ratelimit_bucket admit_cps;	/* [limits] max_cps */
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

/* core_auth.c */
/* Authenticates an out-of-dialog request when its realm asks for it
 * (RFC 3261 22.2): 0 lets it on, 1 means it was answered with 401. */
int core__auth(struct core *c, struct tsx *st, const struct sip_msg *m,
	       const struct tp_src *src);

/* admit.c: call admission (sbc.conf [limits], trunk max_calls and
 * max_cps). */
struct admit_trunk;
/* Whether a new call from from_trunk (NULL: none) by route r may start;
 * takes its cps tokens when it may.  Returns 0, or -EBUSY after
 * answering st with the limit status and Retry-After. */
int core__admit_check(struct core *c, struct tsx *st,
		      const struct store_route *r, const char *from_trunk);
/* Counts the call against its trunks (names; NULL: none). */
void core__admit_take(struct core *c, struct call *k, const char *from_trunk,
		      const char *to_trunk);
/* The call ends: its trunks' counts drop. */
void core__admit_release(struct call *k);
void core__admit_free(struct core *c);

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
/* Shared by call.c, call_dialog.c, call_media.c and call_store.c. */
/* The call is over: its dialogs stop matching, its timers stop; it may
 * be freed here. */
void call__down(struct call *k);
/* Methods whose Contact refreshes the target (RFC 3261 12.2, 3311). */
int call__method_refreshes(enum sip_method m);
/* Relays a response of the other leg to server transaction st on leg
 * to, with To tag tag, extra header lines and, when set, sdp as body. */
void call__relay_response_tag(struct call *k, struct tsx *st, int to,
			      const struct sip_msg *rsp, const char *tag,
			      const char *extra, struct str sdp);
void call__relay_response(struct call *k, struct tsx *st, int to,
			  const struct sip_msg *rsp, struct str sdp);
/* Sends a request in a leg's dialog; returns 0 or a negative errno. */
int call__leg_request(struct call *k, int side, struct str method,
		      uint32_t cseq, const struct sip_msg *from,
		      const char *extra, struct str sdp,
		      const struct tsx_client_cb *cb, void *arg,
		      struct tsx **out);
void call__leg_table_remove(struct core *c, struct leg *l);
/* Via, Max-Forwards and, with contact, Contact of a request sbc sends. */
void call__leg_print_via(struct buf *b, const struct leg *l, int mf,
			 int contact);
/* RFC 3261 13.3.1.4: a 2xx the caller never ACKs ends the session. */
void call__on_no_ack(struct tmr *t, void *arg);
/* The callbacks of a BYE of sbc's own. */
extern const struct tsx_client_cb call__bye_cb;
/* Ends a confirmed leg with a BYE of sbc's own. */
void call__leg_bye(struct call *k, int side);
/* Leg A's INVITE gets its final answer from sbc. */
void call__a_final(struct call *k, unsigned status, struct str reason);
/* The RAck line for leg B of a PRACK from leg A, or NULL (RFC 3262). */
const char *call__rack_map_a(struct call *k, const struct sip_msg *m,
			     char *line, size_t n);
/* call_dialog.c: relayed in-dialog requests. */
extern const struct tsx_client_cb call__relay_cb;
void call__relay_link(struct core *c, struct relay *r);
void call__relay_free(struct relay *r);
/* Shared with call_store.c. */
/* Setup state, zeroed, from a slab; freeing NULL does nothing. */
struct call_setup *call__setup_new(void);
void call__setup_free(struct call_setup *s);
/* Ends the calls still being set up (503 to A, CANCEL to B, CDR). */
void call__shutdown(struct core *c);
struct call *call__new(struct core *c, enum call_state state);
void call__unref(struct call *k);
void call__leg_table_add(struct core *c, struct leg *l);
int call__leg_bind(struct core *c, struct leg *l, const struct tp_dest *d);
void call__on_max(struct tmr *t, void *arg);

void call__ref(struct call *k);

/* call_media.c: media anchoring through rtpengine. */
/* Decides at the INVITE whether the call is anchored (the realms'
 * media policy, and for "nat" the source address against Contact and
 * SDP). */
void call__media_init(struct call *k, const struct sip_msg *m,
		      const struct tp_src *src);
/*
 * A message from leg side that may carry SDP.  Returns 0 when it goes
 * on now unchanged (no anchoring, no SDP, nothing queued before it);
 * 1 when it was taken: done is called later with the SDP rtpengine
 * gave for the other side (or STR_NULL: the body as it is), or with a
 * negative errno when rtpengine failed.  tsx (may be NULL) is held
 * until then.  A negative errno when the message cannot be held.
 */
int call__media_defer(struct call *k, int side, const struct sip_msg *m,
		      struct tsx *tsx, void *arg, media_done_cb *done);
/* rtpengine failed for k: the status to refuse the call with, or 0 when
 * the call goes on unanchored from now on ([media] on_failure). */
int call__media_failed(struct call *k);
/* The call ends: held messages are dropped (their done gets
 * -ECANCELED), rtpengine gets `delete`. */
void call__media_end(struct call *k);
/* Frees what the media part of k holds, sending nothing (shutdown). */
void call__media_free(struct call *k);
/* The body of m, or sdp (application/sdp) when it is set. */
void call__print_body(struct buf *b, const struct sip_msg *m, struct str sdp);
/* The name of the rtpengine anchoring k, or NULL. */
const char *call__media_name(const struct call *k);
/* A restored call is anchored on the rtpengine of that name. */
void call__media_restore(struct call *k, const char *name);

/* call_store.c: dialog rows, CDRs and restored calls. */
/* Writes (or rewrites) the dialog row of an answered call. */
void call__store_put(struct call *k);
/* The call ends: its dialog row goes, its CDR is written. */
void call__store_end(struct call *k);

#endif
