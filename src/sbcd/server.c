/*
 * server: a stateless UAS on every configured listener (layer 7).
 *
 * Each datagram is parsed and answered at once from the request alone
 * (RFC 3261 8.2); nothing is kept between datagrams.  A retransmitted
 * request therefore gets the same answer again, including the same To
 * tag, which is derived from the request rather than drawn at random.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "sbc/buf.h"
#include "sbc/log.h"
#include "sbc/sip_hdr.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
#include "sbc/tp_udp.h"
#include "server.h"

/*
 * The methods sbc is built to handle as a B2BUA.  Only OPTIONS is
 * answered with success today; the others get 501 until the session core
 * exists, but the Allow list already names the set of the first release
 * so that peers probing with OPTIONS see a stable answer.  REGISTER,
 * PRACK, UPDATE, INFO, REFER and the event methods are left out until
 * they are relayed.
 */
#define SERVER_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS"
/* The only body sbc will understand (RFC 3261 11.2, 20.1). */
#define SERVER_ACCEPT "application/sdp"

/* What the server saw, for the log line at stop. */
struct server_stats {
	unsigned long requests;		/* parsed requests */
	unsigned long responses;	/* parsed responses, ignored */
	unsigned long bad;		/* messages that failed to parse */
	unsigned long bad_answered;	/* of those, answered with 400 */
	unsigned long keepalives;	/* CRLF-only datagrams */
	unsigned long answered;		/* responses sent */
	unsigned long send_errors;	/* responses not built or not sent */
};

struct server_listener {
	struct server *srv;
	const struct config_listener *cfg;
	struct tp_udp *udp;
	char desc[128];		/* "udp 127.0.0.1:5060", for logs */
};

struct server {
	struct server_listener *ls;
	size_t n_ls;
	struct server_stats stats;
	int running;		/* every listener started */
	uint64_t secret;	/* keys the To tags of this process */
	struct buf out;		/* the response being built */
	struct sip_msg msg;	/* the datagram being handled */
};

/* The address a datagram came from, as text and port. */
struct server_peer {
	const struct sockaddr *sa;
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;
	char desc[INET6_ADDRSTRLEN + 8];	/* "[::1]:5060", for logs */
};

static void server_peer_init(struct server_peer *peer,
			     const struct sockaddr *sa)
{
	peer->sa = sa;
	peer->ip[0] = '\0';
	peer->port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, peer->ip, sizeof(peer->ip));
		peer->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, peer->ip,
			  sizeof(peer->ip));
		peer->port = ntohs(sin6->sin6_port);
	}
	if (sa->sa_family == AF_INET6)
		snprintf(peer->desc, sizeof(peer->desc), "[%s]:%u", peer->ip,
			 (unsigned)peer->port);
	else
		snprintf(peer->desc, sizeof(peer->desc), "%s:%u", peer->ip,
			 (unsigned)peer->port);
}

/*
 * True when the sent-by host of a Via is the literal address the request
 * came from.  A host name never is: finding out would take a DNS query,
 * and RFC 3261 18.2.1 asks for received whenever the two differ.
 */
static int server_via_host_is(const struct sip_via *v,
			      const struct server_peer *peer)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char host[INET6_ADDRSTRLEN];

	if (v->host.len == 0 || v->host.len >= sizeof(host))
		return 0;
	str_copy(host, sizeof(host), v->host);
	if (peer->sa->sa_family == AF_INET && v->host_type == SIP_HOST_IPV4) {
		const struct sockaddr_in *sin = (const void *)peer->sa;

		return inet_pton(AF_INET, host, bin) == 1 &&
		       memcmp(bin, &sin->sin_addr, 4) == 0;
	}
	if (peer->sa->sa_family == AF_INET6 && v->host_type == SIP_HOST_IPV6) {
		const struct sockaddr_in6 *sin6 = (const void *)peer->sa;

		return inet_pton(AF_INET6, host, bin) == 1 &&
		       memcmp(bin, &sin6->sin6_addr, 16) == 0;
	}
	return 0;
}

/*
 * Prints the top Via of the response: the request's, with the source
 * address added as received (RFC 3261 18.2.1) and the source port as
 * rport (RFC 3581 4).  When rport is present, received is added even if
 * it equals sent-by, as RFC 3581 4 requires.  A received the request
 * carried already is replaced.
 */
