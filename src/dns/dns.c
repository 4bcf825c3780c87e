/*
 * dns: the stub resolver.  Requests over UDP (TCP after a truncated
 * answer, RFC 7766 5), servers tried in turn with a timeout and a number
 * of attempts each, a cache by TTL with negative caching (RFC 2308), and
 * identical requests in flight merged.
 */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/rnd.h"
#include "dns_int.h"

#define DNS_UDP_MAX 4096
#define DNS_TCP_MAX 65535

struct dns_req {
	struct hash_node hn;
	struct dns_req *next, **pprev;	/* dns->reqs */
	struct dns *dns;
	char name[256];
	uint16_t type;
	uint16_t id;
	uint8_t *wire;
	size_t wlen;
	unsigned srv_i;		/* the server being tried */
	unsigned attempt;	/* attempts made at it */
	uv_udp_t *udp;
	uv_timer_t *timer;
	uv_tcp_t *tcp;
	uv_connect_t conn;
	uv_write_t wr;
	uint8_t tcp_len[2];	/* the length of the answer */
	uint8_t tcp_qlen[2];	/* the length of the question */
	uint8_t *tcp_buf;
	size_t tcp_have;
	uint8_t udp_buf[DNS_UDP_MAX];
	struct dns_rr_wait *waiters;
	unsigned handles;
	int failed;		/* a server answered with an error */
	int done;
};

static void req_next(struct dns_req *r);
static void tcp_start(struct dns_req *r);
static void req_timeout(uv_timer_t *t);

const char *dns_tp_name(enum dns_tp tp)
{
	switch (tp) {
	case DNS_TP_UDP:
		return "udp";
	case DNS_TP_TCP:
		return "tcp";
	case DNS_TP_TLS:
		return "tls";
	default:
		return "?";
	}
}

int dns_tp_mask_parse(const char *s, unsigned *mask)
{
	unsigned m = 0;

	while (*s) {
		size_t n = strcspn(s, ",");

		if (n == 3 && strncasecmp(s, "udp", 3) == 0)
			m |= DNS_TP_BIT(DNS_TP_UDP);
		else if (n == 3 && strncasecmp(s, "tcp", 3) == 0)
			m |= DNS_TP_BIT(DNS_TP_TCP);
		else if (n == 3 && strncasecmp(s, "tls", 3) == 0)
			m |= DNS_TP_BIT(DNS_TP_TLS);
		else
			return -EINVAL;
		s += n;
		if (*s == ',')
			s++;
	}
	if (!m)
		return -EINVAL;
	*mask = m;
	return 0;
}

uint64_t dns_now(const struct dns *dns)
{
	if (dns->cfg.clock)
		return dns->cfg.clock(dns->cfg.clock_arg);
	return uv_now(dns->loop);
}

void dns_trace(struct dns *dns, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!dns->cfg.trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dns->cfg.trace(line, dns->cfg.trace_arg);
}

/* Servers. */

static int server_parse(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *port = NULL;
	unsigned long p = 53;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *e = strchr(s, ']');

		if (!e || (size_t)(e - s - 1) >= sizeof(host))
			return -EINVAL;
		n = (size_t)(e - s - 1);
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (e[1] == ':')
			port = e + 2;
		else if (e[1])
			return -EINVAL;
	} else {
		const char *c = strchr(s, ':');

		/* Two colons or more: a bare IPv6 address. */
		if (c && strchr(c + 1, ':'))
			c = NULL;
		n = c ? (size_t)(c - s) : strlen(s);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = '\0';
		if (c)
			port = c + 1;
	}
	if (port) {
		char *end;

		p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The nameserver lines of resolv.conf (resolv.conf(5)). */
static int servers_from_resolv_conf(struct dns *dns, const char *path)
{
	char line[256], addr[128];
	FILE *f = fopen(path, "r");

	if (!f)
		return -ENOENT;
	while (dns->nsrv < DNS_MAX_SERVERS && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " nameserver %127s", addr) != 1)
			continue;
		/* A scope suffix (fe80::1%eth0) is not supported. */
		if (strchr(addr, '%'))
			continue;
		if (server_parse(addr, &dns->srv[dns->nsrv]) == 0)
			dns->nsrv++;
	}
	fclose(f);
	return dns->nsrv ? 0 : -ENOENT;
}

/* The cache. */

