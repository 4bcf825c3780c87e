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
 * addressed to sbc itself, routes out-of-dialog requests by static
 * routes, and matches in-dialog requests to their call.
 */
#ifndef SBC_CORE_H
#define SBC_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/dns.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"

/* A static route (sbc.conf [route]); first match wins. */
struct core_route {
	const char *name;
	const char *from_realm;
	const char *user_prefix;	/* NULL: any */
	const char *domain;		/* NULL: any */
	const char *target;		/* sip: or sips: URI; a host name needs
					   the resolver (core_cfg.dns) */
	const char *target_realm;
};

/* The header policy of a realm (sbc.conf [realm]). */
struct core_realm {
	const char *name;
	const char *strip;	/* comma-separated names; NULL: default */
};

struct core_cfg {
	const struct core_route *routes;
	size_t n_routes;
	const struct core_realm *realms;
	size_t n_realms;
	unsigned no_route_status;	/* 404 or 403 */
	unsigned max_call_ms;		/* 0: no limit */
	unsigned ack_wait_ms;		/* for the ACK of a 2xx: 64*T1 */
	struct dns *dns;		/* RFC 3263; NULL: numeric hosts only */
	unsigned avoid_s;		/* a failed next hop is tried last */
};

struct core;

/* The callbacks the core gives the transaction layer; uarg is the core. */
const struct tsx_user *core_tsx_user(void);

/*
 * Creates the core.  cfg and what it points to must outlive it.  The
 * transaction layer is attached afterwards with core_set_tsx, since it
 * needs the core as its user.  Returns 0 or a negative errno; -EINVAL
 * with a message in err for a route the core cannot use.
 */
int core_new(const struct core_cfg *cfg, struct tp *tp,
	     struct tmr_heap *tmr, struct core **out, char *err,
	     size_t errlen);
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
	unsigned long failovers;	/* INVITEs moved to the next target */
};

void core_stats_get(const struct core *c, struct core_stats *s);

#endif
