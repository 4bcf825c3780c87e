/*
 * Tests of UA dialogs (sbc/dlg.h, RFC 3261 12): route sets from the
 * seed's Expressway messages, loose and strict routing, early dialogs,
 * target refresh, CSeq order, matching and the errors.  Every request
 * the dialog prints is completed with Via, Max-Forwards and
 * Content-Length and parsed again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/buf.h"
#include "sbc/dlg.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
#include "sbc/str.h"

#define ck_assert_slice(s, want)                                           \
	do {                                                               \
		struct str s_ = (s);                                       \
		const char *w_ = (want);                                   \
		ck_assert_msg(s_.len == strlen(w_) &&                      \
			      (s_.len == 0 || memcmp(s_.p, w_, s_.len) == 0), \
			      "slice \"%.*s\" != \"%s\"", STR_FMT(s_), w_);  \
	} while (0)

#define ck_assert_slices_eq(a, b)                                          \
	do {                                                               \
		struct str a_ = (a), b_ = (b);                             \
		ck_assert_msg(str_eq(a_, b_), "\"%.*s\" != \"%.*s\"",      \
			      STR_FMT(a_), STR_FMT(b_));                   \
	} while (0)

/* A parsed message together with the bytes it points into. */
struct tmsg {
	char *text;
	struct sip_msg m;
};

static struct tmsg *tmsg_parse(char *text, size_t len)
{
	struct tmsg *t = malloc(sizeof(*t));
	const char *err = NULL;
	int rc;

	ck_assert_ptr_nonnull(t);
	t->text = text;
	rc = sip_msg_parse(&t->m, text, len, SIP_MSG_DATAGRAM, &err);
	ck_assert_msg(rc == 0, "parse: %s\n---\n%s---", err ? err : "-", text);
	return t;
}

static struct tmsg *tmsg(const char *text)
{
	char *p = strdup(text);

	ck_assert_ptr_nonnull(p);
	return tmsg_parse(p, strlen(p));
}

static struct tmsg *tmsg_file(const char *name)
{
	size_t len;
	char *p = check_read_data(name, &len);

	return tmsg_parse(p, len);
}

static void tmsg_free(struct tmsg *t)
{
	free(t->text);
	free(t);
}

/*
 * Completes a request printed by the dialog with what the caller adds
 * (Via, Max-Forwards, the empty body) and parses it as a stream message,
 * the strictest mode.
 */
static void finish_and_parse(struct buf *b, struct sip_msg *m)
{
	const char *err = NULL;
	int rc;

	sip_print_hdr(b, SIP_HDR_VIA,
		      STR("SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKdlgtest"));
	sip_print_hdr(b, SIP_HDR_MAX_FORWARDS, STR("70"));
	sip_print_body(b, STR_NULL, STR(""));
	ck_assert_int_eq(b->err, 0);
	rc = sip_msg_parse(m, b->p, b->len, SIP_MSG_STREAM, &err);
	ck_assert_msg(rc == 0, "re-parse: %s\n---\n%.*s---", err ? err : "-",
		      (int)b->len, b->p);
}

/* The n-th Route value of m (0-based), or an unset slice. */
static struct str route_at(const struct sip_msg *m, unsigned n)
{
	struct sip_vals it;
	struct str v;

	sip_vals_init(&it, m, SIP_HDR_ROUTE);
	while (sip_vals_next(&it, &v))
		if (n-- == 0)
			return v;
	return STR_NULL;
}

static struct str hdr_value(const struct sip_msg *m, enum sip_hdr_id id)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);

	ck_assert_ptr_nonnull(h);
	return h->value;
}

/* The Record-Route values of the seed 200 OK, in message order. */
static const char *const seed_rr[5] = {
	"<sip:l2sip-afra-02.wbx2.com:5062;transport=tls;lr>",
	"<sip:rr$n=net_sp_tls@icccppr3.emea.prv.webex.com:5061;transport=tls;lr>",
	"<sip:rr$n=net_me_tls@62.109.228.74:5061;transport=tls;lr;bypassvcs=true>",
	"<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@20.20.20.20:5061;transport=tls;lr>",
	"<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@192.168.20.20:5061;transport=tls;lr>",
};

START_TEST(test_seed_uac_route_set)
{
	struct tmsg *inv = tmsg_file("valid/seed-invite.sip");
	struct tmsg *ok = tmsg_file("valid/seed-200.sip");
	struct dlg *d = NULL;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &d), 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->state, DLG_CONFIRMED);
	ck_assert(d->uac);
	ck_assert(!d->secure);
	ck_assert_str_eq(d->call_id,
			 "c1a0e9b8-4d3f4e2a-9b1c0d2e-3f4a5b6c@10.10.10.10");
	ck_assert_str_eq(d->local_tag,
			 "283746~c1a0e9b8-4d3f-4e2a-9b1c-0d2e3f4a5b6c-27384756");
	ck_assert_str_eq(d->remote_tag, "8a9b0c1d2e3f");
	ck_assert_str_eq(d->local_uri, "<sip:5001@cucm.example.com>");
	ck_assert_str_eq(d->remote_uri, "<sip:999888777@tipsycollab.webex.com>");
	/* The Contact URI without ";isfocus", a header parameter. */
	ck_assert_str_eq(d->remote_target,
			 "sip:l2sip-UA@l2sip-afra-02.wbx2.com:5062;transport=tls");
	ck_assert_uint_eq(d->local_cseq, 101);
	ck_assert(!d->remote_cseq_set);
	/* RFC 3261 12.1.2: the response's Record-Route, reversed. */
	ck_assert_uint_eq(d->n_route, 5);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_str_eq(d->route[i], seed_rr[4 - i]);
	ck_assert_int_eq(dlg_match_response(d, &ok->m), 1);
	ck_assert_int_eq(dlg_match_request(d, &inv->m), 0);
	dlg_free(d);
	tmsg_free(inv);
	tmsg_free(ok);
}
END_TEST

