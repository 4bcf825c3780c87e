/*
 * Tests of SIP, SIPS and tel URI parsing (sbc/sip_uri.h; RFC 3261 19.1,
 * 25.1; RFC 3966).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
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

/* Parses text, which must succeed. */
static struct sip_uri parse_ok(const char *text)
{
	struct sip_uri u;
	const char *err = NULL;
	int rc;

	memset(&u, 0xA5, sizeof(u));
	rc = sip_uri_parse(&u, str_cstr(text), &err);
	ck_assert_msg(rc == 0, "%s: rc %d (%s)", text, rc, err ? err : "-");
	ck_assert_msg(u.raw.p == text && u.raw.len == strlen(text),
		      "%s: raw is not the whole input", text);
	return u;
}

/* Parses text, which must fail with -EINVAL and a reason. */
static void parse_bad(const char *text)
{
	struct sip_uri u;
	const char *err = NULL;
	int rc;

	rc = sip_uri_parse(&u, str_cstr(text), &err);
	ck_assert_msg(rc == -EINVAL, "%s: rc %d, want -EINVAL", text, rc);
	ck_assert_msg(err != NULL && err[0] != '\0', "%s: no reason", text);
}

START_TEST(test_uri_simple)
{
	struct sip_uri u = parse_ok("sip:alice@atlanta.example.com");

	ck_assert_int_eq(u.scheme, SIP_URI_SIP);
	ck_assert_slice(u.scheme_s, "sip");
	ck_assert_slice(u.user, "alice");
	ck_assert_uint_eq(u.password.len, 0);
	ck_assert_slice(u.host, "atlanta.example.com");
	ck_assert_int_eq(u.host_type, SIP_HOST_NAME);
	ck_assert_uint_eq(u.port, 0);
	ck_assert_uint_eq(u.params.len, 0);
	ck_assert_uint_eq(u.headers.len, 0);
}
END_TEST

START_TEST(test_uri_no_user)
{
	struct sip_uri u = parse_ok("sip:registrar.example.com");

	ck_assert_int_eq(u.scheme, SIP_URI_SIP);
	ck_assert_uint_eq(u.user.len, 0);
	ck_assert_slice(u.host, "registrar.example.com");
	ck_assert_int_eq(u.host_type, SIP_HOST_NAME);
}
END_TEST

START_TEST(test_uri_sips_password_port)
{
	struct sip_uri u = parse_ok("sips:bob:s3cr%65t@biloxi.example.com:5061");

	ck_assert_int_eq(u.scheme, SIP_URI_SIPS);
	ck_assert_slice(u.scheme_s, "sips");
	ck_assert_slice(u.user, "bob");
	ck_assert_slice(u.password, "s3cr%65t");
	ck_assert_slice(u.host, "biloxi.example.com");
	ck_assert_uint_eq(u.port, 5061);
}
END_TEST

START_TEST(test_uri_scheme_case)
{
	/* RFC 3261 19.1.4: the scheme compares case-insensitively. */
	struct sip_uri u = parse_ok("SIP:carol@chicago.example.com");
	struct sip_uri v = parse_ok("SiPs:carol@chicago.example.com");

	ck_assert_int_eq(u.scheme, SIP_URI_SIP);
	ck_assert_slice(u.scheme_s, "SIP");
	ck_assert_int_eq(v.scheme, SIP_URI_SIPS);
}
END_TEST

START_TEST(test_uri_ipv4)
{
	struct sip_uri u = parse_ok("sip:+12125551212@192.0.2.4:5070;user=phone");
	struct str v;

	ck_assert_slice(u.user, "+12125551212");
	ck_assert_slice(u.host, "192.0.2.4");
	ck_assert_int_eq(u.host_type, SIP_HOST_IPV4);
	ck_assert_uint_eq(u.port, 5070);
	ck_assert_slice(u.params, "user=phone");
	ck_assert_int_eq(sip_param_get(u.params, "user", &v), 1);
	ck_assert_slice(v, "phone");
}
END_TEST

