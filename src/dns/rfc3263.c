/*
 * rfc3263: locating SIP servers (RFC 3263 4, RFC 7984 for dual stack).
 *
 * A resolution runs the whole procedure as a pass over the lookups it
 * has made so far.  A pass that needs a lookup without a result starts
 * it and goes on with what it can; when the last lookup under way ends,
 * the next pass runs.  When a pass needed nothing new, a final pass
 * makes the random choices (RFC 2782 weights), writes the trace and
 * delivers the targets.  Each resolution keeps the entries it used, so
 * that the cache expiring under it changes nothing.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc/sip_uri.h"
#include "dns_int.h"

#define SIP_MAX_RRS 64
#define SIP_MAX_TARGETS 128

struct sip_look {
	struct sip_look *next;
	struct dns_sip_query *q;
	char name[256];
	uint16_t type;
	int done;
	int err;		/* negative errno when the lookup failed */
	struct dns_entry *e;
	struct dns_rr_wait *w;
};

struct dns_sip_query {
	struct dns_sip_query *next, **pprev;	/* dns->sips */
	struct dns *dns;
	dns_sip_cb *cb;
	void *arg;
	unsigned mask;
	char *uri;
	struct sip_uri u;
	char host[256];
	struct sip_look *looks;
	unsigned pending;
	int kicked;
	/* The current pass. */
	int final;
	int missing;		/* lookups without a result yet */
	int lookup_err;		/* the worst failure seen */
	struct dns_target *t;
	size_t n;
};

/* Lookups. */

static void look_done(int err, struct dns_entry *e, void *arg);

/*
 * The result of (name, type) for this resolution: 1 with *e (NULL for a
 * failure or an empty answer), or 0 while it is under way.
 */
static int look_get(struct dns_sip_query *q, const char *name, uint16_t type,
		    struct dns_entry **e)
{
	struct sip_look *l;
	int rc;

	*e = NULL;
	for (l = q->looks; l; l = l->next)
		if (l->type == type && !strcasecmp(l->name, name))
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			q->lookup_err = -ENOMEM;
			return 1;
		}
		l->q = q;
		snprintf(l->name, sizeof(l->name), "%s", name);
		l->type = type;
		l->next = q->looks;
		q->looks = l;
		rc = dns_rr_query(q->dns, name, type, &l->e, look_done, l,
				  &l->w);
		if (rc) {
			l->done = 1;
			l->err = rc;
		} else if (l->e) {
			l->done = 1;
		} else {
			q->pending++;
		}
	}
	if (!l->done) {
		q->missing++;
		return 0;
	}
	if (l->err && l->err != -ENOENT && !q->lookup_err)
		q->lookup_err = l->err;
	*e = l->e;
	return 1;
}

static void sip_run(struct dns_sip_query *q);

static void look_done(int err, struct dns_entry *e, void *arg)
{
	struct sip_look *l = arg;
	struct dns_sip_query *q = l->q;

	l->w = NULL;
	l->done = 1;
	l->err = err;
	if (e) {
		dns_entry_ref(e);
		l->e = e;
	}
	if (--q->pending == 0)
		sip_run(q);
}

static uint32_t entry_left(const struct dns_sip_query *q,
			   const struct dns_entry *e)
{
	uint64_t now = dns_now(q->dns);

	if (!e->cached || e->expires <= now)
		return 0;
	return (uint32_t)((e->expires - now + 999) / 1000);
}

static const char *rcode_name(const struct dns_entry *e)
{
	return e->rcode == LDNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "no records";
}

/* Records. */

static int owner_is(const ldns_rr *rr, const char *name)
{
	char *o = ldns_rdf2str(ldns_rr_owner(rr));
	size_t n, m = strlen(name);
	int eq;

	if (!o)
		return 0;
	n = strlen(o);
	if (n && o[n - 1] == '.')
		n--;
	if (m && name[m - 1] == '.')
		m--;
	eq = n == m && !strncasecmp(o, name, n);
	free(o);
	return eq;
}