START_TEST(test_seed_ack)
{
	static const char ack_start[] =
		"ACK sip:l2sip-UA@l2sip-afra-02.wbx2.com:5062;transport=tls SIP/2.0\r\n"
		"Route: <sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@192.168.20.20:5061;transport=tls;lr>\r\n"
		"Route: <sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@20.20.20.20:5061;transport=tls;lr>\r\n";
	struct tmsg *inv = tmsg_file("valid/seed-invite.sip");
	struct tmsg *ok = tmsg_file("valid/seed-200.sip");
	struct tmsg *ack = tmsg_file("valid/seed-ack.sip");
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b, hop;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &d), 0);
	buf_init(&b);
	buf_init(&hop);
	buf_put_cstr(&hop, "stale text that must go");
	ck_assert_int_eq(dlg_print_request(&b, d, STR("ACK"), 101, &hop), 0);
	/* The ACK carries its INVITE's number and leaves the counter. */
	ck_assert_uint_eq(d->local_cseq, 101);
	/* Loose routing: the request goes to the first route. */
	ck_assert_slice(buf_str(&hop),
			"sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@192.168.20.20:5061;transport=tls;lr");
	finish_and_parse(&b, &m);

	ck_assert_int_eq(m.method, SIP_METHOD_ACK);
	ck_assert_slices_eq(m.ruri.raw, ack->m.ruri.raw);
	ck_assert_slice(m.ruri.raw,
			"sip:l2sip-UA@l2sip-afra-02.wbx2.com:5062;transport=tls");
	/* All five routes in order; Expressway strips its own two, which
	 * come first, so the seed ACK shows the last three. */
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 5);
	ck_assert_uint_eq(sip_msg_count(&ack->m, SIP_HDR_ROUTE), 3);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_slice(route_at(&m, i), seed_rr[4 - i]);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_slices_eq(route_at(&m, i + 2), route_at(&ack->m, i));
	ck_assert_slice(route_at(&m, 0),
			"<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@192.168.20.20:5061;transport=tls;lr>");
	/* One Route value per line, canonical names. */
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_ROUTE)->name, "Route");
	ck_assert_int_eq(sip_msg_hdr(&m, SIP_HDR_ROUTE)->next >= 0, 1);
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CALL_ID)->name, "Call-ID");
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CSEQ)->name, "CSeq");
	/* From, To, Call-ID and CSeq are those of the seed ACK. */
	ck_assert_slices_eq(hdr_value(&m, SIP_HDR_FROM),
			    hdr_value(&ack->m, SIP_HDR_FROM));
	ck_assert_slices_eq(hdr_value(&m, SIP_HDR_TO),
			    hdr_value(&ack->m, SIP_HDR_TO));
	ck_assert_slices_eq(hdr_value(&m, SIP_HDR_CALL_ID),
			    hdr_value(&ack->m, SIP_HDR_CALL_ID));
	ck_assert_slices_eq(hdr_value(&m, SIP_HDR_CSEQ),
			    hdr_value(&ack->m, SIP_HDR_CSEQ));
	/* The start of the printed text, exactly. */
	ck_assert_uint_ge(b.len, sizeof(ack_start) - 1);
	ck_assert_int_eq(memcmp(b.p, ack_start, sizeof(ack_start) - 1), 0);

	/* A BYE then takes the next number. */
	buf_reset(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_uint_eq(m.cseq.num, 102);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_BYE);
	ck_assert_uint_eq(d->local_cseq, 102);
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 5);

	buf_free(&b);
	buf_free(&hop);
	dlg_free(d);
	tmsg_free(inv);
	tmsg_free(ok);
	tmsg_free(ack);
}
END_TEST

static const char uas_invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\r\n"
	"Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKa\r\n"
	"Record-Route: <sip:p2.example.com;lr>,\r\n"
	" \"Proxy One\" <sip:p1.example.com;lr>;x=1\r\n"
	"Record-Route: <sip:p0.example.com;lr;transport=tcp>\r\n"
	"Max-Forwards: 68\r\n"
	"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774;x=y\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>;expires=60\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

