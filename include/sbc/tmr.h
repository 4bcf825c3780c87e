/*
 * tmr: timers in a binary min-heap and in lanes (layer 0).
 *
 * The heap knows nothing of clocks or event loops: the owner tells it
 * the time.  sbcd drives one heap from one libuv timer armed for
 * tmr_heap_next(); tests drive it with a clock they advance by hand.
 * Start, cancel and expiry cost O(log n), so 100,000 live transactions
 * with several timers each stay cheap (contrib/bench/bench_tmr).
 *
 * Most timers of a SIP stack run for one of a few fixed delays (T1 and
 * its doublings, T4, 64*T1).  The owner names them with tmr_heap_lane:
 * a timer started for such a delay joins that delay's lane, a list in
 * which it can only be last to expire, so start and cancel cost O(1)
 * and the heap holds only the others.  Expiry order is the same either
 * way: by expiry, then start order.
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
	size_t idx;		/* position in the heap, TMR_IN_LANE(i) in
				   lane i; SIZE_MAX when idle */
	struct tmr *next, *prev;	/* in a lane */
	tmr_cb *cb;
	void *arg;
};

/* Lanes a heap can have. */
#define TMR_LANES 12
#define TMR_IN_LANE(i) (SIZE_MAX - 1 - (size_t)(i))

struct tmr_lane {
	uint64_t delay;
	struct tmr *head, *tail;	/* by expiry */
	size_t n;
};

struct tmr_heap {
	struct tmr **v;
	size_t n;
	size_t cap;
	uint64_t seq;
	uint64_t now;		/* the time of the last tmr_heap_run */
	struct tmr_lane lane[TMR_LANES];
	unsigned n_lanes;
};

void tmr_heap_init(struct tmr_heap *h);
/* Frees the heap's array; timers still in it are simply forgotten. */
void tmr_heap_free(struct tmr_heap *h);
/*
 * Timers started from now on for exactly delay go to a lane of their
 * own.  Naming a delay twice is harmless; past TMR_LANES delays, or for
 * a delay of 0, it does nothing (those timers stay in the heap).
 */
void tmr_heap_lane(struct tmr_heap *h, uint64_t delay);

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
	size_t n = h->n;

	for (unsigned i = 0; i < h->n_lanes; i++)
		n += h->lane[i].n;
	return n;
}

#endif
