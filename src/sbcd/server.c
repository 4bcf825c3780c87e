/*
 * server: wires the transports and the transaction layer into sbcd and
 * answers requests as a UAS until the session core exists (layer 7).
 *
 * One libuv timer drives the tmr heap that every transaction timer lives
 * in: it is re-armed for the earliest expiry once per loop iteration,
 * before the loop waits for I/O.  Every
 * received message is parsed here and handed to the transaction layer;
 * a request that does not parse is answered statelessly with 400 and the
 * parser's reason when its top Via allows (RFC 3261 8.2.6.2, 18.2.2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "sbc/buf.h"
#include "sbc/core.h"
#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/mem.h"
#include "sbc/sip_msg.h"
#include "sbc/sip_print.h"
#include "sbc/sip_uri.h"
#include "sbc/store.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"
#include "server_int.h"

static void server_timer_arm(struct server *s);

/* Heap faulted in per loop iteration at most (sbc/mem.h). */
#define SERVER_PREFAULT (512u << 10)

/*
 * The loop's work in one iteration starts at the first I/O callback
 * (they run inside libuv's poll phase, before the check handle) or, with
 * none, at the check; it ends when the loop prepares to wait again,
 * after the timers.  The longest such stretch is how long a datagram may
 * have waited for sbcd.
 */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void server_loop_busy(struct server *s)
{
	if (!s->loop_t0) {
		s->loop_t0 = uv_hrtime();
		s->loop_cpu0 = thread_cpu_ns();
	}
}

static void server_on_loop_check(uv_check_t *h)
{
	server_loop_busy(h->data);
}

/* The loop is about to wait for I/O: the work since it began is done. */
static void server_on_loop_prepare(uv_prepare_t *h)
{
	struct server *s = h->data;
	uint64_t ns;

	/* Whatever ran in this iteration (datagrams, the resolver's and
	 * rtpengine's callbacks, expired timers) may have moved the
	 * earliest timer: the one libuv timer is armed for it here, once,
	 * before the loop sleeps. */
	server_timer_arm(s);
	/* What the heap grew by in this iteration is faulted in with one
	 * system call, in steps short enough not to stall the loop. */
	mem_prefault(SERVER_PREFAULT);
	if (!s->loop_t0)
		return;
	ns = uv_hrtime() - s->loop_t0;
	s->loop_t0 = 0;
	s->loop_iterations++;
	if (ns > s->loop_max_ns)
		s->loop_max_ns = ns;
	/* The CPU time can be no longer than the wall-clock time: it is
	 * read again only when that was long. */
	if (ns <= SERVER_STALL_NS)
		return;
	s->loop_over_1ms++;
	ns = thread_cpu_ns() - s->loop_cpu0;
	if (ns > s->loop_max_cpu_ns)
		s->loop_max_cpu_ns = ns;
	if (ns > SERVER_STALL_NS)
		s->loop_cpu_over_1ms++;
}

static void server_on_timer(uv_timer_t *t)
{
	struct server *s = t->data;

	server_loop_busy(s);
	tmr_heap_run(&s->tmr, uv_now(s->loop));
}

/* Arms the libuv timer for the heap's earliest expiry. */
static void server_timer_arm(struct server *s)
{
	uint64_t next = tmr_heap_next(&s->tmr), now = uv_now(s->loop);

	if (next == UINT64_MAX) {
		uv_timer_stop(&s->timer);
		return;
	}
	uv_timer_start(&s->timer, server_on_timer, next > now ? next - now : 0,
		       0);
}

static int server_send(void *ctx, const struct tp_dest *d, const void *p,
		       size_t len)
{
	return tp_send(ctx, d, p, len);
}

/*
 * Where a stateless response goes (RFC 3261 18.2.2, RFC 3581 4): back
 * over the connection, or for UDP to the source address, at the source
 * port when the Via asked for rport and at the sent-by port otherwise.
 */
static void server_reply_dest(const struct tp_src *src,
			      const struct sip_via *v, struct tp_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->proto = src->proto;
	d->addr = src->peer;
	d->lsn = src->lsn;
	d->conn = src->conn;
	if (src->proto != TP_UDP || v->has_rport)
		return;
	if (d->addr.sa.sa_family == AF_INET6)
		((struct sockaddr_in6 *)&d->addr)->sin6_port =
			htons(v->port ? v->port : 5060);
	else
		((struct sockaddr_in *)&d->addr)->sin_port =
			htons(v->port ? v->port : 5060);
}

