/*
 * Tests of the resolver (sbc/dns.h): RFC 2782 ordering and weights,
 * RFC 3263 NAPTR ordering and filtering, SRV and A/AAAA fallbacks,
 * the numeric and explicit-port shortcuts, the additional section, the
 * cache with a clock the test moves, negative caching (RFC 2308),
 * merged queries, timeouts, server failures, TCP after truncation,
 * avoided targets and cancellation.
 *
 * The answers are canned: a responder on 127.0.0.1, in this process and
 * on the same loop, answers each question from a table of records built
 * with ldns, and counts the questions it sees.  t/dns_resolve.sh runs
 * the same code against a real server (unbound).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <uv.h>

#include "check_main.h"
#include "sbc/dns.h"

/* The responder. */

#define ZONE_MAX 64

static struct {
	uv_udp_t udp;
	uv_tcp_t tcp;
	uint16_t port;
	ldns_rr *rr[ZONE_MAX];
	int nrr;
	ldns_rr *soa;
	int additional;		/* put A/AAAA of SRV targets in answers */
	int drop;		/* answer nothing */
	int servfail;
	int truncate;		/* UDP answers carry TC and no records */
	int asked;		/* questions seen */
	char log[256][300];	/* "name TYPE" of each, for assertions */
	int tcp_asked;
	uint8_t sbuf[65536];
} srv;

static uv_loop_t loop;
static uv_timer_t guard;	/* wakes the loop, so that waits are bounded */
static uint64_t now_ms;		/* the resolver's clock */

static uint64_t test_clock(void *arg)
{
	return now_ms;
}

static void zone_add(const char *s)
{
	ldns_rr *rr;

	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, s, 300, NULL, NULL),
			 LDNS_STATUS_OK);
	ck_assert_int_lt(srv.nrr, ZONE_MAX);
	srv.rr[srv.nrr++] = rr;
}

static void zone_clear(void)
{
	for (int i = 0; i < srv.nrr; i++)
		ldns_rr_free(srv.rr[i]);
	srv.nrr = 0;
}

static int rr_owner_eq(const ldns_rr *rr, const ldns_rdf *name)
{
	return ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
}

/* Builds the answer to q from the zone; the caller frees it. */
static ldns_pkt *answer_build(const ldns_pkt *q, int tcp)
{
	ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	ldns_rdf *name = ldns_rr_owner(qrr);
	ldns_rr_type type = ldns_rr_get_type(qrr);
	ldns_pkt *a = ldns_pkt_new();
	int exists = 0, n = 0;

	ldns_pkt_set_id(a, ldns_pkt_id(q));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_pkt_set_rd(a, ldns_pkt_rd(q));
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	if (srv.servfail) {
		ldns_pkt_set_rcode(a, LDNS_RCODE_SERVFAIL);
		return a;
	}
	if (srv.truncate && !tcp) {
		ldns_pkt_set_tc(a, true);
		return a;
	}
	for (int i = 0; i < srv.nrr; i++) {
		if (!rr_owner_eq(srv.rr[i], name))
			continue;
		exists = 1;
		if (ldns_rr_get_type(srv.rr[i]) != type)
			continue;
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER,
				 ldns_rr_clone(srv.rr[i]));
		n++;
		if (!srv.additional || type != LDNS_RR_TYPE_SRV)
			continue;
		for (int j = 0; j < srv.nrr; j++) {
			ldns_rr_type t = ldns_rr_get_type(srv.rr[j]);

			if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) &&
			    rr_owner_eq(srv.rr[j], ldns_rr_rdf(srv.rr[i], 3)))
				ldns_pkt_push_rr(a, LDNS_SECTION_ADDITIONAL,
						 ldns_rr_clone(srv.rr[j]));
		}
	}
	if (!n) {
		if (!exists)
			ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
		if (srv.soa)
			ldns_pkt_push_rr(a, LDNS_SECTION_AUTHORITY,
					 ldns_rr_clone(srv.soa));
	}
	return a;
}

static ldns_pkt *question_read(const uint8_t *p, size_t n)
{
	ldns_pkt *q = NULL;
	ldns_rr *qrr;
	char *s;

	if (ldns_wire2pkt(&q, p, n) != LDNS_STATUS_OK)
		return NULL;
	qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	s = ldns_rdf2str(ldns_rr_owner(qrr));
	if (srv.asked < 256) {
		char *t = ldns_rr_type2str(ldns_rr_get_type(qrr));

		snprintf(srv.log[srv.asked], sizeof(srv.log[0]), "%s %s", s,
			 t);
		free(t);
	}
	srv.asked++;
	free(s);
	return q;
}

