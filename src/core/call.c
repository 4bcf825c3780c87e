/*
 * call: one B2BUA call, two legs relayed (layer 6).
 *
 * Leg A is the dialog with the caller (sbc the UAS), leg B the one with
 * the callee (sbc the UAC).  Every request and response sbc sends on a
 * leg is printed from scratch: the dialog part by dlg_print_request or
 * tsx_print_response_head, sbc's own Via and Contact for that leg, the
 * headers the leg's realm lets through, and the body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/sip_print.h"
#include "core_int.h"

static void call_ref(struct call *k)
{
	k->refs++;
}

/* A new call in the core's list, with one reference, no dialogs yet. */
struct call *call__new(struct core *c, enum call_state state)
{
	struct call *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->core = c;
	k->refs = 1;
	k->state = state;
	tmr_init(&k->max_timer);
	tmr_init(&k->ack_timer);
	rnd_token(k->a_tag, sizeof(k->a_tag));
	rnd_token(k->id, sizeof(k->id));
	k->started_ms = store_now_ms();
	for (int i = 0; i < 2; i++) {
		k->leg[i].call = k;
		k->leg[i].side = i;
		buf_init(&k->leg[i].ack);
	}
	k->next = c->calls;
	if (c->calls)
		c->calls->prev = k;
	c->calls = k;
	return k;
}

static void leg_table_remove(struct core *c, struct leg *l)
{
	if (l->in_table) {
		hash_remove(&c->dialogs, &l->node);
		l->in_table = 0;
	}
}

void call__unref(struct call *k)
{
	struct core *c = k->core;

	if (--k->refs)
		return;
	for (int i = 0; i < 2; i++) {
		struct leg *l = &k->leg[i];

		leg_table_remove(c, l);
		dlg_free(l->dlg);
		if (l->conn)
			tp_conn_unref(l->conn);
		buf_free(&l->ack);
	}
	tmr_cancel(c->tmr, &k->max_timer);
	tmr_cancel(c->tmr, &k->ack_timer);
	if (k->a_invite)
		tsx_unref(k->a_invite);
	store_routing_unref(k->routing);
	free(k->restored_text);
	if (k->prev)
		k->prev->next = k->next;
	else
		c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
	free(k);
}

struct leg *call__find_leg(struct core *c, struct str call_id, struct str tag)
{
	uint64_t h = core__dialog_hash(call_id, tag);

	for (struct hash_node *n = hash_first(&c->dialogs, h); n;
	     n = hash_next(n)) {
		struct leg *l = hash_entry(n, struct leg, node);

		if (l->dlg && str_eq(str_cstr(l->dlg->call_id), call_id) &&
		    str_eq(str_cstr(l->dlg->local_tag), tag))
			return l;
	}
	return NULL;
}

void call__leg_table_add(struct core *c, struct leg *l)
{
	if (l->in_table || !l->dlg)
		return;
	hash_insert(&c->dialogs, &l->node,
		    core__dialog_hash(str_cstr(l->dlg->call_id),
				      str_cstr(l->dlg->local_tag)));
	l->in_table = 1;
}

/* Fills in the leg's listener, Via sent-by and Contact. */
int call__leg_bind(struct core *c, struct leg *l, const struct tp_dest *d)
{
	struct sockaddr_storage ss;
	char a[64];

	l->lsn = d->lsn ? d->lsn : tp_lsn_for(c->tp, d);
	if (!l->lsn)
		return -ENOENT;
	l->peer = d->addr;
	l->proto = d->proto;
	tp_lsn_addr(l->lsn, &ss);
	tp_addr_fmt((struct sockaddr *)&ss, a, sizeof(a));
	snprintf(l->sent_by, sizeof(l->sent_by), "%s", a);
	snprintf(l->contact, sizeof(l->contact), "sip:sbc@%s%s%s", a,
		 l->proto == TP_UDP ? "" : ";transport=",
		 l->proto == TP_UDP ? "" : tp_proto_name(l->proto));
	return 0;
}

