/*
 * Tests of the ACL tables (sbc/acl.h): longest-prefix match over IPv4
 * and IPv6, ties, /0, host prefixes, trunks and realm separation.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check_main.h"
#include "sbc/acl.h"

static struct sockaddr_storage sa(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, ip,
			   &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		ck_abort_msg("bad test address %s", ip);
	return ss;
}

static enum acl_verdict match(const struct acl_table *t, const char *realm,
			      const char *ip)
{
	struct sockaddr_storage ss = sa(ip);

	return acl_table_match(t, realm, (struct sockaddr *)&ss);
}

#define ACL(realm, cidr, allow) \
	{ 0, (char *)(realm), (char *)(cidr), (allow), NULL }

static struct acl_table *build(struct store_acl *e, size_t n,
			       struct store_trunk *tr, size_t nt, size_t *bad)
{
	struct store_routing r = { .refs = 1 };
	struct acl_table *t;

	r.acl = e;
	r.n_acl = n;
	r.trunks = tr;
	r.n_trunks = nt;
	ck_assert_int_eq(acl_table_build(&r, &t, bad), 0);
	return t;
}

START_TEST(test_longest_prefix_v4)
{
	struct store_acl e[] = {
		ACL("ext", "10.0.0.0/8", 1),
		ACL("ext", "10.1.0.0/16", 0),
		ACL("ext", "10.1.2.0/24", 1),
		ACL("ext", "10.1.2.3/32", 0),
	};
	struct acl_table *t = build(e, 4, NULL, 0, NULL);

	ck_assert_int_eq(match(t, "ext", "10.9.9.9"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "10.1.9.9"), ACL_DENY);
	ck_assert_int_eq(match(t, "ext", "10.1.2.4"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "10.1.2.3"), ACL_DENY);
	ck_assert_int_eq(match(t, "ext", "11.0.0.1"), ACL_NONE);
	ck_assert_uint_eq(acl_table_entries(t, "ext"), 4);
	acl_table_free(t);
}
END_TEST

START_TEST(test_order_does_not_matter)
{
	/* The same entries, most specific first. */
	struct store_acl e[] = {
		ACL("ext", "10.1.2.3/32", 0),
		ACL("ext", "10.1.2.0/24", 1),
		ACL("ext", "10.0.0.0/8", 1),
	};
	struct acl_table *t = build(e, 3, NULL, 0, NULL);

	ck_assert_int_eq(match(t, "ext", "10.1.2.3"), ACL_DENY);
	ck_assert_int_eq(match(t, "ext", "10.1.2.2"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "10.200.0.1"), ACL_ALLOW);
	acl_table_free(t);
}
END_TEST

START_TEST(test_v6_and_mapped)
{
	struct store_acl e[] = {
		ACL("ext", "2001:db8::/32", 1),
		ACL("ext", "2001:db8:bad::/48", 0),
		ACL("ext", "192.0.2.0/24", 1),
	};
	struct acl_table *t = build(e, 3, NULL, 0, NULL);

	ck_assert_int_eq(match(t, "ext", "2001:db8:1::1"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "2001:db8:bad::1"), ACL_DENY);
	ck_assert_int_eq(match(t, "ext", "2001:db9::1"), ACL_NONE);
	/* RFC 4291 2.5.5.2: a mapped address is its IPv4 address. */
	ck_assert_int_eq(match(t, "ext", "::ffff:192.0.2.7"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "::ffff:192.0.3.7"), ACL_NONE);
	/* An IPv4 prefix says nothing of IPv6 and back. */
	ck_assert_int_eq(match(t, "ext", "::1"), ACL_NONE);
	acl_table_free(t);
}
END_TEST

