/*
 * core: the entry of the session core (layer 6): what arrives from the
 * transaction layer, static routing, the header policy of each realm,
 * and the requests sbc answers itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/auth.h"
#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/sip_print.h"
#include "core_int.h"

/* The methods sbc relays (RFC 3261 and the extensions it passes). */
#define CORE_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, " \
		   "MESSAGE, REFER, NOTIFY"
#define CORE_ACCEPT "application/sdp"

/*
 * Headers the core always writes itself and never copies from the other
 * side: they carry the topology of one side (RFC 3261 Via, Route,
 * Record-Route, Contact, Call-ID and tags; RFC 3327 Path; RFC 3608
 * Service-Route), or belong to one leg's transaction and dialog (CSeq,
 * Max-Forwards, Content-Length, RSeq and RAck of RFC 3262).
 */
static int core_hdr_regenerated(const struct sip_hdr *h)
{
	switch (h->id) {
	case SIP_HDR_VIA:
	case SIP_HDR_ROUTE:
	case SIP_HDR_RECORD_ROUTE:
	case SIP_HDR_CONTACT:
	case SIP_HDR_CALL_ID:
	case SIP_HDR_FROM:
	case SIP_HDR_TO:
	case SIP_HDR_CSEQ:
	case SIP_HDR_MAX_FORWARDS:
	case SIP_HDR_CONTENT_LENGTH:
	case SIP_HDR_CONTENT_TYPE:
	case SIP_HDR_PATH:
	case SIP_HDR_RSEQ:
	case SIP_HDR_RACK:
	/* RFC 3261 22: credentials are for the hop that asked for them,
	 * sbc itself; they never go on to the other side. */
	case SIP_HDR_AUTHORIZATION:
	case SIP_HDR_PROXY_AUTHORIZATION:
		return 1;
	case SIP_HDR_OTHER:
		return str_caseeq_c(h->name, "Service-Route") ||
		       str_caseeq_c(h->name, "P-Charging-Vector");
	default:
		return 0;
	}
}

static const char *core_strip_of(const struct core *c, const char *realm)
{
	for (size_t i = 0; i < c->cfg->n_realms; i++)
		if (strcmp(c->cfg->realms[i].name, realm) == 0 &&
		    c->cfg->realms[i].strip)
			return c->cfg->realms[i].strip;
	return "User-Agent, Server, Warning";
}

/* Whether a header is named in a comma-separated list of names. */
static int core_in_list(const struct sip_hdr *h, const char *list)
{
	struct str rest = str_cstr(list), name;
	const char *canon = sip_hdr_name((enum sip_hdr_id)h->id);

	while (sip_list_next(&rest, &name)) {
		if (str_caseeq(name, h->name) ||
		    (canon && str_caseeq_c(name, canon)))
			return 1;
	}
	return 0;
}

void core__copy_headers(struct core *c, struct buf *b,
			const struct sip_msg *m, const char *realm)
{
	const char *strip = core_strip_of(c, realm);

	for (unsigned i = 0; i < m->n_hdr; i++) {
		const struct sip_hdr *h = &m->hdr[i];

		if (core_hdr_regenerated(h) || core_in_list(h, strip))
			continue;
		if (h->id != SIP_HDR_OTHER)
			sip_print_hdr(b, (enum sip_hdr_id)h->id, h->value);
		else
			sip_print_hdr_named(b, h->name, h->value);
	}
}

void core__print_body(struct buf *b, const struct sip_msg *m)
{
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);

	sip_print_body(b, m->body.len && ct ? ct->value : STR_NULL, m->body);
}

