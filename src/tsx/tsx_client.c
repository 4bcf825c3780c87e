/*
 * Client transactions: the INVITE machine of RFC 3261 17.1.1 with the
 * Accepted state of RFC 6026 7.2, the non-INVITE machine of 17.1.2, the
 * ACK for a non-2xx final response (17.1.1.3), CANCEL (9.1) and Timer C
 * (16.6 step 11, 16.8).
 *
 * Timer slots: t_retx is A or E, t_to is B, F, M or the CANCEL guard of
 * 9.1, t_end is D or K, t_c is Timer C.
 */
#include <errno.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/log.h"
#include "sbc/sip_print.h"
#include "tsx_int.h"

static void client_timer_retx(struct tmr *tm, void *arg);
static void client_timer_to(struct tmr *tm, void *arg);
static void client_timer_end(struct tmr *tm, void *arg);
static void client_timer_c(struct tmr *tm, void *arg);

static uint64_t t64(const struct tsx *t)
{
	return 64 * (uint64_t)t->l->cfg.t1;
}

/*
 * Prints an ACK or CANCEL for the request of t: the same Request-URI,
 * top Via (and so branch), From, Call-ID, CSeq number and Route headers
 * (RFC 3261 9.1, 17.1.1.3), with the To given.
 */
static int client_build(struct buf *b, const struct tsx *t, const char *method,
			struct str to)
{
	const struct sip_msg *r = t->req;
	const struct sip_hdr *h = sip_msg_hdr(r, SIP_HDR_FROM);

	buf_put_cstr(b, method);
	buf_put_c(b, ' ');
	buf_put_str(b, r->ruri.raw);
	buf_put_cstr(b, " SIP/2.0\r\n");
	sip_print_hdr(b, SIP_HDR_VIA, r->via.raw);
	sip_print_hdr(b, SIP_HDR_MAX_FORWARDS, STR(TSX_MAX_FORWARDS));
	sip_print_hdr(b, SIP_HDR_FROM, h ? h->value : STR(""));
	sip_print_hdr(b, SIP_HDR_TO, to);
	sip_print_hdr(b, SIP_HDR_CALL_ID, r->call_id);
	buf_put_cstr(b, "CSeq: ");
	buf_put_u64(b, r->cseq.num);
	buf_put_c(b, ' ');
	buf_put_cstr(b, method);
	buf_put_cstr(b, "\r\n");
	for (h = sip_msg_hdr(r, SIP_HDR_ROUTE); h; h = sip_msg_hdr_next(r, h))
		sip_print_hdr(b, SIP_HDR_ROUTE, h->value);
	sip_print_body(b, STR_NULL, STR_NULL);
	return b->err;
}

/* RFC 3261 9.1: the CANCEL goes in a client transaction of its own, to
 * where the INVITE went; its responses interest nobody. */
static void client_send_cancel(struct tsx *ct)
{
	static const struct tsx_client_cb none;
	const struct sip_hdr *to = sip_msg_hdr(ct->req, SIP_HDR_TO);
	char mem[BUF_STACK];
	struct buf b;
	int rc;

	ct->cancel_wanted = 1;
	ct->cancel_sent = 1;
	buf_init_spill(&b, mem, sizeof(mem));
	rc = client_build(&b, ct, "CANCEL", to ? to->value : STR(""));
	if (rc == 0)
		rc = tsx_client_start(ct->l, &ct->dest, b.p, b.len, &none,
				      NULL, NULL);
	buf_free(&b);
	if (rc < 0) {
		log_warn("tsx: cannot send CANCEL for INVITE %.*s: %s",
			 STR_FMT(ct->key.call_id), strerror(-rc));
		return;
	}
	/* 9.1: without a final response 64*T1 after the CANCEL, the
	 * INVITE is given up. */
	tsx__timer(ct, &ct->t_to, t64(ct), client_timer_to);
}