START_TEST(test_uri_ipv6)
{
	struct sip_uri u = parse_ok("sip:[2001:db8::1]:5070");
	struct sip_uri w = parse_ok("sip:bob@[2001:db8::a:b:c]");
	struct sip_uri x = parse_ok("sip:[::ffff:192.0.2.1];transport=tcp");

	ck_assert_uint_eq(u.user.len, 0);
	ck_assert_slice(u.host, "2001:db8::1");
	ck_assert_int_eq(u.host_type, SIP_HOST_IPV6);
	ck_assert_uint_eq(u.port, 5070);

	ck_assert_slice(w.user, "bob");
	ck_assert_slice(w.host, "2001:db8::a:b:c");
	ck_assert_int_eq(w.host_type, SIP_HOST_IPV6);
	ck_assert_uint_eq(w.port, 0);

	ck_assert_slice(x.host, "::ffff:192.0.2.1");
	ck_assert_int_eq(x.host_type, SIP_HOST_IPV6);
	ck_assert_slice(x.params, "transport=tcp");
}
END_TEST

START_TEST(test_uri_ports)
{
	ck_assert_uint_eq(parse_ok("sip:h.example.com:1").port, 1);
	ck_assert_uint_eq(parse_ok("sip:h.example.com:65535").port, 65535);
	ck_assert_uint_eq(parse_ok("sip:u@192.0.2.1:5060;lr").port, 5060);
}
END_TEST

START_TEST(test_uri_params)
{
	struct sip_uri u = parse_ok(
		"sip:proxy.example.com;transport=TCP;lr;maddr=239.255.255.1;ttl=15");
	struct str v;

	ck_assert_slice(u.host, "proxy.example.com");
	ck_assert_slice(u.params, "transport=TCP;lr;maddr=239.255.255.1;ttl=15");
	ck_assert_slice(sip_uri_transport(&u), "TCP");
	ck_assert(sip_uri_is_lr(&u));
	ck_assert_int_eq(sip_param_get(u.params, "maddr", &v), 1);
	ck_assert_slice(v, "239.255.255.1");
	ck_assert_int_eq(sip_param_get(u.params, "ttl", &v), 1);
	ck_assert_slice(v, "15");
	ck_assert_int_eq(sip_param_get(u.params, "lr", &v), 1);
	ck_assert_ptr_nonnull(v.p);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(sip_param_get(u.params, "user", &v), 0);
}
END_TEST

START_TEST(test_uri_lr_and_transport_absent)
{
	struct sip_uri u = parse_ok("sip:alice@example.com;lrx=1;xlr");
	struct sip_uri w = parse_ok("sip:alice@example.com");
	struct sip_uri x = parse_ok("sip:p.example.com;LR");

	/* A parameter that merely contains "lr" is not lr. */
	ck_assert(!sip_uri_is_lr(&u));
	ck_assert(!sip_uri_is_lr(&w));
	ck_assert(sip_uri_is_lr(&x));
	ck_assert_uint_eq(sip_uri_transport(&w).len, 0);
	ck_assert_uint_eq(sip_uri_transport(&u).len, 0);
}
END_TEST

START_TEST(test_uri_headers)
{
	struct sip_uri u = parse_ok(
		"sip:bob@biloxi.example.com;transport=udp?subject=project%20x&priority=urgent");
	struct sip_uri w = parse_ok("sip:carol@chicago.example.com?a=b");

	ck_assert_slice(u.host, "biloxi.example.com");
	ck_assert_slice(u.params, "transport=udp");
	ck_assert_slice(u.headers, "subject=project%20x&priority=urgent");
	ck_assert_uint_eq(w.params.len, 0);
	ck_assert_slice(w.headers, "a=b");
	ck_assert_slice(w.host, "chicago.example.com");
}
END_TEST