int core__uri_dest(struct str s, enum tp_proto dflt, struct tp_dest *d)
{
	struct sip_uri u;
	struct str tpn;
	char host[INET6_ADDRSTRLEN + 1];
	uint16_t port;

	memset(d, 0, sizeof(*d));
	if (sip_uri_parse(&u, s, NULL) < 0 ||
	    (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS))
		return -EINVAL;
	/* RFC 3263 4.1: sips means TLS; a transport parameter names it;
	 * otherwise the transport of the leg. */
	d->proto = dflt;
	tpn = sip_uri_transport(&u);
	if (u.scheme == SIP_URI_SIPS)
		d->proto = TP_TLS;
	else if (tpn.len && tp_proto_parse(tpn.p, tpn.len, &d->proto) < 0)
		return -EPROTONOSUPPORT;
	/* Host names need the RFC 3263 resolver, which comes later. */
	if (u.host_type != SIP_HOST_IPV4 && u.host_type != SIP_HOST_IPV6)
		return -EHOSTUNREACH;
	str_copy(host, sizeof(host), u.host);
	port = u.port ? u.port : tp_proto_default_port(d->proto);
	if (u.host_type == SIP_HOST_IPV4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&d->addr;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, host, &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&d->addr;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, host, &a->sin6_addr);
	}
	return 0;
}

void core__answer(struct core *c, struct tsx *st, unsigned status,
		  struct str reason, const char *to_tag)
{
	char mem[BUF_STACK];
	struct buf b;
	char tag[CORE_TAG_LEN + 1];
	int rc;

	(void)c;
	if (!to_tag) {
		rnd_token(tag, sizeof(tag));
		to_tag = tag;
	}
	buf_init_spill(&b, mem, sizeof(mem));
	tsx_print_response_head(&b, st, status, reason, str_cstr(to_tag));
	if (status == 405 || status == 501)
		buf_put_cstr(&b, "Allow: " CORE_ALLOW "\r\n");
	sip_print_body(&b, STR_NULL, STR_NULL);
	rc = b.err ? b.err : tsx_respond(st, status, b.p, b.len);
	if (rc < 0)
		log_debug("core: cannot send %u: %s", status, strerror(-rc));
	buf_free(&b);
}

void core__target_failed(struct core *c, const struct call *k,
			 unsigned seconds)
{
	const struct tp_dest *d;
	char a[64];

	if (!k->setup)
		return;
	d = &k->setup->targets[k->cur_target];
	log_info("core: next hop %s failed",
		 tp_addr_fmt((const struct sockaddr *)&d->addr, a, sizeof(a)));
	if (!seconds)
		seconds = c->cfg->avoid_s;
	/* RFC 3263 4.3, and RFC 3261 21.5.4 for a 503's Retry-After. */
	if (c->cfg->dns && seconds && k->dnsq == NULL &&
	    k->setup->dtargets[k->cur_target].host[0])
		dns_target_failed(c->cfg->dns, &k->setup->dtargets[k->cur_target],
				  seconds);
}

uint64_t core__dialog_hash(struct str call_id, struct str tag)
{
	return hash_mix(hash_bytes(call_id.p, call_id.len), tag.p, tag.len);
}

/* Whether a trunk's URI names the address a request came from (its
 * port aside: a peer sends from ports of its own).  Host names are not
 * resolved here. */