static void srv_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	*b = uv_buf_init((char *)srv.sbuf, sizeof(srv.sbuf));
}

static void srv_sent(uv_udp_send_t *s, int status)
{
	free(s->data);
	free(s);
}

static void srv_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
		     const struct sockaddr *from, unsigned flags)
{
	ldns_pkt *q, *a;
	uint8_t *wire;
	size_t len;
	uv_udp_send_t *s;
	uv_buf_t out;

	if (n <= 0 || !from)
		return;
	q = question_read((const uint8_t *)b->base, (size_t)n);
	if (!q)
		return;
	if (srv.drop) {
		ldns_pkt_free(q);
		return;
	}
	a = answer_build(q, 0);
	ck_assert_int_eq(ldns_pkt2wire(&wire, a, &len), LDNS_STATUS_OK);
	ldns_pkt_free(a);
	ldns_pkt_free(q);
	s = malloc(sizeof(*s));
	s->data = wire;
	out = uv_buf_init((char *)wire, (unsigned)len);
	ck_assert_int_eq(uv_udp_send(s, h, &out, 1, from, srv_sent), 0);
}

/* TCP: one question per connection, framed per RFC 1035 4.2.2. */
struct srv_conn {
	uv_tcp_t tcp;
	uint8_t in[4096];
	size_t have;
	uv_write_t wr;
	uint8_t *out;
};

static void conn_closed(uv_handle_t *h)
{
	struct srv_conn *c = h->data;

	free(c->out);
	free(c);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct srv_conn *c = h->data;

	*b = uv_buf_init((char *)c->in + c->have,
			 (unsigned)(sizeof(c->in) - c->have));
}

static void conn_written(uv_write_t *w, int status)
{
	struct srv_conn *c = w->data;

	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct srv_conn *c = st->data;
	size_t want, len;
	ldns_pkt *q, *a;
	uint8_t *wire;
	uv_buf_t out;

	if (n < 0) {
		uv_close((uv_handle_t *)st, conn_closed);
		return;
	}
	c->have += (size_t)n;
	if (c->have < 2)
		return;
	want = (size_t)c->in[0] << 8 | c->in[1];
	if (c->have < want + 2)
		return;
	uv_read_stop(st);
	srv.tcp_asked++;
	q = question_read(c->in + 2, want);
	ck_assert_ptr_nonnull(q);
	a = answer_build(q, 1);
	ck_assert_int_eq(ldns_pkt2wire(&wire, a, &len), LDNS_STATUS_OK);
	ldns_pkt_free(a);
	ldns_pkt_free(q);
	c->out = malloc(len + 2);
	c->out[0] = (uint8_t)(len >> 8);
	c->out[1] = (uint8_t)len;
	memcpy(c->out + 2, wire, len);
	free(wire);
	out = uv_buf_init((char *)c->out, (unsigned)len + 2);
	c->wr.data = c;
	ck_assert_int_eq(uv_write(&c->wr, st, &out, 1, conn_written), 0);
}

static void srv_accept(uv_stream_t *l, int status)
{
	struct srv_conn *c = calloc(1, sizeof(*c));

	ck_assert_int_eq(status, 0);
	uv_tcp_init(&loop, &c->tcp);
	c->tcp.data = c;
	ck_assert_int_eq(uv_accept(l, (uv_stream_t *)&c->tcp), 0);
	uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
}

/* The resolver under test and what its callback saw. */

static struct dns *dns;
static char server_name[64];
static char trace[16384];

static struct result {
	int called;
	int err;
	struct dns_target t[32];
	size_t n;
} res, res2;

static void trace_cb(const char *line, void *arg)
{
	strncat(trace, line, sizeof(trace) - strlen(trace) - 2);
	strcat(trace, "\n");
}

static void done_cb(int err, const struct dns_target *t, size_t n,
		    void *arg)
{
	struct result *r = arg;

	r->called++;
	r->err = err;
	uv_stop(&loop);
	r->n = n < 32 ? n : 32;
	if (n)
		memcpy(r->t, t, r->n * sizeof(*t));
	else
		ck_assert_ptr_null(t);
}

static void dns_start(struct dns_cfg *cfg)
{
	const char *servers[] = { server_name, NULL };

	cfg->servers = servers;
	cfg->clock = test_clock;
	if (!cfg->timeout_ms)
		cfg->timeout_ms = 200;
	if (!cfg->seed)
		cfg->seed = 42;
	cfg->trace = trace_cb;
	ck_assert_int_eq(dns_new(&loop, cfg, &dns), 0);
}

