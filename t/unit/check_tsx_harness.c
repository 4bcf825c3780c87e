/*
 * The harness of the transaction tests (check_tsx.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_tsx.h"

uint64_t now;
struct tmr_heap heap;
struct tsx_layer *L;
struct tsx_cfg cfg;


struct sent *out;
size_t n_out;
static size_t cap_out;
long send_calls, fail_at = -1;
int fail_rc;
struct tp *fwd_tp;

static int send_fn(void *ctx, const struct tp_dest *d, const void *p,
		   size_t len)
{
	const char *err = NULL;
	struct sent *s;

	(void)ctx;
	if (send_calls++ == fail_at)
		return fail_rc;
	if (n_out == cap_out) {
		cap_out = cap_out ? 2 * cap_out : 64;
		out = realloc(out, cap_out * sizeof(*out));
		ck_assert_ptr_nonnull(out);
	}
	s = &out[n_out++];
	s->d = *d;
	s->p = malloc(len);
	memcpy(s->p, p, len);
	s->len = len;
	s->at = now;
	s->m = malloc(sizeof(*s->m));
	ck_assert_msg(sip_msg_parse(s->m, s->p, len, SIP_MSG_STREAM, &err) ==
			      0,
		      "sent message does not parse: %s\n%.*s", err, (int)len,
		      (const char *)p);
	return fwd_tp ? tp_send(fwd_tp, d, p, len) : 0;
}

const struct sip_msg *sent(size_t i)
{
	ck_assert_uint_lt(i, n_out);
	return out[i].m;
}

const struct sip_msg *last_sent(void)
{
	ck_assert_uint_gt(n_out, 0);
	return out[n_out - 1].m;
}

/* Whether sent message i is a request of method what or a response of
 * status what ("INVITE", "486"). */
static int sent_is(size_t i, const char *what)
{
	const struct sip_msg *m = out[i].m;

	if (m->is_request)
		return str_eq(m->method_s, str_cstr(what));
	return m->status == (unsigned)atoi(what);
}

/* The times at which messages matching what left; returns how many. */
size_t sent_times(const char *what, uint64_t *v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_out; i++)
		if (sent_is(i, what) && n < max)
			v[n++] = out[i].at;
	return n;
}

size_t count_sent(const char *what)
{
	size_t n = 0;

	for (size_t i = 0; i < n_out; i++)
		n += sent_is(i, what);
	return n;
}

/* Advances the clock to t, firing each timer at its own expiry. */
void run_to(uint64_t t)
{
	while (tmr_heap_next(&heap) <= t) {
		uint64_t next = tmr_heap_next(&heap);

		if (next > now)
			now = next;
		tmr_heap_run(&heap, now);
	}
	if (t > now)
		now = t;
	tmr_heap_run(&heap, now);
}

struct user_log U;

static void u_request(void *arg, struct tsx *st, const struct sip_msg *m,
		      const struct tp_src *src)
{
	(void)arg;
	(void)src;
	ck_assert_ptr_eq(m, tsx_request(st));
	ck_assert_int_lt(U.n_req, 64);
	/* The user keeps a reference past termination, unless told not
	 * to: then reqs[] are only good for comparing pointers. */
	if (!U.no_keep)
		tsx_ref(st);
	U.reqs[U.n_req++] = st;
	if (U.answer)
		ck_assert_int_eq(tsx_respond_simple(st, U.answer, STR_NULL,
						    str_cstr(U.answer_tag)),
				 0);
}

static void u_ack(void *arg, struct tsx *st, const struct sip_msg *m,
		  const struct tp_src *src)
{
	(void)arg;
	(void)src;
	ck_assert_int_eq(m->method, SIP_METHOD_ACK);
	U.n_ack++;
	U.ack_st = st;
}

static void u_cancel(void *arg, struct tsx *st, const struct sip_msg *m)
{
	(void)arg;
	ck_assert_int_eq(m->method, SIP_METHOD_CANCEL);
	U.n_cancel++;
	U.cancel_st = st;
}

static void u_stray(void *arg, const struct sip_msg *m,
		    const struct tp_src *src)
{
	(void)arg;
	(void)src;
	U.n_stray++;
	U.stray_status = m->status;
}

static void u_done(void *arg, struct tsx *st)
{
	(void)arg;
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	U.n_done++;
	U.done_st = st;
}

static const struct tsx_user user = {
	.request = u_request,
	.ack = u_ack,
	.cancel = u_cancel,
	.stray_response = u_stray,
	.server_done = u_done,
};

struct client_log C;

static void c_response(struct tsx *ct, const struct sip_msg *m, void *arg)
{
	(void)ct;
	ck_assert_ptr_eq(arg, &C);
	ck_assert_int_lt(C.n, 64);
	C.st[C.n++] = m->status;
}

static void c_failed(struct tsx *ct, enum tsx_fail why, int err, void *arg)
{
	(void)ct;
	(void)arg;
	C.n_failed++;
	C.why = why;
	C.err = err;
}

static void c_terminated(struct tsx *ct, void *arg)
{
	(void)arg;
	ck_assert_int_eq(tsx_state(ct), TSX_TERMINATED);
	C.n_term++;
}

const struct tsx_client_cb ccb = {
	.response = c_response,
	.failed = c_failed,
	.terminated = c_terminated,
};

void layer_make(void)
{
	ck_assert_int_eq(tsx_layer_new(&cfg, &heap, send_fn, NULL, &user,
				       NULL, &L),
			 0);
}

void setup(void)
{
	now = 0;
	tmr_heap_init(&heap);
	n_out = 0;
	send_calls = 0;
	fail_at = -1;
	fwd_tp = NULL;
	memset(&U, 0, sizeof(U));
	memset(&C, 0, sizeof(C));
	tsx_cfg_default(&cfg);
	layer_make();
}

