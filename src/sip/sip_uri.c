/*
 * SIP, SIPS and tel URI parsing (RFC 3261 19.1, 25.1; RFC 3966).
 */
#include <arpa/inet.h>
#include <errno.h>

#include "sbc/sip_uri.h"
#include "sip_chars.h"

static int fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return -EINVAL;
}

/* Checks that every byte of s is in class cls or a valid %-escape. */
static int chars_ok(struct str s, unsigned cls)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '%') {
			if (i + 2 >= s.len || !sip_is_hex(s.p[i + 1]) ||
			    !sip_is_hex(s.p[i + 2]))
				return 0;
			i += 2;
			continue;
		}
		if (!(sip_ctab[c] & cls))
			return 0;
	}
	return 1;
}

/* RFC 3261 25.1 hostname: dot-separated labels of alphanumerics and '-'
 * (and '_', seen in the wild), none empty, none starting with '-'; one
 * trailing dot allowed; not all digits. */
static int hostname_ok(struct str h)
{
	size_t label = 0;
	int alpha = 0;

	for (size_t i = 0; i < h.len; i++) {
		unsigned char c = (unsigned char)h.p[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (sip_ctab[c] & SIP_C_ALPHA)
			alpha = 1;
		else if (c == '-' ? label == 0 : !(c >= '0' && c <= '9') && c != '_')
			return 0;
		label++;
	}
	return alpha;
}

enum sip_host_type sip_host_classify(struct str host)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char a6[16];
	unsigned parts = 0, val = 0, digits = 0;
	size_t i;

	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']')
		host = str_make(host.p + 1, host.len - 2);
	if (host.len == 0)
		return SIP_HOST_NONE;
	if (str_chr(host, ':') >= 0) {
		if (host.len >= sizeof(tmp))
			return SIP_HOST_NONE;
		str_copy(tmp, sizeof(tmp), host);
		return inet_pton(AF_INET6, tmp, a6) == 1 ? SIP_HOST_IPV6
							  : SIP_HOST_NONE;
	}
	for (i = 0; i <= host.len; i++) {
		char c = i < host.len ? host.p[i] : '.';

		if (c >= '0' && c <= '9') {
			val = val * 10 + (unsigned)(c - '0');
			if (++digits > 3 || val > 255)
				break;
		} else if (c == '.' && digits) {
			parts++;
			val = digits = 0;
		} else {
			break;
		}
	}
	if (parts == 4 && i > host.len)
		return SIP_HOST_IPV4;
	return hostname_ok(host) ? SIP_HOST_NAME : SIP_HOST_NONE;
}

/* The binary form of an IP literal host; its family, or 0 for a name. */
static int host_bin(struct str h, unsigned char bin[16])
{
	char tmp[INET6_ADDRSTRLEN + 1];
	enum sip_host_type t = sip_host_classify(h);

	if (t != SIP_HOST_IPV4 && t != SIP_HOST_IPV6)
		return 0;
	if (h.len >= 2 && h.p[0] == '[')
		h = str_make(h.p + 1, h.len - 2);
	str_copy(tmp, sizeof(tmp), h);
	if (t == SIP_HOST_IPV4)
		return inet_pton(AF_INET, tmp, bin) == 1 ? AF_INET : 0;
	return inet_pton(AF_INET6, tmp, bin) == 1 ? AF_INET6 : 0;
}

int sip_host_same(struct str a, struct str b)
{
	unsigned char ba[16], bb[16];
	int fa = host_bin(a, ba), fb = host_bin(b, bb);

	if (fa || fb)
		return fa == fb &&
		       memcmp(ba, bb, fa == AF_INET ? 4 : 16) == 0;
	return str_caseeq(a, b);
}