START_TEST(test_uri_user_specials)
{
	/*
	 * RFC 3261 25.1: user-unreserved includes ';', '?', '/', '&', '=',
	 * '+', '$' and ','; the user part ends at the '@'.
	 */
	struct sip_uri u = parse_ok("sip:user;par=u%40example.net@example.com");
	struct sip_uri w = parse_ok("sip:rr$n=net_me_tls@62.109.228.74:5061;transport=tls;lr;bypassvcs=true");
	struct sip_uri x = parse_ok("sip:a&b=c+d$e,f;g?h/i@example.com;x=y");
	struct str v;

	ck_assert_slice(u.user, "user;par=u%40example.net");
	ck_assert_slice(u.host, "example.com");
	ck_assert_uint_eq(u.params.len, 0);

	ck_assert_slice(w.user, "rr$n=net_me_tls");
	ck_assert_slice(w.host, "62.109.228.74");
	ck_assert_int_eq(w.host_type, SIP_HOST_IPV4);
	ck_assert_uint_eq(w.port, 5061);
	ck_assert(sip_uri_is_lr(&w));
	ck_assert_int_eq(sip_param_get(w.params, "bypassvcs", &v), 1);
	ck_assert_slice(v, "true");

	ck_assert_slice(x.user, "a&b=c+d$e,f;g?h/i");
	ck_assert_slice(x.host, "example.com");
	ck_assert_slice(x.params, "x=y");
	ck_assert_uint_eq(x.headers.len, 0);
}
END_TEST

START_TEST(test_uri_escapes_kept)
{
	struct sip_uri u = parse_ok("sip:sips%3Auser%40example.com@example.net");

	/* Parsing copies nothing: the escapes stay. */
	ck_assert_slice(u.user, "sips%3Auser%40example.com");
	ck_assert_slice(u.host, "example.net");
}
END_TEST

START_TEST(test_uri_user_eq)
{
	/* RFC 3261 19.1.4: escapes are compared as what they stand for. */
	ck_assert(sip_uri_user_eq(STR("alice"), STR("alice")));
	ck_assert(sip_uri_user_eq(STR("%61lice"), STR("alice")));
	ck_assert(sip_uri_user_eq(STR("alice"), STR("%61lic%65")));
	ck_assert(sip_uri_user_eq(STR("%6C"), STR("%6c")));
	ck_assert(sip_uri_user_eq(STR("sips%3Auser%40example.com"),
				  STR("sips:user@example.com")));
	ck_assert(sip_uri_user_eq(STR("I%20have%20spaces"),
				  STR("I have spaces")));
	ck_assert(sip_uri_user_eq(STR(""), STR("")));
	/* User parts compare case-sensitively. */
	ck_assert(!sip_uri_user_eq(STR("Alice"), STR("alice")));
	ck_assert(!sip_uri_user_eq(STR("%41lice"), STR("alice")));
	ck_assert(!sip_uri_user_eq(STR("alice"), STR("alic")));
	ck_assert(!sip_uri_user_eq(STR("alice"), STR("alicf")));
	ck_assert(!sip_uri_user_eq(STR("%61"), STR("%62")));
	ck_assert(!sip_uri_user_eq(STR("a%40b"), STR("a%41b")));
}
END_TEST

START_TEST(test_uri_tel)
{
	struct sip_uri u = parse_ok("tel:+1-201-555-0123");
	struct sip_uri w = parse_ok("tel:7042;phone-context=example.com");
	struct str v;

	ck_assert_int_eq(u.scheme, SIP_URI_TEL);
	ck_assert_slice(u.scheme_s, "tel");
	ck_assert_slice(u.user, "+1-201-555-0123");
	ck_assert_uint_eq(u.params.len, 0);

	ck_assert_int_eq(w.scheme, SIP_URI_TEL);
	ck_assert_slice(w.user, "7042");
	ck_assert_slice(w.params, "phone-context=example.com");
	ck_assert_int_eq(sip_param_get(w.params, "phone-context", &v), 1);
	ck_assert_slice(v, "example.com");
}
END_TEST

START_TEST(test_uri_other_scheme)
{
	struct sip_uri u = parse_ok("http://www.example.com/people/alice?x=1");
	struct sip_uri w = parse_ok("urn:service:sos");

	ck_assert_int_eq(u.scheme, SIP_URI_OTHER);
	ck_assert_slice(u.scheme_s, "http");
	ck_assert_slice(u.raw, "http://www.example.com/people/alice?x=1");
	ck_assert_int_eq(w.scheme, SIP_URI_OTHER);
	ck_assert_slice(w.scheme_s, "urn");
}
END_TEST