static void dname_str(const ldns_rdf *d, char *dst, size_t n)
{
	char *s = ldns_rdf2str(d);
	size_t l;

	snprintf(dst, n, "%s", s ? s : "");
	free(s);
	l = strlen(dst);
	if (l > 1 && dst[l - 1] == '.')
		dst[l - 1] = '\0';
}

/*
 * The records of (name, type) in a section, following CNAME records of
 * the same section (a recursive server puts the chain in the answer).
 */
static size_t rrs_of(ldns_rr_list *sec, const char *name, uint16_t type,
		     ldns_rr **out, size_t max)
{
	char cur[256];
	size_t n = 0;

	if (!sec)
		return 0;
	snprintf(cur, sizeof(cur), "%s", name);
	for (int hop = 0; hop < 8; hop++) {
		int cname = 0;

		for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
			ldns_rr *rr = ldns_rr_list_rr(sec, i);

			if (!owner_is(rr, cur))
				continue;
			if (ldns_rr_get_type(rr) == type && n < max)
				out[n++] = rr;
			else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
				 ldns_rr_rd_count(rr) == 1 && !cname)
				cname = 1, dname_str(ldns_rr_rdf(rr, 0), cur,
						     sizeof(cur));
		}
		if (n || !cname)
			break;
	}
	return n;
}

/* A character-string rdata field as C text (RFC 1035 3.3). */
static void rdf_text(const ldns_rdf *d, char *dst, size_t n)
{
	const uint8_t *p = ldns_rdf_data(d);
	size_t l = ldns_rdf_size(d) ? p[0] : 0;

	if (l + 1 > ldns_rdf_size(d))
		l = 0;
	if (l >= n)
		l = n - 1;
	memcpy(dst, p + 1, l);
	dst[l] = '\0';
}

/* Targets. */

static uint16_t default_port(enum dns_tp tp)
{
	return tp == DNS_TP_TLS ? 5061 : 5060;
}

static void target_add(struct dns_sip_query *q, enum dns_tp tp,
		       const struct sockaddr_storage *ss, const char *host,
		       uint16_t port, uint16_t prio, uint16_t weight,
		       uint32_t ttl)
{
	struct dns_target *t;

	if (!q->final || q->n == SIP_MAX_TARGETS)
		return;
	t = &q->t[q->n++];
	memset(t, 0, sizeof(*t));
	t->tp = tp;
	t->addr = *ss;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)&t->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&t->addr)->sin6_port = htons(port);
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	t->priority = prio;
	t->weight = weight;
	t->ttl = ttl;
}

static void addr_str(const struct sockaddr_storage *ss, char *dst, size_t n)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  dst, (socklen_t)n);
	else
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ss)->sin6_addr, dst,
			  (socklen_t)n);
}

/*
 * The addresses of one family of a host: from the additional section of
 * the answer that named the host when it has them (RFC 3263 4.2, RFC
 * 2782), or from their own lookup.  Adds the targets in the order the
 * server gave.
 */
static void family_add(struct dns_sip_query *q, const char *host,
		       uint16_t type, enum dns_tp tp, uint16_t port,
		       uint16_t prio, uint16_t weight, uint32_t ttl,
		       struct dns_entry *hint)
{
	ldns_rr *rrs[SIP_MAX_RRS];
	struct dns_entry *e = NULL;
	const char *tname = type == LDNS_RR_TYPE_A ? "A" : "AAAA";
	const char *from = "";
	size_t n = 0;

