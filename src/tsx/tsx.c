/*
 * The transaction layer: creation, the matching tables, dispatch of
 * received messages, merged requests, CANCEL, and what the client and
 * server machines share (RFC 3261 8.2.2.2, 9.2, 17).
 *
 * Four intrusive hash tables index the live transactions:
 *
 *   cli  client transactions by top-Via branch (17.1.3);
 *   srv  server transactions by branch, or for a request whose branch
 *        lacks the magic cookie by Call-ID and CSeq number (17.2.3);
 *   mrg  server transactions whose request had no To tag, by Call-ID and
 *        CSeq number, to find merged requests (8.2.2.2);
 *   acc  INVITE server transactions in Accepted, by Call-ID and CSeq
 *        number, to find the ACK of their 2xx (13.3.1.4, RFC 6026).
 *
 * A table only narrows the search; every candidate is compared field by
 * field.  Branches and tags compare case-insensitively (RFC 3261 7.3.1
 * makes parameter values case-insensitive unless stated otherwise);
 * Call-IDs compare exactly (20.8).
 *
 * Stats: retransmits counts what a timer resent (A, E, G and the 2xx);
 * absorbed counts received retransmissions, answered or dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/slab.h"
#include "tsx_int.h"

void tsx_cfg_default(struct tsx_cfg *c)
{
	/* RFC 3261 17.1.1.1 and Table 4; 16.6 step 11 for Timer C. */
	c->t1 = 500;
	c->t2 = 4000;
	c->t4 = 5000;
	c->trying_ms = 200;
	c->timer_c_ms = 180000;
}

const char *tsx_state_name(enum tsx_state s)
{
	switch (s) {
	case TSX_CALLING: return "Calling";
	case TSX_TRYING: return "Trying";
	case TSX_PROCEEDING: return "Proceeding";
	case TSX_COMPLETED: return "Completed";
	case TSX_CONFIRMED: return "Confirmed";
	case TSX_ACCEPTED: return "Accepted";
	case TSX_TERMINATED: return "Terminated";
	}
	return "?";
}

size_t tsx_branch_new(char *dst, size_t n)
{
	/* RFC 3261 8.1.1.7: the magic cookie, then 24 random characters
	 * (142 bits; case folding leaves more than 120). */
	if (n < TSX_BRANCH_MAX)
		return 0;
	memcpy(dst, "z9hG4bK", 7);
	rnd_token(dst + 7, TSX_BRANCH_MAX - 7);
	return TSX_BRANCH_MAX - 1;
}

void tsx__tag_new(char *dst, size_t n)
{
	rnd_token(dst, n);
}

