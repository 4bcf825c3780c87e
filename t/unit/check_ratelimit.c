/*
 * Tests of the token buckets and the per-source limit (sbc/ratelimit.h)
 * with a clock the tests move by hand.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check_main.h"
#include "sbc/ratelimit.h"

static struct sockaddr_in v4(unsigned n)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x0a000000u + n);
	a.sin_port = htons((uint16_t)(5060 + n));
	return a;
}

#define SA(a) ((const struct sockaddr *)&(a))

START_TEST(test_bucket_refill)
{
	struct ratelimit_bucket b = { 0 };
	uint64_t t = 1000;

	/* 10 per second, burst 5: five at once, then one per 100 ms. */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(ratelimit_bucket_take(&b, t, 10, 5), 1);
	ck_assert_int_eq(ratelimit_bucket_take(&b, t, 10, 5), 0);
	ck_assert_int_eq(ratelimit_bucket_take(&b, t + 99, 10, 5), 0);
	ck_assert_int_eq(ratelimit_bucket_take(&b, t + 100, 10, 5), 1);
	ck_assert_int_eq(ratelimit_bucket_take(&b, t + 100, 10, 5), 0);
	/* A long pause fills it to the burst, not beyond. */
	t += 60000;
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(ratelimit_bucket_take(&b, t, 10, 5), 1);
	ck_assert_int_eq(ratelimit_bucket_take(&b, t, 10, 5), 0);
	/* peek takes nothing. */
	t += 100;
	ck_assert_int_eq(ratelimit_bucket_peek(&b, t, 10, 5), 1);
	ck_assert_int_eq(ratelimit_bucket_peek(&b, t, 10, 5), 1);
	ck_assert_int_eq(ratelimit_bucket_take(&b, t, 10, 5), 1);
	ck_assert_int_eq(ratelimit_bucket_peek(&b, t, 10, 5), 0);
	/* Rate 0 is no limit. */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(ratelimit_bucket_take(&b, t, 0, 0), 1);
}
END_TEST

START_TEST(test_ban_and_expiry)
{
	struct ratelimit_cfg cfg = { .rate = 10, .burst = 20, .ban_ms = 2000 };
	struct ratelimit *rl;
	struct sockaddr_in a = v4(1), b = v4(2), a2 = v4(1);
	uint64_t t = 5000;
	int i;

	a2.sin_port = htons(9999);
	ck_assert_int_eq(ratelimit_new(&cfg, &rl), 0);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(ratelimit_source_check(rl, SA(a), t),
				 RATELIMIT_PASS);
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a), t), RATELIMIT_BAN);
	/* Another port of the same address is the same source. */
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a2), t + 10),
			 RATELIMIT_BANNED);
	/* Another source is not touched. */
	ck_assert_int_eq(ratelimit_source_check(rl, SA(b), t), RATELIMIT_PASS);
	{
		struct ratelimit_stats st;

		ratelimit_stats_get(rl, t + 10, &st);
		ck_assert_uint_eq(st.banned, 1);
		ck_assert_uint_eq(st.bans, 1);
		ck_assert_uint_eq(st.sources, 2);
	}
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a), t + 1999),
			 RATELIMIT_BANNED);
	/* After the ban the bucket is full again. */
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(ratelimit_source_check(rl, SA(a), t + 2000),
				 RATELIMIT_PASS);
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a), t + 2000),
			 RATELIMIT_BAN);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_steady_rate_passes)
{
	struct ratelimit_cfg cfg = { .rate = 10, .burst = 10, .ban_ms = 1000 };
	struct ratelimit *rl;
	struct sockaddr_in a = v4(7);

	ck_assert_int_eq(ratelimit_new(&cfg, &rl), 0);
	/* Exactly the rate, for a minute: never banned. */
	for (uint64_t t = 0; t < 60000; t += 100)
		ck_assert_int_eq(ratelimit_source_check(rl, SA(a), t),
				 RATELIMIT_PASS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_eviction_bound)
{
	struct ratelimit_cfg cfg = { .rate = 1, .burst = 1, .ban_ms = 100000,
				     .max_sources = 100 };
	struct ratelimit_stats st;
	struct ratelimit *rl;
	struct sockaddr_in a;

	ck_assert_int_eq(ratelimit_new(&cfg, &rl), 0);
	/* A spray of sources never holds more than max_sources. */
	for (unsigned i = 0; i < 10000; i++) {
		a = v4(i);
		ratelimit_source_check(rl, SA(a), 1000);
	}
	ratelimit_stats_get(rl, 1000, &st);
	ck_assert_uint_le(st.sources, 100);
	ck_assert_uint_ge(st.evicted, 9900);
	/* The most recent ones are the ones kept. */
	a = v4(9999);
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a), 1000),
			 RATELIMIT_BAN);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_idle_sweep)
{
	struct ratelimit_cfg cfg = { .rate = 10, .burst = 10, .ban_ms = 500 };
	struct ratelimit_stats st;
	struct ratelimit *rl;
	struct sockaddr_in a;

	ck_assert_int_eq(ratelimit_new(&cfg, &rl), 0);
	for (unsigned i = 0; i < 50; i++) {
		a = v4(i);
		ratelimit_source_check(rl, SA(a), 0);
	}
	/* Later, one source at a time sweeps the idle ones out. */
	a = v4(1000);
	for (unsigned i = 0; i < 40; i++)
		ratelimit_source_check(rl, SA(a), 10000 + i * 100);
	ratelimit_stats_get(rl, 20000, &st);
	ck_assert_uint_le(st.sources, 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_v6_source)
{
	struct ratelimit_cfg cfg = { .rate = 1, .burst = 1, .ban_ms = 1000 };
	struct sockaddr_in6 a, mapped;
	struct sockaddr_in v = v4(5);
	struct ratelimit *rl;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &a.sin6_addr);
	memset(&mapped, 0, sizeof(mapped));
	mapped.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.0.0.5", &mapped.sin6_addr);
	ck_assert_int_eq(ratelimit_new(&cfg, &rl), 0);
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a), 0), RATELIMIT_PASS);
	ck_assert_int_eq(ratelimit_source_check(rl, SA(a), 0), RATELIMIT_BAN);
	/* A mapped address is its IPv4 source. */
	ck_assert_int_eq(ratelimit_source_check(rl, SA(v), 0), RATELIMIT_PASS);
	ck_assert_int_eq(ratelimit_source_check(rl, SA(mapped), 0),
			 RATELIMIT_BAN);
	ratelimit_free(rl);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bucket_refill);
	tcase_add_test(tc, test_ban_and_expiry);
	tcase_add_test(tc, test_steady_rate_passes);
	tcase_add_test(tc, test_eviction_bound);
	tcase_add_test(tc, test_idle_sweep);
	tcase_add_test(tc, test_v6_source);
	suite_add_tcase(s, tc);
	return s;
}