int tsx_client_start(struct tsx_layer *l, const struct tp_dest *d,
		     const char *buf, size_t len,
		     const struct tsx_client_cb *cb, void *arg,
		     struct tsx **out)
{
	struct tsx *t;
	int rc;

	if (!l || !d || !buf)
		return -EINVAL;
	rc = tsx__alloc(l, buf, len, -1, d, &t);
	if (rc < 0)
		return rc;
	/* RFC 3261 17.1: ACK has no client transaction; 8.1.1.7: the
	 * branch must carry the magic cookie for 17.1.3 matching. */
	if (t->req->method == SIP_METHOD_ACK ||
	    !sip_via_branch_is_3261(&t->req->via)) {
		tsx_unref(t);
		return -EINVAL;
	}
	t->client = 1;
	t->reliable = d->proto != TP_UDP;
	if (cb)
		t->cb = *cb;
	t->cb_arg = arg;
	t->state = t->invite ? TSX_CALLING : TSX_TRYING;
	rc = tsx__send(t, t->req_buf, t->req_len);
	if (rc < 0) {
		/* The caller hears of it from the return value alone. */
		l->st.transport_errors++;
		tsx_unref(t);
		return rc;
	}
	tsx__link(t);
	hash_insert(&l->cli, &t->node, tsx__hash_branch(t->key.branch));
	t->in_main = 1;
	/* RFC 3261 17.1.1.2 and 17.1.2.2: Timers A and E start at T1,
	 * over unreliable transports only; B and F are 64*T1. */
	if (!t->reliable) {
		t->retx_ms = l->cfg.t1;
		tsx__timer(t, &t->t_retx, t->retx_ms, client_timer_retx);
	}
	tsx__timer(t, &t->t_to, t64(t), client_timer_to);
	if (t->invite && l->cfg.timer_c_ms) {
		t->c_ms = l->cfg.timer_c_ms;
		tsx__timer(t, &t->t_c, t->c_ms, client_timer_c);
	}
	if (out) {
		tsx_ref(t);
		*out = t;
	}
	return 0;
}

void tsx__client_fail(struct tsx *ct, enum tsx_fail why, int err)
{
	struct tsx_layer *l = ct->l;

	if (!l)
		return;
	if (why == TSX_FAIL_TRANSPORT)
		l->st.transport_errors++;
	tsx_ref(ct);
	/* Once a final response arrived, failed() would be a lie. */
	if (!ct->gave_up && !ct->final_status) {
		if (why != TSX_FAIL_TRANSPORT)
			l->st.timeouts++;
		ct->gave_up = 1;
		if (ct->cb.failed)
			ct->cb.failed(ct, why, err, ct->cb_arg);
	}
	tsx__terminate(ct);
	tsx_unref(ct);
}

static void client_timer_retx(struct tmr *tm, void *arg)
{
	struct tsx *t = arg;
	struct tsx_layer *l = t->l;
	int rc;

	if (t->invite) {
		/* RFC 3261 17.1.1.2: Timer A doubles, without a cap. */
		if (t->state != TSX_CALLING)
			return;
		t->retx_ms *= 2;
	} else if (t->state == TSX_TRYING) {
		/* 17.1.2.2: Timer E doubles up to T2 in Trying. */
		t->retx_ms = 2 * t->retx_ms < l->cfg.t2 ? 2 * t->retx_ms
							: l->cfg.t2;
	} else if (t->state == TSX_PROCEEDING) {
		/* ... and is T2 in Proceeding. */
		t->retx_ms = l->cfg.t2;
	} else {
		return;
	}
	l->st.retransmits++;
	rc = tsx__send(t, t->req_buf, t->req_len);
	if (rc < 0) {
		/* 17.1.4: a transport failure ends the transaction. */
		tsx__client_fail(t, TSX_FAIL_TRANSPORT, rc);
		return;
	}
	tsx__timer(t, tm, t->retx_ms, client_timer_retx);
}