	if (hint && hint->pkt)
		n = rrs_of(ldns_pkt_additional(hint->pkt), host, type, rrs,
			   SIP_MAX_RRS);
	if (n) {
		from = " (additional section)";
		ttl = ttl < entry_left(q, hint) ? ttl : entry_left(q, hint);
	} else {
		if (!look_get(q, host, type, &e))
			return;
		if (!e) {
			if (q->final)
				dns_trace(q->dns, "%s %s: lookup failed",
					  tname, host);
			return;
		}
		n = rrs_of(ldns_pkt_answer(e->pkt), host, type, rrs,
			   SIP_MAX_RRS);
		if (!n && q->final)
			dns_trace(q->dns, "%s %s: %s", tname, host,
				  rcode_name(e));
		if (entry_left(q, e) < ttl)
			ttl = entry_left(q, e);
	}
	for (size_t i = 0; i < n && q->final; i++) {
		const ldns_rdf *d = ldns_rr_rdf(rrs[i], 0);
		struct sockaddr_storage ss;
		char a[INET6_ADDRSTRLEN];
		uint32_t rttl = ldns_rr_ttl(rrs[i]) < ttl ? ldns_rr_ttl(rrs[i])
							  : ttl;

		memset(&ss, 0, sizeof(ss));
		if (type == LDNS_RR_TYPE_A && d && ldns_rdf_size(d) == 4) {
			ss.ss_family = AF_INET;
			memcpy(&((struct sockaddr_in *)&ss)->sin_addr,
			       ldns_rdf_data(d), 4);
		} else if (d && ldns_rdf_size(d) == 16) {
			ss.ss_family = AF_INET6;
			memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr,
			       ldns_rdf_data(d), 16);
		} else {
			continue;
		}
		addr_str(&ss, a, sizeof(a));
		dns_trace(q->dns, "%s %s: %s ttl %u%s", tname, host, a,
			  (unsigned)rttl, from);
		target_add(q, tp, &ss, host, port, prio, weight, rttl);
	}
}

/* RFC 7984 3: both families, the preferred one first. */
static void host_add(struct dns_sip_query *q, const char *host,
		     enum dns_tp tp, uint16_t port, uint16_t prio,
		     uint16_t weight, uint32_t ttl, struct dns_entry *hint)
{
	enum dns_af_pref p = q->dns->cfg.af_pref;

	if (p == DNS_AF_PREFER_V6 || p == DNS_AF_ONLY_V6)
		family_add(q, host, LDNS_RR_TYPE_AAAA, tp, port, prio, weight,
			   ttl, hint);
	if (p != DNS_AF_ONLY_V6)
		family_add(q, host, LDNS_RR_TYPE_A, tp, port, prio, weight,
			   ttl, hint);
	if (p == DNS_AF_PREFER_V4)
		family_add(q, host, LDNS_RR_TYPE_AAAA, tp, port, prio, weight,
			   ttl, hint);
}

void dns_srv_order(struct dns_srv_rec *v, size_t n, uint64_t *rng)
{
	struct dns_srv_rec tmp;

	/* Lowest priority first (insertion sort keeps the server's order). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1].priority > v[j].priority;
		     j--)
			tmp = v[j], v[j] = v[j - 1], v[j - 1] = tmp;
	for (size_t i = 0; i < n;) {
		size_t end = i;

		while (end < n && v[end].priority == v[i].priority)
			end++;
		/* RFC 2782: weight 0 records first in the unordered list. */
		for (size_t a = i + 1; a < end; a++)
			for (size_t b = a; b > i && v[b - 1].weight != 0 &&
					   v[b].weight == 0;
			     b--)
				tmp = v[b], v[b] = v[b - 1], v[b - 1] = tmp;
		/*
		 * RFC 2782: sum the weights of the records left, draw a
		 * number between 0 and the sum inclusive, take the first
		 * record whose running sum reaches it; repeat.
		 */
		for (size_t k = i; k + 1 < end; k++) {
			uint64_t sum = 0, run = 0, r;
			size_t m;

			for (m = k; m < end; m++)
				sum += v[m].weight;
			r = dns_rng_next(rng) % (sum + 1);
			for (m = k; m < end; m++) {
				run += v[m].weight;
				if (run >= r)
					break;
			}
			if (m == end)
				m = end - 1;
			tmp = v[m];
			memmove(&v[k + 1], &v[k], (m - k) * sizeof(*v));
			v[k] = tmp;
		}
		i = end;
	}
}

