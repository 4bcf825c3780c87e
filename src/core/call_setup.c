/*
 * call_setup: the INVITE that sets a call up (layer 6): leg B tried
 * trunk by trunk and next hop by next hop (RFC 3263 4.3), its responses
 * relayed to leg A with the early dialogs of forks mirrored (RFC 3261
 * 12.1, 13.2.2.4) and reliable provisional responses mapped (RFC 3262),
 * CANCEL, and the requests that make no dialog (MESSAGE, PUBLISH).
 * call.c holds the call itself; call_dialog.c what follows the answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/sip_print.h"
#include "core_int.h"

void call__a_final(struct call *k, unsigned status, struct str reason)
{
	if (!k->a_invite)
		return;
	k->status = status;
	core__answer(k->core, k->a_invite, status, reason, k->a_tag);
	tsx_unref(k->a_invite);
	k->a_invite = NULL;
}

static int b_failover(struct call *k, unsigned retry_after);

/* RFC 3261 20.33: the seconds of a Retry-After, or 0. */
static unsigned retry_after(const struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_RETRY_AFTER);
	struct str v;
	size_t n = 0;
	uint64_t s;

	if (!h)
		return 0;
	v = str_trim(h->value);
	while (n < v.len && v.p[n] >= '0' && v.p[n] <= '9')
		n++;
	if (str_to_u64(str_make(v.p, n), 86400, &s) < 0)
		return 0;
	return (unsigned)s;
}

/* A 2xx from a B dialog that is not the call's: ACK it and BYE it. */
static void b_extra_2xx(struct call *k, const struct sip_msg *rsp)
{
	struct call tmp_call;
	struct dlg *d;
	struct tsx *ct;

	const struct leg *b = &k->leg[LEG_B];
	const struct sip_msg *req = k->b_invite ? tsx_request(k->b_invite)
						: NULL;
	int rc;

	/* After the answer leg B's dialog gives what the fork shares with
	 * it; before (rtpengine refused the answer) the INVITE does. */
	if (b->dlg && b->dlg->uac && b->dlg->state == DLG_CONFIRMED)
		rc = dlg_uac_fork(b->dlg, rsp, &d);
	else
		rc = req ? dlg_uac_new(req, rsp, &d) : -ENOENT;
	if (rc < 0) {
		log_warn("call %s: cannot end the 2xx of another fork: %s",
			 k->id, strerror(-rc));
		return;
	}
	tmp_call = *k;
	tmp_call.leg[LEG_B].dlg = d;
	tmp_call.leg[LEG_B].ack.p = NULL;
	tmp_call.leg[LEG_B].ack.len = tmp_call.leg[LEG_B].ack.cap = 0;
	call__leg_request(&tmp_call, LEG_B, STR("ACK"), k->leg[LEG_B].invite_cseq,
		    NULL, NULL, STR_NULL, NULL, NULL, NULL);
	buf_free(&tmp_call.leg[LEG_B].ack);
	call__ref(k);
	if (call__leg_request(&tmp_call, LEG_B, STR("BYE"), 0, NULL, NULL, STR_NULL,
			&call__bye_cb, k, &ct) < 0)
		call__unref(k);
	else
		tsx_unref(ct);
	dlg_free(d);
}

/*
 * RFC 3262: a reliable provisional response of leg B is relayed reliably
 * on leg A with an RSeq of leg A's own numbering; the caller's PRACK is
 * relayed to B with the RAck B expects.  B's retransmissions of the
 * response, until the PRACK reaches it, are relayed again with the same
 * number, so they retransmit A's too.  Returns the RSeq line for leg A,
 * or NULL for an unreliable response.
 */