static void client_timer_to(struct tmr *tm, void *arg)
{
	struct tsx *t = arg;

	(void)tm;
	switch (t->state) {
	case TSX_CALLING:	/* Timer B (17.1.1.2) */
	case TSX_TRYING:	/* Timer F (17.1.2.2) */
	case TSX_PROCEEDING:	/* Timer F, or the CANCEL guard (9.1) */
		tsx__client_fail(t, TSX_FAIL_TIMEOUT, 0);
		break;
	case TSX_ACCEPTED:	/* Timer M (RFC 6026 7.2) */
		tsx__terminate(t);
		break;
	default:
		break;
	}
}

static void client_timer_end(struct tmr *tm, void *arg)
{
	/* Timers D and K: the last retransmissions have passed. */
	(void)tm;
	tsx__terminate(arg);
}

/*
 * RFC 3261 16.8: when Timer C fires after a provisional response, the
 * INVITE is cancelled; without one it ends as if 408 had come.  Either
 * way the user hears TSX_FAIL_TIMER_C.  After a CANCEL the transaction
 * stays to ACK the final response (487 most likely) until the CANCEL
 * guard of 9.1 ends it.
 */
static void client_timer_c(struct tmr *tm, void *arg)
{
	struct tsx *t = arg;
	struct tsx_layer *l = t->l;

	(void)tm;
	if (t->state != TSX_CALLING && t->state != TSX_PROCEEDING)
		return;
	if (!t->got_1xx) {
		tsx__client_fail(t, TSX_FAIL_TIMER_C, 0);
		return;
	}
	tsx_ref(t);
	if (!t->cancel_sent)
		client_send_cancel(t);
	if (!t->gave_up) {
		l->st.timeouts++;
		t->gave_up = 1;
		if (t->cb.failed)
			t->cb.failed(t, TSX_FAIL_TIMER_C, 0, t->cb_arg);
	}
	/* Without a CANCEL on its way nothing will end the transaction. */
	if (t->l && !tmr_active(&t->t_to))
		tsx__terminate(t);
	tsx_unref(t);
}

/* Hands a response up: to the starter, or once it was told the
 * transaction failed, a 2xx to the layer's user (it needs an ACK and a
 * BYE, RFC 3261 16.8's last paragraph for a proxy). */
static void client_up(struct tsx *t, const struct sip_msg *m,
		      const struct tp_src *src)
{
	struct tsx_layer *l = t->l;

	if (!t->gave_up) {
		if (t->cb.response)
			t->cb.response(t, m, t->cb_arg);
	} else if (m->status >= 200 && m->status < 300 && l &&
		   l->u.stray_response) {
		l->u.stray_response(l->uarg, m, src);
	}
}

/* RFC 3261 17.1.1.3: the ACK of a non-2xx final response. */
static void client_ack(struct tsx *t, const struct sip_msg *m)
{
	const struct sip_hdr *to = sip_msg_hdr(m, SIP_HDR_TO);
	char mem[BUF_STACK];
	struct buf b;
	int rc;

	buf_init_spill(&b, mem, sizeof(mem));
	rc = client_build(&b, t, "ACK", to ? to->value : STR(""));
	if (rc == 0)
		rc = tsx__save(&t->out, &t->out_len, b.p, b.len);
	buf_free(&b);
	if (rc == 0)
		rc = tsx__send(t, t->out, t->out_len);
	if (rc < 0)
		log_warn("tsx: cannot send ACK for %.*s: %s",
			 STR_FMT(t->key.call_id), strerror(-rc));
}

