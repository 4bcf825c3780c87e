/*
 * auth: digest authentication of requests (layer 5; RFC 3261 22,
 * RFC 7616, RFC 8760).  See include/sbc/auth.h for the nonce format and
 * what is and is not remembered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sbc/auth.h"
#include "sbc/rnd.h"
#include "sbc/sip_hdr.h"

#define AUTH_SECRET_LEN 32
/* time (8) || random (8) || HMAC (16), in hex. */
#define AUTH_NONCE_RAW 32
#define AUTH_NONCE_HEX (2 * AUTH_NONCE_RAW)
/* A nonce from the near future is accepted: clocks step. */
#define AUTH_NONCE_SKEW_S 5

struct auth {
	unsigned char secret[AUTH_SECRET_LEN];
	/* The HA1 of a user that does not exist, so that an unknown user
	 * costs the same work as a wrong password. */
	char dummy_ha1[2][STORE_HA1_SHA256_LEN + 1];
};

/* Credentials of one Authorization line, unquoted (RFC 3261 25.1). */
struct auth_cred {
	char username[129];
	char realm[129];
	char nonce[AUTH_NONCE_HEX + 1];
	char uri[1024];
	char response[STORE_HA1_SHA256_LEN + 1];
	char cnonce[129];
	char nc[9];
	char qop[16];
	char algorithm[16];
};

static const char hexd[] = "0123456789abcdef";

static void auth_hex(const unsigned char *p, size_t n, char *dst)
{
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hexd[p[i] >> 4];
		dst[2 * i + 1] = hexd[p[i] & 15];
	}
	dst[2 * n] = '\0';
}

static int auth_unhex(const char *s, size_t n, unsigned char *dst)
{
	for (size_t i = 0; i < n; i++) {
		const char *h = strchr(hexd, s[2 * i]);
		const char *l = strchr(hexd, s[2 * i + 1]);

		if (!h || !l || !s[2 * i] || !s[2 * i + 1])
			return -EINVAL;
		dst[i] = (unsigned char)(((h - hexd) << 4) | (l - hexd));
	}
	return 0;
}

static const EVP_MD *auth_md(enum auth_alg alg)
{
	return alg == AUTH_SHA256 ? EVP_sha256() : EVP_md5();
}

/* H(text) in hex (RFC 7616 3.4.1 with MD5 or SHA-256). */
static int auth_h(enum auth_alg alg, const char *text, size_t len, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const EVP_MD *type = auth_md(alg);

	if (!type || EVP_Digest(text, len, md, &mdlen, type, NULL) != 1)
		return -ENOSYS;
	auth_hex(md, mdlen, hex);
	return 0;
}

int auth_ha1(enum auth_alg alg, const char *username, const char *realm,
	     const char *password, char *hex, size_t n)
{
	char text[1024];
	int len;

	if (n < STORE_HA1_SHA256_LEN + 1)
		return -EINVAL;
	len = snprintf(text, sizeof(text), "%s:%s:%s", username, realm,
		       password);
	if (len < 0 || (size_t)len >= sizeof(text))
		return -EINVAL;
	len = auth_h(alg, text, (size_t)len, hex);
	OPENSSL_cleanse(text, sizeof(text));
	return len;
}

int auth_new(struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));
	unsigned char d[32];

	*out = NULL;
	if (!a)
		return -ENOMEM;
	rnd_bytes(a->secret, sizeof(a->secret));
	rnd_bytes(d, sizeof(d));
	auth_hex(d, 16, a->dummy_ha1[AUTH_MD5]);
	auth_hex(d, 32, a->dummy_ha1[AUTH_SHA256]);
	*out = a;
	return 0;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

/* The MAC of a nonce's time and random bytes, for one digest realm. */
static void auth_nonce_mac(const struct auth *a, const unsigned char *head,
			   const char *realm, unsigned char *mac)
{
	unsigned char in[16 + 128], md[EVP_MAX_MD_SIZE];
	size_t rl = strlen(realm);
	unsigned mdlen = 0;

	if (rl > 128)
		rl = 128;
	memcpy(in, head, 16);
	memcpy(in + 16, realm, rl);
	HMAC(EVP_sha256(), a->secret, sizeof(a->secret), in, 16 + rl, md,
	     &mdlen);
	memcpy(mac, md, 16);
}

static void auth_nonce_make(const struct auth *a, const char *realm,
			    int64_t now_s, char *hex)
{
	unsigned char raw[AUTH_NONCE_RAW];
	uint64_t t = (uint64_t)now_s;

	for (int i = 7; i >= 0; i--) {
		raw[i] = (unsigned char)(t & 0xff);
		t >>= 8;
	}
	rnd_bytes(raw + 8, 8);
	auth_nonce_mac(a, raw, realm, raw + 16);
	auth_hex(raw, sizeof(raw), hex);
}