static const char *rseq_map_b(struct call *k, const struct sip_msg *rsp,
			      char *line, size_t n)
{
	const struct sip_hdr *h = sip_msg_hdr(rsp, SIP_HDR_RSEQ);
	uint64_t b;
	unsigned i;

	if (!h || str_to_u64(str_trim(h->value), UINT32_MAX, &b) < 0)
		return NULL;
	for (i = 0; i < k->n_rseq; i++)
		if (k->rseq[i].b == b)
			break;
	if (i == k->n_rseq) {
		if (k->n_rseq == CALL_MAX_RSEQ)
			i = k->n_rseq - 1;	/* reuse the last slot */
		else
			k->n_rseq++;
		if (!k->rseq_next)
			k->rseq_next = 1;
		k->rseq[i].b = (uint32_t)b;
		k->rseq[i].a = k->rseq_next++;
	}
	snprintf(line, n, "RSeq: %u\r\n", k->rseq[i].a);
	return line;
}

/* The RAck line for leg B of a PRACK from leg A, or NULL when its RAck
 * names no response sbc relayed (RFC 3262 7.2: answered 481). */
const char *call__rack_map_a(struct call *k, const struct sip_msg *m,
			      char *line, size_t n)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_RACK);
	struct str v;
	const char *sp;
	uint64_t a;

	if (!h)
		return NULL;
	v = str_trim(h->value);
	sp = memchr(v.p, ' ', v.len);
	if (!sp || str_to_u64(str_make(v.p, (size_t)(sp - v.p)), UINT32_MAX,
			      &a) < 0)
		return NULL;
	for (unsigned i = 0; i < k->n_rseq; i++) {
		if (k->rseq[i].a == a) {
			snprintf(line, n, "RAck: %u %u INVITE\r\n",
				 k->rseq[i].b, k->leg[LEG_B].invite_cseq);
			return line;
		}
	}
	return NULL;
}

/*
 * RFC 3261 12.1 and 13.2.2.4 with forking: every early dialog on leg B
 * (one per To tag) is mirrored on leg A by an early dialog with a To tag
 * of its own.  The first takes the call's tag; the one a 2xx confirms
 * becomes leg A's dialog.
 */
static const char *fork_tag(struct call *k, struct str b_tag)
{
	struct fork *f;

	if (!b_tag.len || !k->setup)
		return k->a_tag;
	for (unsigned i = 0; i < k->setup->n_forks; i++)
		if (str_eq(str_cstr(k->setup->forks[i].b_tag), b_tag))
			return k->setup->forks[i].a_tag;
	if (k->setup->n_forks == CALL_MAX_FORKS ||
	    b_tag.len >= sizeof(k->setup->forks[0].b_tag))
		return k->a_tag;
	f = &k->setup->forks[k->setup->n_forks];
	str_copy(f->b_tag, sizeof(f->b_tag), b_tag);
	if (k->setup->n_forks++ == 0)
		memcpy(f->a_tag, k->a_tag, sizeof(f->a_tag));
	else
		rnd_token(f->a_tag, sizeof(f->a_tag));
	return f->a_tag;
}

/* The 2xx of the fork with leg A tag `tag` confirms leg A's dialog. */
static void a_take_fork(struct call *k, const char *tag)
{
	struct leg *a = &k->leg[LEG_A];
	struct dlg *d;

	if (strcmp(tag, k->a_tag) == 0 || !k->a_invite)
		return;
	if (dlg_uas_new(tsx_request(k->a_invite), str_cstr(tag), &d) < 0)
		return;
	call__leg_table_remove(k->core, a);
	dlg_free(a->dlg);
	a->dlg = d;
	snprintf(k->a_tag, sizeof(k->a_tag), "%s", tag);
	call__leg_table_add(k->core, a);
}

static void b_invite_handle(struct call *k, struct tsx *ct,
			    const struct sip_msg *rsp, struct str sdp);

/* rtpengine answered (or failed) for a held response of leg B. */
static void b_response_done(struct call *k, struct media_job *j, int err,
			    struct str sdp)
{
	unsigned status;