void teardown(void)
{
	tsx_layer_free(L);
	L = NULL;
	for (int i = 0; i < U.n_req; i++)
		if (!U.no_keep)
			tsx_unref(U.reqs[i]);
	for (size_t i = 0; i < n_out; i++) {
		free(out[i].p);
		free(out[i].m);
	}
	free(out);
	out = NULL;
	n_out = cap_out = 0;
	tmr_heap_free(&heap);
}

char fake_lsn;

void addr_set(union tp_sockaddr *ss, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
}

struct tp_src src_of(enum tp_proto p, const char *ip, uint16_t port)
{
	struct tp_src s;

	memset(&s, 0, sizeof(s));
	s.proto = p;
	s.lsn = (struct tp_lsn *)(void *)&fake_lsn;
	addr_set(&s.peer, ip, port);
	addr_set(&s.local, "192.0.2.1", 5060);
	return s;
}

struct tp_dest dest_of(enum tp_proto p, const char *ip, uint16_t port)
{
	struct tp_dest d;

	memset(&d, 0, sizeof(d));
	d.proto = p;
	d.realm = "external";
	addr_set(&d.addr, ip, port);
	return d;
}

int addr_is(const union tp_sockaddr *ss, const char *ip, uint16_t port)
{
	union tp_sockaddr want;

	addr_set(&want, ip, port);
	return tp_addr_eq(&ss->sa, &want.sa);
}

char *rq_text(const struct rq *r)
{
	const char *method = r->method ? r->method : "INVITE";
	char *p = NULL;
	int n;

	n = asprintf(&p,
		     "%s %s SIP/2.0\r\n"
		     "Via: %s\r\n"
		     "%s%s%s"
		     "Max-Forwards: 70\r\n"
		     "From: \"Alice\" <sip:alice@example.com>;tag=%s\r\n"
		     "To: <sip:bob@example.com>%s%s\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %u %s\r\n"
		     "%s"
		     "Content-Length: 0\r\n\r\n",
		     method, r->ruri ? r->ruri : "sip:bob@192.0.2.20",
		     r->via ? r->via
			    : "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKua1",
		     r->via2 ? "Via: " : "", r->via2 ? r->via2 : "",
		     r->via2 ? "\r\n" : "", r->from_tag ? r->from_tag : "a1",
		     r->to_tag ? ";tag=" : "", r->to_tag ? r->to_tag : "",
		     r->call_id ? r->call_id : "call-1@192.0.2.10",
		     r->cseq ? r->cseq : 1, method,
		     r->routes ? "Route: <sip:p1.example.net;lr>\r\n"
				 "Route: <sip:p2.example.net;lr>\r\n"
			       : "");
	ck_assert_int_gt(n, 0);
	return p;
}

/* Parses text and hands it to the layer as received from src. */
void recv_text(const struct tp_src *src, char *text)
{
	struct sip_msg *m = malloc(sizeof(*m));
	const char *err = NULL;

	ck_assert_msg(sip_msg_parse(m, text, strlen(text), SIP_MSG_DATAGRAM,
				    &err) == 0,
		      "test message does not parse: %s", err);
	tsx_layer_recv(L, m, src);
	free(m);
	free(text);
}

void recv_rq(const struct tp_src *src, const struct rq *r)
{
	recv_text(src, rq_text(r));
}

/* A response to the default client request: status, top-Via branch, To
 * tag (or none) and CSeq method. */
void recv_rs(unsigned status, const char *branch, const char *to_tag,
	     const char *cseq_method)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.20", 5060);
	char *p = NULL;

	ck_assert_int_gt(
		asprintf(&p,
			 "SIP/2.0 %u Whatever\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=%s\r\n"
			 "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
			 "To: <sip:bob@example.com>%s%s\r\n"
			 "Call-ID: call-1@192.0.2.10\r\n"
			 "CSeq: 1 %s\r\n"
			 "Content-Length: 0\r\n\r\n",
			 status, branch, to_tag ? ";tag=" : "",
			 to_tag ? to_tag : "", cseq_method),
		0);
	recv_text(&src, p);
}

static const char *proto_tok(enum tp_proto p)
{
	return p == TP_UDP ? "UDP" : p == TP_TCP ? "TCP" : "TLS";
}

/* Starts a client transaction for the default request with method,
 * branch and Route lines, to 192.0.2.20:5060 over proto. */
struct tsx *client(const char *method, const char *branch,
		   enum tp_proto proto)
{
	struct tp_dest d = dest_of(proto, "192.0.2.20", 5060);
	char via[128];
	struct tsx *ct = NULL;
	char *text;

	snprintf(via, sizeof(via), "SIP/2.0/%s 192.0.2.10:5060;branch=%s",
		 proto_tok(proto), branch);
	text = rq_text(&(struct rq){ .method = method, .via = via,
				     .routes = 1 });
	ck_assert_int_eq(tsx_client_start(L, &d, text, strlen(text), &ccb, &C,
					  &ct),
			 0);
	free(text);
	return ct;
}

/* Asserts that v[0..n) equals the want list of times. */
void times_are(const char *what, const uint64_t *want, size_t n)
{
	uint64_t t[64];
	size_t got = sent_times(what, t, 64);

	ck_assert_msg(got == n, "%s sent %zu times, want %zu", what, got, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(t[i] == want[i], "%s #%zu at %llu, want %llu",
			      what, i, (unsigned long long)t[i],
			      (unsigned long long)want[i]);
}

struct tsx_stats stats(void)
{
	struct tsx_stats s;

	tsx_layer_stats(L, &s);
	return s;
}

