/*
 * Tests of the layer 0 string slices (sbc/str.h) and output buffers
 * (sbc/buf.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sbc/buf.h"
#include "sbc/str.h"

/* Asserts that slice s holds exactly the NUL-terminated string want. */
#define ck_assert_slice(s, want)                                           \
	do {                                                               \
		struct str s_ = (s);                                       \
		const char *w_ = (want);                                   \
		ck_assert_msg(s_.len == strlen(w_) &&                      \
			      (s_.len == 0 || memcmp(s_.p, w_, s_.len) == 0), \
			      "slice \"%.*s\" != \"%s\"", STR_FMT(s_), w_);  \
	} while (0)

START_TEST(test_str_eq)
{
	ck_assert(str_eq(STR("INVITE"), STR("INVITE")));
	ck_assert(!str_eq(STR("INVITE"), STR("invite")));
	ck_assert(!str_eq(STR("INVITE"), STR("INVITES")));
	ck_assert(!str_eq(STR("INVITE"), STR("INVITF")));
	ck_assert(str_eq(STR(""), STR("")));
	/* Only len bytes count, not what follows them. */
	ck_assert(str_eq(str_make("abcX", 3), str_make("abcY", 3)));
}
END_TEST

START_TEST(test_str_caseeq)
{
	ck_assert(str_caseeq(STR("Call-ID"), STR("cALL-id")));
	ck_assert(str_caseeq(STR("a-1_b"), STR("A-1_B")));
	ck_assert(!str_caseeq(STR("Call-ID"), STR("Call-IE")));
	ck_assert(!str_caseeq(STR("Call-ID"), STR("Call-I")));
	/*
	 * Only letters fold: a comparison that ORs 0x20 into every byte
	 * would call these equal.
	 */
	ck_assert(!str_caseeq(STR("["), STR("{")));
	ck_assert(!str_caseeq(STR("@"), STR("`")));
	ck_assert(!str_caseeq(STR("^"), STR("~")));
	ck_assert(!str_caseeq(STR("-"), STR("\r")));
}
END_TEST

START_TEST(test_str_caseeq_c)
{
	ck_assert(str_caseeq_c(STR("Content-Length"), "content-length"));
	ck_assert(str_caseeq_c(STR("l"), "L"));
	ck_assert(!str_caseeq_c(STR("Content-Length"), "content-lengt"));
	ck_assert(!str_caseeq_c(STR("Content"), "content-length"));
	ck_assert(!str_caseeq_c(STR("{"), "["));
	ck_assert(str_caseeq_c(str_make("viaXYZ", 3), "VIA"));
}
END_TEST

START_TEST(test_str_casestarts)
{
	ck_assert(str_casestarts(STR("Content-Length"), "content-"));
	ck_assert(str_casestarts(STR("SIP/2.0"), "sip/"));
	ck_assert(str_casestarts(STR("abc"), "abc"));
	ck_assert(str_casestarts(STR("abc"), ""));
	ck_assert(!str_casestarts(STR("Con"), "content"));
	ck_assert(!str_casestarts(STR("Contact"), "content"));
	/* The slice ends before the prefix does, whatever follows it. */
	ck_assert(!str_casestarts(str_make("content", 3), "content"));
}
END_TEST

START_TEST(test_str_trim)
{
	const char *s = " \t a b \r\n";
	struct str t = str_trim(str_cstr(s));

	ck_assert_slice(t, "a b");
	ck_assert_ptr_eq(t.p, s + 3);
	ck_assert_uint_eq(str_trim(STR(" \t\r\n ")).len, 0);
	ck_assert_uint_eq(str_trim(STR("")).len, 0);
	ck_assert_slice(str_trim(STR("x")), "x");
	ck_assert_slice(str_trim(STR("\r\n\tfolded\r\n ")), "folded");
	/* Only white space is trimmed. */
	ck_assert_slice(str_trim(STR(";a;")), ";a;");
}
END_TEST