	if (err == -ECANCELED || k->state != CALL_SETUP)
		return;
	if (err == 0) {
		b_invite_handle(k, j->tsx, j->msg, sdp);
		return;
	}
	/* No half-set-up call: B is cancelled (or its 2xx ACKed and ended
	 * with BYE), A gets the configured status or 503. */
	status = k->core->cfg->media_fail_status;
	k->core->stats.media_refused++;
	k->hangup = "sbc";
	call__a_final(k, status ? status : 503, STR("Media Relay Unavailable"));
	if (j->msg->status >= 200 && j->msg->status < 300 && k->b_invite)
		b_extra_2xx(k, j->msg);
	else if (k->b_invite)
		tsx_client_cancel(k->b_invite);
	call__down(k);
}

static void b_invite_response(struct tsx *ct, const struct sip_msg *rsp,
			      void *arg)
{
	struct call *k = arg;

	if (rsp->status == 100)
		return;
	/* SDP of leg B reaches leg A only as rtpengine rewrote it. */
	if (k->state == CALL_SETUP && rsp->status < 300 &&
	    call__media_defer(k, LEG_B, rsp, ct, NULL, b_response_done) > 0)
		return;
	b_invite_handle(k, ct, rsp, STR_NULL);
}

static void b_invite_handle(struct call *k, struct tsx *ct,
			    const struct sip_msg *rsp, struct str sdp)
{
	struct leg *b = &k->leg[LEG_B], *a = &k->leg[LEG_A];

	if (rsp->status >= 200 && rsp->status < 300 && k->state == CALL_UP) {
		/* RFC 6026 7.2: a retransmitted 2xx gets the ACK again; a
		 * 2xx of another fork is ACKed and ended. */
		if (b->dlg && str_eq(str_cstr(b->dlg->remote_tag),
				     rsp->to.tag)) {
			if (b->ack.len)
				tp_send(k->core->tp, &b->ack_dest, b->ack.p,
					b->ack.len);
		} else {
			b_extra_2xx(k, rsp);
		}
		return;
	}
	if (k->state != CALL_SETUP)
		return;
	if (rsp->status < 300 && str_isset(rsp->to.tag)) {
		if (!b->dlg) {
			if (dlg_uac_new(tsx_request(ct), rsp, &b->dlg) == 0)
				call__leg_table_add(k->core, b);
		} else if (rsp->status >= 200 &&
			   str_eq(str_cstr(b->dlg->remote_tag), rsp->to.tag)) {
			dlg_confirm(b->dlg, rsp);
		} else if (rsp->status >= 200) {
			/* A fork answered whose early dialog we did not
			 * mirror: it becomes the call's dialog. */
			call__leg_table_remove(k->core, b);
			dlg_free(b->dlg);
			b->dlg = NULL;
			if (dlg_uac_new(tsx_request(ct), rsp, &b->dlg) == 0)
				call__leg_table_add(k->core, b);
		}
	}
	if (!k->a_invite)
		return;
	if (rsp->status < 200) {
		char rseq[32];

		call__relay_response_tag(k, k->a_invite, LEG_A, rsp,
				   fork_tag(k, rsp->to.tag),
				   rseq_map_b(k, rsp, rseq, sizeof(rseq)), sdp);
		return;
	}
	if (rsp->status < 300) {
		if (!b->dlg) {
			/* A 2xx without a usable dialog: end B, fail A. */
			call__a_final(k, 502, STR("Bad Answer"));
			call__down(k);
			return;
		}
		a_take_fork(k, fork_tag(k, rsp->to.tag));
		k->state = CALL_UP;
		k->answered_ms = store_now_ms();
		k->core->stats.calls_answered++;
		b->invite_pending = 0;
		dlg_confirm(a->dlg, NULL);
		call__relay_response(k, k->a_invite, LEG_A, rsp, sdp);
		tsx_unref(k->a_invite);
		k->a_invite = NULL;
		/* Further 2xx of leg B still come (b_extra_2xx), but its
		 * INVITE is of no more use: the transaction may drop it. */
		tsx_unref(k->b_invite);
		k->b_invite = NULL;
		call__store_put(k);
		/* Next hops and forks are of no use to an answered call. */
		call__setup_free(k->setup);
		k->setup = NULL;
		if (k->core->cfg->max_call_ms)
			tmr_start(k->core->tmr, &k->max_timer,
				  k->core->cfg->max_call_ms, call__on_max, k);
		if (k->core->cfg->ack_wait_ms)
			tmr_start(k->core->tmr, &k->ack_timer,
				  k->core->cfg->ack_wait_ms, call__on_no_ack, k);
		return;
	}
	b->invite_pending = 0;
	if (rsp->status == 503 && ct == k->b_invite &&
	    b_failover(k, retry_after(rsp)))
		return;
	k->rejected = 1;
	k->hangup = "callee";
	call__relay_response(k, k->a_invite, LEG_A, rsp, STR_NULL);
	tsx_unref(k->a_invite);
	k->a_invite = NULL;
	call__down(k);
}