START_TEST(test_uas_route_set)
{
	struct tmsg *inv = tmsg(uas_invite);
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b, hop;

	ck_assert_int_eq(dlg_uas_new(&inv->m, STR("a6c85cf"), &d), 0);
	ck_assert_int_eq(d->state, DLG_EARLY);
	ck_assert(!d->uac);
	ck_assert_str_eq(d->local_tag, "a6c85cf");
	ck_assert_str_eq(d->remote_tag, "1928301774");
	ck_assert_str_eq(d->local_uri, "Bob <sip:bob@biloxi.example.com>");
	ck_assert_str_eq(d->remote_uri,
			 "\"Alice\" <sip:alice@atlanta.example.com>");
	ck_assert_str_eq(d->remote_target,
			 "sip:alice@pc33.atlanta.example.com;transport=udp");
	ck_assert(d->remote_cseq_set);
	ck_assert_uint_eq(d->remote_cseq, 314159);
	ck_assert_uint_eq(d->local_cseq, 0);
	/* RFC 3261 12.1.1: in order, over both lines, folds removed, the
	 * whole name-addr with its header parameters kept. */
	ck_assert_uint_eq(d->n_route, 3);
	ck_assert_str_eq(d->route[0], "<sip:p2.example.com;lr>");
	ck_assert_str_eq(d->route[1], "\"Proxy One\" <sip:p1.example.com;lr>;x=1");
	ck_assert_str_eq(d->route[2], "<sip:p0.example.com;lr;transport=tcp>");
	ck_assert_int_eq(dlg_confirm(d, NULL), 0);
	ck_assert_int_eq(d->state, DLG_CONFIRMED);

	buf_init(&b);
	buf_init(&hop);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, &hop), 0);
	ck_assert_slice(buf_str(&hop), "sip:p2.example.com;lr");
	finish_and_parse(&b, &m);
	ck_assert_int_eq(m.method, SIP_METHOD_BYE);
	ck_assert_slice(m.ruri.raw,
			"sip:alice@pc33.atlanta.example.com;transport=udp");
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 3);
	ck_assert_slice(route_at(&m, 0), "<sip:p2.example.com;lr>");
	ck_assert_slice(route_at(&m, 1), "\"Proxy One\" <sip:p1.example.com;lr>;x=1");
	ck_assert_slice(route_at(&m, 2), "<sip:p0.example.com;lr;transport=tcp>");
	/* The local side is From in requests it sends (12.2.1.1). */
	ck_assert_slice(hdr_value(&m, SIP_HDR_FROM),
			"Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
	ck_assert_slice(hdr_value(&m, SIP_HDR_TO),
			"\"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774");
	ck_assert_slice(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	/* The UAS's first request takes CSeq 1, the next 2. */
	ck_assert_uint_eq(m.cseq.num, 1);
	buf_reset(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("INFO"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_uint_eq(m.cseq.num, 2);
	ck_assert_slice(m.cseq.method_s, "INFO");
	/* The peer's requests match the dialog; ours do not. */
	ck_assert_int_eq(dlg_match_request(d, &m), 0);
	ck_assert_int_eq(dlg_match_request(d, &inv->m), 0);

	buf_free(&b);
	buf_free(&hop);
	dlg_free(d);
	tmsg_free(inv);
}
END_TEST

START_TEST(test_seed_uas_in_order)
{
	struct tmsg *inv = tmsg_file("valid/seed-invite.sip");
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b;

	ck_assert_int_eq(dlg_uas_new(&inv->m, STR("sbc1"), &d), 0);
	ck_assert_uint_eq(d->n_route, 2);
	ck_assert_str_eq(d->route[0],
			 "<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@20.20.20.20:5061;transport=tls;lr>");
	ck_assert_str_eq(d->route[1],
			 "<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@192.168.20.20:5061;transport=tls;lr>");
	ck_assert_str_eq(d->remote_target, "sip:5001@20.20.20.20:5061;transport=tls");
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_slice(route_at(&m, 0), d->route[0]);
	ck_assert_slice(route_at(&m, 1), d->route[1]);
	ck_assert_slice(m.to.tag,
			"283746~c1a0e9b8-4d3f-4e2a-9b1c-0d2e3f4a5b6c-27384756");
	ck_assert_slice(m.from.tag, "sbc1");
	buf_free(&b);
	dlg_free(d);
	tmsg_free(inv);
}
END_TEST

static const char uac_invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:sbc@192.0.2.1>;tag=loc1\r\n"
	"To: <sip:bob@biloxi.example.com>\r\n"
	"Call-ID: uac-1@192.0.2.1\r\n"
	"CSeq: 7 INVITE\r\n"
	"Contact: <sip:sbc@192.0.2.1:5060>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* A response to uac_invite with the given status line, To tag and extra
 * header lines. */
static struct tmsg *uac_rsp(const char *status, const char *to_tag,
			    const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "SIP/2.0 %s\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1\r\n"
		 "%s"
		 "From: <sip:sbc@192.0.2.1>;tag=loc1\r\n"
		 "To: <sip:bob@biloxi.example.com>%s%s\r\n"
		 "Call-ID: uac-1@192.0.2.1\r\n"
		 "CSeq: 7 INVITE\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 status, extra, to_tag ? ";tag=" : "", to_tag ? to_tag : "");
	return tmsg(text);
}

/* RFC 3261 13.2.2.4: the 2xx of another fork makes a dialog of its own,
 * built from the first one and the fork's answer alone. */
START_TEST(test_uac_fork)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *ok1 = uac_rsp("200 OK", "rem1",
		"Record-Route: <sip:p1.example.com;lr>\r\n"
		"Contact: <sip:bob@192.0.2.4:5062>\r\n");
	struct tmsg *ok2 = uac_rsp("200 OK", "rem2",
		"Record-Route: <sip:p2.example.com;lr>\r\n"
		"Record-Route: <sip:p3.example.com;lr>\r\n"
		"Contact: <sip:bob@192.0.2.5>\r\n");
	struct tmsg *nocontact = uac_rsp("200 OK", "rem3", "");
	struct tmsg *ringing = uac_rsp("180 Ringing", "rem4",
		"Contact: <sip:bob@192.0.2.6>\r\n");
	struct dlg *d = NULL, *f = NULL;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok1->m, &d), 0);
	ck_assert_int_eq(dlg_uac_fork(d, &ok2->m, &f), 0);
	ck_assert_int_eq(f->state, DLG_CONFIRMED);
	ck_assert(f->uac);
	ck_assert_str_eq(f->call_id, "uac-1@192.0.2.1");
	ck_assert_str_eq(f->local_tag, "loc1");
	ck_assert_str_eq(f->remote_tag, "rem2");
	ck_assert_str_eq(f->local_uri, d->local_uri);
	ck_assert_str_eq(f->remote_uri, "<sip:bob@biloxi.example.com>");
	ck_assert_str_eq(f->remote_target, "sip:bob@192.0.2.5");
	ck_assert_uint_eq(f->local_cseq, 7);
	ck_assert_uint_eq(f->n_route, 2);
	ck_assert_str_eq(f->route[0], "<sip:p3.example.com;lr>");
	ck_assert_int_eq(dlg_match_response(f, &ok2->m), 1);
	ck_assert_int_eq(dlg_match_response(f, &ok1->m), 0);
	dlg_free(f);
	/* A 2xx without Contact, or a provisional one, makes none. */
	ck_assert_int_eq(dlg_uac_fork(d, &nocontact->m, &f), -EINVAL);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(dlg_uac_fork(d, &ringing->m, &f), -EINVAL);
	ck_assert_ptr_null(f);
	dlg_free(d);
	tmsg_free(inv);
	tmsg_free(ok1);
	tmsg_free(ok2);
	tmsg_free(nocontact);
	tmsg_free(ringing);
}
END_TEST

