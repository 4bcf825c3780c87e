/*
 * The SIP message tokenizer (RFC 3261 7, 18.3, 25).
 *
 * One pass over the header section finds every line and its name; the
 * values that validity and routing depend on are parsed at once, the rest
 * only when asked.  Slices point into the caller's buffer.
 */
#include <errno.h>
#include <stdio.h>

#include "sbc/sip_msg.h"
#include "sip_chars.h"

static int fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return -EBADMSG;
}

/*
 * Prefixes the reason a value parser gave with the header it came from
 * ("bad From: unterminated quoted string").  The text lives in a
 * per-thread buffer, valid until the next parse on the same thread.
 */
static int fail_in(const char **err, const char *hdr)
{
	static _Thread_local char why[96];

	snprintf(why, sizeof(why), "bad %s: %s", hdr, *err);
	*err = why;
	return -EBADMSG;
}

/* End of the line starting at p: the LF, or end.  Sets *next after it. */
static const char *line_end(const char *p, const char *end,
			    const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (!lf) {
		*next = end;
		return end;
	}
	*next = lf + 1;
	return (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
}

static int parse_version(struct str v)
{
	return str_caseeq_c(v, "SIP/2.0");
}

static int parse_start_line(struct sip_msg *m, struct str line,
			    const char **err)
{
	const char *p = line.p, *end = line.p + line.len, *sp1, *sp2;
	struct str tail;
	uint64_t code;

	if (line.len >= 8 && str_casestarts(line, "SIP/")) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		sp1 = memchr(p, ' ', line.len);
		if (!sp1 || !parse_version(str_make(p, (size_t)(sp1 - p))))
			return fail(err, "bad SIP version in status line");
		p = sp1 + 1;
		if (end - p < 3 || (end - p > 3 && p[3] != ' '))
			return fail(err, "bad status code");
		if (str_to_u64(str_make(p, 3), 699, &code) || code < 100)
			return fail(err, "bad status code");
		m->status = (unsigned)code;
		m->reason = end - p > 3 ? str_make(p + 4, (size_t)(end - p - 4))
					: str_make(end, 0);
		for (size_t i = 0; i < m->reason.len; i++)
			if ((unsigned char)m->reason.p[i] < 0x20 &&
			    m->reason.p[i] != '\t')
				return fail(err, "bad reason phrase");
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version */
	m->is_request = 1;
	sp1 = memchr(p, ' ', line.len);
	if (!sp1 || sp1 == p)
		return fail(err, "bad request line");
	m->method_s = str_make(p, (size_t)(sp1 - p));
	for (size_t i = 0; i < m->method_s.len; i++)
		if (!sip_is_token(p[i]))
			return fail(err, "bad method in request line");
	m->method = sip_method_lookup(m->method_s);
	p = sp1 + 1;
	sp2 = memchr(p, ' ', (size_t)(end - p));
	if (!sp2)
		return fail(err, "bad request line");
	tail = str_make(sp2 + 1, (size_t)(end - sp2 - 1));
	if (!parse_version(tail)) {
		/* White space inside the URI leaves a third space. */
		if (str_chr(tail, ' ') >= 0)
			return fail(err, "white space in Request-URI");
		if (str_casestarts(tail, "SIP/"))
			return fail(err, "unsupported SIP version");
		return fail(err, "bad SIP version in request line");
	}
	if (sip_uri_parse(&m->ruri, str_make(p, (size_t)(sp2 - p)), err))
		return fail_in(err, "Request-URI");
	return 0;
}

/* Parses the first value of a header that may hold only one. */
static int single(const struct sip_msg *m, enum sip_hdr_id id,
		  struct str *val, const char **err, const char *dup)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);

	if (!h)
		return 0;
	if (h->next >= 0)
		return fail(err, dup);
	*val = h->value;
	return 1;
}

/* From or To (RFC 3261 20.20, 20.39): one address, never '*'. */
static int parse_party(struct sip_msg *m, enum sip_hdr_id id,
		       struct sip_addr *a, const char **err)
{
	const char *name = sip_hdr_name(id);
	static _Thread_local char why[48];
	struct str v, rest, more;
	int rc;