static void b_invite_failed(struct tsx *ct, enum tsx_fail why, int err,
			    void *arg)
{
	struct call *k = arg;

	(void)err;
	k->leg[LEG_B].invite_pending = 0;
	if (k->state != CALL_SETUP || ct != k->b_invite)
		return;
	if (why != TSX_FAIL_TIMER_C && b_failover(k, 0))
		return;
	if (why == TSX_FAIL_TRANSPORT)
		call__a_final(k, 503, STR("Next Hop Unreachable"));
	else if (why == TSX_FAIL_TIMER_C)
		call__a_final(k, 408, STR("No Answer"));
	else
		call__a_final(k, 408, STR_NULL);
	call__down(k);
}

static void b_invite_terminated(struct tsx *ct, void *arg)
{
	struct call *k = arg;

	if (k->b_invite == ct) {
		tsx_unref(ct);
		k->b_invite = NULL;
	}
	/* RFC 6026 7.2: B retransmits its 2xx no longer than Timer M ran,
	 * so the ACK kept to answer them is of no more use. */
	if (k->state == CALL_UP && tsx_final_status(ct) >= 200 &&
	    tsx_final_status(ct) < 300)
		buf_free(&k->leg[LEG_B].ack);
	call__unref(k);
}

static const struct tsx_client_cb b_invite_cb = {
	.response = b_invite_response,
	.failed = b_invite_failed,
	.terminated = b_invite_terminated,
};

/* The B leg's Request-URI: the trunk's URI, with the user part of the
 * incoming Request-URI when the trunk's has none. */
static void b_ruri(struct buf *b, const char *target, const struct sip_msg *m)
{
	struct sip_uri t;

	sip_uri_parse(&t, str_cstr(target), NULL);
	if (t.user.len || !m->ruri.user.len) {
		buf_put_cstr(b, target);
		return;
	}
	buf_put_str(b, t.scheme_s);
	buf_put_c(b, ':');
	buf_put_str(b, m->ruri.user);
	buf_put_c(b, '@');
	buf_put(b, t.scheme_s.p + t.scheme_s.len + 1,
		strlen(target) - t.scheme_s.len - 1);
}

/* The transport a trunk asks for, or dflt when it names none. */
static enum tp_proto trunk_proto(const struct store_trunk *t,
				 enum tp_proto dflt)
{
	enum tp_proto p;

	if (t->transport &&
	    tp_proto_parse(t->transport, strlen(t->transport), &p) == 0)
		return p;
	return dflt;
}

/*
 * From or To of the B leg: the display name and user of the A side, at a
 * host of the B side (sbc's own address for From, the Request-URI for
 * To), so that no address of the A side crosses; tel: URIs carry no host
 * and pass as they are.
 */
