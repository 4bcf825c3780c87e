#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/rnd.h"

START_TEST(test_token_shape)
{
	char t[17];
	size_t n = rnd_token(t, sizeof(t));

	ck_assert_uint_eq(n, 16);
	ck_assert_uint_eq(strlen(t), 16);
	ck_assert_uint_eq(strspn(t, "0123456789abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
			  16);
	ck_assert_uint_eq(rnd_token(t, 1), 0);
	ck_assert_str_eq(t, "");
	ck_assert_uint_eq(rnd_token(t, 0), 0);
}
END_TEST

START_TEST(test_tokens_differ)
{
	char a[17], b[17];

	/* 95 bits each: a repeat means the source is broken. */
	for (int i = 0; i < 1000; i++) {
		rnd_token(a, sizeof(a));
		rnd_token(b, sizeof(b));
		ck_assert_str_ne(a, b);
	}
}
END_TEST

/* Every symbol turns up about equally often (no modulo bias). */
START_TEST(test_token_uniform)
{
	static const char alphabet[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	enum { N = 62 * 2000 };
	unsigned count[62] = { 0 };
	char *buf = malloc(N + 1);
	double chi = 0, expect = N / 62.0;

	ck_assert_ptr_nonnull(buf);
	rnd_token(buf, N + 1);
	for (size_t i = 0; i < N; i++)
		count[strchr(alphabet, buf[i]) - alphabet]++;
	for (int i = 0; i < 62; i++)
		chi += (count[i] - expect) * (count[i] - expect) / expect;
	/* 61 degrees of freedom: the 99.999th percentile is about 117. */
	ck_assert_msg(chi < 117, "chi-square %.1f", chi);
	free(buf);
}
END_TEST

START_TEST(test_bytes_cross_pool)
{
	unsigned char a[1000], b[1000];

	/* Larger than the pool: it refills and never repeats itself. */
	rnd_bytes(a, sizeof(a));
	rnd_bytes(b, sizeof(b));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(memcmp(a, a + 256, 256) != 0);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("rnd");
	TCase *tc = tcase_create("rnd");

	tcase_add_test(tc, test_token_shape);
	tcase_add_test(tc, test_tokens_differ);
	tcase_add_test(tc, test_token_uniform);
	tcase_add_test(tc, test_bytes_cross_pool);
	suite_add_tcase(s, tc);
	return s;
}