START_TEST(test_strict_routing)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *ok = uac_rsp("200 OK", "rem1",
		"Record-Route: <sip:loose.example.com;lr>\r\n"
		"Record-Route: <sip:strict.example.com:5070;transport=tcp;method=INVITE?X-H=1>\r\n"
		"Contact: <sip:bob@192.0.2.4:5062>\r\n");
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b, hop;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &d), 0);
	ck_assert_uint_eq(d->n_route, 2);
	buf_init(&b);
	buf_init(&hop);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, &hop), 0);
	ck_assert_slice(buf_str(&hop),
			"sip:strict.example.com:5070;transport=tcp;method=INVITE?X-H=1");
	finish_and_parse(&b, &m);
	/* RFC 3261 12.2.1.1: the strict router is the Request-URI, without
	 * the method parameter and headers a Request-URI may not carry. */
	ck_assert_slice(m.ruri.raw, "sip:strict.example.com:5070;transport=tcp");
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 2);
	ck_assert_slice(route_at(&m, 0), "<sip:loose.example.com;lr>");
	ck_assert_slice(route_at(&m, 1), "<sip:bob@192.0.2.4:5062>");
	ck_assert_uint_eq(m.cseq.num, 8);
	buf_free(&b);
	buf_free(&hop);
	dlg_free(d);
	tmsg_free(ok);

	/* A lone strict router: only the remote target is left as Route. */
	ok = uac_rsp("200 OK", "rem1",
		     "Record-Route: <sip:10.0.0.9;maddr=10.0.0.10>\r\n"
		     "Contact: <sip:bob@192.0.2.4>\r\n");
	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &d), 0);
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("INFO"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_slice(m.ruri.raw, "sip:10.0.0.9;maddr=10.0.0.10");
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 1);
	ck_assert_slice(route_at(&m, 0), "<sip:bob@192.0.2.4>");
	buf_free(&b);
	dlg_free(d);
	tmsg_free(ok);
	tmsg_free(inv);
}
END_TEST

START_TEST(test_no_route_set)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *ok = uac_rsp("200 OK", "rem1",
				  "Contact: sip:bob@192.0.2.4;transport=tcp\r\n");
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b, hop;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &d), 0);
	ck_assert_uint_eq(d->n_route, 0);
	/* Without brackets the parameters belong to the header (20.10). */
	ck_assert_str_eq(d->remote_target, "sip:bob@192.0.2.4");
	buf_init(&b);
	buf_init(&hop);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, &hop), 0);
	ck_assert_slice(buf_str(&hop), "sip:bob@192.0.2.4");
	finish_and_parse(&b, &m);
	ck_assert_slice(m.ruri.raw, "sip:bob@192.0.2.4");
	ck_assert_ptr_null(sip_msg_hdr(&m, SIP_HDR_ROUTE));
	buf_free(&b);
	buf_free(&hop);
	dlg_free(d);
	tmsg_free(ok);
	tmsg_free(inv);
}
END_TEST

