/*
 * Server transactions: the INVITE machine of RFC 3261 17.2.1 with the
 * Accepted state of RFC 6026 7.1, the non-INVITE machine of 17.2.2, the
 * 2xx retransmission of the UAS core (13.3.1.4), and the response head
 * and destination of 8.2.6.2, 18.2.1, 18.2.2 and RFC 3581 4.
 *
 * Timer slots: t_retx is G or the 2xx retransmission, t_to is H or L,
 * t_end is I or J, t_c is the 100 Trying of 17.2.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/log.h"
#include "sbc/sip_print.h"
#include "tsx_int.h"

static void srv_timer_retx(struct tmr *tm, void *arg);
static void srv_timer_to(struct tmr *tm, void *arg);
static void srv_timer_end(struct tmr *tm, void *arg);
static void srv_timer_trying(struct tmr *tm, void *arg);

static uint16_t srv_default_port(enum tp_proto p)
{
	/* RFC 3261 19.1.2. */
	return p == TP_TLS ? 5061 : 5060;
}

static void srv_set_port(union tp_sockaddr *a, uint16_t port)
{
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons(port);
	else if (a->sa.sa_family == AF_INET)
		a->in.sin_port = htons(port);
}

/*
 * Where responses go (RFC 3261 18.2.2, RFC 3581 4), from the listener
 * the request arrived on.  Reliable: over the request's connection while
 * it is open, else to the source address at the sent-by port.  UDP: with
 * rport to the source address and port, else to the source address
 * (the received parameter) at the sent-by port.  A maddr is not honoured:
 * sbc answers no multicast.
 */
static void srv_dest(struct tsx *st)
{
	const struct sip_via *v = &st->req->via;
	struct tp_dest *d = &st->dest;

	memset(d, 0, sizeof(*d));
	d->proto = st->src.proto;
	d->lsn = st->src.lsn;
	d->addr = st->src.peer;
	if (st->src.proto != TP_UDP) {
		d->conn = st->src.conn;
		if (d->conn)
			tp_conn_ref(d->conn);
	} else if (v->has_rport) {
		return;
	}
	srv_set_port(&d->addr, v->port ? v->port : srv_default_port(d->proto));
}

int tsx__server_new(struct tsx_layer *l, const struct sip_msg *m,
		    const struct tp_src *src, int hidden, struct tsx **out)
{
	struct tsx *st;
	uint64_t h;
	int rc;

	rc = tsx__alloc(l, m->raw.p, m->raw.len, m->n_hdr, NULL, &st);
	if (rc < 0) {
		log_warn("tsx: cannot keep %.*s: %s", STR_FMT(m->method_s),
			 strerror(-rc));
		return rc;
	}
	st->hidden = hidden ? 1 : 0;
	st->reliable = src->proto != TP_UDP;
	st->rfc2543 = !sip_via_branch_is_3261(&st->req->via);
	st->src = *src;
	if (src->conn)
		tp_conn_ref(src->conn);
	srv_dest(st);
	st->state = st->invite ? TSX_PROCEEDING : TSX_TRYING;
	tsx__link(st);
	h = st->rfc2543 ? tsx__hash_dialog(st->key.call_id, st->key.cseq)
			: tsx__hash_branch(st->key.branch);
	hash_insert(&l->srv, &st->node, h);
	st->in_main = 1;
	if (!hidden && !st->req->to.tag.len) {
		hash_insert(&l->mrg, &st->mrg_node,
			    tsx__hash_dialog(st->key.call_id, st->key.cseq));
		st->in_mrg = 1;
	}
	/* RFC 3261 17.2.1: 100 Trying unless the user answers in time. */
	if (st->invite && !hidden && l->cfg.trying_ms)
		tsx__timer(st, &st->t_c, l->cfg.trying_ms, srv_timer_trying);
	*out = st;
	return 0;
}

void tsx_print_response_head(struct buf *b, const struct tsx *st,
			     unsigned status, struct str reason,
			     struct str to_tag)
{
	const struct sip_msg *r = st->req;
	const struct sip_hdr *h;
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;

