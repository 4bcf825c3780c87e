/*
 * Printing SIP messages from scratch (RFC 3261 7).
 */
#include "sbc/sip_print.h"
#include "sip_chars.h"

void sip_print_request_line(struct buf *b, struct str method,
			    const struct sip_uri *ruri)
{
	buf_put_str(b, method);
	buf_put_c(b, ' ');
	sip_print_uri(b, ruri);
	buf_put(b, " SIP/2.0\r\n", 10);
}

void sip_print_status_line(struct buf *b, unsigned status, struct str reason)
{
	buf_put(b, "SIP/2.0 ", 8);
	buf_put_u64(b, status);
	buf_put_c(b, ' ');
	if (!reason.p)
		reason = str_cstr(sip_reason_phrase(status));
	sip_print_value(b, reason);
	buf_put(b, "\r\n", 2);
}

void sip_print_value(struct buf *b, struct str v)
{
	const char *p = v.p, *end = v.p + v.len, *run;

	while (p < end) {
		run = p;
		while (p < end && *p != '\r' && *p != '\n')
			p++;
		buf_put(b, run, (size_t)(p - run));
		if (p == end)
			break;
		/* A fold: drop the white space around the line break and
		 * write one space (RFC 3261 7.3.1). */
		while (b->len && !b->err &&
		       (b->p[b->len - 1] == ' ' || b->p[b->len - 1] == '\t'))
			b->len--;
		while (p < end && sip_is_ws(*p))
			p++;
		buf_put_c(b, ' ');
	}
}

void sip_print_hdr_named(struct buf *b, struct str name, struct str value)
{
	buf_put_str(b, name);
	buf_put(b, ": ", 2);
	sip_print_value(b, value);
	buf_put(b, "\r\n", 2);
}

void sip_print_hdr(struct buf *b, enum sip_hdr_id id, struct str value)
{
	sip_print_hdr_named(b, str_cstr(sip_hdr_name(id)), value);
}

void sip_print_uri(struct buf *b, const struct sip_uri *u)
{
	if (u->scheme == SIP_URI_OTHER) {
		buf_put_str(b, u->raw);
		return;
	}
	switch (u->scheme) {
	case SIP_URI_SIP:
		buf_put(b, "sip:", 4);
		break;
	case SIP_URI_SIPS:
		buf_put(b, "sips:", 5);
		break;
	default:
		buf_put(b, "tel:", 4);
		buf_put_str(b, u->user);
		goto params;
	}
	if (u->user.len) {
		buf_put_str(b, u->user);
		if (str_isset(u->password)) {
			buf_put_c(b, ':');
			buf_put_str(b, u->password);
		}
		buf_put_c(b, '@');
	}
	if (u->host_type == SIP_HOST_IPV6) {
		buf_put_c(b, '[');
		buf_put_str(b, u->host);
		buf_put_c(b, ']');
	} else {
		buf_put_str(b, u->host);
	}
	if (u->port) {
		buf_put_c(b, ':');
		buf_put_u64(b, u->port);
	}
params:
	if (u->params.len) {
		buf_put_c(b, ';');
		buf_put_str(b, u->params);
	}
	if (u->headers.len) {
		buf_put_c(b, '?');
		buf_put_str(b, u->headers);
	}
}

void sip_print_via(struct buf *b, const struct sip_via *v)
{
	buf_put(b, "SIP/2.0/", 8);
	buf_put_str(b, v->transport);
	buf_put_c(b, ' ');
	if (v->host_type == SIP_HOST_IPV6) {
		buf_put_c(b, '[');
		buf_put_str(b, v->host);
		buf_put_c(b, ']');
	} else {
		buf_put_str(b, v->host);
	}
	if (v->port) {
		buf_put_c(b, ':');
		buf_put_u64(b, v->port);
	}
	if (v->params.len)
		sip_print_value(b, v->params);
}

void sip_print_response_vias(struct buf *b, const struct sip_msg *m,
			     struct str src_ip, unsigned src_port)
{
	const struct sip_via *v = &m->via;
	struct sip_vals it;
	struct str val, rest, name, pv;
	int first = 1;

	sip_vals_init(&it, m, SIP_HDR_VIA);
	while (sip_vals_next(&it, &val)) {
		buf_put(b, "Via: ", 5);
		if (!first) {
			sip_print_value(b, val);
			buf_put(b, "\r\n", 2);
			continue;
		}
		first = 0;
		buf_put(b, "SIP/2.0/", 8);
		buf_put_str(b, v->transport);
		buf_put_c(b, ' ');
		if (v->host_type == SIP_HOST_IPV6)
			buf_put_c(b, '[');
		buf_put_str(b, v->host);
		if (v->host_type == SIP_HOST_IPV6)
			buf_put_c(b, ']');
		if (v->port) {
			buf_put_c(b, ':');
			buf_put_u64(b, v->port);
		}
		rest = v->params;
		while (sip_param_next(&rest, &name, &pv)) {
			if (str_caseeq_c(name, "received") ||
			    str_caseeq_c(name, "rport"))
				continue;
			buf_put_c(b, ';');
			buf_put_str(b, name);
			if (pv.len) {
				buf_put_c(b, '=');
				sip_print_value(b, pv);
			}
		}
		if (v->has_rport || !sip_host_same(v->host, src_ip)) {
			buf_put(b, ";received=", 10);
			buf_put_str(b, src_ip);
		}
		if (v->has_rport) {
			buf_put(b, ";rport=", 7);
			buf_put_u64(b, src_port);
		}
		buf_put(b, "\r\n", 2);
	}
}

void sip_print_body(struct buf *b, struct str ctype, struct str body)
{
	if (ctype.p)
		sip_print_hdr(b, SIP_HDR_CONTENT_TYPE, ctype);
	buf_put(b, "Content-Length: ", 16);
	buf_put_u64(b, body.len);
	buf_put(b, "\r\n\r\n", 4);
	buf_put_str(b, body);
}

int sip_print_msg(struct buf *b, const struct sip_msg *m)
{
	if (m->is_request) {
		buf_put_str(b, m->method_s);
		buf_put_c(b, ' ');
		buf_put_str(b, m->ruri.raw);
		buf_put(b, " SIP/2.0\r\n", 10);
	} else {
		sip_print_status_line(b, m->status, m->reason);
	}
	for (unsigned i = 0; i < m->n_hdr; i++) {
		const struct sip_hdr *h = &m->hdr[i];

		if (h->id == SIP_HDR_CONTENT_LENGTH)
			continue;
		if (h->id != SIP_HDR_OTHER)
			sip_print_hdr(b, h->id, h->value);
		else
			sip_print_hdr_named(b, h->name, h->value);
	}
	sip_print_body(b, STR_NULL, m->body);
	return b->err;
}

/* RFC 3261 21 and the RFCs that added codes since. */
const char *sip_reason_phrase(unsigned status)
{
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Notification";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 422: return "Session Interval Too Small";
	case 423: return "Interval Too Brief";
	case 429: return "Provide Referrer Identity";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 580: return "Precondition Failure";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	default: return "";
	}
}