static int parse_port(struct str s, uint16_t *port)
{
	uint64_t v;

	if (str_to_u64(s, 65535, &v) || v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* hostport [;params] [?headers], shared by SIP URIs. */
static int parse_hostport_rest(struct sip_uri *u, const char *p,
			       const char *end, const char **err)
{
	const char *q;

	if (p < end && *p == '[') {
		q = memchr(p, ']', (size_t)(end - p));
		if (!q)
			return fail(err, "unterminated IPv6 reference in URI");
		u->host = str_make(p + 1, (size_t)(q - p - 1));
		if (sip_host_classify(u->host) != SIP_HOST_IPV6)
			return fail(err, "bad IPv6 address in URI");
		u->host_type = SIP_HOST_IPV6;
		p = q + 1;
	} else {
		q = p;
		while (q < end && *q != ':' && *q != ';' && *q != '?')
			q++;
		u->host = str_make(p, (size_t)(q - p));
		if (u->host.len == 0)
			return fail(err, "empty host in URI");
		u->host_type = sip_host_classify(u->host);
		if (u->host_type == SIP_HOST_NONE ||
		    u->host_type == SIP_HOST_IPV6)
			return fail(err, "bad host in URI");
		p = q;
	}
	if (p < end && *p == ':') {
		q = ++p;
		while (q < end && *q != ';' && *q != '?')
			q++;
		if (parse_port(str_make(p, (size_t)(q - p)), &u->port))
			return fail(err, "bad port in URI");
		p = q;
	}
	if (p < end && *p == ';') {
		q = ++p;
		while (q < end && *q != '?')
			q++;
		u->params = str_make(p, (size_t)(q - p));
		if (!chars_ok(u->params, SIP_C_PARAM | SIP_C_SEMI_EQ))
			return fail(err, "bad character in URI parameters");
		p = q;
	}
	if (p < end && *p == '?') {
		p++;
		u->headers = str_make(p, (size_t)(end - p));
		if (!chars_ok(u->headers, SIP_C_HNV | SIP_C_AMP_EQ))
			return fail(err, "bad character in URI headers");
		p = end;
	}
	if (p != end)
		return fail(err, "bad URI");
	return 0;
}

static int parse_sip(struct sip_uri *u, const char *p, const char *end,
		     const char **err)
{
	const char *at = memchr(p, '@', (size_t)(end - p));

	if (at) {
		struct str ui = str_make(p, (size_t)(at - p));
		ptrdiff_t colon = str_chr(ui, ':');

		if (colon >= 0) {
			u->user = str_make(ui.p, (size_t)colon);
			u->password = str_make(ui.p + colon + 1,
					       ui.len - (size_t)colon - 1);
			if (!chars_ok(u->password, SIP_C_PASSWORD))
				return fail(err, "bad character in URI password");
		} else {
			u->user = ui;
		}
		if (u->user.len == 0)
			return fail(err, "empty user in URI");
		if (!chars_ok(u->user, SIP_C_USER))
			return fail(err, "bad character in URI user");
		p = at + 1;
	}
	return parse_hostport_rest(u, p, end, err);
}

/* RFC 3966: tel:number;params. */
static int parse_tel(struct sip_uri *u, const char *p, const char *end,
		     const char **err)
{
	const char *q = p;

	while (q < end && *q != ';')
		q++;
	u->user = str_make(p, (size_t)(q - p));
	if (u->user.len == 0 || !chars_ok(u->user, SIP_C_TEL))
		return fail(err, "bad tel URI number");
	if (q < end) {
		u->params = str_make(q + 1, (size_t)(end - q - 1));
		if (!chars_ok(u->params, SIP_C_PARAM | SIP_C_SEMI_EQ))
			return fail(err, "bad character in URI parameters");
	}
	return 0;
}

int sip_uri_parse(struct sip_uri *u, struct str s, const char **err)
{
	const char *p = s.p, *end = s.p + s.len, *colon;

	*u = (struct sip_uri){ .raw = s };
	colon = s.len ? memchr(s.p, ':', s.len) : NULL;
	if (!colon || colon == s.p)
		return fail(err, "URI without scheme");
	u->scheme_s = str_make(p, (size_t)(colon - p));
	for (size_t i = 0; i < u->scheme_s.len; i++)
		if (!(sip_ctab[(unsigned char)p[i]] & SIP_C_SCHEME) ||
		    (i == 0 && !(sip_ctab[(unsigned char)p[i]] & SIP_C_ALPHA)))
			return fail(err, "bad URI scheme");
	p = colon + 1;
	if (str_caseeq_c(u->scheme_s, "sip"))
		u->scheme = SIP_URI_SIP;
	else if (str_caseeq_c(u->scheme_s, "sips"))
		u->scheme = SIP_URI_SIPS;
	else if (str_caseeq_c(u->scheme_s, "tel"))
		u->scheme = SIP_URI_TEL;

	switch (u->scheme) {
	case SIP_URI_SIP:
	case SIP_URI_SIPS:
		return parse_sip(u, p, end, err);
	case SIP_URI_TEL:
		return parse_tel(u, p, end, err);
	default:
		/* absoluteURI (RFC 3261 25.1): kept raw, but it must not hold
		 * white space or the delimiters of a name-addr. */
		if (p == end || !chars_ok(str_make(p, (size_t)(end - p)),
					  SIP_C_ABSURI))
			return fail(err, "bad URI");
		return 0;
	}
}

static inline int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int sip_param_next(struct str *rest, struct str *name, struct str *val)
{
	const char *p, *end, *q;
	int quoted = 0;

	if (!rest->p)
		return 0;
	p = rest->p;
	end = rest->p + rest->len;
	while (p < end && (*p == ';' || is_ws(*p)))
		p++;
	if (p >= end) {
		*rest = str_make(end, 0);
		return 0;
	}
	q = p;
	while (q < end && *q != '=' && *q != ';')
		q++;
	*name = str_trim(str_make(p, (size_t)(q - p)));
	if (q < end && *q == '=') {
		p = ++q;
		for (; q < end; q++) {
			if (*q == '\\' && quoted && q + 1 < end)
				q++;
			else if (*q == '"')
				quoted = !quoted;
			else if (*q == ';' && !quoted)
				break;
		}
		*val = str_trim(str_make(p, (size_t)(q - p)));
		if (!val->p || val->len == 0)
			*val = str_make(p, 0);
	} else {
		*val = str_make(q, 0);
	}
	*rest = str_make(q, (size_t)(end - q));
	return 1;
}

int sip_param_get(struct str params, const char *name, struct str *val)
{
	struct str n, v;

	while (sip_param_next(&params, &n, &v)) {
		if (str_caseeq_c(n, name)) {
			if (val)
				*val = v;
			return 1;
		}
	}
	return 0;
}

struct str sip_uri_transport(const struct sip_uri *u)
{
	struct str v;

	if (sip_param_get(u->params, "transport", &v))
		return v;
	return STR("");
}

int sip_uri_is_lr(const struct sip_uri *u)
{
	return sip_param_get(u->params, "lr", NULL);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c - 'a' + 10;
}

/* Next byte of s with %-escapes resolved; advances *i. */
static int unesc_at(struct str s, size_t *i)
{
	unsigned char c = (unsigned char)s.p[*i];

	if (c == '%' && *i + 2 < s.len &&
	    sip_is_hex(s.p[*i + 1]) && sip_is_hex(s.p[*i + 2])) {
		c = (unsigned char)(hexval(s.p[*i + 1]) * 16 +
				    hexval(s.p[*i + 2]));
		*i += 3;
		return c;
	}
	(*i)++;
	return c;
}

int sip_uri_user_eq(struct str a, struct str b)
{
	size_t i = 0, j = 0;

	while (i < a.len && j < b.len)
		if (unesc_at(a, &i) != unesc_at(b, &j))
			return 0;
	return i == a.len && j == b.len;
}
