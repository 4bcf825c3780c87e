/*
 * Tests of digest authentication (sbc/auth.h; RFC 3261 22, RFC 7616,
 * RFC 8760): HA1 and response vectors of RFC 2617 3.5 and RFC 7616
 * 3.9.1, nonces (round trip, expiry, another server's secret, tampering),
 * the same answer for a wrong password and an unknown user, qop, nc and
 * cnonce, and malformed Authorization headers.  auth_check takes the
 * clock as an argument, so the tests pick the time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check_main.h"
#include "sbc/auth.h"
#include "sbc/buf.h"
#include "sbc/sip_msg.h"
#include "sbc/store_auth.h"

#define T0 1700000000	/* the time of the challenges, in seconds */
#define TTL 300
#define DREALM "sbc.example.com"
#define RURI "sip:bob@sbc.example.com"

/* The realm under test, and a second one for realm mismatches. */
static const struct auth_realm realm = {
	.name = "ext",
	.digest_realm = DREALM,
	.nonce_ttl_s = TTL,
};

static struct auth *a;
static struct store_creds *creds;

/* H(text) in lower-case hex, independently of auth.c. */
static void h_hex(const char *md_name, const char *text, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	ck_assert_int_eq(EVP_Digest(text, strlen(text), md, &n,
				    EVP_get_digestbyname(md_name), NULL),
			 1);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

/* response = H(HA1:nonce:nc:cnonce:qop:H(method:uri)) (RFC 7616 3.4.1). */
static void response_hex(const char *md_name, const char *ha1,
			 const char *nonce, const char *nc, const char *cnonce,
			 const char *qop, const char *method, const char *uri,
			 char *hex)
{
	char text[4096], ha2[65];

	snprintf(text, sizeof(text), "%s:%s", method, uri);
	h_hex(md_name, text, ha2);
	snprintf(text, sizeof(text), "%s:%s:%s:%s:%s:%s", ha1, nonce, nc,
		 cnonce, qop, ha2);
	h_hex(md_name, text, hex);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

/* alice (both hashes) and bob (SHA-256 only) of realm "ext", sorted. */
static void setup(void)
{
	char h[65];

	ck_assert_int_eq(auth_new(&a), 0);
	creds = calloc(1, sizeof(*creds));
	ck_assert_ptr_nonnull(creds);
	creds->refs = 1;
	creds->n = 2;
	creds->v = calloc(2, sizeof(*creds->v));
	ck_assert_ptr_nonnull(creds->v);
	creds->v[0].realm = xstrdup("ext");
	creds->v[0].username = xstrdup("alice");
	creds->v[0].digest_realm = xstrdup(DREALM);
	ck_assert_int_eq(auth_ha1(AUTH_MD5, "alice", DREALM, "wonderland", h,
				  sizeof(h)),
			 0);
	creds->v[0].ha1_md5 = xstrdup(h);
	ck_assert_int_eq(auth_ha1(AUTH_SHA256, "alice", DREALM, "wonderland",
				  h, sizeof(h)),
			 0);
	creds->v[0].ha1_sha256 = xstrdup(h);
	creds->v[1].realm = xstrdup("ext");
	creds->v[1].username = xstrdup("bob");
	creds->v[1].digest_realm = xstrdup(DREALM);
	ck_assert_int_eq(auth_ha1(AUTH_SHA256, "bob", DREALM, "builder", h,
				  sizeof(h)),
			 0);
	creds->v[1].ha1_sha256 = xstrdup(h);
}

/* The snapshot is built like store_creds_load's, so the store frees it. */
static void teardown(void)
{
	store_creds_unref(creds);
	auth_free(a);
}

/* The nonce of a challenge issued at now_s by auth x. */
static void nonce_of(const struct auth *x, int64_t now_s, char *nonce,
		     size_t n)
{
	struct buf b;
	const char *p, *q;

	buf_init(&b);
	auth_challenge_print(x, &realm, now_s, 0, &b);
	ck_assert_int_eq(b.err, 0);
	buf_put(&b, "", 1);
	p = strstr(b.p, "nonce=\"");
	ck_assert_ptr_nonnull(p);
	p += 7;
	q = strchr(p, '"');
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_lt((size_t)(q - p), n);
	memcpy(nonce, p, (size_t)(q - p));
	nonce[q - p] = '\0';
	buf_free(&b);
}

/* A request with the given Authorization lines (NULL: none), parsed. */
static struct sip_msg msg;
static char raw[65536];

static const struct sip_msg *request(const char *method, const char *auth1,
				     const char *auth2)
{
	const char *err = NULL;
	int n;

	n = snprintf(raw, sizeof(raw),
		     "%s " RURI " SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:alice@example.com>;tag=1\r\n"
		     "To: <" RURI ">\r\n"
		     "Call-ID: auth-test\r\n"
		     "CSeq: 1 %s\r\n"
		     "%s%s%s%s%s%s"
		     "Content-Length: 0\r\n\r\n",
		     method, method, auth1 ? "Authorization: " : "",
		     auth1 ? auth1 : "", auth1 ? "\r\n" : "",
		     auth2 ? "Authorization: " : "", auth2 ? auth2 : "",
		     auth2 ? "\r\n" : "");
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, (int)sizeof(raw));
	ck_assert_msg(sip_msg_parse(&msg, raw, (size_t)n, SIP_MSG_DATAGRAM,
				    &err) == 0,
		      "test request does not parse: %s", err ? err : "?");
	return &msg;
}

/* The result of a request carrying one Authorization line. */
static enum auth_result check_line(const struct auth_realm *r,
				   const char *line, int64_t now_s)
{
	return auth_check(a, r, creds, request("INVITE", line, NULL), now_s,
			  NULL, 0);
}

/* What a client sends: the fields that vary, the rest right. */
struct cred {
	const char *user, *password, *alg, *nonce, *uri, *qop, *nc, *cnonce;
	const char *digest_realm;
};

static void cred_print(const struct cred *c, char *dst, size_t n)
{
	const char *md = c->alg && strcmp(c->alg, "SHA-256") == 0 ? "SHA256"
								  : "MD5";
	char text[1024], ha1[65], resp[65];

	snprintf(text, sizeof(text), "%s:%s:%s", c->user,
		 c->digest_realm ? c->digest_realm : DREALM, c->password);
	h_hex(md, text, ha1);
	response_hex(md, ha1, c->nonce, c->nc ? c->nc : "",
		     c->cnonce ? c->cnonce : "", c->qop ? c->qop : "", "INVITE",
		     c->uri ? c->uri : RURI, resp);
	snprintf(dst, n,
		 "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
		 "uri=\"%s\", response=\"%s\"%s%s%s%s%s%s%s%s%s",
		 c->user, c->digest_realm ? c->digest_realm : DREALM, c->nonce,
		 c->uri ? c->uri : RURI, resp, c->alg ? ", algorithm=" : "",
		 c->alg ? c->alg : "", c->qop ? ", qop=" : "",
		 c->qop ? c->qop : "", c->nc ? ", nc=" : "", c->nc ? c->nc : "",
		 c->cnonce ? ", cnonce=\"" : "", c->cnonce ? c->cnonce : "",
		 c->cnonce ? "\"" : "");
}

/* The result of a request carrying c, checked at now_s. */
static enum auth_result check_cred(const struct cred *c, int64_t now_s,
				   char *user, size_t n)
{
	char line[8192];

	cred_print(c, line, sizeof(line));
	return auth_check(a, &realm, creds, request("INVITE", line, NULL),
			  now_s, user, n);
}

/* alice with MD5 and a nonce of T0: everything right. */
static struct cred good(const char *nonce)
{
	return (struct cred){
		.user = "alice", .password = "wonderland", .nonce = nonce,
		.qop = "auth", .nc = "00000001", .cnonce = "0a4f113b",
	};
}

START_TEST(test_ha1_vectors)
{
	char hex[65];

	/* RFC 2617 3.5. */
	ck_assert_int_eq(auth_ha1(AUTH_MD5, "Mufasa", "testrealm@host.com",
				  "Circle Of Life", hex, sizeof(hex)),
			 0);
	ck_assert_str_eq(hex, "939e7578ed9e3c518a452acee763bce9");
	/* RFC 7616 3.9.1 (its HA1 gives the response checked below). */
	ck_assert_int_eq(auth_ha1(AUTH_SHA256, "Mufasa",
				  "http-auth@example.org", "Circle of Life",
				  hex, sizeof(hex)),
			 0);
	ck_assert_str_eq(hex, "7987c64c30e25f1b74be53f966b49b90"
			      "f2808aa92faf9a00262392d7b4794232");
	ck_assert_int_eq(auth_ha1(AUTH_MD5, "Mufasa", "http-auth@example.org",
				  "Circle of Life", hex, sizeof(hex)),
			 0);
	/* Too small a buffer, and too long an input, are refused. */
	ck_assert_int_eq(auth_ha1(AUTH_MD5, "a", "b", "c", hex, 33), -EINVAL);
	{
		char big[2000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(auth_ha1(AUTH_SHA256, big, "r", "p", hex,
					  sizeof(hex)),
				 -EINVAL);
	}
}
END_TEST

/*
 * The response formula of the tests' helper against the RFC vectors, so
 * that the responses the other tests compute, and auth_check accepts,
 * follow the RFCs.
 */
START_TEST(test_response_vectors)
{
	char hex[65];

	/* RFC 2617 3.5, method GET. */
	response_hex("MD5", "939e7578ed9e3c518a452acee763bce9",
		     "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
		     "0a4f113b", "auth", "GET", "/dir/index.html", hex);
	ck_assert_str_eq(hex, "6629fae49393a05397450978507c4ef1");
	/* RFC 7616 3.9.1, SHA-256. */
	auth_ha1(AUTH_SHA256, "Mufasa", "http-auth@example.org",
		 "Circle of Life", hex, sizeof(hex));
	response_hex("SHA256", hex,
		     "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		     "00000001",
		     "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth",
		     "GET", "/dir/index.html", hex);
	ck_assert_str_eq(hex, "753927fa0e85d155564e2e272a28d180"
			      "2ca10daf4496794697cf8db5856cb6c1");
}
END_TEST

START_TEST(test_round_trip)
{
	char nonce[128], user[64];
	struct cred c;

	nonce_of(a, T0, nonce, sizeof(nonce));
	ck_assert_uint_eq(strlen(nonce), 64);
	c = good(nonce);
	ck_assert_int_eq(check_cred(&c, T0, user, sizeof(user)), AUTH_OK);
	ck_assert_str_eq(user, "alice");
	/* Explicit MD5, any case; SHA-256. */
	c.alg = "md5";
	ck_assert_int_eq(check_cred(&c, T0 + 1, NULL, 0), AUTH_OK);
	c.alg = "SHA-256";
	ck_assert_int_eq(check_cred(&c, T0 + 1, NULL, 0), AUTH_OK);
	/* bob has no MD5 hash: MD5 cannot pass, SHA-256 does. */
	c = (struct cred){ .user = "bob", .password = "builder",
			   .nonce = nonce, .qop = "auth", .nc = "00000002",
			   .cnonce = "x", .alg = "SHA-256" };
	ck_assert_int_eq(check_cred(&c, T0, user, sizeof(user)), AUTH_OK);
	ck_assert_str_eq(user, "bob");
	c.alg = NULL;
	ck_assert_int_eq(check_cred(&c, T0, user, sizeof(user)), AUTH_FAILED);
	ck_assert_str_eq(user, "");
	/* One nonce, any nc, until it expires (auth.h). */
	c = good(nonce);
	c.nc = "000000ff";
	ck_assert_int_eq(check_cred(&c, T0 + TTL, NULL, 0), AUTH_OK);
}
END_TEST

START_TEST(test_uri)
{
	char nonce[128];
	struct cred c;

	nonce_of(a, T0, nonce, sizeof(nonce));
	c = good(nonce);
	/* Same host and port without the user part passes (SIPp). */
	c.uri = "sip:sbc.example.com";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_OK);
	/* Another server's URI, another port, another scheme do not. */
	c.uri = "sip:bob@other.example.com";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.uri = "sip:bob@sbc.example.com:5080";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.uri = "sips:bob@sbc.example.com";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.uri = "/dir/index.html";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
}
END_TEST

START_TEST(test_expiry)
{
	char nonce[128];
	struct cred c;

	nonce_of(a, T0, nonce, sizeof(nonce));
	c = good(nonce);
	ck_assert_int_eq(check_cred(&c, T0 + TTL, NULL, 0), AUTH_OK);
	/* RFC 7616 3.3: right digest, old nonce: stale. */
	ck_assert_int_eq(check_cred(&c, T0 + TTL + 1, NULL, 0), AUTH_STALE);
	ck_assert_int_eq(check_cred(&c, T0 + 100 * TTL, NULL, 0), AUTH_STALE);
	/* A nonce from the future: a little skew is fine, more is not. */
	ck_assert_int_eq(check_cred(&c, T0 - 5, NULL, 0), AUTH_OK);
	ck_assert_int_eq(check_cred(&c, T0 - 3600, NULL, 0), AUTH_STALE);
	/* A stale nonce with a wrong password is a failure, not stale. */
	c.password = "looking-glass";
	ck_assert_int_eq(check_cred(&c, T0 + TTL + 1, NULL, 0), AUTH_FAILED);
}
END_TEST

START_TEST(test_other_secret)
{
	struct auth *b;
	char nonce[128];
	struct cred c;

	/* Another server, or this one after a restart. */
	ck_assert_int_eq(auth_new(&b), 0);
	nonce_of(b, T0, nonce, sizeof(nonce));
	auth_free(b);
	c = good(nonce);
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_STALE);
	/* A nonce that is not ours at all, of any length. */
	c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_STALE);
	c.nonce = "x";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_STALE);
}
END_TEST