static uint64_t key_hash(const char *name, uint16_t type)
{
	return hash_mix(hash_bytes(&type, sizeof(type)), name, strlen(name));
}

/* Lower case, without the trailing dot: the form of every key. */
static int name_norm(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n && src[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[n] = '\0';
	return 0;
}

void dns_entry_ref(struct dns_entry *e)
{
	e->refs++;
}

void dns_entry_unref(struct dns_entry *e)
{
	if (--e->refs > 0)
		return;
	ldns_pkt_free(e->pkt);
	free(e);
}

static void cache_unlink(struct dns *dns, struct dns_entry *e)
{
	hash_remove(&dns->cache, &e->hn);
	if (e->older)
		e->older->newer = e->newer;
	else
		dns->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		dns->newest = e->older;
	e->cached = 0;
	dns->nentries--;
	dns_entry_unref(e);
}

static struct dns_entry *cache_find(struct dns *dns, const char *name,
				    uint16_t type)
{
	uint64_t h = key_hash(name, type);

	for (struct hash_node *n = hash_first(&dns->cache, h); n;
	     n = hash_next(n)) {
		struct dns_entry *e = hash_entry(n, struct dns_entry, hn);

		if (e->type != type || strcmp(e->name, name) != 0)
			continue;
		if (e->expires <= dns_now(dns)) {
			cache_unlink(dns, e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

static void cache_insert(struct dns *dns, struct dns_entry *e)
{
	struct dns_entry *old = cache_find(dns, e->name, e->type);

	if (old)
		cache_unlink(dns, old);
	/* Full: the oldest entry goes, expired or not. */
	while (dns->nentries >= dns->cfg.cache_max && dns->oldest)
		cache_unlink(dns, dns->oldest);
	hash_insert(&dns->cache, &e->hn, key_hash(e->name, e->type));
	e->older = dns->newest;
	e->newer = NULL;
	if (dns->newest)
		dns->newest->newer = e;
	else
		dns->oldest = e;
	dns->newest = e;
	e->cached = 1;
	e->refs++;
	dns->nentries++;
}

static uint32_t ttl_clamp(uint32_t ttl, uint32_t lo, uint32_t hi)
{
	if (ttl < lo)
		ttl = lo;
	if (ttl > hi)
		ttl = hi;
	return ttl;
}

/*
 * Makes the entry of an answer.  A positive answer lives as long as the
 * smallest TTL of its answer section.  RFC 2308 5: a negative answer
 * lives for the smaller of the SOA record's TTL and its MINIMUM field,
 * and is not cached at all without a SOA record (ttl 0).
 */
static struct dns_entry *entry_new(struct dns *dns, const struct dns_req *r,
				   ldns_pkt *pkt)
{
	struct dns_entry *e = calloc(1, sizeof(*e));
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	ldns_rr_list *ns = ldns_pkt_authority(pkt);
	uint32_t ttl = UINT32_MAX;
	int have = 0;

	if (!e)
		return NULL;
	e->refs = 1;
	snprintf(e->name, sizeof(e->name), "%s", r->name);
	e->type = r->type;
	e->rcode = ldns_pkt_get_rcode(pkt);
	e->pkt = pkt;
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) == r->type ||
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME) {
			if (ldns_rr_get_type(rr) == r->type)
				have = 1;
			if (ldns_rr_ttl(rr) < ttl)
				ttl = ldns_rr_ttl(rr);
		}
	}
	if (e->rcode == LDNS_RCODE_NOERROR && have) {
		e->ttl = ttl_clamp(ttl, dns->cfg.ttl_min, dns->cfg.ttl_max);
	} else {
		if (e->rcode == LDNS_RCODE_NOERROR)
			e->rcode = LDNS_RCODE_NOERROR;	/* NODATA */
		ttl = 0;
		for (size_t i = 0; ns && i < ldns_rr_list_rr_count(ns); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ns, i);

			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
			    ldns_rr_rd_count(rr) < 7)
				continue;
			ttl = ldns_rr_ttl(rr);
			if (ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)) < ttl)
				ttl = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
			break;
		}
		e->ttl = ttl ? ttl_clamp(ttl, dns->cfg.ttl_min,
					 dns->cfg.neg_ttl_max)
			     : 0;
	}
	e->expires = dns_now(dns) + (uint64_t)e->ttl * 1000;
	return e;
}

/* Requests. */