static void server_print_top_via(struct buf *b, const struct sip_via *v,
				 const struct server_peer *peer)
{
	struct str rest = v->params, name, val;
	int add_received = v->has_rport || !server_via_host_is(v, peer);

	buf_put_cstr(b, "Via: ");
	buf_put_str(b, v->proto);
	buf_put_c(b, '/');
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
	while (sip_param_next(&rest, &name, &val)) {
		if (str_caseeq_c(name, "received"))
			continue;
		buf_put_c(b, ';');
		buf_put_str(b, name);
		if (str_caseeq_c(name, "rport")) {
			buf_put_c(b, '=');
			buf_put_u64(b, peer->port);
		} else if (val.len > 0) {
			buf_put_c(b, '=');
			sip_print_value(b, val);
		}
	}
	if (add_received) {
		/* RFC 3261 25.1: an IPv6 received has no brackets. */
		buf_put_cstr(b, ";received=");
		buf_put_cstr(b, peer->ip);
	}
	buf_put_cstr(b, "\r\n");
}

/*
 * The Via values of the response: all of the request's, in order
 * (RFC 3261 8.2.6.2), one per line, the top one completed.
 */
static void server_print_vias(struct buf *b, const struct sip_msg *m,
			      const struct sip_via *top,
			      const struct server_peer *peer)
{
	struct sip_vals it;
	struct str v;
	int first = 1;

	sip_vals_init(&it, m, SIP_HDR_VIA);
	while (sip_vals_next(&it, &v)) {
		if (first)
			server_print_top_via(b, top, peer);
		else
			sip_print_hdr(b, SIP_HDR_VIA, v);
		first = 0;
	}
}

/*
 * 64-bit FNV-1a over one field and then a NUL byte, which no header
 * value holds, so that ("ab", "c") and ("a", "bc") differ.
 */
static uint64_t server_hash(uint64_t h, struct str s)
{
	for (size_t i = 0; i < s.len; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 0x100000001b3ULL;
	}
	return h * 0x100000001b3ULL;
}

/*
 * The To tag of a response that needs one (RFC 3261 8.2.6.2): a hash,
 * keyed with a random value per process, of what identifies the request,
 * so that a retransmission gets the same tag.  The responses sent here
 * create no dialog, so the tag needs to be unique rather than the
 * cryptographically random value RFC 3261 19.3 asks of dialog tags; the
 * session core will draw those from a CSPRNG.
 */
static void server_print_to(struct server *s, struct buf *b,
			    const struct sip_msg *m, struct str to,
			    const struct sip_via *top)
{
	const struct sip_hdr *fh = sip_msg_hdr(m, SIP_HDR_FROM);
	const struct sip_hdr *ch = sip_msg_hdr(m, SIP_HDR_CALL_ID);
	uint64_t h = 0xcbf29ce484222325ULL ^ s->secret;
	struct sip_addr a;
	const char *err;

	buf_put_cstr(b, "To: ");
	sip_print_value(b, to);
	/*
	 * A To that does not parse (only possible in a 400) is echoed as it
	 * came: a tag appended to it would not make it better.  From and
	 * Call-ID are read from their lines, not from the parsed message,
	 * since a message that failed may not have reached them.
	 */
	if (sip_addr_parse(&a, to, &err) == 0 && a.tag.len == 0) {
		h = server_hash(h, top->branch);
		h = server_hash(h, top->host);
		if (ch != NULL)
			h = server_hash(h, ch->value);
		if (fh != NULL && sip_addr_parse(&a, fh->value, &err) == 0)
			h = server_hash(h, a.tag);
		buf_printf(b, ";tag=%016llx", (unsigned long long)h);
	}
	buf_put_cstr(b, "\r\n");
}

/* The first value of a header that has one, or STR_NULL. */
static struct str server_hdr_value(const struct sip_msg *m,
				   enum sip_hdr_id id)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);

	return h ? h->value : STR_NULL;
}

/*
 * Where a response to a request that came over UDP goes (RFC 3261
 * 18.2.2, RFC 3581 4): with rport, to the source address and port;
 * otherwise to the source address, which is the received address or
 * equal to sent-by, and the sent-by port or 5060.  maddr is ignored for
 * now: sbc sends no multicast.
 */
static void server_reply_dest(const struct sip_via *v,
			      const struct server_peer *peer,
			      struct sockaddr_storage *dst)
{
	uint16_t port = v->has_rport ? peer->port
				     : (v->port ? v->port : 5060);

	memset(dst, 0, sizeof(*dst));
	if (peer->sa->sa_family == AF_INET) {
		memcpy(dst, peer->sa, sizeof(struct sockaddr_in));
		((struct sockaddr_in *)dst)->sin_port = htons(port);
	} else {
		memcpy(dst, peer->sa, sizeof(struct sockaddr_in6));
		((struct sockaddr_in6 *)dst)->sin6_port = htons(port);
	}
}