START_TEST(test_tampered)
{
	static const char flip[] = "0123456789abcdef";
	char nonce[128], t[128];
	struct cred c;

	nonce_of(a, T0, nonce, sizeof(nonce));
	/* Every position: the time, the random bytes, the MAC.  The client
	 * computes its digest over the changed nonce, so only the MAC can
	 * refuse it. */
	for (size_t i = 0; i < 64; i++) {
		strcpy(t, nonce);
		t[i] = flip[(strchr(flip, t[i]) - flip + 1) % 16];
		c = good(t);
		ck_assert_msg(check_cred(&c, T0, NULL, 0) == AUTH_STALE,
			      "nonce changed at %zu passed", i);
	}
	/* Upper-case hex, one digit short, one too many, a non-hex digit. */
	for (size_t i = 0; nonce[i]; i++)
		t[i] = nonce[i] >= 'a' ? (char)(nonce[i] - 32) : nonce[i];
	t[64] = '\0';
	c = good(t);
	ck_assert_int_ne(check_cred(&c, T0, NULL, 0), AUTH_OK);
	strcpy(t, nonce);
	t[63] = '\0';
	ck_assert_int_ne(check_cred(&c, T0, NULL, 0), AUTH_OK);
	strcpy(t, nonce);
	strcat(t, "0");
	ck_assert_int_ne(check_cred(&c, T0, NULL, 0), AUTH_OK);
	strcpy(t, nonce);
	t[10] = 'g';
	ck_assert_int_ne(check_cred(&c, T0, NULL, 0), AUTH_OK);
	/* The digest made over the original nonce, the nonce changed. */
	{
		char line[4096], *p;

		c = good(nonce);
		cred_print(&c, line, sizeof(line));
		p = strstr(line, nonce);
		p[20] = p[20] == '0' ? '1' : '0';
		ck_assert_int_eq(check_line(&realm, line, T0),
				 AUTH_FAILED);
	}
}
END_TEST