static void call_end_counters(struct call *k, int answered)
{
	struct core *c = k->core;

	if (!k->counted_active)
		return;
	c->stats.calls_active--;
	k->counted_active = 0;
	if (answered)
		return;
	c->stats.calls_failed++;
	if (k->cancelled)
		c->stats.fail_cancelled++;
	else if (k->rejected)
		c->stats.fail_rejected++;
	else if (k->status == 408)
		c->stats.fail_timeout++;
	else
		c->stats.fail_unreachable++;
}

/* The call is over: its dialogs stop matching, its timers stop.  The
 * call may be freed here: callers touch it afterwards only when they
 * hold a reference of their own (a transaction callback does). */
static void call_down(struct call *k)
{
	if (k->state == CALL_DOWN)
		return;
	call__store_end(k);
	call_end_counters(k, k->state == CALL_UP);
	k->state = CALL_DOWN;
	leg_table_remove(k->core, &k->leg[LEG_A]);
	leg_table_remove(k->core, &k->leg[LEG_B]);
	tmr_cancel(k->core->tmr, &k->max_timer);
	tmr_cancel(k->core->tmr, &k->ack_timer);
	/* The reference of a live call; transactions may hold more. */
	call__unref(k);
}

/* Via, Max-Forwards and Contact of a request sbc sends on a leg. */
static void leg_print_via(struct buf *b, const struct leg *l, int mf,
			  int contact)
{
	char branch[TSX_BRANCH_MAX];

	tsx_branch_new(branch, sizeof(branch));
	buf_printf(b, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n",
		   tp_proto_name(l->proto), l->sent_by, branch);
	buf_printf(b, "Max-Forwards: %d\r\n", mf);
	if (contact)
		buf_printf(b, "Contact: <%s>\r\n", l->contact);
}

/* Where a request printed by dlg_print_request goes. */
static int leg_dest(struct leg *l, struct buf *next_hop, struct tp_dest *d)
{
	int rc = core__uri_dest(buf_str(next_hop), l->proto, d);

	if (rc < 0)
		return rc;
	d->lsn = l->lsn;
	d->realm = l->realm;
	/* A peer that reached sbc over a connection is reached over it
	 * again while it is open (RFC 3261 18.2.2's reasoning, and NAT). */
	if (l->conn && tp_conn_open(l->conn) && d->proto != TP_UDP)
		d->conn = l->conn;
	return 0;
}

/* Methods whose Contact refreshes the target (RFC 3261 12.2, 3311). */
static int method_refreshes(enum sip_method m)
{
	return m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE ||
	       m == SIP_METHOD_SUBSCRIBE || m == SIP_METHOD_NOTIFY ||
	       m == SIP_METHOD_REFER;
}

/*
 * A response relayed from one leg to the other: what the other side
 * would not understand is mapped.  3xx would hand the caller addresses
 * of the callee's side, and 401/407 challenges are for credentials of
 * the callee's realm, which the caller does not have: both become 480
 * and 403.  100 is hop by hop and never relayed.
 */
static unsigned map_status(unsigned s, struct str *reason)
{
	if (s >= 300 && s < 400) {
		*reason = STR("Redirect Not Followed");
		return 480;
	}
	if (s == 401 || s == 407) {
		*reason = STR_NULL;
		return 403;
	}
	return s;
}