START_TEST(test_route_without_brackets)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *ok = uac_rsp("200 OK", "rem1",
		"Record-Route: sip:p9.example.com;lr\r\n"
		"Contact: <sip:bob@192.0.2.4>\r\n");
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &d), 0);
	ck_assert_uint_eq(d->n_route, 1);
	ck_assert_str_eq(d->route[0], "<sip:p9.example.com;lr>");
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	/* Loose routing: lr went inside the brackets. */
	ck_assert_slice(m.ruri.raw, "sip:bob@192.0.2.4");
	ck_assert_slice(route_at(&m, 0), "<sip:p9.example.com;lr>");
	buf_free(&b);
	dlg_free(d);
	tmsg_free(ok);
	tmsg_free(inv);
}
END_TEST

START_TEST(test_early_then_confirm)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *r183 = uac_rsp("183 Session Progress", "rem1",
		"Record-Route: <sip:e1.example.com;lr>, <sip:e2.example.com;lr>\r\n"
		"Contact: <sip:bob@192.0.2.5>\r\n");
	struct tmsg *r200 = uac_rsp("200 OK", "rem1",
		"Record-Route: <sip:c1.example.com;lr>\r\n"
		"Record-Route: <sip:c2.example.com;lr>\r\n"
		"Record-Route: <sip:c3.example.com;lr>\r\n"
		"Contact: <sip:bob@192.0.2.6>\r\n");
	struct tmsg *again = uac_rsp("200 OK", "rem1",
		"Record-Route: <sip:other.example.com;lr>\r\n"
		"Contact: <sip:bob@192.0.2.7>\r\n");
	struct tmsg *fork = uac_rsp("200 OK", "rem2",
		"Contact: <sip:carol@192.0.2.8>\r\n");
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b;

	ck_assert_int_eq(dlg_uac_new(&inv->m, &r183->m, &d), 0);
	ck_assert_int_eq(d->state, DLG_EARLY);
	ck_assert_uint_eq(d->n_route, 2);
	ck_assert_str_eq(d->route[0], "<sip:e2.example.com;lr>");
	ck_assert_str_eq(d->route[1], "<sip:e1.example.com;lr>");
	ck_assert_str_eq(d->remote_target, "sip:bob@192.0.2.5");
	/* A PRACK in the early dialog uses the early route set. */
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("PRACK"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_slice(route_at(&m, 0), "<sip:e2.example.com;lr>");
	ck_assert_slice(m.ruri.raw, "sip:bob@192.0.2.5");

	/* A 2xx of another fork is another dialog. */
	ck_assert_int_eq(dlg_confirm(d, &fork->m), -EINVAL);
	ck_assert_int_eq(d->state, DLG_EARLY);
	/* A 1xx does not confirm. */
	ck_assert_int_eq(dlg_confirm(d, &r183->m), -EINVAL);
	ck_assert_int_eq(d->state, DLG_EARLY);

	/* RFC 3261 13.2.2.4: the 2xx's route set replaces the early one. */
	ck_assert_int_eq(dlg_confirm(d, &r200->m), 0);
	ck_assert_int_eq(d->state, DLG_CONFIRMED);
	ck_assert_uint_eq(d->n_route, 3);
	ck_assert_str_eq(d->route[0], "<sip:c3.example.com;lr>");
	ck_assert_str_eq(d->route[1], "<sip:c2.example.com;lr>");
	ck_assert_str_eq(d->route[2], "<sip:c1.example.com;lr>");
	ck_assert_str_eq(d->remote_target, "sip:bob@192.0.2.6");

	/* Afterwards nothing changes the route set (12.2). */
	ck_assert_int_eq(dlg_confirm(d, &again->m), 0);
	ck_assert_uint_eq(d->n_route, 3);
	ck_assert_str_eq(d->route[0], "<sip:c3.example.com;lr>");
	ck_assert_str_eq(d->remote_target, "sip:bob@192.0.2.6");

	buf_reset(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("ACK"), 7, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 3);
	ck_assert_slice(route_at(&m, 0), "<sip:c3.example.com;lr>");
	ck_assert_slice(route_at(&m, 2), "<sip:c1.example.com;lr>");
	ck_assert_slice(m.ruri.raw, "sip:bob@192.0.2.6");
	ck_assert_uint_eq(m.cseq.num, 7);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_ACK);

	buf_free(&b);
	dlg_free(d);
	tmsg_free(inv);
	tmsg_free(r183);
	tmsg_free(r200);
	tmsg_free(again);
	tmsg_free(fork);
}
END_TEST

START_TEST(test_early_without_contact)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *r180 = uac_rsp("180 Ringing", "rem1",
				    "Record-Route: <sip:e1.example.com;lr>\r\n");
	struct tmsg *r200 = uac_rsp("200 OK", "rem1",
				    "Record-Route: <sip:c1.example.com;lr>\r\n");
	struct dlg *d = NULL;

	/* The 180 makes an early dialog aimed at the Request-URI. */
	ck_assert_int_eq(dlg_uac_new(&inv->m, &r180->m, &d), 0);
	ck_assert_str_eq(d->remote_target, "sip:bob@biloxi.example.com");
	/* A 2xx without Contact confirms nothing and changes nothing. */
	ck_assert_int_eq(dlg_confirm(d, &r200->m), -EINVAL);
	ck_assert_int_eq(d->state, DLG_EARLY);
	ck_assert_uint_eq(d->n_route, 1);
	ck_assert_str_eq(d->route[0], "<sip:e1.example.com;lr>");
	dlg_free(d);
	/* Nor does it make a dialog. */
	d = (struct dlg *)1;
	ck_assert_int_eq(dlg_uac_new(&inv->m, &r200->m, &d), -EINVAL);
	ck_assert_ptr_null(d);
	tmsg_free(inv);
	tmsg_free(r180);
	tmsg_free(r200);
}
END_TEST