static void print_party(struct buf *b, const char *name,
			const struct sip_addr *a, struct str host_uri,
			const char *host, const char *tag)
{
	buf_put_cstr(b, name);
	buf_put(b, ": ", 2);
	if (str_isset(a->display)) {
		sip_print_value(b, a->display);
		buf_put_c(b, ' ');
	}
	buf_put_c(b, '<');
	if (a->uri.scheme == SIP_URI_TEL || a->uri.scheme == SIP_URI_OTHER) {
		buf_put_str(b, a->uri_s);
	} else if (host_uri.len) {
		buf_put_str(b, host_uri);
	} else {
		buf_put_str(b, a->uri.scheme_s);
		buf_put_c(b, ':');
		if (a->uri.user.len) {
			buf_put_str(b, a->uri.user);
			buf_put_c(b, '@');
		}
		buf_put_cstr(b, host);
	}
	buf_put_c(b, '>');
	if (tag)
		buf_printf(b, ";tag=%s", tag);
	buf_put(b, "\r\n", 2);
}

/*
 * Sends leg B's INVITE to the call's target number k->cur_target: a new
 * client transaction with a new branch for every target (RFC 3263 4.3).
 * Returns 0 or a negative errno.
 */
static int b_try(struct call *k)
{
	struct core *c = k->core;
	const struct sip_msg *m = tsx_request(k->a_invite);
	const struct store_trunk *t = k->trunk;
	struct leg *b = &k->leg[LEG_B];
	struct tp_dest d = k->setup->targets[k->cur_target];
	char mem[BUF_STACK], ruri_mem[512];
	struct buf out, ruri;
	int rc;

	d.realm = t->realm;
	/* RFC 5922 7: a TLS peer found by name must present that name. */
	if (d.proto == TP_TLS && k->setup->dtargets[k->cur_target].host[0]) {
		d.server_name = k->setup->dtargets[k->cur_target].host;
		d.verify = t->tls_verify;
	}
	if (call__leg_bind(c, b, &d) < 0) {
		log_warn("core: trunk '%s': no %s listener in realm %s",
			 t->name, tp_proto_name(d.proto), t->realm);
		return -ENOENT;
	}
	buf_init_spill(&out, mem, sizeof(mem));
	buf_init_spill(&ruri, ruri_mem, sizeof(ruri_mem));
	b_ruri(&ruri, t->uri, m);
	buf_put_cstr(&out, "INVITE ");
	buf_put_str(&out, buf_str(&ruri));
	buf_put_cstr(&out, " SIP/2.0\r\n");
	call__leg_print_via(&out, b, m->max_forwards > 0 ? m->max_forwards - 1 : 70,
		      1);
	print_party(&out, "From", &m->from, STR_NULL, b->sent_by,
		    k->b_from_tag);
	print_party(&out, "To", &m->to, buf_str(&ruri), NULL, NULL);
	buf_free(&ruri);
	buf_printf(&out, "Call-ID: %s\r\nCSeq: 1 INVITE\r\n", k->b_call_id);
	core__copy_headers(c, &out, m, b->realm);
	call__print_body(&out, m,
			 k->media.b_sdp.len ? buf_str(&k->media.b_sdp)
					    : STR_NULL);
	call__ref(k);
	rc = out.err ? out.err
		     : tsx_client_start(c->tsx, &d, out.p, out.len,
					&b_invite_cb, k, &k->b_invite);
	buf_free(&out);
	if (rc < 0) {
		call__unref(k);
		return rc;
	}
	b->invite_pending = 1;
	b->invite_cseq = 1;
	return 0;
}

static void b_resolved(int err, const struct dns_target *t, size_t n,
		       void *arg);

/*
 * Makes trunk number k->trunk_i of the route the one leg B tries: a
 * numeric URI is its only target; a host name is resolved (RFC 3263).
 * Returns 1 while the resolver works (b_resolved goes on), 0 when the
 * targets are known (maybe none).
 */
