/*
 * Tests of sbc/mem.h: heap growth is faulted in by mem_prefault, in
 * steps no larger than asked, without changing what the pages hold; a
 * heap that shrank is followed down.  The break is moved with sbrk
 * directly, as malloc would, so the tests also hold under ASan, whose
 * allocator leaves the break alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_main.h"
#include "sbc/mem.h"

#define GROW (4u << 20)

static uintptr_t page_size(void)
{
	return (uintptr_t)sysconf(_SC_PAGESIZE);
}

/* Whether this kernel populates (Linux 5.14 and later). */
static int can_populate(void)
{
#ifdef MADV_POPULATE_WRITE
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok;

	ck_assert_ptr_ne(p, MAP_FAILED);
	ok = madvise(p, page_size(), MADV_POPULATE_WRITE) == 0;
	munmap(p, page_size());
	return ok;
#else
	return 0;
#endif
}

/* Pages of [from, to) that are resident. */
static size_t resident(uintptr_t from, uintptr_t to)
{
	uintptr_t ps = page_size();
	size_t n, count = 0;
	unsigned char *v;

	from &= ~(ps - 1);
	n = (to - from + ps - 1) / ps;
	v = calloc(n, 1);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(mincore((void *)from, to - from, v), 0);
	for (size_t i = 0; i < n; i++)
		count += v[i] & 1;
	free(v);
	return count;
}

START_TEST(test_prefault_growth)
{
	uintptr_t ps = page_size(), top0, top1, from;
	size_t pages, n;
	char *p;

	ck_assert_uint_eq(mem_prefault(SIZE_MAX), 0);	/* marks */
	top0 = (uintptr_t)sbrk(0);
	p = sbrk(GROW);
	ck_assert_ptr_ne(p, (void *)-1);
	top1 = (uintptr_t)sbrk(0);
	from = (top0 + ps - 1) & ~(ps - 1);
	pages = (top1 - from) / ps;
	/* A page written before, as malloc writes a chunk's header. */
	memcpy((char *)from, "kept", 5);

	n = mem_prefault(SIZE_MAX);
	if (!can_populate()) {
		ck_assert_uint_eq(n, 0);
		return;
	}
	ck_assert_uint_ge(n, GROW);
	ck_assert_uint_eq(resident(from, top1), pages);
	ck_assert_str_eq((char *)from, "kept");
	/* Nothing grew since: nothing to do. */
	ck_assert_uint_eq(mem_prefault(SIZE_MAX), 0);
}
END_TEST

START_TEST(test_prefault_steps)
{
	uintptr_t ps = page_size(), top0, top1;
	size_t step = 64 * ps, n, total = 0;
	int calls = 0;

	if (!can_populate())
		return;
	mem_prefault(SIZE_MAX);
	top0 = (uintptr_t)sbrk(0);
	ck_assert_ptr_ne(sbrk(GROW), (void *)-1);
	top1 = (uintptr_t)sbrk(0);
	while ((n = mem_prefault(step)) > 0) {
		ck_assert_uint_le(n, step);
		total += n;
		calls++;
		ck_assert_int_lt(calls, 10000);
	}
	/* Every page between the old and the new break, once. */
	ck_assert_uint_ge(total, top1 - top0);
	ck_assert_uint_le(total, top1 - top0 + ps);
	ck_assert_int_ge(calls, (int)(GROW / step));
}
END_TEST

/* After the heap shrank, the mark follows it down, and growth from
 * there is faulted in again. */
START_TEST(test_prefault_after_trim)
{
	uintptr_t top0, top1;

	if (!can_populate())
		return;
	mem_prefault(SIZE_MAX);
	ck_assert_ptr_ne(sbrk(GROW), (void *)-1);
	ck_assert_uint_gt(mem_prefault(SIZE_MAX), 0);
	ck_assert_ptr_ne(sbrk(-(intptr_t)GROW), (void *)-1);
	ck_assert_uint_eq(mem_prefault(SIZE_MAX), 0);
	top0 = (uintptr_t)sbrk(0);
	ck_assert_ptr_ne(sbrk(GROW), (void *)-1);
	top1 = (uintptr_t)sbrk(0);
	ck_assert_uint_ge(mem_prefault(SIZE_MAX), top1 - top0 - page_size());
	ck_assert_uint_eq(resident(top0 + page_size(), top1),
			  (top1 - top0) / page_size() - 1);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("mem");

	mem_tune();
	tcase_add_test(tc, test_prefault_growth);
	tcase_add_test(tc, test_prefault_steps);
	tcase_add_test(tc, test_prefault_after_trim);
	suite_add_tcase(s, tc);
	return s;
}