/* SRV of one transport; returns how many usable records it had. */
static size_t srv_add(struct dns_sip_query *q, const char *name,
		      enum dns_tp tp, uint32_t ttl, struct dns_entry *hint)
{
	ldns_rr *rrs[SIP_MAX_RRS];
	struct dns_srv_rec v[SIP_MAX_RRS];
	char targets[SIP_MAX_RRS][256];
	struct dns_entry *e = NULL, *src;
	size_t n = 0, k = 0;

	if (hint && hint->pkt)
		n = rrs_of(ldns_pkt_additional(hint->pkt), name,
			   LDNS_RR_TYPE_SRV, rrs, SIP_MAX_RRS);
	src = hint;
	if (n) {
		if (q->final)
			dns_trace(q->dns, "SRV %s: from the additional section",
				  name);
	} else {
		if (!look_get(q, name, LDNS_RR_TYPE_SRV, &e))
			return 0;
		if (!e) {
			if (q->final)
				dns_trace(q->dns, "SRV %s: lookup failed", name);
			return 0;
		}
		src = e;
		n = rrs_of(ldns_pkt_answer(e->pkt), name, LDNS_RR_TYPE_SRV,
			   rrs, SIP_MAX_RRS);
		if (!n) {
			if (q->final)
				dns_trace(q->dns, "SRV %s: %s", name,
					  rcode_name(e));
			return 0;
		}
	}
	if (entry_left(q, src) < ttl)
		ttl = entry_left(q, src);
	for (size_t i = 0; i < n; i++) {
		if (ldns_rr_rd_count(rrs[i]) != 4)
			continue;
		v[k].priority = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 0));
		v[k].weight = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 1));
		v[k].port = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 2));
		dname_str(ldns_rr_rdf(rrs[i], 3), targets[k], 256);
		v[k].target = targets[k];
		v[k].ttl = ldns_rr_ttl(rrs[i]);
		if (q->final)
			dns_trace(q->dns,
				  "SRV %s: priority %u weight %u port %u "
				  "target %s ttl %u",
				  name, v[k].priority, v[k].weight, v[k].port,
				  v[k].target, (unsigned)v[k].ttl);
		/* RFC 2782: a target of "." means no service here. */
		if (!strcmp(targets[k], ".")) {
			if (q->final)
				dns_trace(q->dns, "SRV %s: service not "
					  "available (target .)", name);
			continue;
		}
		k++;
	}
	if (q->final) {
		dns_srv_order(v, k, &q->dns->rng);
		for (size_t i = 0; i < k; i++)
			dns_trace(q->dns, "SRV %s: choice %zu: %s:%u "
				  "(priority %u weight %u)", name, i + 1,
				  v[i].target, v[i].port, v[i].priority,
				  v[i].weight);
	}
	for (size_t i = 0; i < k; i++)
		host_add(q, v[i].target, tp, v[i].port, v[i].priority,
			 v[i].weight, ttl < v[i].ttl ? ttl : v[i].ttl, src);
	return k;
}

static const char *srv_prefix(enum dns_tp tp)
{
	return tp == DNS_TP_UDP ? "_sip._udp" :
	       tp == DNS_TP_TCP ? "_sip._tcp" : "_sips._tcp";
}

struct naptr_rec {
	uint16_t order, pref;
	enum dns_tp tp;
	char repl[256];
	uint32_t ttl;
};

/*
 * RFC 3263 4.1: the NAPTR records of the host with flag "s", an empty
 * regexp and a service of a transport the caller supports, ordered by
 * order then preference.  Returns -1 while the lookup runs, else the
 * number of usable records.
 */
static int naptr_get(struct dns_sip_query *q, int sips,
		     struct naptr_rec *out, struct dns_entry **src)
{
	ldns_rr *rrs[SIP_MAX_RRS];
	struct dns_entry *e;
	size_t n;
	int k = 0;

