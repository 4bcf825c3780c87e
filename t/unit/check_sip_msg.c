/*
 * Tests of whole-message parsing (sbc/sip_msg.h) over the corpus in
 * t/data/valid and t/data/invalid and over messages built here.
 *
 * Every expected value below is read off the input by hand, never copied
 * from the parser's output.  The file is long because it is mostly a
 * table of corpus cases, one test per message: the suite stays one program
 * per module, as the Makefile lists them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_uri.h"
#include "sbc/str.h"

#define ck_assert_slice(s, want)                                           \
	do {                                                               \
		struct str s_ = (s);                                       \
		const char *w_ = (want);                                   \
		ck_assert_msg(s_.len == strlen(w_) &&                      \
			      (s_.len == 0 || memcmp(s_.p, w_, s_.len) == 0), \
			      "slice \"%.*s\" != \"%s\"", STR_FMT(s_), w_);  \
	} while (0)

#define MODES_N 2
static const enum sip_msg_mode modes[MODES_N] = {
	SIP_MSG_DATAGRAM, SIP_MSG_STREAM
};

/* Loads t/data/<name> and parses it; the parse must succeed. */
static char *parse_file(const char *name, enum sip_msg_mode mode,
			struct sip_msg *m, size_t *lenp)
{
	const char *err = NULL;
	size_t len;
	char *p = check_read_data(name, &len);
	int rc;

	memset(m, 0xA5, sizeof(*m));
	rc = sip_msg_parse(m, p, len, mode, &err);
	ck_assert_msg(rc == 0, "%s (mode %d): rc %d: %s", name, (int)mode,
		      rc, err ? err : "(no reason)");
	if (lenp)
		*lenp = len;
	return p;
}

static int parse_buf(struct sip_msg *m, const char *p, size_t len,
		     enum sip_msg_mode mode, const char **err)
{
	*err = NULL;
	memset(m, 0xA5, sizeof(*m));
	return sip_msg_parse(m, p, len, mode, err);
}

/* Collects up to max values of header id with sip_vals. */
static unsigned collect(const struct sip_msg *m, enum sip_hdr_id id,
			struct str *out, unsigned max)
{
	struct sip_vals it;
	struct str v;
	unsigned n = 0;

	sip_vals_init(&it, m, id);
	while (sip_vals_next(&it, &v)) {
		ck_assert_msg(n < max, "more than %u values", max);
		out[n++] = v;
	}
	return n;
}

/*
 * The value with every run of white space that contains a line break
 * replaced by one space (RFC 3261 7.3.1), into dst.
 */
static struct str unfold(struct str v, char *dst, size_t n)
{
	size_t i = 0, o = 0;

	while (i < v.len) {
		char c = v.p[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			size_t j = i;
			int brk = 0;

			while (j < v.len && (v.p[j] == ' ' || v.p[j] == '\t' ||
					     v.p[j] == '\r' || v.p[j] == '\n')) {
				if (v.p[j] == '\r' || v.p[j] == '\n')
					brk = 1;
				j++;
			}
			if (brk) {
				ck_assert_uint_lt(o, n);
				dst[o++] = ' ';
			} else {
				ck_assert_uint_le(o + (j - i), n);
				memcpy(dst + o, v.p + i, j - i);
				o += j - i;
			}
			i = j;
		} else {
			ck_assert_uint_lt(o, n);
			dst[o++] = c;
			i++;
		}
	}
	return str_make(dst, o);
}

/*
 * Case-insensitive search for any of the '|'-separated keywords in
 * reason; a keyword starting with '=' is matched case-sensitively.
 */
static int reason_has(const char *reason, const char *keywords)
{
	const char *k = keywords;

	while (*k) {
		const char *e = strchr(k, '|');
		size_t kl = e ? (size_t)(e - k) : strlen(k);
		int cs = 0;
		const char *r;

		if (*k == '=') {
			cs = 1;
			k++;
			kl--;
		}
		for (r = reason; kl && strlen(r) >= kl; r++) {
			size_t i;

			for (i = 0; i < kl; i++) {
				char a = r[i], b = k[i];

				if (!cs) {
					a = (char)tolower((unsigned char)a);
					b = (char)tolower((unsigned char)b);
				}
				if (a != b)
					break;
			}
			if (i == kl)
				return 1;
		}
		if (!e)
			break;
		k = e + 1;
	}
	return 0;
}

/* ------------------------------------------------------------- seeds */

static const char *const seed_via[7] = {
	"SIP/2.0/TLS 20.20.20.20:5061;branch=z9hG4bK7f3a1c0e9b2d4a6f8e1c3b5d7f9a0c2e",
	"SIP/2.0/TLS 192.168.20.20:5073;branch=z9hG4bK5e2d8c1b4a7f0e3d6c9b2a5f8e1d4c7b;received=192.168.20.20",
	"SIP/2.0/TLS 192.168.10.10:5061;branch=z9hG4bK0a1b2c3d4e5f60718293a4b5c6d7e8f9;received=192.168.10.10",
	"SIP/2.0/TLS 10.10.10.20:5061;branch=z9hG4bK9f8e7d6c5b4a39281706f5e4d3c2b1a0;received=10.10.10.20",
	"SIP/2.0/TLS 10.10.10.20:5073;branch=z9hG4bK11223344556677889900aabbccddeeff;received=10.10.10.20",
	"SIP/2.0/TLS 10.10.10.20:5061;branch=z9hG4bKaabbccddeeff00112233445566778899;received=10.10.10.20",
	"SIP/2.0/TLS 10.10.10.10:5065;branch=z9hG4bK3c2a1e0f5d4b;received=10.10.10.10",
};

static const char *const seed_rr200[5] = {
	"<sip:l2sip-afra-02.wbx2.com:5062;transport=tls;lr>",
	"<sip:rr$n=net_sp_tls@icccppr3.emea.prv.webex.com:5061;transport=tls;lr>",
	"<sip:rr$n=net_me_tls@62.109.228.74:5061;transport=tls;lr;bypassvcs=true>",
	"<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@20.20.20.20:5061;transport=tls;lr>",
	"<sip:proxy-call-id=8f09a8f7-dd5a-4fca-91ea-fd4b6119ae8d@192.168.20.20:5061;transport=tls;lr>",
};

#define SEED_CALL_ID "c1a0e9b8-4d3f4e2a-9b1c0d2e-3f4a5b6c@10.10.10.10"
#define SEED_FROM_TAG "283746~c1a0e9b8-4d3f-4e2a-9b1c-0d2e3f4a5b6c-27384756"

START_TEST(test_seed_invite)
{
	struct sip_msg m;
	struct str v[16];
	size_t len;
	char *p = parse_file("valid/seed-invite.sip", modes[_i], &m, &len);
	unsigned i, n;

	ck_assert(m.is_request);
	ck_assert_int_eq(m.method, SIP_METHOD_INVITE);
	ck_assert_slice(m.method_s, "INVITE");
	ck_assert_int_eq(m.ruri.scheme, SIP_URI_SIP);
	ck_assert_slice(m.ruri.user, "999888777");
	ck_assert_slice(m.ruri.host, "tipsycollab.webex.com");

	n = collect(&m, SIP_HDR_VIA, v, 16);
	ck_assert_uint_eq(n, 7);
	for (i = 0; i < 7; i++)
		ck_assert_slice(v[i], seed_via[i]);
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_VIA), 7);

	/* The top Via is parsed eagerly. */
	ck_assert_slice(m.via.transport, "TLS");
	ck_assert_slice(m.via.host, "20.20.20.20");
	ck_assert_int_eq(m.via.host_type, SIP_HOST_IPV4);
	ck_assert_uint_eq(m.via.port, 5061);
	ck_assert_slice(m.via.branch, "z9hG4bK7f3a1c0e9b2d4a6f8e1c3b5d7f9a0c2e");

	n = collect(&m, SIP_HDR_RECORD_ROUTE, v, 16);
	ck_assert_uint_eq(n, 2);
	ck_assert_slice(v[0], seed_rr200[3]);
	ck_assert_slice(v[1], seed_rr200[4]);

	ck_assert_int_eq(m.max_forwards, 15);
	ck_assert_slice(m.call_id, SEED_CALL_ID);
	ck_assert_uint_eq(m.cseq.num, 101);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_INVITE);
	ck_assert_slice(m.from.tag, SEED_FROM_TAG);
	ck_assert_slice(m.from.uri.user, "5001");
	ck_assert_uint_eq(m.to.tag.len, 0);
	ck_assert_slice(m.to.uri_s, "sip:999888777@tipsycollab.webex.com");

	ck_assert_int_eq(m.content_length, (int64_t)m.body.len);
	ck_assert_uint_gt(m.body.len, 100);
	ck_assert_int_eq(memcmp(m.body.p, "v=0\r\no=tandberg ", 16), 0);
	/* The body runs to the end of the file. */
	ck_assert_ptr_eq(m.body.p + m.body.len, p + len);
	ck_assert_ptr_eq(m.raw.p, p);
	ck_assert_uint_eq(m.raw.len, len);
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CONTENT_TYPE)->value,
			"application/sdp");
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_USER_AGENT)->value,
			"TANDBERG/4352 (X14.0.2)");
	free(p);
}
END_TEST