START_TEST(test_str_to_u64_good)
{
	uint64_t v = 1;

	ck_assert_int_eq(str_to_u64(STR("0"), UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(str_to_u64(STR("4711"), UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 4711);
	ck_assert_int_eq(str_to_u64(STR("00042"), 100, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(str_to_u64(STR("255"), 255, &v), 0);
	ck_assert_uint_eq(v, 255);
	ck_assert_int_eq(str_to_u64(STR("18446744073709551615"),
				    UINT64_MAX, &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(str_to_u64(STR("4294967295"), UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, 4294967295u);
	/* Many leading zeros are still a small number. */
	ck_assert_int_eq(str_to_u64(STR("000000000000000000000000000007"),
				    10, &v), 0);
	ck_assert_uint_eq(v, 7);
	/* Only the slice counts. */
	ck_assert_int_eq(str_to_u64(str_make("123456", 2), 1000, &v), 0);
	ck_assert_uint_eq(v, 12);
}
END_TEST

START_TEST(test_str_to_u64_bad)
{
	uint64_t v;

	ck_assert_int_eq(str_to_u64(STR(""), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("12a"), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("a12"), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("-1"), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("+1"), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR(" 1"), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("1 "), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("0x10"), UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str_to_u64(STR("256"), 255, &v), -ERANGE);
	ck_assert_int_eq(str_to_u64(STR("4294967296"), UINT32_MAX, &v),
			 -ERANGE);
	/* Past 2^64: must not wrap around to a small number. */
	ck_assert_int_eq(str_to_u64(STR("18446744073709551616"),
				    UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(str_to_u64(STR("99999999999999999999999"),
				    UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(str_to_u64(STR("36893488147419103232"),
				    UINT64_MAX, &v), -ERANGE);
}
END_TEST

START_TEST(test_str_chr)
{
	ck_assert_int_eq(str_chr(STR("user@host"), '@'), 4);
	ck_assert_int_eq(str_chr(STR("a;b;c"), ';'), 1);
	ck_assert_int_eq(str_chr(STR(";"), ';'), 0);
	ck_assert_int_eq(str_chr(STR("abc"), ';'), -1);
	ck_assert_int_eq(str_chr(STR(""), ';'), -1);
	/* A match past the end of the slice does not count. */
	ck_assert_int_eq(str_chr(str_make("abc;d", 3), ';'), -1);
	/* NUL is an ordinary byte in a slice. */
	ck_assert_int_eq(str_chr(str_make("a\0b", 3), 'b'), 2);
}
END_TEST

START_TEST(test_str_copy)
{
	char dst[8];

	memset(dst, 'X', sizeof(dst));
	str_copy(dst, sizeof(dst), STR("abc"));
	ck_assert_str_eq(dst, "abc");

	memset(dst, 'X', sizeof(dst));
	str_copy(dst, 4, STR("abcdef"));
	ck_assert_str_eq(dst, "abc");
	ck_assert_int_eq(dst[4], 'X');	/* nothing written past n */

	memset(dst, 'X', sizeof(dst));
	str_copy(dst, sizeof(dst), STR("1234567"));
	ck_assert_str_eq(dst, "1234567");

	memset(dst, 'X', sizeof(dst));
	str_copy(dst, sizeof(dst), str_make("hello world", 5));
	ck_assert_str_eq(dst, "hello");

	str_copy(dst, sizeof(dst), STR(""));
	ck_assert_str_eq(dst, "");
}
END_TEST

START_TEST(test_str_helpers)
{
	struct str s = str_cstr("Via");

	ck_assert_uint_eq(s.len, 3);
	ck_assert(str_isset(s));
	ck_assert(!str_isset(STR_NULL));
	ck_assert(str_isset(STR("")));
	ck_assert_uint_eq(str_cstr(NULL).len, 0);
	ck_assert_uint_eq(STR("CSeq").len, 4);
}
END_TEST

/* ---------------------------------------------------------------- buf */

START_TEST(test_buf_append)
{
	struct buf b;

	buf_init(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.err, 0);
	buf_put_cstr(&b, "SIP/2.0");
	buf_put_c(&b, ' ');
	buf_put_u64(&b, 200);
	buf_put_c(&b, ' ');
	buf_put_str(&b, STR("OK"));
	buf_put(&b, "\r\nXYZ", 2);
	ck_assert_int_eq(b.err, 0);
	ck_assert_slice(buf_str(&b), "SIP/2.0 200 OK\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_u64)
{
	struct buf b;

	buf_init(&b);
	buf_put_u64(&b, 0);
	buf_put_c(&b, ',');
	buf_put_u64(&b, 10);
	buf_put_c(&b, ',');
	buf_put_u64(&b, 4294967296ull);
	buf_put_c(&b, ',');
	buf_put_u64(&b, UINT64_MAX);
	ck_assert_int_eq(b.err, 0);
	ck_assert_slice(buf_str(&b), "0,10,4294967296,18446744073709551615");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf)
{
	struct buf b;
	char big[5001];

	buf_init(&b);
	buf_printf(&b, "CSeq: %u %s\r\n", 4711u, "INVITE");
	ck_assert_slice(buf_str(&b), "CSeq: 4711 INVITE\r\n");

	/* Longer than any sensible initial capacity: must grow. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big);
	ck_assert_int_eq(b.err, 0);
	ck_assert_uint_eq(b.len, 19 + 5002);
	ck_assert_int_eq(b.p[19], '<');
	ck_assert_int_eq(b.p[20], 'z');
	ck_assert_int_eq(b.p[19 + 5000], 'z');
	ck_assert_int_eq(b.p[19 + 5001], '>');
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_grow)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < 100000; i++)
		buf_put_c(&b, (char)('a' + i % 26));
	ck_assert_int_eq(b.err, 0);
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_uint_ge(b.cap, b.len);
	for (i = 0; i < 100000; i += 997)
		ck_assert_int_eq(b.p[i], 'a' + (int)(i % 26));
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_reserve)
{
	struct buf b;

	buf_init(&b);
	buf_put_cstr(&b, "abc");
	ck_assert_int_eq(buf_reserve(&b, 10000), 0);
	ck_assert_uint_ge(b.cap, b.len + 10000);
	ck_assert_slice(buf_str(&b), "abc");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_reset)
{
	struct buf b;

	buf_init(&b);
	buf_put_cstr(&b, "first message");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	buf_put_cstr(&b, "second");
	ck_assert_int_eq(b.err, 0);
	ck_assert_slice(buf_str(&b), "second");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_fixed)
{
	struct buf b;
	char mem[16];

	memset(mem, '#', sizeof(mem));
	buf_init_fixed(&b, mem, 8);
	buf_put_cstr(&b, "abcd");
	ck_assert_int_eq(b.err, 0);
	ck_assert_slice(buf_str(&b), "abcd");
	ck_assert_ptr_eq(b.p, mem);

	/* Does not fit: the error is -ENOBUFS and the buffer never grows. */
	buf_put_cstr(&b, "efghijkl");
	ck_assert_int_eq(b.err, -ENOBUFS);
	ck_assert_ptr_eq(b.p, mem);
	ck_assert_uint_le(b.len, 8);
	ck_assert_int_eq(memcmp(mem, "abcd", 4), 0);
	/* Nothing was written past the capacity. */
	ck_assert_int_eq(mem[8], '#');

	/* The error is sticky. */
	{
		size_t len = b.len;

		buf_put_c(&b, 'x');
		buf_printf(&b, "%d", 1);
		ck_assert_uint_eq(b.len, len);
		ck_assert_int_eq(b.err, -ENOBUFS);
		ck_assert_int_eq(buf_reserve(&b, 1), -ENOBUFS);
	}
}
END_TEST

START_TEST(test_buf_fixed_printf)
{
	struct buf b;
	char mem[32];

	memset(mem, '#', sizeof(mem));
	buf_init_fixed(&b, mem, 10);
	buf_printf(&b, "%s", "0123456789ABCDEF");
	ck_assert_int_eq(b.err, -ENOBUFS);
	ck_assert_uint_le(b.len, 10);
	ck_assert_int_eq(mem[10], '#');
	ck_assert_int_eq(mem[31], '#');
}
END_TEST

/* A spill buffer stays in the caller's memory while it fits, then moves
 * to the heap with what it held; buf_free frees only the heap copy. */
START_TEST(test_buf_spill)
{
	struct buf b;
	char mem[16];

	memset(mem, '#', sizeof(mem));
	buf_init_spill(&b, mem, 8);
	buf_put_cstr(&b, "abc");
	buf_printf(&b, "%d", 42);
	ck_assert_int_eq(b.err, 0);
	ck_assert_ptr_eq(b.p, mem);
	ck_assert_slice(buf_str(&b), "abc42");
	buf_free(&b);
	ck_assert_int_eq(mem[8], '#');

	buf_init_spill(&b, mem, 8);
	buf_put_cstr(&b, "abcdef");
	buf_printf(&b, "%s-%d", "ghijkl", 7);
	ck_assert_int_eq(b.err, 0);
	ck_assert_ptr_ne(b.p, mem);
	ck_assert_slice(buf_str(&b), "abcdefghijkl-7");
	/* Nothing was written past the caller's memory. */
	ck_assert_int_eq(mem[8], '#');
	buf_put_cstr(&b, "0123456789012345678901234567890123456789");
	ck_assert_uint_eq(b.len, 54);
	ck_assert_int_eq(memcmp(b.p, "abcdefghijkl-70123", 18), 0);
	buf_free(&b);

	/* Grown by a single append. */
	buf_init_spill(&b, mem, 4);
	buf_put_cstr(&b, "0123456789");
	ck_assert_ptr_ne(b.p, mem);
	ck_assert_slice(buf_str(&b), "0123456789");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

/* buf_printf prints in one pass where it fits and grows where not. */
START_TEST(test_buf_printf_fits)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s", "");
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.err, 0);
	buf_reserve(&b, 64);
	for (int i = 0; i < 100; i++)
		buf_printf(&b, "%03d,", i);
	ck_assert_uint_eq(b.len, 400);
	ck_assert_int_eq(memcmp(b.p + 396, "099,", 4), 0);
	ck_assert_int_eq(memcmp(b.p, "000,001,", 8), 0);
	buf_free(&b);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("str");
	TCase *tb = tcase_create("buf");

	tcase_add_test(tc, test_str_eq);
	tcase_add_test(tc, test_str_caseeq);
	tcase_add_test(tc, test_str_caseeq_c);
	tcase_add_test(tc, test_str_casestarts);
	tcase_add_test(tc, test_str_trim);
	tcase_add_test(tc, test_str_to_u64_good);
	tcase_add_test(tc, test_str_to_u64_bad);
	tcase_add_test(tc, test_str_chr);
	tcase_add_test(tc, test_str_copy);
	tcase_add_test(tc, test_str_helpers);
	suite_add_tcase(s, tc);

	tcase_add_test(tb, test_buf_append);
	tcase_add_test(tb, test_buf_u64);
	tcase_add_test(tb, test_buf_printf);
	tcase_add_test(tb, test_buf_grow);
	tcase_add_test(tb, test_buf_reserve);
	tcase_add_test(tb, test_buf_reset);
	tcase_add_test(tb, test_buf_fixed);
	tcase_add_test(tb, test_buf_fixed_printf);
	tcase_add_test(tb, test_buf_spill);
	tcase_add_test(tb, test_buf_printf_fits);
	suite_add_tcase(s, tb);
	return s;
}