static int b_trunk(struct call *k)
{
	struct core *c = k->core;
	const struct store_trunk *t = k->route->targets[k->trunk_i];
	enum tp_proto p = trunk_proto(t, TP_UDP);
	int rc;

	k->trunk = t;
	k->leg[LEG_B].realm = t->realm;
	k->n_targets = 0;
	k->cur_target = 0;
	memset(k->setup->dtargets, 0, sizeof(k->setup->dtargets));
	rc = core__uri_dest(str_cstr(t->uri), p, &k->setup->targets[0]);
	if (rc == 0) {
		k->n_targets = 1;
		return 0;
	}
	if (rc != -EHOSTUNREACH || !c->cfg->dns) {
		log_info("core: trunk '%s': cannot send to %s%s", t->name,
			 t->uri, rc == -EHOSTUNREACH ? " without a resolver"
						     : "");
		return 0;
	}
	/* The query holds a reference to the call. */
	call__ref(k);
	if (dns_sip_resolve(c->cfg->dns, t->uri,
			    t->transport ? DNS_TP_BIT((enum dns_tp)p)
					 : DNS_TP_ALL,
			    b_resolved, k, &k->dnsq) < 0) {
		call__unref(k);
		return 0;
	}
	return 1;
}

/*
 * Tries the next target of leg B, then the next trunk of the route; when
 * none is left, leg A gets status and the call ends.  Called with the
 * call still in setup and without an early dialog on leg B.
 */
static void b_next(struct call *k, unsigned status, struct str reason)
{
	for (;;) {
		while (k->cur_target < k->n_targets) {
			if (b_try(k) == 0)
				return;
			k->cur_target++;
		}
		if (k->trunk_i + 1 >= k->route->n_targets)
			break;
		k->trunk_i++;
		log_info("core: route '%s': trying trunk '%s'", k->route->name,
			 k->route->targets[k->trunk_i]->name);
		if (b_trunk(k))
			return;
	}
	call__a_final(k, status, reason);
	call__down(k);
}

/*
 * RFC 3263 4.3: a transport error, a timeout or a 503 before any dialog
 * exists moves the INVITE to the next target, when there is one; the
 * target that failed is avoided for a while.
 */
static int b_failover(struct call *k, unsigned retry_after)
{
	if (k->state != CALL_SETUP || k->cancelled || k->leg[LEG_B].dlg)
		return 0;
	if (k->cur_target < k->n_targets)
		core__target_failed(k->core, k, retry_after);
	if (k->cur_target + 1 >= k->n_targets &&
	    k->trunk_i + 1 >= k->route->n_targets)
		return 0;
	log_info("core: trying the next target of route '%s'",
		 k->route->name);
	k->cur_target++;
	if (k->b_invite) {
		tsx_unref(k->b_invite);
		k->b_invite = NULL;
	}
	k->core->stats.failovers++;
	b_next(k, 503, STR("Next Hop Unreachable"));
	return 1;
}

static const enum tp_proto dns_to_tp[DNS_TP_COUNT] = {
	[DNS_TP_UDP] = TP_UDP,
	[DNS_TP_TCP] = TP_TCP,
	[DNS_TP_TLS] = TP_TLS,
};

/* The route's target resolved (RFC 3263 4): try the targets in order. */
static void b_resolved(int err, const struct dns_target *t, size_t n,
		       void *arg)
{
	struct call *k = arg;

	k->dnsq = NULL;
	if (k->state == CALL_SETUP && !k->cancelled) {
		for (size_t i = 0; i < n && k->n_targets < CALL_MAX_TARGETS;
		     i++) {
			struct tp_dest *d = &k->setup->targets[k->n_targets];

			memset(d, 0, sizeof(*d));
			d->proto = dns_to_tp[t[i].tp];
			tp_sockaddr_set(&d->addr, &t[i].addr);
			k->setup->dtargets[k->n_targets++] = t[i];
		}
		if (err < 0 || n == 0)
			log_info("core: trunk '%s': %s resolves to nothing: %s",
				 k->trunk->name, k->trunk->uri,
				 strerror(err < 0 ? -err : ENOENT));
		b_next(k, err == -ETIMEDOUT ? 504 : 503,
		       n ? STR("Next Hop Unreachable")
			 : STR("Next Hop Not Found"));
	}
	call__unref(k);
}