/* A wrong password, an unknown user, a wrong digest realm and a user of
 * another sbc realm all get the same answer (auth.h). */
START_TEST(test_same_failure)
{
	char nonce[128];
	struct cred c;

	nonce_of(a, T0, nonce, sizeof(nonce));
	c = good(nonce);
	c.password = "looking-glass";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c = good(nonce);
	c.user = "mallory";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.user = "";
	ck_assert_int_ne(check_cred(&c, T0, NULL, 0), AUTH_OK);
	c = good(nonce);
	c.alg = "SHA-256";
	c.password = "looking-glass";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.user = "mallory";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	/* The same user name in another sbc realm. */
	{
		struct auth_realm other = realm;
		char line[4096];

		other.name = "int";
		c = good(nonce);
		cred_print(&c, line, sizeof(line));
		ck_assert_int_eq(check_line(&other, line, T0),
				 AUTH_FAILED);
		/* No credentials loaded: nobody passes. */
		ck_assert_int_eq(auth_check(a, &realm, NULL,
					    request("INVITE", line, NULL), T0,
					    NULL, 0),
				 AUTH_FAILED);
	}
	/* Hashes made with another digest realm cannot match. */
	free(creds->v[0].digest_realm);
	creds->v[0].digest_realm = xstrdup("elsewhere");
	c = good(nonce);
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
}
END_TEST

