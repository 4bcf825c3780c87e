/*
 * ratelimit: token buckets, and banned sources in a hash table with a
 * least-recently-seen list (layer 5).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/hash.h"
#include "sbc/ratelimit.h"

int ratelimit_bucket_peek(struct ratelimit_bucket *b, uint64_t now_ms,
			  unsigned rate, unsigned burst)
{
	uint64_t cap = (uint64_t)(burst ? burst : rate) * 1000;

	if (!b->init) {
		b->init = 1;
		b->milli = cap;
		b->last_ms = now_ms;
	} else if (now_ms > b->last_ms) {
		/* rate tokens per second are rate thousandths per ms. */
		uint64_t add = (now_ms - b->last_ms) * rate;

		b->milli = add >= cap - b->milli ? cap : b->milli + add;
		b->last_ms = now_ms;
	}
	if (b->milli > cap)
		b->milli = cap;
	return b->milli >= 1000;
}

int ratelimit_bucket_take(struct ratelimit_bucket *b, uint64_t now_ms,
			  unsigned rate, unsigned burst)
{
	if (rate == 0)
		return 1;
	if (!ratelimit_bucket_peek(b, now_ms, rate, burst))
		return 0;
	b->milli -= 1000;
	return 1;
}

struct rl_source {
	struct hash_node node;
	struct rl_source *prev, *next;	/* most recently seen first */
	unsigned char addr[16];
	int family;
	struct ratelimit_bucket bucket;
	uint64_t seen_ms;
	uint64_t ban_until;		/* 0: not banned */
};

struct ratelimit {
	struct ratelimit_cfg cfg;
	struct hash table;
	struct rl_source *head, *tail;
	uint64_t idle_ms;		/* an unbanned entry is forgotten */
	unsigned long bans, evicted;
};

int ratelimit_new(const struct ratelimit_cfg *cfg, struct ratelimit **out)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	unsigned burst;

	*out = NULL;
	if (!rl)
		return -ENOMEM;
	rl->cfg = *cfg;
	if (!rl->cfg.max_sources)
		rl->cfg.max_sources = RATELIMIT_DEFAULT_SOURCES;
	burst = cfg->burst ? cfg->burst : cfg->rate;
	/* After burst/rate seconds of silence the bucket is full again, so
	 * the entry says nothing a new one would not. */
	rl->idle_ms = cfg->rate ? (uint64_t)burst * 1000 / cfg->rate + 1 : 0;
	if (hash_init(&rl->table, 256) < 0) {
		free(rl);
		return -ENOMEM;
	}
	*out = rl;
	return 0;
}

static void rl_unlink(struct ratelimit *rl, struct rl_source *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		rl->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		rl->tail = e->prev;
	e->prev = e->next = NULL;
}

static void rl_push_front(struct ratelimit *rl, struct rl_source *e)
{
	e->next = rl->head;
	if (rl->head)
		rl->head->prev = e;
	rl->head = e;
	if (!rl->tail)
		rl->tail = e;
}

static void rl_drop(struct ratelimit *rl, struct rl_source *e)
{
	rl_unlink(rl, e);
	hash_remove(&rl->table, &e->node);
	free(e);
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	while (rl->head)
		rl_drop(rl, rl->head);
	hash_free(&rl->table);
	free(rl);
}

/* The address bytes of sa (IPv4-mapped IPv6 as IPv4) and their hash. */
static size_t rl_key(const struct sockaddr *sa, unsigned char addr[16],
		     int *family)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0,
						  0, 0, 0, 0, 0xff, 0xff };

	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET6) {
		const unsigned char *a =
			((const struct sockaddr_in6 *)(const void *)sa)
				->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof(mapped)) != 0) {
			memcpy(addr, a, 16);
			*family = AF_INET6;
			return 16;
		}
		memcpy(addr, a + 12, 4);
	} else {
		memcpy(addr,
		       &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		       4);
	}
	*family = AF_INET;
	return 4;
}

static int rl_idle(const struct ratelimit *rl, const struct rl_source *e,
		   uint64_t now_ms)
{
	return now_ms >= e->ban_until && now_ms - e->seen_ms >= rl->idle_ms;
}

enum ratelimit_verdict ratelimit_source_check(struct ratelimit *rl,
					      const struct sockaddr *sa,
					      uint64_t now_ms)
{
	unsigned char addr[16];
	int family;
	size_t len = rl_key(sa, addr, &family);
	uint64_t h = hash_mix(hash_bytes(&family, sizeof(family)), addr, len);
	struct rl_source *e = NULL;

	if (!rl->cfg.rate)
		return RATELIMIT_PASS;
	/* A lazy sweep: the two least recently seen entries go when they
	 * carry nothing, which keeps pace with the entries made. */
	for (int i = 0; i < 2 && rl->tail && rl_idle(rl, rl->tail, now_ms); i++)
		rl_drop(rl, rl->tail);
	for (struct hash_node *n = hash_first(&rl->table, h); n;
	     n = hash_next(n)) {
		struct rl_source *s = hash_entry(n, struct rl_source, node);

		if (s->family == family && memcmp(s->addr, addr, 16) == 0) {
			e = s;
			break;
		}
	}
	if (!e) {
		if (rl->table.n >= rl->cfg.max_sources && rl->tail) {
			rl_drop(rl, rl->tail);
			rl->evicted++;
		}
		e = calloc(1, sizeof(*e));
		if (!e)
			return RATELIMIT_PASS;
		memcpy(e->addr, addr, 16);
		e->family = family;
		hash_insert(&rl->table, &e->node, h);
	} else {
		rl_unlink(rl, e);
	}
	rl_push_front(rl, e);
	e->seen_ms = now_ms;
	if (e->ban_until && now_ms < e->ban_until)
		return RATELIMIT_BANNED;
	e->ban_until = 0;
	if (ratelimit_bucket_take(&e->bucket, now_ms, rl->cfg.rate,
				  rl->cfg.burst))
		return RATELIMIT_PASS;
	/* Over the rate: banned, and the bucket starts full after it. */
	e->ban_until = now_ms + (rl->cfg.ban_ms ? rl->cfg.ban_ms : 1);
	e->bucket.init = 0;
	rl->bans++;
	return RATELIMIT_BAN;
}

void ratelimit_stats_get(struct ratelimit *rl, uint64_t now_ms,
			 struct ratelimit_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!rl)
		return;
	s->sources = rl->table.n;
	s->bans = rl->bans;
	s->evicted = rl->evicted;
	for (const struct rl_source *e = rl->head; e; e = e->next)
		s->banned += e->ban_until && now_ms < e->ban_until;
}
