/*
 * Tests of message building (sbc/sip_print.h): built messages re-parse to
 * what was put in, and every valid corpus message survives
 * parse -> print -> parse.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/buf.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
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

static int slice_has(struct str s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= s.len; i++)
		if (memcmp(s.p + i, needle, n) == 0)
			return 1;
	return 0;
}

static struct sip_uri uri(const char *text)
{
	struct sip_uri u;
	const char *err = NULL;

	ck_assert_msg(sip_uri_parse(&u, str_cstr(text), &err) == 0,
		      "%s: %s", text, err ? err : "-");
	return u;
}

static void reparse(struct sip_msg *m, const struct buf *b)
{
	const char *err = NULL;
	int rc;

	ck_assert_int_eq(b->err, 0);
	rc = sip_msg_parse(m, b->p, b->len, SIP_MSG_STREAM, &err);
	ck_assert_msg(rc == 0, "re-parse: %s\n---\n%.*s---", err ? err : "-",
		      (int)b->len, b->p);
}

START_TEST(test_build_request)
{
	static const char sdp[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
	struct sip_uri ruri = uri("sip:bob@biloxi.example.com;transport=tcp");
	struct sip_msg m;
	struct buf b;
	const struct sip_hdr *h;

	buf_init(&b);
	sip_print_request_line(&b, STR("INVITE"), &ruri);
	sip_print_hdr(&b, SIP_HDR_VIA, STR("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKbuild1"));
	sip_print_hdr(&b, SIP_HDR_MAX_FORWARDS, STR("70"));
	sip_print_hdr(&b, SIP_HDR_FROM, STR("\"Alice\" <sip:alice@atlanta.example.com>;tag=b1"));
	sip_print_hdr(&b, SIP_HDR_TO, STR("<sip:bob@biloxi.example.com>"));
	sip_print_hdr(&b, SIP_HDR_CALL_ID, STR("build-1@192.0.2.1"));
	sip_print_hdr(&b, SIP_HDR_CSEQ, STR("1 INVITE"));
	sip_print_hdr(&b, SIP_HDR_CONTACT, STR("<sip:alice@192.0.2.1:5060;transport=tcp>"));
	sip_print_hdr_named(&b, STR("X-Trace"), STR("abc 123"));
	sip_print_body(&b, STR("application/sdp"), str_make(sdp, sizeof(sdp) - 1));
	ck_assert_int_eq(b.err, 0);

	ck_assert_int_eq(memcmp(b.p, "INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0\r\n",
				57), 0);
	reparse(&m, &b);
	ck_assert(m.is_request);
	ck_assert_int_eq(m.method, SIP_METHOD_INVITE);
	ck_assert_slice(m.ruri.host, "biloxi.example.com");
	ck_assert_slice(sip_uri_transport(&m.ruri), "tcp");
	ck_assert_slice(m.via.branch, "z9hG4bKbuild1");
	ck_assert_int_eq(m.max_forwards, 70);
	ck_assert_slice(m.from.tag, "b1");
	ck_assert_slice(m.to.uri_s, "sip:bob@biloxi.example.com");
	ck_assert_slice(m.call_id, "build-1@192.0.2.1");
	ck_assert_uint_eq(m.cseq.num, 1);
	ck_assert_int_eq(m.cseq.method, SIP_METHOD_INVITE);

	/* Canonical names. */
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_VIA)->name, "Via");
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_MAX_FORWARDS)->name, "Max-Forwards");
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CALL_ID)->name, "Call-ID");
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CSEQ)->name, "CSeq");
	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CONTENT_LENGTH)->name, "Content-Length");
	h = sip_msg_hdr_find(&m, "x-trace");
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->name, "X-Trace");
	ck_assert_slice(h->value, "abc 123");

	ck_assert_slice(sip_msg_hdr(&m, SIP_HDR_CONTENT_TYPE)->value, "application/sdp");
	ck_assert_int_eq(m.content_length, (int64_t)(sizeof(sdp) - 1));
	ck_assert_uint_eq(m.body.len, sizeof(sdp) - 1);
	ck_assert_int_eq(memcmp(m.body.p, sdp, sizeof(sdp) - 1), 0);
	/* The body ends the buffer. */
	ck_assert_ptr_eq(m.body.p + m.body.len, b.p + b.len);
	ck_assert_uint_eq(m.n_hdr, 10);
	buf_free(&b);
}
END_TEST

