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

struct hash {
	struct hash_node **b;
	size_t mask;		/* buckets - 1; buckets are a power of two */
	size_t n;
};

/* SipHash-2-4 of p under the process key (set once, from getrandom). */
uint64_t hash_bytes(const void *p, size_t n);
/* Continues a hash over more bytes: hash_mix(hash_bytes(a), b) etc. */
uint64_t hash_mix(uint64_t h, const void *p, size_t n);
/* Sets the process key; for tests that want fixed values. */
void hash_set_key(const uint8_t key[16]);

/* Returns 0 or -ENOMEM.  The table grows as nodes are added. */
int hash_init(struct hash *t, size_t buckets);
void hash_free(struct hash *t);

/* Adds node n under h; a failed growth keeps the old size. */
void hash_insert(struct hash *t, struct hash_node *n, uint64_t h);
void hash_remove(struct hash *t, struct hash_node *n);

static inline struct hash_node *hash_first(const struct hash *t, uint64_t h)
{
	struct hash_node *n = t->b[h & t->mask];

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