START_TEST(test_errors)
{
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *no_tag = uac_rsp("200 OK", NULL,
				      "Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *early_no_tag = uac_rsp("180 Ringing", NULL,
					    "Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *trying = uac_rsp("100 Trying", "rem1", "");
	struct tmsg *busy = uac_rsp("486 Busy Here", "rem1", "");
	struct tmsg *bad_rr = uac_rsp("200 OK", "rem1",
		"Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr\r\n"
		"Contact: <sip:bob@192.0.2.4>\r\n");
	struct tmsg *star = uac_rsp("200 OK", "rem1",
		"Record-Route: <sip:p1.example.com;lr>\r\n"
		"Contact: *\r\n");
	struct tmsg *in_dialog = tmsg(
		"BYE sip:bob@192.0.2.4 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKe1\r\n"
		"From: <sip:a@example.com>;tag=f1\r\n"
		"To: <sip:b@example.com>;tag=t1\r\n"
		"Call-ID: e1@example.com\r\n"
		"CSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n");
	struct tmsg *no_contact = tmsg(
		"INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKe2\r\n"
		"Record-Route: <sip:p1.example.com;lr>\r\n"
		"From: <sip:a@example.com>;tag=f1\r\n"
		"To: <sip:b@example.com>\r\n"
		"Call-ID: e2@example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n");
	struct dlg *d = (struct dlg *)1;

	/* RFC 3261 12.1.2: no To tag, no dialog. */
	ck_assert_int_eq(dlg_uac_new(&inv->m, &no_tag->m, &d), -EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(dlg_uac_new(&inv->m, &early_no_tag->m, &d), -EINVAL);
	/* 100 and final non-2xx responses make none either (12.1). */
	ck_assert_int_eq(dlg_uac_new(&inv->m, &trying->m, &d), -EINVAL);
	ck_assert_int_eq(dlg_uac_new(&inv->m, &busy->m, &d), -EINVAL);
	/* Request and response swapped. */
	ck_assert_int_eq(dlg_uac_new(&busy->m, &inv->m, &d), -EINVAL);
	/* Bad values fail after allocations, which must not leak. */
	ck_assert_int_eq(dlg_uac_new(&inv->m, &bad_rr->m, &d), -EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(dlg_uac_new(&inv->m, &star->m, &d), -EINVAL);
	ck_assert_ptr_null(d);
	/* UAS: a tag is needed, the request must be outside a dialog and
	 * carry a Contact (8.1.1.8). */
	ck_assert_int_eq(dlg_uas_new(&inv->m, STR(""), &d), -EINVAL);
	ck_assert_int_eq(dlg_uas_new(&in_dialog->m, STR("x"), &d), -EINVAL);
	ck_assert_int_eq(dlg_uas_new(&no_contact->m, STR("x"), &d), -EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(dlg_uas_new(&busy->m, STR("x"), &d), -EINVAL);

	tmsg_free(inv);
	tmsg_free(no_tag);
	tmsg_free(early_no_tag);
	tmsg_free(trying);
	tmsg_free(busy);
	tmsg_free(bad_rr);
	tmsg_free(star);
	tmsg_free(in_dialog);
	tmsg_free(no_contact);
}
END_TEST

/* An in-dialog request from the peer of a UAS dialog made from
 * uas_invite, with the given method, CSeq, tags and extra lines. */
static struct tmsg *peer_req(const char *method, unsigned cseq,
			     const char *from_tag, const char *to_tag,
			     const char *call_id, const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "%s sip:bob@192.0.2.4 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKr%u\r\n"
		 "From: <sip:alice@atlanta.example.com>%s%s\r\n"
		 "To: <sip:bob@biloxi.example.com>%s%s\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u %s\r\n"
		 "%s"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 method, cseq, from_tag ? ";tag=" : "", from_tag ? from_tag : "",
		 to_tag ? ";tag=" : "", to_tag ? to_tag : "", call_id, cseq,
		 method, extra);
	return tmsg(text);
}

#define CID "a84b4c76e66710@pc33.atlanta.example.com"

static struct dlg *uas_dlg(void)
{
	struct tmsg *inv = tmsg(uas_invite);
	struct dlg *d = NULL;

	ck_assert_int_eq(dlg_uas_new(&inv->m, STR("a6c85cf"), &d), 0);
	ck_assert_int_eq(dlg_confirm(d, NULL), 0);
	tmsg_free(inv);
	return d;
}

/* Runs dlg_remote_cseq on a fresh peer request. */
static int cseq_check(struct dlg *d, const char *method, unsigned n)
{
	struct tmsg *t = peer_req(method, n, "1928301774", "a6c85cf", CID, "");
	int rc = dlg_remote_cseq(d, &t->m);

	tmsg_free(t);
	return rc;
}

START_TEST(test_remote_cseq)
{
	struct dlg *d = uas_dlg();
	struct tmsg *inv = tmsg(uac_invite);
	struct tmsg *ok = uac_rsp("200 OK", "rem1",
				  "Contact: <sip:bob@192.0.2.4>\r\n");
	struct dlg *u = NULL;

	ck_assert_uint_eq(d->remote_cseq, 314159);
	/* RFC 3261 12.2.2: lower is out of order and is not recorded. */
	ck_assert_int_eq(cseq_check(d, "BYE", 314158), -ERANGE);
	ck_assert_uint_eq(d->remote_cseq, 314159);
	/* ACK and CANCEL are not checked and not recorded. */
	ck_assert_int_eq(cseq_check(d, "ACK", 314159), 0);
	ck_assert_int_eq(cseq_check(d, "ACK", 5), 0);
	ck_assert_int_eq(cseq_check(d, "CANCEL", 5), 0);
	ck_assert_uint_eq(d->remote_cseq, 314159);
	/* Higher is recorded; equal is not out of order. */
	ck_assert_int_eq(cseq_check(d, "INVITE", 314160), 0);
	ck_assert_uint_eq(d->remote_cseq, 314160);
	ck_assert_int_eq(cseq_check(d, "INFO", 314160), 0);
	ck_assert_int_eq(cseq_check(d, "INFO", 314159), -ERANGE);
	ck_assert_int_eq(cseq_check(d, "BYE", 4000000000u), 0);
	ck_assert_uint_eq(d->remote_cseq, 4000000000u);
	dlg_free(d);

	/* A UAC dialog starts with an empty remote number: anything goes
	 * first, then order holds. */
	ck_assert_int_eq(dlg_uac_new(&inv->m, &ok->m, &u), 0);
	ck_assert(!u->remote_cseq_set);
	ck_assert_int_eq(cseq_check(u, "INFO", 1), 0);
	ck_assert(u->remote_cseq_set);
	ck_assert_uint_eq(u->remote_cseq, 1);
	ck_assert_int_eq(cseq_check(u, "INFO", 0), -ERANGE);
	dlg_free(u);
	tmsg_free(inv);
	tmsg_free(ok);
}
END_TEST

START_TEST(test_local_cseq_limit)
{
	struct dlg *d = uas_dlg();
	struct sip_msg m;
	struct buf b;

	d->local_cseq = UINT32_MAX - 1;
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("INFO"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_uint_eq(m.cseq.num, UINT32_MAX);
	buf_reset(&b);
	/* The counter would wrap: refused, and nothing printed. */
	ck_assert_int_eq(dlg_print_request(&b, d, STR("INFO"), 0, NULL), -ERANGE);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(d->local_cseq, UINT32_MAX);
	/* A given number (ACK, CANCEL) still prints. */
	ck_assert_int_eq(dlg_print_request(&b, d, STR("ACK"), 5, NULL), 0);
	buf_free(&b);
	dlg_free(d);
}
END_TEST

START_TEST(test_match)
{
	struct dlg *d = uas_dlg();
	struct tmsg *t;

	t = peer_req("BYE", 314160, "1928301774", "a6c85cf", CID, "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 1);
	/* A request is no response. */
	ck_assert_int_eq(dlg_match_response(d, &t->m), 0);
	tmsg_free(t);
	/* Tags compare case-insensitively (RFC 3261 7.3.1). */
	t = peer_req("BYE", 314160, "1928301774", "A6C85CF", CID, "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 1);
	tmsg_free(t);
	/* Call-IDs byte by byte (20.8). */
	t = peer_req("BYE", 314160, "1928301774", "a6c85cf",
		     "A84B4C76E66710@pc33.atlanta.example.com", "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);
	t = peer_req("BYE", 314160, "1928301774", "other", CID, "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);
	t = peer_req("BYE", 314160, "1928301775", "a6c85cf", CID, "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);
	t = peer_req("BYE", 314160, "1928301774", NULL, CID, "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);
	/* Tags swapped: a request this side would send. */
	t = peer_req("BYE", 314160, "a6c85cf", "1928301774", CID, "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);

	/* Responses to our requests: From carries the local tag. */
	t = tmsg("SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKx\r\n"
		 "From: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		 "To: <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		 "Call-ID: " CID "\r\n"
		 "CSeq: 1 BYE\r\n"
		 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(dlg_match_response(d, &t->m), 1);
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);
	t = tmsg("SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKx\r\n"
		 "From: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		 "To: <sip:alice@atlanta.example.com>;tag=other\r\n"
		 "Call-ID: " CID "\r\n"
		 "CSeq: 1 BYE\r\n"
		 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(dlg_match_response(d, &t->m), 0);
	tmsg_free(t);
	dlg_free(d);
}
END_TEST

START_TEST(test_null_remote_tag)
{
	struct tmsg *inv = peer_req("INVITE", 1, NULL, NULL, "old@example.com",
				    "Contact: <sip:alice@192.0.2.2>\r\n");
	struct tmsg *t;
	struct sip_msg m;
	struct dlg *d = NULL;
	struct buf b;

	/* RFC 3261 12.1.1: an RFC 2543 peer without From tag. */
	ck_assert_int_eq(dlg_uas_new(&inv->m, STR("new1"), &d), 0);
	ck_assert_ptr_null(d->remote_tag);
	t = peer_req("BYE", 2, NULL, "new1", "old@example.com", "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 1);
	tmsg_free(t);
	t = peer_req("BYE", 2, "x", "new1", "old@example.com", "");
	ck_assert_int_eq(dlg_match_request(d, &t->m), 0);
	tmsg_free(t);
	/* The To of our requests then has no tag (12.2.1.1). */
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_slice(hdr_value(&m, SIP_HDR_TO), "<sip:alice@atlanta.example.com>");
	ck_assert(!str_isset(m.to.tag));
	ck_assert_slice(m.from.tag, "new1");
	buf_free(&b);
	dlg_free(d);
	tmsg_free(inv);
}
END_TEST

START_TEST(test_refresh_target)
{
	struct dlg *d = uas_dlg();
	struct sip_msg m;
	struct tmsg *t;
	struct buf b;

	/* A re-INVITE's Contact replaces the remote target (12.2.2). */
	t = peer_req("INVITE", 314160, "1928301774", "a6c85cf", CID,
		     "Contact: \"A\" <sip:alice@192.0.2.50:5070;transport=tcp>;expires=5\r\n");
	ck_assert_int_eq(dlg_refresh_target(d, &t->m), 0);
	ck_assert_str_eq(d->remote_target, "sip:alice@192.0.2.50:5070;transport=tcp");
	tmsg_free(t);
	/* INFO is no target refresh. */
	t = peer_req("INFO", 314161, "1928301774", "a6c85cf", CID,
		     "Contact: <sip:alice@192.0.2.51>\r\n");
	ck_assert_int_eq(dlg_refresh_target(d, &t->m), 0);
	ck_assert_str_eq(d->remote_target, "sip:alice@192.0.2.50:5070;transport=tcp");
	tmsg_free(t);
	/* An UPDATE without Contact changes nothing. */
	t = peer_req("UPDATE", 314162, "1928301774", "a6c85cf", CID, "");
	ck_assert_int_eq(dlg_refresh_target(d, &t->m), 0);
	ck_assert_str_eq(d->remote_target, "sip:alice@192.0.2.50:5070;transport=tcp");
	tmsg_free(t);
	/* A bad Contact is refused and changes nothing. */
	t = peer_req("UPDATE", 314163, "1928301774", "a6c85cf", CID,
		     "Contact: *\r\n");
	ck_assert_int_eq(dlg_refresh_target(d, &t->m), -EINVAL);
	ck_assert_str_eq(d->remote_target, "sip:alice@192.0.2.50:5070;transport=tcp");
	tmsg_free(t);

	/* The 2xx to our UPDATE refreshes too (12.2.1.2); a 1xx does not. */
	t = tmsg("SIP/2.0 180 Ringing\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKx\r\n"
		 "From: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		 "To: <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		 "Call-ID: " CID "\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Contact: <sip:alice@192.0.2.52>\r\n"
		 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(dlg_refresh_target(d, &t->m), 0);
	ck_assert_str_eq(d->remote_target, "sip:alice@192.0.2.50:5070;transport=tcp");
	tmsg_free(t);
	t = tmsg("SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKx\r\n"
		 "From: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		 "To: <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		 "Call-ID: " CID "\r\n"
		 "CSeq: 2 UPDATE\r\n"
		 "Contact: <sip:alice@192.0.2.53>\r\n"
		 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(dlg_refresh_target(d, &t->m), 0);
	ck_assert_str_eq(d->remote_target, "sip:alice@192.0.2.53");
	tmsg_free(t);

	/* The next request goes there; the route set stays. */
	buf_init(&b);
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, NULL), 0);
	finish_and_parse(&b, &m);
	ck_assert_slice(m.ruri.raw, "sip:alice@192.0.2.53");
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 3);
	ck_assert_slice(route_at(&m, 0), "<sip:p2.example.com;lr>");
	buf_free(&b);
	dlg_free(d);
}
END_TEST

START_TEST(test_print_fixed_buffer)
{
	struct dlg *d = uas_dlg();
	char mem[64];
	struct buf b;

	/* A fixed buffer that is too small reports its error. */
	buf_init_fixed(&b, mem, sizeof(mem));
	ck_assert_int_eq(dlg_print_request(&b, d, STR("BYE"), 0, NULL), -ENOBUFS);
	dlg_free(d);
	dlg_free(NULL);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("dlg");
	TCase *tc = tcase_create("create");
	TCase *tr = tcase_create("requests");

	tcase_add_test(tc, test_seed_uac_route_set);
	tcase_add_test(tc, test_seed_uas_in_order);
	tcase_add_test(tc, test_uas_route_set);
	tcase_add_test(tc, test_early_then_confirm);
	tcase_add_test(tc, test_early_without_contact);
	tcase_add_test(tc, test_route_without_brackets);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_null_remote_tag);
	suite_add_tcase(s, tc);

	tcase_add_test(tr, test_seed_ack);
	tcase_add_test(tr, test_strict_routing);
	tcase_add_test(tr, test_uac_fork);
	tcase_add_test(tr, test_no_route_set);
	tcase_add_test(tr, test_remote_cseq);
	tcase_add_test(tr, test_local_cseq_limit);
	tcase_add_test(tr, test_match);
	tcase_add_test(tr, test_refresh_target);
	tcase_add_test(tr, test_print_fixed_buffer);
	suite_add_tcase(s, tr);
	return s;
}