START_TEST(test_seed_200)
{
	struct sip_msg m;
	struct str v[16];
	char *p = parse_file("valid/seed-200.sip", modes[_i], &m, NULL);
	unsigned i, n;

	ck_assert(!m.is_request);
	ck_assert_uint_eq(m.status, 200);
	ck_assert_slice(m.reason, "OK");
	n = collect(&m, SIP_HDR_VIA, v, 16);
	ck_assert_uint_eq(n, 7);
	for (i = 0; i < 7; i++)
		ck_assert_slice(v[i], seed_via[i]);
	n = collect(&m, SIP_HDR_RECORD_ROUTE, v, 16);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < 5; i++)
		ck_assert_slice(v[i], seed_rr200[i]);
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_RECORD_ROUTE), 5);
	/* Responses carry no Max-Forwards. */
	ck_assert_int_eq(m.max_forwards, -1);
	ck_assert_slice(m.to.tag, "8a9b0c1d2e3f");
	ck_assert_slice(m.from.tag, SEED_FROM_TAG);
	ck_assert_slice(m.call_id, SEED_CALL_ID);
	ck_assert_uint_eq(m.cseq.num, 101);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_INVITE);
	ck_assert_int_eq(m.content_length, (int64_t)m.body.len);
	ck_assert_int_eq(memcmp(m.body.p, "v=0\r\no=linus ", 13), 0);
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_REQUIRE)->value, "timer");
	free(p);
}
END_TEST

/*
 * RFC 3261 12.1.2: the UAC's route set is the Record-Route of the 2xx in
 * reverse order.  Expressway drops its own two entries (the ones it put
 * into the INVITE) when the ACK leaves it, so the ACK's Route headers are
 * the reversed list without them.
 */
START_TEST(test_seed_ack_route_is_reversed_record_route)
{
	struct sip_msg inv, ok, ack;
	struct str rr_inv[8], rr[8], route[8], rev[8];
	char *p1 = parse_file("valid/seed-invite.sip", modes[_i], &inv, NULL);
	char *p2 = parse_file("valid/seed-200.sip", modes[_i], &ok, NULL);
	char *p3 = parse_file("valid/seed-ack.sip", modes[_i], &ack, NULL);
	unsigned n_inv, n_rr, n_route, n_rev = 0, i, j;

	n_inv = collect(&inv, SIP_HDR_RECORD_ROUTE, rr_inv, 8);
	n_rr = collect(&ok, SIP_HDR_RECORD_ROUTE, rr, 8);
	n_route = collect(&ack, SIP_HDR_ROUTE, route, 8);
	ck_assert_uint_eq(n_inv, 2);
	ck_assert_uint_eq(n_rr, 5);
	ck_assert_uint_eq(n_route, 3);

	/* The INVITE's Record-Route entries are the last ones of the 200. */
	for (i = 0; i < n_inv; i++)
		ck_assert(str_eq(rr_inv[i], rr[n_rr - n_inv + i]));

	for (i = n_rr; i-- > 0;) {
		int own = 0;

		for (j = 0; j < n_inv; j++)
			if (str_eq(rr[i], rr_inv[j]))
				own = 1;
		if (!own)
			rev[n_rev++] = rr[i];
	}
	ck_assert_uint_eq(n_rev, n_route);
	for (i = 0; i < n_route; i++) {
		struct sip_addr a, b;
		const char *err = NULL;

		ck_assert_msg(str_eq(rev[i], route[i]),
			      "route %u: \"%.*s\" vs \"%.*s\"", i,
			      STR_FMT(rev[i]), STR_FMT(route[i]));
		ck_assert_int_eq(sip_addr_parse(&a, rev[i], &err), 0);
		ck_assert_int_eq(sip_addr_parse(&b, route[i], &err), 0);
		ck_assert(str_eq(a.uri_s, b.uri_s));
		ck_assert(sip_uri_is_lr(&b.uri));
		ck_assert_slice(sip_uri_transport(&b.uri), "tls");
	}
	/* The first hop of the ACK is Webex's edge, the last its L2SIP. */
	ck_assert_slice(route[0], seed_rr200[2]);
	ck_assert_slice(route[2], seed_rr200[0]);

	ck_assert_int_eq(ack.method, SIP_METHOD_ACK);
	ck_assert_int_eq(ack.cseq.method, SIP_METHOD_ACK);
	ck_assert_uint_eq(ack.cseq.num, ok.cseq.num);
	ck_assert(str_eq(ack.call_id, ok.call_id));
	ck_assert(str_eq(ack.to.tag, ok.to.tag));
	ck_assert_slice(ack.ruri.user, "l2sip-UA");
	ck_assert_slice(ack.ruri.host, "l2sip-afra-02.wbx2.com");
	ck_assert_uint_eq(ack.ruri.port, 5062);
	ck_assert_uint_eq(sip_msg_count(&ack, SIP_HDR_VIA), 2);
	ck_assert_int_eq(ack.content_length, 0);
	ck_assert_uint_eq(ack.body.len, 0);
	free(p1);
	free(p2);
	free(p3);
}
END_TEST

/* ------------------------------------------------------ typical INVITE */

START_TEST(test_invite_sdp)
{
	struct sip_msg m;
	struct str v[16];
	char *p = parse_file("valid/invite-sdp.sip", modes[_i], &m, NULL);
	const struct sip_hdr *h;

	ck_assert(m.is_request);
	ck_assert_int_eq(m.method, SIP_METHOD_INVITE);
	ck_assert_slice(m.ruri.raw, "sip:bob@biloxi.example.com");
	ck_assert_slice(m.via.transport, "UDP");
	ck_assert_slice(m.via.host, "pc33.atlanta.example.com");
	ck_assert_uint_eq(m.via.port, 5060);
	ck_assert_slice(m.via.branch, "z9hG4bK74bf9a3c");
	ck_assert(m.via.has_rport);
	ck_assert_uint_eq(m.via.rport.len, 0);
	ck_assert_int_eq(m.max_forwards, 70);
	ck_assert_slice(str_trim(m.to.display), "Bob");
	ck_assert_uint_eq(m.to.tag.len, 0);
	ck_assert_slice(m.from.display, "\"Alice\"");
	ck_assert_slice(m.from.tag, "9fxced76sl");
	ck_assert_slice(m.from.uri.host, "atlanta.example.com");
	ck_assert_slice(m.call_id, "3848276298220188511@pc33.atlanta.example.com");
	ck_assert_uint_eq(m.cseq.num, 314159);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_INVITE);
	ck_assert_uint_eq(collect(&m, SIP_HDR_ALLOW, v, 16), 9);
	ck_assert_slice(v[0], "INVITE");
	ck_assert_slice(v[8], "NOTIFY");
	h = sip_msg_hdr(&m, SIP_HDR_CONTACT);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:alice@pc33.atlanta.example.com:5060>");
	ck_assert_slice(h->name, "Contact");
	ck_assert_ptr_null(sip_msg_hdr_next(&m, h));
	ck_assert_ptr_null(sip_msg_hdr(&m, SIP_HDR_ROUTE));
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_ROUTE), 0);
	ck_assert_int_eq(m.content_length, 253);
	ck_assert_uint_eq(m.body.len, 253);
	ck_assert_int_eq(memcmp(m.body.p, "v=0\r\n", 5), 0);
	ck_assert_int_eq(memcmp(m.body.p + m.body.len - 12, "a=sendrecv\r\n", 12), 0);
	free(p);
}
END_TEST

