/*
 * Tests of SipHash-2-4 and the intrusive hash table (sbc/hash.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/hash.h"

static void ref_key(void)
{
	uint8_t key[16];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	hash_set_key(key);
}

/* The reference vectors of the SipHash paper (Aumasson and Bernstein,
 * appendix A): key 00..0f, message 00..(n-1). */
START_TEST(test_siphash_vectors)
{
	static const struct {
		size_t n;
		uint64_t h;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },
		{ 1, 0x74f839c593dc67fdULL },
		{ 8, 0x93f5f5799a932462ULL },
		{ 15, 0xa129ca6149be45e5ULL },
		{ 63, 0x958a324ceb064572ULL },
	};
	uint8_t msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	ref_key();
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(hash_bytes(msg, v[i].n) == v[i].h,
			      "length %zu: %016llx", v[i].n,
			      (unsigned long long)hash_bytes(msg, v[i].n));
}
END_TEST

START_TEST(test_key_and_mix)
{
	uint8_t other[16] = { 1 };
	uint64_t a, b;

	ref_key();
	a = hash_bytes("branch", 6);
	/* Another key, another hash: a peer cannot predict buckets. */
	hash_set_key(other);
	b = hash_bytes("branch", 6);
	ck_assert_uint_ne(a, b);
	/* hash_mix depends on both parts and their order. */
	ck_assert_uint_ne(hash_mix(hash_bytes("a", 1), "b", 1),
			  hash_mix(hash_bytes("b", 1), "a", 1));
	ck_assert_uint_ne(hash_mix(a, "x", 1), hash_mix(b, "x", 1));
	ck_assert_uint_eq(hash_mix(a, "x", 1), hash_mix(a, "x", 1));
}
END_TEST

struct item {
	struct hash_node node;
	int key;
};

/* Finds the item with key k under hash h, walking the equal-hash chain. */
static struct item *find(const struct hash *t, uint64_t h, int k)
{
	for (struct hash_node *n = hash_first(t, h); n; n = hash_next(n)) {
		struct item *it = hash_entry(n, struct item, node);

		if (it->key == k)
			return it;
	}
	return NULL;
}

START_TEST(test_collisions)
{
	struct hash t;
	struct item it[12];
	int n;

	ck_assert_int_eq(hash_init(&t, 16), 0);
	ck_assert_uint_eq(t.mask, 15);
	/* Items 0-5 share one full hash; 6-11 share the bucket only. */
	for (int i = 0; i < 12; i++) {
		it[i].key = i;
		hash_insert(&t, &it[i].node, i < 6 ? 7 : 7 + 16 * (uint64_t)i);
	}
	ck_assert_uint_eq(t.n, 12);
	for (int i = 0; i < 12; i++)
		ck_assert_ptr_eq(find(&t, i < 6 ? 7 : 7 + 16 * (uint64_t)i, i),
				 &it[i]);
	/* Walking hash 7 yields exactly the six that have it. */
	n = 0;
	for (struct hash_node *x = hash_first(&t, 7); x; x = hash_next(x)) {
		ck_assert_int_lt(hash_entry(x, struct item, node)->key, 6);
		n++;
	}
	ck_assert_int_eq(n, 6);
	ck_assert_ptr_null(find(&t, 7, 6));
	ck_assert_ptr_null(hash_first(&t, 8));
	/* Remove the head, the middle and the tail of the chain. */
	hash_remove(&t, &it[5].node);
	hash_remove(&t, &it[2].node);
	hash_remove(&t, &it[0].node);
	hash_remove(&t, &it[11].node);
	ck_assert_uint_eq(t.n, 8);
	for (int i = 0; i < 12; i++) {
		uint64_t h = i < 6 ? 7 : 7 + 16 * (uint64_t)i;
		int gone = i == 5 || i == 2 || i == 0 || i == 11;

		ck_assert_ptr_eq(find(&t, h, i), gone ? NULL : &it[i]);
	}
	/* Removed nodes go back in. */
	hash_insert(&t, &it[2].node, 7);
	ck_assert_ptr_eq(find(&t, 7, 2), &it[2]);
	hash_free(&t);
}
END_TEST

START_TEST(test_growth)
{
	enum { N = 20000 };
	struct item *it = calloc(N, sizeof(*it));
	struct hash t;

	ck_assert_ptr_nonnull(it);
	ref_key();
	ck_assert_int_eq(hash_init(&t, 1), 0);
	ck_assert_uint_eq(t.mask, 15);
	for (int i = 0; i < N; i++) {
		it[i].key = i;
		hash_insert(&t, &it[i].node, hash_bytes(&i, sizeof(i)));
		/* Everything stays findable across every growth. */
		if ((i & (i + 1)) == 0)
			for (int k = 0; k <= i; k++)
				ck_assert_ptr_eq(
					find(&t, hash_bytes(&k, sizeof(k)), k),
					&it[k]);
	}
	ck_assert_uint_eq(t.n, N);
	ck_assert_uint_ge(t.mask + 1, N);
	for (int i = 0; i < N; i += 2)
		hash_remove(&t, &it[i].node);
	for (int i = 0; i < N; i++)
		ck_assert_ptr_eq(find(&t, hash_bytes(&i, sizeof(i)), i),
				 i % 2 ? &it[i] : NULL);
	ck_assert_uint_eq(t.n, N / 2);
	hash_free(&t);
	free(it);
}
END_TEST

/* A growth moves the nodes a few buckets per insertion; lookups and
 * removals work on both tables meanwhile, and hash_settle ends it. */
START_TEST(test_incremental_growth)
{
	enum { N = 4096 };
	struct item *it = calloc(N + 8, sizeof(*it));
	struct hash t;
	int i;

	ck_assert_ptr_nonnull(it);
	ref_key();
	ck_assert_int_eq(hash_init(&t, N), 0);
	for (i = 0; i < N; i++) {
		it[i].key = i;
		hash_insert(&t, &it[i].node, hash_bytes(&i, sizeof(i)));
	}
	ck_assert_ptr_null(t.old);
	/* The table is full: the next insertion starts a growth and moves
	 * no more than a few buckets. */
	it[N].key = N;
	i = N;
	hash_insert(&t, &it[N].node, hash_bytes(&i, sizeof(i)));
	ck_assert_ptr_nonnull(t.old);
	ck_assert_uint_eq(t.mask + 1, 2 * N);
	ck_assert_uint_le(t.mig, 4);
	for (i = 0; i < N; i += 3)
		hash_remove(&t, &it[i].node);
	for (i = N + 1; i < N + 8; i++) {
		it[i].key = i;
		hash_insert(&t, &it[i].node, hash_bytes(&i, sizeof(i)));
	}
	ck_assert_ptr_nonnull(t.old);
	ck_assert_uint_le(t.mig, 4 * 8);
	for (i = 0; i < N + 8; i++)
		ck_assert_ptr_eq(find(&t, hash_bytes(&i, sizeof(i)), i),
				 i < N && i % 3 == 0 ? NULL : &it[i]);
	hash_settle(&t);
	ck_assert_ptr_null(t.old);
	for (i = 0; i < N + 8; i++)
		ck_assert_ptr_eq(find(&t, hash_bytes(&i, sizeof(i)), i),
				 i < N && i % 3 == 0 ? NULL : &it[i]);
	hash_free(&t);
	free(it);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_key_and_mix);
	tcase_add_test(tc, test_collisions);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_incremental_growth);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
