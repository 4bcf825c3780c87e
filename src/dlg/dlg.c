/*
 * UA dialog state (RFC 3261 12): creation from the request and response
 * that establish a dialog, the route set, CSeq bookkeeping, matching and
 * the dialog part of requests sent within it.
 *
 * Choices the header leaves open, made here:
 *
 * - Local and remote URI keep the display name as written and the URI in
 *   angle brackets, and drop every header parameter of From and To, the
 *   tag included.  RFC 3261 12.1.1 and 12.1.2 only ask for the URI; the
 *   display name is kept so that the far side still sees the name it put
 *   there, and header parameters are dropped because 12.2.1.1 builds From
 *   and To from the URI and the tag only.
 * - A UAS dialog starts with an empty local sequence number (12.1.1),
 *   kept as local_cseq 0, so its first request carries CSeq 1.  RFC 3261
 *   8.1.1.5 lets a client pick any start below 2^31; 1 makes traces easy
 *   to read and the CSeq spaces of the two directions are independent.
 * - Tags compare case-insensitively and Call-IDs byte by byte.  RFC 3261
 *   20.8 says Call-IDs are case-sensitive and compared byte-by-byte;
 *   19.3 states no rule for tags, so the general rule of 7.3.1 applies:
 *   parameter values and tokens are case-insensitive (a tag is a token,
 *   25.1), and 20.20 and 20.39 make From and To equivalent when their
 *   parameters match.
 * - A 1xx without Contact still makes an early dialog, whose remote target
 *   is then the Request-URI of the request until the 2xx brings one;
 *   many 180 Ringing responses in the field carry none although 12.1.1
 *   asks for it.  A 2xx without Contact is refused (13.3.1.4).
 * - A Record-Route value without angle brackets is not valid syntax
 *   (rec-route = name-addr, 25.1); when one arrives anyway its
 *   parameters are taken as URI parameters, which is what its sender
 *   meant by "sip:p;lr", and it is stored as "<sip:p;lr>".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/dlg.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
#include "sbc/sip_uri.h"
#include "sbc/str.h"

static char *dlg_str_dup(struct str s)
{
	char *p = malloc(s.len + 1);

	if (!p)
		return NULL;
	if (s.len)
		memcpy(p, s.p, s.len);
	p[s.len] = '\0';
	return p;
}

/* Takes the text of b as a malloc'd string, or NULL on a buffer error. */
static char *dlg_buf_take(struct buf *b)
{
	char *p = NULL;

	if (!b->err)
		p = dlg_str_dup(buf_str(b));
	buf_free(b);
	return p;
}

/* Tags are tokens and compare case-insensitively (RFC 3261 7.3.1); a
 * missing tag only equals a missing tag (RFC 2543 peers, 12.1.1). */
static int dlg_tag_eq(const char *want, struct str tag)
{
	if (!want)
		return !str_isset(tag);
	return str_isset(tag) && str_caseeq(str_cstr(want), tag);
}

/* Call-IDs compare byte by byte (RFC 3261 20.8). */
static int dlg_call_id_eq(const char *want, struct str id)
{
	return str_eq(str_cstr(want), id);
}

/*
 * The local or remote URI of a From or To address: the display name as
 * written, then the URI in angle brackets, without header parameters.
 */
static char *dlg_addr_text(const struct sip_addr *a)
{
	char mem[512];
	struct buf b;

	buf_init_spill(&b, mem, sizeof(mem));
	if (str_isset(a->display) && a->display.len) {
		sip_print_value(&b, a->display);
		buf_put_c(&b, ' ');
	}
	buf_put_c(&b, '<');
	sip_print_value(&b, a->uri_s);
	buf_put_c(&b, '>');
	return dlg_buf_take(&b);
}

/*
 * One route set entry from a Record-Route value: the name-addr as
 * received with folds removed, or an addr-spec put in angle brackets
 * with its parameters inside (see the top of the file).  Returns 0,
 * -EINVAL for a value that is no address, or -ENOMEM.
 */
static int dlg_route_text(struct str val, char **out)
{
	struct sip_addr a;
	const char *err;
	char mem[512];
	struct buf b;

	*out = NULL;
	if (sip_addr_parse(&a, val, &err) || a.star)
		return -EINVAL;
	buf_init_spill(&b, mem, sizeof(mem));
	if (a.angle) {
		sip_print_value(&b, str_trim(val));
	} else {
		buf_put_c(&b, '<');
		sip_print_value(&b, a.uri_s);
		sip_print_value(&b, str_trim(a.params));
		buf_put_c(&b, '>');
	}
	*out = dlg_buf_take(&b);
	return *out ? 0 : -ENOMEM;
}