/* ----------------------------------------------------- compact forms */

START_TEST(test_compact_forms)
{
	static const struct {
		const char *name;
		enum sip_hdr_id id;
		const char *value;
	} t[] = {
		{ "v", SIP_HDR_VIA, "SIP/2.0/TCP client.example.org:5070;branch=z9hG4bKcompact1" },
		{ "f", SIP_HDR_FROM, "\"Alice\" <sip:alice@example.org>;tag=cf1" },
		{ "t", SIP_HDR_TO, "<sip:bob@example.net>" },
		{ "i", SIP_HDR_CALL_ID, "compact-forms-0001@client.example.org" },
		{ "m", SIP_HDR_CONTACT, "<sip:alice@client.example.org:5070;transport=tcp>" },
		{ "s", SIP_HDR_SUBJECT, "every compact form" },
		{ "k", SIP_HDR_SUPPORTED, "100rel, timer" },
		{ "e", SIP_HDR_CONTENT_ENCODING, "identity" },
		{ "o", SIP_HDR_EVENT, "presence" },
		{ "u", SIP_HDR_ALLOW_EVENTS, "presence, dialog" },
		{ "r", SIP_HDR_REFER_TO, "<sip:carol@example.net>" },
		{ "b", SIP_HDR_REFERRED_BY, "<sip:alice@example.org>" },
		{ "a", SIP_HDR_ACCEPT_CONTACT, "*;audio" },
		{ "j", SIP_HDR_REJECT_CONTACT, "*;video" },
		{ "d", SIP_HDR_REQUEST_DISPOSITION, "proxy, recurse" },
		{ "x", SIP_HDR_SESSION_EXPIRES, "1800;refresher=uac" },
		{ "y", SIP_HDR_IDENTITY, "abc.def.ghi;info=<https://cert.example.org/a.cer>;alg=ES256;ppt=shaken" },
		{ "c", SIP_HDR_CONTENT_TYPE, "text/plain" },
		{ "l", SIP_HDR_CONTENT_LENGTH, "7" },
	};
	struct sip_msg m;
	char *p = parse_file("valid/compact.sip", modes[_i], &m, NULL);
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct sip_hdr *h = sip_msg_hdr(&m, t[i].id);

		ck_assert_msg(h != NULL, "%s: not found", t[i].name);
		ck_assert_slice(h->name, t[i].name);
		ck_assert_slice(h->value, t[i].value);
		ck_assert_uint_eq(h->id, t[i].id);
	}
	ck_assert_slice(m.via.host, "client.example.org");
	ck_assert_slice(m.from.tag, "cf1");
	ck_assert_slice(m.to.uri.user, "bob");
	ck_assert_slice(m.call_id, "compact-forms-0001@client.example.org");
	ck_assert_int_eq(m.method, SIP_METHOD_MESSAGE);
	ck_assert_int_eq(m.content_length, 7);
	ck_assert_slice(m.body, "hello\r\n");
	free(p);
}
END_TEST

/* -------------------------------------------- folds and multi-values */

START_TEST(test_folded_multi)
{
	struct sip_msg m;
	struct str v[8];
	char tmp[256];
	char *p = parse_file("valid/folded-multi.sip", modes[_i], &m, NULL);
	const struct sip_hdr *h;
	struct sip_via via;
	struct sip_addr a;
	const char *err = NULL;
	unsigned n;

	/* Two values on the first Via line, one folded over three lines. */
	n = collect(&m, SIP_HDR_VIA, v, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_slice(v[0], "SIP/2.0/UDP p1.example.com;branch=z9hG4bKfm1");
	ck_assert_slice(v[1], "SIP/2.0/UDP p2.example.com:5062;branch=z9hG4bKfm2;received=192.0.2.12");
	ck_assert_slice(unfold(v[2], tmp, sizeof(tmp)),
			"SIP/2.0/TCP ua.example.com:5070 ;branch=z9hG4bKfm3");
	ck_assert_int_eq(sip_via_parse(&via, v[2], &err), 0);
	ck_assert_slice(via.transport, "TCP");
	ck_assert_slice(via.host, "ua.example.com");
	ck_assert_uint_eq(via.port, 5070);
	ck_assert_slice(via.branch, "z9hG4bKfm3");
	ck_assert_int_eq(sip_via_parse(&via, v[1], &err), 0);
	ck_assert_slice(via.received, "192.0.2.12");
	ck_assert_slice(m.via.host, "p1.example.com");
	ck_assert_slice(m.via.branch, "z9hG4bKfm1");

	/* Route on two lines with another header between them. */
	n = collect(&m, SIP_HDR_ROUTE, v, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_slice(v[0], "<sip:p1.example.com;lr>");
	ck_assert_slice(v[1], "<sip:p2.example.com;lr>");
	ck_assert_slice(v[2], "<sip:p3.example.com;lr>");
	h = sip_msg_hdr(&m, SIP_HDR_ROUTE);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:p1.example.com;lr>,<sip:p2.example.com;lr>");
	h = sip_msg_hdr_next(&m, h);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:p3.example.com;lr>");
	ck_assert_ptr_null(sip_msg_hdr_next(&m, h));
	ck_assert_int_eq(m.max_forwards, 70);

	/* A display name with a comma, quotes and <>, and a folded tag. */
	ck_assert_slice(m.from.display, "\"Alice, \\\"the\\\" <first>\"");
	ck_assert_slice(m.from.uri_s, "sip:alice@atlanta.example.com");
	ck_assert_slice(m.from.tag, "fm0123");
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_FROM)->value,
					&err), 0);
	ck_assert_slice(a.tag, "fm0123");

	n = collect(&m, SIP_HDR_ACCEPT, v, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_slice(v[0], "application/sdp");
	ck_assert_slice(v[1], "application/pidf+xml");
	ck_assert_slice(v[2], "text/plain");

	h = sip_msg_hdr(&m, SIP_HDR_SUBJECT);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(unfold(h->value, tmp, sizeof(tmp)),
			"a subject that spans three lines");
	ck_assert_uint_eq(m.cseq.num, 63104);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_OPTIONS);
	free(p);
}
END_TEST

/* ------------------------------------------------------------- IPv6 */

START_TEST(test_ipv6)
{
	struct sip_msg m;
	struct str v[4];
	struct sip_via via;
	struct sip_addr a;
	const char *err = NULL;
	char *p = parse_file("valid/ipv6.sip", modes[_i], &m, NULL);

	ck_assert_slice(m.ruri.host, "2001:db8::10");
	ck_assert_int_eq(m.ruri.host_type, SIP_HOST_IPV6);
	ck_assert_uint_eq(m.ruri.port, 5070);
	ck_assert_slice(sip_uri_transport(&m.ruri), "tcp");
	ck_assert_slice(m.via.host, "2001:db8::9:1");
	ck_assert_int_eq(m.via.host_type, SIP_HOST_IPV6);
	ck_assert_uint_eq(m.via.port, 5061);
	ck_assert_slice(m.via.rport, "5061");
	ck_assert_slice(m.via.received, "2001:db8::9:1");
	ck_assert_uint_eq(collect(&m, SIP_HDR_VIA, v, 4), 2);
	ck_assert_int_eq(sip_via_parse(&via, v[1], &err), 0);
	ck_assert_slice(via.host, "2001:db8::20");
	ck_assert_uint_eq(via.port, 0);
	ck_assert_slice(m.from.uri.host, "2001:db8::9:1");
	ck_assert_slice(m.from.tag, "v6f");
	ck_assert_slice(m.to.uri.host, "2001:db8::10");
	ck_assert_uint_eq(m.to.uri.port, 5070);
	ck_assert_slice(m.call_id, "a84b4c76e66710@2001:db8::9:1");
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_CONTACT)->value,
					&err), 0);
	ck_assert_slice(a.uri.host, "2001:db8::9:1");
	ck_assert_uint_eq(a.uri.port, 5061);
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_RECORD_ROUTE)->value,
					&err), 0);
	ck_assert_slice(a.uri.host, "2001:db8::1");
	ck_assert(sip_uri_is_lr(&a.uri));
	free(p);
}
END_TEST

/* -------------------------------------- unknown methods and headers */