static void guard_cb(uv_timer_t *t)
{
}

static void setup(void)
{
	struct sockaddr_in a;
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	struct dns_cfg cfg = { 0 };

	memset(&srv, 0, sizeof(srv));
	memset(&res, 0, sizeof(res));
	memset(&res2, 0, sizeof(res2));
	trace[0] = '\0';
	now_ms = 1000000;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(uv_timer_init(&loop, &guard), 0);
	ck_assert_int_eq(uv_timer_start(&guard, guard_cb, 100, 100), 0);
	uv_ip4_addr("127.0.0.1", 0, &a);
	ck_assert_int_eq(uv_udp_init(&loop, &srv.udp), 0);
	ck_assert_int_eq(uv_udp_bind(&srv.udp, (struct sockaddr *)&a, 0), 0);
	ck_assert_int_eq(uv_udp_getsockname(&srv.udp, (struct sockaddr *)&ss,
					    &len), 0);
	srv.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	ck_assert_int_eq(uv_udp_recv_start(&srv.udp, srv_alloc, srv_recv), 0);
	/* TCP on the same port, for answers that do not fit. */
	uv_ip4_addr("127.0.0.1", srv.port, &a);
	ck_assert_int_eq(uv_tcp_init(&loop, &srv.tcp), 0);
	ck_assert_int_eq(uv_tcp_bind(&srv.tcp, (struct sockaddr *)&a, 0), 0);
	ck_assert_int_eq(uv_listen((uv_stream_t *)&srv.tcp, 8, srv_accept),
			 0);
	snprintf(server_name, sizeof(server_name), "127.0.0.1:%u", srv.port);
	ck_assert_int_eq(ldns_rr_new_frm_str(&srv.soa,
					     "test. 3600 IN SOA ns.test. "
					     "host.test. 1 3600 600 86400 30",
					     300, NULL, NULL),
			 LDNS_STATUS_OK);
	dns_start(&cfg);
}

static void teardown(void)
{
	if (dns)
		dns_close(dns);
	dns = NULL;
	uv_close((uv_handle_t *)&guard, NULL);
	uv_close((uv_handle_t *)&srv.udp, NULL);
	uv_close((uv_handle_t *)&srv.tcp, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	zone_clear();
	ldns_rr_free(srv.soa);
}

/* Restarts the resolver with another configuration. */
static void dns_restart(struct dns_cfg *cfg)
{
	dns_close(dns);
	uv_run(&loop, UV_RUN_NOWAIT);
	dns_start(cfg);
}

/* Resolves uri and runs the loop until the callback (at most 5 s). */
static void resolve(const char *uri, unsigned mask, struct result *r)
{
	uint64_t t0 = uv_now(&loop);

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(dns_sip_resolve(dns, uri, mask, done_cb, r, NULL),
			 0);
	ck_assert_int_eq(r->called, 0);	/* never from inside the call */
	while (!r->called && uv_now(&loop) - t0 < 5000)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(r->called, 1);
}

static void target_is(const struct result *r, size_t i, enum dns_tp tp,
		      const char *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	const struct dns_target *t = &r->t[i];

	ck_assert_uint_lt(i, r->n);
	if (t->addr.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&t->addr)->sin_addr,
			  a, sizeof(a));
	else
		inet_ntop(AF_INET6,
			  &((struct sockaddr_in6 *)&t->addr)->sin6_addr, a,
			  sizeof(a));
	ck_assert_msg(t->tp == tp && !strcmp(a, addr) && t->port == port,
		      "target %zu: %s %s %u, expected %s %s %u", i,
		      dns_tp_name(t->tp), a, t->port, dns_tp_name(tp), addr,
		      port);
	ck_assert_uint_eq(ntohs(t->addr.ss_family == AF_INET ?
					((struct sockaddr_in *)&t->addr)
						->sin_port :
					((struct sockaddr_in6 *)&t->addr)
						->sin6_port),
			  port);
}

static int asked_for(const char *what)
{
	int n = 0;

	for (int i = 0; i < srv.asked && i < 256; i++)
		if (!strcmp(srv.log[i], what))
			n++;
	return n;
}

