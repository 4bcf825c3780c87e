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
#include "sbc/slab.h"
#include "core_int.h"

/*
 * A call and its setup state (5 KB, freed at the answer) are made and
 * freed with every call.  Both come from slabs, so a burst's memory goes
 * back once its calls end, and neither takes malloc's large-chunk path.
 * Only the event loop's thread makes and frees them.
 */
static struct slab call_slab, setup_slab;
static int call_slab_init;

static void call_slabs_init(void)
{
	if (call_slab_init)
		return;
	slab_init(&call_slab, sizeof(struct call));
	slab_init(&setup_slab, sizeof(struct call_setup));
	call_slab_init = 1;
}

struct call_setup *call__setup_new(void)
{
	struct call_setup *s;

	call_slabs_init();
	s = slab_alloc(&setup_slab);
	if (s)
		memset(s, 0, sizeof(*s));
	return s;
}

void call__setup_free(struct call_setup *s)
{
	slab_free(&setup_slab, s);
}

void call__ref(struct call *k)
{
	k->refs++;
}

/* A new call in the core's list, with one reference, no dialogs yet. */
struct call *call__new(struct core *c, enum call_state state)
{
	struct call *k;

	call_slabs_init();
	k = slab_alloc(&call_slab);
	if (!k)
		return NULL;
	memset(k, 0, sizeof(*k));
	k->core = c;
	k->refs = 1;
	k->state = state;
	tmr_init(&k->max_timer);
	tmr_init(&k->ack_timer);
	k->media.server = -1;
	k->media.offer_from = -1;
	buf_init(&k->media.b_sdp);
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

void call__leg_table_remove(struct core *c, struct leg *l)
{
	if (l->in_table) {
		hash_remove(&c->dialogs, &l->node);
		l->in_table = 0;
	}
}

/* Everything a call holds, and the call itself.  Its timers are
 * cancelled here on every path: a timer left in one of the timer
 * heap's lanes would be written through by its neighbours later. */
static void call_free(struct call *k)
{
	struct core *c = k->core;

	if (k->dnsq)
		dns_sip_cancel(k->dnsq);
	for (int i = 0; i < 2; i++) {
		struct leg *l = &k->leg[i];

		call__leg_table_remove(c, l);
		dlg_free(l->dlg);
		if (l->conn)
			tp_conn_unref(l->conn);
		buf_free(&l->ack);
	}
	tmr_cancel(c->tmr, &k->max_timer);
	tmr_cancel(c->tmr, &k->ack_timer);
	if (k->a_invite)
		tsx_unref(k->a_invite);
	if (k->b_invite)
		tsx_unref(k->b_invite);
	call__media_free(k);
	store_routing_unref(k->routing);
	free(k->restored_text);
	call__setup_free(k->setup);
	if (k->prev)
		k->prev->next = k->next;
	else
		c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
	slab_free(&call_slab, k);
}

void call__unref(struct call *k)
{
	if (--k->refs == 0)
		call_free(k);
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
	core__admit_release(k);
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
void call__down(struct call *k)
{
	if (k->state == CALL_DOWN)
		return;
	call__media_end(k);
	call__store_end(k);
	call_end_counters(k, k->state == CALL_UP);
	k->state = CALL_DOWN;
	call__leg_table_remove(k->core, &k->leg[LEG_A]);
	call__leg_table_remove(k->core, &k->leg[LEG_B]);
	tmr_cancel(k->core->tmr, &k->max_timer);
	tmr_cancel(k->core->tmr, &k->ack_timer);
	/* The reference of a live call; transactions may hold more. */
	call__unref(k);
}

/* Via, Max-Forwards and Contact of a request sbc sends on a leg. */
void call__leg_print_via(struct buf *b, const struct leg *l, int mf,
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
int call__method_refreshes(enum sip_method m)
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
void call__relay_response_tag(struct call *k, struct tsx *st, int to,
			       const struct sip_msg *rsp, const char *tag,
			       const char *extra, struct str sdp)
{
	struct leg *l = &k->leg[to];
	const struct sip_msg *req = tsx_request(st);
	struct str reason = rsp->reason;
	unsigned status = map_status(rsp->status, &reason);
	int dialog;
	char mem[BUF_STACK];
	struct buf b;
	int rc;

	/* It has answered already and let go of its request. */
	if (!req)
		return;
	dialog = status > 100 && status < 300 &&
		 call__method_refreshes(req->method);

	buf_init_spill(&b, mem, sizeof(mem));
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
	call__print_body(&b, rsp, sdp);
	rc = b.err ? b.err : tsx_respond(st, status, b.p, b.len);
	if (rc < 0)
		log_debug("core: cannot relay %u: %s", status, strerror(-rc));
	if (st == k->a_invite && status >= 200)
		k->status = status;
	buf_free(&b);
}

void call__relay_response(struct call *k, struct tsx *st, int to,
			   const struct sip_msg *rsp, struct str sdp)
{
	call__relay_response_tag(k, st, to, rsp, to == LEG_A ? k->a_tag : NULL,
			   NULL, sdp);
}

/* Sends a request in a leg's dialog; returns 0 or a negative errno. */
int call__leg_request(struct call *k, int side, struct str method,
		       uint32_t cseq, const struct sip_msg *from,
		       const char *extra, struct str sdp,
		       const struct tsx_client_cb *cb, void *arg,
		       struct tsx **out)
{
	struct leg *l = &k->leg[side];
	char mem[BUF_STACK], hop_mem[256];
	struct buf b, hop;
	struct tp_dest d;
	enum sip_method mid = sip_method_lookup(method);
	int mf = 70, rc;

	if (!l->dlg)
		return -ENOTCONN;
	if (from && from->max_forwards > 0)
		mf = from->max_forwards - 1;
	buf_init_spill(&b, mem, sizeof(mem));
	buf_init_spill(&hop, hop_mem, sizeof(hop_mem));
	rc = dlg_print_request(&b, l->dlg, method, cseq, &hop);
	if (rc == 0) {
		call__leg_print_via(&b, l, mf, call__method_refreshes(mid));
		if (extra)
			buf_put_cstr(&b, extra);
		if (from)
			core__copy_headers(k->core, &b, from, l->realm);
		if (from)
			call__print_body(&b, from, sdp);
		else
			sip_print_body(&b, STR_NULL, STR_NULL);
		rc = b.err ? b.err : leg_dest(l, &hop, &d);
	}
	if (rc == 0) {
		if (mid == SIP_METHOD_ACK) {
			/* ACK for a 2xx has no transaction (RFC 3261
			 * 13.2.2.4); keep it to answer retransmitted 2xx. */
			buf_reset(&l->ack);
			buf_reserve(&l->ack, b.len);
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

const struct tsx_client_cb call__bye_cb = {
	.response = bye_response,
	.failed = bye_failed,
	.terminated = bye_terminated,
};

void call__leg_bye(struct call *k, int side)
{
	struct tsx *ct;

	if (!k->leg[side].dlg || k->leg[side].dlg->state != DLG_CONFIRMED)
		return;
	call__ref(k);
	/* Nobody needs the transaction but its callbacks: the layer's own
	 * reference keeps it, also through a shutdown. */
	if (call__leg_request(k, side, STR("BYE"), 0, NULL, NULL, STR_NULL, &call__bye_cb,
			k, &ct) < 0)
		call__unref(k);
	else
		tsx_unref(ct);
}

/* sbc ends an answered call itself: BYE on both legs, counted by why. */
static void call_end_by_sbc(struct call *k, const char *why,
			    unsigned long *counter)
{
	log_info("core: %s; ending the call", why);
	(*counter)++;
	k->hangup = "sbc";
	call__leg_bye(k, LEG_A);
	call__leg_bye(k, LEG_B);
	call__down(k);
}

/* RFC 3261 13.3.1.4: a 2xx the caller never ACKs ends the session. */
void call__on_no_ack(struct tmr *t, void *arg)
{
	struct call *k = arg;

	(void)t;
	call_end_by_sbc(k, "no ACK for the 2xx", &k->core->stats.ended_no_ack);
}

void call__on_max(struct tmr *t, void *arg)
{
	struct call *k = arg;

	(void)t;
	call_end_by_sbc(k, "call reached the maximum duration",
			&k->core->stats.ended_max_duration);
}

/*
 * At shutdown a call still being set up is refused to the caller (503)
 * and cancelled towards the callee, and leaves its CDR; an answered call
 * keeps its row in the database, to be restored at the next start.
 */
void call__shutdown(struct core *c)
{
	struct call *k, *next;

	for (k = c->calls; k; k = next) {
		if (k->state != CALL_SETUP) {
			next = k->next;
			continue;
		}
		/* Held, so that it stays in the list until next is read. */
		call__ref(k);
		k->hangup = "sbc";
		call__a_final(k, 503, STR("Shutting Down"));
		if (k->b_invite)
			tsx_client_cancel(k->b_invite);
		call__down(k);
		next = k->next;
		call__unref(k);
	}
}

void call__free_all(struct core *c)
{
	while (c->relays) {
		struct relay *r = c->relays;

		c->relays = r->next;
		tsx_unref(r->st);
		free(r);
	}
	/* Calls that are up, and calls that linger for their
	 * transactions: their dialogs are not ended, only freed. */
	while (c->calls)
		call_free(c->calls);
	slab_trim(&call_slab);
	slab_trim(&setup_slab);
}