START_TEST(test_unknown_method_and_headers)
{
	struct sip_msg m;
	char *p = parse_file("valid/unknown-method.sip", modes[_i], &m, NULL);
	const struct sip_hdr *h;

	ck_assert(m.is_request);
	ck_assert_int_eq(m.method, SIP_METHOD_OTHER);
	ck_assert_slice(m.method_s, "NEWMETHOD");
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_OTHER);
	ck_assert_slice(m.cseq.method_s, "NEWMETHOD");
	ck_assert_uint_eq(m.cseq.num, 8);
	ck_assert_int_eq(m.max_forwards, 6);

	h = sip_msg_hdr_find(&m, "x-custom-header");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->id, SIP_HDR_OTHER);
	ck_assert_slice(h->name, "X-Custom-Header");
	ck_assert_slice(h->value, "kept , as-is ;x=1");
	h = sip_msg_hdr_find(&m, "P-EXAMPLE-INFO");
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value, "<sip:info@example.net>;purpose=test");
	ck_assert_ptr_null(sip_msg_hdr_find(&m, "X-Absent"));
	ck_assert_ptr_null(sip_msg_hdr_find(&m, "X-Custom"));

	/* addr-spec From and To: the tag is a header parameter. */
	ck_assert(!m.from.angle);
	ck_assert_slice(m.from.uri_s, "sip:caller@example.net");
	ck_assert_slice(m.from.tag, "34525");
	ck_assert_slice(m.to.uri_s, "sip:j.user@example.com");
	ck_assert_slice(m.body, "private body\r\n");
	free(p);
}
END_TEST

START_TEST(test_odd_tokens)
{
	struct sip_msg m;
	char *p = parse_file("valid/tokens.sip", modes[_i], &m, NULL);

	ck_assert_int_eq(m.method, SIP_METHOD_OTHER);
	ck_assert_slice(m.method_s, "~odd.Method-1_*+`'!%");
	ck_assert_slice(m.cseq.method_s, "~odd.Method-1_*+`'!%");
	ck_assert_uint_eq(m.cseq.num, 139122385);
	ck_assert_slice(m.ruri.user, "odd&user=+$,;?/x_(it)~!*'");
	ck_assert_slice(m.ruri.password, "pa$$=w0rd&+,");
	ck_assert_slice(m.ruri.host, "example.com");
	ck_assert_slice(m.ruri.params, "lr");
	ck_assert_slice(m.via.branch, "z9hG4bK-.!%*_+`'~");
	ck_assert_slice(m.call_id, "call-(id)!%*_+`'~:\"/[]?{}<>\\@example.com");
	ck_assert_slice(m.from.tag, "_token~1'+`*%!-.");
	ck_assert_slice(m.from.uri_s, "sip:caller@example.net");
	ck_assert_slice(m.to.display, "\"~!%*_+` name\"");
	ck_assert_ptr_nonnull(sip_msg_hdr_find(&m, "x-ODD.header~!%*_+`'"));
	ck_assert_slice(sip_msg_hdr_find(&m, "X-odd.Header~!%*_+`'")->value,
			"value with odd ` ' ~ characters");
	free(p);
}
END_TEST

START_TEST(test_escaped_uri)
{
	struct sip_msg m;
	char *p = parse_file("valid/escaped-uri.sip", modes[_i], &m, NULL);
	struct sip_addr c;
	const char *err = NULL;
	struct str v;

	ck_assert_slice(m.ruri.user, "sips%3Auser%40example.com");
	ck_assert_slice(m.ruri.host, "example.net");
	ck_assert(sip_uri_user_eq(m.ruri.user, STR("sips:user@example.com")));
	ck_assert(sip_uri_user_eq(m.to.uri.user, STR("user")));
	ck_assert(sip_uri_user_eq(m.from.uri.user, STR("I have spaces")));
	ck_assert(!sip_uri_user_eq(m.from.uri.user, STR("I have space")));
	ck_assert_int_eq(sip_addr_parse(&c, sip_msg_hdr(&m, SIP_HDR_CONTACT)->value,
					&err), 0);
	ck_assert_slice(c.uri.user, "cal%6Cer");
	ck_assert_int_eq(sip_param_get(c.uri.params, "n%61me", &v), 1);
	ck_assert_slice(v, "v%61lue%25%34%31");
	free(p);
}
END_TEST

START_TEST(test_quoted_escapes)
{
	struct sip_msg m;
	struct str v[4];
	char out[64];
	char *p = parse_file("valid/quoted-escapes.sip", modes[_i], &m, NULL);
	struct sip_addr a;
	const char *err = NULL;
	struct str q;
	int n;

	n = sip_unquote(m.from.display, out, sizeof(out));
	ck_assert_int_eq(n, 9);
	ck_assert_int_eq(memcmp(out, "\"Bob\" \\ x", 9), 0);
	ck_assert_slice(m.from.tag, "q1");

	n = sip_unquote(m.to.display, out, sizeof(out));
	ck_assert_int_eq(n, (int)strlen("Ann \xc3\xa9 \"A\" , <x>"));
	ck_assert_int_eq(memcmp(out, "Ann \xc3\xa9 \"A\" , <x>", (size_t)n), 0);
	ck_assert_slice(m.to.uri_s, "sip:watson@boston.example.com");

	ck_assert_uint_eq(collect(&m, SIP_HDR_CONTACT, v, 4), 2);
	ck_assert_int_eq(sip_addr_parse(&a, v[0], &err), 0);
	ck_assert_slice(a.uri_s, "sip:watson@worcester.example.com");
	ck_assert_int_eq(sip_param_get(a.params, "q", &q), 1);
	ck_assert_slice(q, "0.7");
	ck_assert_int_eq(sip_addr_parse(&a, v[1], &err), 0);
	ck_assert_slice(a.uri_s, "sip:watson@bell.example.com");
	ck_assert_int_eq(sip_param_get(a.params, "q", &q), 1);
	ck_assert_slice(q, "0.1");
	free(p);
}
END_TEST

START_TEST(test_unknown_schemes)
{
	struct sip_msg m;
	char *p = parse_file("valid/unknown-scheme.sip", modes[_i], &m, NULL);
	char *p2;

	ck_assert_int_eq(m.to.uri.scheme, SIP_URI_OTHER);
	ck_assert_slice(m.to.uri_s, "urn:example:opaque-thing");
	ck_assert_int_eq(m.from.uri.scheme, SIP_URI_OTHER);
	ck_assert_slice(m.from.uri_s, "http://example.net/caller");
	ck_assert_slice(m.from.tag, "us1");
	free(p);

	p2 = parse_file("valid/unknown-scheme-ruri.sip", modes[_i], &m, NULL);
	ck_assert_int_eq(m.ruri.scheme, SIP_URI_OTHER);
	ck_assert_slice(m.ruri.raw, "nobodyKnowsThisScheme:totally-opaque;content?x=1");
	ck_assert_int_eq(m.method, SIP_METHOD_OPTIONS);
	free(p2);
}
END_TEST

START_TEST(test_long_values)
{
	struct sip_msg m;
	struct str v[32];
	char *p = parse_file("valid/long-values.sip", modes[_i], &m, NULL);
	const struct sip_hdr *h;
	struct sip_via via;
	const char *err = NULL;
	char name[220];
	unsigned i, n;
	size_t k;

	n = collect(&m, SIP_HDR_VIA, v, 32);
	ck_assert_uint_eq(n, 20);
	for (i = 0; i < n; i++) {
		char host[32];

		ck_assert_int_eq(sip_via_parse(&via, v[i], &err), 0);
		snprintf(host, sizeof(host), "relay%u.example.com", i);
		ck_assert_slice(via.host, host);
		ck_assert_uint_eq(via.port, 5060 + i);
	}
	ck_assert_uint_eq(m.from.tag.len, 600);
	for (k = 0; k < 600; k++)
		ck_assert_int_eq(m.from.tag.p[k], 't');
	ck_assert_uint_eq(m.from.uri.user.len, 300);
	ck_assert_uint_eq(m.call_id.len, 500 + strlen("@example.com"));
	memcpy(name, "X-Long-Header-Name-", 19);
	memset(name + 19, 'N', 200);
	name[219] = '\0';
	h = sip_msg_hdr_find(&m, name);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value.len, 200 * 15);
	ck_assert_int_eq(memcmp(h->value.p, "0000-abcdefghij0001-", 20), 0);
	ck_assert_int_eq(memcmp(h->value.p + h->value.len - 15, "0199-abcdefghij", 15), 0);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_REGISTER);
	free(p);
}
END_TEST