START_TEST(test_build_response)
{
	struct sip_msg m;
	struct buf b;

	buf_init(&b);
	sip_print_status_line(&b, 486, STR("Busy Here"));
	sip_print_hdr(&b, SIP_HDR_VIA, STR("SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKr1;received=192.0.2.10"));
	sip_print_hdr(&b, SIP_HDR_FROM, STR("<sip:alice@example.com>;tag=r1"));
	sip_print_hdr(&b, SIP_HDR_TO, STR("<sip:bob@example.com>;tag=r2"));
	sip_print_hdr(&b, SIP_HDR_CALL_ID, STR("resp-1@192.0.2.9"));
	sip_print_hdr(&b, SIP_HDR_CSEQ, STR("7 INVITE"));
	sip_print_body(&b, STR_NULL, STR(""));

	ck_assert_int_eq(memcmp(b.p, "SIP/2.0 486 Busy Here\r\n", 23), 0);
	reparse(&m, &b);
	ck_assert(!m.is_request);
	ck_assert_uint_eq(m.status, 486);
	ck_assert_slice(m.reason, "Busy Here");
	ck_assert_slice(m.via.received, "192.0.2.10");
	ck_assert_slice(m.to.tag, "r2");
	ck_assert_uint_eq(m.cseq.num, 7);
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_uint_eq(m.body.len, 0);
	/* No Content-Type without a type. */
	ck_assert_ptr_null(sip_msg_hdr(&m, SIP_HDR_CONTENT_TYPE));
	/* The message ends with the empty line. */
	ck_assert_int_eq(memcmp(b.p + b.len - 4, "\r\n\r\n", 4), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_status_line_default_reason)
{
	struct buf b;

	buf_init(&b);
	sip_print_status_line(&b, 404, str_cstr(sip_reason_phrase(404)));
	ck_assert_slice(buf_str(&b), "SIP/2.0 404 Not Found\r\n");
	buf_reset(&b);
	sip_print_status_line(&b, 100, STR("Trying"));
	ck_assert_slice(buf_str(&b), "SIP/2.0 100 Trying\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_reason_phrases)
{
	static const struct {
		unsigned code;
		const char *phrase;
	} t[] = {
		{ 100, "Trying" }, { 180, "Ringing" },
		{ 181, "Call Is Being Forwarded" }, { 183, "Session Progress" },
		{ 200, "OK" }, { 202, "Accepted" },
		{ 301, "Moved Permanently" }, { 302, "Moved Temporarily" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 416, "Unsupported URI Scheme" },
		{ 420, "Bad Extension" }, { 422, "Session Interval Too Small" },
		{ 480, "Temporarily Unavailable" },
		{ 481, "Call/Transaction Does Not Exist" },
		{ 482, "Loop Detected" }, { 483, "Too Many Hops" },
		{ 486, "Busy Here" }, { 487, "Request Terminated" },
		{ 488, "Not Acceptable Here" }, { 491, "Request Pending" },
		{ 500, "Server Internal Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Server Time-out" }, { 513, "Message Too Large" },
		{ 600, "Busy Everywhere" }, { 603, "Decline" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *p = sip_reason_phrase(t[i].code);

		ck_assert_msg(p != NULL && strcmp(p, t[i].phrase) == 0,
			      "%u: \"%s\", want \"%s\"", t[i].code,
			      p ? p : "NULL", t[i].phrase);
	}
	ck_assert_str_eq(sip_reason_phrase(299), "");
	ck_assert_str_eq(sip_reason_phrase(0), "");
	ck_assert_str_eq(sip_reason_phrase(1000), "");
}
END_TEST

START_TEST(test_print_value_unfolds)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "a,\r\n b", "a, b" },
		{ "a\r\n\tb", "a b" },
		{ "a  \r\n   b", "a b" },
		{ "a \t\r\n \r\n\t b", "a b" },
		{ "a  b", "a  b" },		/* no line break: untouched */
		{ "a\tb", "a\tb" },
		{ "plain", "plain" },
		{ "", "" },
	};
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		sip_print_value(&b, str_cstr(t[i].in));
		ck_assert_int_eq(b.err, 0);
		ck_assert_msg(b.len == strlen(t[i].out) &&
			      memcmp(b.p, t[i].out, b.len) == 0,
			      "case %zu: \"%.*s\"", i, (int)b.len, b.p);
	}
	buf_free(&b);
}
END_TEST

