/*
 * bench_tmr: nanoseconds per timer operation of the tmr heap with many
 * live timers, as 100,000 transactions with a few timers each would have.
 *
 *   bench_tmr [LIVE [ITERATIONS [ROUNDS]]]
 *
 * LIVE timers (default 100000) are started with random expiries up to
 * 1,000,000 ms.  Then, for ROUNDS rounds (default 15) of ITERATIONS
 * operations (default 100000):
 *
 *   start+cancel  one more timer started at a random delay and cancelled;
 *   expiry        the clock advances until ITERATIONS timers have fired,
 *                 each callback restarting its timer at a random delay so
 *                 that LIVE stay live (the cost of a retransmission timer).
 *
 * Each figure is the median of the rounds.  A benchmark, not a test: it
 * prints figures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "sbc/tmr.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: cheap enough not to dominate what is measured. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct tmr_heap heap;
static unsigned long fired;

static void restart_cb(struct tmr *t, void *arg)
{
	(void)arg;
	fired++;
	tmr_start(&heap, t, 1 + rnd() % 1000000, restart_cb, NULL);
}

int main(int argc, char **argv)
{
	unsigned long live = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	unsigned long iters = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 15;
	double *sc, *ex;
	struct tmr *t, extra;
	struct utsname u;

	if (!live || !iters || !rounds) {
		fprintf(stderr, "usage: bench_tmr [LIVE [ITERATIONS [ROUNDS]]]\n");
		return 2;
	}
	t = calloc(live, sizeof(*t));
	sc = calloc(rounds, sizeof(*sc));
	ex = calloc(rounds, sizeof(*ex));
	if (!t || !sc || !ex) {
		perror("bench_tmr");
		return 1;
	}
	tmr_heap_init(&heap);
	for (unsigned long i = 0; i < live; i++) {
		tmr_init(&t[i]);
		if (tmr_start(&heap, &t[i], 1 + rnd() % 1000000, restart_cb,
			      NULL)) {
			perror("tmr_start");
			return 1;
		}
	}
	tmr_init(&extra);

	for (unsigned r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();

		for (unsigned long i = 0; i < iters; i++) {
			tmr_start(&heap, &extra, 1 + rnd() % 1000000,
				  restart_cb, NULL);
			tmr_cancel(&heap, &extra);
		}
		sc[r] = (double)(now_ns() - t0) / (double)iters;

		/* Advance the clock from expiry to expiry until enough
		 * timers fired. */
		fired = 0;
		t0 = now_ns();
		while (fired < iters)
			tmr_heap_run(&heap, tmr_heap_next(&heap));
		ex[r] = (double)(now_ns() - t0) / (double)fired;
		if (tmr_heap_count(&heap) != live) {
			fprintf(stderr, "bench_tmr: %zu live, want %lu\n",
				tmr_heap_count(&heap), live);
			return 1;
		}
	}

	if (uname(&u) != 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	printf("sbc timer heap benchmark\n\n");
	printf("machine:  %s\n", u.machine);
#if defined(__clang__)
	printf("compiler: clang %s", __clang_version__);
#elif defined(__GNUC__)
	printf("compiler: gcc %s", __VERSION__);
#endif
#if !defined(__OPTIMIZE__)
	printf(", NOT optimized (figures are meaningless)");
#endif
#if defined(__SANITIZE_ADDRESS__)
	printf(", AddressSanitizer on (figures are meaningless)");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	printf(", AddressSanitizer on (figures are meaningless)");
#endif
#endif
	printf("\nmethod:   %lu live timers with random expiries up to "
	       "1000 s; median of %u rounds of %lu operations, one core\n\n",
	       live, rounds, iters);
	printf("| operation | ns/op |\n|---|---:|\n");
	printf("| start + cancel | %.1f |\n", median(sc, rounds));
	printf("| expiry (callback restarts the timer) | %.1f |\n",
	       median(ex, rounds));
	tmr_heap_free(&heap);
	free(t);
	free(sc);
	free(ex);
	return 0;
}