START_TEST(test_multipart_binary_body)
{
	struct sip_msg m;
	size_t len;
	char *p = parse_file("valid/multipart.sip", modes[_i], &m, &len);
	size_t i, nul = 0;

	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CONTENT_TYPE)->value,
			"multipart/mixed;boundary=7a9cbec02ceef655");
	ck_assert_int_eq(m.content_length, (int64_t)m.body.len);
	ck_assert_ptr_eq(m.body.p + m.body.len, p + len);
	ck_assert_int_eq(memcmp(m.body.p, "--7a9cbec02ceef655\r\n", 20), 0);
	for (i = 0; i < m.body.len; i++)
		nul += m.body.p[i] == '\0';
	/* The body holds three NUL bytes and an embedded status line. */
	ck_assert_uint_eq(nul, 3);
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_VIA), 1);
	ck_assert_int_eq(m.method, SIP_METHOD_MESSAGE);
	ck_assert_ptr_nonnull(sip_msg_hdr_find(&m, "mime-version"));
	free(p);
}
END_TEST

START_TEST(test_reason_phrases)
{
	struct sip_msg m;
	char *p = parse_file("valid/no-reason.sip", modes[_i], &m, NULL);

	ck_assert(!m.is_request);
	ck_assert_uint_eq(m.status, 100);
	ck_assert_uint_eq(m.reason.len, 0);
	ck_assert_uint_eq(m.cseq.num, 35);
	free(p);

	p = parse_file("valid/odd-reason.sip", modes[_i], &m, NULL);
	ck_assert_uint_eq(m.status, 183);
	ck_assert_slice(m.reason, "\xc3\x87" "a sonne d\xc3\xa9j\xc3\xa0; ringing (sort of) #42 = 6*7 \xe2\x98\x8e");
	ck_assert_slice(m.to.tag, "or2");
	free(p);

	/* RFC 3261 7.1: SIP-Version compares case-insensitively. */
	p = parse_file("valid/response-lowercase-version.sip", modes[_i], &m, NULL);
	ck_assert(!m.is_request);
	ck_assert_uint_eq(m.status, 180);
	ck_assert_slice(m.reason, "Ringing");
	free(p);

	p = parse_file("valid/response-180.sip", modes[_i], &m, NULL);
	ck_assert_uint_eq(m.status, 180);
	ck_assert_slice(m.reason, "Ringing");
	ck_assert_uint_eq(sip_msg_count(&m, SIP_HDR_RECORD_ROUTE), 2);
	ck_assert_slice(m.via.received, "192.0.2.101");
	ck_assert_slice(m.via.rport, "5060");
	free(p);
}
END_TEST

START_TEST(test_transport_params)
{
	struct sip_msg m;
	struct str v[4], val;
	struct sip_via via;
	struct sip_addr a;
	const char *err = NULL;
	char *p = parse_file("valid/transport-params.sip", modes[_i], &m, NULL);

	ck_assert_slice(sip_uri_transport(&m.ruri), "sctp");
	ck_assert_int_eq(sip_param_get(m.ruri.params, "maddr", &val), 1);
	ck_assert_slice(val, "239.255.255.1");
	ck_assert_int_eq(sip_param_get(m.ruri.params, "user", &val), 1);
	ck_assert_slice(val, "phone");
	ck_assert(!sip_uri_is_lr(&m.ruri));
	ck_assert_slice(m.via.transport, "SCTP");
	ck_assert_slice(m.via.maddr, "239.255.255.1");
	ck_assert_slice(m.via.ttl, "15");
	ck_assert_uint_eq(collect(&m, SIP_HDR_VIA, v, 4), 2);
	ck_assert_int_eq(sip_via_parse(&via, v[1], &err), 0);
	ck_assert_slice(via.transport, "WSS");
	ck_assert(via.has_rport);
	ck_assert_uint_eq(via.rport.len, 0);
	ck_assert_slice(via.received, "192.0.2.9");
	ck_assert_slice(sip_uri_transport(&m.from.uri), "ws");
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_CONTACT)->value,
					&err), 0);
	ck_assert_int_eq(a.uri.scheme, SIP_URI_SIPS);
	ck_assert_slice(sip_uri_transport(&a.uri), "tls");
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_ROUTE)->value,
					&err), 0);
	ck_assert_slice(sip_uri_transport(&a.uri), "tcp");
	ck_assert(sip_uri_is_lr(&a.uri));
	free(p);
}
END_TEST

START_TEST(test_semicolon_user)
{
	struct sip_msg m;
	char *p = parse_file("valid/semicolon-user.sip", modes[_i], &m, NULL);

	ck_assert_slice(m.ruri.user, "alice;ext=1234");
	ck_assert_slice(m.ruri.host, "pbx.example.com");
	ck_assert_slice(m.ruri.params, "transport=udp");
	ck_assert_slice(m.from.uri.user, "user;par=u%40example.net");
	ck_assert_slice(m.from.uri.host, "example.com");
	ck_assert_slice(m.from.tag, "su1");
	ck_assert_slice(m.to.uri.user, "alice;ext=1234");
	free(p);
}
END_TEST

START_TEST(test_whitespace)
{
	struct sip_msg m;
	struct str v[4], val;
	char tmp[128];
	struct sip_via via;
	struct sip_addr a;
	const char *err = NULL;
	char *p = parse_file("valid/whitespace.sip", modes[_i], &m, NULL);
	const struct sip_hdr *h;

	ck_assert_slice(m.ruri.params, "unknownparam");
	ck_assert_slice(m.to.uri_s, "sip:ws@chair.example.com");
	ck_assert_slice(m.to.tag, "7788abc");
	ck_assert_slice(m.from.display, "\"W \\\"S\\\"\"");
	ck_assert_slice(m.from.tag, "f9f9");
	ck_assert_int_eq(m.max_forwards, 70);
	ck_assert_slice(m.call_id, "whitespace-1@192.0.2.1");
	ck_assert_uint_eq(m.cseq.num, 42);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_OPTIONS);
	ck_assert_slice(m.via.host, "192.0.2.2");
	ck_assert_slice(m.via.branch, "z9hG4bKws1");

	ck_assert_uint_eq(collect(&m, SIP_HDR_VIA, v, 4), 3);
	ck_assert_int_eq(sip_via_parse(&via, v[1], &err), 0);
	ck_assert_slice(via.transport, "TCP");
	ck_assert_slice(via.host, "spindle.example.com");
	ck_assert_slice(via.branch, "z9hG4bKws2");
	ck_assert_int_eq(sip_via_parse(&via, v[2], &err), 0);
	ck_assert_slice(via.host, "192.168.255.111");
	ck_assert_slice(via.branch, "z9hG4bKws3");

	/* The names, as received, without the white space before ':'. */
	h = sip_msg_hdr(&m, SIP_HDR_TO);
	ck_assert_slice(h->name, "tO");
	h = sip_msg_hdr(&m, SIP_HDR_CONTENT_LENGTH);
	ck_assert_slice(h->name, "Content-Length");
	ck_assert_slice(h->value, "0");
	ck_assert_int_eq(m.content_length, 0);

	h = sip_msg_hdr(&m, SIP_HDR_SUBJECT);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->name, "s");
	ck_assert_uint_eq(h->value.len, 0);
	ck_assert_slice(unfold(sip_msg_hdr_find(&m, "x-folded")->value, tmp,
			       sizeof(tmp)), "first part second part");
	ck_assert_slice(sip_msg_hdr_find(&m, "X-Odd-Value")->value, ";;,,;;,;");
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_ROUTE)->value,
					&err), 0);
	ck_assert_slice(a.uri.host, "services.example.com");
	ck_assert(sip_uri_is_lr(&a.uri));

	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_CONTACT)->value,
					&err), 0);
	ck_assert_slice(a.display, "\"Quoted \\\"\\\"\"");
	ck_assert_slice(a.uri_s, "sip:caller@example.com");
	ck_assert_int_eq(sip_param_get(a.params, "p1", &val), 1);
	ck_assert_slice(val, "v1");
	ck_assert_int_eq(sip_param_get(a.params, "p2", &val), 1);
	ck_assert_uint_eq(val.len, 0);
	ck_assert_int_eq(sip_param_get(a.params, "q", &val), 1);
	ck_assert_slice(val, "0.33");
	free(p);
}
END_TEST