	if (!look_get(q, q->host, LDNS_RR_TYPE_NAPTR, &e))
		return -1;
	*src = e;
	if (!e) {
		if (q->final)
			dns_trace(q->dns, "NAPTR %s: lookup failed", q->host);
		return 0;
	}
	n = rrs_of(ldns_pkt_answer(e->pkt), q->host, LDNS_RR_TYPE_NAPTR, rrs,
		   SIP_MAX_RRS);
	if (!n && q->final)
		dns_trace(q->dns, "NAPTR %s: %s", q->host, rcode_name(e));
	for (size_t i = 0; i < n; i++) {
		char flags[64], svc[64], re[256], repl[256];
		struct naptr_rec r;
		const char *why = NULL;

		if (ldns_rr_rd_count(rrs[i]) != 6)
			continue;
		r.order = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 0));
		r.pref = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 1));
		rdf_text(ldns_rr_rdf(rrs[i], 2), flags, sizeof(flags));
		rdf_text(ldns_rr_rdf(rrs[i], 3), svc, sizeof(svc));
		rdf_text(ldns_rr_rdf(rrs[i], 4), re, sizeof(re));
		dname_str(ldns_rr_rdf(rrs[i], 5), repl, sizeof(repl));
		r.ttl = ldns_rr_ttl(rrs[i]);
		if (!strcasecmp(svc, "SIP+D2U"))
			r.tp = DNS_TP_UDP;
		else if (!strcasecmp(svc, "SIP+D2T"))
			r.tp = DNS_TP_TCP;
		else if (!strcasecmp(svc, "SIPS+D2T"))
			r.tp = DNS_TP_TLS;
		else
			why = "service not supported";
		if (!why && strcasecmp(flags, "s"))
			why = "flags are not \"s\"";
		else if (!why && re[0])
			why = "regexp not empty";
		else if (!why && sips && r.tp != DNS_TP_TLS)
			/* RFC 3263 4.1: a SIPS URI needs TLS. */
			why = "not TLS for a SIPS URI";
		else if (!why && !(q->mask & DNS_TP_BIT(r.tp)))
			why = "transport not enabled";
		else if (!why && (!repl[0] || !strcmp(repl, ".")))
			why = "no replacement";
		if (q->final)
			dns_trace(q->dns,
				  "NAPTR %s: order %u pref %u flags \"%s\" "
				  "service \"%s\" replacement %s: %s%s",
				  q->host, r.order, r.pref, flags, svc, repl,
				  why ? "skipped, " : "usable",
				  why ? why : "");
		if (why)
			continue;
		snprintf(r.repl, sizeof(r.repl), "%s", repl);
		/* Insertion by (order, preference), stable. */
		int j = k;

		while (j > 0 && (out[j - 1].order > r.order ||
				 (out[j - 1].order == r.order &&
				  out[j - 1].pref > r.pref))) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = r;
		k++;
	}
	return k;
}

/*
 * The transport without NAPTR (RFC 3263 4.1): the explicit one, TLS for
 * a SIPS URI, else UDP (TCP when the caller cannot do UDP).  -1 when no
 * enabled transport fits.
 */
static int tp_default(const struct dns_sip_query *q, int sips, int explicit)
{
	if (explicit >= 0)
		return q->mask & DNS_TP_BIT(explicit) ? explicit : -1;
	if (sips)
		return q->mask & DNS_TP_BIT(DNS_TP_TLS) ? DNS_TP_TLS : -1;
	if (q->mask & DNS_TP_BIT(DNS_TP_UDP))
		return DNS_TP_UDP;
	if (q->mask & DNS_TP_BIT(DNS_TP_TCP))
		return DNS_TP_TCP;
	return -1;
}