int server_reply(struct server *s, const struct sip_msg *m,
		 const struct tp_src *src, unsigned status, const char *reason,
		 const char *extra)
{
	static const enum sip_hdr_id copy[] = { SIP_HDR_FROM, SIP_HDR_TO,
						SIP_HDR_CALL_ID, SIP_HDR_CSEQ };
	struct buf *b = &s->out;
	char ip[INET6_ADDRSTRLEN], tag[SERVER_TAG_LEN + 1];
	struct sip_addr to;
	struct tp_dest d;
	uint16_t port;

	if (!m->is_request || m->method == SIP_METHOD_ACK ||
	    !str_isset(m->via.transport))
		return -EINVAL;
	tp_addr_ip((const struct sockaddr *)&src->peer, ip, sizeof(ip), &port);
	buf_reset(b);
	sip_print_status_line(b, status, reason ? str_cstr(reason) : STR_NULL);
	sip_print_response_vias(b, m, str_cstr(ip), port);
	for (unsigned i = 0; i < sizeof(copy) / sizeof(*copy); i++) {
		const struct sip_hdr *h = sip_msg_hdr(m, copy[i]);

		if (!h)
			continue;
		sip_print_hdr_named(b, str_cstr(sip_hdr_name(copy[i])),
				    h->value);
		if (copy[i] == SIP_HDR_TO &&
		    (sip_addr_parse(&to, h->value, NULL) < 0 ||
		     !str_isset(to.tag))) {
			/* Undo the CRLF to append a tag to the To line. */
			b->len -= 2;
			rnd_token(tag, sizeof(tag));
			buf_printf(b, ";tag=%s\r\n", tag);
		}
	}
	if (extra)
		buf_put_cstr(b, extra);
	sip_print_body(b, STR_NULL, STR_NULL);
	if (b->err)
		return b->err;
	server_reply_dest(src, &m->via, &d);
	if (tp_send(s->tp, &d, b->p, b->len) < 0) {
		s->stats.send_errors++;
		return -EIO;
	}
	return 0;
}

/*
 * A request that did not parse.  It is answered with 400 and the
 * parser's reason when it is a request other than ACK whose top Via
 * parses, since that is all a response needs to find its way back;
 * anything else is dropped.  What of From, To, Call-ID and CSeq exists
 * is copied as it came (RFC 3261 8.2.6.2).
 */
static void server_bad(struct server *s, const struct sip_msg *m,
		       const struct tp_src *src, const char *why)
{
	char ip[INET6_ADDRSTRLEN];

	s->stats.bad++;
	log_debug("bad message from %s: %s",
		  tp_addr_fmt((const struct sockaddr *)&src->peer, ip,
			      sizeof(ip)),
		  why);
	if (server_reply(s, m, src, 400, why, NULL) == 0)
		s->stats.bad_answered++;
}

static void server_on_recv(struct tp *tp, const struct tp_src *src,
			   const char *p, size_t len, void *arg)
{
	struct server *s = arg;
	struct sip_msg *m = &s->msg;
	const char *why = NULL;
	int rc;

	(void)tp;
	server_loop_busy(s);
	/* A datagram of only CR and LF is a keep-alive: nothing to do. */
	if (src->proto == TP_UDP && len <= 4 && strspn(p, "\r\n") >= len)
		return;
	/* Timers due by now fire first, and transactions see the time. */
	tmr_heap_run(&s->tmr, uv_now(s->loop));
	rc = sip_msg_parse(m, p, len,
			   src->proto == TP_UDP ? SIP_MSG_DATAGRAM
						: SIP_MSG_STREAM,
			   &why);
	/* Access control and limits (server_edge.c) before any state. */
	if (server_edge_check(s, m, src, len,
			      rc < 0 ? (why ? why : "Bad Request") : NULL)) {
		/* Refused, answered or not. */
	} else if (rc < 0) {
		server_bad(s, m, src, why ? why : "Bad Request");
	} else {
		msgstat_count_msg(&s->msgs.in, m);
		tsx_layer_recv(s->tsx, m, src);
	}
}

static void server_on_tp_error(struct tp *tp, const struct tp_dest *d,
			       int err, void *arg)
{
	struct server *s = arg;
	char a[64];

	(void)tp;
	server_loop_busy(s);
	log_info("transport to %s failed: %s",
		 tp_addr_fmt((const struct sockaddr *)&d->addr, a, sizeof(a)),
		 strerror(-err));
	tmr_heap_run(&s->tmr, uv_now(s->loop));
	tsx_layer_tp_error(s->tsx, d, err);
}