static void client_invite_recv(struct tsx *t, const struct sip_msg *m,
			       const struct tp_src *src)
{
	struct tsx_layer *l = t->l;
	struct tmr_heap *h = l->tmr;
	unsigned s = m->status;

	switch (t->state) {
	case TSX_CALLING:
	case TSX_PROCEEDING:
		if (s < 200) {
			/* 17.1.1.2: Proceeding; A and B stop, Timer C
			 * starts over (16.7 step 2). */
			if (t->state == TSX_CALLING) {
				tmr_cancel(h, &t->t_retx);
				tmr_cancel(h, &t->t_to);
			}
			t->state = TSX_PROCEEDING;
			t->got_1xx = 1;
			if (t->c_ms && !t->gave_up)
				tsx__timer(t, &t->t_c, t->c_ms, client_timer_c);
			if (t->cancel_wanted && !t->cancel_sent)
				client_send_cancel(t);
			client_up(t, m, src);
			return;
		}
		t->final_status = s;
		tsx__stop_timers(t);
		if (s < 300) {
			/* RFC 6026 7.2: Accepted until Timer M, handing up
			 * every further 2xx for the user to ACK. */
			t->state = TSX_ACCEPTED;
			tsx__timer(t, &t->t_to, t64(t), client_timer_to);
		} else {
			/* 17.1.1.2: Completed; ACK, and Timer D absorbs
			 * retransmissions of the final response. */
			uint64_t d = t64(t) > TSX_TIMER_D_MIN ? t64(t)
							      : TSX_TIMER_D_MIN;

			t->state = TSX_COMPLETED;
			client_ack(t, m);
			tsx__timer(t, &t->t_end, t->reliable ? 0 : d,
				   client_timer_end);
		}
		client_up(t, m, src);
		return;
	case TSX_COMPLETED:
		if (s >= 300) {
			l->st.absorbed++;
			if (t->out && tsx__send(t, t->out, t->out_len) < 0)
				log_debug("tsx: cannot resend ACK");
		} else if (s >= 200) {
			/* A 2xx of another fork: the dialog layer must ACK
			 * and end it. */
			if (l->u.stray_response)
				l->u.stray_response(l->uarg, m, src);
		}
		return;
	case TSX_ACCEPTED:
		if (s >= 200 && s < 300)
			client_up(t, m, src);
		else
			l->st.absorbed++;
		return;
	default:
		return;
	}
}

static void client_ni_recv(struct tsx *t, const struct sip_msg *m,
			   const struct tp_src *src)
{
	struct tsx_layer *l = t->l;

	switch (t->state) {
	case TSX_TRYING:
	case TSX_PROCEEDING:
		if (m->status < 200) {
			t->state = TSX_PROCEEDING;
		} else {
			/* 17.1.2.2: Completed; Timer K absorbs
			 * retransmissions of the final response. */
			t->final_status = m->status;
			t->state = TSX_COMPLETED;
			tsx__stop_timers(t);
			tsx__timer(t, &t->t_end, t->reliable ? 0 : l->cfg.t4,
				   client_timer_end);
		}
		client_up(t, m, src);
		return;
	case TSX_COMPLETED:
		l->st.absorbed++;
		return;
	default:
		return;
	}
}

void tsx__client_recv(struct tsx *ct, const struct sip_msg *m,
		      const struct tp_src *src)
{
	if (!ct->l || m->status < 100 || m->status > 699)
		return;
	tsx_ref(ct);
	if (ct->invite)
		client_invite_recv(ct, m, src);
	else
		client_ni_recv(ct, m, src);
	tsx_unref(ct);
}

int tsx_client_cancel(struct tsx *ct)
{
	if (!ct || !ct->client || !ct->invite)
		return -EINVAL;
	if (!ct->l || ct->final_status || ct->cancel_wanted)
		return -EALREADY;
	ct->cancel_wanted = 1;
	/* RFC 3261 9.1: not before a provisional response has arrived. */
	if (ct->got_1xx)
		client_send_cancel(ct);
	return 0;
}

void tsx_client_timer_c(struct tsx *ct, unsigned ms)
{
	if (!ct || !ct->client || !ct->invite || !ct->l ||
	    ct->final_status || ct->gave_up)
		return;
	ct->c_ms = ms;
	if (ms)
		tsx__timer(ct, &ct->t_c, ms, client_timer_c);
	else
		tmr_cancel(ct->l->tmr, &ct->t_c);
}