	rc = single(m, id, &v, err, id == SIP_HDR_FROM ? "more than one From"
							: "more than one To");
	if (rc < 0)
		return rc;
	if (!rc) {
		snprintf(why, sizeof(why), "missing %s", name);
		return fail(err, why);
	}
	/* A second value fails the address or hides in its parameters; the
	 * list is split only then, to say which it is. */
	rc = sip_addr_parse(a, v, err);
	if (rc || (a->params.len && memchr(a->params.p, ',', a->params.len))) {
		rest = v;
		if (sip_list_next(&rest, &more) && sip_list_next(&rest, &more)) {
			snprintf(why, sizeof(why), "more than one %s", name);
			return fail(err, why);
		}
		if (rc)
			return fail_in(err, name);
	}
	if (a->star) {
		*err = "'*' is only for Contact";
		return fail_in(err, name);
	}
	return 0;
}

static int parse_known(struct sip_msg *m, const char **err)
{
	struct str v, rest;
	uint64_t n;
	int rc;

	/* The top Via first, so that a failed parse can still be answered. */
	if (m->first[SIP_HDR_VIA] < 0)
		return fail(err, "missing Via");
	rest = m->hdr[m->first[SIP_HDR_VIA]].value;
	if (!sip_list_next(&rest, &v))
		return fail(err, "empty Via");
	if (sip_via_parse(&m->via, v, err))
		return -EBADMSG;

	rc = parse_party(m, SIP_HDR_FROM, &m->from, err);
	if (rc)
		return rc;
	rc = parse_party(m, SIP_HDR_TO, &m->to, err);
	if (rc)
		return rc;

	rc = single(m, SIP_HDR_CALL_ID, &m->call_id, err,
		    "more than one Call-ID");
	if (rc < 0)
		return rc;
	if (!rc || m->call_id.len == 0)
		return fail(err, "missing Call-ID");
	for (size_t i = 0; i < m->call_id.len; i++)
		if (sip_is_ws(m->call_id.p[i]))
			return fail(err, "bad Call-ID");

	rc = single(m, SIP_HDR_CSEQ, &v, err, "more than one CSeq");
	if (rc < 0)
		return rc;
	if (!rc)
		return fail(err, "missing CSeq");
	if (sip_cseq_parse(&m->cseq, v, err))
		return -EBADMSG;
	/* RFC 3261 8.1.1.5: the CSeq method matches the request method. */
	if (m->is_request && !str_eq(m->cseq.method_s, m->method_s))
		return fail(err, "CSeq method does not match request");

	rc = single(m, SIP_HDR_MAX_FORWARDS, &v, err,
		    "more than one Max-Forwards");
	if (rc < 0)
		return rc;
	if (rc) {
		/* RFC 3261 20.22 with RFC 4475 3.1.2.4: 0 to 255. */
		if (str_to_u64(v, 255, &n))
			return fail(err, "bad Max-Forwards");
		m->max_forwards = (int)n;
	}

	rc = single(m, SIP_HDR_CONTENT_LENGTH, &v, err,
		    "more than one Content-Length");
	if (rc < 0)
		return rc;
	if (rc) {
		if (str_to_u64(v, INT32_MAX, &n))
			return fail(err, "bad Content-Length");
		m->content_length = (int64_t)n;
	}
	return 0;
}

/*
 * The octets of one 16-byte block: masks of control bytes (below 0x20,
 * and 0x7f), CR, LF and HT, one bit per byte, byte 0 in bit 0.
 */
struct octets {
	unsigned ctl, cr, lf, ht;
};

#ifdef __SSE2__
#include <emmintrin.h>

static inline struct octets octets_of(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i low = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
	struct octets o;

	o.ctl = (unsigned)_mm_movemask_epi8(
		_mm_or_si128(low, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))));
	if (!o.ctl)
		return o;
	o.cr = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
	o.lf = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')));
	o.ht = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
	return o;
}
#else
static inline struct octets octets_of(const char *p)
{
	struct octets o = { 0, 0, 0, 0 };

	for (unsigned i = 0; i < 16; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			o.ctl |= 1u << i;
		o.cr |= (unsigned)(c == '\r') << i;
		o.lf |= (unsigned)(c == '\n') << i;
		o.ht |= (unsigned)(c == '\t') << i;
	}
	return o;
}
#endif

