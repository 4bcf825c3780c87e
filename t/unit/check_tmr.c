/*
 * Tests of the timer heap (sbc/tmr.h): expiry order, FIFO among equal
 * expiries, cancel and restart anywhere in the heap, callbacks that
 * start timers, and a large random load.  The same tests run again with
 * lanes for the delays they use, and lanes mixed with the heap are
 * checked against the order the heap alone gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/tmr.h"

/* Every firing, in order: which timer and at what heap time. */
static struct {
	int id[256];
	uint64_t at[256];
	int n;
} fired;

static struct tmr_heap heap;

static void rec_cb(struct tmr *t, void *arg)
{
	ck_assert_int_lt(fired.n, 256);
	ck_assert(!tmr_active(t));
	fired.id[fired.n] = (int)(intptr_t)arg;
	fired.at[fired.n] = heap.now;
	fired.n++;
}

static void setup(void)
{
	memset(&fired, 0, sizeof(fired));
	tmr_heap_init(&heap);
}

/* The delays the tests above use, each in a lane. */
static void setup_lanes(void)
{
	static const uint64_t d[] = { 5, 10, 15, 20, 25, 30, 40, 50, 100 };

	setup();
	for (size_t i = 0; i < sizeof(d) / sizeof(*d); i++)
		tmr_heap_lane(&heap, d[i]);
	tmr_heap_lane(&heap, 10);	/* twice: no second lane */
	tmr_heap_lane(&heap, 0);	/* never a lane */
	ck_assert_uint_eq(heap.n_lanes, 9);
}

static void teardown(void)
{
	tmr_heap_free(&heap);
}

START_TEST(test_order)
{
	static const uint64_t delay[] = { 50, 10, 40, 20, 30 };
	struct tmr t[5];

	for (int i = 0; i < 5; i++) {
		tmr_init(&t[i]);
		ck_assert(!tmr_active(&t[i]));
		ck_assert_int_eq(tmr_start(&heap, &t[i], delay[i], rec_cb,
					   (void *)(intptr_t)i),
				 0);
		ck_assert(tmr_active(&t[i]));
	}
	ck_assert_uint_eq(tmr_heap_count(&heap), 5);
	ck_assert_uint_eq(tmr_heap_next(&heap), 10);
	ck_assert_uint_eq(tmr_heap_run(&heap, 9), 0);
	ck_assert_uint_eq(tmr_heap_run(&heap, 30), 3);
	ck_assert_int_eq(fired.n, 3);
	ck_assert_int_eq(fired.id[0], 1);
	ck_assert_int_eq(fired.id[1], 3);
	ck_assert_int_eq(fired.id[2], 4);
	ck_assert_uint_eq(tmr_heap_next(&heap), 40);
	ck_assert_uint_eq(tmr_heap_run(&heap, 1000), 2);
	ck_assert_int_eq(fired.id[3], 2);
	ck_assert_int_eq(fired.id[4], 0);
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
	ck_assert_uint_eq(tmr_heap_next(&heap), UINT64_MAX);
	/* Time does not run backwards: delays count from the latest. */
	tmr_heap_run(&heap, 500);
	ck_assert_uint_eq(heap.now, 1000);
	tmr_start(&heap, &t[0], 5, rec_cb, NULL);
	ck_assert_uint_eq(tmr_heap_next(&heap), 1005);
}
END_TEST

START_TEST(test_fifo)
{
	struct tmr t[20];

	/* Equal expiries fire in start order, whatever the heap shape. */
	for (int i = 0; i < 20; i++) {
		tmr_init(&t[i]);
		tmr_start(&heap, &t[i], 100, rec_cb,
			  (void *)(intptr_t)i);
	}
	tmr_start(&heap, &t[0], 100, rec_cb, (void *)(intptr_t)0);
	ck_assert_uint_eq(tmr_heap_run(&heap, 100), 20);
	for (int i = 1; i < 20; i++)
		ck_assert_int_eq(fired.id[i - 1], i);
	/* t[0] was restarted last, so it is last. */
	ck_assert_int_eq(fired.id[19], 0);
}
END_TEST

START_TEST(test_cancel_middle)
{
	struct tmr t[31];

	for (int i = 0; i < 31; i++) {
		tmr_init(&t[i]);
		tmr_start(&heap, &t[i], (uint64_t)(31 - i) * 10, rec_cb,
			  (void *)(intptr_t)i);
	}
	/* Cancel from the middle, a leaf, and the root. */
	tmr_cancel(&heap, &t[15]);
	tmr_cancel(&heap, &t[0]);
	tmr_cancel(&heap, &t[30]);
	ck_assert(!tmr_active(&t[15]));
	ck_assert_uint_eq(tmr_heap_count(&heap), 28);
	/* Cancelling an idle timer is harmless. */
	tmr_cancel(&heap, &t[15]);
	ck_assert_uint_eq(tmr_heap_count(&heap), 28);
	ck_assert_uint_eq(tmr_heap_run(&heap, 10000), 28);
	for (int k = 0; k < fired.n; k++) {
		ck_assert_int_ne(fired.id[k], 15);
		ck_assert_int_ne(fired.id[k], 0);
		ck_assert_int_ne(fired.id[k], 30);
		if (k)
			ck_assert_uint_ge(fired.at[k], fired.at[k - 1]);
	}
	ck_assert_int_eq(fired.id[0], 29);
	ck_assert_int_eq(fired.id[27], 1);
}
END_TEST