/* rtpengine took the caller's offer (or failed): leg B starts with the
 * SDP it gave, which b_try sends to every target. */
static void a_offer_done(struct call *k, struct media_job *j, int err,
			 struct str sdp)
{
	unsigned status;

	(void)j;
	if (err == -ECANCELED || k->state != CALL_SETUP || k->cancelled)
		return;
	if (err < 0 && (status = (unsigned)call__media_failed(k))) {
		call__a_final(k, status, STR("Media Relay Unavailable"));
		call__down(k);
		return;
	}
	if (err == 0 && sdp.p)
		buf_put_str(&k->media.b_sdp, sdp);
	if (b_trunk(k) == 0)
		b_next(k, 503, STR("Next Hop Unreachable"));
}

void call__invite(struct core *c, struct tsx *st, const struct sip_msg *m,
		  const struct tp_src *src, const struct store_route *r,
		  const char *from_trunk)
{
	struct call *k = call__new(c, CALL_SETUP);
	struct leg *a, *b;
	struct tp_dest d;
	int rc;

	if (k)
		k->setup = call__setup_new();
	if (!k || !k->setup) {
		if (k) {
			k->state = CALL_DOWN;
			call__unref(k);
		}
		core__answer(c, st, 500, STR_NULL, NULL);
		return;
	}
	c->stats.calls_total++;
	c->stats.calls_active++;
	k->counted_active = 1;
	core__admit_take(c, k, from_trunk,
			 r->n_targets ? r->targets[0]->name : NULL);
	a = &k->leg[LEG_A];
	b = &k->leg[LEG_B];

	/* Leg A: the dialog sbc's answers create, reached where the
	 * request came from. */
	a->realm = tp_lsn_realm(src->lsn);
	a->lsn = src->lsn;
	a->proto = src->proto;
	if (src->conn) {
		a->conn = src->conn;
		tp_conn_ref(a->conn);
	}
	memset(&d, 0, sizeof(d));
	d.proto = src->proto;
	d.addr = src->peer;
	d.lsn = src->lsn;
	if (call__leg_bind(c, a, &d) < 0 ||
	    dlg_uas_new(m, str_cstr(k->a_tag), &a->dlg) < 0) {
		core__answer(c, st, 500, STR_NULL, k->a_tag);
		call__down(k);
		return;
	}
	a->lsn = src->lsn;
	call__leg_table_add(c, a);
	k->a_invite = st;
	tsx_ref(st);
	tsx_set_arg(st, k);

	/* Leg B: a new dialog towards the route's trunks, in order; the
	 * call keeps the routing it started with through a reload. */
	k->routing = store_routing_ref(c->routing);
	k->route = r;
	k->from_trunk = from_trunk;
	(void)b;
	rnd_token(k->b_from_tag, sizeof(k->b_from_tag));
	rnd_token(k->b_call_id, sizeof(k->b_call_id));
	k->trunk_i = 0;
	call__media_init(k, m, src);
	rc = call__media_defer(k, LEG_A, m, NULL, NULL, a_offer_done);
	if (rc < 0) {
		call__a_final(k, 500, STR_NULL);
		call__down(k);
	} else if (rc == 0 && b_trunk(k) == 0) {
		b_next(k, 503, STR("Next Hop Unreachable"));
	}
}


/*
 * An out-of-dialog request that makes no dialog (MESSAGE, PUBLISH) is
 * relayed as a request of its own on leg B: new Call-ID, From tag and
 * CSeq, sbc's Via; its final response comes back to the sender.  A call
 * object without dialogs carries it, counted as no call.
 */