/* A zone with NAPTR, SRV at two priorities, A and AAAA. */
static void zone_full(void)
{
	zone_add("ex.test. 300 IN NAPTR 20 10 \"s\" \"SIP+D2T\" \"\" "
		 "_sip._tcp.ex.test.");
	zone_add("ex.test. 300 IN NAPTR 10 50 \"s\" \"SIPS+D2T\" \"\" "
		 "_sips._tcp.ex.test.");
	zone_add("ex.test. 300 IN NAPTR 20 5 \"s\" \"SIP+D2U\" \"\" "
		 "_sip._udp.ex.test.");
	zone_add("ex.test. 300 IN NAPTR 5 5 \"s\" \"SIP+D2S\" \"\" "
		 "_sip._sctp.ex.test.");
	zone_add("ex.test. 300 IN NAPTR 6 5 \"u\" \"SIP+D2U\" "
		 "\"!^.*$!sip:x@ex.test!\" .");
	zone_add("_sip._udp.ex.test. 300 IN SRV 10 0 5060 a.ex.test.");
	zone_add("_sip._tcp.ex.test. 300 IN SRV 10 0 5062 a.ex.test.");
	zone_add("_sips._tcp.ex.test. 300 IN SRV 10 0 5061 a.ex.test.");
	zone_add("a.ex.test. 60 IN A 192.0.2.1");
	zone_add("a.ex.test. 60 IN AAAA 2001:db8::1");
}

START_TEST(test_srv_weights)
{
	/* Weights 60, 30 and 10 at priority 10, one record at 20. */
	static const uint16_t w[] = { 60, 30, 10 };
	int first[3] = { 0 }, draws = 20000;
	uint64_t rng = 12345, rng2 = 12345;
	struct dns_srv_rec v[4], v2[4];

	for (int d = 0; d < draws; d++) {
		for (int i = 0; i < 3; i++)
			v[i] = (struct dns_srv_rec){ .priority = 10,
						     .weight = w[i],
						     .port = (uint16_t)i };
		v[3] = (struct dns_srv_rec){ .priority = 20, .weight = 99,
					     .port = 3 };
		/* The priority 20 record comes first in the input. */
		struct dns_srv_rec tmp = v[3];

		v[3] = v[0];
		v[0] = tmp;
		memcpy(v2, v, sizeof(v));
		dns_srv_order(v, 4, &rng);
		dns_srv_order(v2, 4, &rng2);
		ck_assert_mem_eq(v, v2, sizeof(v));	/* same seed */
		ck_assert_uint_eq(v[3].priority, 20);
		ck_assert_uint_eq(v[0].priority, 10);
		ck_assert(v[0].port != v[1].port && v[1].port != v[2].port &&
			  v[0].port != v[2].port);
		first[v[0].port]++;
	}
	/*
	 * RFC 2782: a draw in [0, 100] picks the record whose running sum
	 * first reaches it: 61/101, 30/101 and 10/101 of the first places.
	 */
	ck_assert_msg(abs(first[0] - draws * 61 / 101) < draws / 50,
		      "weight 60 first %d times", first[0]);
	ck_assert_msg(abs(first[1] - draws * 30 / 101) < draws / 50,
		      "weight 30 first %d times", first[1]);
	ck_assert_msg(abs(first[2] - draws * 10 / 101) < draws / 50,
		      "weight 10 first %d times", first[2]);
}
END_TEST

START_TEST(test_srv_weight_zero)
{
	/* A weight 0 record beside weight 100: first about 1 in 101. */
	uint64_t rng = 7;
	int zero_first = 0, all_zero_a = 0;

	for (int d = 0; d < 10000; d++) {
		struct dns_srv_rec v[2] = {
			{ .priority = 1, .weight = 100, .port = 1 },
			{ .priority = 1, .weight = 0, .port = 2 },
		};

		dns_srv_order(v, 2, &rng);
		zero_first += v[0].port == 2;
	}
	ck_assert_msg(zero_first > 30 && zero_first < 200, "%d", zero_first);
	/* All weights 0: the draw is always 0, the server's order holds. */
	for (int d = 0; d < 100; d++) {
		struct dns_srv_rec v[2] = {
			{ .priority = 1, .weight = 0, .port = 1 },
			{ .priority = 1, .weight = 0, .port = 2 },
		};

		dns_srv_order(v, 2, &rng);
		all_zero_a += v[0].port == 1;
	}
	ck_assert_int_eq(all_zero_a, 100);
}
END_TEST

