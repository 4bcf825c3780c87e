/*
 * Header names, methods, and the parsers of the header values that
 * routing decisions need (RFC 3261 7.3, 20, 25.1).
 */
#include <errno.h>

#include "sbc/sip_hdr.h"
#include "sip_chars.h"

static int fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return -EINVAL;
}

static const char *const hdr_names[SIP_HDR_COUNT] = {
	[SIP_HDR_ACCEPT] = "Accept",
	[SIP_HDR_ACCEPT_CONTACT] = "Accept-Contact",
	[SIP_HDR_ACCEPT_ENCODING] = "Accept-Encoding",
	[SIP_HDR_ALLOW] = "Allow",
	[SIP_HDR_ALLOW_EVENTS] = "Allow-Events",
	[SIP_HDR_AUTHORIZATION] = "Authorization",
	[SIP_HDR_CALL_ID] = "Call-ID",
	[SIP_HDR_CONTACT] = "Contact",
	[SIP_HDR_CONTENT_DISPOSITION] = "Content-Disposition",
	[SIP_HDR_CONTENT_ENCODING] = "Content-Encoding",
	[SIP_HDR_CONTENT_LENGTH] = "Content-Length",
	[SIP_HDR_CONTENT_TYPE] = "Content-Type",
	[SIP_HDR_CSEQ] = "CSeq",
	[SIP_HDR_EVENT] = "Event",
	[SIP_HDR_EXPIRES] = "Expires",
	[SIP_HDR_FROM] = "From",
	[SIP_HDR_IDENTITY] = "Identity",
	[SIP_HDR_IDENTITY_INFO] = "Identity-Info",
	[SIP_HDR_MAX_FORWARDS] = "Max-Forwards",
	[SIP_HDR_MIN_SE] = "Min-SE",
	[SIP_HDR_PATH] = "Path",
	[SIP_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
	[SIP_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
	[SIP_HDR_PROXY_REQUIRE] = "Proxy-Require",
	[SIP_HDR_RACK] = "RAck",
	[SIP_HDR_RECORD_ROUTE] = "Record-Route",
	[SIP_HDR_REFER_TO] = "Refer-To",
	[SIP_HDR_REFERRED_BY] = "Referred-By",
	[SIP_HDR_REJECT_CONTACT] = "Reject-Contact",
	[SIP_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
	[SIP_HDR_REQUIRE] = "Require",
	[SIP_HDR_RETRY_AFTER] = "Retry-After",
	[SIP_HDR_ROUTE] = "Route",
	[SIP_HDR_RSEQ] = "RSeq",
	[SIP_HDR_SERVER] = "Server",
	[SIP_HDR_SESSION_EXPIRES] = "Session-Expires",
	[SIP_HDR_SUBJECT] = "Subject",
	[SIP_HDR_SUBSCRIPTION_STATE] = "Subscription-State",
	[SIP_HDR_SUPPORTED] = "Supported",
	[SIP_HDR_TIMESTAMP] = "Timestamp",
	[SIP_HDR_TO] = "To",
	[SIP_HDR_UNSUPPORTED] = "Unsupported",
	[SIP_HDR_USER_AGENT] = "User-Agent",
	[SIP_HDR_VIA] = "Via",
	[SIP_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
};

/* Compact forms: RFC 3261 7.3.3 and the RFCs that added more. */
static const uint8_t compact[26] = {
	['a' - 'a'] = SIP_HDR_ACCEPT_CONTACT,	/* RFC 3841 */
	['b' - 'a'] = SIP_HDR_REFERRED_BY,	/* RFC 3892 */
	['c' - 'a'] = SIP_HDR_CONTENT_TYPE,
	['d' - 'a'] = SIP_HDR_REQUEST_DISPOSITION,	/* RFC 3841 */
	['e' - 'a'] = SIP_HDR_CONTENT_ENCODING,
	['f' - 'a'] = SIP_HDR_FROM,
	['i' - 'a'] = SIP_HDR_CALL_ID,
	['j' - 'a'] = SIP_HDR_REJECT_CONTACT,	/* RFC 3841 */
	['k' - 'a'] = SIP_HDR_SUPPORTED,
	['l' - 'a'] = SIP_HDR_CONTENT_LENGTH,
	['m' - 'a'] = SIP_HDR_CONTACT,
	['n' - 'a'] = SIP_HDR_IDENTITY_INFO,	/* RFC 4474 */
	['o' - 'a'] = SIP_HDR_EVENT,		/* RFC 6665 */
	['r' - 'a'] = SIP_HDR_REFER_TO,		/* RFC 3515 */
	['s' - 'a'] = SIP_HDR_SUBJECT,
	['t' - 'a'] = SIP_HDR_TO,
	['u' - 'a'] = SIP_HDR_ALLOW_EVENTS,	/* RFC 6665 */
	['v' - 'a'] = SIP_HDR_VIA,
	['x' - 'a'] = SIP_HDR_SESSION_EXPIRES,	/* RFC 4028 */
	['y' - 'a'] = SIP_HDR_IDENTITY,		/* RFC 8224 */
};

/*
 * Known names in an open-addressing hash table keyed by the lower-case
 * name, filled once on first use.  sip_hdr_hash must match what the
 * message tokenizer computes while it scans a name.
 */
#define HTAB_SIZE 128
static uint8_t htab[HTAB_SIZE];
static int htab_ready;

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static void htab_build(void)
{
	for (unsigned id = 1; id < SIP_HDR_COUNT; id++) {
		const char *n = hdr_names[id];
		uint32_t h = 0;

		for (size_t i = 0; n[i]; i++)
			h = sip_hdr_hash_step(h, n[i]);
		for (h %= HTAB_SIZE; htab[h]; h = (h + 1) % HTAB_SIZE)
			;
		htab[h] = (uint8_t)id;
	}
	__atomic_store_n(&htab_ready, 1, __ATOMIC_RELEASE);
}

enum sip_hdr_id sip_hdr_lookup_hashed(const char *name, size_t len,
				      uint32_t h)
{
	char c0;

	if (len == 1) {
		c0 = lower(name[0]);
		return (c0 >= 'a' && c0 <= 'z') ? (enum sip_hdr_id)compact[c0 - 'a']
						: SIP_HDR_OTHER;
	}
	/* Building the table twice concurrently writes the same bytes. */
	if (!__atomic_load_n(&htab_ready, __ATOMIC_ACQUIRE))
		htab_build();
	for (h %= HTAB_SIZE; htab[h]; h = (h + 1) % HTAB_SIZE) {
		const char *n = hdr_names[htab[h]];
		size_t i;

		for (i = 0; i < len && n[i] && lower(name[i]) == lower(n[i]); i++)
			;
		if (i == len && n[len] == '\0')
			return (enum sip_hdr_id)htab[h];
	}
	return SIP_HDR_OTHER;
}

enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len)
{
	uint32_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = sip_hdr_hash_step(h, name[i]);
	return len ? sip_hdr_lookup_hashed(name, len, h) : SIP_HDR_OTHER;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	return (id > SIP_HDR_OTHER && id < SIP_HDR_COUNT) ? hdr_names[id]
							  : NULL;
}

static const char *const method_names[] = {
	[SIP_METHOD_INVITE] = "INVITE",
	[SIP_METHOD_ACK] = "ACK",
	[SIP_METHOD_BYE] = "BYE",
	[SIP_METHOD_CANCEL] = "CANCEL",
	[SIP_METHOD_OPTIONS] = "OPTIONS",
	[SIP_METHOD_REGISTER] = "REGISTER",
	[SIP_METHOD_PRACK] = "PRACK",
	[SIP_METHOD_UPDATE] = "UPDATE",
	[SIP_METHOD_INFO] = "INFO",
	[SIP_METHOD_MESSAGE] = "MESSAGE",
	[SIP_METHOD_REFER] = "REFER",
	[SIP_METHOD_NOTIFY] = "NOTIFY",
	[SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_METHOD_PUBLISH] = "PUBLISH",
};

enum sip_method sip_method_lookup(struct str s)
{
	for (unsigned i = 1; i < sizeof(method_names) / sizeof(*method_names);
	     i++) {
		if (s.len && s.p[0] == method_names[i][0] &&
		    str_eq(s, str_cstr(method_names[i])))
			return (enum sip_method)i;
	}
	return SIP_METHOD_OTHER;
}

const char *sip_method_name(enum sip_method m)
{
	return (m > SIP_METHOD_OTHER &&
		m < (int)(sizeof(method_names) / sizeof(*method_names)))
		       ? method_names[m]
		       : NULL;
}

/* Cursor helpers over a slice. */
struct cur {
	const char *p, *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && sip_is_ws(*c->p))
		c->p++;
}

static struct str take_token(struct cur *c)
{
	const char *s = c->p;

	while (c->p < c->end && sip_is_token(*c->p))
		c->p++;
	return str_make(s, (size_t)(c->p - s));
}

static int expect(struct cur *c, char ch)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	skip_ws(c);
	return 0;
}

static const char *skip_quoted(const char *p, const char *end);

/* A generic-param (RFC 3261 25.1): a token name and a value that is a
 * token, a host (IPv6 references included) or a quoted string. */
static int param_ok(struct str name, struct str val)
{
	if (name.len == 0)
		return 0;
	for (size_t i = 0; i < name.len; i++)
		if (!sip_is_token(name.p[i]))
			return 0;
	if (val.len && val.p[0] == '"')
		return skip_quoted(val.p, val.p + val.len) == val.p + val.len;
	for (size_t i = 0; i < val.len; i++) {
		char c = val.p[i];

		if (!sip_is_token(c) && c != '[' && c != ']' && c != ':')
			return 0;
	}
	return 1;
}

int sip_via_parse(struct sip_via *v, struct str s, const char **err)
{
	struct cur c = { s.p, s.p + s.len };
	struct str name, ver, rest, pn, pv;
	const char *host_start, *q;
	uint64_t port;

	*v = (struct sip_via){ .raw = s };
	skip_ws(&c);
	/* RFC 3261 20.42: sent-protocol = name SLASH version SLASH transport,
	 * with LWS allowed around each SLASH. */
	name = take_token(&c);
	if (expect(&c, '/'))
		return fail(err, "bad Via protocol");
	ver = take_token(&c);
	if (expect(&c, '/'))
		return fail(err, "bad Via protocol");
	v->transport = take_token(&c);
	if (!str_caseeq_c(name, "SIP") || !str_eq(ver, STR("2.0")))
		return fail(err, "bad Via protocol version");
	if (v->transport.len == 0)
		return fail(err, "missing Via transport");
	v->proto = str_make(name.p, (size_t)(ver.p + ver.len - name.p));
	if (c.p >= c.end || !sip_is_ws(*c.p))
		return fail(err, "bad Via sent-by");
	skip_ws(&c);

	host_start = c.p;
	if (c.p < c.end && *c.p == '[') {
		q = memchr(c.p, ']', (size_t)(c.end - c.p));
		if (!q)
			return fail(err, "unterminated IPv6 reference in Via");
		v->host = str_make(c.p + 1, (size_t)(q - c.p - 1));
		c.p = q + 1;
	} else {
		while (c.p < c.end && *c.p != ':' && *c.p != ';' &&
		       !sip_is_ws(*c.p))
			c.p++;
		v->host = str_make(host_start, (size_t)(c.p - host_start));
	}
	v->host_type = sip_host_classify(v->host);
	if (v->host_type == SIP_HOST_NONE ||
	    (v->host_type == SIP_HOST_IPV6 && *host_start != '['))
		return fail(err, "bad Via host");
	skip_ws(&c);
	if (c.p < c.end && *c.p == ':') {
		c.p++;
		skip_ws(&c);
		q = c.p;
		while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
			c.p++;
		if (str_to_u64(str_make(q, (size_t)(c.p - q)), 65535, &port) ||
		    port == 0)
			return fail(err, "bad Via port");
		v->port = (uint16_t)port;
		skip_ws(&c);
	}
	if (c.p < c.end && *c.p != ';')
		return fail(err, "bad Via parameters");
	v->params = str_make(c.p, (size_t)(c.end - c.p));
	rest = v->params;
	while (sip_param_next(&rest, &pn, &pv)) {
		/* RFC 3261 25.1: via-extension = generic-param, whose value
		 * is a token, a host or a quoted string. */
		if (!param_ok(pn, pv))
			return fail(err, "bad Via parameters");
		if (str_caseeq_c(pn, "branch"))
			v->branch = pv;
		else if (str_caseeq_c(pn, "received"))
			v->received = pv;
		else if (str_caseeq_c(pn, "maddr"))
			v->maddr = pv;
		else if (str_caseeq_c(pn, "ttl"))
			v->ttl = pv;
		else if (str_caseeq_c(pn, "rport")) {
			v->rport = pv;
			v->has_rport = 1;
		}
	}
	if (v->rport.len &&
	    (str_to_u64(v->rport, 65535, &port) || port == 0))
		return fail(err, "bad Via rport");
	if (str_isset(v->received) &&
	    sip_host_classify(v->received) != SIP_HOST_IPV4 &&
	    sip_host_classify(v->received) != SIP_HOST_IPV6)
		return fail(err, "bad Via received");
	if (str_isset(v->ttl) && str_to_u64(v->ttl, 255, &port))
		return fail(err, "bad Via ttl");
	if (str_isset(v->branch) && v->branch.len == 0)
		return fail(err, "empty Via branch");
	return 0;
}

int sip_via_branch_is_3261(const struct sip_via *v)
{
	return str_casestarts(v->branch, "z9hG4bK") &&
	       memcmp(v->branch.p, "z9hG4bK", 7) == 0;
}

/* Skips a quoted string starting at *p (on the opening quote). */
static const char *skip_quoted(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

static int display_ok(struct str d)
{
	const char *p = d.p, *end = d.p + d.len;

	if (d.len == 0)
		return 1;
	if (*p == '"')
		return skip_quoted(p, end) == end;
	/* *(token LWS) */
	for (; p < end; p++)
		if (!sip_is_token(*p) && !sip_is_ws(*p))
			return 0;
	return 1;
}

int sip_addr_parse(struct sip_addr *a, struct str s, const char **err)
{
	const char *p, *end, *lt = NULL, *gt, *q;
	int rc;

	*a = (struct sip_addr){ 0 };
	s = str_trim(s);
	p = s.p;
	end = s.p + s.len;
	if (s.len == 0)
		return fail(err, "empty address");
	if (s.len == 1 && *p == '*') {
		a->star = 1;
		return 0;
	}
	/* Find '<' outside a quoted display name. */
	for (q = p; q < end; q++) {
		if (*q == '"') {
			q = skip_quoted(q, end);
			if (!q)
				return fail(err, "unterminated quoted string");
			q--;
		} else if (*q == '<') {
			lt = q;
			break;
		}
	}
	if (lt) {
		a->angle = 1;
		a->display = str_trim(str_make(p, (size_t)(lt - p)));
		if (a->display.len == 0)
			a->display = STR_NULL;
		else if (!display_ok(a->display))
			return fail(err, "bad display name");
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt)
			return fail(err, "missing '>' in address");
		a->uri_s = str_make(lt + 1, (size_t)(gt - lt - 1));
		q = gt + 1;
	} else {
		/* addr-spec: parameters after the URI belong to the header
		 * (RFC 3261 20.10), and the URI may not hold ',', ';' or '?'. */
		q = p;
		while (q < end && *q != ';' && !sip_is_ws(*q))
			q++;
		a->uri_s = str_make(p, (size_t)(q - p));
		if (str_chr(a->uri_s, '?') >= 0)
			return fail(err, "URI headers need angle brackets");
	}
	rc = sip_uri_parse(&a->uri, a->uri_s, err);
	if (rc)
		return rc;
	while (q < end && sip_is_ws(*q))
		q++;
	if (q < end && *q != ';')
		return fail(err, "garbage after address");
	a->params = str_make(q, (size_t)(end - q));
	if (sip_param_get(a->params, "tag", &a->tag)) {
		/* RFC 3261 25.1: tag-param = "tag" EQUAL token. */
		if (a->tag.len == 0)
			return fail(err, "empty tag");
		for (size_t i = 0; i < a->tag.len; i++)
			if (!sip_is_token(a->tag.p[i]))
				return fail(err, "bad tag");
	}
	return 0;
}

int sip_cseq_parse(struct sip_cseq *c, struct str s, const char **err)
{
	struct cur cu = { s.p, s.p + s.len };
	const char *d;
	uint64_t n;

	*c = (struct sip_cseq){ 0 };
	skip_ws(&cu);
	d = cu.p;
	while (cu.p < cu.end && *cu.p >= '0' && *cu.p <= '9')
		cu.p++;
	/* RFC 3261 8.1.1.5: a 32-bit unsigned number. */
	if (str_to_u64(str_make(d, (size_t)(cu.p - d)), UINT32_MAX, &n))
		return fail(err, "bad CSeq number");
	if (cu.p >= cu.end || !sip_is_ws(*cu.p))
		return fail(err, "bad CSeq");
	skip_ws(&cu);
	c->method_s = take_token(&cu);
	skip_ws(&cu);
	if (c->method_s.len == 0 || cu.p != cu.end)
		return fail(err, "bad CSeq method");
	c->num = (uint32_t)n;
	c->method = sip_method_lookup(c->method_s);
	return 0;
}

int sip_list_next(struct str *rest, struct str *elem)
{
	const char *p, *end, *s;
	int angle = 0;

	if (!rest->p)
		return 0;
	p = rest->p;
	end = rest->p + rest->len;
	for (;;) {
		while (p < end && (*p == ',' || sip_is_ws(*p)))
			p++;
		if (p >= end) {
			*rest = str_make(end, 0);
			return 0;
		}
		s = p;
		for (; p < end; p++) {
			if (*p == '"') {
				const char *q = skip_quoted(p, end);

				p = q ? q - 1 : end - 1;
			} else if (*p == '<') {
				angle = 1;
			} else if (*p == '>') {
				angle = 0;
			} else if (*p == ',' && !angle) {
				break;
			}
		}
		*elem = str_trim(str_make(s, (size_t)(p - s)));
		*rest = str_make(p, (size_t)(end - p));
		if (elem->len)
			return 1;
	}
}

int sip_unquote(struct str s, char *dst, size_t n)
{
	const char *p, *end;
	size_t k = 0;

	s = str_trim(s);
	if (s.len == 0 || s.p[0] != '"') {
		if (s.len >= n)
			return -ENOBUFS;
		memcpy(dst, s.p, s.len);
		dst[s.len] = '\0';
		return (int)s.len;
	}
	if (s.len < 2 || skip_quoted(s.p, s.p + s.len) != s.p + s.len)
		return -EINVAL;
	end = s.p + s.len - 1;
	for (p = s.p + 1; p < end; p++) {
		if (*p == '\\')
			p++;
		if (k + 1 >= n)
			return -ENOBUFS;
		dst[k++] = *p;
	}
	dst[k] = '\0';
	return (int)k;
}