static int server_listen(struct server *s, const struct config_listener *cl)
{
	struct tp_lsn_cfg lc = {
		.name = cl->name,
		.realm = cl->realm,
		.proto = (enum tp_proto)cl->transport,
		.addr = cl->addr,
		.tls = {
			.cert_file = cl->tls_cert,
			.key_file = cl->tls_key,
			.ca_file = cl->tls_ca,
			.verify_client = cl->tls_verify_client,
			.ciphers = cl->tls_ciphers,
			.ciphersuites = cl->tls_ciphersuites,
			.min_version = cl->tls_min_version,
		},
	};
	struct sockaddr_storage ss;
	struct tp_lsn *l;
	char err[256], where[96], a[64];
	int rc;

	config_listener_fmt(cl, where, sizeof(where));
	err[0] = '\0';
	rc = tp_listen(s->tp, &lc, &l, err, sizeof(err));
	if (rc < 0) {
		log_err("listener '%s' (%s): %s", cl->name, where,
			err[0] ? err : strerror(-rc));
		return rc;
	}
	tp_lsn_addr(l, &ss);
	log_info("listening on %s %s realm %s (listener %s)",
		 config_transport_name(cl->transport),
		 tp_addr_fmt((const struct sockaddr *)&ss, a, sizeof(a)),
		 cl->realm, cl->name);
	return 0;
}

/* The resolver, with the servers of [dns] or those of resolv.conf. */
static int server_dns(struct server *s, const struct config *c)
{
	struct dns_cfg dc = { 0 };
	size_t n = 0;
	int rc;

	if (c->dns_servers) {
		char *save = NULL, *tok;

		s->dns_buf = strdup(c->dns_servers);
		s->dns_servers = calloc(DNS_MAX_SERVERS + 1,
					sizeof(*s->dns_servers));
		if (!s->dns_buf || !s->dns_servers)
			return -ENOMEM;
		for (tok = strtok_r(s->dns_buf, ", \t", &save);
		     tok && n < DNS_MAX_SERVERS;
		     tok = strtok_r(NULL, ", \t", &save))
			s->dns_servers[n++] = tok;
		dc.servers = s->dns_servers;
	}
	dc.af_pref = c->dns_prefer_v4 ? DNS_AF_PREFER_V4 : DNS_AF_PREFER_V6;
	rc = dns_new(s->loop, &dc, &s->dns);
	if (rc < 0)
		log_warn("no DNS resolver (%s): routes need IP addresses",
			 strerror(-rc));
	return 0;
}

/* The core's view of the realms of the configuration. */
static int server_core_cfg(struct server *s, const struct config *c)
{
	s->realms = calloc(c->n_realms + 1, sizeof(*s->realms));
	if (!s->realms)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_realms; i++)
		s->realms[i] = (struct core_realm){
			.name = c->realms[i].name,
			.strip = c->realms[i].strip,
			.auth_realm = !c->realms[i].auth ? NULL
				      : c->realms[i].auth_realm
					      ? c->realms[i].auth_realm
					      : c->realms[i].name,
			.auth_nonce_s = c->realms[i].auth_nonce_s
						? c->realms[i].auth_nonce_s
						: CONFIG_DEFAULT_NONCE,
			.auth_algorithms = c->realms[i].auth_algorithms,
			.media = (enum core_media)c->realms[i].media,
			.media_flags = c->realms[i].media_flags,
			.media_interface = c->realms[i].media_interface,
		};
	s->core_cfg = (struct core_cfg){
		.realms = s->realms,
		.n_realms = c->n_realms,
		.no_route_status = c->no_route_status,
		.max_call_ms = c->max_call_s * 1000,
		.ack_wait_ms = 64 * c->sip.t1,
		.dns = s->dns,
		.avoid_s = c->dns_avoid_s,
		.writer = s->writer,
		.max_calls = c->limits.max_calls,
		.max_cps = c->limits.max_cps,
		.limit_status = c->limits.limit_status,
		.limit_retry_after = c->limits.limit_retry_after,
		.rtpe = s->rtpe,
		.media_fail_status = c->media_continue ? 0
						       : c->media_fail_status,
	};
	return 0;
}