	/* A slim transaction has sent its final response already. */
	if (st->client || !r)
		return;
	sip_print_status_line(b, status, reason);
	/* RFC 3261 8.2.6.2: every Via, in order, the top one completed as
	 * 18.2.1 and RFC 3581 4 ask. */
	tp_addr_ip((const struct sockaddr *)&st->src.peer, ip, sizeof(ip),
		   &port);
	sip_print_response_vias(b, r, str_cstr(ip), port);
	h = sip_msg_hdr(r, SIP_HDR_FROM);
	sip_print_hdr(b, SIP_HDR_FROM, h ? h->value : STR(""));
	h = sip_msg_hdr(r, SIP_HDR_TO);
	buf_put_cstr(b, "To: ");
	sip_print_value(b, h ? h->value : STR(""));
	if (!r->to.tag.len && to_tag.len) {
		buf_put_cstr(b, ";tag=");
		buf_put_str(b, to_tag);
	}
	buf_put_cstr(b, "\r\n");
	sip_print_hdr(b, SIP_HDR_CALL_ID, r->call_id);
	h = sip_msg_hdr(r, SIP_HDR_CSEQ);
	sip_print_hdr(b, SIP_HDR_CSEQ, h ? h->value : STR(""));
}

/* Sends the last response again; a failure only shows in the log. */
static void srv_resend(struct tsx *st)
{
	if (st->out && tsx__send(st, st->out, st->out_len) < 0)
		log_debug("tsx: cannot resend %u for %.*s", st->final_status,
			  STR_FMT(st->key.method_s));
}

int tsx_respond(struct tsx *st, unsigned status, const char *buf,
		size_t len)
{
	struct tsx_layer *l;
	struct sip_msg pm;
	int rc;

	if (!st || st->client || !buf)
		return -EINVAL;
	l = st->l;
	if (!l || st->final_status)
		return -EALREADY;
	/* The response must be one: its To tag is kept for matching the
	 * ACK (13.3.1.4, 17.2.3) and for the 200 to a CANCEL (9.2). */
	if (status < 100 || status > 699 ||
	    sip_msg_parse(&pm, buf, len, SIP_MSG_DATAGRAM, NULL) ||
	    pm.is_request || pm.status != status)
		return -EINVAL;
	if (pm.to.tag.len &&
	    tsx__save(&st->tag, &st->tag_len, pm.to.tag.p, pm.to.tag.len))
		return -ENOMEM;
	if (tsx__save(&st->out, &st->out_len, buf, len))
		return -ENOMEM;
	tmr_cancel(l->tmr, &st->t_c);
	if (status < 200) {
		st->state = TSX_PROCEEDING;
	} else {
		st->final_status = status;
		if (st->invite && status < 300) {
			/* RFC 6026 7.1 and RFC 3261 13.3.1.4: Accepted;
			 * the 2xx is resent until its ACK or Timer L. */
			st->state = TSX_ACCEPTED;
			hash_insert(&l->acc, &st->acc_node,
				    tsx__hash_dialog(st->key.call_id,
						     st->key.cseq));
			st->in_acc = 1;
			if (!st->reliable) {
				st->retx_ms = l->cfg.t1;
				tsx__timer(st, &st->t_retx, st->retx_ms,
					   srv_timer_retx);
			}
			tsx__timer(st, &st->t_to, 64 * (uint64_t)l->cfg.t1,
				   srv_timer_to);
		} else if (st->invite) {
			/* 17.2.1: Completed; Timer G over unreliable
			 * transports, Timer H always. */
			st->state = TSX_COMPLETED;
			if (!st->reliable) {
				st->retx_ms = l->cfg.t1;
				tsx__timer(st, &st->t_retx, st->retx_ms,
					   srv_timer_retx);
			}
			tsx__timer(st, &st->t_to, 64 * (uint64_t)l->cfg.t1,
				   srv_timer_to);
		} else {
			/* 17.2.2: Completed; Timer J is 64*T1 for
			 * unreliable transports, zero for reliable ones. */
			st->state = TSX_COMPLETED;
			tsx__timer(st, &st->t_end,
				   st->reliable ? 0 : 64 * (uint64_t)l->cfg.t1,
				   srv_timer_end);
		}
	}
	rc = tsx__send(st, st->out, st->out_len);
	if (rc < 0)
		l->st.transport_errors++;
	/* The layer's own (CANCEL, 482): nobody else will look at it. */
	tsx__slim_idle(st);
	return rc;
}