/*
 * Checks the start line and headers for octets RFC 3261 25.1 does not
 * allow there: control characters other than HT, and CR or LF that are
 * not a CRLF pair (a bare CR would let a copied value start a header line
 * of its own in what sbc sends).  Sixteen bytes at a time: in a block,
 * every LF must sit right after a CR, the CR that ended the block before
 * included.
 */
static const char *bad_octet(const char *p, const char *end)
{
	unsigned carry = 0;	/* the block before ended with a CR */

	for (; end - p >= 16; p += 16) {
		struct octets o = octets_of(p);

		if (!o.ctl) {
			if (carry)
				return "bare CR in header";
			continue;
		}
		if (o.ctl & ~(o.cr | o.lf | o.ht))
			return memchr(p, '\0', 16) ? "NUL byte in header"
						   : "control character in header";
		if (o.lf != (((o.cr << 1) | carry) & 0xffff))
			return (o.lf & ~((o.cr << 1) | carry))
				       ? "bare LF in header"
				       : "bare CR in header";
		carry = o.cr >> 15;
	}
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (carry != (c == '\n'))
			return carry ? "bare CR in header" : "bare LF in header";
		carry = c == '\r';
		if (c == 0)
			return "NUL byte in header";
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return "control character in header";
	}
	return carry ? "bare CR in header" : NULL;
}

int sip_msg_parse(struct sip_msg *m, const char *buf, size_t len,
		  enum sip_msg_mode mode, const char **err)
{
	return sip_msg_parse_room(m, buf, len, mode, SIP_MSG_MAX_HDRS, err);
}

int sip_msg_parse_room(struct sip_msg *m, const char *buf, size_t len,
		       enum sip_msg_mode mode, unsigned room, const char **err)
{
	const char *p = buf, *end = buf + len, *next, *le, *colon, *body;
	int16_t last[SIP_HDR_COUNT];
	const char *why = NULL;
	int rc;

	m->is_request = 0;
	m->n_hdr = 0;
	m->status = 0;
	m->method = SIP_METHOD_OTHER;
	m->max_forwards = -1;
	m->content_length = -1;
	m->via = (struct sip_via){ 0 };
	m->from = m->to = (struct sip_addr){ 0 };
	m->cseq = (struct sip_cseq){ 0 };
	m->ruri = (struct sip_uri){ 0 };
	m->call_id = m->body = m->method_s = m->reason = STR_NULL;
	memset(m->first, 0xff, sizeof(m->first));
	memset(last, 0xff, sizeof(last));
	if (!err)
		err = &why;

