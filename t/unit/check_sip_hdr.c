/*
 * Tests of header names and header value parsers (sbc/sip_hdr.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/sip_hdr.h"
#include "sbc/str.h"

#define ck_assert_slice(s, want)                                           \
	do {                                                               \
		struct str s_ = (s);                                       \
		const char *w_ = (want);                                   \
		ck_assert_msg(s_.len == strlen(w_) &&                      \
			      (s_.len == 0 || memcmp(s_.p, w_, s_.len) == 0), \
			      "slice \"%.*s\" != \"%s\"", STR_FMT(s_), w_);  \
	} while (0)

static enum sip_hdr_id lookup(const char *name)
{
	return sip_hdr_lookup(name, strlen(name));
}

/* ------------------------------------------------------------ names */

/* The compact forms (RFC 3261 7.3.3 and the extensions that add them). */
static const struct {
	const char *c;
	enum sip_hdr_id id;
} compact[] = {
	{ "i", SIP_HDR_CALL_ID },		/* RFC 3261 */
	{ "m", SIP_HDR_CONTACT },
	{ "e", SIP_HDR_CONTENT_ENCODING },
	{ "l", SIP_HDR_CONTENT_LENGTH },
	{ "c", SIP_HDR_CONTENT_TYPE },
	{ "f", SIP_HDR_FROM },
	{ "s", SIP_HDR_SUBJECT },
	{ "k", SIP_HDR_SUPPORTED },
	{ "t", SIP_HDR_TO },
	{ "v", SIP_HDR_VIA },
	{ "o", SIP_HDR_EVENT },			/* RFC 6665 */
	{ "u", SIP_HDR_ALLOW_EVENTS },		/* RFC 6665 */
	{ "r", SIP_HDR_REFER_TO },		/* RFC 3515 */
	{ "b", SIP_HDR_REFERRED_BY },		/* RFC 3892 */
	{ "a", SIP_HDR_ACCEPT_CONTACT },		/* RFC 3841 */
	{ "j", SIP_HDR_REJECT_CONTACT },
	{ "d", SIP_HDR_REQUEST_DISPOSITION },
	{ "x", SIP_HDR_SESSION_EXPIRES },	/* RFC 4028 */
	{ "y", SIP_HDR_IDENTITY },		/* RFC 8224 */
	{ "n", SIP_HDR_IDENTITY_INFO },		/* RFC 4474 */
};