static unsigned server_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* What a response carries besides the headers every response copies. */
enum server_extra {
	SERVER_EXTRA_NONE = 0,
	SERVER_EXTRA_OPTIONS,		/* Allow and Accept */
	SERVER_EXTRA_UNSUPPORTED,	/* Unsupported: what Require asked */
};

/*
 * Builds and sends a response to m, which may have failed to parse after
 * its top Via (then top is that Via, parsed again).  RFC 3261 8.2.6.2:
 * the response copies Via, From, To, Call-ID and CSeq, and adds a To tag.
 */
static void server_respond(struct server *s, struct server_listener *l,
			   const struct sip_msg *m, const struct sip_via *top,
			   const struct server_peer *peer, unsigned status,
			   struct str reason, enum server_extra extra)
{
	struct buf *b = &s->out;
	struct sockaddr_storage dst;
	struct sip_vals it;
	struct str v;
	int rc;

	buf_reset(b);
	sip_print_status_line(b, status, reason);
	server_print_vias(b, m, top, peer);
	v = server_hdr_value(m, SIP_HDR_FROM);
	if (str_isset(v))
		sip_print_hdr(b, SIP_HDR_FROM, v);
	v = server_hdr_value(m, SIP_HDR_TO);
	if (str_isset(v))
		server_print_to(s, b, m, v, top);
	v = server_hdr_value(m, SIP_HDR_CALL_ID);
	if (str_isset(v))
		sip_print_hdr(b, SIP_HDR_CALL_ID, v);
	v = server_hdr_value(m, SIP_HDR_CSEQ);
	if (str_isset(v))
		sip_print_hdr(b, SIP_HDR_CSEQ, v);

	switch (extra) {
	case SERVER_EXTRA_OPTIONS:
		/* RFC 3261 11.2: Allow and Accept answer the query. */
		sip_print_hdr(b, SIP_HDR_ALLOW, STR(SERVER_ALLOW));
		sip_print_hdr(b, SIP_HDR_ACCEPT, STR(SERVER_ACCEPT));
		break;
	case SERVER_EXTRA_UNSUPPORTED:
		/* RFC 3261 8.2.2.3: every option tag, since none is known. */
		buf_put_cstr(b, "Unsupported: ");
		sip_vals_init(&it, m, SIP_HDR_REQUIRE);
		for (int n = 0; sip_vals_next(&it, &v); n++) {
			if (n > 0)
				buf_put_cstr(b, ", ");
			sip_print_value(b, v);
		}
		buf_put_cstr(b, "\r\n");
		break;
	case SERVER_EXTRA_NONE:
		break;
	}
	sip_print_body(b, STR_NULL, STR_NULL);
	if (b->err) {
		log_err("%s: cannot build a %u response: %s", l->desc, status,
			strerror(-b->err));
		s->stats.send_errors++;
		return;
	}

	server_reply_dest(top, peer, &dst);
	rc = tp_udp_send(l->udp, b->p, b->len, (struct sockaddr *)&dst);
	if (rc < 0) {
		s->stats.send_errors++;
		log_warn("%s: cannot send %u to %s port %u: %s", l->desc,
			 status, peer->ip, server_port(&dst), uv_strerror(rc));
		return;
	}
	s->stats.answered++;
	log_debug("%s: sent %u to %s port %u", l->desc, status, peer->ip,
		  server_port(&dst));
}

/*
 * A message that did not parse.  It is answered with 400 and the
 * parser's reason when it is a request other than ACK whose top Via
 * parses, since that is all a response needs to find its way back
 * (RFC 3261 8.2.6.2 and 18.2.2); anything else is dropped.
 */
static void server_bad(struct server *s, struct server_listener *l,
		       const struct sip_msg *m, const char *why,
		       const struct server_peer *peer)
{
	struct sip_vals it;
	struct sip_via via;
	struct str v;
	const char *err;

	s->stats.bad++;
	log_debug("%s: bad message from %s: %s", l->desc, peer->desc, why);
	if (!m->is_request || m->method == SIP_METHOD_ACK)
		return;
	sip_vals_init(&it, m, SIP_HDR_VIA);
	if (!sip_vals_next(&it, &v) || sip_via_parse(&via, v, &err) < 0)
		return;
	s->stats.bad_answered++;
	server_respond(s, l, m, &via, peer, 400, str_cstr(why),
		       SERVER_EXTRA_NONE);
}

