/*
 * rtpe: the ng protocol client (layer 2, media).  See include/sbc/rtpe.h.
 *
 * Each server has its own UDP socket, so an answer is matched by the
 * socket it came in on and by its cookie.  One libuv timer ticks every
 * RTPE_TICK_MS: it retransmits requests whose try ran out and sends the
 * health-check pings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/log.h"
#include "sbc/rnd.h"
#include "sbc/rtpe.h"

#define RTPE_TICK_MS 50
#define RTPE_COOKIE_LEN 16
#define RTPE_MAX_NODES 256
#define RTPE_DGRAM_MAX 65536

struct rtpe_server {
	struct rtpe *r;
	char *name;
	struct sockaddr_storage addr;
	uv_udp_t udp;
	int up;
	int ping_out;		/* a ping of ours is in flight */
};

struct rtpe_req {
	struct rtpe *r;
	struct rtpe_req *prev, *next;
	char cookie[RTPE_COOKIE_LEN + 1];
	int server;
	int any;		/* may move to another server */
	unsigned tried_mask;	/* servers tried, by bit (first 32) */
	unsigned tries;		/* sent to this server */
	uint64_t deadline;
	struct buf msg;		/* cookie, space, dictionary */
	rtpe_cb *cb;
	void *arg;
};

struct rtpe {
	uv_loop_t *loop;
	struct rtpe_cfg cfg;
	struct rtpe_server *srv;
	size_t n;
	struct rtpe_req *reqs;
	uv_timer_t tick;
	uint64_t next_ping;
	unsigned handles;	/* open: freed when the last closes */
	struct rtpe_stats stats;
	char rbuf[RTPE_DGRAM_MAX];
	int rbuf_busy;
};

size_t rtpe_count(const struct rtpe *r)
{
	return r ? r->n : 0;
}

const char *rtpe_name(const struct rtpe *r, int server)
{
	if (!r || server < 0 || (size_t)server >= r->n)
		return NULL;
	return r->srv[server].name;
}

