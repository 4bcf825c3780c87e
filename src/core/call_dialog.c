/*
 * call_dialog: the requests inside a call's dialogs (layer 6): relayed
 * from one leg to the other (RFC 3261 12.2: BYE, re-INVITE, UPDATE,
 * INFO, PRACK, REFER, NOTIFY, MESSAGE), their responses relayed back,
 * and the ACK of a 2xx, with the media of their SDP anchored on the way
 * (call_media.c).  call.c holds the call itself and its setup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "sbc/sip_print.h"
#include "core_int.h"

void call__relay_free(struct relay *r)
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

void call__relay_link(struct core *c, struct relay *r)
{
	r->next = c->relays;
	if (c->relays)
		c->relays->prev = r;
	c->relays = r;
}

/* rtpengine rewrote (or failed on) the SDP of a held response to a
 * relayed request; j->tsx is the request's server transaction. */
static void relay_response_done(struct call *k, struct media_job *j, int err,
				struct str sdp)
{
	int to = !j->side;

	if (tsx_final_status(j->tsx))
		return;
	if (err < 0)
		core__answer(k->core, j->tsx, err == -ECANCELED ? 481 : 500,
			     err == -ECANCELED ? STR_NULL
					       : STR("Media Relay Unavailable"),
			     to == LEG_A ? k->a_tag : NULL);
	else
		call__relay_response(k, j->tsx, to, j->msg, sdp);
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
	if (call__method_refreshes(r->method) && rsp->status >= 200 &&
	    rsp->status < 300 && k->leg[other].dlg) {
		dlg_refresh_target(k->leg[other].dlg, rsp);
		if (k->state == CALL_UP)
			call__store_put(k);
	}
	if (tsx_final_status(r->st))
		return;
	(void)ct;
	if (call__media_defer(k, other, rsp, r->st, NULL, relay_response_done) >
	    0)
		return;
	call__relay_response(k, r->st, to, rsp, STR_NULL);
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
	call__relay_free(arg);
}

const struct tsx_client_cb call__relay_cb = {
	.response = relay_on_response,
	.failed = relay_on_failed,
	.terminated = relay_on_terminated,
};

/* Sends the request of relay r on the other leg, its SDP replaced by
 * sdp when that is set. */
static void relay_send(struct call *k, struct relay *r,
		       const struct sip_msg *m, struct str sdp)
{
	const char *tag = r->from == LEG_A ? k->a_tag : NULL;
	const char *extra = NULL;
	char rack[64];
	struct tsx *ct;

	if (m->method == SIP_METHOD_PRACK)
		extra = call__rack_map_a(k, m, rack, sizeof(rack));
	if (call__leg_request(k, !r->from, m->method_s, 0, m, extra, sdp, &call__relay_cb,
			r, &ct) < 0) {
		k->leg[!r->from].invite_pending = 0;
		core__answer(k->core, r->st, 503, STR_NULL, tag);
		call__relay_free(r);
		return;
	}
	tsx_unref(ct);
	k->core->stats.relayed++;
	/* Both legs' CSeq moved, and maybe a target: the row follows. */
	if (k->state == CALL_UP)
		call__store_put(k);
}

/* rtpengine rewrote (or failed on) the SDP of a held in-dialog request:
 * it goes on, or is answered 500 and the session stays as it was. */
static void in_dialog_done(struct call *k, struct media_job *j, int err,
			   struct str sdp)
{
	struct relay *r = j->arg;

	if (err == 0 && k->state != CALL_DOWN) {
		relay_send(k, r, j->msg, sdp);
		return;
	}
	k->leg[!r->from].invite_pending = 0;
	core__answer(k->core, r->st, err == 0 || err == -ECANCELED ? 481 : 500,
		     err == 0 || err == -ECANCELED
			     ? STR_NULL
			     : STR("Media Relay Unavailable"),
		     r->from == LEG_A ? k->a_tag : NULL);
	call__relay_free(r);
}

