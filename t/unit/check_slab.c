/*
 * Tests of the slab allocator (sbc/slab.h): objects are distinct and
 * aligned, holes are reused, and emptied chunks go back to the system.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_main.h"
#include "sbc/slab.h"

#define N 1000

START_TEST(test_distinct_aligned)
{
	struct slab s;
	unsigned char **v = calloc(N, sizeof(*v));

	slab_init(&s, 100);
	ck_assert_uint_eq(s.size, 112);
	for (int i = 0; i < N; i++) {
		v[i] = slab_alloc(&s);
		ck_assert_ptr_nonnull(v[i]);
		ck_assert_uint_eq((uintptr_t)v[i] % 16, 0);
		memset(v[i], i & 0xff, 100);
	}
	ck_assert_uint_eq(s.live, N);
	/* No object overlaps another: each kept its own pattern. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < 100; j++)
			ck_assert_uint_eq(v[i][j], (unsigned)(i & 0xff));
	for (int i = 0; i < N; i++)
		slab_free(&s, v[i]);
	ck_assert_uint_eq(s.live, 0);
	slab_free(&s, NULL);
	slab_trim(&s);
	ck_assert_uint_eq(s.chunks, 0);
	free(v);
}
END_TEST

/* Objects freed first-in first-out, as lingering transactions are:
 * emptied chunks are released, two kept spare, and a hole is reused
 * before a new chunk is mapped. */
START_TEST(test_chunks_return)
{
#ifdef SLAB_BY_MALLOC
	/* Under ASan every object is a malloc: no chunks to count. */
	return;
#else
	struct slab s;
	void **v = calloc(N, sizeof(*v));
	size_t full;
	void *p;

	slab_init(&s, 1000);
	for (int i = 0; i < N; i++)
		v[i] = slab_alloc(&s);
	full = s.chunks;
	ck_assert_uint_eq(full, (N + s.per_chunk - 1) / s.per_chunk);
	/* A hole in a full chunk is filled before anything else. */
	slab_free(&s, v[5]);
	p = slab_alloc(&s);
	ck_assert_ptr_eq(p, v[5]);
	ck_assert_uint_eq(s.chunks, full);
	for (int i = 0; i < N / 2; i++)
		slab_free(&s, v[i]);
	/* The chunks emptied so far: two stay mapped, the rest are gone. */
	ck_assert_uint_le(s.chunks,
			  full - (N / 2) / s.per_chunk + 2);
	ck_assert_uint_lt(s.chunks, full);
	for (int i = N / 2; i < N; i++)
		slab_free(&s, v[i]);
	ck_assert_uint_eq(s.chunks, 2);
	ck_assert_uint_eq(s.n_spare, 2);
	/* A spare is taken before a new chunk is mapped. */
	p = slab_alloc(&s);
	ck_assert_uint_eq(s.chunks, 2);
	slab_free(&s, p);
	slab_trim(&s);
	ck_assert_uint_eq(s.chunks, 0);
	free(v);
#endif
}
END_TEST

/* A chunk's pages are faulted in when it is mapped, all at once, not one
 * trap at a time as its objects are first written. */
START_TEST(test_chunks_resident)
{
#ifdef SLAB_BY_MALLOC
	return;
#else
	uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
	unsigned char vec[SLAB_CHUNK / 512];
	struct slab s;
	void **v = calloc(N, sizeof(*v));

	ck_assert_uint_le(SLAB_CHUNK / ps, sizeof(vec));
	slab_init(&s, 1000);
	/* Several chunks: the first, and those mapped next to it. */
	for (int i = 0; i < N; i++)
		v[i] = slab_alloc(&s);
	ck_assert_uint_gt(s.chunks, 2);
	for (int i = 0; i < N; i += s.per_chunk) {
		uintptr_t c = (uintptr_t)v[i] & ~(uintptr_t)(SLAB_CHUNK - 1);
		unsigned in = 0;

		ck_assert_int_eq(mincore((void *)c, SLAB_CHUNK, vec), 0);
		for (unsigned j = 0; j < SLAB_CHUNK / ps; j++)
			in += vec[j] & 1;
		ck_assert_uint_eq(in, SLAB_CHUNK / ps);
	}
	for (int i = 0; i < N; i++)
		slab_free(&s, v[i]);
	slab_trim(&s);
	free(v);
#endif
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("slab");
	TCase *tc = tcase_create("slab");

	tcase_add_test(tc, test_distinct_aligned);
	tcase_add_test(tc, test_chunks_return);
	tcase_add_test(tc, test_chunks_resident);
	suite_add_tcase(s, tc);
	return s;
}