uint64_t tsx__hash_branch(struct str b)
{
	char lc[64];
	uint64_t h = 0;
	size_t off = 0;

	/* Branches compare case-insensitively, so they hash folded. */
	do {
		size_t k = b.len - off < sizeof(lc) ? b.len - off : sizeof(lc);

		for (size_t i = 0; i < k; i++) {
			char c = b.p[off + i];

			lc[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		h = off ? hash_mix(h, lc, k) : hash_bytes(lc, k);
		off += k;
	} while (off < b.len);
	return h;
}

uint64_t tsx__hash_dialog(struct str call_id, uint32_t cseq)
{
	return hash_mix(hash_bytes(call_id.p, call_id.len), &cseq,
			sizeof(cseq));
}

int tsx__same_method(const struct tsx_key *k, enum sip_method m,
		     struct str m_s)
{
	if (k->method != m)
		return 0;
	return m != SIP_METHOD_OTHER || str_eq(k->method_s, m_s);
}

int tsx__save(char **dst, size_t *dlen, const void *p, size_t len)
{
	char *c = malloc(len ? len : 1);

	if (!c)
		return -ENOMEM;
	memcpy(c, p, len);
	free(*dst);
	*dst = c;
	*dlen = len;
	return 0;
}

int tsx_layer_new(const struct tsx_cfg *cfg, struct tmr_heap *tmr,
		  tsx_send_fn *send, void *send_ctx, const struct tsx_user *u,
		  void *uarg, struct tsx_layer **out)
{
	struct tsx_layer *l;

	if (!cfg || !tmr || !send || !out || !cfg->t1 || !cfg->t2)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	l->tmr = tmr;
	l->send = send;
	l->send_ctx = send_ctx;
	if (u)
		l->u = *u;
	l->uarg = uarg;
	/* Nearly every transaction timer runs for one of these: T1 and its
	 * doublings (Timers A, E, G), T2, T4 (K, I), 64*T1 (B, F, H, J, L,
	 * M), 100 Trying and Timer C.  Each gets a lane, where starting and
	 * stopping a timer costs O(1) instead of a heap operation. */
	for (unsigned k = 0; k < 6; k++)
		tmr_heap_lane(tmr, (uint64_t)cfg->t1 << k);
	tmr_heap_lane(tmr, cfg->t2);
	tmr_heap_lane(tmr, cfg->t4);
	tmr_heap_lane(tmr, 64 * (uint64_t)cfg->t1);
	tmr_heap_lane(tmr, cfg->trying_ms);
	tmr_heap_lane(tmr, cfg->timer_c_ms);
	if (hash_init(&l->cli, 256) || hash_init(&l->srv, 256) ||
	    hash_init(&l->mrg, 256) || hash_init(&l->acc, 64)) {
		hash_free(&l->cli);
		hash_free(&l->srv);
		hash_free(&l->mrg);
		hash_free(&l->acc);
		free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

void tsx__stop_timers(struct tsx *t)
{
	struct tmr_heap *h = t->l->tmr;

	tmr_cancel(h, &t->t_retx);
	tmr_cancel(h, &t->t_to);
	tmr_cancel(h, &t->t_end);
	tmr_cancel(h, &t->t_c);
}

/* Takes t out of every table and the list of live transactions. */
static void tsx_unlink(struct tsx *t)
{
	struct tsx_layer *l = t->l;

	if (t->in_main)
		hash_remove(t->client ? &l->cli : &l->srv, &t->node);
	if (t->in_mrg)
		hash_remove(&l->mrg, &t->mrg_node);
	if (t->in_acc)
		hash_remove(&l->acc, &t->acc_node);
	t->in_main = t->in_mrg = t->in_acc = 0;
	if (t->pprev) {
		*t->pprev = t->next;
		if (t->next)
			t->next->pprev = t->pprev;
		t->next = NULL;
		t->pprev = NULL;
		if (t->client)
			l->st.clients--;
		else
			l->st.servers--;
	}
}

/*
 * Transactions come and go by the thousand per second.  Heads come from
 * a slab, so the memory of those that lingered goes back to the system
 * once they are gone.  Request blocks of a standard size, enough for
 * most requests, are kept for reuse instead of going back to malloc,
 * whose large-chunk path and page faults showed in profiles of
 * contrib/bench/calls.  Only the event loop's thread makes and frees
 * transactions.
 */
#define TSX_POOL_HDRS 24	/* header lines a pooled block holds */
#define TSX_POOL_DATA 1536	/* request bytes and strings it holds */
#define TSX_POOL_MAX 256	/* free blocks kept */

static struct tsx_req *tsx_pool;
static unsigned tsx_pool_n;
static struct slab tsx_heads;
static int tsx_heads_init;

/* A block for a request of n header lines and data bytes more; *cap gets
 * the header lines it has room for. */
static struct tsx_req *tsx_block_new(unsigned n, size_t data, unsigned *cap)
{
	struct tsx_req *r;

	if (n > TSX_POOL_HDRS || data > TSX_POOL_DATA) {
		*cap = n;
		r = malloc(TSX_REQ_SIZE(n) + data);
		if (r)
			r->pooled = 0;
		return r;
	}
	*cap = TSX_POOL_HDRS;
	if (tsx_pool) {
		r = tsx_pool;
		tsx_pool = r->next;
		tsx_pool_n--;
		return r;
	}
	r = malloc(TSX_REQ_SIZE(TSX_POOL_HDRS) + TSX_POOL_DATA);
	if (r)
		r->pooled = 1;
	return r;
}

static void tsx_block_free(struct tsx_req *r)
{
	if (!r)
		return;
	if (!r->pooled || tsx_pool_n >= TSX_POOL_MAX) {
		free(r);
		return;
	}
	r->next = tsx_pool;
	tsx_pool = r;
	tsx_pool_n++;
}

/* Hands the kept blocks back to malloc. */
static void tsx_pool_drain(void)
{
	while (tsx_pool) {
		struct tsx_req *r = tsx_pool;

		tsx_pool = r->next;
		free(r);
	}
	tsx_pool_n = 0;
	slab_trim(&tsx_heads);
}

void tsx_layer_free(struct tsx_layer *l)
{
	if (!l)
		return;
	while (l->all) {
		struct tsx *t = l->all;

		tsx__stop_timers(t);
		tsx_unlink(t);
		t->state = TSX_TERMINATED;
		t->l = NULL;
		tsx_unref(t);
	}
	hash_free(&l->cli);
	hash_free(&l->srv);
	hash_free(&l->mrg);
	hash_free(&l->acc);
	free(l);
	tsx_pool_drain();
}

static void tsx_key_set(struct tsx_key *k, const struct sip_msg *r)
{
	k->method = r->method;
	k->method_s = r->method_s;
	k->branch = r->via.branch;
	k->via_host = r->via.host;
	k->via_port = r->via.port;
	k->call_id = r->call_id;
	k->cseq = r->cseq.num;
	k->from_tag = r->from.tag;
}

int tsx__alloc(struct tsx_layer *l, const char *buf, size_t len, int n_hdr,
	       const struct tp_dest *d, struct tsx **out)
{
	size_t rl = d && d->realm ? strlen(d->realm) + 1 : 0;
	size_t sl = d && d->server_name ? strlen(d->server_name) + 1 : 0;
	size_t data = len + 1 + rl + sl;
	const char *err = NULL;
	unsigned cap;
	struct tsx_req *r;
	struct tsx *t;
	char *copy, *extra;
	int rc;

	if (!tsx_heads_init) {
		slab_init(&tsx_heads, sizeof(struct tsx));
		tsx_heads_init = 1;
	}
	t = slab_alloc(&tsx_heads);
	if (!t)
		return -ENOMEM;
	/* A request the caller did not parse (one of ours) is parsed into
	 * a block of the common size, and again into one of the largest if
	 * it has more header lines than that. */
	for (unsigned want = n_hdr >= 0 ? (unsigned)n_hdr : TSX_POOL_HDRS;;
	     want = SIP_MSG_MAX_HDRS) {
		r = tsx_block_new(want, data, &cap);
		if (!r) {
			slab_free(&tsx_heads, t);
			return -ENOMEM;
		}
		copy = (char *)r + TSX_REQ_SIZE(cap);
		copy[len] = '\0';
		memcpy(copy, buf, len);
		rc = sip_msg_parse_room(TSX_REQ_MSG(r), copy, len,
					SIP_MSG_DATAGRAM, cap, &err);
		if (rc == 0 && TSX_REQ_MSG(r)->is_request)
			break;
		tsx_block_free(r);
		if (rc != -E2BIG || cap >= SIP_MSG_MAX_HDRS) {
			log_debug("tsx: request does not parse: %s",
				  err ? err : "not a request");
			slab_free(&tsx_heads, t);
			return -EBADMSG;
		}
	}
	memset(t, 0, sizeof(*t));
	t->rb = r;
	t->req = TSX_REQ_MSG(r);
	t->req_buf = copy;
	t->req_len = len;
	tsx_key_set(&t->key, t->req);
	extra = t->req_buf + len + 1;
	if (d) {
		t->dest = *d;
		if (rl) {
			memcpy(extra, d->realm, rl);
			t->dest.realm = extra;
			extra += rl;
		}
		if (sl) {
			memcpy(extra, d->server_name, sl);
			t->dest.server_name = extra;
		}
		if (d->conn)
			tp_conn_ref(d->conn);
	}
	t->l = l;
	t->refs = 1;
	t->invite = t->req->method == SIP_METHOD_INVITE;
	tmr_init(&t->t_retx);
	tmr_init(&t->t_to);
	tmr_init(&t->t_end);
	tmr_init(&t->t_c);
	*out = t;
	return 0;
}

/* Appends s to *p and points *s at the copy. */
static void kbuf_put(char **p, struct str *s)
{
	if (s->len)
		memcpy(*p, s->p, s->len);
	s->p = *p;
	*p += s->len;
}

static void kbuf_put_c(char **p, const char **s)
{
	size_t n;

	if (!*s)
		return;
	n = strlen(*s) + 1;
	memcpy(*p, *s, n);
	*s = *p;
	*p += n;
}

/* Drops the request block; matching goes on with the key. */
static void tsx_slim(struct tsx *t)
{
	struct tsx_key *k = &t->key;
	size_t n;
	char *p;

	if (!t->rb || t->rfc2543)
		return;
	n = k->method_s.len + k->branch.len + k->via_host.len +
	    k->call_id.len + k->from_tag.len +
	    (t->dest.realm ? strlen(t->dest.realm) + 1 : 0) +
	    (t->dest.server_name ? strlen(t->dest.server_name) + 1 : 0);
	p = malloc(n ? n : 1);
	if (!p)
		return;	/* it stays whole; no harm */
	t->kbuf = p;
	kbuf_put(&p, &k->method_s);
	kbuf_put(&p, &k->branch);
	kbuf_put(&p, &k->via_host);
	kbuf_put(&p, &k->call_id);
	kbuf_put(&p, &k->from_tag);
	kbuf_put_c(&p, &t->dest.realm);
	kbuf_put_c(&p, &t->dest.server_name);
	tsx_block_free(t->rb);
	t->rb = NULL;
	t->req = NULL;
	t->req_buf = NULL;
	t->req_len = 0;
	if (t->l)
		t->l->st.slimmed++;
}

void tsx__slim_idle(struct tsx *t)
{
	if (t->refs == 1 && t->l && t->final_status)
		tsx_slim(t);
}

void tsx__link(struct tsx *t)
{
	struct tsx_layer *l = t->l;

	t->next = l->all;
	if (t->next)
		t->next->pprev = &t->next;
	t->pprev = &l->all;
	l->all = t;
	l->st.created++;
	if (t->client)
		l->st.clients++;
	else
		l->st.servers++;
}

void tsx_ref(struct tsx *t)
{
	t->refs++;
}

void tsx_unref(struct tsx *t)
{
	if (!t)
		return;
	if (--t->refs) {
		tsx__slim_idle(t);
		return;
	}
	if (t->dest.conn)
		tp_conn_unref(t->dest.conn);
	if (t->src.conn)
		tp_conn_unref(t->src.conn);
	free(t->out);
	free(t->tag);
	free(t->kbuf);
	tsx_block_free(t->rb);
	slab_free(&tsx_heads, t);
}

void tsx__terminate(struct tsx *t)
{
	struct tsx_layer *l = t->l;

	if (!l || t->state == TSX_TERMINATED)
		return;
	t->state = TSX_TERMINATED;
	tsx__stop_timers(t);
	tsx_unlink(t);
	t->l = NULL;
	if (t->client) {
		if (t->cb.terminated)
			t->cb.terminated(t, t->cb_arg);
	} else if (!t->hidden && l->u.server_done) {
		l->u.server_done(l->uarg, t);
	}
	/* The layer's reference. */
	tsx_unref(t);
}

int tsx__send(struct tsx *t, const void *p, size_t len)
{
	struct tsx_layer *l = t->l;
	int rc = l->send(l->send_ctx, &t->dest, p, len);

	if (rc > 0)
		rc = -EIO;
	return rc;
}

void tsx__timer(struct tsx *t, struct tmr *tm, uint64_t ms, tmr_cb *cb)
{
	if (tmr_start(t->l->tmr, tm, ms, cb, t) < 0)
		log_err("tsx: no memory for a timer; %.*s transaction may "
			"linger", STR_FMT(t->key.method_s));
}

/* Tags compare case-insensitively; absent equals empty. */
static int tag_eq(struct str a, struct str b)
{
	return a.len == b.len && (a.len == 0 || str_caseeq(a, b));
}

/* RFC 3261 17.2.3: the sent-by of two top Vias. */
static int sent_by_eq(const struct sip_via *a, const struct sip_via *b)
{
	return a->port == b->port && str_caseeq(a->host, b->host);
}

static struct tsx *cli_find(struct tsx_layer *l, const struct sip_msg *m)
{
	uint64_t h = tsx__hash_branch(m->via.branch);

	/* RFC 3261 17.1.3: the branch of the top Via and the CSeq method. */
	for (struct hash_node *n = hash_first(&l->cli, h); n;
	     n = hash_next(n)) {
		struct tsx *t = hash_entry(n, struct tsx, node);

		if (str_caseeq(t->key.branch, m->via.branch) &&
		    tsx__same_method(&t->key, m->cseq.method,
				     m->cseq.method_s))
			return t;
	}
	return NULL;
}

enum srv_want {
	SRV_SAME,	/* the request's own transaction; ACK finds INVITE */
	SRV_CANCELLED,	/* the transaction a CANCEL cancels (9.2) */
};

static int srv_method_ok(const struct tsx *t, const struct sip_msg *m,
			 enum srv_want w)
{
	if (w == SRV_CANCELLED)
		return t->key.method != SIP_METHOD_CANCEL;
	if (m->method == SIP_METHOD_ACK)
		return t->invite;
	return tsx__same_method(&t->key, m->method, m->method_s);
}

/* RFC 3261 17.2.3, the RFC 2543 rules for a branch without the cookie;
 * such transactions are never slimmed. */
static int srv_match_2543(const struct tsx *t, const struct sip_msg *m)
{
	const struct sip_msg *r = t->req;
	struct str to_tag = r->to.tag;

	/* An ACK carries the To tag of the response it acknowledges. */
	if (m->method == SIP_METHOD_ACK)
		to_tag = str_make(t->tag, t->tag_len);
	return r->cseq.num == m->cseq.num && str_eq(r->call_id, m->call_id) &&
	       str_eq(r->ruri.raw, m->ruri.raw) &&
	       tag_eq(r->from.tag, m->from.tag) &&
	       tag_eq(to_tag, m->to.tag) && sent_by_eq(&r->via, &m->via) &&
	       str_caseeq(r->via.transport, m->via.transport) &&
	       tag_eq(r->via.branch, m->via.branch);
}

static struct tsx *srv_find(struct tsx_layer *l, const struct sip_msg *m,
			    enum srv_want w)
{
	int is3261 = sip_via_branch_is_3261(&m->via);
	uint64_t h = is3261 ? tsx__hash_branch(m->via.branch)
			    : tsx__hash_dialog(m->call_id, m->cseq.num);

	for (struct hash_node *n = hash_first(&l->srv, h); n;
	     n = hash_next(n)) {
		struct tsx *t = hash_entry(n, struct tsx, node);

		if (t->rfc2543 == is3261 || !srv_method_ok(t, m, w))
			continue;
		if (is3261 ? str_caseeq(t->key.branch, m->via.branch) &&
				     t->key.via_port == m->via.port &&
				     str_caseeq(t->key.via_host, m->via.host)
			   : srv_match_2543(t, m))
			return t;
	}
	return NULL;
}

/* RFC 3261 8.2.2.2: same From tag, Call-ID and CSeq as a live
 * transaction whose request had no To tag either. */
static struct tsx *mrg_find(struct tsx_layer *l, const struct sip_msg *m)
{
	uint64_t h = tsx__hash_dialog(m->call_id, m->cseq.num);

	for (struct hash_node *n = hash_first(&l->mrg, h); n;
	     n = hash_next(n)) {
		struct tsx *t = hash_entry(n, struct tsx, mrg_node);
		const struct tsx_key *k = &t->key;

		if (k->cseq == m->cseq.num &&
		    tsx__same_method(k, m->method, m->method_s) &&
		    str_eq(k->call_id, m->call_id) &&
		    tag_eq(k->from_tag, m->from.tag))
			return t;
	}
	return NULL;
}

/* RFC 3261 13.3.1.4: the ACK of a 2xx is recognised by its dialog (Call-ID,
 * From tag, the 2xx's To tag) and the CSeq number of the INVITE. */
static struct tsx *acc_find(struct tsx_layer *l, const struct sip_msg *m)
{
	uint64_t h = tsx__hash_dialog(m->call_id, m->cseq.num);

	for (struct hash_node *n = hash_first(&l->acc, h); n;
	     n = hash_next(n)) {
		struct tsx *t = hash_entry(n, struct tsx, acc_node);
		const struct tsx_key *k = &t->key;

		if (k->cseq == m->cseq.num &&
		    str_eq(k->call_id, m->call_id) &&
		    tag_eq(k->from_tag, m->from.tag) &&
		    tag_eq(str_make(t->tag, t->tag_len), m->to.tag))
			return t;
	}
	return NULL;
}

static void recv_response(struct tsx_layer *l, const struct sip_msg *m,
			  const struct tp_src *src)
{
	struct tsx *ct = cli_find(l, m);

	if (ct) {
		tsx__client_recv(ct, m, src);
		return;
	}
	l->st.stray++;
	if (l->u.stray_response)
		l->u.stray_response(l->uarg, m, src);
}

static void recv_ack(struct tsx_layer *l, const struct sip_msg *m,
		     const struct tp_src *src)
{
	struct tsx *st = srv_find(l, m, SRV_SAME);

	if (st) {
		tsx__server_ack(st, m, src);
		return;
	}
	st = acc_find(l, m);
	if (st) {
		tsx__server_dialog_ack(st, m, src);
		return;
	}
	if (l->u.ack)
		l->u.ack(l->uarg, NULL, m, src);
}

/* RFC 3261 9.2: a CANCEL gets 200 when it matches a transaction, 481
 * otherwise, in a server transaction of its own. */
static void recv_cancel(struct tsx_layer *l, const struct sip_msg *m,
			const struct tp_src *src)
{
	struct tsx *st = srv_find(l, m, SRV_SAME), *cst;

	if (st) {
		l->st.absorbed++;
		tsx__server_retrans(st);
		return;
	}
	st = srv_find(l, m, SRV_CANCELLED);
	if (tsx__server_new(l, m, src, 1, &cst) < 0)
		return;
	if (!st) {
		tsx__server_respond_tag(cst, 481, STR_NULL);
		return;
	}
	/* 9.2: the To tag of the 200 is that of the INVITE's responses. */
	tsx__server_respond_tag(cst, 200, str_make(st->tag, st->tag_len));
	if (!st->invite || st->final_status || st->cancelled ||
	    st->state == TSX_TERMINATED)
		return;
	st->cancelled = 1;
	if (l->u.cancel) {
		tsx_ref(st);
		l->u.cancel(l->uarg, st, m);
		tsx_unref(st);
	}
}

static void recv_request(struct tsx_layer *l, const struct sip_msg *m,
			 const struct tp_src *src)
{
	struct tsx *st = srv_find(l, m, SRV_SAME);

	if (st) {
		l->st.absorbed++;
		tsx__server_retrans(st);
		return;
	}
	if (!m->to.tag.len && mrg_find(l, m)) {
		/* 8.2.2.2: the same request reached us by another path. */
		l->st.merged++;
		if (tsx__server_new(l, m, src, 1, &st) == 0)
			tsx__server_respond_tag(st, 482, STR_NULL);
		return;
	}
	if (tsx__server_new(l, m, src, 0, &st) < 0)
		return;
	tsx_ref(st);
	if (l->u.request)
		l->u.request(l->uarg, st, st->req, &st->src);
	tsx_unref(st);
}

void tsx_layer_recv(struct tsx_layer *l, const struct sip_msg *m,
		    const struct tp_src *src)
{
	if (!m->is_request) {
		recv_response(l, m, src);
		return;
	}
	/* RFC 3261 18.2.1: without a sent-by no response can be sent. */
	if (!m->via.host.len || !m->via.transport.len) {
		log_debug("tsx: dropping %.*s without a usable Via",
			  STR_FMT(m->method_s));
		return;
	}
	switch (m->method) {
	case SIP_METHOD_ACK:
		recv_ack(l, m, src);
		break;
	case SIP_METHOD_CANCEL:
		recv_cancel(l, m, src);
		break;
	default:
		recv_request(l, m, src);
		break;
	}
}

void tsx_layer_tp_error(struct tsx_layer *l, const struct tp_dest *d,
			int err)
{
	struct tsx **v, *t;
	size_t n = 0, i = 0;

	for (t = l->all; t; t = t->next)
		if (t->client && t->dest.proto == d->proto &&
		    tp_addr_eq(&t->dest.addr.sa, &d->addr.sa))
			n++;
	if (!n)
		return;
	/* A snapshot with references: the failed callbacks may end or start
	 * any transaction, and those started now are not affected. */
	v = malloc(n * sizeof(*v));
	if (!v) {
		log_err("tsx: no memory to fail %zu transactions", n);
		return;
	}
	for (t = l->all; t && i < n; t = t->next)
		if (t->client && t->dest.proto == d->proto &&
		    tp_addr_eq(&t->dest.addr.sa, &d->addr.sa)) {
			tsx_ref(t);
			v[i++] = t;
		}
	for (i = 0; i < n; i++) {
		if (v[i]->l)
			tsx__client_fail(v[i], TSX_FAIL_TRANSPORT, err);
		tsx_unref(v[i]);
	}
	free(v);
}

void tsx_layer_stats(const struct tsx_layer *l, struct tsx_stats *s)
{
	*s = l->st;
}

const struct sip_msg *tsx_request(const struct tsx *t)
{
	return t->req;
}

const struct tp_src *tsx_src(const struct tsx *t)
{
	return &t->src;
}

const struct tp_dest *tsx_dest(const struct tsx *t)
{
	return &t->dest;
}

enum tsx_state tsx_state(const struct tsx *t)
{
	return t->state;
}

int tsx_is_client(const struct tsx *t)
{
	return t->client;
}

unsigned tsx_final_status(const struct tsx *t)
{
	return t->final_status;
}

void tsx_set_arg(struct tsx *t, void *arg)
{
	t->arg = arg;
}

void *tsx_arg(const struct tsx *t)
{
	return t->arg;
}