/* Relays a response of leg `from` to server transaction st on leg to. */
static void relay_response_tag(struct call *k, struct tsx *st, int to,
			       const struct sip_msg *rsp, const char *tag,
			       const char *extra)
{
	struct leg *l = &k->leg[to];
	const struct sip_msg *req = tsx_request(st);
	struct str reason = rsp->reason;
	unsigned status = map_status(rsp->status, &reason);
	int dialog = status > 100 && status < 300 &&
		     method_refreshes(req->method);
	struct buf b;
	int rc;

	buf_init(&b);
	tsx_print_response_head(&b, st, status, reason,
				tag ? str_cstr(tag) : STR(""));
	if (dialog)
		buf_printf(&b, "Contact: <%s>\r\n", l->contact);
	/* RFC 3261 12.1.1: a response that makes a dialog echoes the
	 * request's Record-Route: the requester's own proxies, in order. */
	if (dialog && !str_isset(req->to.tag)) {
		for (const struct sip_hdr *h = sip_msg_hdr(req,
							   SIP_HDR_RECORD_ROUTE);
		     h; h = sip_msg_hdr_next(req, h))
			sip_print_hdr(&b, SIP_HDR_RECORD_ROUTE, h->value);
	}
	if (extra)
		buf_put_cstr(&b, extra);
	core__copy_headers(k->core, &b, rsp, l->realm);
	core__print_body(&b, rsp);
	rc = b.err ? b.err : tsx_respond(st, status, b.p, b.len);
	if (rc < 0)
		log_debug("core: cannot relay %u: %s", status, strerror(-rc));
	if (st == k->a_invite && status >= 200)
		k->status = status;
	buf_free(&b);
}

static void relay_response(struct call *k, struct tsx *st, int to,
			   const struct sip_msg *rsp)
{
	relay_response_tag(k, st, to, rsp, to == LEG_A ? k->a_tag : NULL,
			   NULL);
}