/* Whether a nonce is ours, for this realm, and young enough. */
static int auth_nonce_fresh(const struct auth *a, const struct auth_realm *r,
			    const char *hex, int64_t now_s)
{
	unsigned char raw[AUTH_NONCE_RAW], mac[16];
	uint64_t t = 0;
	int64_t issued;

	if (strlen(hex) != AUTH_NONCE_HEX ||
	    auth_unhex(hex, AUTH_NONCE_RAW, raw) < 0)
		return 0;
	auth_nonce_mac(a, raw, r->digest_realm, mac);
	if (CRYPTO_memcmp(mac, raw + 16, sizeof(mac)) != 0)
		return 0;
	for (int i = 0; i < 8; i++)
		t = (t << 8) | raw[i];
	issued = (int64_t)t;
	return issued <= now_s + AUTH_NONCE_SKEW_S &&
	       now_s - issued <= (int64_t)r->nonce_ttl_s;
}

static const char *const auth_alg_names[] = { "MD5", "SHA-256" };
static const enum auth_alg auth_default_algs[] = { AUTH_SHA256, AUTH_MD5 };

int auth_algs_parse(const char *s, enum auth_alg *algs, unsigned *n)
{
	struct str rest = str_cstr(s), e;

	*n = 0;
	while (sip_list_next(&rest, &e)) {
		enum auth_alg alg;

		if (str_caseeq_c(e, "MD5"))
			alg = AUTH_MD5;
		else if (str_caseeq_c(e, "SHA-256"))
			alg = AUTH_SHA256;
		else
			return -EINVAL;
		if (*n == 2 || (*n == 1 && algs[0] == alg))
			return -EINVAL;
		algs[(*n)++] = alg;
	}
	return *n ? 0 : -EINVAL;
}

/* Whether realm r offers alg. */
static int auth_alg_offered(const struct auth_realm *r, enum auth_alg alg)
{
	for (unsigned i = 0; i < r->n_algs; i++)
		if (r->algs[i] == alg)
			return 1;
	return r->n_algs == 0;
}

void auth_challenge_print(const struct auth *a, const struct auth_realm *r,
			  int64_t now_s, int stale, struct buf *b)
{
	const enum auth_alg *algs = r->n_algs ? r->algs : auth_default_algs;
	unsigned n = r->n_algs ? r->n_algs : 2;
	char nonce[AUTH_NONCE_HEX + 1];

	/* RFC 8760 2.4: one challenge per algorithm, the preferred first;
	 * one nonce serves both. */
	auth_nonce_make(a, r->digest_realm, now_s, nonce);
	for (unsigned i = 0; i < n; i++)
		buf_printf(b,
			   "WWW-Authenticate: Digest realm=\"%s\", "
			   "nonce=\"%s\", algorithm=%s, qop=\"auth\"%s\r\n",
			   r->digest_realm, nonce, auth_alg_names[algs[i]],
			   stale ? ", stale=true" : "");
}

/* Copies one parameter value, unquoted, into dst; 0 when it fits. */
static int auth_param(struct str v, char *dst, size_t n)
{
	int len = sip_unquote(v, dst, n);

	return len < 0 || (size_t)len >= n ? -EINVAL : 0;
}

/*
 * Parses one credentials value (RFC 3261 25.1 "credentials", RFC 7616
 * 3.4).  Returns 0 for a Digest value, -EINVAL otherwise.
 */
static int auth_cred_parse(struct str v, struct auth_cred *c)
{
	struct str rest, e;
	size_t sp = 0;

	memset(c, 0, sizeof(*c));
	v = str_trim(v);
	while (sp < v.len && v.p[sp] != ' ' && v.p[sp] != '\t')
		sp++;
	if (!str_caseeq_c(str_make(v.p, sp), "Digest"))
		return -EINVAL;
	rest = str_make(v.p + sp, v.len - sp);
	while (sip_list_next(&rest, &e)) {
		ptrdiff_t eq = str_chr(e, '=');
		struct str name, val;
		static const struct {
			const char *name;
			size_t off, size;
		} f[] = {
#define F(x) { #x, offsetof(struct auth_cred, x), \
	       sizeof(((struct auth_cred *)0)->x) }
			F(username), F(realm), F(nonce), F(uri), F(response),
			F(cnonce), F(nc), F(qop), F(algorithm),
#undef F
		};

		if (eq < 0)
			return -EINVAL;
		name = str_trim(str_make(e.p, (size_t)eq));
		val = str_trim(str_make(e.p + eq + 1, e.len - (size_t)eq - 1));
		for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++)
			if (str_caseeq_c(name, f[i].name) &&
			    auth_param(val, (char *)c + f[i].off, f[i].size) < 0)
				return -EINVAL;
	}
	return c->username[0] && c->nonce[0] && c->uri[0] && c->response[0]
		       ? 0
		       : -EINVAL;
}