START_TEST(test_qop_nc_cnonce)
{
	char nonce[128];
	struct cred c;

	nonce_of(a, T0, nonce, sizeof(nonce));
	/* The challenge asks for qop auth: RFC 2069 digests without it, and
	 * auth-int, are refused even when the digest is right. */
	c = good(nonce);
	c.qop = NULL;
	c.nc = NULL;
	c.cnonce = NULL;
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c = good(nonce);
	c.qop = "auth-int";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	/* qop quoted, as some clients send it: the same value. */
	{
		char line[4096];

		c.qop = "auth";
		cred_print(&c, line, sizeof(line));
		strcpy(strstr(line, "qop=auth"), "qop=\"auth\", nc=00000001, "
						 "cnonce=\"0a4f113b\"");
		ck_assert_int_eq(check_line(&realm, line, T0),
				 AUTH_OK);
	}
	/* nc is exactly 8 hex digits; cnonce is required. */
	c = good(nonce);
	c.nc = "0000001";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.nc = "000000001";	/* longer than any nc: malformed */
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_NONE);
	c.nc = NULL;
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c = good(nonce);
	c.cnonce = NULL;
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	c.cnonce = "";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	/* The response in upper-case hex is the same response. */
	{
		char line[4096], *p;

		c = good(nonce);
		cred_print(&c, line, sizeof(line));
		for (p = strstr(line, "response=\"") + 10; *p != '"'; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 32);
		ck_assert_int_eq(check_line(&realm, line, T0),
				 AUTH_OK);
	}
	/* An unknown algorithm, and one the realm does not offer. */
	c = good(nonce);
	c.alg = "SHA-512-256";
	ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_FAILED);
	{
		struct auth_realm sha = realm;

		sha.algs[0] = AUTH_SHA256;
		sha.n_algs = 1;
		c = good(nonce);
		{
			char line[4096];

			cred_print(&c, line, sizeof(line));
			ck_assert_int_eq(
				check_line(&sha, line, T0),
				AUTH_FAILED);
		}
	}
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"",
		"Digest",
		"Digest ",
		"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"Digestusername=\"alice\"",
		"Digest username",
		"Digest username=",
		"Digest =\"alice\"",
		"Digest ,,,,,,",
		"Digest username=\"alice\", realm=\"" DREALM "\"",
		"Digest username=\"alice\", realm=\"" DREALM "\", nonce=\"n\"",
		"Digest username=\"alice\", realm=\"" DREALM
		"\", nonce=\"n\", uri=\"" RURI "\"",
		"Digest username=\"alice, realm=\"" DREALM
		"\", nonce=\"n\", uri=\"" RURI "\", response=\"0\"",
		"Digest username=\"alice\\\", realm=\"" DREALM
		"\", nonce=\"n\", uri=\"" RURI "\", response=\"0\"",
		"Digest username=\"\", realm=\"" DREALM
		"\", nonce=\"\", uri=\"\", response=\"\"",
		"Digest username=\"alice\" realm=\"" DREALM "\"",
		"Digest \"username\"=\"alice\"",
		"Digest username=\"alice\", realm=\"" DREALM
		"\", nonce=\"n\", uri=\"" RURI "\", response=\"" "0123456789"
		"0123456789012345678901234567890123456789012345678901234567890"
		"\"",
	};
	char nonce[128], *big, line[8192];
	size_t bl = 200000;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		enum auth_result r = check_line(&realm, bad[i], T0);

		ck_assert_msg(r == AUTH_NONE, "case %zu (%s) gave %d", i,
			      bad[i], r);
	}
	/* No Authorization at all, and credentials of another realm. */
	ck_assert_int_eq(check_line(&realm, NULL, T0),
			 AUTH_NONE);
	nonce_of(a, T0, nonce, sizeof(nonce));
	{
		struct cred c = good(nonce);

		c.digest_realm = "other.example.com";
		ck_assert_int_eq(check_cred(&c, T0, NULL, 0), AUTH_NONE);
		/* A bad line, then a good one: the good one counts. */
		c = good(nonce);
		cred_print(&c, line, sizeof(line));
		ck_assert_int_eq(auth_check(a, &realm, creds,
					    request("INVITE", "Digest x", line),
					    T0, NULL, 0),
				 AUTH_OK);
	}
	/* Huge values in every field: refused, nothing overruns. */
	big = malloc(bl);
	ck_assert_ptr_nonnull(big);
	{
		static const char *const fields[] = {
			"username", "realm", "nonce", "uri", "response",
			"cnonce", "nc", "qop", "algorithm",
		};
		char *v = malloc(30000);

		ck_assert_ptr_nonnull(v);
		memset(v, 'a', 29999);
		v[29999] = '\0';
		for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
			struct cred c = good(nonce);

			cred_print(&c, line, sizeof(line));
			snprintf(big, bl, "%s, %s=\"%s\"", line, fields[i], v);
			ck_assert_int_ne(check_line(&realm, big, T0),
					 AUTH_OK);
			snprintf(big, bl, "%s, %s=%s", line, fields[i], v);
			ck_assert_int_ne(check_line(&realm, big, T0),
					 AUTH_OK);
		}
		free(v);
	}
	free(big);
}
END_TEST