void call__in_dialog(struct core *c, struct tsx *st, struct leg *leg,
		     const struct sip_msg *m, const struct tp_src *src)
{
	struct call *k = leg->call;
	int other = !leg->side;
	struct relay *r;
	const char *tag = leg->side == LEG_A ? k->a_tag : NULL;
	const char *extra = NULL;
	char rack[64];
	int rc;

	(void)src;
	/* RFC 3261 12.2.2: requests out of order get 500. */
	if (dlg_remote_cseq(leg->dlg, m) < 0) {
		core__answer(c, st, 500, STR("CSeq Out of Order"), tag);
		return;
	}
	if (call__method_refreshes(m->method))
		dlg_refresh_target(leg->dlg, m);
	if (m->method == SIP_METHOD_BYE) {
		/* The call ends whatever the other side answers. */
		k->hangup = leg->side == LEG_A ? "caller" : "callee";
		core__answer(c, st, 200, STR_NULL, tag);
		if (k->state == CALL_SETUP) {
			/* A BYE in an early dialog ends the setup too. */
			call__a_final(k, leg->side == LEG_A ? 487 : 480, STR_NULL);
			if (leg->side == LEG_A && k->b_invite)
				tsx_client_cancel(k->b_invite);
		}
		call__leg_bye(k, other);
		call__down(k);
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
		    !call__rack_map_a(k, m, rack, sizeof(rack))) {
			core__answer(c, st, 481, STR_NULL, tag);
			return;
		}
		extra = rack;
	}
	(void)extra;
	r = calloc(1, sizeof(*r));
	if (!r) {
		core__answer(c, st, 500, STR_NULL, tag);
		return;
	}
	r->call = k;
	r->st = st;
	r->from = leg->side;
	r->method = m->method;
	call__relay_link(c, r);
	call__ref(k);
	tsx_ref(st);
	if (m->method == SIP_METHOD_INVITE)
		k->leg[other].invite_pending = 1;
	rc = call__media_defer(k, leg->side, m, NULL, r, in_dialog_done);
	if (rc < 0) {
		k->leg[other].invite_pending = 0;
		core__answer(c, st, 500, STR_NULL, tag);
		call__relay_free(r);
	} else if (rc == 0) {
		relay_send(k, r, m, STR_NULL);
	}
}

/* rtpengine took the answer of a late offer in an ACK (or failed: the
 * other leg still gets its ACK, without the answer, and the call ends). */
static void ack_done(struct call *k, struct media_job *j, int err,
		     struct str sdp)
{
	int other = !j->side;

	if (err == -ECANCELED || k->state != CALL_UP)
		return;
	call__leg_request(k, other, STR("ACK"), k->leg[other].invite_cseq,
		    err == 0 ? j->msg : NULL, NULL, sdp, NULL, NULL, NULL);
	if (err == 0)
		return;
	k->hangup = "sbc";
	call__leg_bye(k, LEG_A);
	call__leg_bye(k, LEG_B);
	call__down(k);
}

void call__ack(struct core *c, struct leg *leg, const struct sip_msg *m)
{
	struct call *k = leg->call;
	int other = !leg->side;

	(void)c;
	if (k->state != CALL_UP || !k->leg[other].dlg)
		return;
	/* A UAC core sends its ACK again for each retransmitted 2xx (RFC
	 * 3261 13.2.2.4).  The other leg had its ACK from the first one,
	 * and sends it again itself when its own 2xx comes again. */
	if (leg->ack_taken && m->cseq.num == leg->ack_cseq) {
		k->core->stats.acks_absorbed++;
		return;
	}
	leg->ack_taken = 1;
	leg->ack_cseq = m->cseq.num;
	if (leg->side == LEG_A)
		tmr_cancel(k->core->tmr, &k->ack_timer);
	if (call__media_defer(k, leg->side, m, NULL, NULL, ack_done) > 0)
		return;
	/* RFC 3261 13.2.2.4: the ACK of the other leg's INVITE carries its
	 * CSeq number, and the body (an answer to a late offer). */
	call__leg_request(k, other, STR("ACK"), k->leg[other].invite_cseq, m, NULL,
		    STR_NULL, NULL, NULL, NULL);
}