	/* RFC 3261 7.5: CRLFs before the start line are ignored. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return fail(err, "empty message");
	m->raw = str_make(p, (size_t)(end - p));

	le = line_end(p, end, &next);
	if (next == end && le == end)
		return fail(err, "truncated message");
	rc = parse_start_line(m, str_make(p, (size_t)(le - p)), err);
	if (rc)
		return rc;
	p = next;

	for (;;) {
		struct sip_hdr *h;
		const char *q, *name_end;
		uint32_t hash = 0;

		if (p >= end)
			return fail(err, "missing empty line after headers");
		if (*p == '\r' || *p == '\n') {	/* the empty line */
			if (*p == '\r' && (p + 1 >= end || p[1] != '\n'))
				return fail(err, "bad line ending");
			p += *p == '\r' ? 2 : 1;
			break;
		}
		if (*p == ' ' || *p == '\t')
			return fail(err, "folded line without a header");
		/* The name is a token (RFC 3261 7.3.1), hashed as it is read. */
		for (q = p; q < end && sip_is_token(*q); q++)
			hash = sip_hdr_hash_step(hash, *q);
		name_end = q;
		if (name_end == p && q < end && *q == ':')
			return fail(err, "empty header name");
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q != ':') {
			le = line_end(p, end, &next);
			if (!memchr(p, ':', (size_t)(le - p)))
				return fail(err, "header line without colon");
			return fail(err, name_end == p ? "empty header name"
						       : "bad header name");
		}
		colon = q;
		/* Continuation lines (RFC 3261 7.3.1) join this header. */
		le = line_end(colon, end, &next);
		while (next < end && (*next == ' ' || *next == '\t'))
			le = line_end(next, end, &next);
		if (m->n_hdr >= SIP_MSG_MAX_HDRS)
			return fail(err, "too many headers");
		if (m->n_hdr >= room) {
			fail(err, "more header lines than room for them");
			return -E2BIG;
		}
		h = &m->hdr[m->n_hdr];
		h->name = str_make(p, (size_t)(name_end - p));
		h->value = str_trim(str_make(colon + 1,
					     (size_t)(le - colon - 1)));
		h->id = (uint16_t)sip_hdr_lookup_hashed(p, h->name.len, hash);
		h->next = -1;
		if (h->id != SIP_HDR_OTHER) {
			if (last[h->id] >= 0)
				m->hdr[last[h->id]].next = (int16_t)m->n_hdr;
			else
				m->first[h->id] = (int16_t)m->n_hdr;
			last[h->id] = (int16_t)m->n_hdr;
		}
		m->n_hdr++;
		p = next;
	}
	why = bad_octet(m->raw.p, p);
	if (why)
		return fail(err, why);
	/* One slot stays free so that a reprint can add Content-Length. */
	if (m->n_hdr == SIP_MSG_MAX_HDRS && m->first[SIP_HDR_CONTENT_LENGTH] < 0)
		return fail(err, "too many headers");
	body = p;

	rc = parse_known(m, err);
	if (rc)
		return rc;

	/* RFC 3261 18.3: Content-Length bounds the body. */
	if (m->content_length < 0) {
		if (mode == SIP_MSG_STREAM)
			return fail(err, "missing Content-Length");
		m->body = str_make(body, (size_t)(end - body));
	} else {
		if ((uint64_t)m->content_length > (uint64_t)(end - body))
			return fail(err, "Content-Length larger than message");
		m->body = str_make(body, (size_t)m->content_length);
		/* On a stream the framer cut the message; anything past it
		 * means the two disagree, which must never pass silently. */
		if (mode == SIP_MSG_STREAM &&
		    (uint64_t)m->content_length < (uint64_t)(end - body))
			return fail(err, "bytes after the message");
	}
	m->raw.len = (size_t)(m->body.p + m->body.len - m->raw.p);
	return 0;
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m,
				  enum sip_hdr_id id)
{
	int i = m->first[id];

	return i >= 0 ? &m->hdr[i] : NULL;
}

const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m,
				       const struct sip_hdr *h)
{
	return h->next >= 0 ? &m->hdr[h->next] : NULL;
}

const struct sip_hdr *sip_msg_hdr_find(const struct sip_msg *m,
				       const char *name)
{
	enum sip_hdr_id id = sip_hdr_lookup(name, strlen(name));

	if (id != SIP_HDR_OTHER)
		return sip_msg_hdr(m, id);
	for (unsigned i = 0; i < m->n_hdr; i++)
		if (m->hdr[i].id == SIP_HDR_OTHER &&
		    str_caseeq_c(m->hdr[i].name, name))
			return &m->hdr[i];
	return NULL;
}

void sip_vals_init(struct sip_vals *it, const struct sip_msg *m,
		   enum sip_hdr_id id)
{
	it->m = m;
	it->idx = m->first[id];
	it->rest = it->idx >= 0 ? m->hdr[it->idx].value : STR_NULL;
}

int sip_vals_next(struct sip_vals *it, struct str *val)
{
	while (it->idx >= 0) {
		if (sip_list_next(&it->rest, val))
			return 1;
		it->idx = it->m->hdr[it->idx].next;
		if (it->idx >= 0)
			it->rest = it->m->hdr[it->idx].value;
	}
	return 0;
}

unsigned sip_msg_count(const struct sip_msg *m, enum sip_hdr_id id)
{
	struct sip_vals it;
	struct str v;
	unsigned n = 0;

	sip_vals_init(&it, m, id);
	while (sip_vals_next(&it, &v))
		n++;
	return n;
}