START_TEST(test_challenge)
{
	struct auth_realm r = realm;
	struct buf b;
	const char *p;
	enum auth_alg algs[2];
	unsigned n;

	buf_init(&b);
	auth_challenge_print(a, &r, T0, 0, &b);
	buf_put(&b, "", 1);
	/* RFC 8760 2.4: SHA-256 first, then MD5, one nonce for both. */
	p = strstr(b.p, "algorithm=SHA-256");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "algorithm=MD5"));
	ck_assert_ptr_nonnull(strstr(b.p, "realm=\"" DREALM "\""));
	ck_assert_ptr_nonnull(strstr(b.p, "qop=\"auth\""));
	ck_assert_ptr_null(strstr(b.p, "stale"));
	buf_reset(&b);
	r.algs[0] = AUTH_MD5;
	r.n_algs = 1;
	auth_challenge_print(a, &r, T0, 1, &b);
	buf_put(&b, "", 1);
	ck_assert_ptr_null(strstr(b.p, "SHA-256"));
	ck_assert_ptr_nonnull(strstr(b.p, "stale=true"));
	buf_free(&b);

	ck_assert_int_eq(auth_algs_parse("SHA-256, md5", algs, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(algs[0], AUTH_SHA256);
	ck_assert_int_eq(algs[1], AUTH_MD5);
	ck_assert_int_eq(auth_algs_parse("MD5", algs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(auth_algs_parse("", algs, &n), -EINVAL);
	ck_assert_int_eq(auth_algs_parse("MD5, MD5", algs, &n), -EINVAL);
	ck_assert_int_eq(auth_algs_parse("SHA-1", algs, &n), -EINVAL);
	ck_assert_int_eq(auth_algs_parse("MD5, SHA-256, MD5", algs, &n),
			 -EINVAL);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("digest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ha1_vectors);
	tcase_add_test(tc, test_response_vectors);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_uri);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_other_secret);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_same_failure);
	tcase_add_test(tc, test_qop_nc_cnonce);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_challenge);
	suite_add_tcase(s, tc);
	return s;
}