START_TEST(test_restart)
{
	struct tmr a, b;

	tmr_init(&a);
	tmr_init(&b);
	tmr_start(&heap, &a, 10, rec_cb, (void *)(intptr_t)1);
	tmr_start(&heap, &b, 20, rec_cb, (void *)(intptr_t)2);
	/* Restarting a running timer moves it; it fires once. */
	tmr_start(&heap, &a, 30, rec_cb, (void *)(intptr_t)1);
	ck_assert_uint_eq(tmr_heap_count(&heap), 2);
	tmr_heap_run(&heap, 25);
	ck_assert_int_eq(fired.n, 1);
	ck_assert_int_eq(fired.id[0], 2);
	tmr_heap_run(&heap, 30);
	ck_assert_int_eq(fired.n, 2);
	ck_assert_int_eq(fired.id[1], 1);
	ck_assert_uint_eq(fired.at[1], 30);
	/* ... and earlier too. */
	tmr_start(&heap, &a, 100, rec_cb, (void *)(intptr_t)1);
	tmr_start(&heap, &a, 1, rec_cb, (void *)(intptr_t)1);
	tmr_heap_run(&heap, 31);
	ck_assert_int_eq(fired.n, 3);
	ck_assert_uint_eq(tmr_heap_run(&heap, 1000), 0);
}
END_TEST

/* A chain: each firing starts the next, some already due. */
static struct tmr chain[4];
static uint64_t chain_delay[4] = { 0, 5, 0, 100 };

static void chain_cb(struct tmr *t, void *arg)
{
	int i = (int)(intptr_t)arg;

	rec_cb(t, arg);
	if (i + 1 < 4)
		tmr_start(&heap, &chain[i + 1], chain_delay[i + 1], chain_cb,
			  (void *)(intptr_t)(i + 1));
	/* A callback may restart its own timer, here for a time already
	 * due: it fires again in the same run. */
	if (i == 3 && fired.n < 6)
		tmr_start(&heap, t, 0, chain_cb, arg);
}

START_TEST(test_callback_starts)
{
	for (int i = 0; i < 4; i++)
		tmr_init(&chain[i]);
	tmr_start(&heap, &chain[0], 10, chain_cb, (void *)(intptr_t)0);
	/* At 10: 0 fires and starts 1 (due 15, not yet). */
	ck_assert_uint_eq(tmr_heap_run(&heap, 10), 1);
	/* At 20: 1 fires, starts 2 for now, which fires in the same run
	 * and starts 3 for 120. */
	ck_assert_uint_eq(tmr_heap_run(&heap, 20), 2);
	ck_assert_int_eq(fired.id[2], 2);
	ck_assert_uint_eq(fired.at[2], 20);
	ck_assert_uint_eq(tmr_heap_next(&heap), 120);
	/* At 200: 3 fires and restarts itself twice more. */
	ck_assert_uint_eq(tmr_heap_run(&heap, 200), 3);
	ck_assert_int_eq(fired.n, 6);
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
}
END_TEST

static uint64_t last_at;
static size_t n_rand;

static void rand_cb(struct tmr *t, void *arg)
{
	(void)arg;
	ck_assert_uint_ge(t->at, last_at);
	ck_assert_uint_le(t->at, heap.now);
	last_at = t->at;
	n_rand++;
}

START_TEST(test_random_100k)
{
	enum { N = 100000 };
	struct tmr *t = calloc(N, sizeof(*t));
	unsigned seed = 12345;
	size_t cancelled = 0;

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < N; i++) {
		tmr_init(&t[i]);
		ck_assert_int_eq(tmr_start(&heap, &t[i],
					   (uint64_t)rand_r(&seed) % 1000000,
					   rand_cb, NULL),
				 0);
	}
	/* Cancel a random tenth of them. */
	for (size_t i = 0; i < N / 10; i++) {
		struct tmr *x = &t[(size_t)rand_r(&seed) % N];

		if (tmr_active(x)) {
			tmr_cancel(&heap, x);
			cancelled++;
		}
	}
	last_at = 0;
	n_rand = 0;
	/* Run in steps so that expiries cross several runs. */
	for (uint64_t now = 0; now <= 1000000; now += 7919)
		tmr_heap_run(&heap, now);
	tmr_heap_run(&heap, 2000000);
	ck_assert_uint_eq(n_rand, N - cancelled);
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
	free(t);
}
END_TEST

/* Timers fired in a mixed run, in order, with what they were due. */
static struct {
	uint64_t at[4096], seq[4096];
	int n;
} mixed;