START_TEST(test_register_star)
{
	struct sip_msg m;
	struct sip_addr a;
	const char *err = NULL;
	char *p = parse_file("valid/register-star.sip", modes[_i], &m, NULL);

	ck_assert_int_eq(m.method, SIP_METHOD_REGISTER);
	ck_assert_uint_eq(m.cseq.num, 4294967295u);
	ck_assert_int_eq(sip_addr_parse(&a, sip_msg_hdr(&m, SIP_HDR_CONTACT)->value,
					&err), 0);
	ck_assert(a.star);
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_EXPIRES)->value, "0");
	ck_assert_uint_eq(m.ruri.user.len, 0);
	ck_assert_slice(m.ruri.host, "registrar.example.com");
	free(p);
}
END_TEST

START_TEST(test_leading_crlf)
{
	struct sip_msg m;
	size_t len;
	char *p = parse_file("valid/leading-crlf.sip", modes[_i], &m, &len);

	/* RFC 3261 7.5: CRLFs before the start line are ignored. */
	ck_assert_int_eq(memcmp(p, "\r\n\r\nOPTIONS ", 12), 0);
	ck_assert_ptr_eq(m.raw.p, p + 4);
	ck_assert_uint_eq(m.raw.len, len - 4);
	ck_assert_int_eq(m.method, SIP_METHOD_OPTIONS);
	ck_assert_int_eq(m.max_forwards, 0);
	free(p);
}
END_TEST

START_TEST(test_tel_and_leading_zero_length)
{
	struct sip_msg m;
	struct str v[4], rest;
	const struct sip_hdr *h;
	char *p = parse_file("valid/bye-tel.sip", modes[_i], &m, NULL);

	ck_assert_int_eq(m.ruri.scheme, SIP_URI_TEL);
	ck_assert_slice(m.ruri.user, "+1-201-555-0123");
	ck_assert_slice(m.ruri.params, "phone-context=example.com");
	ck_assert_int_eq(m.from.uri.scheme, SIP_URI_TEL);
	ck_assert_slice(m.from.uri.user, "+12015550100");
	ck_assert_slice(m.to.tag, "tel2");
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_uint_eq(m.body.len, 0);
	h = sip_msg_hdr_find(&m, "p-asserted-identity");
	ck_assert_ptr_nonnull(h);
	rest = h->value;
	ck_assert_int_eq(sip_list_next(&rest, &v[0]), 1);
	ck_assert_slice(v[0], "<tel:+12015550100>");
	ck_assert_int_eq(sip_list_next(&rest, &v[1]), 1);
	ck_assert_slice(v[1], "<sip:+12015550100@gw.example.com;user=phone>");
	ck_assert_int_eq(sip_list_next(&rest, &v[2]), 0);
	free(p);
}
END_TEST

/* ---------------------------------------- every valid corpus file */

/* The *.sip files under t/data/<dir>, sorted, found when the suite is built. */
#define MAX_FILES 256
static char *valid_files[MAX_FILES];
static int n_valid;


static int within(struct str s, struct str outer)
{
	return s.len == 0 ||
	       (s.p >= outer.p && s.p + s.len <= outer.p + outer.len);
}

static int is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void check_valid_file(const char *name)
{
	unsigned k;

	for (k = 0; k < MODES_N; k++) {
		struct sip_msg m;
		size_t len;
		char *p = parse_file(name, modes[k], &m, &len);
		unsigned i, id;

		ck_assert_msg(m.n_hdr > 0 && m.n_hdr <= SIP_MSG_MAX_HDRS,
			      "%s: %u headers", name, m.n_hdr);
		ck_assert_msg(m.raw.p >= p && m.raw.p + m.raw.len <= p + len,
			      "%s: raw outside the input", name);
		/* Every valid corpus file has an exact Content-Length. */
		ck_assert_msg(m.content_length >= 0, "%s: no Content-Length", name);
		ck_assert_msg((uint64_t)m.content_length == m.body.len,
			      "%s: Content-Length %lld, body %zu", name,
			      (long long)m.content_length, m.body.len);
		ck_assert_msg(m.body.p + m.body.len == m.raw.p + m.raw.len,
			      "%s: body does not end the message", name);
		ck_assert_msg(m.raw.p + m.raw.len == p + len,
			      "%s: message does not end the file", name);
		ck_assert_msg(m.call_id.len > 0, "%s: no Call-ID", name);
		ck_assert_msg(m.via.host.len > 0, "%s: no Via host", name);
		ck_assert_msg(m.from.uri_s.len > 0 && m.to.uri_s.len > 0,
			      "%s: no From or To", name);
		if (m.is_request) {
			ck_assert_msg(str_eq(m.method_s, m.cseq.method_s),
				      "%s: CSeq method", name);
			ck_assert_int_eq(m.method, m.cseq.method);
		} else {
			ck_assert_msg(m.status >= 100 && m.status <= 699,
				      "%s: status %u", name, m.status);
		}

		for (i = 0; i < m.n_hdr; i++) {
			const struct sip_hdr *h = &m.hdr[i];

			ck_assert_msg(h->name.len > 0, "%s: empty name", name);
			ck_assert(within(h->name, m.raw));
			ck_assert(within(h->value, m.raw));
			ck_assert_msg(h->value.len == 0 ||
				      (!is_lws(h->value.p[0]) &&
				       !is_lws(h->value.p[h->value.len - 1])),
				      "%s: value of %.*s not trimmed", name,
				      STR_FMT(h->name));
			ck_assert_msg(h->id == sip_hdr_lookup(h->name.p, h->name.len),
				      "%s: id of %.*s", name, STR_FMT(h->name));
			ck_assert(h->value.len == 0 ||
				  h->value.p + h->value.len <= m.body.p);
		}
		/* The per-id chains visit exactly the lines of that id in order. */
		for (id = 1; id < SIP_HDR_COUNT; id++) {
			int first = -1;
			const struct sip_hdr *h = sip_msg_hdr(&m, id);

			for (i = 0; i < m.n_hdr; i++) {
				if (m.hdr[i].id != id)
					continue;
				ck_assert_msg(h == &m.hdr[i],
					      "%s: chain of id %u broken at line %u",
					      name, id, i);
				h = sip_msg_hdr_next(&m, h);
				if (first < 0)
					first = (int)i;
			}
			ck_assert_msg(h == NULL, "%s: chain of id %u too long",
				      name, id);
			ck_assert_msg(m.first[id] == first,
				      "%s: first[%u] is %d, want %d", name, id,
				      m.first[id], first);
		}
		free(p);
	}
}

START_TEST(test_valid_corpus)
{
	check_valid_file(valid_files[_i]);
}
END_TEST

START_TEST(test_valid_corpus_size)
{
	ck_assert_int_ge(n_valid, 20);
}
END_TEST

/* ------------------------------------------------- datagram details */

static const char small_req[] =
	"OPTIONS sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKsm1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=sm1\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: small-1@ua.example.com\r\n"
	"CSeq: 1 OPTIONS\r\n";

START_TEST(test_datagram_bytes_after_body)
{
	char msg[1024];
	struct sip_msg m;
	const char *err;
	int n;

	n = snprintf(msg, sizeof(msg), "%sContent-Length: 5\r\n\r\nhelloGARBAGE\r\n",
		     small_req);
	/* RFC 3261 18.3: a datagram's bytes past Content-Length are dropped. */
	ck_assert_int_eq(parse_buf(&m, msg, (size_t)n, SIP_MSG_DATAGRAM, &err), 0);
	ck_assert_slice(m.body, "hello");
	ck_assert_int_eq(m.content_length, 5);
	ck_assert_ptr_eq(m.raw.p, msg);
	ck_assert_uint_eq(m.raw.len, (size_t)n - strlen("GARBAGE\r\n"));
}
END_TEST

