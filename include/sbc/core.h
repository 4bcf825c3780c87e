/*
 * core: the B2BUA session core (layer 6).
 *
 * Every call is two legs: leg A towards the caller, where sbc is the
 * UAS, and leg B towards the callee, where sbc is the UAC.  Each leg is a
 * dialog of its own (src/dlg): its own Call-ID, tags, CSeq space, Via,
 * Contact and route set.  The core relays requests and responses between
 * the legs and builds every message it sends from scratch, copying only
 * what the header policy of the destination realm lets through, so that
 * nothing that names the other side (Via, Record-Route, Route, Contact,
 * Call-ID, tags, branches, addresses) ever crosses (topology hiding, as
 * Cisco Expressway does at the edge).
 *
 * The core is the user of the transaction layer: sbcd passes
 * core_tsx_user() and the core to tsx_layer_new.  It answers OPTIONS
 * addressed to sbc itself, routes out-of-dialog requests by the routes
 * and trunks of the database, and matches in-dialog requests to their
 * call.  Answered calls are written to the database through the store's
 * writer thread, and every call attempt leaves a CDR.
 */
#ifndef SBC_CORE_H
#define SBC_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/dns.h"
#include "sbc/rtpe.h"
#include "sbc/store.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"

/* When the media of a call goes through rtpengine (sbc.conf [realm]
 * media); see call_media.c. */
enum core_media {
	CORE_MEDIA_DEFAULT = 0,	/* always with an rtpengine, else never */
	CORE_MEDIA_ALWAYS,
	CORE_MEDIA_NEVER,
	CORE_MEDIA_NAT,		/* when the caller looks NATed */
};

/* Whether name is one of the media_flags sbc knows (sbc.conf(5)). */
int core_media_flag_ok(struct str name);

/* The header policy of a realm (sbc.conf [realm]). */
struct core_realm {
	const char *name;
	const char *strip;	/* comma-separated names; NULL: default */
	/* Digest authentication of out-of-dialog requests from the realm
	 * (RFC 3261 22): the digest realm of the challenge, NULL for none. */
	const char *auth_realm;
	unsigned auth_nonce_s;	/* nonce lifetime, seconds */
	const char *auth_algorithms;	/* "SHA-256, MD5" when NULL */
	/* Media anchoring (call_media.c). */
	enum core_media media;
	const char *media_flags;	/* comma-separated; NULL: ice-remove */
	const char *media_interface;	/* rtpengine interface; NULL: none */
};

struct core_cfg {
	const struct core_realm *realms;
	size_t n_realms;
	unsigned no_route_status;	/* 404 or 403 */
	unsigned max_call_ms;		/* 0: no limit */
	unsigned ack_wait_ms;		/* for the ACK of a 2xx: 64*T1 */
	struct dns *dns;		/* RFC 3263; NULL: numeric hosts only */
	unsigned avoid_s;		/* a failed next hop is tried last */
	struct store_writer *writer;	/* dialog rows and CDRs; NULL: none */
	/* Call admission (sbc.conf [limits]); 0: no limit. */
	unsigned max_calls;		/* concurrent calls in all */
	unsigned max_cps;		/* new calls per second in all */
	unsigned limit_status;		/* the answer over a limit: 503 */
	unsigned limit_retry_after;	/* its Retry-After, s; 0: none */
	struct rtpe *rtpe;		/* media anchoring; NULL: none */
	unsigned media_fail_status;	/* no rtpengine answers: refuse the
					   call with it; 0: go on unanchored */
};

struct core;

/* The callbacks the core gives the transaction layer; uarg is the core. */
const struct tsx_user *core_tsx_user(void);

/*
 * Creates the core.  cfg and what it points to must outlive it.  The
 * transaction layer is attached afterwards with core_set_tsx, since it
 * needs the core as its user.  Returns 0 or a negative errno.
 */
int core_new(const struct core_cfg *cfg, struct tp *tp,
	     struct tmr_heap *tmr, struct core **out);

/*
 * The trunks and routes new calls use (store_routing_load); the core
 * takes a reference.  Calls in progress keep the routing they started
 * with.  Until it is set, no INVITE finds a route.
 */