START_TEST(test_naptr_order_filter)
{
	zone_full();
	resolve("sip:ex.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	/*
	 * SIPS+D2T (order 10) first; then order 20: SIP+D2U (pref 5)
	 * before SIP+D2T (pref 10).  SCTP and the "u" record are skipped.
	 * Each host: AAAA first (the default preference).
	 */
	ck_assert_uint_eq(res.n, 6);
	target_is(&res, 0, DNS_TP_TLS, "2001:db8::1", 5061);
	target_is(&res, 1, DNS_TP_TLS, "192.0.2.1", 5061);
	target_is(&res, 2, DNS_TP_UDP, "2001:db8::1", 5060);
	target_is(&res, 3, DNS_TP_UDP, "192.0.2.1", 5060);
	target_is(&res, 4, DNS_TP_TCP, "2001:db8::1", 5062);
	target_is(&res, 5, DNS_TP_TCP, "192.0.2.1", 5062);
	ck_assert_str_eq(res.t[0].host, "a.ex.test");
	ck_assert_uint_eq(res.t[1].ttl, 60);
	ck_assert_ptr_nonnull(strstr(trace, "service \"SIP+D2S\""));
	ck_assert_ptr_nonnull(strstr(trace, "skipped, service not supported"));
	ck_assert_ptr_nonnull(strstr(trace, "skipped, flags are not"));
	ck_assert_int_eq(asked_for("_sip._sctp.ex.test. SRV"), 0);

	/* Without TLS and UDP in the mask: TCP only. */
	resolve("sip:ex.test", DNS_TP_BIT(DNS_TP_TCP), &res);
	ck_assert_int_eq(res.err, 0);
	ck_assert_uint_eq(res.n, 2);
	target_is(&res, 0, DNS_TP_TCP, "2001:db8::1", 5062);

	/* A SIPS URI keeps only SIPS+D2T (RFC 3263 4.1). */
	resolve("sips:ex.test", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.n, 2);
	target_is(&res, 0, DNS_TP_TLS, "2001:db8::1", 5061);
	resolve("sips:ex.test", DNS_TP_BIT(DNS_TP_UDP), &res);
	ck_assert_int_eq(res.err, -EPROTONOSUPPORT);
	ck_assert_uint_eq(res.n, 0);
}
END_TEST

START_TEST(test_srv_without_naptr)
{
	zone_add("nonaptr.test. 300 IN TXT \"x\"");
	zone_add("_sip._udp.nonaptr.test. 300 IN SRV 10 0 5070 b.nonaptr.test.");
	zone_add("_sip._tcp.nonaptr.test. 300 IN SRV 10 0 5071 b.nonaptr.test.");
	zone_add("b.nonaptr.test. 300 IN A 192.0.2.7");
	resolve("sip:nonaptr.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	ck_assert_uint_eq(res.n, 2);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.7", 5070);
	target_is(&res, 1, DNS_TP_TCP, "192.0.2.7", 5071);
	ck_assert_int_eq(asked_for("nonaptr.test. NAPTR"), 1);
	ck_assert_int_eq(asked_for("_sips._tcp.nonaptr.test. SRV"), 1);
	/* An explicit transport: no NAPTR (RFC 3263 4.1), its SRV only. */
	resolve("sip:nonaptr.test;transport=tcp", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.n, 1);
	target_is(&res, 0, DNS_TP_TCP, "192.0.2.7", 5071);
	ck_assert_ptr_nonnull(strstr(trace, "transport tcp is explicit"));
}
END_TEST

START_TEST(test_address_defaults)
{
	zone_add("plain.test. 300 IN A 192.0.2.9");
	zone_add("plain.test. 300 IN A 192.0.2.10");
	zone_add("plain.test. 300 IN AAAA 2001:db8::9");
	resolve("sip:plain.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	ck_assert_uint_eq(res.n, 3);
	target_is(&res, 0, DNS_TP_UDP, "2001:db8::9", 5060);
	target_is(&res, 1, DNS_TP_UDP, "192.0.2.9", 5060);
	target_is(&res, 2, DNS_TP_UDP, "192.0.2.10", 5060);
	resolve("sips:plain.test", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.n, 3);
	target_is(&res, 0, DNS_TP_TLS, "2001:db8::9", 5061);
	/* No UDP in the mask: TCP. */
	resolve("sip:plain.test", DNS_TP_BIT(DNS_TP_TCP), &res);
	target_is(&res, 0, DNS_TP_TCP, "2001:db8::9", 5060);
	/* RFC 7984: IPv4 first when configured so, or IPv4 only. */
	struct dns_cfg cfg = { .af_pref = DNS_AF_PREFER_V4 };

	dns_restart(&cfg);
	resolve("sip:plain.test", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.n, 3);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.9", 5060);
	target_is(&res, 2, DNS_TP_UDP, "2001:db8::9", 5060);
	cfg.af_pref = DNS_AF_ONLY_V4;
	dns_restart(&cfg);
	srv.asked = 0;
	resolve("sip:plain.test", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_int_eq(asked_for("plain.test. AAAA"), 0);
	/* A name that does not exist at all. */
	resolve("sip:nothere.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, -ENOENT);
}
END_TEST

START_TEST(test_shortcuts)
{
	zone_add("port.test. 300 IN A 192.0.2.20");
	zone_add("port.test. 300 IN NAPTR 10 5 \"s\" \"SIP+D2T\" \"\" "
		 "_sip._tcp.port.test.");
	resolve("sip:alice@192.0.2.5", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	ck_assert_uint_eq(res.n, 1);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.5", 5060);
	resolve("sip:192.0.2.5:5080;transport=tcp", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_TCP, "192.0.2.5", 5080);
	resolve("sips:[2001:db8::5]", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_TLS, "2001:db8::5", 5061);
	resolve("sip:192.0.2.5;transport=tls", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_TLS, "192.0.2.5", 5061);
	ck_assert_int_eq(srv.asked, 0);	/* numeric: no DNS at all */
	/* An explicit port: no NAPTR, no SRV, UDP (RFC 3263 4.1). */
	resolve("sip:port.test:5090", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	ck_assert_uint_eq(res.n, 1);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.20", 5090);
	ck_assert_int_eq(asked_for("port.test. NAPTR"), 0);
	ck_assert_int_eq(srv.asked, 2);	/* A and AAAA */
	/* Transports the caller lacks, or nobody has. */
	resolve("sip:192.0.2.5;transport=tcp", DNS_TP_BIT(DNS_TP_UDP), &res);
	ck_assert_int_eq(res.err, -EPROTONOSUPPORT);
	resolve("sip:192.0.2.5;transport=sctp", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, -EPROTONOSUPPORT);
	/* Refused at once, callback never called. */
	ck_assert_int_eq(dns_sip_resolve(dns, "tel:+123", DNS_TP_ALL, done_cb,
					 &res, NULL), -EINVAL);
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:", DNS_TP_ALL, done_cb,
					 &res, NULL), -EINVAL);
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:a.test", 0, done_cb, &res,
					 NULL), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(test_additional_section)
{
	srv.additional = 1;
	zone_add("add.test. 300 IN NAPTR 10 5 \"s\" \"SIP+D2U\" \"\" "
		 "_sip._udp.add.test.");
	zone_add("_sip._udp.add.test. 300 IN SRV 1 0 5060 h.add.test.");
	zone_add("h.add.test. 300 IN A 192.0.2.30");
	resolve("sip:add.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	ck_assert_uint_eq(res.n, 1);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.30", 5060);
	ck_assert_int_eq(asked_for("h.add.test. A"), 0);
	/* There was no AAAA in the additional section: asked. */
	ck_assert_int_eq(asked_for("h.add.test. AAAA"), 1);
	ck_assert_ptr_nonnull(strstr(trace, "(additional section)"));
}
END_TEST

START_TEST(test_cache_ttl)
{
	struct dns_stats st;
	int before;

	zone_add("ttl.test. 2 IN A 192.0.2.40");
	resolve("sip:ttl.test:5060", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.40", 5060);
	ck_assert_uint_eq(res.t[0].ttl, 2);
	before = srv.asked;
	/* Within the TTL: from the cache, even after the zone changed. */
	zone_clear();
	zone_add("ttl.test. 2 IN A 192.0.2.41");
	now_ms += 1500;
	resolve("sip:ttl.test:5060", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.40", 5060);
	ck_assert_uint_eq(res.t[0].ttl, 1);
	ck_assert_int_eq(srv.asked, before);
	dns_stats_get(dns, &st);
	ck_assert_uint_ge(st.cache_hits, 2);
	/* Past it: asked again, and the new address is followed. */
	now_ms += 600;
	resolve("sip:ttl.test:5060", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.41", 5060);
	ck_assert_int_eq(asked_for("ttl.test. A"), 2);

	/* The floor keeps a short TTL longer, the ceiling a long one less. */
	struct dns_cfg cfg = { .ttl_min = 10, .ttl_max = 100 };

	dns_restart(&cfg);
	zone_add("long.test. 86400 IN A 192.0.2.42");
	resolve("sip:ttl.test:5060", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.t[0].ttl, 2);	/* the record's own TTL */
	resolve("sip:long.test:5060", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.t[0].ttl, 100);
	before = srv.asked;
	now_ms += 9000;
	resolve("sip:ttl.test:5060", DNS_TP_ALL, &res);
	ck_assert_int_eq(srv.asked, before);
	now_ms += 1100;
	resolve("sip:ttl.test:5060", DNS_TP_ALL, &res);
	ck_assert_int_gt(srv.asked, before);
}
END_TEST

START_TEST(test_negative_cache)
{
	struct dns_stats st;
	int before;

	/* RFC 2308 5: the SOA minimum (30 s) bounds negative answers. */
	resolve("sip:gone.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, -ENOENT);
	before = srv.asked;
	ck_assert_int_gt(before, 0);
	now_ms += 29000;
	resolve("sip:gone.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, -ENOENT);
	ck_assert_int_eq(srv.asked, before);
	dns_stats_get(dns, &st);
	ck_assert_uint_ge(st.neg_hits, 1);
	zone_add("gone.test. 300 IN A 192.0.2.50");
	now_ms += 2000;
	resolve("sip:gone.test", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.50", 5060);
	/* Without a SOA record, nothing is cached. */
	ldns_rr_free(srv.soa);
	srv.soa = NULL;
	resolve("sip:nosoa.test:5060", DNS_TP_ALL, &res);
	before = srv.asked;
	resolve("sip:nosoa.test:5060", DNS_TP_ALL, &res);
	ck_assert_int_eq(srv.asked, before + 2);
}
END_TEST

START_TEST(test_merge)
{
	struct dns_stats st;

	zone_full();
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 done_cb, &res, NULL), 0);
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 done_cb, &res2, NULL), 0);
	for (int i = 0; i < 1000 && (!res.called || !res2.called); i++)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(res.called, 1);
	ck_assert_int_eq(res2.called, 1);
	ck_assert_uint_eq(res.n, 6);
	ck_assert_uint_eq(res2.n, 6);
	ck_assert_int_eq(asked_for("ex.test. NAPTR"), 1);
	ck_assert_int_eq(asked_for("a.ex.test. A"), 1);
	dns_stats_get(dns, &st);
	ck_assert_uint_ge(st.merged, 1);
	ck_assert_uint_eq(st.queries, (unsigned long)srv.asked);
}
END_TEST

START_TEST(test_timeout_and_failure)
{
	struct dns_cfg cfg = { .timeout_ms = 50, .attempts = 2 };
	struct dns_stats st;

	dns_restart(&cfg);
	srv.drop = 1;
	resolve("sip:slow.test:5060", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, -ETIMEDOUT);
	dns_stats_get(dns, &st);
	ck_assert_uint_eq(st.timeouts, 4);	/* A and AAAA, twice each */
	ck_assert_int_eq(srv.asked, 4);
	srv.drop = 0;
	srv.servfail = 1;
	resolve("sip:bad.test:5060", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, -EIO);
	dns_stats_get(dns, &st);
	ck_assert_uint_eq(st.failures, 2);
}
END_TEST

START_TEST(test_tcp_on_truncation)
{
	struct dns_stats st;

	zone_add("big.test. 300 IN A 192.0.2.60");
	srv.truncate = 1;
	resolve("sip:big.test:5060", DNS_TP_ALL, &res);
	ck_assert_int_eq(res.err, 0);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.60", 5060);
	ck_assert_int_eq(srv.tcp_asked, 2);
	dns_stats_get(dns, &st);
	ck_assert_uint_eq(st.tcp, 2);
}
END_TEST

START_TEST(test_avoid)
{
	struct dns_target failed;

	zone_add("av.test. 300 IN A 192.0.2.70");
	zone_add("av.test. 300 IN A 192.0.2.71");
	resolve("sip:av.test:5060", DNS_TP_ALL, &res);
	ck_assert_uint_eq(res.n, 2);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.70", 5060);
	failed = res.t[0];
	dns_target_failed(dns, &failed, 30);
	resolve("sip:av.test:5060", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.71", 5060);
	target_is(&res, 1, DNS_TP_UDP, "192.0.2.70", 5060);
	ck_assert_ptr_nonnull(strstr(trace, "avoid udp 192.0.2.70 port 5060"));
	/* Another transport to the same address is not avoided. */
	resolve("sip:av.test:5060;transport=tcp", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_TCP, "192.0.2.70", 5060);
	/* After the time given, back in place. */
	now_ms += 31000;
	resolve("sip:av.test:5060", DNS_TP_ALL, &res);
	target_is(&res, 0, DNS_TP_UDP, "192.0.2.70", 5060);
}
END_TEST

START_TEST(test_cancel)
{
	struct dns_sip_query *q, *q2;

	zone_full();
	srv.drop = 1;
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 done_cb, &res, &q), 0);
	/* Cancelled before it ran at all. */
	dns_sip_cancel(q);
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 done_cb, &res, &q), 0);
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 done_cb, &res2, &q2), 0);
	for (int i = 0; i < 5 && srv.asked == 0; i++)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(srv.asked, 1);
	/* Cancelled with a query on the wire (shared by the other). */
	dns_sip_cancel(q);
	srv.drop = 0;
	dns_close(dns);	/* cancels q2: no callback either */
	dns = NULL;
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(res.called, 0);
	ck_assert_int_eq(res2.called, 0);
}
END_TEST

static void close_cb(int err, const struct dns_target *t, size_t n,
		     void *arg)
{
	done_cb(err, t, n, arg);
	dns_close(dns);
	dns = NULL;
}

START_TEST(test_close_in_callback)
{
	zone_full();
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 close_cb, &res, NULL), 0);
	ck_assert_int_eq(dns_sip_resolve(dns, "sip:ex.test", DNS_TP_ALL,
					 done_cb, &res2, NULL), 0);
	for (int i = 0; i < 1000 && dns; i++)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_ptr_null(dns);
	ck_assert_int_eq(res.called, 1);
	ck_assert_uint_eq(res.n, 6);
	/*
	 * The other resolution, merged with the first, either finished
	 * before or was cancelled by the close: never called twice, never
	 * after the close.
	 */
	int before = res2.called;

	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_le(res2.called, 1);
	ck_assert_int_eq(res2.called, before);
}
END_TEST

