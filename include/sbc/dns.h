/*
 * dns: a caching stub resolver over libuv and ldns, and the SIP server
 * location procedure of RFC 3263 on top of it (layer 2).
 *
 * Queries go over UDP to the configured servers (or the nameservers of
 * /etc/resolv.conf), one after the other, each with a timeout and a
 * number of retries; a truncated answer is repeated over TCP (RFC 7766
 * 5).  Answers are cached by their TTL, clamped to a floor and a
 * ceiling; NXDOMAIN and NODATA answers are cached as RFC 2308 5 says, for
 * the TTL of the SOA record in the authority section, and not at all
 * without one.  Identical queries in flight at the same time share one
 * request on the wire.
 *
 * dns_sip_resolve turns a SIP or SIPS URI into an ordered list of
 * targets (transport, address, port) following RFC 3263 4: NAPTR, then
 * SRV (RFC 2782), then A and AAAA (both families, RFC 7984).  Failover
 * along the list is the caller's business (RFC 3263 4.3); the caller
 * tells the resolver about targets that failed so that later resolutions
 * put them last.
 *
 * As in libuv, when a function that takes a callback returns an error,
 * the callback is never called; on success it is called exactly once,
 * never from inside the function, unless the query is cancelled or the
 * resolver closed first.  The callback may cancel other queries and may
 * close the resolver.
 */
#ifndef SBC_DNS_H
#define SBC_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

/* Transports of RFC 3263; the core maps them to its own. */
enum dns_tp {
	DNS_TP_UDP = 0,
	DNS_TP_TCP,
	DNS_TP_TLS,
	DNS_TP_COUNT
};

#define DNS_TP_BIT(tp) (1u << (tp))
#define DNS_TP_ALL (DNS_TP_BIT(DNS_TP_UDP) | DNS_TP_BIT(DNS_TP_TCP) | \
		    DNS_TP_BIT(DNS_TP_TLS))

/* "udp", "tcp", "tls". */
const char *dns_tp_name(enum dns_tp tp);
/*
 * Parses a comma-separated list of transport names ("udp,tls") into a
 * mask of DNS_TP_BIT values; -EINVAL for an unknown name or an empty
 * list.
 */
int dns_tp_mask_parse(const char *s, unsigned *mask);

/* RFC 7984 3: which address family a host's addresses start with. */
enum dns_af_pref {
	DNS_AF_PREFER_V6 = 0,	/* AAAA first, then A (RFC 6724 default) */
	DNS_AF_PREFER_V4,
	DNS_AF_ONLY_V4,		/* no AAAA queries */
	DNS_AF_ONLY_V6,		/* no A queries */
};

#define DNS_MAX_SERVERS 4

/* One line of the trace of a resolution; see struct dns_cfg. */
typedef void(dns_trace_cb)(const char *line, void *arg);
/* A clock in milliseconds, for tests; see struct dns_cfg. */
typedef uint64_t(dns_clock_cb)(void *arg);

struct dns_cfg {
	/*
	 * Servers as "IPv4", "IPv4:PORT", "IPv6" or "[IPv6]:PORT", NULL
	 * terminated; NULL or empty: the nameserver lines of resolv_conf.
	 */
	const char *const *servers;
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	unsigned timeout_ms;	/* per attempt; 0: 1000 */
	unsigned attempts;	/* per server; 0: 2 */
	uint32_t ttl_min;	/* cache floor in seconds; 0: none */
	uint32_t ttl_max;	/* cache ceiling in seconds; 0: 86400 */
	uint32_t neg_ttl_max;	/* negative cache ceiling; 0: 900 (RFC 2308
				   5 suggests hours at most) */
	unsigned cache_max;	/* entries; 0: 10000 */
	enum dns_af_pref af_pref;
	uint64_t seed;		/* weighted SRV choice; 0: random */
	dns_clock_cb *clock;	/* NULL: the loop's clock */
	void *clock_arg;
	dns_trace_cb *trace;	/* NULL: no trace */
	void *trace_arg;
};

struct dns;

/*
 * Creates a resolver on loop.  Returns 0, -EINVAL for a bad server
 * address, -ENOENT when no server is configured or found in resolv.conf,
 * or -ENOMEM.
 */
int dns_new(uv_loop_t *loop, const struct dns_cfg *cfg, struct dns **out);
/*
 * Cancels every query (their callbacks are not called) and frees the
 * resolver once its handles are closed, while the loop runs on.
 */
void dns_close(struct dns *dns);

/* One place to send a request to, in the order to try them. */
struct dns_target {
	enum dns_tp tp;
	struct sockaddr_storage addr;	/* address and port */
	char host[256];		/* the name the address came from, or the
				   numeric host of the URI */
	uint16_t port;
	uint16_t priority;	/* SRV priority and weight; 0 without SRV */
	uint16_t weight;
	uint32_t ttl;		/* seconds the address record is valid */
};

struct dns_sip_query;

/*
 * The outcome of a resolution: err 0 and n >= 1 targets in the order to
 * try them, or a negative errno and no targets (-ENOENT: the names exist
 * nowhere or have no usable records, -EPROTONOSUPPORT: no transport of
 * the mask is possible, -ETIMEDOUT: the servers did not answer, -EIO:
 * they failed).  The array is valid during the callback only.
 */
typedef void(dns_sip_cb)(int err, const struct dns_target *t, size_t n,
			 void *arg);

/*
 * Resolves a SIP or SIPS URI for the transports in tp_mask (DNS_TP_BIT
 * values).  Returns 0 with *out set (out may be NULL), or -EINVAL for a
 * URI that is not sip: or sips:, -EPROTONOSUPPORT when tp_mask is empty,
 * -ENOMEM.
 */
int dns_sip_resolve(struct dns *dns, const char *uri, unsigned tp_mask,
		    dns_sip_cb *cb, void *arg, struct dns_sip_query **out);
/* Stops a resolution whose callback has not run; it never will. */
void dns_sip_cancel(struct dns_sip_query *q);

/*
 * A target failed (RFC 3263 4.3: timeout, transport error, 503): for the
 * next `seconds`, resolutions still list it, but after every target that
 * did not fail.  Targets match by transport, address and port.
 */
void dns_target_failed(struct dns *dns, const struct dns_target *t,
		       unsigned seconds);

/* One SRV record (RFC 2782), for dns_srv_order. */
struct dns_srv_rec {
	uint16_t priority;
	uint16_t weight;
	uint16_t port;
	const char *target;
	uint32_t ttl;
};

/*
 * RFC 2782: orders n records of one or more priorities in place,
 * lowest priority first and, within a priority, by repeated weighted
 * random draws (weight 0 records are placed first before each draw, as
 * the RFC asks, which gives them a small chance).  rng is the state of
 * the generator; the same state gives the same order.
 */
void dns_srv_order(struct dns_srv_rec *v, size_t n, uint64_t *rng);

struct dns_stats {
	unsigned long queries;		/* requests sent on the wire */
	unsigned long cache_hits;
	unsigned long neg_hits;		/* of them, negative answers */
	unsigned long merged;		/* joined a request in flight */
	unsigned long failures;		/* SERVFAIL, REFUSED, bad answers */
	unsigned long timeouts;		/* requests that got no answer */
	unsigned long tcp;		/* retried over TCP on truncation */
	unsigned long cache_entries;	/* now */
	unsigned long resolutions;	/* dns_sip_resolve calls */
};

void dns_stats_get(const struct dns *dns, struct dns_stats *s);

#endif