int tsx_respond_simple(struct tsx *st, unsigned status, struct str reason,
		       struct str to_tag)
{
	struct buf b;
	int rc;

	if (!st || st->client)
		return -EINVAL;
	buf_init(&b);
	tsx_print_response_head(&b, st, status, reason, to_tag);
	sip_print_body(&b, STR_NULL, STR_NULL);
	rc = b.err ? b.err : tsx_respond(st, status, b.p, b.len);
	buf_free(&b);
	return rc;
}

int tsx__server_respond_tag(struct tsx *st, unsigned status, struct str tag)
{
	char tmp[TSX_TAG_LEN + 1];

	if (!tag.p) {
		tsx__tag_new(tmp, sizeof(tmp));
		tag = str_make(tmp, TSX_TAG_LEN);
	}
	return tsx_respond_simple(st, status, STR_NULL, tag);
}

void tsx__server_retrans(struct tsx *st)
{
	/* RFC 3261 17.2.1 and 17.2.2: a retransmitted request gets the
	 * last response again, or nothing before there is one; RFC 6026
	 * 7.1 keeps it from the user in Accepted as well. */
	switch (st->state) {
	case TSX_PROCEEDING:
	case TSX_COMPLETED:
	case TSX_ACCEPTED:
		srv_resend(st);
		break;
	default:
		break;
	}
}

void tsx__server_ack(struct tsx *st, const struct sip_msg *m,
		     const struct tp_src *src)
{
	struct tsx_layer *l = st->l;

	switch (st->state) {
	case TSX_COMPLETED:
		/* 17.2.1: Confirmed; Timer I absorbs further ACKs. */
		st->state = TSX_CONFIRMED;
		tmr_cancel(l->tmr, &st->t_retx);
		tmr_cancel(l->tmr, &st->t_to);
		tsx__timer(st, &st->t_end, st->reliable ? 0 : l->cfg.t4,
			   srv_timer_end);
		break;
	case TSX_ACCEPTED:
		/* The ACK of the 2xx, matched by the RFC 2543 rules or
		 * sent by a UA that reused the INVITE's branch. */
		tsx__server_dialog_ack(st, m, src);
		break;
	default:
		l->st.absorbed++;
		break;
	}
}

void tsx__server_dialog_ack(struct tsx *st, const struct sip_msg *m,
			    const struct tp_src *src)
{
	struct tsx_layer *l = st->l;

	/* RFC 3261 13.3.1.4: the ACK ends the 2xx retransmissions, and
	 * the INVITE's retransmissions have ended before it, so the copy
	 * of the 2xx is of no more use: later ones are absorbed. */
	tmr_cancel(l->tmr, &st->t_retx);
	free(st->out);
	st->out = NULL;
	st->out_len = 0;
	tsx_ref(st);
	if (l->u.ack)
		l->u.ack(l->uarg, st, m, src);
	tsx_unref(st);
}

static void srv_timer_retx(struct tmr *tm, void *arg)
{
	struct tsx *st = arg;
	struct tsx_layer *l = st->l;

	if (st->state != TSX_COMPLETED && st->state != TSX_ACCEPTED)
		return;
	/* 17.2.1 (Timer G) and 13.3.1.4 (2xx): T1 doubling up to T2. */
	st->retx_ms = 2 * st->retx_ms < l->cfg.t2 ? 2 * st->retx_ms
						  : l->cfg.t2;
	l->st.retransmits++;
	if (tsx__send(st, st->out, st->out_len) < 0) {
		/* 17.2.4: a transport failure ends the transaction. */
		l->st.transport_errors++;
		tsx__terminate(st);
		return;
	}
	tsx__timer(st, tm, st->retx_ms, srv_timer_retx);
}

static void srv_timer_to(struct tmr *tm, void *arg)
{
	/* Timer H (17.2.1: no ACK came) or Timer L (RFC 6026 7.1). */
	(void)tm;
	tsx__terminate(arg);
}

static void srv_timer_end(struct tmr *tm, void *arg)
{
	/* Timers I and J. */
	(void)tm;
	tsx__terminate(arg);
}

static void srv_timer_trying(struct tmr *tm, void *arg)
{
	struct tsx *st = arg;

	(void)tm;
	if (st->state == TSX_PROCEEDING && !st->out)
		tsx_respond_simple(st, 100, STR_NULL, STR_NULL);
}