/* Sends a request in a leg's dialog; returns 0 or a negative errno. */
static int leg_request(struct call *k, int side, struct str method,
		       uint32_t cseq, const struct sip_msg *from,
		       const char *extra, const struct tsx_client_cb *cb,
		       void *arg, struct tsx **out)
{
	struct leg *l = &k->leg[side];
	struct buf b, hop;
	struct tp_dest d;
	enum sip_method mid = sip_method_lookup(method);
	int mf = 70, rc;

	if (!l->dlg)
		return -ENOTCONN;
	if (from && from->max_forwards > 0)
		mf = from->max_forwards - 1;
	buf_init(&b);
	buf_init(&hop);
	rc = dlg_print_request(&b, l->dlg, method, cseq, &hop);
	if (rc == 0) {
		leg_print_via(&b, l, mf, method_refreshes(mid));
		if (extra)
			buf_put_cstr(&b, extra);
		if (from)
			core__copy_headers(k->core, &b, from, l->realm);
		if (from)
			core__print_body(&b, from);
		else
			sip_print_body(&b, STR_NULL, STR_NULL);
		rc = b.err ? b.err : leg_dest(l, &hop, &d);
	}
	if (rc == 0) {
		if (mid == SIP_METHOD_ACK) {
			/* ACK for a 2xx has no transaction (RFC 3261
			 * 13.2.2.4); keep it to answer retransmitted 2xx. */
			buf_reset(&l->ack);
			buf_put(&l->ack, b.p, b.len);
			l->ack_dest = d;
			rc = tp_send(k->core->tp, &d, b.p, b.len);
		} else {
			rc = tsx_client_start(k->core->tsx, &d, b.p, b.len,
					      cb, arg, out);
			if (rc == 0 && mid == SIP_METHOD_INVITE)
				l->invite_cseq = l->dlg->local_cseq;
		}
	}
	buf_free(&b);
	buf_free(&hop);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Requests sbc sends on its own: BYE to end a call.                   */

static void bye_response(struct tsx *ct, const struct sip_msg *m, void *arg)
{
	(void)ct;
	(void)m;
	(void)arg;
}

static void bye_failed(struct tsx *ct, enum tsx_fail why, int err, void *arg)
{
	(void)ct;
	(void)why;
	(void)err;
	(void)arg;
}

static void bye_terminated(struct tsx *ct, void *arg)
{
	(void)ct;
	call__unref(arg);
}

static const struct tsx_client_cb bye_cb = {
	.response = bye_response,
	.failed = bye_failed,
	.terminated = bye_terminated,
};

static void leg_bye(struct call *k, int side)
{
	struct tsx *ct;

	if (!k->leg[side].dlg || k->leg[side].dlg->state != DLG_CONFIRMED)
		return;
	call_ref(k);
	/* Nobody needs the transaction but its callbacks: the layer's own
	 * reference keeps it, also through a shutdown. */
	if (leg_request(k, side, STR("BYE"), 0, NULL, NULL, &bye_cb, k, &ct) < 0)
		call__unref(k);
	else
		tsx_unref(ct);
}

/* RFC 3261 13.3.1.4: a 2xx the caller never ACKs ends the session. */
static void call_on_no_ack(struct tmr *t, void *arg)
{
	struct call *k = arg;

	(void)t;
	log_info("core: no ACK for the 2xx; ending the call");
	k->hangup = "sbc";
	leg_bye(k, LEG_A);
	leg_bye(k, LEG_B);
	call_down(k);
}

void call__on_max(struct tmr *t, void *arg)
{
	struct call *k = arg;

	(void)t;
	log_info("core: call reached the maximum duration; ending it");
	k->hangup = "sbc";
	leg_bye(k, LEG_A);
	leg_bye(k, LEG_B);
	call_down(k);
}

/* ------------------------------------------------------------------ */
/* The INVITE that sets a call up.                                     */

static void a_final(struct call *k, unsigned status, struct str reason)
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

	if (dlg_uac_new(tsx_request(k->b_invite), rsp, &d) < 0)
		return;
	tmp_call = *k;
	tmp_call.leg[LEG_B].dlg = d;
	tmp_call.leg[LEG_B].ack.p = NULL;
	tmp_call.leg[LEG_B].ack.len = tmp_call.leg[LEG_B].ack.cap = 0;
	leg_request(&tmp_call, LEG_B, STR("ACK"), k->leg[LEG_B].invite_cseq,
		    NULL, NULL, NULL, NULL, NULL);
	buf_free(&tmp_call.leg[LEG_B].ack);
	call_ref(k);
	if (leg_request(&tmp_call, LEG_B, STR("BYE"), 0, NULL, NULL, &bye_cb,
			k, &ct) < 0)
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
static const char *rack_map_a(struct call *k, const struct sip_msg *m,
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

	if (!b_tag.len)
		return k->a_tag;
	for (unsigned i = 0; i < k->n_forks; i++)
		if (str_eq(str_cstr(k->forks[i].b_tag), b_tag))
			return k->forks[i].a_tag;
	if (k->n_forks == CALL_MAX_FORKS ||
	    b_tag.len >= sizeof(k->forks[0].b_tag))
		return k->a_tag;
	f = &k->forks[k->n_forks];
	str_copy(f->b_tag, sizeof(f->b_tag), b_tag);
	if (k->n_forks++ == 0)
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
	leg_table_remove(k->core, a);
	dlg_free(a->dlg);
	a->dlg = d;
	snprintf(k->a_tag, sizeof(k->a_tag), "%s", tag);
	call__leg_table_add(k->core, a);
}

static void b_invite_response(struct tsx *ct, const struct sip_msg *rsp,
			      void *arg)
{
	struct call *k = arg;
	struct leg *b = &k->leg[LEG_B], *a = &k->leg[LEG_A];

	if (rsp->status == 100)
		return;
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
			leg_table_remove(k->core, b);
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

		relay_response_tag(k, k->a_invite, LEG_A, rsp,
				   fork_tag(k, rsp->to.tag),
				   rseq_map_b(k, rsp, rseq, sizeof(rseq)));
		return;
	}
	if (rsp->status < 300) {
		if (!b->dlg) {
			/* A 2xx without a usable dialog: end B, fail A. */
			a_final(k, 502, STR("Bad Answer"));
			call_down(k);
			return;
		}
		a_take_fork(k, fork_tag(k, rsp->to.tag));
		k->state = CALL_UP;
		k->answered_ms = store_now_ms();
		k->core->stats.calls_answered++;
		b->invite_pending = 0;
		dlg_confirm(a->dlg, NULL);
		relay_response(k, k->a_invite, LEG_A, rsp);
		tsx_unref(k->a_invite);
		k->a_invite = NULL;
		call__store_put(k);
		if (k->core->cfg->max_call_ms)
			tmr_start(k->core->tmr, &k->max_timer,
				  k->core->cfg->max_call_ms, call__on_max, k);
		if (k->core->cfg->ack_wait_ms)
			tmr_start(k->core->tmr, &k->ack_timer,
				  k->core->cfg->ack_wait_ms, call_on_no_ack, k);
		return;
	}
	b->invite_pending = 0;
	if (rsp->status == 503 && ct == k->b_invite &&
	    b_failover(k, retry_after(rsp)))
		return;
	k->rejected = 1;
	k->hangup = "callee";
	relay_response(k, k->a_invite, LEG_A, rsp);
	tsx_unref(k->a_invite);
	k->a_invite = NULL;
	call_down(k);
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
		a_final(k, 503, STR("Next Hop Unreachable"));
	else if (why == TSX_FAIL_TIMER_C)
		a_final(k, 408, STR("No Answer"));
	else
		a_final(k, 408, STR_NULL);
	call_down(k);
}