/* The rtpengine instances of [rtpengine NAME], if any. */
static int server_rtpe(struct server *s, const struct config *c)
{
	struct rtpe_server_cfg *sv;
	struct rtpe_cfg rc = {
		.n_servers = c->n_rtpengines,
		.timeout_ms = c->media_timeout_ms,
		.tries = c->media_tries,
		.ping_ms = c->media_ping_ms,
	};
	int err;

	if (!c->n_rtpengines)
		return 0;
	sv = calloc(c->n_rtpengines, sizeof(*sv));
	if (!sv)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_rtpengines; i++)
		sv[i] = (struct rtpe_server_cfg){
			.name = c->rtpengines[i].name,
			.addr = c->rtpengines[i].addr,
		};
	rc.servers = sv;
	err = rtpe_new(s->loop, &rc, &s->rtpe);
	free(sv);
	if (err == 0)
		log_info("media: %zu rtpengine instance%s, on failure %s",
			 c->n_rtpengines, c->n_rtpengines > 1 ? "s" : "",
			 c->media_continue ? "continue unanchored"
					   : "refuse");
	return err;
}

int server_reload(struct server *s, char *err, size_t errlen)
{
	struct store_routing *r;
	int rc = store_routing_load(s->store, &r);

	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the routing state: %s",
			 s->cfg->database, strerror(-rc));
		log_err("reload: %s", err);
		return rc;
	}
	core_set_routing(s->core, r);
	server_edge_reload(s, r);
	store_routing_unref(s->routing);
	s->routing = r;
	log_info("routing: %zu trunks, %zu routes, %zu ACL entries", r->n_trunks,
		 r->n_routes, r->n_acl);
	for (size_t i = 0; i < r->n_trunks; i++) {
		struct sip_uri u;

		if (!s->dns && sip_uri_parse(&u, str_cstr(r->trunks[i].uri),
					     NULL) == 0 &&
		    u.host_type != SIP_HOST_IPV4 && u.host_type != SIP_HOST_IPV6)
			log_warn("trunk '%s': %s is a host name, but there is "
				 "no resolver",
				 r->trunks[i].name, r->trunks[i].uri);
	}
	return server_auth_reload(s, err, errlen);
}

struct server_restore {
	struct server *s;
	int64_t now_ms;
	unsigned long restored, dropped;
};

/* One stored dialog: its call is rebuilt, or its row deleted. */
static int server_restore_one(void *arg, const struct store_dialog *d)
{
	struct server_restore *r = arg;
	int rc = core_restore(r->s->core, d, r->now_ms);

	if (rc == 0) {
		r->restored++;
		return 0;
	}
	r->dropped++;
	log_warn("dialog %s (%s to %s): %s; forgetting it", d->id,
		 d->caller ? d->caller : "?", d->callee ? d->callee : "?",
		 rc == -ETIME     ? "past the maximum call duration"
		 : rc == -ENOENT ? "no listener of its realm"
				 : strerror(-rc));
	if (store_dialog_delete(r->s->store, d->id) < 0)
		log_warn("dialog %s: cannot delete its row", d->id);
	return 0;
}

/* The calls of the dialogs stored by an earlier run. */
static int server_restore(struct server *s)
{
	struct server_restore r = { .s = s, .now_ms = store_now_ms() };
	int rc = store_dialogs_load(s->store, server_restore_one, &r);

	if (rc < 0) {
		log_err("%s: cannot read the stored dialogs: %s",
			s->cfg->database, strerror(-rc));
		return rc;
	}
	if (r.restored || r.dropped)
		log_info("restored %lu calls from the database (%lu dropped)",
			 r.restored, r.dropped);
	return 0;
}

int server_start(uv_loop_t *loop, const struct config *c, struct store *st,
		 struct server **out)
{
	struct server *s = calloc(1, sizeof(*s));
	char err[256];
	int rc;

	*out = s;
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->cfg = c;
	s->store = st;
	buf_init(&s->out);
	tmr_heap_init(&s->tmr);
	tmr_heap_run(&s->tmr, uv_now(loop));
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	uv_check_init(loop, &s->loop_check);
	uv_prepare_init(loop, &s->loop_prepare);
	s->loop_check.data = s->loop_prepare.data = s;
	uv_check_start(&s->loop_check, server_on_loop_check);
	uv_prepare_start(&s->loop_prepare, server_on_loop_prepare);