START_TEST(test_ties_and_zero)
{
	struct store_acl e[] = {
		ACL("ext", "0.0.0.0/0", 1),
		ACL("ext", "::/0", 0),
		ACL("ext", "198.51.100.0/24", 1),
		ACL("ext", "198.51.100.0/24", 0),
	};
	struct acl_table *t = build(e, 4, NULL, 0, NULL);

	/* /0 matches everything of its family. */
	ck_assert_int_eq(match(t, "ext", "203.0.113.1"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "2001:db8::1"), ACL_DENY);
	/* The same prefix allowed and denied: deny wins. */
	ck_assert_int_eq(match(t, "ext", "198.51.100.1"), ACL_DENY);
	acl_table_free(t);
}
END_TEST

START_TEST(test_trunks_and_realms)
{
	struct store_acl e[] = {
		ACL("ext", "127.0.0.0/8", 0),
		ACL("int", "127.0.0.4/32", 1),
		ACL("ext", "127.0.0.9/32", 0),
	};
	struct store_trunk tr[] = {
		{ .name = (char *)"pbx", .realm = (char *)"ext",
		  .uri = (char *)"sip:127.0.0.3:5070" },
		{ .name = (char *)"v6", .realm = (char *)"ext",
		  .uri = (char *)"sip:[2001:db8::5]:5060;transport=tcp" },
		{ .name = (char *)"denied", .realm = (char *)"ext",
		  .uri = (char *)"sip:127.0.0.9" },
		{ .name = (char *)"named", .realm = (char *)"ext",
		  .uri = (char *)"sip:pbx.example.com" },
	};
	struct acl_table *t = build(e, 3, tr, 4, NULL);

	/* A trunk is a host prefix: more specific than the /8 deny. */
	ck_assert_int_eq(match(t, "ext", "127.0.0.3"), ACL_TRUNK);
	ck_assert_int_eq(match(t, "ext", "2001:db8::5"), ACL_TRUNK);
	/* A deny entry of the same address beats the trunk. */
	ck_assert_int_eq(match(t, "ext", "127.0.0.9"), ACL_DENY);
	ck_assert_int_eq(match(t, "ext", "127.0.0.4"), ACL_DENY);
	/* Realms are separate. */
	ck_assert_int_eq(match(t, "int", "127.0.0.4"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "int", "127.0.0.3"), ACL_NONE);
	ck_assert_int_eq(match(t, "other", "127.0.0.3"), ACL_NONE);
	/* Trunks are not ACL entries. */
	ck_assert_uint_eq(acl_table_entries(t, "ext"), 2);
	ck_assert_uint_eq(acl_table_entries(t, "int"), 1);
	ck_assert_uint_eq(acl_table_entries(t, "other"), 0);
	acl_table_free(t);
}
END_TEST

START_TEST(test_bad_and_empty)
{
	struct store_acl e[] = {
		ACL("ext", "10.0.0.1/8", 1),	/* host bits set */
		ACL("ext", "10.0.0.0/33", 1),
		ACL("ext", "nonsense", 1),
		ACL("ext", "10.0.0.0/", 1),
		ACL("ext", "192.0.2.1", 1),	/* a bare host */
	};
	struct acl_table *t;
	size_t bad;

	t = build(e, 5, NULL, 0, &bad);
	ck_assert_uint_eq(bad, 4);
	ck_assert_int_eq(match(t, "ext", "192.0.2.1"), ACL_ALLOW);
	ck_assert_int_eq(match(t, "ext", "192.0.2.2"), ACL_NONE);
	ck_assert_int_eq(match(t, "ext", "10.0.0.1"), ACL_NONE);
	acl_table_free(t);
	/* No routing, no table: nothing matches. */
	ck_assert_int_eq(acl_table_build(NULL, &t, NULL), 0);
	ck_assert_int_eq(match(t, "ext", "10.0.0.1"), ACL_NONE);
	acl_table_free(t);
	ck_assert_int_eq(match(NULL, "ext", "10.0.0.1"), ACL_NONE);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_longest_prefix_v4);
	tcase_add_test(tc, test_order_does_not_matter);
	tcase_add_test(tc, test_v6_and_mapped);
	tcase_add_test(tc, test_ties_and_zero);
	tcase_add_test(tc, test_trunks_and_realms);
	tcase_add_test(tc, test_bad_and_empty);
	suite_add_tcase(s, tc);
	return s;
}