void core_set_routing(struct core *c, struct store_routing *r);

/*
 * The digest credentials of realms that require authentication
 * (store_creds_load); the core takes a reference.  Until it is set, no
 * request of such a realm passes.
 */
struct store_creds;
void core_set_creds(struct core *c, struct store_creds *cr);

/*
 * Rebuilds a confirmed call from its dialog row, so that its in-dialog
 * requests are routed again after a restart.  now_ms is the wall clock.
 * Returns 0; -ETIME for a call past the maximum duration (its row should
 * be deleted); -ENOENT when no listener of its realms exists any more;
 * -EINVAL for a row that does not make a dialog; -ENOMEM.
 */
int core_restore(struct core *c, const struct store_dialog *d, int64_t now_ms);
void core_set_tsx(struct core *c, struct tsx_layer *tsx);

/* Ends every call without sending anything and frees the core.  Call
 * before tsx_layer_free. */
void core_free(struct core *c);

struct core_stats {
	unsigned long calls_active;
	unsigned long calls_total;
	unsigned long calls_answered;
	unsigned long calls_failed;	/* ended without a 2xx */
	unsigned long no_route;
	unsigned long relayed;		/* in-dialog requests relayed */
	unsigned long local;		/* requests sbc answered itself */
	unsigned long acks_absorbed;	/* ACKs sent again, not relayed */
	unsigned long failovers;	/* INVITEs moved to the next target */
	/* Why calls failed or ended (each call counts once at most). */
	unsigned long fail_rejected;	/* the callee answered 4xx-6xx */
	unsigned long fail_cancelled;	/* the caller cancelled */
	unsigned long fail_timeout;	/* no answer: Timer B or C */
	unsigned long fail_unreachable;	/* no next hop answered */
	unsigned long ended_no_ack;	/* the caller never ACKed the 2xx */
	unsigned long ended_max_duration;
	unsigned long restored;		/* calls loaded from the database */
	unsigned long store_errors;	/* writes the store refused */
	/* Digest authentication (RFC 3261 22): 401s sent without stale,
	 * requests that passed, requests with wrong or unknown credentials
	 * (these get a 401 too), and 401s with stale=true. */
	unsigned long auth_challenges;
	unsigned long auth_ok;
	unsigned long auth_failed;
	unsigned long auth_stale;
	/* INVITEs refused by call admission, by limit. */
	unsigned long calls_limit_trunk;	/* a trunk's max_calls */
	unsigned long calls_limit_global;	/* [limits] max_calls */
	unsigned long cps_limit_trunk;		/* a trunk's max_cps */
	unsigned long cps_limit_global;		/* [limits] max_cps */
	unsigned long max_forwards;	/* answered 483 (RFC 3261 16.3) */
	/* Media anchoring through rtpengine (call_media.c). */
	unsigned long media_anchored;	/* calls anchored now */
	unsigned long media_offers;
	unsigned long media_answers;
	unsigned long media_deletes;
	unsigned long media_failures;	/* offers or answers that failed */
	unsigned long media_delete_failures;
	unsigned long media_refused;	/* calls refused for it */
	unsigned long media_unanchored;	/* calls that went on without */
};

/* A live call as the status socket shows it. */
struct core_call_info {
	const char *id;			/* the call's token */
	const char *state;		/* "setup" or "up" */
	const char *route;		/* NULL for a restored call without one */
	const char *from_realm;
	const char *to_realm;
	const char *to_trunk;		/* NULL: none */
	const char *caller;		/* leg A's From address, no tag */
	const char *callee;		/* leg A's To address, no tag */
	const char *a_call_id;
	const char *b_call_id;
	int64_t started_ms;		/* Unix epoch */
	int64_t answered_ms;		/* 0: not answered */
	int restored;			/* loaded from the database */
	const char *media;		/* the anchoring rtpengine, or NULL */
};

typedef void (*core_call_cb)(void *arg, const struct core_call_info *i);

/* Calls cb for every live call, most recent first. */
void core_calls_foreach(struct core *c, core_call_cb cb, void *arg);

void core_stats_get(const struct core *c, struct core_stats *s);

#endif
