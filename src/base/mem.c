/*
 * mem: see sbc/mem.h.
 *
 * glibc's heap for the main thread is the brk area, and sbrk(0) reads
 * its end without a system call.  Pages of it between where the last
 * call stopped and that end are free memory in malloc's top chunk:
 * MADV_POPULATE_WRITE maps them as if written, without changing what
 * they hold, so malloc finds them resident.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sbc/mem.h"

/* Kept resident after a dip: a few seconds of lingering transactions. */
#define MEM_TRIM (64u << 20)
/* Grown by at least this much, so that growth is rare. */
#define MEM_TOP_PAD (4u << 20)

static uintptr_t mem_done;	/* the heap is faulted in up to here */
static int mem_off;		/* the kernel cannot populate */

void mem_tune(void)
{
#ifdef M_TRIM_THRESHOLD
	mallopt(M_TRIM_THRESHOLD, MEM_TRIM);
	mallopt(M_TOP_PAD, MEM_TOP_PAD);
#endif
}

size_t mem_prefault(size_t max)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t top = (uintptr_t)sbrk(0), from, to;

	if (mem_off || top == (uintptr_t)-1)
		return 0;
	if (!mem_done || top <= mem_done) {
		/* The first call, or the heap was trimmed below the mark. */
		mem_done = top;
		return 0;
	}
	from = mem_done & ~(page - 1);
	to = (top + page - 1) & ~(page - 1);
	if (to - from > max)
		to = from + (max & ~(page - 1));
	if (to <= from)
		return 0;
#ifdef MADV_POPULATE_WRITE
	if (madvise((void *)from, to - from, MADV_POPULATE_WRITE) < 0) {
		/* EINVAL: a kernel without it.  Else the pages fault in
		 * one by one, and the next growth is tried again. */
		if (errno == EINVAL)
			mem_off = 1;
		mem_done = top;
		return 0;
	}
	mem_done = to < top ? to : top;
	return to - from;
#else
	mem_off = 1;
	return 0;
#endif
}
