/*
 * dns internals shared by dns.c (the stub resolver and its cache) and
 * rfc3263.c (SIP server location).
 */
#ifndef SBC_DNS_INT_H
#define SBC_DNS_INT_H

#include <ldns/ldns.h>

#include "sbc/dns.h"
#include "sbc/hash.h"

/*
 * The outcome of one (name, type) lookup, shared by the cache and the
 * resolutions that use it.  pkt is the whole answer, so that the
 * additional section can be used too; rcode is NOERROR with records,
 * NOERROR without (NODATA) or NXDOMAIN.
 */
struct dns_entry {
	struct hash_node hn;
	struct dns_entry *older, *newer;	/* cache age list */
	int cached;
	int refs;
	char name[256];		/* lower case, no trailing dot */
	uint16_t type;
	ldns_pkt_rcode rcode;
	ldns_pkt *pkt;
	uint32_t ttl;		/* seconds, after floor and ceiling */
	uint64_t expires;	/* ms on the resolver's clock */
};

struct dns_req;

/* err 0 with an entry (a reference the callee may take), or -errno. */
typedef void(dns_rr_cb)(int err, struct dns_entry *e, void *arg);

struct dns_rr_wait {
	struct dns_rr_wait *next, **pprev;
	struct dns_req *req;
	dns_rr_cb *cb;
	void *arg;
};

struct dns_avoid {
	struct dns_avoid *next;
	enum dns_tp tp;
	struct sockaddr_storage addr;
	uint64_t until;
};

struct dns {
	uv_loop_t *loop;
	struct dns_cfg cfg;
	struct sockaddr_storage srv[DNS_MAX_SERVERS];
	unsigned nsrv;
	struct hash cache;
	struct dns_entry *oldest, *newest;
	unsigned long nentries;
	struct hash inflight;
	struct dns_req *reqs;
	struct dns_avoid *avoid;
	struct dns_sip_query *sips;	/* every live resolution */
	uv_timer_t *kick;	/* runs resolutions outside their caller */
	uint64_t rng;
	struct dns_stats st;
	unsigned handles;
	int closing;
};

uint64_t dns_now(const struct dns *dns);
/* A printf-style line to the trace callback, when there is one. */
void dns_trace(struct dns *dns, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Looks (name, type) up.  Returns 0 with *hit set to a referenced entry
 * when the cache answers (cb is not called), or 0 with *hit NULL and *w
 * set when a request is under way (cb is called once unless
 * dns_rr_cancel), or a negative errno.
 */
int dns_rr_query(struct dns *dns, const char *name, uint16_t type,
		 struct dns_entry **hit, dns_rr_cb *cb, void *arg,
		 struct dns_rr_wait **w);
void dns_rr_cancel(struct dns_rr_wait *w);
void dns_entry_ref(struct dns_entry *e);
void dns_entry_unref(struct dns_entry *e);

/* Ensures the kick timer runs dns_sip_kicked soon. */
void dns_kick(struct dns *dns);
void dns_sip_kicked(struct dns *dns);
/* Cancels every resolution (for dns_close). */
void dns_sip_cancel_all(struct dns *dns);
/* A handle of the resolver was closed; frees it after the last one. */
void dns_handle_closed(uv_handle_t *h);

/* xorshift64*: the generator of the weighted choice. */
static inline uint64_t dns_rng_next(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif
