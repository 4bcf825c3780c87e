/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012) and a chained hash table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sbc/hash.h"

static uint64_t k0, k1;
static int key_set;

void hash_set_key(const uint8_t key[16])
{
	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	key_set = 1;
}

static void key_init(void)
{
	uint8_t key[16];

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		/* No entropy at all is unheard of on Linux; fall back to
		 * values an outside peer cannot see either. */
		uint64_t a = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		uint64_t b = (uint64_t)(uintptr_t)&key ^ (uint64_t)clock();

		memcpy(key, &a, 8);
		memcpy(key + 8, &b, 8);
	}
	hash_set_key(key);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                       \
	do {                                                           \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                 \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                 \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t siphash(const uint8_t *in, size_t len, uint64_t a,
			uint64_t b)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ a;
	uint64_t v1 = 0x646f72616e646f6dULL ^ b;
	uint64_t v2 = 0x6c7967656e657261ULL ^ a;
	uint64_t v3 = 0x7465646279746573ULL ^ b;
	uint64_t m, last = (uint64_t)len << 56;
	const uint8_t *end = in + (len & ~(size_t)7);

	for (; in != end; in += 8) {
		memcpy(&m, in, 8);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t i = 0; i < (len & 7); i++)
		last |= (uint64_t)in[i] << (8 * i);
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_bytes(const void *p, size_t n)
{
	if (!key_set)
		key_init();
	return siphash(p, n, k0, k1);
}

uint64_t hash_mix(uint64_t h, const void *p, size_t n)
{
	if (!key_set)
		key_init();
	return siphash(p, n, k0 ^ h, k1 + h);
}

int hash_init(struct hash *t, size_t buckets)
{
	size_t nb = 16;

	while (nb < buckets)
		nb *= 2;
	t->b = calloc(nb, sizeof(*t->b));
	if (!t->b)
		return -ENOMEM;
	t->mask = nb - 1;
	t->n = 0;
	t->old = NULL;
	t->old_mask = 0;
	t->mig = 0;
	return 0;
}

void hash_free(struct hash *t)
{
	free(t->b);
	free(t->old);
	*t = (struct hash){ 0 };
}

static void link_node(struct hash_node **b, struct hash_node *n)
{
	n->next = *b;
	if (n->next)
		n->next->pprev = &n->next;
	n->pprev = b;
	*b = n;
}

/* Moves the nodes of up to k old buckets to the new table. */
static void migrate(struct hash *t, size_t k)
{
	while (t->old && k--) {
		struct hash_node *n = t->old[t->mig], *next;

		for (; n; n = next) {
			next = n->next;
			link_node(&t->b[n->h & t->mask], n);
		}
		t->old[t->mig] = NULL;
		if (++t->mig > t->old_mask) {
			free(t->old);
			t->old = NULL;
			t->old_mask = 0;
			t->mig = 0;
		}
	}
}

static void grow(struct hash *t)
{
	size_t nb = (t->mask + 1) * 2;
	struct hash_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	t->old = t->b;
	t->old_mask = t->mask;
	t->mig = 0;
	t->b = b;
	t->mask = nb - 1;
}

void hash_settle(struct hash *t)
{
	migrate(t, SIZE_MAX);
}

void hash_insert(struct hash *t, struct hash_node *n, uint64_t h)
{
	/* Four old buckets per insertion: the move ends long before the
	 * new table is full in its turn. */
	if (t->old)
		migrate(t, 4);
	else if (t->n >= t->mask + 1)
		grow(t);
	n->h = h;
	link_node(hash_bucket(t, h), n);
	t->n++;
}

void hash_remove(struct hash *t, struct hash_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
	t->n--;
}