static void mixed_cb(struct tmr *t, void *arg)
{
	(void)arg;
	ck_assert_int_lt(mixed.n, 4096);
	ck_assert_uint_le(t->at, heap.now);
	mixed.at[mixed.n] = t->at;
	mixed.seq[mixed.n] = t->seq;
	mixed.n++;
}

/*
 * Lanes for T1-like delays and the heap for the rest, started as time
 * goes on, some cancelled and restarted: every timer left fires once,
 * in (expiry, start) order, as the heap alone would fire them.
 */
START_TEST(test_lanes_mixed)
{
	static const uint64_t lane_d[] = { 500, 1000, 2000, 4000, 32000 };
	enum { N = 3000 };
	struct tmr *t = calloc(N, sizeof(*t));
	unsigned seed = 4242;
	size_t live = 0;

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < 5; i++)
		tmr_heap_lane(&heap, lane_d[i]);
	memset(&mixed, 0, sizeof(mixed));
	for (size_t i = 0; i < N; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		uint64_t d = r % 3 ? lane_d[r % 5] : r % 40000;

		tmr_init(&t[i]);
		ck_assert_int_eq(tmr_start(&heap, &t[i], d, mixed_cb, NULL),
				 0);
		ck_assert(tmr_active(&t[i]));
		/* Now and then one started earlier stops or restarts. */
		if (r % 7 == 0) {
			struct tmr *x = &t[(size_t)rand_r(&seed) % (i + 1)];

			if (r % 2)
				tmr_cancel(&heap, x);
			else
				tmr_start(&heap, x, lane_d[r % 5], mixed_cb,
					  NULL);
		}
		if (i % 10 == 0)
			tmr_heap_run(&heap, heap.now + 3);
	}
	for (size_t i = 0; i < N; i++)
		live += tmr_active(&t[i]);
	ck_assert_uint_eq(tmr_heap_count(&heap), live);
	{
		int before_run = mixed.n;

		tmr_heap_run(&heap, heap.now + 100000);
		ck_assert_uint_eq((size_t)(mixed.n - before_run), live);
	}
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
	ck_assert_uint_eq(tmr_heap_next(&heap), UINT64_MAX);
	for (int i = 1; i < mixed.n; i++)
		ck_assert(mixed.at[i - 1] < mixed.at[i] ||
			  (mixed.at[i - 1] == mixed.at[i] &&
			   mixed.seq[i - 1] < mixed.seq[i]));
	free(t);
}
END_TEST

/* A lane's timer and a heap timer due at the same time fire in the
 * order they were started, and freeing the heap forgets lane timers. */
START_TEST(test_lane_ties)
{
	struct tmr a, b, c, e;

	tmr_heap_lane(&heap, 100);
	tmr_init(&a);
	tmr_init(&b);
	tmr_init(&c);
	tmr_init(&e);
	tmr_start(&heap, &e, 160, rec_cb, (void *)4);	/* heap, at 160 */
	tmr_heap_run(&heap, 60);
	tmr_start(&heap, &b, 100, rec_cb, (void *)2);	/* lane, at 160 */
	tmr_heap_run(&heap, 100);
	tmr_start(&heap, &a, 60, rec_cb, (void *)1);	/* heap, at 160 */
	tmr_start(&heap, &c, 100, rec_cb, (void *)3);	/* lane, at 200 */
	ck_assert_uint_eq(b.idx, TMR_IN_LANE(0));
	ck_assert_uint_eq(c.idx, TMR_IN_LANE(0));
	ck_assert_uint_lt(a.idx, heap.n);
	ck_assert_uint_eq(tmr_heap_count(&heap), 4);
	ck_assert_uint_eq(tmr_heap_next(&heap), 160);
	ck_assert_uint_eq(tmr_heap_run(&heap, 160), 3);
	ck_assert_int_eq(fired.id[0], 4);
	ck_assert_int_eq(fired.id[1], 2);
	ck_assert_int_eq(fired.id[2], 1);
	ck_assert_uint_eq(tmr_heap_next(&heap), 200);
	ck_assert_uint_eq(tmr_heap_run(&heap, 200), 1);
	ck_assert_int_eq(fired.id[3], 3);
	tmr_start(&heap, &b, 100, rec_cb, (void *)2);
	tmr_heap_free(&heap);
	ck_assert(!tmr_active(&b));
	tmr_heap_init(&heap);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("tmr");
	TCase *tc = tcase_create("heap");
	TCase *tl = tcase_create("lanes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_cancel_middle);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_callback_starts);
	tcase_add_test(tc, test_random_100k);
	tcase_add_test(tc, test_lanes_mixed);
	tcase_add_test(tc, test_lane_ties);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	/* The same again, with lanes for the delays the tests use. */
	tcase_add_checked_fixture(tl, setup_lanes, teardown);
	tcase_add_test(tl, test_order);
	tcase_add_test(tl, test_fifo);
	tcase_add_test(tl, test_cancel_middle);
	tcase_add_test(tl, test_restart);
	tcase_add_test(tl, test_callback_starts);
	tcase_set_timeout(tl, 60);
	suite_add_tcase(s, tl);
	return s;
}
