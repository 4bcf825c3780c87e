/*
 * A binary min-heap of timers, ordered by (expiry, start order), and
 * lanes: lists of timers of one fixed delay (see sbc/tmr.h).
 *
 * A lane is in expiry order by construction: its timers all run for
 * the same delay from the heap's time, which only grows, and are
 * appended as they start.  The next timer to fire is the earliest of
 * the heap's top and the lanes' heads, so lanes keep the order the heap
 * alone would give.
 */
#include <errno.h>
#include <stdlib.h>

#include "sbc/tmr.h"

void tmr_heap_init(struct tmr_heap *h)
{
	*h = (struct tmr_heap){ 0 };
}

void tmr_heap_free(struct tmr_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->idx = SIZE_MAX;
	for (unsigned i = 0; i < h->n_lanes; i++)
		for (struct tmr *t = h->lane[i].head; t; t = t->next)
			t->idx = SIZE_MAX;
	free(h->v);
	*h = (struct tmr_heap){ 0 };
}

void tmr_heap_lane(struct tmr_heap *h, uint64_t delay)
{
	if (delay == 0)
		return;
	for (unsigned i = 0; i < h->n_lanes; i++)
		if (h->lane[i].delay == delay)
			return;
	if (h->n_lanes == TMR_LANES)
		return;
	h->lane[h->n_lanes++] = (struct tmr_lane){ .delay = delay };
}

static inline int before(const struct tmr *a, const struct tmr *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static inline int in_lane(const struct tmr *t)
{
	return t->idx != SIZE_MAX && t->idx >= TMR_IN_LANE(TMR_LANES - 1);
}

static inline void place(struct tmr_heap *h, size_t i, struct tmr *t)
{
	h->v[i] = t;
	t->idx = i;
}

static void sift_up(struct tmr_heap *h, size_t i)
{
	struct tmr *t = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, h->v[parent]))
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct tmr_heap *h, size_t i)
{
	struct tmr *t = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], t))
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

static void heap_remove(struct tmr_heap *h, struct tmr *t)
{
	size_t i = t->idx;
	struct tmr *last = h->v[--h->n];

	t->idx = SIZE_MAX;
	if (last == t)
		return;
	place(h, i, last);
	if (i > 0 && before(last, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

static void lane_remove(struct tmr_heap *h, struct tmr *t)
{
	struct tmr_lane *l = &h->lane[SIZE_MAX - 1 - t->idx];

	if (t->prev)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->next = t->prev = NULL;
	t->idx = SIZE_MAX;
	l->n--;
}

void tmr_cancel(struct tmr_heap *h, struct tmr *t)
{
	if (in_lane(t))
		lane_remove(h, t);
	else if (tmr_active(t))
		heap_remove(h, t);
}

int tmr_start(struct tmr_heap *h, struct tmr *t, uint64_t delay, tmr_cb *cb,
	      void *arg)
{
	tmr_cancel(h, t);
	t->at = h->now + delay;
	t->seq = h->seq++;
	t->cb = cb;
	t->arg = arg;
	for (unsigned i = 0; i < h->n_lanes; i++) {
		struct tmr_lane *l = &h->lane[i];

		if (l->delay != delay)
			continue;
		t->idx = TMR_IN_LANE(i);
		t->next = NULL;
		t->prev = l->tail;
		if (l->tail)
			l->tail->next = t;
		else
			l->head = t;
		l->tail = t;
		l->n++;
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct tmr **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	place(h, h->n++, t);
	sift_up(h, t->idx);
	return 0;
}

/* The timer that fires next, or NULL. */
static struct tmr *earliest(const struct tmr_heap *h)
{
	struct tmr *best = h->n ? h->v[0] : NULL;

	for (unsigned i = 0; i < h->n_lanes; i++) {
		struct tmr *t = h->lane[i].head;

		if (t && (!best || before(t, best)))
			best = t;
	}
	return best;
}

size_t tmr_heap_run(struct tmr_heap *h, uint64_t now)
{
	size_t fired = 0;
	struct tmr *t;

	if (now > h->now)
		h->now = now;
	while ((t = earliest(h)) && t->at <= h->now) {
		tmr_cancel(h, t);
		fired++;
		t->cb(t, t->arg);
	}
	return fired;
}

uint64_t tmr_heap_next(const struct tmr_heap *h)
{
	const struct tmr *t = earliest(h);

	return t ? t->at : UINT64_MAX;
}