static int core_trunk_is(const struct store_trunk *t,
			 const union tp_sockaddr *peer)
{
	struct tp_dest d;

	if (core__uri_dest(str_cstr(t->uri), TP_UDP, &d) < 0 ||
	    d.addr.sa.sa_family != peer->sa.sa_family)
		return 0;
	if (peer->sa.sa_family == AF_INET)
		return d.addr.in.sin_addr.s_addr == peer->in.sin_addr.s_addr;
	return memcmp(&d.addr.in6.sin6_addr, &peer->in6.sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

int core__route_find(struct core *c, const struct tp_src *src,
		     const struct sip_msg *m, const struct store_route **out,
		     const char **from_trunk)
{
	const struct store_routing *rt = c->routing;
	const char *realm = tp_lsn_realm(src->lsn);
	const char *ft = NULL;

	*from_trunk = NULL;
	if (!rt)
		return -ENOENT;
	for (size_t i = 0; i < rt->n_trunks && !ft; i++)
		if (strcmp(rt->trunks[i].realm, realm) == 0 &&
		    core_trunk_is(&rt->trunks[i], &src->peer))
			ft = rt->trunks[i].name;
	/* Routes come sorted by priority, then name: first match wins. */
	for (size_t i = 0; i < rt->n_routes; i++) {
		const struct store_route *r = &rt->routes[i];

		if (r->n_targets == 0)
			continue;
		if (r->from_realm && strcmp(r->from_realm, realm) != 0)
			continue;
		if (r->from_trunk && (!ft || strcmp(r->from_trunk, ft) != 0))
			continue;
		if (r->user_prefix &&
		    !str_casestarts(m->ruri.user, r->user_prefix))
			continue;
		if (r->domain && !str_caseeq_c(m->ruri.host, r->domain))
			continue;
		*out = r;
		*from_trunk = ft;
		return 0;
	}
	return -ENOENT;
}

/* RFC 3261 11.2: OPTIONS to sbc itself is answered with what it does. */
static void core_options(struct core *c, struct tsx *st)
{
	char tag[CORE_TAG_LEN + 1];
	char mem[BUF_STACK];
	struct buf b;

	rnd_token(tag, sizeof(tag));
	buf_init_spill(&b, mem, sizeof(mem));
	tsx_print_response_head(&b, st, 200, STR_NULL, str_cstr(tag));
	buf_put_cstr(&b, "Allow: " CORE_ALLOW "\r\n"
			 "Accept: " CORE_ACCEPT "\r\n");
	sip_print_body(&b, STR_NULL, STR_NULL);
	if (!b.err)
		tsx_respond(st, 200, b.p, b.len);
	buf_free(&b);
	c->stats.local++;
}

static void core_on_request(void *arg, struct tsx *st,
			    const struct sip_msg *m, const struct tp_src *src)
{
	struct core *c = arg;
	const struct store_route *r;
	const char *from_trunk;
	struct leg *leg;

	/* A request in a dialog (RFC 3261 12.2.2) goes to its call. */
	if (str_isset(m->to.tag)) {
		leg = call__find_leg(c, m->call_id, m->to.tag);
		if (!leg) {
			core__answer(c, st, 481, STR_NULL, NULL);
			c->stats.local++;
			return;
		}
		/* RFC 3261 16.3 step 3 holds across the two legs too: a
		 * request with no hops left is not relayed.  A BYE is not
		 * relayed but answered, and the other leg gets sbc's own. */
		if (m->max_forwards == 0 && m->method != SIP_METHOD_BYE) {
			core__answer(c, st, 483, STR_NULL, NULL);
			c->stats.local++;
			c->stats.max_forwards++;
			return;
		}
		call__in_dialog(c, st, leg, m, src);
		return;
	}
	/* RFC 3261 16.3 step 3: nothing travels further with 0 hops left;
	 * OPTIONS may be answered by sbc itself (11). */
	if (m->max_forwards == 0 && m->method != SIP_METHOD_OPTIONS) {
		core__answer(c, st, 483, STR_NULL, NULL);
		c->stats.local++;
		c->stats.max_forwards++;
		return;
	}
	/* RFC 3261 22.1: a realm may require credentials of the requests
	 * that sbc passes on; those it answers itself need none. */
	if ((m->method == SIP_METHOD_INVITE ||
	     m->method == SIP_METHOD_MESSAGE ||
	     m->method == SIP_METHOD_PUBLISH) &&
	    core__auth(c, st, m, src))
		return;
	switch (m->method) {
	case SIP_METHOD_OPTIONS:
		core_options(c, st);
		return;
	case SIP_METHOD_INVITE:
		if (core__route_find(c, src, m, &r, &from_trunk) < 0) {
			c->stats.no_route++;
			core__answer(c, st, c->cfg->no_route_status,
				     c->cfg->no_route_status == 404
					     ? STR("No Route")
					     : STR_NULL,
				     NULL);
			return;
		}
		if (core__admit_check(c, st, r, from_trunk) < 0)
			return;
		call__invite(c, st, m, src, r, from_trunk);
		return;
	case SIP_METHOD_OTHER:
		core__answer(c, st, 501, STR_NULL, NULL);
		c->stats.local++;
		return;
	case SIP_METHOD_MESSAGE:
	case SIP_METHOD_PUBLISH:
		/* Requests that make no dialog are relayed on their own. */
		if (core__route_find(c, src, m, &r, &from_trunk) < 0) {
			c->stats.no_route++;
			core__answer(c, st, c->cfg->no_route_status, STR_NULL,
				     NULL);
			return;
		}
		call__standalone(c, st, m, r);
		c->stats.relayed++;
		return;
	case SIP_METHOD_REGISTER:
	case SIP_METHOD_SUBSCRIBE:
	case SIP_METHOD_REFER:
		/* Out-of-dialog subscriptions are not relayed yet; sbc is
		 * no registrar. */
		core__answer(c, st, 405, STR_NULL, NULL);
		c->stats.local++;
		return;
	default:
		/* BYE, UPDATE, INFO, PRACK, NOTIFY only exist in a dialog. */
		core__answer(c, st, 481, STR_NULL, NULL);
		c->stats.local++;
		return;
	}
}

static void core_on_ack(void *arg, struct tsx *st, const struct sip_msg *m,
			const struct tp_src *src)
{
	struct core *c = arg;
	struct leg *leg;

	(void)st;
	(void)src;
	if (!str_isset(m->to.tag))
		return;
	leg = call__find_leg(c, m->call_id, m->to.tag);
	if (leg)
		call__ack(c, leg, m);
}

static void core_on_cancel(void *arg, struct tsx *st, const struct sip_msg *m)
{
	(void)m;
	call__cancel(arg, st);
}

static void core_on_stray(void *arg, const struct sip_msg *m,
			  const struct tp_src *src)
{
	(void)arg;
	(void)src;
	log_debug("core: stray %u response to %.*s", m->status,
		  STR_FMT(m->cseq.method_s));
}

static void core_on_server_done(void *arg, struct tsx *st)
{
	(void)arg;
	(void)st;
}

static const struct tsx_user core_user = {
	.request = core_on_request,
	.ack = core_on_ack,
	.cancel = core_on_cancel,
	.stray_response = core_on_stray,
	.server_done = core_on_server_done,
};

const struct tsx_user *core_tsx_user(void)
{
	return &core_user;
}

int core_new(const struct core_cfg *cfg, struct tp *tp,
	     struct tmr_heap *tmr, struct core **out)
{
	struct core *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = hash_init(&c->dialogs, 1024);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->cfg = cfg;
	c->tp = tp;
	c->tmr = tmr;
	rc = auth_new(&c->auth);
	if (rc < 0) {
		hash_free(&c->dialogs);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void core_set_routing(struct core *c, struct store_routing *r)
{
	store_routing_unref(c->routing);
	c->routing = r ? store_routing_ref(r) : NULL;
}

void core_set_creds(struct core *c, struct store_creds *cr)
{
	store_creds_unref(c->creds);
	c->creds = cr ? store_creds_ref(cr) : NULL;
}

void core_set_tsx(struct core *c, struct tsx_layer *tsx)
{
	c->tsx = tsx;
}

void core_free(struct core *c)
{
	if (!c)
		return;
	call__shutdown(c);
	call__free_all(c);
	store_routing_unref(c->routing);
	store_creds_unref(c->creds);
	auth_free(c->auth);
	core__admit_free(c);
	hash_free(&c->dialogs);
	free(c);
}

void core_stats_get(const struct core *c, struct core_stats *s)
{
	*s = c->stats;
}
