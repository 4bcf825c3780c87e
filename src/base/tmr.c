/*
 * A binary min-heap of timers, ordered by (expiry, start order).
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
	free(h->v);
	*h = (struct tmr_heap){ 0 };
}

static inline int before(const struct tmr *a, const struct tmr *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
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

int tmr_start(struct tmr_heap *h, struct tmr *t, uint64_t delay, tmr_cb *cb,
	      void *arg)
{
	if (tmr_active(t))
		heap_remove(h, t);
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct tmr **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	t->at = h->now + delay;
	t->seq = h->seq++;
	t->cb = cb;
	t->arg = arg;
	place(h, h->n++, t);
	sift_up(h, t->idx);
	return 0;
}

void tmr_cancel(struct tmr_heap *h, struct tmr *t)
{
	if (tmr_active(t))
		heap_remove(h, t);
}

size_t tmr_heap_run(struct tmr_heap *h, uint64_t now)
{
	size_t fired = 0;

	if (now > h->now)
		h->now = now;
	while (h->n && h->v[0]->at <= h->now) {
		struct tmr *t = h->v[0];

		heap_remove(h, t);
		fired++;
		t->cb(t, t->arg);
	}
	return fired;
}

uint64_t tmr_heap_next(const struct tmr_heap *h)
{
	return h->n ? h->v[0]->at : UINT64_MAX;
}
