/*
 * slab: see sbc/slab.h.
 *
 * A chunk is SLAB_CHUNK bytes aligned to SLAB_CHUNK, so the chunk of an
 * object is its address with the low bits cleared.  Its head keeps the
 * count of live objects, a list of freed ones and how far it was ever
 * handed out (bump), so a new chunk is never written before use and
 * costs only the pages its objects touch.  Chunks with room are on the
 * partial list, the chunk most recently freed into first, which fills
 * the holes of older chunks before a new one is mapped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "sbc/slab.h"

#define SLAB_SPARE 2

struct slab_free {
	struct slab_free *next;
};

struct slab_chunk {
	struct slab_chunk *next, *prev;	/* partial or spare list */
	struct slab_free *free;
	unsigned used;			/* live objects */
	unsigned bump;			/* objects ever handed out */
	int on_partial;
};

/* Objects start after the head, 16-byte aligned. */
#define SLAB_HEAD ((sizeof(struct slab_chunk) + 15) & ~(size_t)15)

void slab_init(struct slab *s, size_t size)
{
	if (size < sizeof(struct slab_free))
		size = sizeof(struct slab_free);
	s->size = (size + 15) & ~(size_t)15;
	s->per_chunk = (unsigned)((SLAB_CHUNK - SLAB_HEAD) / s->size);
	s->partial = s->spare = NULL;
	s->n_spare = 0;
	s->chunks = 0;
	s->live = 0;
}

static void list_del(struct slab_chunk **head, struct slab_chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

#ifndef SLAB_BY_MALLOC
static struct slab_chunk *chunk_of(const void *p)
{
	return (struct slab_chunk *)((uintptr_t)p & ~(uintptr_t)(SLAB_CHUNK - 1));
}

static void list_add(struct slab_chunk **head, struct slab_chunk *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

/* Where the next chunk is asked for: just below the last one mapped. */
static char *chunk_hint;

/*
 * A SLAB_CHUNK-aligned mapping, its pages faulted in by the kernel in one
 * go: a page fault per page touched showed as a tenth of the event
 * loop's time in contrib/bench/calls while transactions piled up.
 * Mappings are placed top down, so the room just below the last chunk is
 * usually free and aligned: one mmap.  Else map twice the size and unmap
 * the rest.
 */
static struct slab_chunk *chunk_map(void)
{
	const int prot = PROT_READ | PROT_WRITE;
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t n = 2 * (size_t)SLAB_CHUNK;
	char *p;
	uintptr_t a;
	size_t head;

#ifdef MAP_FIXED_NOREPLACE
	if ((uintptr_t)chunk_hint > SLAB_CHUNK) {
		p = mmap(chunk_hint, SLAB_CHUNK, prot,
			 flags | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
		if (p == chunk_hint) {
			chunk_hint = p - SLAB_CHUNK;
			return (struct slab_chunk *)p;
		}
		/* A kernel older than 4.17 takes the flag as a hint. */
		if (p != MAP_FAILED)
			munmap(p, SLAB_CHUNK);
	}
#endif
	p = mmap(NULL, n, prot, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + SLAB_CHUNK - 1) & ~(uintptr_t)(SLAB_CHUNK - 1);
	head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	if (n - head - SLAB_CHUNK)
		munmap((char *)a + SLAB_CHUNK, n - head - SLAB_CHUNK);
#ifdef MADV_POPULATE_WRITE
	/* Linux 5.14 and later; else the pages fault in one by one. */
	(void)madvise((void *)a, SLAB_CHUNK, MADV_POPULATE_WRITE);
#endif
	chunk_hint = (char *)a - SLAB_CHUNK;
	return (struct slab_chunk *)a;
}

static struct slab_chunk *chunk_get(struct slab *s)
{
	struct slab_chunk *c = s->spare;

	if (c) {
		list_del(&s->spare, c);
		s->n_spare--;
	} else {
		c = chunk_map();
		if (!c)
			return NULL;
		s->chunks++;
	}
	c->free = NULL;
	c->used = 0;
	c->bump = 0;
	c->on_partial = 0;
	return c;
}

#endif

void *slab_alloc(struct slab *s)
{
	struct slab_chunk *c;
	void *p;

#ifdef SLAB_BY_MALLOC
	(void)c;
	p = malloc(s->size);
	if (p)
		s->live++;
#else
	c = s->partial;
	if (!c) {
		c = chunk_get(s);
		if (!c)
			return NULL;
		list_add(&s->partial, c);
		c->on_partial = 1;
	}
	if (c->free) {
		p = c->free;
		c->free = c->free->next;
	} else {
		p = (char *)c + SLAB_HEAD + (size_t)c->bump * s->size;
		c->bump++;
	}
	c->used++;
	s->live++;
	if (c->used == s->per_chunk) {
		list_del(&s->partial, c);
		c->on_partial = 0;
	}
#endif
	return p;
}

void slab_free(struct slab *s, void *p)
{
	struct slab_chunk *c;
	struct slab_free *f = p;

	if (!p)
		return;
	s->live--;
#ifdef SLAB_BY_MALLOC
	(void)c;
	(void)f;
	free(p);
#else
	c = chunk_of(p);
	f->next = c->free;
	c->free = f;
	c->used--;
	if (c->used == 0) {
		if (c->on_partial)
			list_del(&s->partial, c);
		c->on_partial = 0;
		if (s->n_spare < SLAB_SPARE) {
			/* A few stay mapped and resident, so a rate that
			 * empties and fills chunks in turn does not map
			 * and fault them again each time. */
			list_add(&s->spare, c);
			s->n_spare++;
		} else {
			munmap(c, SLAB_CHUNK);
			s->chunks--;
		}
		return;
	}
	if (!c->on_partial) {
		list_add(&s->partial, c);
		c->on_partial = 1;
	}
#endif
}

void slab_trim(struct slab *s)
{
	while (s->spare) {
		struct slab_chunk *c = s->spare;

		list_del(&s->spare, c);
		munmap(c, SLAB_CHUNK);
		s->chunks--;
	}
	s->n_spare = 0;
}
