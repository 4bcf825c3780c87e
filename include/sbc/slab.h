/*
 * slab: objects of one size in 64 KiB chunks that go back to the system
 * when their last object is freed (layer 0).
 *
 * For objects made and freed by the thousand per second whose lifetimes
 * are alike, such as transactions that linger 64*T1 after their final
 * response: malloc would reuse their memory but keep it after a burst,
 * interleaved with longer-lived allocations, so resident memory stayed at
 * the peak.  Here an emptied chunk is unmapped (two are kept spare), and
 * an object is found its chunk by masking its address.  A new chunk's
 * pages are faulted in when it is mapped, in one system call rather than
 * a trap per page.
 *
 * Not thread-safe: one slab belongs to one thread.  Under AddressSanitizer
 * every object is a malloc of its own, so use after free is still caught.
 */
#ifndef SBC_SLAB_H
#define SBC_SLAB_H

#include <stddef.h>

/* Under AddressSanitizer every object is a malloc of its own. */
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_BY_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_BY_MALLOC 1
#endif
#endif

struct slab_chunk;

struct slab {
	size_t size;			/* object size, a multiple of 16 */
	unsigned per_chunk;		/* objects in one chunk */
	struct slab_chunk *partial;	/* chunks with a free object */
	struct slab_chunk *spare;	/* empty chunks kept for reuse */
	unsigned n_spare;
	size_t chunks;			/* mapped, spares included */
	size_t live;			/* objects handed out */
};

/* size: the objects' size; a few kilobytes at most, so that a chunk
 * holds many. */
#define SLAB_CHUNK (64u * 1024u)

void slab_init(struct slab *s, size_t size);
/* An object of s->size bytes, not zeroed, or NULL. */
void *slab_alloc(struct slab *s);
/* p came from slab_alloc(s); NULL is ignored. */
void slab_free(struct slab *s, void *p);
/* Unmaps the spare chunks; chunks with live objects stay. */
void slab_trim(struct slab *s);

#endif
