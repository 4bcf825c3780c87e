/*
 * Tests of the timer heap (sbc/tmr.h): expiry order, FIFO among equal
 * expiries, cancel and restart anywhere in the heap, callbacks that
 * start timers, and a large random load.
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

Suite *check_suite(void)
{
	Suite *s = suite_create("tmr");
	TCase *tc = tcase_create("heap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_cancel_middle);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_callback_starts);
	tcase_add_test(tc, test_random_100k);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