/* One pass of the procedure; 0 or a negative errno for the URI. */
static int sip_pass(struct dns_sip_query *q)
{
	struct sip_uri *u = &q->u;
	int sips = u->scheme == SIP_URI_SIPS;
	int explicit = -1, tp;
	struct str ts = sip_uri_transport(u);

	if (ts.len) {
		if (str_caseeq_c(ts, "udp"))
			explicit = sips ? -2 : DNS_TP_UDP;
		else if (str_caseeq_c(ts, "tcp"))
			explicit = sips ? DNS_TP_TLS : DNS_TP_TCP;
		else if (str_caseeq_c(ts, "tls"))
			explicit = DNS_TP_TLS;
		else
			explicit = -2;
		if (explicit == -2) {
			if (q->final)
				dns_trace(q->dns, "transport %.*s: not "
					  "supported", STR_FMT(ts));
			return -EPROTONOSUPPORT;
		}
	}
	tp = tp_default(q, sips, explicit);
	if (u->host_type == SIP_HOST_IPV4 || u->host_type == SIP_HOST_IPV6) {
		struct sockaddr_storage ss;
		uint16_t port;

		if (tp < 0)
			return -EPROTONOSUPPORT;
		port = u->port ? u->port : default_port(tp);
		memset(&ss, 0, sizeof(ss));
		if (u->host_type == SIP_HOST_IPV4) {
			ss.ss_family = AF_INET;
			inet_pton(AF_INET, q->host,
				  &((struct sockaddr_in *)&ss)->sin_addr);
		} else {
			ss.ss_family = AF_INET6;
			inet_pton(AF_INET6, q->host,
				  &((struct sockaddr_in6 *)&ss)->sin6_addr);
		}
		if (q->final)
			dns_trace(q->dns, "host %s is numeric: no NAPTR, SRV, "
				  "A or AAAA (RFC 3263 4.1, 4.2); %s, port %u",
				  q->host, dns_tp_name(tp), port);
		target_add(q, tp, &ss, q->host, port, 0, 0, 0);
		return 0;
	}
	if (u->port) {
		if (tp < 0)
			return -EPROTONOSUPPORT;
		if (q->final)
			dns_trace(q->dns, "port %u is explicit: no NAPTR or "
				  "SRV (RFC 3263 4.1, 4.2); %s", u->port,
				  dns_tp_name(tp));
		host_add(q, q->host, tp, u->port, 0, 0, UINT32_MAX, NULL);
		return 0;
	}
	if (explicit >= 0) {
		char name[300];

		if (tp < 0)
			return -EPROTONOSUPPORT;
		if (q->final)
			dns_trace(q->dns, "transport %s is explicit: no NAPTR "
				  "(RFC 3263 4.1)", dns_tp_name(tp));
		snprintf(name, sizeof(name), "%s.%s", srv_prefix(tp), q->host);
		if (srv_add(q, name, tp, UINT32_MAX, NULL))
			return 0;
	} else {
		struct naptr_rec nr[SIP_MAX_RRS];
		struct dns_entry *ne = NULL;
		int n = naptr_get(q, sips, nr, &ne);
		size_t found = 0;

		if (n < 0)
			return 0;
		for (int i = 0; i < n; i++) {
			if (q->final)
				dns_trace(q->dns, "NAPTR %s: choice %d: %s "
					  "%s", q->host, i + 1,
					  dns_tp_name(nr[i].tp), nr[i].repl);
			found += srv_add(q, nr[i].repl, nr[i].tp,
					 ne ? entry_left(q, ne) : 0, ne);
		}
		if (n > 0 && found)
			return 0;
		if (n > 0 && q->final)
			dns_trace(q->dns, "NAPTR %s: no usable SRV records",
				  q->host);
		if (n == 0) {
			/*
			 * RFC 3263 4.1: without NAPTR records, an SRV query
			 * for each transport the client supports.
			 */
			for (int t = 0; t < DNS_TP_COUNT; t++) {
				char name[300];

				if (!(q->mask & DNS_TP_BIT(t)) ||
				    (sips && t != DNS_TP_TLS))
					continue;
				snprintf(name, sizeof(name), "%s.%s",
					 srv_prefix(t), q->host);
				found += srv_add(q, name, t, UINT32_MAX,
						 NULL);
			}
			if (found)
				return 0;
		}
	}
	/* RFC 3263 4.2: no SRV records, A and AAAA of the host itself. */
	if (tp < 0)
		return -EPROTONOSUPPORT;
	if (q->final)
		dns_trace(q->dns, "no SRV records: %s %s port %u (RFC 3263 "
			  "4.2)", q->host, dns_tp_name(tp),
			  default_port(tp));
	host_add(q, q->host, tp, default_port(tp), 0, 0, UINT32_MAX, NULL);
	return 0;
}