/* A datagram of only CR and LF is a keep-alive (RFC 5626 3.5.1 style). */
static int server_is_keepalive(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static void server_request(struct server *s, struct server_listener *l,
			   const struct sip_msg *m,
			   const struct server_peer *peer)
{
	s->stats.requests++;
	log_debug("%s: %.*s from %s", l->desc, STR_FMT(m->method_s),
		  peer->desc);

	/* RFC 3261 17.1.1.3: an ACK is never answered. */
	if (m->method == SIP_METHOD_ACK)
		return;
	/*
	 * RFC 3261 16.3 step 3: a request that may not travel further is
	 * refused, except OPTIONS, which the element may answer itself
	 * (11, 16.3).  sbc relays requests, so it applies the proxy rule.
	 */
	if (m->max_forwards == 0 && m->method != SIP_METHOD_OPTIONS) {
		server_respond(s, l, m, &m->via, peer, 483, STR_NULL,
			       SERVER_EXTRA_NONE);
		return;
	}
	if (m->method != SIP_METHOD_OPTIONS) {
		server_respond(s, l, m, &m->via, peer, 501, STR_NULL,
			       SERVER_EXTRA_NONE);
		return;
	}
	/* RFC 3261 8.2.2.3: sbc supports no extension yet. */
	if (sip_msg_count(m, SIP_HDR_REQUIRE) > 0) {
		server_respond(s, l, m, &m->via, peer, 420, STR_NULL,
			       SERVER_EXTRA_UNSUPPORTED);
		return;
	}
	server_respond(s, l, m, &m->via, peer, 200, STR_NULL,
		       SERVER_EXTRA_OPTIONS);
}

static void server_on_datagram(struct tp_udp *t, const char *p, size_t len,
			       const struct sockaddr *src, void *arg)
{
	struct server_listener *l = arg;
	struct server *s = l->srv;
	struct sip_msg *m = &s->msg;
	struct server_peer peer;
	const char *why = NULL;

	if (server_is_keepalive(p, len)) {
		s->stats.keepalives++;
		return;
	}
	server_peer_init(&peer, src);
	if (sip_msg_parse(m, p, len, SIP_MSG_DATAGRAM, &why) < 0) {
		server_bad(s, l, m, why ? why : "Bad Request", &peer);
		return;
	}
	if (!m->is_request) {
		/* Nothing is ever sent that expects one: ignore it. */
		s->stats.responses++;
		log_debug("%s: ignored a %u response from %s", l->desc,
			  m->status, peer.desc);
		return;
	}
	server_request(s, l, m, &peer);
}

int server_start(uv_loop_t *loop, const struct config *c,
		 struct server **out)
{
	struct server *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ls = calloc(c->n_listeners, sizeof(*s->ls));
	if (s->ls == NULL) {
		free(s);
		return -ENOMEM;
	}
	buf_init(&s->out);
	rc = uv_random(NULL, NULL, &s->secret, sizeof(s->secret), 0, NULL);
	if (rc < 0)
		log_warn("no random bytes for tags (%s); tags stay unique per "
			 "request but are predictable",
			 uv_strerror(rc));

	for (size_t i = 0; i < c->n_listeners; i++) {
		struct server_listener *l = &s->ls[i];
		const struct config_listener *cl = &c->listeners[i];

		l->srv = s;
		l->cfg = cl;
		config_listener_fmt(cl, l->desc, sizeof(l->desc));
		rc = tp_udp_open(loop, (const struct sockaddr *)&cl->addr,
				 server_on_datagram, l, &l->udp);
		if (rc < 0) {
			log_err("listener %s: cannot listen on %s: %s",
				cl->name, l->desc, uv_strerror(rc));
			s->n_ls = i;
			server_stop(s);
			return rc;
		}
		log_info("listening on %s realm %s (listener %s)", l->desc,
			 cl->realm, cl->name);
	}
	s->n_ls = c->n_listeners;
	s->running = 1;
	*out = s;
	return 0;
}

void server_stop(struct server *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_ls; i++) {
		struct server_listener *l = &s->ls[i];

		if (s->running)
			log_info("listener %s: %lu datagrams sent, %lu sends "
				 "failed",
				 l->cfg->name, tp_udp_sent(l->udp),
				 tp_udp_send_errors(l->udp));
		tp_udp_close(l->udp);
	}
	if (s->running)
		log_info("requests %lu, responses ignored %lu, bad messages "
			 "%lu (answered %lu), keep-alives %lu, responses sent "
			 "%lu, not sent %lu",
			 s->stats.requests, s->stats.responses, s->stats.bad,
			 s->stats.bad_answered, s->stats.keepalives,
			 s->stats.answered, s->stats.send_errors);
	buf_free(&s->out);
	free(s->ls);
	free(s);
}