static void dlg_route_free(char **route, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(route[i]);
	free(route);
}

/*
 * Reads every Record-Route value of m over all its lines, in message
 * order or reversed.  Returns 0, -EINVAL for a value that is not an
 * address, or -ENOMEM.
 */
static int dlg_route_read(const struct sip_msg *m, int reverse,
			  char ***out, size_t *n_out)
{
	unsigned n = sip_msg_count(m, SIP_HDR_RECORD_ROUTE);
	struct sip_vals it;
	struct str val;
	char **route;
	size_t i = 0;

	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	route = calloc(n, sizeof(*route));
	if (!route)
		return -ENOMEM;
	sip_vals_init(&it, m, SIP_HDR_RECORD_ROUTE);
	while (i < n && sip_vals_next(&it, &val)) {
		int rc = dlg_route_text(val, &route[reverse ? n - 1 - i : i]);

		if (rc) {
			dlg_route_free(route, n);
			return rc;
		}
		i++;
	}
	*out = route;
	*n_out = n;
	return 0;
}

/*
 * The URI of the first Contact of m, without brackets and without the
 * header parameters after them.  Returns 0, -ENOENT when m has no
 * Contact, -EINVAL for "*" or a bad address, or -ENOMEM.
 */
static int dlg_contact_read(const struct sip_msg *m, char **out)
{
	struct sip_vals it;
	struct sip_addr a;
	struct str val;
	const char *err;

	*out = NULL;
	sip_vals_init(&it, m, SIP_HDR_CONTACT);
	if (!sip_vals_next(&it, &val))
		return -ENOENT;
	if (sip_addr_parse(&a, val, &err) || a.star)
		return -EINVAL;
	*out = dlg_str_dup(a.uri_s);
	return *out ? 0 : -ENOMEM;
}

/* RFC 3261 12.2: requests that refresh the remote target (re-INVITE;
 * UPDATE by RFC 3311 5.4; SUBSCRIBE and NOTIFY by RFC 6665 4.1.2 and
 * 4.2.2 make theirs target refreshes too). */
static int dlg_method_refreshes(enum sip_method m)
{
	return m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE ||
	       m == SIP_METHOD_SUBSCRIBE || m == SIP_METHOD_NOTIFY;
}

void dlg_free(struct dlg *d)
{
	if (!d)
		return;
	free(d->call_id);
	free(d->local_tag);
	free(d->remote_tag);
	free(d->local_uri);
	free(d->remote_uri);
	free(d->remote_target);
	dlg_route_free(d->route, d->n_route);
	free(d);
}

/* The route set and remote target m gives d: its Record-Route (reversed
 * for a UAC) and its Contact, which must be there. */
static int dlg_peer_read(struct dlg *d, const struct sip_msg *m, int reverse)
{
	int rc = dlg_route_read(m, reverse, &d->route, &d->n_route);

	if (rc == 0)
		rc = dlg_contact_read(m, &d->remote_target);
	return rc == -ENOENT ? -EINVAL : rc;
}

int dlg_uac_new(const struct sip_msg *req, const struct sip_msg *rsp,
		struct dlg **out)
{
	struct dlg *d;
	int rc;

	*out = NULL;
	if (!req->is_request || rsp->is_request)
		return -EINVAL;
	/* RFC 3261 12.1: only 101-199 with a To tag and 2xx make a dialog. */
	if (rsp->status < 101 || rsp->status > 299)
		return -EINVAL;
	if (!str_isset(rsp->to.tag) || !str_isset(req->from.tag))
		return -EINVAL;
	if (!str_eq(req->call_id, rsp->call_id) ||
	    !str_isset(rsp->from.tag) ||
	    !str_caseeq(req->from.tag, rsp->from.tag))
		return -EINVAL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->uac = 1;
	d->state = rsp->status >= 200 ? DLG_CONFIRMED : DLG_EARLY;
	/* RFC 3261 12.1.2: secure when the Request-URI was sips (which
	 * 26.2.2 only lets travel over TLS). */
	d->secure = req->ruri.scheme == SIP_URI_SIPS;
	d->local_cseq = req->cseq.num;
	d->call_id = dlg_str_dup(req->call_id);
	d->local_tag = dlg_str_dup(req->from.tag);
	d->remote_tag = dlg_str_dup(rsp->to.tag);
	d->local_uri = dlg_addr_text(&req->from);
	d->remote_uri = dlg_addr_text(&req->to);
	if (!d->call_id || !d->local_tag || !d->remote_tag || !d->local_uri ||
	    !d->remote_uri) {
		rc = -ENOMEM;
		goto fail;
	}
	/* RFC 3261 12.1.2: the Record-Route of the response, reversed. */
	rc = dlg_route_read(rsp, 1, &d->route, &d->n_route);
	if (rc)
		goto fail;
	rc = dlg_contact_read(rsp, &d->remote_target);
	if (rc == -ENOENT && rsp->status < 200) {
		d->remote_target = dlg_str_dup(req->ruri.raw);
		rc = d->remote_target ? 0 : -ENOMEM;
	} else if (rc == -ENOENT) {
		rc = -EINVAL;
	}
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	dlg_free(d);
	return rc;
}