static void req_handle_closed(uv_handle_t *h)
{
	struct dns_req *r = h->data;
	struct dns *dns = r->dns;

	free(h);
	if (--r->handles == 0 && r->done) {
		free(r->wire);
		free(r->tcp_buf);
		free(r);
	}
	dns->handles--;
	if (dns->closing && dns->handles == 0)
		free(dns);
}

static void req_close_handle(struct dns_req *r, uv_handle_t *h)
{
	if (h && !uv_is_closing(h))
		uv_close(h, req_handle_closed);
}

static void req_close_io(struct dns_req *r)
{
	req_close_handle(r, (uv_handle_t *)r->udp);
	r->udp = NULL;
	req_close_handle(r, (uv_handle_t *)r->tcp);
	r->tcp = NULL;
}

/* Ends the request: err, or an answer entry; tells every waiter. */
static void req_finish(struct dns_req *r, int err, struct dns_entry *e)
{
	struct dns *dns = r->dns;
	struct dns_rr_wait *w;

	r->done = 1;
	hash_remove(&dns->inflight, &r->hn);
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
	req_close_io(r);
	uv_timer_stop(r->timer);
	req_close_handle(r, (uv_handle_t *)r->timer);
	if (e && e->ttl > 0)
		cache_insert(dns, e);
	while ((w = r->waiters)) {
		r->waiters = w->next;
		if (r->waiters)
			r->waiters->pprev = &r->waiters;
		w->req = NULL;
		w->cb(err, e, w->arg);
		free(w);
	}
	if (e)
		dns_entry_unref(e);
}

/* Whether the answer is the one to our question (RFC 5452 9.1). */
static int answer_matches(const struct dns_req *r, ldns_pkt *pkt)
{
	ldns_rr_list *q = ldns_pkt_question(pkt);
	char *owner;
	char name[256];
	int ok;

	if (ldns_pkt_id(pkt) != r->id || !ldns_pkt_qr(pkt) || !q ||
	    ldns_rr_list_rr_count(q) != 1 ||
	    ldns_rr_get_type(ldns_rr_list_rr(q, 0)) != r->type)
		return 0;
	owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(q, 0)));
	ok = owner && name_norm(name, owner) == 0 && !strcmp(name, r->name);
	free(owner);
	return ok;
}

/* An answer arrived over UDP or TCP. */
static void req_answer(struct dns_req *r, const uint8_t *p, size_t n,
		       int tcp)
{
	struct dns *dns = r->dns;
	ldns_pkt *pkt = NULL;
	struct dns_entry *e;
	ldns_pkt_rcode rc;

	if (ldns_wire2pkt(&pkt, p, n) != LDNS_STATUS_OK)
		return;
	if (!answer_matches(r, pkt)) {
		ldns_pkt_free(pkt);
		return;
	}
	if (ldns_pkt_tc(pkt) && !tcp) {
		ldns_pkt_free(pkt);
		dns->st.tcp++;
		req_close_io(r);
		free(r->tcp_buf);
		r->tcp_buf = NULL;
		/* RFC 7766 5: the same question again over TCP. */
		if (!(r->tcp = malloc(sizeof(*r->tcp))) ||
		    uv_tcp_init(dns->loop, r->tcp) != 0) {
			free(r->tcp);
			r->tcp = NULL;
			req_next(r);
			return;
		}
		r->tcp->data = r;
		r->handles++;
		dns->handles++;
		tcp_start(r);
		return;
	}
	rc = ldns_pkt_get_rcode(pkt);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		/* SERVFAIL, REFUSED and the like: the next server. */
		ldns_pkt_free(pkt);
		dns->st.failures++;
		r->failed = 1;
		r->attempt = dns->cfg.attempts;
		req_close_io(r);
		req_next(r);
		return;
	}
	e = entry_new(dns, r, pkt);
	if (!e) {
		ldns_pkt_free(pkt);
		req_finish(r, -ENOMEM, NULL);
		return;
	}
	req_finish(r, 0, e);
}

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct dns_req *r = h->data;

	*b = uv_buf_init((char *)r->udp_buf, sizeof(r->udp_buf));
}