/* Avoided targets. */

static int avoided(struct dns *dns, const struct dns_target *t,
		   uint64_t *left)
{
	uint64_t now = dns_now(dns);

	for (struct dns_avoid *a = dns->avoid; a; a = a->next) {
		if (a->until <= now || a->tp != t->tp ||
		    a->addr.ss_family != t->addr.ss_family ||
		    memcmp(&a->addr, &t->addr,
			   a->addr.ss_family == AF_INET ?
				   sizeof(struct sockaddr_in) :
				   sizeof(struct sockaddr_in6)))
			continue;
		*left = (a->until - now + 999) / 1000;
		return 1;
	}
	return 0;
}

static void addr_canon(struct sockaddr_storage *dst,
		       const struct sockaddr_storage *in)
{
	struct sockaddr_storage copy = *in;
	const struct sockaddr_storage *src = &copy;

	memset(dst, 0, sizeof(*dst));
	dst->ss_family = src->ss_family;
	if (src->ss_family == AF_INET) {
		struct sockaddr_in *d = (struct sockaddr_in *)dst;
		const struct sockaddr_in *s = (const struct sockaddr_in *)src;

		d->sin_port = s->sin_port;
		d->sin_addr = s->sin_addr;
	} else {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)dst;
		const struct sockaddr_in6 *s =
			(const struct sockaddr_in6 *)src;

		d->sin6_port = s->sin6_port;
		d->sin6_addr = s->sin6_addr;
	}
}

void dns_target_failed(struct dns *dns, const struct dns_target *t,
		       unsigned seconds)
{
	struct dns_avoid *a, **pp;
	uint64_t now = dns_now(dns);
	struct sockaddr_storage ss;

	addr_canon(&ss, &t->addr);
	/* Expired entries go; an existing one is renewed. */
	for (pp = &dns->avoid; (a = *pp);) {
		if (a->until <= now) {
			*pp = a->next;
			free(a);
			continue;
		}
		if (a->tp == t->tp && !memcmp(&a->addr, &ss, sizeof(ss)))
			break;
		pp = &a->next;
	}
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return;
		a->tp = t->tp;
		a->addr = ss;
		a->next = dns->avoid;
		dns->avoid = a;
	}
	a->until = now + (uint64_t)seconds * 1000;
}

/* Duplicates go, and avoided targets move last, keeping their order. */
static void targets_finish(struct dns_sip_query *q)
{
	struct dns_target *v = q->t;
	size_t n = 0, good = 0;
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < q->n; i++) {
		size_t j;

		addr_canon(&v[i].addr, &v[i].addr);
		for (j = 0; j < n; j++)
			if (v[j].tp == v[i].tp &&
			    !memcmp(&v[j].addr, &v[i].addr, sizeof(v[i].addr)))
				break;
		if (j == n)
			v[n++] = v[i];
	}
	q->n = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t left;

		if (avoided(q->dns, &v[i], &left)) {
			addr_str(&v[i].addr, a, sizeof(a));
			dns_trace(q->dns, "avoid %s %s port %u: failed "
				  "recently, %llu s left: put last",
				  dns_tp_name(v[i].tp), a, v[i].port,
				  (unsigned long long)left);
			continue;
		}
		if (i != good) {
			struct dns_target tmp = v[i];

			memmove(&v[good + 1], &v[good],
				(i - good) * sizeof(*v));
			v[good] = tmp;
		}
		good++;
	}
	for (size_t i = 0; i < n; i++) {
		addr_str(&v[i].addr, a, sizeof(a));
		dns_trace(q->dns, "target %zu: %s %s port %u host %s "
			  "priority %u weight %u ttl %u", i + 1,
			  dns_tp_name(v[i].tp), a, v[i].port, v[i].host,
			  v[i].priority, v[i].weight, (unsigned)v[i].ttl);
	}
}