	rc = tp_new(loop, &c->transport, server_on_recv, server_on_tp_error,
		    s, &s->tp);
	if (rc < 0) {
		log_err("cannot start the transports: %s", strerror(-rc));
		return rc;
	}
	server_status_init(s);
	rc = store_writer_start(c->database, &s->writer, err, sizeof(err));
	if (rc < 0) {
		log_err("cannot start the database writer: %s", err);
		return rc;
	}
	rc = server_dns(s, c);
	if (rc == 0)
		rc = server_rtpe(s, c);
	if (rc == 0)
		rc = server_edge_init(s);
	if (rc == 0)
		rc = server_core_cfg(s, c);
	if (rc == 0)
		rc = core_new(&s->core_cfg, s->tp, &s->tmr, &s->core);
	if (rc < 0) {
		log_err("cannot start the session core: %s", strerror(-rc));
		return rc;
	}
	rc = server_reload(s, err, sizeof(err));
	if (rc < 0)
		return rc;
	rc = tsx_layer_new(&c->sip, &s->tmr, server_send, s->tp,
			   core_tsx_user(), s->core, &s->tsx);
	if (rc < 0) {
		log_err("cannot start the transaction layer: %s",
			strerror(-rc));
		return rc;
	}
	core_set_tsx(s->core, s->tsx);
	for (size_t i = 0; i < c->n_listeners; i++) {
		rc = server_listen(s, &c->listeners[i]);
		if (rc < 0)
			return rc;
	}
	/* Calls are rebuilt once their listeners exist. */
	return server_restore(s);
}

/* The server is freed when the last of its handles has closed. */
static void server_on_handle_closed(uv_handle_t *h)
{
	struct server *s = h->data;

	if (--s->closing == 0)
		free(s);
}

void server_stop(struct server *s)
{
	struct tsx_stats ts;
	struct tp_stats ps;
	struct core_stats cs;

	if (!s)
		return;
	if (s->core) {
		core_stats_get(s->core, &cs);
		log_info("calls: %lu total, %lu active, %lu answered, "
			 "%lu failed, %lu without route, %lu failovers; %lu "
			 "requests relayed, %lu answered by sbc",
			 cs.calls_total, cs.calls_active, cs.calls_answered,
			 cs.calls_failed, cs.no_route, cs.failovers,
			 cs.relayed, cs.local);
		core_free(s->core);
	}
	/* After the core: calls may cancel their requests until then. */
	rtpe_close(s->rtpe);
	if (s->dns) {
		struct dns_stats ds;

		dns_stats_get(s->dns, &ds);
		log_info("dns: %lu resolutions, %lu queries, %lu cache hits "
			 "(%lu negative), %lu merged, %lu failures, "
			 "%lu timeouts",
			 ds.resolutions, ds.queries, ds.cache_hits, ds.neg_hits,
			 ds.merged, ds.failures, ds.timeouts);
		dns_close(s->dns);
	}
	free(s->dns_servers);
	free(s->dns_buf);
	if (s->tsx) {
		tsx_layer_stats(s->tsx, &ts);
		log_info("transactions: %lu created, %lu alive, "
			 "%lu retransmissions, %lu absorbed, %lu timeouts, "
			 "%lu transport errors, %lu merged, %lu stray",
			 ts.created, ts.clients + ts.servers, ts.retransmits,
			 ts.absorbed, ts.timeouts, ts.transport_errors,
			 ts.merged, ts.stray);
		tsx_layer_free(s->tsx);
	}
	if (s->tp) {
		tp_stats_get(s->tp, &ps);
		log_info("transport: in udp %lu tcp %lu tls %lu, out udp %lu "
			 "tcp %lu tls %lu, %lu framing errors, %lu pings, "
			 "%lu tls failures, %lu send errors",
			 ps.msgs_in[TP_UDP], ps.msgs_in[TP_TCP],
			 ps.msgs_in[TP_TLS], ps.msgs_out[TP_UDP],
			 ps.msgs_out[TP_TCP], ps.msgs_out[TP_TLS],
			 ps.framing_errors, ps.pings, ps.tls_failures,
			 ps.send_errors);
		tp_close(s->tp);
	}
	log_info("messages: %lu bad (%lu answered 400), %lu send errors",
		 s->stats.bad, s->stats.bad_answered, s->stats.send_errors);
	store_routing_unref(s->routing);
	server_edge_free(s);
	/* The writer applies what is queued before it stops. */
	if (s->writer) {
		struct store_writer_stats ws;

		store_writer_stats(s->writer, &ws);
		store_writer_stop(s->writer);
		log_info("store: %lu writes in %lu batches, %lu errors, %lu "
			 "dropped, longest batch %llu us",
			 ws.written + ws.queued, ws.batches, ws.errors,
			 ws.dropped, (unsigned long long)ws.max_batch_us);
	}
	free(s->realms);
	tmr_heap_free(&s->tmr);
	buf_free(&s->out);
	s->closing = 3;
	uv_close((uv_handle_t *)&s->loop_check, server_on_handle_closed);
	uv_close((uv_handle_t *)&s->loop_prepare, server_on_handle_closed);
	uv_close((uv_handle_t *)&s->timer, server_on_handle_closed);
}