/*
 * response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2), HA2 =
 * H(method ":" uri) (RFC 7616 3.4.1, RFC 3261 22.4 for qop "auth").
 */
static int auth_response(enum auth_alg alg, const char *ha1,
			 const struct auth_cred *c, struct str method,
			 char *hex)
{
	char text[2048], ha2[STORE_HA1_SHA256_LEN + 1];
	int len;

	len = snprintf(text, sizeof(text), "%.*s:%s", STR_FMT(method), c->uri);
	if (len < 0 || (size_t)len >= sizeof(text) ||
	    auth_h(alg, text, (size_t)len, ha2) < 0)
		return -EINVAL;
	len = snprintf(text, sizeof(text), "%s:%s:%s:%s:%s:%s", ha1, c->nonce,
		       c->nc, c->cnonce, c->qop, ha2);
	if (len < 0 || (size_t)len >= sizeof(text))
		return -EINVAL;
	return auth_h(alg, text, (size_t)len, hex);
}

/*
 * RFC 7616 3.4.6 asks that the digest-uri be the Request-URI.  Clients
 * differ (SIPp leaves the user part out), so the host and port must be
 * the Request-URI's, which keeps credentials made for another server
 * from being replayed here.
 */
static int auth_uri_ok(const char *uri, const struct sip_uri *ruri)
{
	struct sip_uri u;

	if (str_eq(str_cstr(uri), ruri->raw))
		return 1;
	return sip_uri_parse(&u, str_cstr(uri), NULL) == 0 &&
	       u.scheme == ruri->scheme && str_caseeq(u.host, ruri->host) &&
	       u.port == ruri->port;
}

/* The first Digest credentials of m for the digest realm, or -ENOENT. */
static int auth_cred_find(const struct sip_msg *m, const char *realm,
			  struct auth_cred *c)
{
	const struct sip_hdr *h;
	int seen = 0;

	for (h = sip_msg_hdr(m, SIP_HDR_AUTHORIZATION); h;
	     h = sip_msg_hdr_next(m, h)) {
		if (auth_cred_parse(h->value, c) < 0) {
			seen = 1;
			continue;
		}
		if (strcmp(c->realm, realm) == 0)
			return 0;
	}
	return seen ? -EINVAL : -ENOENT;
}

enum auth_result auth_check(const struct auth *a, const struct auth_realm *r,
			    const struct store_creds *creds,
			    const struct sip_msg *m, int64_t now_s,
			    char *user, size_t usern)
{
	const struct store_cred *sc;
	struct auth_cred c;
	enum auth_alg alg;
	const char *ha1;
	char want[STORE_HA1_SHA256_LEN + 1];
	int ok, fresh;

	if (user && usern)
		user[0] = '\0';
	if (auth_cred_find(m, r->digest_realm, &c) < 0)
		return AUTH_NONE;
	/* RFC 7616 3.4: no algorithm means MD5. */
	if (!c.algorithm[0] || strcasecmp(c.algorithm, "MD5") == 0)
		alg = AUTH_MD5;
	else if (strcasecmp(c.algorithm, "SHA-256") == 0)
		alg = AUTH_SHA256;
	else
		return AUTH_FAILED;
	if (!auth_alg_offered(r, alg))
		return AUTH_FAILED;
	sc = store_creds_find(creds, r->name, c.username);
	ha1 = sc ? (alg == AUTH_SHA256 ? sc->ha1_sha256 : sc->ha1_md5) : NULL;
	/* Hashes made with another digest realm cannot match. */
	if (ha1 && strcmp(sc->digest_realm, r->digest_realm) != 0)
		ha1 = NULL;
	ok = ha1 != NULL;
	if (!ha1)
		ha1 = a->dummy_ha1[alg];
	/* The challenge asked for qop "auth" (RFC 7616 3.4: the client
	 * must then send it with cnonce and nc). */
	if (strcmp(c.qop, "auth") != 0 || !c.cnonce[0] || strlen(c.nc) != 8)
		ok = 0;
	if (!auth_uri_ok(c.uri, &m->ruri))
		ok = 0;
	fresh = auth_nonce_fresh(a, r, c.nonce, now_s);
	if (auth_response(alg, ha1, &c, m->method_s, want) < 0)
		return AUTH_FAILED;
	for (size_t i = 0; c.response[i]; i++)
		if (c.response[i] >= 'A' && c.response[i] <= 'F')
			c.response[i] = (char)(c.response[i] - 'A' + 'a');
	ok = strlen(c.response) == strlen(want) &&
	     CRYPTO_memcmp(want, c.response, strlen(want)) == 0 && ok;
	if (!ok)
		return AUTH_FAILED;
	if (!fresh)
		return AUTH_STALE;
	if (user && usern)
		snprintf(user, usern, "%s", c.username);
	return AUTH_OK;
}
