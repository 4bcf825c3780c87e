/*
 * hash: an intrusive chained hash table and a keyed hash (layer 0).
 *
 * Keys come from the network (branches, Call-IDs, tags), so the hash is
 * SipHash-2-4 with a per-process random key: a peer cannot aim many keys
 * at one bucket.  Nodes are embedded in their owners; the table never
 * allocates a node and never compares keys: a lookup walks one bucket
 * and the caller compares.
 */
#ifndef SBC_HASH_H
#define SBC_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_node {
	struct hash_node *next;
	struct hash_node **pprev;
	uint64_t h;
};

/*
 * The table doubles when it holds as many nodes as buckets.  Moving every
 * node at once stalled the event loop for milliseconds with 100,000
 * transactions, so the nodes move a few buckets per insertion: until
 * then the old buckets not yet moved (from mig on) stay in use.
 */
struct hash {
	struct hash_node **b;
	size_t mask;		/* buckets - 1; buckets are a power of two */
	size_t n;
	struct hash_node **old;	/* the table before growing, or NULL */
	size_t old_mask;
	size_t mig;		/* old buckets below this have moved */
};

/* The bucket that holds, or will take, nodes under h. */
static inline struct hash_node **hash_bucket(const struct hash *t,
					     uint64_t h)
{
	if (t->old && (h & t->old_mask) >= t->mig)
		return &t->old[h & t->old_mask];
	return &t->b[h & t->mask];
}

/* SipHash-2-4 of p under the process key (set once, from getrandom). */
uint64_t hash_bytes(const void *p, size_t n);
/* Continues a hash over more bytes: hash_mix(hash_bytes(a), b) etc. */
uint64_t hash_mix(uint64_t h, const void *p, size_t n);
/* Sets the process key; for tests that want fixed values. */
void hash_set_key(const uint8_t key[16]);

/* Returns 0 or -ENOMEM.  The table grows as nodes are added. */
int hash_init(struct hash *t, size_t buckets);
void hash_free(struct hash *t);

/* Adds node n under h; a failed growth keeps the old size.  Nodes may
 * move between buckets: no insertion while walking a bucket. */
void hash_insert(struct hash *t, struct hash_node *n, uint64_t h);
/* Ends a growth in progress, so that t->b holds every node (for a walk
 * over all buckets). */
void hash_settle(struct hash *t);
void hash_remove(struct hash *t, struct hash_node *n);

static inline struct hash_node *hash_first(const struct hash *t, uint64_t h)
{
	struct hash_node *n = *hash_bucket(t, h);

	while (n && n->h != h)
		n = n->next;
	return n;
}

static inline struct hash_node *hash_next(const struct hash_node *n)
{
	uint64_t h = n->h;

	for (n = n->next; n && n->h != h; n = n->next)
		;
	return (struct hash_node *)n;
}

/* The owner of an embedded node. */
#define hash_entry(ptr, type, member)                                  \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