START_TEST(test_print_hdr_unfolds)
{
	struct buf b;

	buf_init(&b);
	sip_print_hdr(&b, SIP_HDR_SUBJECT, STR("a subject\r\n  that spans\r\n\tlines"));
	ck_assert_slice(buf_str(&b), "Subject: a subject that spans lines\r\n");
	buf_reset(&b);
	sip_print_hdr_named(&b, STR("X-Folded"), STR("one,\r\n two"));
	ck_assert_slice(buf_str(&b), "X-Folded: one, two\r\n");
	buf_reset(&b);
	sip_print_hdr(&b, SIP_HDR_CONTENT_LENGTH, STR("0"));
	ck_assert_slice(buf_str(&b), "Content-Length: 0\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_print_body_length)
{
	static const size_t sizes[] = { 0, 1, 9, 10, 99, 100, 1000, 65535 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct buf b;
		struct sip_msg m;
		struct sip_uri ruri = uri("sip:bob@example.com");
		char *body = malloc(sizes[i] + 1);
		size_t k;

		ck_assert_ptr_nonnull(body);
		for (k = 0; k < sizes[i]; k++)
			body[k] = (char)(k % 7 == 3 ? '\0' : 'a' + k % 26);
		buf_init(&b);
		sip_print_request_line(&b, STR("MESSAGE"), &ruri);
		sip_print_hdr(&b, SIP_HDR_VIA, STR("SIP/2.0/TCP h.example.com;branch=z9hG4bKbl"));
		sip_print_hdr(&b, SIP_HDR_MAX_FORWARDS, STR("70"));
		sip_print_hdr(&b, SIP_HDR_FROM, STR("<sip:a@example.com>;tag=1"));
		sip_print_hdr(&b, SIP_HDR_TO, STR("<sip:bob@example.com>"));
		sip_print_hdr(&b, SIP_HDR_CALL_ID, STR("body-len@h.example.com"));
		sip_print_hdr(&b, SIP_HDR_CSEQ, STR("1 MESSAGE"));
		sip_print_body(&b, STR("application/octet-stream"),
			       str_make(body, sizes[i]));
		reparse(&m, &b);
		ck_assert_int_eq(m.content_length, (int64_t)sizes[i]);
		ck_assert_uint_eq(m.body.len, sizes[i]);
		ck_assert(sizes[i] == 0 || memcmp(m.body.p, body, sizes[i]) == 0);
		buf_free(&b);
		free(body);
	}
}
END_TEST

START_TEST(test_print_uri)
{
	static const char *const t[] = {
		"sip:alice@atlanta.example.com",
		"sip:registrar.example.com",
		"sips:bob:secret@biloxi.example.com:5061",
		"sip:[2001:db8::1]:5070",
		"sip:bob@[2001:db8::a:b]",
		"sip:+12125551212@192.0.2.4:5070;user=phone",
		"sip:p1.example.com;transport=tls;lr",
		"sip:bob@example.com;transport=udp?subject=project%20x&priority=urgent",
		"sip:user;par=u%40example.net@example.com",
		"sip:rr$n=net_me_tls@62.109.228.74:5061;transport=tls;lr;bypassvcs=true",
		"tel:+1-201-555-0123;phone-context=example.com",
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_uri u = uri(t[i]), v;
		struct buf b;

		buf_init(&b);
		sip_print_uri(&b, &u);
		ck_assert_int_eq(b.err, 0);
		ck_assert_msg(b.len == strlen(t[i]) && memcmp(b.p, t[i], b.len) == 0,
			      "printed \"%.*s\", want \"%s\"", (int)b.len, b.p, t[i]);
		v = uri(t[i]);
		ck_assert_int_eq(u.scheme, v.scheme);
		buf_free(&b);
	}
}
END_TEST

/* A URI built field by field, as sbc builds its own Contact. */
START_TEST(test_print_uri_from_parts)
{
	struct sip_uri u;
	struct buf b;

	memset(&u, 0, sizeof(u));
	u.scheme = SIP_URI_SIP;
	u.scheme_s = STR("sip");
	u.user = STR("sbc");
	u.host = STR("2001:db8::5");
	u.host_type = SIP_HOST_IPV6;
	u.port = 5062;
	u.params = STR("transport=tcp");
	buf_init(&b);
	sip_print_uri(&b, &u);
	ck_assert_slice(buf_str(&b), "sip:sbc@[2001:db8::5]:5062;transport=tcp");

	memset(&u, 0, sizeof(u));
	u.scheme = SIP_URI_SIP;
	u.scheme_s = STR("sip");
	u.host = STR("192.0.2.7");
	u.host_type = SIP_HOST_IPV4;
	buf_reset(&b);
	sip_print_uri(&b, &u);
	ck_assert_slice(buf_str(&b), "sip:192.0.2.7");
	buf_free(&b);
}
END_TEST

START_TEST(test_print_via)
{
	static const char *const t[] = {
		"SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067",
		"SIP/2.0/TCP [2001:db8::9:1]:5061;branch=z9hG4bKv6",
		"SIP/2.0/TLS 10.10.10.20:5073;branch=z9hG4bKx1;rport",
		"SIP/2.0/UDP 192.0.2.4",
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_via v, w;
		const char *err = NULL;
		struct buf b;

		ck_assert_int_eq(sip_via_parse(&v, str_cstr(t[i]), &err), 0);
		buf_init(&b);
		sip_print_via(&b, &v);
		ck_assert_int_eq(b.err, 0);
		ck_assert_msg(sip_via_parse(&w, buf_str(&b), &err) == 0,
			      "re-parse of \"%.*s\": %s", (int)b.len, b.p, err);
		ck_assert(str_eq(v.transport, w.transport));
		ck_assert(str_eq(v.host, w.host));
		ck_assert_int_eq(v.host_type, w.host_type);
		ck_assert_uint_eq(v.port, w.port);
		ck_assert(str_eq(v.branch, w.branch));
		ck_assert(str_eq(v.received, w.received));
		ck_assert_int_eq(v.has_rport, w.has_rport);
		ck_assert(str_eq(v.rport, w.rport));
		ck_assert_msg(b.len == strlen(t[i]) && memcmp(b.p, t[i], b.len) == 0,
			      "printed \"%.*s\", want \"%s\"", (int)b.len, b.p, t[i]);
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_print_msg_fixed_buffer_too_small)
{
	struct sip_msg m;
	const char *err = NULL;
	size_t len;
	char *p = check_read_data("valid/invite-sdp.sip", &len);
	char mem[64];
	struct buf b;

	ck_assert_int_eq(sip_msg_parse(&m, p, len, SIP_MSG_STREAM, &err), 0);
	buf_init_fixed(&b, mem, sizeof(mem));
	ck_assert_int_eq(sip_print_msg(&b, &m), -ENOBUFS);
	ck_assert_int_eq(b.err, -ENOBUFS);
	ck_assert_uint_le(b.len, sizeof(mem));
	free(p);
}
END_TEST

/*
 * A datagram may arrive with as many header lines as sbc keeps and no
 * Content-Length; what sip_print_msg makes of it must still parse.
 */
START_TEST(test_print_msg_full_datagram_reparses)
{
	static char in[16384];
	struct sip_msg a, c;
	const char *err = NULL;
	struct buf b;
	size_t o;
	unsigned i;

	o = (size_t)snprintf(in, sizeof(in), "%s",
		"MESSAGE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKfull\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=full\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: full@ua.example.com\r\n"
		"CSeq: 1 MESSAGE\r\n");
	for (i = 6; i < SIP_MSG_MAX_HDRS - 1; i++)
		o += (size_t)snprintf(in + o, sizeof(in) - o, "X-H%u: %u\r\n", i, i);
	/* One more line without Content-Length leaves no room for the one
	 * a reprint adds, so the parser refuses it (see sip_msg.h). */
	snprintf(in + o, sizeof(in) - o, "X-Last: 1\r\n\r\nhi");
	ck_assert_int_eq(sip_msg_parse(&a, in, strlen(in), SIP_MSG_DATAGRAM,
				       &err),
			 -EBADMSG);
	ck_assert_str_eq(err, "too many headers");
	o += (size_t)snprintf(in + o, sizeof(in) - o, "\r\nhi");
	ck_assert_uint_lt(o, sizeof(in));

	ck_assert_int_eq(sip_msg_parse(&a, in, o, SIP_MSG_DATAGRAM, &err), 0);
	ck_assert_uint_eq(a.n_hdr, SIP_MSG_MAX_HDRS - 1);
	ck_assert_int_eq(a.content_length, -1);
	buf_init(&b);
	ck_assert_int_eq(sip_print_msg(&b, &a), 0);
	ck_assert_msg(sip_msg_parse(&c, b.p, b.len, SIP_MSG_STREAM, &err) == 0,
		      "printed message does not parse: %s", err ? err : "-");
	ck_assert_slice(c.body, "hi");
	buf_free(&b);
}
END_TEST

/* ------------------------------------------- round trip of the corpus */

/* Runs of white space that contain a line break become one space. */
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
				brk |= v.p[j] == '\r' || v.p[j] == '\n';
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

/* The header lines of m without Content-Length, whose place may change. */
static unsigned lines_without_cl(const struct sip_msg *m,
				 const struct sip_hdr **out)
{
	unsigned i, n = 0;

	for (i = 0; i < m->n_hdr; i++)
		if (m->hdr[i].id != SIP_HDR_CONTENT_LENGTH)
			out[n++] = &m->hdr[i];
	return n;
}

static void roundtrip_file(const char *name, enum sip_msg_mode mode)
{
	static char tmp[8192];
	static const struct sip_hdr *la[SIP_MSG_MAX_HDRS], *lb[SIP_MSG_MAX_HDRS];
	struct sip_msg a, c;
	const char *err = NULL;
	struct buf b, b2;
	size_t len;
	char *p = check_read_data(name, &len);
	unsigned i, na, nb;
	struct str head;

	ck_assert_msg(sip_msg_parse(&a, p, len, mode, &err) == 0, "%s: %s",
		      name, err ? err : "-");
	buf_init(&b);
	ck_assert_int_eq(sip_print_msg(&b, &a), 0);
	ck_assert_msg(sip_msg_parse(&c, b.p, b.len, SIP_MSG_STREAM, &err) == 0,
		      "%s: printed message does not parse: %s\n%.*s", name,
		      err ? err : "-", (int)b.len, b.p);

	ck_assert_int_eq(a.is_request, c.is_request);
	if (a.is_request) {
		ck_assert(str_eq(a.method_s, c.method_s));
		ck_assert_msg(str_eq(a.ruri.raw, c.ruri.raw),
			      "%s: Request-URI \"%.*s\" became \"%.*s\"", name,
			      STR_FMT(a.ruri.raw), STR_FMT(c.ruri.raw));
	} else {
		ck_assert_uint_eq(a.status, c.status);
		ck_assert(str_eq(a.reason, c.reason));
	}

	/* No folded line in the output. */
	head = str_make(b.p, (size_t)(c.body.p - b.p));
	ck_assert_msg(!slice_has(head, "\r\n ") && !slice_has(head, "\r\n\t"),
		      "%s: folded line in output", name);

	na = lines_without_cl(&a, la);
	nb = lines_without_cl(&c, lb);
	ck_assert_msg(na == nb, "%s: %u header lines became %u", name, na, nb);
	for (i = 0; i < na; i++) {
		struct str want = unfold(la[i]->value, tmp, sizeof(tmp));

		ck_assert_msg(la[i]->id == lb[i]->id, "%s: line %u: id %u became %u",
			      name, i, la[i]->id, lb[i]->id);
		if (la[i]->id == SIP_HDR_OTHER)
			ck_assert_msg(str_eq(la[i]->name, lb[i]->name),
				      "%s: name %.*s became %.*s", name,
				      STR_FMT(la[i]->name), STR_FMT(lb[i]->name));
		else
			ck_assert_msg(str_eq(lb[i]->name,
					     str_cstr(sip_hdr_name(la[i]->id))),
				      "%s: name %.*s printed as %.*s", name,
				      STR_FMT(la[i]->name), STR_FMT(lb[i]->name));
		ck_assert_msg(str_eq(want, lb[i]->value),
			      "%s: %.*s: \"%.*s\" became \"%.*s\"", name,
			      STR_FMT(la[i]->name), STR_FMT(want),
			      STR_FMT(lb[i]->value));
	}
	/* Content-Length is recomputed: exactly one, and right. */
	ck_assert_uint_eq(sip_msg_count(&c, SIP_HDR_CONTENT_LENGTH), 1);
	ck_assert_int_eq(c.content_length, (int64_t)a.body.len);
	ck_assert_uint_eq(c.body.len, a.body.len);
	ck_assert(a.body.len == 0 || memcmp(a.body.p, c.body.p, a.body.len) == 0);
	ck_assert_ptr_eq(c.body.p + c.body.len, b.p + b.len);

	ck_assert(str_eq(a.call_id, c.call_id));
	ck_assert_uint_eq(a.cseq.num, c.cseq.num);
	ck_assert(str_eq(a.from.tag, c.from.tag));
	ck_assert(str_eq(a.to.tag, c.to.tag));
	ck_assert(str_eq(a.via.branch, c.via.branch));
	ck_assert_int_eq(a.max_forwards, c.max_forwards);

	/* Printing is idempotent: the output prints as itself. */
	buf_init(&b2);
	ck_assert_int_eq(sip_print_msg(&b2, &c), 0);
	ck_assert_msg(b2.len == b.len && memcmp(b2.p, b.p, b.len) == 0,
		      "%s: second print differs", name);
	buf_free(&b2);
	buf_free(&b);
	free(p);
}

/* The *.sip files under t/data/<dir>, sorted, found when the suite is built. */
#define MAX_FILES 256
static char *valid_files[MAX_FILES];
static int n_valid;


START_TEST(test_roundtrip_corpus_datagram)
{
	roundtrip_file(valid_files[_i], SIP_MSG_DATAGRAM);
}
END_TEST

START_TEST(test_roundtrip_corpus_stream)
{
	roundtrip_file(valid_files[_i], SIP_MSG_STREAM);
}
END_TEST

START_TEST(test_roundtrip_corpus_size)
{
	ck_assert_int_ge(n_valid, 20);
}
END_TEST

START_TEST(test_roundtrip_expands_compact)
{
	struct sip_msg a, c;
	const char *err = NULL;
	struct buf b;
	size_t len;
	char *p = check_read_data("valid/compact.sip", &len);
	struct str head;

	ck_assert_int_eq(sip_msg_parse(&a, p, len, SIP_MSG_STREAM, &err), 0);
	buf_init(&b);
	ck_assert_int_eq(sip_print_msg(&b, &a), 0);
	head = str_make(b.p, b.len);
	ck_assert(slice_has(head, "\r\nVia: SIP/2.0/TCP client.example.org:5070;branch=z9hG4bKcompact1\r\n"));
	ck_assert(slice_has(head, "\r\nCall-ID: compact-forms-0001@client.example.org\r\n"));
	ck_assert(slice_has(head, "\r\nContent-Length: 7\r\n"));
	ck_assert(slice_has(head, "\r\nSession-Expires: 1800;refresher=uac\r\n"));
	ck_assert(!slice_has(head, "\r\nv:"));
	ck_assert(!slice_has(head, "\r\nl:"));
	ck_assert_int_eq(sip_msg_parse(&c, b.p, b.len, SIP_MSG_STREAM, &err), 0);
	ck_assert_slice(c.body, "hello\r\n");
	buf_free(&b);
	free(p);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("sip_print");
	TCase *tb = tcase_create("build");
	TCase *tr = tcase_create("roundtrip");

	tcase_add_test(tb, test_build_request);
	tcase_add_test(tb, test_build_response);
	tcase_add_test(tb, test_status_line_default_reason);
	tcase_add_test(tb, test_reason_phrases);
	tcase_add_test(tb, test_print_value_unfolds);
	tcase_add_test(tb, test_print_hdr_unfolds);
	tcase_add_test(tb, test_print_body_length);
	tcase_add_test(tb, test_print_uri);
	tcase_add_test(tb, test_print_uri_from_parts);
	tcase_add_test(tb, test_print_via);
	tcase_add_test(tb, test_print_msg_fixed_buffer_too_small);
	tcase_add_test(tb, test_print_msg_full_datagram_reparses);
	suite_add_tcase(s, tb);

	n_valid = check_scan_data("valid", valid_files, MAX_FILES);
	tcase_add_loop_test(tr, test_roundtrip_corpus_datagram, 0, n_valid);
	tcase_add_loop_test(tr, test_roundtrip_corpus_stream, 0, n_valid);
	tcase_add_test(tr, test_roundtrip_corpus_size);
	tcase_add_test(tr, test_roundtrip_expands_compact);
	suite_add_tcase(s, tr);
	return s;
}