static int addr_eq(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return 0;
	if (a->sa_family == AF_INET)
		return !memcmp(a, b, sizeof(struct sockaddr_in)) ||
		       (((const struct sockaddr_in *)a)->sin_port ==
				((const struct sockaddr_in *)b)->sin_port &&
			((const struct sockaddr_in *)a)->sin_addr.s_addr ==
				((const struct sockaddr_in *)b)
					->sin_addr.s_addr);
	return ((const struct sockaddr_in6 *)a)->sin6_port ==
		       ((const struct sockaddr_in6 *)b)->sin6_port &&
	       !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

static void udp_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
		     const struct sockaddr *from, unsigned flags)
{
	struct dns_req *r = h->data;

	if (n <= 0 || !from || (flags & UV_UDP_PARTIAL))
		return;
	/* RFC 5452 9.1: only the server asked may answer. */
	if (!addr_eq(from, &r->dns->srv[r->srv_i]))
		return;
	req_answer(r, (const uint8_t *)b->base, (size_t)n, 0);
}

static void tcp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct dns_req *r = h->data;

	if (!r->tcp_buf) {
		if (r->tcp_have < 2)
			*b = uv_buf_init((char *)r->tcp_len + r->tcp_have,
					 (unsigned)(2 - r->tcp_have));
		else
			*b = uv_buf_init(NULL, 0);
		return;
	}
	{
		size_t want = ((size_t)r->tcp_len[0] << 8 | r->tcp_len[1]);

		*b = uv_buf_init((char *)r->tcp_buf + r->tcp_have,
				 (unsigned)(want - r->tcp_have));
	}
}

static void tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct dns_req *r = s->data;
	size_t want;

	if (n == 0)
		return;
	if (n < 0) {
		req_close_io(r);
		req_next(r);
		return;
	}
	r->tcp_have += (size_t)n;
	if (!r->tcp_buf) {
		if (r->tcp_have < 2)
			return;
		want = (size_t)r->tcp_len[0] << 8 | r->tcp_len[1];
		if (want == 0 || !(r->tcp_buf = malloc(want))) {
			req_close_io(r);
			req_next(r);
			return;
		}
		r->tcp_have = 0;
		return;
	}
	want = (size_t)r->tcp_len[0] << 8 | r->tcp_len[1];
	if (r->tcp_have < want)
		return;
	uv_read_stop(s);
	req_answer(r, r->tcp_buf, want, 1);
}

static void tcp_written(uv_write_t *w, int status)
{
}

static void tcp_connected(uv_connect_t *c, int status)
{
	struct dns_req *r = c->data;
	uv_buf_t b[2];
	uint8_t *len = r->tcp_qlen;

	if (status == UV_ECANCELED || !r->tcp)
		return;
	if (status < 0) {
		req_close_io(r);
		req_next(r);
		return;
	}
	/* RFC 1035 4.2.2: a two-byte length before the message. */
	len[0] = (uint8_t)(r->wlen >> 8);
	len[1] = (uint8_t)r->wlen;
	b[0] = uv_buf_init((char *)len, 2);
	b[1] = uv_buf_init((char *)r->wire, (unsigned)r->wlen);
	r->tcp_have = 0;
	if (uv_write(&r->wr, (uv_stream_t *)r->tcp, b, 2, tcp_written) != 0 ||
	    uv_read_start((uv_stream_t *)r->tcp, tcp_alloc, tcp_read) != 0) {
		req_close_io(r);
		req_next(r);
	}
}

static void tcp_start(struct dns_req *r)
{
	r->conn.data = r;
	r->tcp_have = 0;
	uv_timer_start(r->timer, req_timeout, r->dns->cfg.timeout_ms, 0);
	if (uv_tcp_connect(&r->conn, r->tcp,
			   (const struct sockaddr *)&r->dns->srv[r->srv_i],
			   tcp_connected) != 0) {
		req_close_io(r);
		req_next(r);
	}
}

static void udp_sent(uv_udp_send_t *s, int status)
{
	free(s);
}

/* Sends the question to the current server from a fresh socket. */
static int req_send(struct dns_req *r)
{
	struct dns *dns = r->dns;
	uv_udp_send_t *s;
	uv_buf_t b = uv_buf_init((char *)r->wire, (unsigned)r->wlen);

	r->udp = malloc(sizeof(*r->udp));
	if (!r->udp)
		return -ENOMEM;
	if (uv_udp_init(dns->loop, r->udp) != 0) {
		free(r->udp);
		r->udp = NULL;
		return -ENOMEM;
	}
	r->udp->data = r;
	r->handles++;
	dns->handles++;
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (uv_udp_send(s, r->udp, &b, 1,
			(const struct sockaddr *)&dns->srv[r->srv_i],
			udp_sent) != 0) {
		free(s);
		return -EIO;
	}
	dns->st.queries++;
	if (uv_udp_recv_start(r->udp, udp_alloc, udp_recv) != 0)
		return -EIO;
	return 0;
}