void call__standalone(struct core *c, struct tsx *st, const struct sip_msg *m,
		      const struct store_route *r)
{
	const struct store_trunk *t = r->targets[0];
	struct call *k = call__new(c, CALL_DOWN);
	struct relay *rl = calloc(1, sizeof(*rl));
	char from_tag[CORE_TAG_LEN + 1], call_id[CORE_CALLID_LEN + 1];
	struct tp_dest d;
	char mem[BUF_STACK], ruri_mem[512];
	struct buf out, ruri;
	struct tsx *ct;
	int rc;

	if (!k || !rl) {
		if (k)
			call__unref(k);
		free(rl);
		core__answer(c, st, 500, STR_NULL, NULL);
		return;
	}
	/* The answer goes back into the sender's realm, under its policy. */
	k->leg[LEG_A].realm = tp_lsn_realm(tsx_src(st)->lsn);
	k->leg[LEG_B].realm = t->realm;
	d.realm = t->realm;
	/* Requests that make no dialog go to the first trunk, numeric
	 * URIs only: they are not worth a resolution each. */
	if (core__uri_dest(str_cstr(t->uri), trunk_proto(t, TP_UDP), &d) < 0 ||
	    (d.realm = t->realm, call__leg_bind(c, &k->leg[LEG_B], &d) < 0)) {
		core__answer(c, st, 503, STR("No Listener"), k->a_tag);
		free(rl);
		call__unref(k);
		return;
	}
	rnd_token(from_tag, sizeof(from_tag));
	rnd_token(call_id, sizeof(call_id));
	buf_init_spill(&out, mem, sizeof(mem));
	buf_init_spill(&ruri, ruri_mem, sizeof(ruri_mem));
	b_ruri(&ruri, t->uri, m);
	buf_put_str(&out, m->method_s);
	buf_put_c(&out, ' ');
	buf_put_str(&out, buf_str(&ruri));
	buf_put_cstr(&out, " SIP/2.0\r\n");
	call__leg_print_via(&out, &k->leg[LEG_B],
		      m->max_forwards > 0 ? m->max_forwards - 1 : 70, 0);
	print_party(&out, "From", &m->from, STR_NULL, k->leg[LEG_B].sent_by,
		    from_tag);
	print_party(&out, "To", &m->to, buf_str(&ruri), NULL, NULL);
	buf_printf(&out, "Call-ID: %s\r\nCSeq: 1 %.*s\r\n", call_id,
		   STR_FMT(m->method_s));
	core__copy_headers(c, &out, m, k->leg[LEG_B].realm);
	core__print_body(&out, m);
	buf_free(&ruri);
	rl->call = k;
	rl->st = st;
	rl->from = LEG_A;
	rl->method = m->method;
	tsx_ref(st);
	call__relay_link(c, rl);
	rc = out.err ? out.err
		     : tsx_client_start(c->tsx, &d, out.p, out.len, &call__relay_cb,
					rl, &ct);
	buf_free(&out);
	if (rc < 0) {
		core__answer(c, st, 503, STR("Next Hop Unreachable"),
			     k->a_tag);
		call__ref(k);
		call__relay_free(rl);
	} else {
		tsx_unref(ct);
	}
	/* The relay holds the call now. */
	if (rc == 0)
		return;
	call__unref(k);
}

void call__cancel(struct core *c, struct tsx *st)
{
	struct call *k = tsx_arg(st);

	(void)c;
	if (!k || k->a_invite != st)
		return;
	/* RFC 3261 9.2: the INVITE ends with 487; B is cancelled (9.1). */
	k->cancelled = 1;
	k->hangup = "caller";
	call__a_final(k, 487, STR_NULL);
	if (k->b_invite)
		tsx_client_cancel(k->b_invite);
	call__down(k);
}