START_TEST(test_datagram_without_content_length)
{
	char msg[1024];
	struct sip_msg m;
	const char *err;
	int n;

	n = snprintf(msg, sizeof(msg), "%s\r\nhello world", small_req);
	/* In a datagram the rest is the body ... */
	ck_assert_int_eq(parse_buf(&m, msg, (size_t)n, SIP_MSG_DATAGRAM, &err), 0);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_slice(m.body, "hello world");
	/* ... in a stream Content-Length is mandatory. */
	ck_assert_int_ne(parse_buf(&m, msg, (size_t)n, SIP_MSG_STREAM, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(reason_has(err, "content-length"), "reason: %s", err);
}
END_TEST

START_TEST(test_datagram_empty_body_no_cl)
{
	char msg[1024];
	struct sip_msg m;
	const char *err;
	int n;

	n = snprintf(msg, sizeof(msg), "%s\r\n", small_req);
	ck_assert_int_eq(parse_buf(&m, msg, (size_t)n, SIP_MSG_DATAGRAM, &err), 0);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert_uint_eq(m.n_hdr, 6);
}
END_TEST

START_TEST(test_no_empty_line)
{
	/* Headers that never end with an empty line are no message. */
	struct sip_msg m;
	const char *err;
	unsigned k;

	for (k = 0; k < MODES_N; k++) {
		ck_assert_int_eq(parse_buf(&m, small_req, sizeof(small_req) - 1,
					   modes[k], &err), -EBADMSG);
		ck_assert_ptr_nonnull(err);
	}
}
END_TEST

/*
 * RFC 3261 8.1.1 makes Max-Forwards mandatory in requests, but 8.1.1.6
 * only says a UAC MUST insert it; the contract (max_forwards is -1 when
 * absent) leaves open whether a request without one parses.  Either way
 * the result must be consistent.
 */
START_TEST(test_request_without_max_forwards)
{
	static const char msg[] =
		"OPTIONS sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKmf1\r\n"
		"From: <sip:alice@example.com>;tag=mf1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: no-max-forwards@ua.example.com\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_msg m;
	const char *err;
	int rc = parse_buf(&m, msg, sizeof(msg) - 1, SIP_MSG_DATAGRAM, &err);

	if (rc == 0) {
		ck_assert_int_eq(m.max_forwards, -1);
		ck_assert_slice(m.call_id, "no-max-forwards@ua.example.com");
	} else {
		ck_assert_int_eq(rc, -EBADMSG);
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(reason_has(err, "max-forwards"), "reason: %s", err);
	}
}
END_TEST

START_TEST(test_lowercase_version_request)
{
	static const char msg[] =
		"OPTIONS sip:bob@example.com sip/2.0\r\n"
		"Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKlv2\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=lv3\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: lowercase-version-2@ua.example.com\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_msg m;
	const char *err;

	ck_assert_int_eq(parse_buf(&m, msg, sizeof(msg) - 1, SIP_MSG_STREAM, &err), 0);
	ck_assert_int_eq(m.method, SIP_METHOD_OPTIONS);
}
END_TEST

/* ------------------------------------------------------ oversized */

static size_t build_many(char *buf, size_t size, unsigned extra)
{
	size_t o;
	unsigned i;

	o = (size_t)snprintf(buf, size, "%s", small_req);
	for (i = 0; i < extra; i++)
		o += (size_t)snprintf(buf + o, size - o, "X-H%u: %u\r\n", i, i);
	o += (size_t)snprintf(buf + o, size - o, "Content-Length: 0\r\n\r\n");
	ck_assert_uint_lt(o, size);
	return o;
}

START_TEST(test_too_many_headers)
{
	static char buf[65536];
	struct sip_msg m;
	const char *err;
	/* small_req has 6 header lines, Content-Length is one more. */
	size_t len = build_many(buf, sizeof(buf), SIP_MSG_MAX_HDRS - 7);

	ck_assert_int_eq(parse_buf(&m, buf, len, SIP_MSG_STREAM, &err), 0);
	ck_assert_uint_eq(m.n_hdr, SIP_MSG_MAX_HDRS);
	ck_assert_int_eq(m.content_length, 0);

	len = build_many(buf, sizeof(buf), SIP_MSG_MAX_HDRS - 6);
	ck_assert_int_eq(parse_buf(&m, buf, len, SIP_MSG_STREAM, &err), -EBADMSG);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(reason_has(err, "too many headers"), "reason: %s", err);

	len = build_many(buf, sizeof(buf), 1000);
	ck_assert_int_eq(parse_buf(&m, buf, len, SIP_MSG_DATAGRAM, &err), -EBADMSG);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(reason_has(err, "too many headers"), "reason: %s", err);
}
END_TEST

START_TEST(test_nul_in_headers)
{
	static const char *const where[] = {
		"Call-ID: small-1@ua.example.com",	/* in a value */
		"Max-Forwards",				/* in a name */
		"OPTIONS sip:bob@example.com",		/* in the start line */
		"From: <sip:alice@example.com>;tag=sm1",
	};
	char msg[1024];
	struct sip_msg m;
	const char *err;
	size_t i, k;
	int n;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char *at;

		n = snprintf(msg, sizeof(msg), "%sContent-Length: 0\r\n\r\n",
			     small_req);
		at = strstr(msg, where[i]);
		ck_assert_ptr_nonnull(at);
		at[strlen(where[i]) - 3] = '\0';
		for (k = 0; k < MODES_N; k++) {
			ck_assert_msg(parse_buf(&m, msg, (size_t)n, modes[k],
						&err) == -EBADMSG,
				      "NUL in \"%s\" accepted", where[i]);
			ck_assert_ptr_nonnull(err);
		}
	}
}
END_TEST

START_TEST(test_nul_in_body_ok)
{
	char msg[1024];
	struct sip_msg m;
	const char *err;
	int n;

	n = snprintf(msg, sizeof(msg), "%sContent-Length: 5\r\n\r\nab", small_req);
	memcpy(msg + n, "\0cd", 3);
	n += 3;
	ck_assert_int_eq(parse_buf(&m, msg, (size_t)n, SIP_MSG_STREAM, &err), 0);
	ck_assert_uint_eq(m.body.len, 5);
	ck_assert_int_eq(memcmp(m.body.p, "ab\0cd", 5), 0);
}
END_TEST

START_TEST(test_failure_keeps_via)
{
	/* A server answers 400 to the top Via of a broken request. */
	struct sip_msg m;
	const char *err = NULL;
	size_t len;
	char *p = check_read_data("invalid/cseq-method-mismatch.sip", &len);

	ck_assert_int_eq(parse_buf(&m, p, len, SIP_MSG_DATAGRAM, &err), -EBADMSG);
	ck_assert_ptr_nonnull(err);
	ck_assert_slice(m.via.host, "ua.example.com");
	ck_assert_slice(m.via.branch, "z9hG4bKinv1");
	free(p);
}
END_TEST

START_TEST(test_empty_and_garbage)
{
	static const char *const bad[] = {
		"",
		"\r\n",
		"\r\n\r\n",
		"hello\r\n\r\n",
		"SIP/2.0\r\n\r\n",
		"INVITE\r\n\r\n",
		" INVITE sip:bob@example.com SIP/2.0\r\n\r\n",
	};
	struct sip_msg m;
	const char *err;
	size_t i, k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (k = 0; k < MODES_N; k++) {
			ck_assert_msg(parse_buf(&m, bad[i], strlen(bad[i]),
						modes[k], &err) == -EBADMSG,
				      "\"%s\" accepted", bad[i]);
			ck_assert_ptr_nonnull(err);
		}
}
END_TEST

/* ------------------------------------------------- invalid corpus */

/* Each invalid file, and a keyword its reason must contain. */
static const struct {
	const char *file;
	const char *keywords;
} invalid[] = {
	{ "bad-request-line.sip", "request|version" },
	{ "cl-conflict.sip", "content-length" },
	{ "cl-huge.sip", "content-length" },
	{ "cl-larger.sip", "content-length|body|truncat|short" },
	{ "cl-negative.sip", "content-length" },
	{ "cl-nondigit.sip", "content-length" },
	{ "control-char-in-header.sip", "control|character|subject" },
	{ "cseq-method-mismatch.sip", "cseq" },
	{ "cseq-no-method.sip", "cseq" },
	{ "cseq-non-numeric.sip", "cseq" },
	{ "cseq-overflow.sip", "cseq" },
	{ "empty-call-id.sip", "call-id" },
	{ "empty-header-name.sip", "header name|empty name|name" },
	{ "from-empty-host.sip", "from" },
	{ "from-star.sip", "from" },
	{ "from-two-values.sip", "from" },
	{ "from-unterminated-quote.sip", "from" },
	{ "max-forwards-256.sip", "max-forwards" },
	{ "max-forwards-nondigit.sip", "max-forwards" },
	{ "max-forwards-overflow.sip", "max-forwards" },
	{ "missing-call-id.sip", "call-id" },
	{ "missing-cseq.sip", "cseq" },
	{ "missing-from.sip", "from" },
	{ "missing-to.sip", "=To|\"to\"| to |to header" },
	{ "missing-via.sip", "via" },
	{ "no-colon.sip", "colon|':'" },
	{ "response-missing-cseq.sip", "cseq" },
	{ "response-missing-via.sip", "via" },
	{ "response-version-7.sip", "version" },
	{ "ruri-angle-param.sip", "uri|request" },
	{ "ruri-angle.sip", "uri|request" },
	{ "ruri-bad-port.sip", "uri|port" },
	{ "ruri-ipv6-unterminated.sip", "uri|ipv6|host" },
	{ "ruri-space.sip", "uri|request" },
	{ "status-4digit.sip", "status" },
	{ "status-low.sip", "status" },
	{ "status-non-numeric.sip", "status" },
	{ "to-unterminated-angle.sip", "=To|\"to\"| to |to header" },
	{ "version-7.sip", "version" },
	{ "via-bad-port.sip", "via" },
	{ "via-no-host.sip", "via" },
};

#define N_INVALID (sizeof(invalid) / sizeof(invalid[0]))

START_TEST(test_invalid_corpus)
{
	char name[256];
	size_t len, k;
	char *p;

	snprintf(name, sizeof(name), "invalid/%s", invalid[_i].file);
	p = check_read_data(name, &len);
	for (k = 0; k < MODES_N; k++) {
		struct sip_msg m;
		const char *err = NULL;
		int rc = parse_buf(&m, p, len, modes[k], &err);

		ck_assert_msg(rc == -EBADMSG, "%s (mode %zu): rc %d", name, k, rc);
		ck_assert_msg(err != NULL && err[0] != '\0',
			      "%s: no reason", name);
		ck_assert_msg(reason_has(err, invalid[_i].keywords),
			      "%s: reason \"%s\" lacks %s", name, err,
			      invalid[_i].keywords);
	}
	free(p);
}
END_TEST

static char *invalid_files[MAX_FILES];
static int n_invalid;

START_TEST(test_invalid_table_complete)
{
	int i;
	size_t k;

	for (i = 0; i < n_invalid; i++) {
		const char *base = invalid_files[i] + strlen("invalid/");

		for (k = 0; k < N_INVALID; k++)
			if (strcmp(base, invalid[k].file) == 0)
				break;
		ck_assert_msg(k < N_INVALID,
			      "%s has no entry in the table of invalid files",
			      invalid_files[i]);
	}
	ck_assert_int_eq(n_invalid, (int)N_INVALID);
}
END_TEST

/* A message parsed into a struct with room for fewer header lines than
 * it has: -E2BIG, and nothing written past the room; with room enough,
 * the same result as sip_msg_parse. */
START_TEST(test_parse_room)
{
	static const char msg[] =
		"OPTIONS sip:a@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-room\r\n"
		"From: <sip:b@example.com>;tag=1\r\n"
		"To: <sip:a@example.com>\r\n"
		"Call-ID: room@192.0.2.1\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";
	/* Whole structs, so that no access falls outside its object; what
	 * lies past the room is filled and must stay as it was. */
	struct sip_msg *m = malloc(sizeof(*m));
	struct sip_msg *full = malloc(sizeof(*full));
	const unsigned char *past;
	size_t n_past = sizeof(*m) - SIP_MSG_SIZE(3);
	const char *err = NULL;

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(full);
	memset(m, 0xaa, sizeof(*m));
	ck_assert_int_eq(sip_msg_parse_room(m, msg, sizeof(msg) - 1,
					    SIP_MSG_DATAGRAM, 3, &err),
			 -E2BIG);
	ck_assert_ptr_nonnull(err);
	past = (const unsigned char *)m + SIP_MSG_SIZE(3);
	for (size_t i = 0; i < n_past; i++)
		ck_assert_uint_eq(past[i], 0xaa);

	ck_assert_int_eq(sip_msg_parse_room(m, msg, sizeof(msg) - 1,
					    SIP_MSG_DATAGRAM, 6, &err), 0);
	ck_assert_int_eq(sip_msg_parse(full, msg, sizeof(msg) - 1,
				       SIP_MSG_DATAGRAM, &err), 0);
	ck_assert_uint_eq(m->n_hdr, 6);
	ck_assert_uint_eq(full->n_hdr, 6);
	ck_assert_int_eq(str_eq(m->via.branch, full->via.branch), 1);
	ck_assert_int_eq(str_eq(m->call_id, full->call_id), 1);
	ck_assert_uint_eq(m->cseq.num, 1);
	free(m);
	free(full);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("sip_msg");
	TCase *tf = tcase_create("files");
	TCase *tc = tcase_create("corpus");
	TCase *tm = tcase_create("built");

	tcase_add_loop_test(tf, test_seed_invite, 0, MODES_N);
	tcase_add_loop_test(tf, test_seed_200, 0, MODES_N);
	tcase_add_loop_test(tf, test_seed_ack_route_is_reversed_record_route, 0, MODES_N);
	tcase_add_loop_test(tf, test_invite_sdp, 0, MODES_N);
	tcase_add_loop_test(tf, test_compact_forms, 0, MODES_N);
	tcase_add_loop_test(tf, test_folded_multi, 0, MODES_N);
	tcase_add_loop_test(tf, test_ipv6, 0, MODES_N);
	tcase_add_loop_test(tf, test_unknown_method_and_headers, 0, MODES_N);
	tcase_add_loop_test(tf, test_odd_tokens, 0, MODES_N);
	tcase_add_loop_test(tf, test_escaped_uri, 0, MODES_N);
	tcase_add_loop_test(tf, test_quoted_escapes, 0, MODES_N);
	tcase_add_loop_test(tf, test_unknown_schemes, 0, MODES_N);
	tcase_add_loop_test(tf, test_long_values, 0, MODES_N);
	tcase_add_loop_test(tf, test_multipart_binary_body, 0, MODES_N);
	tcase_add_loop_test(tf, test_reason_phrases, 0, MODES_N);
	tcase_add_loop_test(tf, test_transport_params, 0, MODES_N);
	tcase_add_loop_test(tf, test_semicolon_user, 0, MODES_N);
	tcase_add_loop_test(tf, test_whitespace, 0, MODES_N);
	tcase_add_loop_test(tf, test_register_star, 0, MODES_N);
	tcase_add_loop_test(tf, test_leading_crlf, 0, MODES_N);
	tcase_add_loop_test(tf, test_tel_and_leading_zero_length, 0, MODES_N);
	suite_add_tcase(s, tf);

	n_valid = check_scan_data("valid", valid_files, MAX_FILES);
	n_invalid = check_scan_data("invalid", invalid_files, MAX_FILES);
	tcase_add_loop_test(tc, test_valid_corpus, 0, n_valid);
	tcase_add_test(tc, test_valid_corpus_size);
	tcase_add_loop_test(tc, test_invalid_corpus, 0, (int)N_INVALID);
	tcase_add_test(tc, test_invalid_table_complete);
	suite_add_tcase(s, tc);

	tcase_add_test(tm, test_datagram_bytes_after_body);
	tcase_add_test(tm, test_datagram_without_content_length);
	tcase_add_test(tm, test_datagram_empty_body_no_cl);
	tcase_add_test(tm, test_no_empty_line);
	tcase_add_test(tm, test_request_without_max_forwards);
	tcase_add_test(tm, test_lowercase_version_request);
	tcase_add_test(tm, test_too_many_headers);
	tcase_add_test(tm, test_nul_in_headers);
	tcase_add_test(tm, test_nul_in_body_ok);
	tcase_add_test(tm, test_failure_keeps_via);
	tcase_add_test(tm, test_empty_and_garbage);
	tcase_add_test(tm, test_parse_room);
	suite_add_tcase(s, tm);
	return s;
}