START_TEST(test_uri_slice_not_terminated)
{
	/* The parser must stop at the end of the slice, not at a NUL. */
	const char text[] = "sip:alice@example.com:5060;lr>;tag=1";
	struct sip_uri u;
	const char *err = NULL;

	ck_assert_int_eq(sip_uri_parse(&u, str_make(text, 29), &err), 0);
	ck_assert_slice(u.host, "example.com");
	ck_assert_uint_eq(u.port, 5060);
	ck_assert_slice(u.params, "lr");
	ck_assert_uint_eq(u.raw.len, 29);
}
END_TEST

START_TEST(test_uri_malformed)
{
	parse_bad("");
	parse_bad("sip:");
	parse_bad("sip:alice@");			/* empty host */
	parse_bad("sip:alice@;transport=tcp");	/* empty host */
	parse_bad("sip:alice@example.com:");	/* empty port */
	parse_bad("sip:alice@example.com:abc");	/* non-numeric port */
	parse_bad("sip:alice@example.com:65536");	/* port too big */
	parse_bad("sip:alice@example.com:99999999999999999999");
	parse_bad("sip:alice@example.com:50a0");
	parse_bad("sip:[2001:db8::1");		/* unterminated IPv6 */
	parse_bad("sip:alice@[2001:db8::1:5060");
	parse_bad("sip:alice@exa mple.com");	/* space in host */
	parse_bad("sip:al ice@example.com");	/* space in user */
	parse_bad("sip:alice@example.com;transport=t cp");
	parse_bad("sip:alice@example.com\r\n");
	parse_bad("alice@example.com");		/* no scheme */
	parse_bad(":alice@example.com");	/* empty scheme */
	parse_bad("<sip:alice@example.com>");	/* angle brackets */
}
END_TEST

START_TEST(test_param_get)
{
	struct str v;

	ck_assert_int_eq(sip_param_get(STR("a=1;b=2;c"), "b", &v), 1);
	ck_assert_slice(v, "2");
	ck_assert_int_eq(sip_param_get(STR("a=1;b=2;c"), "a", &v), 1);
	ck_assert_slice(v, "1");
	ck_assert_int_eq(sip_param_get(STR("a=1;b=2;c"), "c", &v), 1);
	ck_assert_ptr_nonnull(v.p);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(sip_param_get(STR("a=1;b=2;c"), "d", &v), 0);
	/* Names compare case-insensitively; values are kept as written. */
	ck_assert_int_eq(sip_param_get(STR("Transport=TLS"), "transport", &v), 1);
	ck_assert_slice(v, "TLS");
	ck_assert_int_eq(sip_param_get(STR("BRANCH=z9hG4bKx"), "branch", &v), 1);
	ck_assert_slice(v, "z9hG4bKx");
	/* Leading ';' and white space around tokens. */
	ck_assert_int_eq(sip_param_get(STR(" ; tag = 98asjd8 ; q=0.5"), "tag", &v), 1);
	ck_assert_slice(v, "98asjd8");
	ck_assert_int_eq(sip_param_get(STR(" ; tag = 98asjd8 ; q=0.5"), "q", &v), 1);
	ck_assert_slice(v, "0.5");
	/* Whole names only. */
	ck_assert_int_eq(sip_param_get(STR("xtag=1;tagx=2"), "tag", &v), 0);
	ck_assert_int_eq(sip_param_get(STR("lrx;xlr"), "lr", &v), 0);
	/* The first of two wins. */
	ck_assert_int_eq(sip_param_get(STR("x=1;x=2"), "x", &v), 1);
	ck_assert_slice(v, "1");
	/* Quoted values stay quoted. */
	ck_assert_int_eq(sip_param_get(STR("p=\"a;b\";q=1"), "q", &v), 1);
	ck_assert_slice(v, "1");
	ck_assert_int_eq(sip_param_get(STR(""), "a", &v), 0);
}
END_TEST