int dlg_uac_fork(const struct dlg *d0, const struct sip_msg *rsp,
		 struct dlg **out)
{
	struct dlg *d;
	int rc;

	*out = NULL;
	if (!d0->uac || rsp->is_request || rsp->status < 200 ||
	    rsp->status > 299 || !str_isset(rsp->to.tag) ||
	    !str_eq(str_cstr(d0->call_id), rsp->call_id) ||
	    !str_caseeq(str_cstr(d0->local_tag), rsp->from.tag))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->uac = 1;
	d->state = DLG_CONFIRMED;
	d->secure = d0->secure;
	/* The fork's ACK carries the INVITE's number, which the caller
	 * knows; its BYE any higher one. */
	d->local_cseq = d0->local_cseq;
	d->call_id = strdup(d0->call_id);
	d->local_tag = strdup(d0->local_tag);
	d->remote_tag = dlg_str_dup(rsp->to.tag);
	d->local_uri = strdup(d0->local_uri);
	d->remote_uri = strdup(d0->remote_uri);
	if (!d->call_id || !d->local_tag || !d->remote_tag || !d->local_uri ||
	    !d->remote_uri) {
		rc = -ENOMEM;
		goto fail;
	}
	/* RFC 3261 12.1.2: the Record-Route of the response, reversed. */
	rc = dlg_peer_read(d, rsp, 1);
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	dlg_free(d);
	return rc;
}

int dlg_uas_new(const struct sip_msg *req, struct str local_tag,
		struct dlg **out)
{
	struct dlg *d;
	int rc;