static void req_timeout(uv_timer_t *t)
{
	struct dns_req *r = t->data;

	r->dns->st.timeouts++;
	req_close_io(r);
	req_next(r);
}

/*
 * The next attempt: the same server until its attempts are used, then
 * the next server; the end when every server had its turn.
 */
static void req_next(struct dns_req *r)
{
	struct dns *dns = r->dns;

	for (;;) {
		if (r->attempt >= dns->cfg.attempts) {
			r->attempt = 0;
			if (++r->srv_i >= dns->nsrv)
				break;
		}
		r->attempt++;
		uv_timer_start(r->timer, req_timeout, dns->cfg.timeout_ms, 0);
		if (req_send(r) == 0)
			return;
		req_close_io(r);
		r->attempt = dns->cfg.attempts;
	}
	r->srv_i = 0;
	req_finish(r, r->failed ? -EIO : -ETIMEDOUT, NULL);
}

static struct dns_req *req_new(struct dns *dns, const char *name,
			       uint16_t type)
{
	struct dns_req *r = calloc(1, sizeof(*r));
	ldns_rdf *dn;
	ldns_pkt *q;

	if (!r)
		return NULL;
	r->dns = dns;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->type = type;
	rnd_bytes(&r->id, sizeof(r->id));
	dn = ldns_dname_new_frm_str(name);
	if (!dn) {
		free(r);
		return NULL;
	}
	q = ldns_pkt_query_new(dn, type, LDNS_RR_CLASS_IN, LDNS_RD);
	if (!q) {
		ldns_rdf_deep_free(dn);
		free(r);
		return NULL;
	}
	ldns_pkt_set_id(q, r->id);
	/* RFC 6891: EDNS(0) with the 1232-byte size of DNS Flag Day 2020. */
	ldns_pkt_set_edns_udp_size(q, 1232);
	if (ldns_pkt2wire(&r->wire, q, &r->wlen) != LDNS_STATUS_OK) {
		ldns_pkt_free(q);
		free(r);
		return NULL;
	}
	ldns_pkt_free(q);
	r->timer = malloc(sizeof(*r->timer));
	if (!r->timer || uv_timer_init(dns->loop, r->timer) != 0) {
		free(r->timer);
		free(r->wire);
		free(r);
		return NULL;
	}
	r->timer->data = r;
	r->handles++;
	dns->handles++;
	hash_insert(&dns->inflight, &r->hn, key_hash(name, type));
	r->next = dns->reqs;
	if (r->next)
		r->next->pprev = &r->next;
	r->pprev = &dns->reqs;
	dns->reqs = r;
	return r;
}

int dns_rr_query(struct dns *dns, const char *name, uint16_t type,
		 struct dns_entry **hit, dns_rr_cb *cb, void *arg,
		 struct dns_rr_wait **wout)
{
	char key[256];
	struct dns_entry *e;
	struct dns_req *r = NULL;
	struct dns_rr_wait *w;
	uint64_t h;