static void b_invite_terminated(struct tsx *ct, void *arg)
{
	struct call *k = arg;

	if (k->b_invite == ct) {
		tsx_unref(ct);
		k->b_invite = NULL;
	}
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
	struct tp_dest d = k->targets[k->cur_target];
	struct buf out, ruri;
	int rc;

	d.realm = t->realm;
	/* RFC 5922 7: a TLS peer found by name must present that name. */
	if (d.proto == TP_TLS && k->dtargets[k->cur_target].host[0]) {
		d.server_name = k->dtargets[k->cur_target].host;
		d.verify = t->tls_verify;
	}
	if (call__leg_bind(c, b, &d) < 0) {
		log_warn("core: trunk '%s': no %s listener in realm %s",
			 t->name, tp_proto_name(d.proto), t->realm);
		return -ENOENT;
	}
	buf_init(&out);
	buf_init(&ruri);
	b_ruri(&ruri, t->uri, m);
	buf_put_cstr(&out, "INVITE ");
	buf_put_str(&out, buf_str(&ruri));
	buf_put_cstr(&out, " SIP/2.0\r\n");
	leg_print_via(&out, b, m->max_forwards > 0 ? m->max_forwards - 1 : 70,
		      1);
	print_party(&out, "From", &m->from, STR_NULL, b->sent_by,
		    k->b_from_tag);
	print_party(&out, "To", &m->to, buf_str(&ruri), NULL, NULL);
	buf_free(&ruri);
	buf_printf(&out, "Call-ID: %s\r\nCSeq: 1 INVITE\r\n", k->b_call_id);
	core__copy_headers(c, &out, m, b->realm);
	core__print_body(&out, m);
	call_ref(k);
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
	memset(k->dtargets, 0, sizeof(k->dtargets));
	rc = core__uri_dest(str_cstr(t->uri), p, &k->targets[0]);
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
	call_ref(k);
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
	a_final(k, status, reason);
	call_down(k);
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
			struct tp_dest *d = &k->targets[k->n_targets];

			memset(d, 0, sizeof(*d));
			d->proto = dns_to_tp[t[i].tp];
			d->addr = t[i].addr;
			k->dtargets[k->n_targets++] = t[i];
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

void call__invite(struct core *c, struct tsx *st, const struct sip_msg *m,
		  const struct tp_src *src, const struct store_route *r,
		  const char *from_trunk)
{
	struct call *k = call__new(c, CALL_SETUP);
	struct leg *a, *b;
	struct tp_dest d;

	if (!k) {
		core__answer(c, st, 500, STR_NULL, NULL);
		return;
	}
	c->stats.calls_total++;
	c->stats.calls_active++;
	k->counted_active = 1;
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
		call_down(k);
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
	if (b_trunk(k) == 0)
		b_next(k, 503, STR("Next Hop Unreachable"));
}

static const struct tsx_client_cb relay_cb;
static void relay_link(struct core *c, struct relay *r);
static void relay_free(struct relay *r);

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
	buf_init(&out);
	buf_init(&ruri);
	b_ruri(&ruri, t->uri, m);
	buf_put_str(&out, m->method_s);
	buf_put_c(&out, ' ');
	buf_put_str(&out, buf_str(&ruri));
	buf_put_cstr(&out, " SIP/2.0\r\n");
	leg_print_via(&out, &k->leg[LEG_B],
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
	relay_link(c, rl);
	rc = out.err ? out.err
		     : tsx_client_start(c->tsx, &d, out.p, out.len, &relay_cb,
					rl, &ct);
	buf_free(&out);
	if (rc < 0) {
		core__answer(c, st, 503, STR("Next Hop Unreachable"),
			     k->a_tag);
		call_ref(k);
		relay_free(rl);
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
	a_final(k, 487, STR_NULL);
	if (k->b_invite)
		tsx_client_cancel(k->b_invite);
	call_down(k);
}

/* ------------------------------------------------------------------ */
/* Requests inside the dialogs.                                        */

static void relay_free(struct relay *r)
{
	struct core *c = r->call->core;

	if (r->prev)
		r->prev->next = r->next;
	else
		c->relays = r->next;
	if (r->next)
		r->next->prev = r->prev;
	tsx_unref(r->st);
	call__unref(r->call);
	free(r);
}

static void relay_link(struct core *c, struct relay *r)
{
	r->next = c->relays;
	if (c->relays)
		c->relays->prev = r;
	c->relays = r;
}

static void relay_on_response(struct tsx *ct, const struct sip_msg *rsp,
			      void *arg)
{
	struct relay *r = arg;
	struct call *k = r->call;
	int to = r->from, other = !r->from;

	if (rsp->status == 100)
		return;
	if (r->method == SIP_METHOD_INVITE && rsp->status >= 200)
		k->leg[other].invite_pending = 0;
	/* RFC 3261 12.2.1.2: a 2xx to a target refresh updates the target. */
	if (method_refreshes(r->method) && rsp->status >= 200 &&
	    rsp->status < 300 && k->leg[other].dlg) {
		dlg_refresh_target(k->leg[other].dlg, rsp);
		if (k->state == CALL_UP)
			call__store_put(k);
	}
	if (!tsx_final_status(r->st))
		relay_response(k, r->st, to, rsp);
	(void)ct;
}

static void relay_on_failed(struct tsx *ct, enum tsx_fail why, int err,
			    void *arg)
{
	struct relay *r = arg;

	(void)ct;
	(void)err;
	if (r->method == SIP_METHOD_INVITE)
		r->call->leg[!r->from].invite_pending = 0;
	if (!tsx_final_status(r->st))
		core__answer(r->call->core, r->st,
			     why == TSX_FAIL_TRANSPORT ? 503 : 408, STR_NULL,
			     r->from == LEG_A ? r->call->a_tag : NULL);
}

static void relay_on_terminated(struct tsx *ct, void *arg)
{
	(void)ct;
	relay_free(arg);
}

static const struct tsx_client_cb relay_cb = {
	.response = relay_on_response,
	.failed = relay_on_failed,
	.terminated = relay_on_terminated,
};

void call__in_dialog(struct core *c, struct tsx *st, struct leg *leg,
		     const struct sip_msg *m, const struct tp_src *src)
{
	struct call *k = leg->call;
	int other = !leg->side;
	struct relay *r;
	struct tsx *ct;
	const char *tag = leg->side == LEG_A ? k->a_tag : NULL;
	const char *extra = NULL;
	char rack[64];

	(void)src;
	/* RFC 3261 12.2.2: requests out of order get 500. */
	if (dlg_remote_cseq(leg->dlg, m) < 0) {
		core__answer(c, st, 500, STR("CSeq Out of Order"), tag);
		return;
	}
	if (method_refreshes(m->method))
		dlg_refresh_target(leg->dlg, m);
	if (m->method == SIP_METHOD_BYE) {
		/* The call ends whatever the other side answers. */
		k->hangup = leg->side == LEG_A ? "caller" : "callee";
		core__answer(c, st, 200, STR_NULL, tag);
		if (k->state == CALL_SETUP) {
			/* A BYE in an early dialog ends the setup too. */
			a_final(k, leg->side == LEG_A ? 487 : 480, STR_NULL);
			if (leg->side == LEG_A && k->b_invite)
				tsx_client_cancel(k->b_invite);
		}
		leg_bye(k, other);
		call_down(k);
		c->stats.relayed++;
		return;
	}
	/* RFC 3261 14.2: an INVITE while ours is pending on the same leg
	 * gets 491; the peer retries after a random time. */
	if (m->method == SIP_METHOD_INVITE &&
	    (leg->invite_pending || k->state != CALL_UP)) {
		core__answer(c, st, 491, STR_NULL, tag);
		return;
	}
	if (!k->leg[other].dlg || k->state == CALL_DOWN) {
		core__answer(c, st, 481, STR_NULL, tag);
		return;
	}
	if (m->method == SIP_METHOD_PRACK) {
		if (leg->side != LEG_A ||
		    !rack_map_a(k, m, rack, sizeof(rack))) {
			core__answer(c, st, 481, STR_NULL, tag);
			return;
		}
		extra = rack;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		core__answer(c, st, 500, STR_NULL, tag);
		return;
	}
	r->call = k;
	r->st = st;
	r->from = leg->side;
	r->method = m->method;
	relay_link(c, r);
	call_ref(k);
	tsx_ref(st);
	if (leg_request(k, other, m->method_s, 0, m, extra, &relay_cb, r,
			&ct) < 0) {
		core__answer(c, st, 503, STR_NULL, tag);
		relay_free(r);
		return;
	}
	tsx_unref(ct);
	if (m->method == SIP_METHOD_INVITE)
		k->leg[other].invite_pending = 1;
	c->stats.relayed++;
	/* Both legs' CSeq moved, and maybe a target: the row follows. */
	if (k->state == CALL_UP)
		call__store_put(k);
}

void call__ack(struct core *c, struct leg *leg, const struct sip_msg *m)
{
	struct call *k = leg->call;
	int other = !leg->side;

	(void)c;
	if (k->state != CALL_UP || !k->leg[other].dlg)
		return;
	if (leg->side == LEG_A)
		tmr_cancel(k->core->tmr, &k->ack_timer);
	/* RFC 3261 13.2.2.4: the ACK of the other leg's INVITE carries its
	 * CSeq number, and the body (an answer to a late offer). */
	leg_request(k, other, STR("ACK"), k->leg[other].invite_cseq, m, NULL,
		    NULL, NULL, NULL);
}

void call__free_all(struct core *c)
{
	while (c->relays) {
		struct relay *r = c->relays;

		c->relays = r->next;
		tsx_unref(r->st);
		free(r);
	}
	while (c->calls) {
		struct call *k = c->calls;

		c->calls = k->next;
		if (k->dnsq)
			dns_sip_cancel(k->dnsq);
		for (int i = 0; i < 2; i++) {
			dlg_free(k->leg[i].dlg);
			if (k->leg[i].conn)
				tp_conn_unref(k->leg[i].conn);
			buf_free(&k->leg[i].ack);
		}
		if (k->a_invite)
			tsx_unref(k->a_invite);
		if (k->b_invite)
			tsx_unref(k->b_invite);
		store_routing_unref(k->routing);
		free(k->restored_text);
		free(k);
	}
}