START_TEST(test_trace)
{
	zone_full();
	resolve("sip:ex.test", DNS_TP_ALL, &res);
	ck_assert_ptr_nonnull(strstr(trace, "resolve sip:ex.test"));
	ck_assert_ptr_nonnull(strstr(trace, "NAPTR ex.test: choice 1: tls "
					    "_sips._tcp.ex.test"));
	ck_assert_ptr_nonnull(strstr(trace, "SRV _sip._udp.ex.test: priority "
					    "10 weight 0 port 5060"));
	ck_assert_ptr_nonnull(strstr(trace, "A a.ex.test: 192.0.2.1 ttl 60"));
	ck_assert_ptr_nonnull(strstr(trace, "target 6: tcp 192.0.2.1 port "
					    "5062"));
}
END_TEST

START_TEST(test_config)
{
	struct dns *d2;
	const char *bad[] = { "127.0.0.1:99999", NULL };
	const char *v6[] = { "[::1]:5353", "::1", "127.0.0.2", NULL };
	struct dns_cfg cfg = { .servers = bad };
	unsigned mask;
	char path[] = "/tmp/check_dns_resolv.XXXXXX";
	int fd;

	ck_assert_int_eq(dns_new(&loop, &cfg, &d2), -EINVAL);
	cfg.servers = v6;
	ck_assert_int_eq(dns_new(&loop, &cfg, &d2), 0);
	dns_close(d2);
	/* resolv.conf: nameserver lines only. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "# x\nsearch a\nnameserver 127.0.0.53\n",
			       35), 0);
	close(fd);
	cfg.servers = NULL;
	cfg.resolv_conf = path;
	ck_assert_int_eq(dns_new(&loop, &cfg, &d2), 0);
	dns_close(d2);
	unlink(path);
	cfg.resolv_conf = "/nonexistent/resolv.conf";
	ck_assert_int_eq(dns_new(&loop, &cfg, &d2), -ENOENT);
	ck_assert_int_eq(dns_tp_mask_parse("udp,TLS", &mask), 0);
	ck_assert_uint_eq(mask, DNS_TP_BIT(DNS_TP_UDP) |
					DNS_TP_BIT(DNS_TP_TLS));
	ck_assert_int_eq(dns_tp_mask_parse("udp,sctp", &mask), -EINVAL);
	ck_assert_int_eq(dns_tp_mask_parse("", &mask), -EINVAL);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("dns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_srv_weights);
	tcase_add_test(tc, test_srv_weight_zero);
	tcase_add_test(tc, test_naptr_order_filter);
	tcase_add_test(tc, test_srv_without_naptr);
	tcase_add_test(tc, test_address_defaults);
	tcase_add_test(tc, test_shortcuts);
	tcase_add_test(tc, test_additional_section);
	tcase_add_test(tc, test_cache_ttl);
	tcase_add_test(tc, test_negative_cache);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_timeout_and_failure);
	tcase_add_test(tc, test_tcp_on_truncation);
	tcase_add_test(tc, test_avoid);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_close_in_callback);
	tcase_add_test(tc, test_trace);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);
	return s;
}