START_TEST(test_hdr_compact)
{
	size_t i;
	char up[2];

	for (i = 0; i < sizeof(compact) / sizeof(compact[0]); i++) {
		ck_assert_msg(lookup(compact[i].c) == compact[i].id,
			      "compact form %s", compact[i].c);
		up[0] = (char)(compact[i].c[0] - 'a' + 'A');
		up[1] = '\0';
		ck_assert_msg(lookup(up) == compact[i].id,
			      "compact form %s", up);
	}
	/* Letters that are no compact form. */
	ck_assert_int_eq(lookup("g"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("q"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("z"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("w"), SIP_HDR_OTHER);
}
END_TEST

/* Canonical names as the RFCs spell them. */
static const struct {
	const char *name;
	enum sip_hdr_id id;
} canonical[] = {
	{ "Accept", SIP_HDR_ACCEPT },
	{ "Accept-Contact", SIP_HDR_ACCEPT_CONTACT },
	{ "Accept-Encoding", SIP_HDR_ACCEPT_ENCODING },
	{ "Allow", SIP_HDR_ALLOW },
	{ "Allow-Events", SIP_HDR_ALLOW_EVENTS },
	{ "Authorization", SIP_HDR_AUTHORIZATION },
	{ "Call-ID", SIP_HDR_CALL_ID },
	{ "Contact", SIP_HDR_CONTACT },
	{ "Content-Disposition", SIP_HDR_CONTENT_DISPOSITION },
	{ "Content-Encoding", SIP_HDR_CONTENT_ENCODING },
	{ "Content-Length", SIP_HDR_CONTENT_LENGTH },
	{ "Content-Type", SIP_HDR_CONTENT_TYPE },
	{ "CSeq", SIP_HDR_CSEQ },
	{ "Event", SIP_HDR_EVENT },
	{ "Expires", SIP_HDR_EXPIRES },
	{ "From", SIP_HDR_FROM },
	{ "Identity", SIP_HDR_IDENTITY },
	{ "Identity-Info", SIP_HDR_IDENTITY_INFO },
	{ "Max-Forwards", SIP_HDR_MAX_FORWARDS },
	{ "Min-SE", SIP_HDR_MIN_SE },
	{ "Path", SIP_HDR_PATH },
	{ "Proxy-Authenticate", SIP_HDR_PROXY_AUTHENTICATE },
	{ "Proxy-Authorization", SIP_HDR_PROXY_AUTHORIZATION },
	{ "Proxy-Require", SIP_HDR_PROXY_REQUIRE },
	{ "RAck", SIP_HDR_RACK },
	{ "Record-Route", SIP_HDR_RECORD_ROUTE },
	{ "Refer-To", SIP_HDR_REFER_TO },
	{ "Referred-By", SIP_HDR_REFERRED_BY },
	{ "Reject-Contact", SIP_HDR_REJECT_CONTACT },
	{ "Request-Disposition", SIP_HDR_REQUEST_DISPOSITION },
	{ "Require", SIP_HDR_REQUIRE },
	{ "Retry-After", SIP_HDR_RETRY_AFTER },
	{ "Route", SIP_HDR_ROUTE },
	{ "RSeq", SIP_HDR_RSEQ },
	{ "Server", SIP_HDR_SERVER },
	{ "Session-Expires", SIP_HDR_SESSION_EXPIRES },
	{ "Subject", SIP_HDR_SUBJECT },
	{ "Subscription-State", SIP_HDR_SUBSCRIPTION_STATE },
	{ "Supported", SIP_HDR_SUPPORTED },
	{ "Timestamp", SIP_HDR_TIMESTAMP },
	{ "To", SIP_HDR_TO },
	{ "Unsupported", SIP_HDR_UNSUPPORTED },
	{ "User-Agent", SIP_HDR_USER_AGENT },
	{ "Via", SIP_HDR_VIA },
	{ "WWW-Authenticate", SIP_HDR_WWW_AUTHENTICATE },
};

START_TEST(test_hdr_names)
{
	size_t i, n = sizeof(canonical) / sizeof(canonical[0]);

	/* Every id but OTHER is in the table exactly once. */
	ck_assert_uint_eq(n, SIP_HDR_COUNT - 1);
	for (i = 0; i < n; i++) {
		const char *name = sip_hdr_name(canonical[i].id);

		ck_assert_msg(lookup(canonical[i].name) == canonical[i].id,
			      "lookup %s", canonical[i].name);
		ck_assert_msg(name != NULL && strcmp(name, canonical[i].name) == 0,
			      "name of %s is %s", canonical[i].name,
			      name ? name : "NULL");
	}
	ck_assert_ptr_null(sip_hdr_name(SIP_HDR_OTHER));
}
END_TEST

START_TEST(test_hdr_case)
{
	ck_assert_int_eq(lookup("call-id"), SIP_HDR_CALL_ID);
	ck_assert_int_eq(lookup("CALL-ID"), SIP_HDR_CALL_ID);
	ck_assert_int_eq(lookup("cAlL-iD"), SIP_HDR_CALL_ID);
	ck_assert_int_eq(lookup("VIA"), SIP_HDR_VIA);
	ck_assert_int_eq(lookup("record-ROUTE"), SIP_HDR_RECORD_ROUTE);
	ck_assert_int_eq(lookup("cseq"), SIP_HDR_CSEQ);
	ck_assert_int_eq(lookup("www-authenticate"), SIP_HDR_WWW_AUTHENTICATE);
	ck_assert_int_eq(lookup("MAX-FORWARDS"), SIP_HDR_MAX_FORWARDS);
}
END_TEST

START_TEST(test_hdr_unknown)
{
	ck_assert_int_eq(lookup("X-Foo"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("P-Asserted-Identity"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup(""), SIP_HDR_OTHER);
	/* Prefixes and extensions of known names are other names. */
	ck_assert_int_eq(lookup("Vi"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("Vias"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("Fromm"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("Content-Lengt"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("Content-Length2"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("ii"), SIP_HDR_OTHER);
	ck_assert_int_eq(lookup("Route-"), SIP_HDR_OTHER);
	/* Only len bytes count. */
	ck_assert_int_eq(sip_hdr_lookup("ToX", 2), SIP_HDR_TO);
	ck_assert_int_eq(sip_hdr_lookup("Via: x", 3), SIP_HDR_VIA);
	ck_assert_int_eq(sip_hdr_lookup("lx", 1), SIP_HDR_CONTENT_LENGTH);
}
END_TEST

/* ---------------------------------------------------------- methods */

START_TEST(test_methods)
{
	static const struct {
		const char *name;
		enum sip_method m;
	} t[] = {
		{ "INVITE", SIP_METHOD_INVITE }, { "ACK", SIP_METHOD_ACK },
		{ "BYE", SIP_METHOD_BYE }, { "CANCEL", SIP_METHOD_CANCEL },
		{ "OPTIONS", SIP_METHOD_OPTIONS },
		{ "REGISTER", SIP_METHOD_REGISTER },
		{ "PRACK", SIP_METHOD_PRACK }, { "UPDATE", SIP_METHOD_UPDATE },
		{ "INFO", SIP_METHOD_INFO }, { "MESSAGE", SIP_METHOD_MESSAGE },
		{ "REFER", SIP_METHOD_REFER }, { "NOTIFY", SIP_METHOD_NOTIFY },
		{ "SUBSCRIBE", SIP_METHOD_SUBSCRIBE },
		{ "PUBLISH", SIP_METHOD_PUBLISH },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(sip_method_lookup(str_cstr(t[i].name)) == t[i].m,
			      "lookup %s", t[i].name);
		ck_assert_str_eq(sip_method_name(t[i].m), t[i].name);
	}
	/* RFC 3261 7.1: method names are case-sensitive. */
	ck_assert_int_eq(sip_method_lookup(STR("invite")), SIP_METHOD_OTHER);
	ck_assert_int_eq(sip_method_lookup(STR("Invite")), SIP_METHOD_OTHER);
	ck_assert_int_eq(sip_method_lookup(STR("INVITES")), SIP_METHOD_OTHER);
	ck_assert_int_eq(sip_method_lookup(STR("INVIT")), SIP_METHOD_OTHER);
	ck_assert_int_eq(sip_method_lookup(STR("NEWMETHOD")), SIP_METHOD_OTHER);
	ck_assert_int_eq(sip_method_lookup(STR("")), SIP_METHOD_OTHER);
	ck_assert_int_eq(sip_method_lookup(str_make("ACKNOWLEDGE", 3)),
			 SIP_METHOD_ACK);
}
END_TEST

/* -------------------------------------------------------------- Via */

static struct sip_via via_ok(const char *text)
{
	struct sip_via v;
	const char *err = NULL;
	int rc;

	memset(&v, 0xA5, sizeof(v));
	rc = sip_via_parse(&v, str_cstr(text), &err);
	ck_assert_msg(rc == 0, "%s: rc %d (%s)", text, rc, err ? err : "-");
	return v;
}

static void via_bad(const char *text)
{
	struct sip_via v;
	const char *err = NULL;
	int rc;

	rc = sip_via_parse(&v, str_cstr(text), &err);
	ck_assert_msg(rc < 0, "%s: accepted", text);
	ck_assert_msg(err != NULL && err[0] != '\0', "%s: no reason", text);
}

START_TEST(test_via_full)
{
	struct sip_via v = via_ok(
		"SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds"
		";received=192.0.2.1;rport=5067;maddr=239.255.255.1;ttl=16");

	ck_assert_slice(v.proto, "SIP/2.0");
	ck_assert_slice(v.transport, "UDP");
	ck_assert_slice(v.host, "pc33.atlanta.example.com");
	ck_assert_int_eq(v.host_type, SIP_HOST_NAME);
	ck_assert_uint_eq(v.port, 5066);
	ck_assert_slice(v.branch, "z9hG4bK776asdhds");
	ck_assert_slice(v.received, "192.0.2.1");
	ck_assert(v.has_rport);
	ck_assert_slice(v.rport, "5067");
	ck_assert_slice(v.maddr, "239.255.255.1");
	ck_assert_slice(v.ttl, "16");
	ck_assert(sip_via_branch_is_3261(&v));
}
END_TEST

START_TEST(test_via_minimal)
{
	struct sip_via v = via_ok("SIP/2.0/TCP 192.0.2.4");

	ck_assert_slice(v.transport, "TCP");
	ck_assert_slice(v.host, "192.0.2.4");
	ck_assert_int_eq(v.host_type, SIP_HOST_IPV4);
	ck_assert_uint_eq(v.port, 0);
	ck_assert_uint_eq(v.params.len, 0);
	ck_assert_uint_eq(v.branch.len, 0);
	ck_assert_uint_eq(v.received.len, 0);
	ck_assert(!v.has_rport);
	ck_assert(!sip_via_branch_is_3261(&v));
}
END_TEST

START_TEST(test_via_rport)
{
	struct sip_via a = via_ok("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKa");
	struct sip_via b = via_ok("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb;rport=61000");
	struct sip_via c = via_ok("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc;rportx=1");

	/* RFC 3581: rport without a value asks for one. */
	ck_assert(a.has_rport);
	ck_assert_uint_eq(a.rport.len, 0);
	ck_assert_slice(a.branch, "z9hG4bKa");
	ck_assert(b.has_rport);
	ck_assert_slice(b.rport, "61000");
	ck_assert_slice(b.branch, "z9hG4bKb");
	ck_assert(!c.has_rport);
}
END_TEST

START_TEST(test_via_params_any_order)
{
	struct sip_via v = via_ok(
		"SIP/2.0/TLS 10.10.10.20:5073;received=10.10.10.21;BRANCH=z9hG4bKx1;x=y");

	ck_assert_slice(v.transport, "TLS");
	ck_assert_uint_eq(v.port, 5073);
	ck_assert_slice(v.received, "10.10.10.21");
	/* Parameter names are case-insensitive (RFC 3261 7.3.1). */
	ck_assert_slice(v.branch, "z9hG4bKx1");
	ck_assert_ptr_nonnull(v.params.p);
	ck_assert_uint_gt(v.params.len, 0);
}
END_TEST

START_TEST(test_via_ipv6)
{
	struct sip_via v = via_ok("SIP/2.0/TCP [2001:db8::9:1]:5061;branch=z9hG4bKv6");
	struct sip_via w = via_ok("SIP/2.0/UDP [2001:db8::9:255];received=2001:db8::9:255");

	ck_assert_slice(v.host, "2001:db8::9:1");
	ck_assert_int_eq(v.host_type, SIP_HOST_IPV6);
	ck_assert_uint_eq(v.port, 5061);
	ck_assert_slice(v.branch, "z9hG4bKv6");
	ck_assert_slice(w.host, "2001:db8::9:255");
	ck_assert_int_eq(w.host_type, SIP_HOST_IPV6);
	ck_assert_uint_eq(w.port, 0);
	ck_assert_slice(w.received, "2001:db8::9:255");
}
END_TEST

START_TEST(test_via_folded)
{
	/* RFC 3261 7.3.1: a fold is white space. */
	struct sip_via v = via_ok("SIP/2.0/UDP\r\n 192.0.2.2:5062\r\n\t;branch=z9hG4bKfold");
	struct sip_via w = via_ok("SIP/2.0/TCP spindle.example.com ;\r\n  branch  =   z9hG4bK9ikj8");
	struct sip_via x = via_ok("SIP  /  2.0  /  UDP  192.0.2.3;branch=z9hG4bKsws");

	ck_assert_slice(v.transport, "UDP");
	ck_assert_slice(v.host, "192.0.2.2");
	ck_assert_uint_eq(v.port, 5062);
	ck_assert_slice(v.branch, "z9hG4bKfold");
	ck_assert_slice(w.transport, "TCP");
	ck_assert_slice(w.host, "spindle.example.com");
	ck_assert_slice(w.branch, "z9hG4bK9ikj8");
	/* SLASH = SWS "/" SWS */
	ck_assert_slice(x.transport, "UDP");
	ck_assert_slice(x.host, "192.0.2.3");
	ck_assert_slice(x.branch, "z9hG4bKsws");
}
END_TEST

START_TEST(test_via_other_transports)
{
	ck_assert_slice(via_ok("SIP/2.0/SCTP h.example.com").transport, "SCTP");
	ck_assert_slice(via_ok("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK1").transport, "WSS");
	ck_assert_slice(via_ok("SIP/2.0/udp h.example.com").transport, "udp");
}
END_TEST

START_TEST(test_via_branch_cookie)
{
	struct sip_via a = via_ok("SIP/2.0/UDP h;branch=z9hG4bK");
	struct sip_via b = via_ok("SIP/2.0/UDP h;branch=z9hG4b");
	struct sip_via c = via_ok("SIP/2.0/UDP h;branch=1234z9hG4bK");

	ck_assert(sip_via_branch_is_3261(&a));
	ck_assert(!sip_via_branch_is_3261(&b));
	ck_assert(!sip_via_branch_is_3261(&c));
}
END_TEST

START_TEST(test_via_malformed)
{
	via_bad("");
	via_bad("SIP/2.0/UDP");			/* no sent-by */
	via_bad("SIP/2.0/UDP ;branch=z9hG4bKx");	/* empty host */
	via_bad("SIP/2.0 192.0.2.1");		/* no transport */
	via_bad("SIP/2.0/ 192.0.2.1");		/* empty transport */
	via_bad("192.0.2.1:5060");		/* no protocol */
	via_bad("SIP/2.0/UDP 192.0.2.1:abc");	/* bad port */
	via_bad("SIP/2.0/UDP 192.0.2.1:70000");	/* port too big */
	via_bad("SIP/2.0/UDP [2001:db8::1;branch=z9hG4bKx"); /* open IPv6 */
	/* A token holds no white space: the branch is a matching key. */
	via_bad("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK inv1");
	via_bad("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa b;rport");
}
END_TEST

/* --------------------------------------------------------- name-addr */

static struct sip_addr addr_ok(const char *text)
{
	struct sip_addr a;
	const char *err = NULL;
	int rc;

	memset(&a, 0xA5, sizeof(a));
	rc = sip_addr_parse(&a, str_cstr(text), &err);
	ck_assert_msg(rc == 0, "%s: rc %d (%s)", text, rc, err ? err : "-");
	return a;
}

static void addr_bad(const char *text)
{
	struct sip_addr a;
	const char *err = NULL;
	int rc;

	rc = sip_addr_parse(&a, str_cstr(text), &err);
	ck_assert_msg(rc < 0, "%s: accepted", text);
	ck_assert_msg(err != NULL && err[0] != '\0', "%s: no reason", text);
}

START_TEST(test_addr_quoted_display)
{
	struct sip_addr a = addr_ok("\"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf");
	struct str v;

	ck_assert_slice(a.display, "\"Bob\"");
	ck_assert_slice(a.uri_s, "sip:bob@biloxi.example.com");
	ck_assert(a.angle);
	ck_assert(!a.star);
	ck_assert_int_eq(a.uri.scheme, SIP_URI_SIP);
	ck_assert_slice(a.uri.user, "bob");
	ck_assert_slice(a.uri.host, "biloxi.example.com");
	ck_assert_slice(a.tag, "a6c85cf");
	ck_assert_int_eq(sip_param_get(a.params, "tag", &v), 1);
	ck_assert_slice(v, "a6c85cf");
}
END_TEST

START_TEST(test_addr_token_display)
{
	struct sip_addr a = addr_ok("Big Bob <sip:bob@biloxi.example.com>");

	ck_assert_slice(str_trim(a.display), "Big Bob");
	ck_assert_slice(a.uri_s, "sip:bob@biloxi.example.com");
	ck_assert(a.angle);
	ck_assert_uint_eq(a.tag.len, 0);
}
END_TEST

START_TEST(test_addr_no_display)
{
	struct sip_addr a = addr_ok("<sip:carol@chicago.example.com>");
	struct sip_addr b = addr_ok("\"Bob\"<sip:bob@example.com>");

	ck_assert_uint_eq(a.display.len, 0);
	ck_assert_slice(a.uri_s, "sip:carol@chicago.example.com");
	ck_assert(a.angle);
	ck_assert_uint_eq(a.params.len, 0);
	/* LAQUOT = SWS "<": no space is needed after a quoted string. */
	ck_assert_slice(b.display, "\"Bob\"");
	ck_assert_slice(b.uri_s, "sip:bob@example.com");
}
END_TEST

START_TEST(test_addr_spec_params)
{
	/*
	 * RFC 3261 20.10: without angle brackets, parameters after the URI
	 * are header parameters, not URI parameters.
	 */
	struct sip_addr a = addr_ok("sip:a@b.example.com;tag=x");
	struct sip_addr b = addr_ok("sip:caller@example.net;tag=34525;x=1");
	struct str v;

	ck_assert(!a.angle);
	ck_assert_slice(a.uri_s, "sip:a@b.example.com");
	ck_assert_slice(a.uri.host, "b.example.com");
	ck_assert_uint_eq(a.uri.params.len, 0);
	ck_assert_slice(a.tag, "x");
	ck_assert_uint_eq(a.display.len, 0);

	ck_assert_slice(b.tag, "34525");
	ck_assert_int_eq(sip_param_get(b.params, "x", &v), 1);
	ck_assert_slice(v, "1");
	ck_assert_uint_eq(b.uri.params.len, 0);
}
END_TEST

START_TEST(test_addr_uri_params_vs_header_params)
{
	struct sip_addr a = addr_ok(
		"<sip:p1.example.com;transport=tls;lr>;tag=t1;expires=60");
	struct str v;

	ck_assert_slice(a.uri_s, "sip:p1.example.com;transport=tls;lr");
	ck_assert_slice(a.uri.params, "transport=tls;lr");
	ck_assert(sip_uri_is_lr(&a.uri));
	ck_assert_slice(a.tag, "t1");
	ck_assert_int_eq(sip_param_get(a.params, "expires", &v), 1);
	ck_assert_slice(v, "60");
	ck_assert_int_eq(sip_param_get(a.params, "lr", &v), 0);
	ck_assert_int_eq(sip_param_get(a.uri.params, "tag", &v), 0);
}
END_TEST

START_TEST(test_addr_escaped_display)
{
	char out[64];
	struct sip_addr a = addr_ok("\"\\\"Bob\\\" \\\\ x\" <sip:bob@example.com>;tag=q1");
	int n;

	ck_assert_slice(a.display, "\"\\\"Bob\\\" \\\\ x\"");
	ck_assert_slice(a.uri_s, "sip:bob@example.com");
	ck_assert_slice(a.tag, "q1");
	n = sip_unquote(a.display, out, sizeof(out));
	ck_assert_int_eq(n, 9);
	ck_assert_int_eq(memcmp(out, "\"Bob\" \\ x", 9), 0);
}
END_TEST

START_TEST(test_addr_display_specials)
{
	/* '<', '>', ',' and ';' inside the quoted display name. */
	struct sip_addr a = addr_ok(
		"\"Mr. \\\"Watson\\\", <home>; x\" <sip:watson@worcester.example.com>;q=0.7");
	struct str v;

	ck_assert_slice(a.display, "\"Mr. \\\"Watson\\\", <home>; x\"");
	ck_assert_slice(a.uri_s, "sip:watson@worcester.example.com");
	ck_assert_int_eq(sip_param_get(a.params, "q", &v), 1);
	ck_assert_slice(v, "0.7");
}
END_TEST

START_TEST(test_addr_folded)
{
	struct sip_addr a = addr_ok("\"J R\"\r\n <sip:jr@example.com>\r\n ;\r\n tag = 98asjd8");

	ck_assert_slice(a.display, "\"J R\"");
	ck_assert_slice(a.uri_s, "sip:jr@example.com");
	ck_assert_slice(a.tag, "98asjd8");
}
END_TEST

START_TEST(test_addr_star)
{
	struct sip_addr a = addr_ok("*");
	struct sip_addr b = addr_ok("  *  ");

	ck_assert(a.star);
	ck_assert(b.star);
	ck_assert(!addr_ok("<sip:a@b.example.com>").star);
}
END_TEST

START_TEST(test_addr_other_schemes)
{
	struct sip_addr a = addr_ok("<tel:+12125551212>;tag=t");
	struct sip_addr b = addr_ok("\"Caller\" <http://example.net/caller>;tag=us1");
	struct sip_addr c = addr_ok("<urn:example:opaque-thing>");

	ck_assert_int_eq(a.uri.scheme, SIP_URI_TEL);
	ck_assert_slice(a.uri.user, "+12125551212");
	ck_assert_slice(a.tag, "t");
	ck_assert_int_eq(b.uri.scheme, SIP_URI_OTHER);
	ck_assert_slice(b.uri_s, "http://example.net/caller");
	ck_assert_slice(b.tag, "us1");
	ck_assert_int_eq(c.uri.scheme, SIP_URI_OTHER);
	ck_assert_slice(c.uri_s, "urn:example:opaque-thing");
}
END_TEST

START_TEST(test_addr_record_route)
{
	struct sip_addr a = addr_ok(
		"<sip:rr$n=net_me_tls@62.109.228.74:5061;transport=tls;lr;bypassvcs=true>");

	ck_assert_slice(a.uri.user, "rr$n=net_me_tls");
	ck_assert_slice(a.uri.host, "62.109.228.74");
	ck_assert_uint_eq(a.uri.port, 5061);
	ck_assert_slice(sip_uri_transport(&a.uri), "tls");
	ck_assert(sip_uri_is_lr(&a.uri));
	ck_assert_uint_eq(a.params.len, 0);
}
END_TEST

START_TEST(test_addr_malformed)
{
	addr_bad("");
	addr_bad("<sip:bob@example.com");		/* no '>' */
	addr_bad("\"Bob <sip:bob@example.com>");	/* open quote */
	addr_bad("\"Bob\" sip:bob@example.com");	/* display, no <> */
	addr_bad("<>");
	addr_bad("<sip:bob@>");			/* empty host */
	addr_bad("<sip:bob@example.com> junk");
}
END_TEST

/* ------------------------------------------------------------- CSeq */

START_TEST(test_cseq_good)
{
	struct sip_cseq c;
	const char *err = NULL;

	ck_assert_int_eq(sip_cseq_parse(&c, STR("4711 INVITE"), &err), 0);
	ck_assert_uint_eq(c.num, 4711);
	ck_assert_slice(c.method_s, "INVITE");
	ck_assert_int_eq(c.method, SIP_METHOD_INVITE);

	ck_assert_int_eq(sip_cseq_parse(&c, STR("  0042\r\n  ACK  "), &err), 0);
	ck_assert_uint_eq(c.num, 42);
	ck_assert_slice(c.method_s, "ACK");
	ck_assert_int_eq(c.method, SIP_METHOD_ACK);

	ck_assert_int_eq(sip_cseq_parse(&c, STR("0 BYE"), &err), 0);
	ck_assert_uint_eq(c.num, 0);
	ck_assert_int_eq(c.method, SIP_METHOD_BYE);

	/* RFC 3261 8.1.1.5: the number is 32 bits. */
	ck_assert_int_eq(sip_cseq_parse(&c, STR("4294967295 REGISTER"), &err), 0);
	ck_assert_uint_eq(c.num, 4294967295u);
	ck_assert_int_eq(c.method, SIP_METHOD_REGISTER);

	ck_assert_int_eq(sip_cseq_parse(&c, STR("8 NEWMETHOD"), &err), 0);
	ck_assert_uint_eq(c.num, 8);
	ck_assert_int_eq(c.method, SIP_METHOD_OTHER);
	ck_assert_slice(c.method_s, "NEWMETHOD");

	ck_assert_int_eq(sip_cseq_parse(&c, STR("9 invite"), &err), 0);
	ck_assert_int_eq(c.method, SIP_METHOD_OTHER);
	ck_assert_slice(c.method_s, "invite");
}
END_TEST

START_TEST(test_cseq_bad)
{
	static const char *const bad[] = {
		"", "INVITE", "1", "1 ", "abc INVITE", "-1 INVITE",
		"+1 INVITE", "1.5 INVITE", "4294967296 INVITE",
		"99999999999999999999999 INVITE", "1INVITE", "1 INVITE BYE",
		"1 INV;ITE",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_cseq c;
		const char *err = NULL;
		int rc = sip_cseq_parse(&c, str_cstr(bad[i]), &err);

		ck_assert_msg(rc < 0, "CSeq \"%s\" accepted", bad[i]);
		ck_assert_msg(err != NULL && err[0] != '\0',
			      "CSeq \"%s\": no reason", bad[i]);
	}
}
END_TEST

/* ------------------------------------------------------------ lists */

/* Splits value and compares the elements with want (NULL-terminated). */
static void check_list(const char *value, const char *const *want)
{
	struct str rest = str_cstr(value), e;
	size_t i = 0;

	while (sip_list_next(&rest, &e)) {
		ck_assert_msg(want[i] != NULL, "%s: extra element \"%.*s\"",
			      value, STR_FMT(e));
		ck_assert_msg(e.len == strlen(want[i]) &&
			      memcmp(e.p, want[i], e.len) == 0,
			      "%s: element %zu is \"%.*s\", want \"%s\"",
			      value, i, STR_FMT(e), want[i]);
		i++;
	}
	ck_assert_msg(want[i] == NULL, "%s: only %zu elements", value, i);
	ck_assert_int_eq(sip_list_next(&rest, &e), 0);
}

START_TEST(test_list_simple)
{
	static const char *const w1[] = { "INVITE", "ACK", "BYE", NULL };
	static const char *const w2[] = { "a", NULL };
	static const char *const w3[] = { NULL };
	static const char *const w4[] = { "x", "y", NULL };

	check_list("INVITE, ACK,BYE", w1);
	check_list("  a  ", w2);
	check_list(",, a ,,", w2);
	check_list("", w3);
	check_list("   ", w3);
	check_list(" , , ", w3);
	check_list("x,\r\n y", w4);
	check_list("x\r\n\t,\r\n y\r\n ", w4);
}
END_TEST

START_TEST(test_list_quotes_and_angles)
{
	static const char *const w1[] = {
		"\"Watson, Thomas\" <sip:watson@example.com>;q=0.7",
		"<sip:a@b.example.com;x=1,2>",
		"sip:g@h.example.com",
		NULL,
	};
	static const char *const w2[] = {
		"\"a\\\", b\" <sip:x@example.com>",
		"<sip:z@example.com>",
		NULL,
	};
	static const char *const w3[] = {
		"<sip:p1.example.com;lr>",
		"<sip:p2.example.com;lr>",
		NULL,
	};
	static const char *const w4[] = {
		"SIP/2.0/UDP a.example.com;branch=z9hG4bK1",
		"SIP/2.0/UDP b.example.com;branch=z9hG4bK2",
		NULL,
	};

	check_list("\"Watson, Thomas\" <sip:watson@example.com>;q=0.7, "
		   "<sip:a@b.example.com;x=1,2> ,sip:g@h.example.com", w1);
	check_list("\"a\\\", b\" <sip:x@example.com>, <sip:z@example.com>", w2);
	check_list("<sip:p1.example.com;lr>,<sip:p2.example.com;lr>", w3);
	check_list("SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n"
		   " SIP/2.0/UDP b.example.com;branch=z9hG4bK2", w4);
}
END_TEST

/* ---------------------------------------------------------- unquote */

START_TEST(test_unquote)
{
	char out[32];

	memset(out, 0, sizeof(out));
	ck_assert_int_eq(sip_unquote(STR("\"abc\""), out, sizeof(out)), 3);
	ck_assert_int_eq(memcmp(out, "abc", 3), 0);
	ck_assert_int_eq(sip_unquote(STR("\"a\\\"b\""), out, sizeof(out)), 3);
	ck_assert_int_eq(memcmp(out, "a\"b", 3), 0);
	ck_assert_int_eq(sip_unquote(STR("\"\\\\\""), out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], '\\');
	ck_assert_int_eq(sip_unquote(STR("\"\\q\""), out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], 'q');
	ck_assert_int_eq(sip_unquote(STR("\"\""), out, sizeof(out)), 0);
	ck_assert_int_eq(sip_unquote(STR("  \"x y\"  "), out, sizeof(out)), 3);
	ck_assert_int_eq(memcmp(out, "x y", 3), 0);
	/* Unquoted input is copied trimmed. */
	ck_assert_int_eq(sip_unquote(STR("  Big Bob \t"), out, sizeof(out)), 7);
	ck_assert_int_eq(memcmp(out, "Big Bob", 7), 0);
	/* Not properly quoted. */
	ck_assert_int_eq(sip_unquote(STR("\"abc"), out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(sip_unquote(STR("\"abc\\\""), out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(sip_unquote(STR("\""), out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(sip_unquote(STR("\"a\" b"), out, sizeof(out)), -EINVAL);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("sip_hdr");
	TCase *tn = tcase_create("names");
	TCase *tv = tcase_create("via");
	TCase *ta = tcase_create("addr");
	TCase *tc = tcase_create("cseq");
	TCase *tl = tcase_create("lists");

	tcase_add_test(tn, test_hdr_compact);
	tcase_add_test(tn, test_hdr_names);
	tcase_add_test(tn, test_hdr_case);
	tcase_add_test(tn, test_hdr_unknown);
	tcase_add_test(tn, test_methods);
	suite_add_tcase(s, tn);

	tcase_add_test(tv, test_via_full);
	tcase_add_test(tv, test_via_minimal);
	tcase_add_test(tv, test_via_rport);
	tcase_add_test(tv, test_via_params_any_order);
	tcase_add_test(tv, test_via_ipv6);
	tcase_add_test(tv, test_via_folded);
	tcase_add_test(tv, test_via_other_transports);
	tcase_add_test(tv, test_via_branch_cookie);
	tcase_add_test(tv, test_via_malformed);
	suite_add_tcase(s, tv);

	tcase_add_test(ta, test_addr_quoted_display);
	tcase_add_test(ta, test_addr_token_display);
	tcase_add_test(ta, test_addr_no_display);
	tcase_add_test(ta, test_addr_spec_params);
	tcase_add_test(ta, test_addr_uri_params_vs_header_params);
	tcase_add_test(ta, test_addr_escaped_display);
	tcase_add_test(ta, test_addr_display_specials);
	tcase_add_test(ta, test_addr_folded);
	tcase_add_test(ta, test_addr_star);
	tcase_add_test(ta, test_addr_other_schemes);
	tcase_add_test(ta, test_addr_record_route);
	tcase_add_test(ta, test_addr_malformed);
	suite_add_tcase(s, ta);

	tcase_add_test(tc, test_cseq_good);
	tcase_add_test(tc, test_cseq_bad);
	suite_add_tcase(s, tc);

	tcase_add_test(tl, test_list_simple);
	tcase_add_test(tl, test_list_quotes_and_angles);
	tcase_add_test(tl, test_unquote);
	suite_add_tcase(s, tl);
	return s;
}