	*hit = NULL;
	if (dns->closing)
		return -ECANCELED;
	if (name_norm(key, name) != 0)
		return -EINVAL;
	e = cache_find(dns, key, type);
	if (e) {
		dns->st.cache_hits++;
		if (!ldns_pkt_ancount(e->pkt))
			dns->st.neg_hits++;
		dns_entry_ref(e);
		*hit = e;
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	h = key_hash(key, type);
	for (struct hash_node *n = hash_first(&dns->inflight, h); n;
	     n = hash_next(n)) {
		struct dns_req *c = hash_entry(n, struct dns_req, hn);

		if (c->type == type && !strcmp(c->name, key)) {
			r = c;
			dns->st.merged++;
			break;
		}
	}
	if (!r) {
		r = req_new(dns, key, type);
		if (!r) {
			free(w);
			return -ENOMEM;
		}
		req_next(r);
		if (r->done) {
			/* Every server refused the send at once. */
			free(w);
			return -EIO;
		}
	}
	w->req = r;
	w->cb = cb;
	w->arg = arg;
	w->next = r->waiters;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &r->waiters;
	r->waiters = w;
	*wout = w;
	return 0;
}

/* Frees the waiter; its request stops when no waiter is left. */
void dns_rr_cancel(struct dns_rr_wait *w)
{
	struct dns_req *r = w->req;

	if (!r) {
		free(w);
		return;
	}
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	free(w);
	/* The last waiter gone: the request stops. */
	if (!r->waiters && !r->done)
		req_finish(r, -ECANCELED, NULL);
}

/* The resolver. */

void dns_handle_closed(uv_handle_t *h)
{
	struct dns *dns = h->data;

	free(h);
	dns->handles--;
	if (dns->closing && dns->handles == 0)
		free(dns);
}

static void kick_cb(uv_timer_t *t)
{
	dns_sip_kicked(t->data);
}

void dns_kick(struct dns *dns)
{
	if (!dns->closing && !uv_is_active((uv_handle_t *)dns->kick))
		uv_timer_start(dns->kick, kick_cb, 0, 0);
}

int dns_new(uv_loop_t *loop, const struct dns_cfg *cfg, struct dns **out)
{
	struct dns *dns = calloc(1, sizeof(*dns));
	int rc = 0;

	if (!dns)
		return -ENOMEM;
	dns->loop = loop;
	dns->cfg = *cfg;
	dns->cfg.servers = NULL;
	if (!dns->cfg.timeout_ms)
		dns->cfg.timeout_ms = 1000;
	if (!dns->cfg.attempts)
		dns->cfg.attempts = 2;
	if (!dns->cfg.ttl_max)
		dns->cfg.ttl_max = 86400;
	if (!dns->cfg.neg_ttl_max)
		dns->cfg.neg_ttl_max = 900;
	if (!dns->cfg.cache_max)
		dns->cfg.cache_max = 10000;
	dns->rng = cfg->seed;
	if (!dns->rng)
		rnd_bytes(&dns->rng, sizeof(dns->rng));
	/* splitmix64: small seeds (1, 2, 3...) start well apart. */
	dns->rng += 0x9e3779b97f4a7c15ull;
	dns->rng = (dns->rng ^ (dns->rng >> 30)) * 0xbf58476d1ce4e5b9ull;
	dns->rng = (dns->rng ^ (dns->rng >> 27)) * 0x94d049bb133111ebull;
	dns->rng ^= dns->rng >> 31;
	for (size_t i = 0; cfg->servers && cfg->servers[i]; i++) {
		if (dns->nsrv == DNS_MAX_SERVERS)
			break;
		rc = server_parse(cfg->servers[i], &dns->srv[dns->nsrv++]);
		if (rc)
			goto fail;
	}
	if (!dns->nsrv) {
		rc = servers_from_resolv_conf(dns, cfg->resolv_conf ?
						   cfg->resolv_conf :
						   "/etc/resolv.conf");
		if (rc)
			goto fail;
	}
	if (hash_init(&dns->cache, 256) != 0 ||
	    hash_init(&dns->inflight, 64) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	dns->kick = malloc(sizeof(*dns->kick));
	if (!dns->kick || uv_timer_init(loop, dns->kick) != 0) {
		free(dns->kick);
		rc = -ENOMEM;
		goto fail;
	}
	dns->kick->data = dns;
	dns->handles = 1;
	*out = dns;
	return 0;
fail:
	hash_free(&dns->cache);
	hash_free(&dns->inflight);
	free(dns);
	return rc;
}

void dns_close(struct dns *dns)
{
	struct dns_avoid *a;

	dns_sip_cancel_all(dns);
	/* Requests without waiters are finished by the cancellations. */
	while (dns->reqs) {
		struct dns_req *r = dns->reqs;
		struct dns_rr_wait *w;

		while ((w = r->waiters)) {
			r->waiters = w->next;
			free(w);
		}
		req_finish(r, -ECANCELED, NULL);
	}
	while (dns->oldest)
		cache_unlink(dns, dns->oldest);
	while ((a = dns->avoid)) {
		dns->avoid = a->next;
		free(a);
	}
	hash_free(&dns->cache);
	hash_free(&dns->inflight);
	dns->closing = 1;
	uv_close((uv_handle_t *)dns->kick, dns_handle_closed);
}

void dns_stats_get(const struct dns *dns, struct dns_stats *s)
{
	*s = dns->st;
	s->cache_entries = dns->nentries;
}