	*out = NULL;
	if (!req->is_request || local_tag.len == 0)
		return -EINVAL;
	/* A request with a To tag is already inside a dialog (12.2.2). */
	if (str_isset(req->to.tag))
		return -EINVAL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->state = DLG_EARLY;
	d->secure = req->ruri.scheme == SIP_URI_SIPS;
	/* RFC 3261 12.1.1: the remote sequence number is the request's, the
	 * local one is empty (0 here: see the top of the file). */
	d->remote_cseq = req->cseq.num;
	d->remote_cseq_set = 1;
	d->call_id = dlg_str_dup(req->call_id);
	d->local_tag = dlg_str_dup(local_tag);
	d->local_uri = dlg_addr_text(&req->to);
	d->remote_uri = dlg_addr_text(&req->from);
	if (!d->call_id || !d->local_tag || !d->local_uri || !d->remote_uri) {
		rc = -ENOMEM;
		goto fail;
	}
	/* RFC 3261 12.1.1: a request without From tag (RFC 2543) gives a
	 * null remote tag. */
	if (str_isset(req->from.tag)) {
		d->remote_tag = dlg_str_dup(req->from.tag);
		if (!d->remote_tag) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	/* RFC 3261 12.1.1: the Record-Route of the request, in order;
	 * 8.1.1.8: a request that can make a dialog has a Contact. */
	rc = dlg_peer_read(d, req, 0);
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	dlg_free(d);
	return rc;
}

int dlg_confirm(struct dlg *d, const struct sip_msg *rsp)
{
	char **route, *target;
	size_t n_route;
	int rc;

	if (d->state == DLG_TERMINATED)
		return -EINVAL;
	if (!d->uac) {
		/* Our own 2xx confirms a UAS dialog; its route set was fixed
		 * by the request (12.1.1). */
		d->state = DLG_CONFIRMED;
		return 0;
	}
	if (!rsp || rsp->is_request || rsp->status < 200 || rsp->status > 299)
		return -EINVAL;
	/* A 2xx with another To tag is another dialog (a fork, 13.2.2.4). */
	if (!dlg_call_id_eq(d->call_id, rsp->call_id) ||
	    !dlg_tag_eq(d->remote_tag, rsp->to.tag) ||
	    !dlg_tag_eq(d->local_tag, rsp->from.tag))
		return -EINVAL;
	/* RFC 3261 12.2: once confirmed, the route set never changes; a
	 * retransmitted 2xx changes nothing. */
	if (d->state == DLG_CONFIRMED)
		return 0;
	/* RFC 3261 13.2.2.4: the route set is recomputed from the 2xx, which
	 * also brings the remote target (12.1.2).  Both are built before
	 * anything is replaced, so a failure leaves d as it was. */
	rc = dlg_route_read(rsp, 1, &route, &n_route);
	if (rc)
		return rc;
	rc = dlg_contact_read(rsp, &target);
	if (rc) {
		dlg_route_free(route, n_route);
		return rc == -ENOENT ? -EINVAL : rc;
	}
	dlg_route_free(d->route, d->n_route);
	d->route = route;
	d->n_route = n_route;
	free(d->remote_target);
	d->remote_target = target;
	d->state = DLG_CONFIRMED;
	return 0;
}

int dlg_refresh_target(struct dlg *d, const struct sip_msg *m)
{
	char *target;
	int rc;

	if (m->is_request) {
		if (!dlg_method_refreshes(m->method))
			return 0;
	} else {
		/* RFC 3261 12.2.1.2: only a 2xx to a target refresh. */
		if (m->status < 200 || m->status > 299 ||
		    !dlg_method_refreshes(m->cseq.method))
			return 0;
	}
	rc = dlg_contact_read(m, &target);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	free(d->remote_target);
	d->remote_target = target;
	return 0;
}

int dlg_remote_cseq(struct dlg *d, const struct sip_msg *req)
{
	/* ACK and CANCEL reuse the number of their INVITE (17.1.1.3, 9.1). */
	if (req->method == SIP_METHOD_ACK || req->method == SIP_METHOD_CANCEL)
		return 0;
	/* RFC 3261 12.2.2: lower than the remote sequence number is out of
	 * order; equal is left to the transaction layer. */
	if (d->remote_cseq_set && req->cseq.num < d->remote_cseq)
		return -ERANGE;
	d->remote_cseq = req->cseq.num;
	d->remote_cseq_set = 1;
	return 0;
}

int dlg_match_request(const struct dlg *d, const struct sip_msg *req)
{
	/* RFC 3261 12.2.2: the request's From tag is the remote tag and its
	 * To tag the local one. */
	return req->is_request && dlg_call_id_eq(d->call_id, req->call_id) &&
	       dlg_tag_eq(d->local_tag, req->to.tag) &&
	       dlg_tag_eq(d->remote_tag, req->from.tag);
}

int dlg_match_response(const struct dlg *d, const struct sip_msg *rsp)
{
	/* A response to a request we sent: From carries our tag. */
	return !rsp->is_request && dlg_call_id_eq(d->call_id, rsp->call_id) &&
	       dlg_tag_eq(d->local_tag, rsp->from.tag) &&
	       dlg_tag_eq(d->remote_tag, rsp->to.tag);
}

/*
 * The URI of a route set entry, for strict routing: RFC 3261 12.2.1.1
 * strips the parameters that may not appear in a Request-URI, which the
 * table of 19.1.1 names: the method parameter and the headers.  params
 * receives the remaining parameters and must outlive u.
 */
static void dlg_uri_for_ruri(struct sip_uri *u, struct buf *params)
{
	struct str rest = u->params, name, val;

	while (sip_param_next(&rest, &name, &val)) {
		/* The whole parameter as written: name to the next ';'. */
		struct str raw = str_make(name.p, (size_t)(rest.p - name.p));

		if (str_caseeq_c(name, "method"))
			continue;
		if (params->len)
			buf_put_c(params, ';');
		buf_put_str(params, str_trim(raw));
	}
	u->params = buf_str(params);
	u->headers = STR_NULL;
}

/* Starts a header line with the canonical name of id (sip_hdr_name). */
static void dlg_hdr_start(struct buf *b, enum sip_hdr_id id)
{
	buf_put_cstr(b, sip_hdr_name(id));
	buf_put(b, ": ", 2);
}

/* A From or To line: the URI text and the tag, unless it is null. */
static void dlg_print_addr(struct buf *b, enum sip_hdr_id id,
			   const char *uri, const char *tag)
{
	dlg_hdr_start(b, id);
	buf_put_cstr(b, uri);
	if (tag) {
		buf_put(b, ";tag=", 5);
		buf_put_cstr(b, tag);
	}
	buf_put(b, "\r\n", 2);
}

int dlg_print_request(struct buf *b, struct dlg *d, struct str method,
		      uint32_t cseq, struct buf *next_hop)
{
	struct sip_addr first;
	struct sip_uri ruri;
	char params_mem[256];
	struct buf params;
	const char *err;
	size_t i = 0;
	int strict = 0;

	/* RFC 3261 8.1.1.5: the number must fit in 32 bits. */
	if (cseq == 0 && d->local_cseq == UINT32_MAX)
		return -ERANGE;
	if (d->n_route) {
		if (sip_addr_parse(&first, str_cstr(d->route[0]), &err))
			return -EINVAL;
		strict = !sip_uri_is_lr(&first.uri);
	}
	buf_init_spill(&params, params_mem, sizeof(params_mem));
	if (strict) {
		/* RFC 3261 12.2.1.1: a strict router is the Request-URI; the
		 * rest of the route set follows, then the remote target. */
		ruri = first.uri;
		dlg_uri_for_ruri(&ruri, &params);
		if (params.err) {
			int rc = params.err;

			buf_free(&params);
			return rc;
		}
		i = 1;
	} else if (sip_uri_parse(&ruri, str_cstr(d->remote_target), &err)) {
		return -EINVAL;
	}
	/* RFC 3261 12.2.1.1: with no route set or a loose router first, the
	 * Request-URI is the remote target and the route set is sent as it
	 * is, in order. */
	sip_print_request_line(b, method, &ruri);
	buf_free(&params);
	for (; i < d->n_route; i++)
		sip_print_hdr(b, SIP_HDR_ROUTE, str_cstr(d->route[i]));
	if (strict) {
		dlg_hdr_start(b, SIP_HDR_ROUTE);
		buf_put_c(b, '<');
		buf_put_cstr(b, d->remote_target);
		buf_put(b, ">\r\n", 3);
	}

	/* RFC 3261 12.2.1.1: From is the local URI and tag, To the remote
	 * ones; a null tag is left out. */
	dlg_print_addr(b, SIP_HDR_FROM, d->local_uri, d->local_tag);
	dlg_print_addr(b, SIP_HDR_TO, d->remote_uri, d->remote_tag);
	sip_print_hdr(b, SIP_HDR_CALL_ID, str_cstr(d->call_id));

	/* RFC 3261 12.2.1.1: the local sequence number goes up by one for
	 * each new request; ACK and CANCEL bring their INVITE's number. */
	if (cseq == 0)
		cseq = ++d->local_cseq;
	dlg_hdr_start(b, SIP_HDR_CSEQ);
	buf_put_u64(b, cseq);
	buf_put_c(b, ' ');
	buf_put_str(b, method);
	buf_put(b, "\r\n", 2);

	/* RFC 3261 12.2.1.1 and 8.1.2: the request goes to the first route,
	 * or to the remote target when there is none. */
	if (next_hop) {
		buf_reset(next_hop);
		if (d->n_route)
			buf_put_str(next_hop, first.uri_s);
		else
			buf_put_cstr(next_hop, d->remote_target);
		if (next_hop->err)
			return next_hop->err;
	}
	return b->err;
}

int dlg_restore(const struct dlg *in, const char *route_set, struct dlg **out)
{
	struct dlg *d;
	const char *p = route_set ? route_set : "";
	size_t n = 0;

	*out = NULL;
	if (!in->call_id || !in->local_tag || !in->remote_tag ||
	    !in->local_uri || !in->remote_uri || !in->remote_target)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->state = DLG_CONFIRMED;
	d->uac = in->uac;
	d->secure = in->secure;
	d->remote_cseq_set = in->remote_cseq_set;
	d->local_cseq = in->local_cseq;
	d->remote_cseq = in->remote_cseq;
	d->call_id = strdup(in->call_id);
	d->local_tag = strdup(in->local_tag);
	d->remote_tag = strdup(in->remote_tag);
	d->local_uri = strdup(in->local_uri);
	d->remote_uri = strdup(in->remote_uri);
	d->remote_target = strdup(in->remote_target);
	for (const char *q = p; *q; q++)
		n += *q == '\n';
	if (*p)
		n++;
	if (n)
		d->route = calloc(n, sizeof(*d->route));
	for (size_t i = 0; d->route && i < n; i++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		d->route[i] = strndup(p, len);
		if (!d->route[i])
			break;
		d->n_route = i + 1;
		p += len + (nl != NULL);
	}
	if (!d->call_id || !d->local_tag || !d->remote_tag || !d->local_uri ||
	    !d->remote_uri || !d->remote_target || d->n_route != n) {
		dlg_free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void dlg_route_print(const struct dlg *d, struct buf *b)
{
	for (size_t i = 0; i < d->n_route; i++) {
		if (i)
			buf_put_c(b, '\n');
		buf_put_cstr(b, d->route[i]);
	}
}
