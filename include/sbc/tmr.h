/*
 * tmr: timers in a binary min-heap (layer 0).
 *
 * The heap knows nothing of clocks or event loops: the owner tells it
 * the time.  sbcd drives one heap from one libuv timer armed for
 * tmr_heap_next(); tests drive it with a clock they advance by hand.
 * Start, cancel and expiry cost O(log n), so 100,000 live transactions
 * with several timers each stay cheap (contrib/bench/bench_tmr).
 *
 * A struct tmr is embedded in its owner and must be cancelled (or have
 * fired) before the owner is freed.
 */
#ifndef SBC_TMR_H
#define SBC_TMR_H

#include <stddef.h>
#include <stdint.h>

struct tmr;

typedef void(tmr_cb)(struct tmr *t, void *arg);

struct tmr {
	uint64_t at;		/* expiry, in the heap's time unit (ms) */
	uint64_t seq;		/* start order: equal expiries fire FIFO */
	size_t idx;		/* position in the heap; SIZE_MAX when idle */
	tmr_cb *cb;
	void *arg;
};

struct tmr_heap {
	struct tmr **v;
	size_t n;
	size_t cap;
	uint64_t seq;
	uint64_t now;		/* the time of the last tmr_heap_run */
};

void tmr_heap_init(struct tmr_heap *h);
/* Frees the heap's array; timers still in it are simply forgotten. */
void tmr_heap_free(struct tmr_heap *h);

static inline void tmr_init(struct tmr *t)
{
	t->idx = SIZE_MAX;
	t->cb = NULL;
	t->arg = NULL;
}

static inline int tmr_active(const struct tmr *t)
{
	return t->idx != SIZE_MAX;
}

/*
 * (Re)starts t to fire at h->now + delay.  Returns 0 or -ENOMEM (the
 * timer is then idle).
 */
int tmr_start(struct tmr_heap *h, struct tmr *t, uint64_t delay, tmr_cb *cb,
	      void *arg);
/* Stops t if it runs; harmless otherwise. */
void tmr_cancel(struct tmr_heap *h, struct tmr *t);

/*
 * Sets the time to now and fires, in expiry order, every timer due by
 * then, including timers that callbacks start for a time already due.
 * Returns the number fired.
 */
size_t tmr_heap_run(struct tmr_heap *h, uint64_t now);

/* The expiry of the earliest timer, or UINT64_MAX when none runs. */
uint64_t tmr_heap_next(const struct tmr_heap *h);

static inline size_t tmr_heap_count(const struct tmr_heap *h)
{
	return h->n;
}

#endif