int rtpe_find(const struct rtpe *r, const char *name)
{
	for (size_t i = 0; r && name && i < r->n; i++)
		if (strcmp(r->srv[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int rtpe_up(const struct rtpe *r, int server)
{
	return r && server >= 0 && (size_t)server < r->n && r->srv[server].up;
}

void rtpe_stats_get(const struct rtpe *r, struct rtpe_stats *s)
{
	*s = r->stats;
}

static void req_unlink(struct rtpe_req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		q->r->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
}

static void req_free(struct rtpe_req *q)
{
	req_unlink(q);
	buf_free(&q->msg);
	free(q);
}

void rtpe_cancel(struct rtpe_req *q)
{
	if (q)
		req_free(q);
}

static void req_send(struct rtpe_req *q)
{
	struct rtpe_server *s = &q->r->srv[q->server];
	uv_buf_t b = uv_buf_init(q->msg.p, (unsigned)q->msg.len);
	int rc;

	q->deadline = uv_now(q->r->loop) + q->r->cfg.timeout_ms;
	q->tries++;
	/* A datagram socket takes the bytes at once or not at all. */
	rc = uv_udp_try_send(&s->udp, &b, 1, (const struct sockaddr *)&s->addr);
	if (rc < 0)
		log_debug("rtpe: cannot send to %s: %s", s->name,
			  uv_strerror(rc));
}

/* The first server up that q has not tried, or -1. */
static int pick_untried(struct rtpe *r, const struct rtpe_req *q)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->srv[i].up && !(i < 32 && (q->tried_mask & (1u << i))))
			return (int)i;
	return -1;
}

static int req_start(struct rtpe *r, int server, struct str dict, int ping,
		     rtpe_cb *cb, void *arg, struct rtpe_req **out)
{
	struct rtpe_req *q;

	if (server < 0) {
		for (size_t i = 0; i < r->n && server < 0; i++)
			if (r->srv[i].up)
				server = (int)i;
		if (server < 0)
			return -EHOSTDOWN;
	}
	if ((size_t)server >= r->n || !dict.len)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->r = r;
	q->server = server;
	rnd_token(q->cookie, sizeof(q->cookie));
	buf_init(&q->msg);
	buf_put_cstr(&q->msg, q->cookie);
	buf_put_c(&q->msg, ' ');
	buf_put_str(&q->msg, dict);
	if (q->msg.err) {
		buf_free(&q->msg);
		free(q);
		return -ENOMEM;
	}
	q->cb = cb;
	q->arg = arg;
	if ((size_t)server < 32)
		q->tried_mask = 1u << server;
	q->next = r->reqs;
	if (r->reqs)
		r->reqs->prev = q;
	r->reqs = q;
	if (out)
		*out = q;
	req_send(q);
	return 0;
}

int rtpe_request(struct rtpe *r, int server, struct str dict, rtpe_cb *cb,
		 void *arg, struct rtpe_req **out)
{
	struct rtpe_req *q;
	int rc;

	if (!r)
		return -EHOSTDOWN;
	rc = req_start(r, server, dict, 0, cb, arg, &q);
	if (rc < 0)
		return rc;
	/* Only a request for any server fails over. */
	q->any = server < 0;
	r->stats.requests++;
	if (out)
		*out = q;
	return 0;
}

static void server_mark(struct rtpe_server *s, int up)
{
	if (s->up != up)
		log_info("rtpengine %s is %s", s->name, up ? "up" : "down");
	s->up = up;
}

/* Ends a request: unlinked before the callback, which may start more. */
static void req_done(struct rtpe_req *q, int err, const struct bencode *reply)
{
	rtpe_cb *cb = q->cb;
	void *arg = q->arg;
	int server = q->server;

	req_free(q);
	if (cb)
		cb(err, server, reply, arg);
}

static void req_expired(struct rtpe *r, struct rtpe_req *q)
{
	int next;

	if (q->tries < r->cfg.tries) {
		r->stats.retransmits++;
		req_send(q);
		return;
	}
	server_mark(&r->srv[q->server], 0);
	if (!q->cb) {
		r->srv[q->server].ping_out = 0;
		req_free(q);
		return;
	}
	next = q->any ? pick_untried(r, q) : -1;
	if (next >= 0) {
		log_info("rtpe: %s did not answer; trying %s",
			 r->srv[q->server].name, r->srv[next].name);
		r->stats.failovers++;
		q->server = next;
		if ((size_t)next < 32)
			q->tried_mask |= 1u << next;
		q->tries = 0;
		req_send(q);
		return;
	}
	r->stats.timeouts++;
	req_done(q, -ETIMEDOUT, NULL);
}

static void ping_all(struct rtpe *r)
{
	static const char ping[] = "d7:command4:pinge";

	for (size_t i = 0; i < r->n; i++) {
		if (r->srv[i].ping_out)
			continue;
		if (req_start(r, (int)i, STR(ping), 1, NULL, &r->srv[i],
			      NULL) == 0)
			r->srv[i].ping_out = 1;
	}
}

static void on_tick(uv_timer_t *t)
{
	struct rtpe *r = t->data;
	uint64_t now = uv_now(r->loop);
	struct rtpe_req *q;

	/* A callback may cancel any request: look again after each. */
	do {
		for (q = r->reqs; q && q->deadline > now; q = q->next)
			;
		if (q)
			req_expired(r, q);
	} while (q);
	if (now >= r->next_ping) {
		r->next_ping = now + r->cfg.ping_ms;
		ping_all(r);
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct rtpe_server *s = h->data;

	(void)hint;
	if (s->r->rbuf_busy) {
		*b = uv_buf_init(NULL, 0);
		return;
	}
	s->r->rbuf_busy = 1;
	*b = uv_buf_init(s->r->rbuf, sizeof(s->r->rbuf));
}

/* An answer: "cookie dictionary"; its result says how it went. */
static void on_answer(struct rtpe_server *s, const char *p, size_t len)
{
	struct rtpe *r = s->r;
	struct bencode nodes[RTPE_MAX_NODES];
	const char *sp = memchr(p, ' ', len);
	struct rtpe_req *q;
	struct str result;
	size_t cl;
	int idx = (int)(s - r->srv);

	if (!sp)
		return;
	cl = (size_t)(sp - p);
	for (q = r->reqs; q; q = q->next)
		if (q->server == idx && cl == RTPE_COOKIE_LEN &&
		    memcmp(q->cookie, p, cl) == 0)
			break;
	if (!q) {
		r->stats.stray++;
		return;
	}
	if (bencode_decode(sp + 1, len - cl - 1, nodes, RTPE_MAX_NODES) < 0 ||
	    nodes[0].type != BENCODE_DICT) {
		log_warn("rtpe: %s sent a malformed answer", s->name);
		return;	/* the retransmission may fare better */
	}
	server_mark(s, 1);
	if (!q->cb) {
		s->ping_out = 0;
		req_free(q);
		return;
	}
	result = bencode_get_str(&nodes[0], "result");
	if (str_eq(result, STR("ok")) || str_eq(result, STR("pong"))) {
		req_done(q, 0, &nodes[0]);
		return;
	}
	r->stats.errors++;
	log_info("rtpe: %s: %.*s: %.*s", s->name, STR_FMT(result),
		 STR_FMT(bencode_get_str(&nodes[0], "error-reason")));
	req_done(q, -EPROTO, &nodes[0]);
}

static void on_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
		    const struct sockaddr *from, unsigned flags)
{
	struct rtpe_server *s = h->data;

	(void)flags;
	(void)from;
	if (n > 0)
		on_answer(s, b->base, (size_t)n);
	if (b->base == s->r->rbuf)
		s->r->rbuf_busy = 0;
}

static void on_closed(uv_handle_t *h)
{
	struct rtpe *r;

	if (h->type == UV_TIMER)
		r = h->data;
	else
		r = ((struct rtpe_server *)h->data)->r;
	if (--r->handles)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->srv[i].name);
	free(r->srv);
	free(r);
}

static int server_open(struct rtpe *r, struct rtpe_server *s)
{
	struct sockaddr_storage any;
	int rc;

	memset(&any, 0, sizeof(any));
	any.ss_family = s->addr.ss_family;
	rc = uv_udp_init(r->loop, &s->udp);
	if (rc < 0)
		return rc;
	s->udp.data = s;
	r->handles++;
	rc = uv_udp_bind(&s->udp, (const struct sockaddr *)&any, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&s->udp, on_alloc, on_recv);
	return rc;
}

int rtpe_new(uv_loop_t *loop, const struct rtpe_cfg *cfg, struct rtpe **out)
{
	struct rtpe *r;
	int rc = 0;

	*out = NULL;
	if (!cfg->n_servers)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = loop;
	r->cfg = *cfg;
	r->cfg.servers = NULL;
	if (!r->cfg.timeout_ms)
		r->cfg.timeout_ms = 500;
	if (!r->cfg.tries)
		r->cfg.tries = 3;
	if (!r->cfg.ping_ms)
		r->cfg.ping_ms = 5000;
	r->srv = calloc(cfg->n_servers, sizeof(*r->srv));
	if (!r->srv) {
		free(r);
		return -ENOMEM;
	}
	r->n = cfg->n_servers;
	uv_timer_init(loop, &r->tick);
	r->tick.data = r;
	r->handles = 1;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		struct rtpe_server *s = &r->srv[i];

		s->r = r;
		/* Up until it fails to answer: calls need not wait for the
		 * first health check. */
		s->up = 1;
		s->addr = cfg->servers[i].addr;
		s->name = strdup(cfg->servers[i].name);
		rc = s->name ? server_open(r, s) : -ENOMEM;
	}
	/* Servers start up: the first health check is one period away. */
	r->next_ping = uv_now(loop) + r->cfg.ping_ms;
	if (rc == 0)
		rc = uv_timer_start(&r->tick, on_tick, RTPE_TICK_MS,
				    RTPE_TICK_MS);
	if (rc < 0) {
		rtpe_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void rtpe_close(struct rtpe *r)
{
	if (!r)
		return;
	while (r->reqs)
		req_free(r->reqs);
	for (size_t i = 0; i < r->n; i++)
		if (r->srv[i].udp.data && !uv_is_closing((uv_handle_t *)&r->srv[i].udp))
			uv_close((uv_handle_t *)&r->srv[i].udp, on_closed);
	uv_close((uv_handle_t *)&r->tick, on_closed);
}