/* Resolutions. */

/* Takes q off the resolver's list: dns_close no longer sees it. */
static void sip_unlink(struct dns_sip_query *q)
{
	if (!q->pprev)
		return;
	*q->pprev = q->next;
	if (q->next)
		q->next->pprev = q->pprev;
	q->pprev = NULL;
}

static void sip_free(struct dns_sip_query *q)
{
	struct sip_look *l;

	sip_unlink(q);
	while ((l = q->looks)) {
		q->looks = l->next;
		if (l->w)
			dns_rr_cancel(l->w);
		if (l->e)
			dns_entry_unref(l->e);
		free(l);
	}
	free(q->t);
	free(q->uri);
	free(q);
}

static void sip_run(struct dns_sip_query *q)
{
	int rc;

	q->final = 0;
	q->missing = 0;
	q->lookup_err = 0;
	rc = sip_pass(q);
	if (q->missing && !rc)
		return;
	/* Every lookup has its result: the final pass. */
	q->final = 1;
	q->n = 0;
	q->lookup_err = 0;
	q->t = calloc(SIP_MAX_TARGETS, sizeof(*q->t));
	if (!q->t) {
		rc = -ENOMEM;
	} else {
		dns_trace(q->dns, "resolve %s for %s%s%s", q->uri,
			  q->mask & DNS_TP_BIT(DNS_TP_UDP) ? "udp " : "",
			  q->mask & DNS_TP_BIT(DNS_TP_TCP) ? "tcp " : "",
			  q->mask & DNS_TP_BIT(DNS_TP_TLS) ? "tls" : "");
		rc = sip_pass(q);
	}
	if (!rc && q->n)
		targets_finish(q);
	if (!rc && !q->n)
		rc = q->lookup_err ? q->lookup_err : -ENOENT;
	if (rc) {
		dns_trace(q->dns, "no targets: %s", strerror(-rc));
		q->n = 0;
	}
	/* The callback may close the resolver: q is no longer its own. */
	sip_unlink(q);
	q->cb(rc, rc ? NULL : q->t, q->n, q->arg);
	sip_free(q);
}

void dns_sip_kicked(struct dns *dns)
{
	for (;;) {
		struct dns_sip_query *q;

		for (q = dns->sips; q && !q->kicked; q = q->next)
			;
		if (!q)
			break;
		q->kicked = 0;
		sip_run(q);
	}
}

int dns_sip_resolve(struct dns *dns, const char *uri, unsigned tp_mask,
		    dns_sip_cb *cb, void *arg, struct dns_sip_query **out)
{
	struct dns_sip_query *q;
	const char *err;

	if (!(tp_mask & DNS_TP_ALL))
		return -EPROTONOSUPPORT;
	if (dns->closing)
		return -ECANCELED;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->uri = strdup(uri);
	if (!q->uri) {
		free(q);
		return -ENOMEM;
	}
	if (sip_uri_parse(&q->u, str_cstr(q->uri), &err) != 0 ||
	    (q->u.scheme != SIP_URI_SIP && q->u.scheme != SIP_URI_SIPS) ||
	    !q->u.host.len || q->u.host.len >= sizeof(q->host)) {
		free(q->uri);
		free(q);
		return -EINVAL;
	}
	str_copy(q->host, sizeof(q->host), q->u.host);
	q->dns = dns;
	q->cb = cb;
	q->arg = arg;
	q->mask = tp_mask & DNS_TP_ALL;
	q->kicked = 1;
	q->next = dns->sips;
	if (q->next)
		q->next->pprev = &q->next;
	q->pprev = &dns->sips;
	dns->sips = q;
	dns->st.resolutions++;
	dns_kick(dns);
	if (out)
		*out = q;
	return 0;
}

void dns_sip_cancel(struct dns_sip_query *q)
{
	sip_free(q);
}

void dns_sip_cancel_all(struct dns *dns)
{
	while (dns->sips)
		sip_free(dns->sips);
}