START_TEST(test_param_next)
{
	struct str rest = STR("transport=tcp;lr;maddr=192.0.2.1");
	struct str name, val;

	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 1);
	ck_assert_slice(name, "transport");
	ck_assert_slice(val, "tcp");
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 1);
	ck_assert_slice(name, "lr");
	ck_assert_uint_eq(val.len, 0);
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 1);
	ck_assert_slice(name, "maddr");
	ck_assert_slice(val, "192.0.2.1");
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 0);
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 0);

	rest = STR("");
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 0);
	/* An absent list, as an address without parameters has. */
	rest = STR_NULL;
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 0);
	ck_assert_int_eq(sip_param_get(STR_NULL, "lr", &val), 0);

	rest = STR(";a=1 ; b");
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 1);
	ck_assert_slice(name, "a");
	ck_assert_slice(val, "1");
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 1);
	ck_assert_slice(name, "b");
	ck_assert_int_eq(sip_param_next(&rest, &name, &val), 0);
}
END_TEST

START_TEST(test_host_classify)
{
	ck_assert_int_eq(sip_host_classify(STR("192.0.2.1")), SIP_HOST_IPV4);
	ck_assert_int_eq(sip_host_classify(STR("10.10.10.10")), SIP_HOST_IPV4);
	/* Parsed hosts hold IPv6 addresses without brackets. */
	ck_assert_int_eq(sip_host_classify(STR("2001:db8::1")), SIP_HOST_IPV6);
	ck_assert_int_eq(sip_host_classify(STR("::1")), SIP_HOST_IPV6);
	ck_assert_int_eq(sip_host_classify(STR("example.com")), SIP_HOST_NAME);
	ck_assert_int_eq(sip_host_classify(STR("l2sip-afra-02.wbx2.com")),
			 SIP_HOST_NAME);
	ck_assert_int_eq(sip_host_classify(STR("1.2.3.4.example.com")),
			 SIP_HOST_NAME);
	ck_assert_int_eq(sip_host_classify(STR("example.com.")), SIP_HOST_NAME);
	ck_assert_int_eq(sip_host_classify(STR("localhost")), SIP_HOST_NAME);
	/* Three parts are not a dotted quad. */
	ck_assert_int_ne(sip_host_classify(STR("1.2.3")), SIP_HOST_IPV4);
	/* RFC 3261 25.1: labels are not empty and do not start with '-'. */
	ck_assert_int_ne(sip_host_classify(STR("a..b")), SIP_HOST_NAME);
	ck_assert_int_ne(sip_host_classify(STR("-a.example.com")), SIP_HOST_NAME);
	ck_assert_int_ne(sip_host_classify(STR(".example.com")), SIP_HOST_NAME);
	ck_assert_int_ne(sip_host_classify(STR("")), SIP_HOST_NAME);
}
END_TEST

/*
 * The header promises to classify an "IPv6 reference", which RFC 3261
 * 25.1 spells with brackets.
 */
START_TEST(test_host_classify_reference)
{
	ck_assert_int_eq(sip_host_classify(STR("[2001:db8::1]")), SIP_HOST_IPV6);
	ck_assert_int_eq(sip_host_classify(STR("[::1]")), SIP_HOST_IPV6);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("sip_uri");
	TCase *tc = tcase_create("uri");
	TCase *tp = tcase_create("params");

	tcase_add_test(tc, test_uri_simple);
	tcase_add_test(tc, test_uri_no_user);
	tcase_add_test(tc, test_uri_sips_password_port);
	tcase_add_test(tc, test_uri_scheme_case);
	tcase_add_test(tc, test_uri_ipv4);
	tcase_add_test(tc, test_uri_ipv6);
	tcase_add_test(tc, test_uri_ports);
	tcase_add_test(tc, test_uri_params);
	tcase_add_test(tc, test_uri_lr_and_transport_absent);
	tcase_add_test(tc, test_uri_headers);
	tcase_add_test(tc, test_uri_user_specials);
	tcase_add_test(tc, test_uri_escapes_kept);
	tcase_add_test(tc, test_uri_user_eq);
	tcase_add_test(tc, test_uri_tel);
	tcase_add_test(tc, test_uri_other_scheme);
	tcase_add_test(tc, test_uri_slice_not_terminated);
	tcase_add_test(tc, test_uri_malformed);
	suite_add_tcase(s, tc);

	tcase_add_test(tp, test_param_get);
	tcase_add_test(tp, test_param_next);
	tcase_add_test(tp, test_host_classify);
	tcase_add_test(tp, test_host_classify_reference);
	suite_add_tcase(s, tp);
	return s;
}
