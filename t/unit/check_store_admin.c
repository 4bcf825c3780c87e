/*
 * Tests of store_admin against a real SQLite file in a temporary
 * directory: trunks, routes and the ACL as sbcctl edits them, the
 * validation of names, URIs and prefixes, that a refused write leaves
 * nothing behind, and the CDR time filter.  What was written is read
 * back with store_routing_load, as sbcd and sbcctl read it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "sbc/log.h"
#include "sbc/store_admin.h"

static char dir[64];
static char path[128];
static struct store *st;
static char err[512];

static void setup(void)
{
	log_set_level(LOG_LVL_ERR);
	strcpy(dir, "/tmp/check_store_admin.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sbc.db", dir);
	ck_assert_msg(store_open(path, &st, err, sizeof(err)) == 0, "%s", err);
	err[0] = '\0';
}

static void teardown(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm",
					      "-journal" };
	char p[160];

	store_close(st);
	st = NULL;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* A count from a second connection: what another process sees. */
static int rows(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int v;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void raw_exec(const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL),
			 SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int trunk_add(const char *name, const char *realm, const char *uri)
{
	struct store_trunk t = {
		.name = (char *)name,
		.realm = (char *)realm,
		.uri = (char *)uri,
		.tls_verify = 1,
	};

	err[0] = '\0';
	return store_admin_trunk_add(st, &t, err, sizeof(err));
}

static int route_add(const char *name, int prio, const char *from_trunk,
		     const char *t1, const char *t2, const char *t3)
{
	char *targets[3] = { (char *)t1, (char *)t2, (char *)t3 };
	struct store_admin_route r = {
		.name = (char *)name,
		.priority = prio,
		.from_trunk = (char *)from_trunk,
		.targets = targets,
		.n_targets = t3 ? 3 : t2 ? 2 : t1 ? 1 : 0,
	};

	err[0] = '\0';
	return store_admin_route_add(st, &r, err, sizeof(err));
}

START_TEST(test_trunk_add_list_del)
{
	struct store_trunk t = {
		.name = "carrier1",
		.realm = "internal",
		.uri = "gw.example.com:5080",
		.transport = "tcp",
		.max_calls = 30,
		.max_cps = 5,
		.tls_verify = 0,
	};
	struct store_routing *r;
	struct store_trunk *v, one;

	ck_assert_msg(store_admin_trunk_add(st, &t, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(trunk_add("a-trunk", "external",
				   "SIPS:sbc.example.net;transport=tls"),
			 0);
	ck_assert_int_eq(store_routing_load(st, &r), 0);
	ck_assert_uint_eq(r->n_trunks, 2);
	v = r->trunks;
	/* By name. */
	ck_assert_str_eq(v[0].name, "a-trunk");
	ck_assert_str_eq(v[0].uri, "sips:sbc.example.net;transport=tls");
	ck_assert_ptr_null(v[0].transport);
	ck_assert_int_eq(v[0].tls_verify, 1);
	ck_assert_str_eq(v[1].name, "carrier1");
	ck_assert_str_eq(v[1].realm, "internal");
	ck_assert_str_eq(v[1].uri, "sip:gw.example.com:5080");
	ck_assert_str_eq(v[1].transport, "tcp");
	ck_assert_uint_eq(v[1].max_calls, 30);
	ck_assert_uint_eq(v[1].max_cps, 5);
	ck_assert_int_eq(v[1].tls_verify, 0);
	store_routing_unref(r);

	ck_assert_int_eq(store_admin_trunk_get(st, "carrier1", &one, err,
					       sizeof(err)),
			 0);
	ck_assert_str_eq(one.uri, "sip:gw.example.com:5080");
	store_admin_trunk_clear(&one);
	ck_assert_int_eq(store_admin_trunk_get(st, "nope", &one, err,
					       sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "no trunk 'nope'");

	ck_assert_int_eq(store_admin_trunk_del(st, "carrier1", err,
					       sizeof(err)),
			 0);
	ck_assert_int_eq(store_admin_trunk_del(st, "carrier1", err,
					       sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(rows("SELECT count(*) FROM trunks"), 1);
	ck_assert_int_eq(store_routing_load(st, &r), 0);
	ck_assert_uint_eq(r->n_trunks, 1);
	ck_assert_str_eq(r->trunks[0].name, "a-trunk");
	store_routing_unref(r);
}
END_TEST

START_TEST(test_trunk_duplicate)
{
	ck_assert_int_eq(trunk_add("c1", "internal", "10.0.0.1"), 0);
	ck_assert_int_eq(trunk_add("c1", "other", "10.0.0.2"), -EEXIST);
	ck_assert_str_eq(err, "trunk 'c1' exists");
	/* The first one is untouched. */
	ck_assert_int_eq(rows("SELECT count(*) FROM trunks WHERE name = 'c1' "
			      "AND realm = 'internal' AND "
			      "uri = 'sip:10.0.0.1'"),
			 1);
	ck_assert_int_eq(rows("SELECT count(*) FROM trunks"), 1);
}
END_TEST

START_TEST(test_trunk_bad)
{
	const char *names[] = { "", "a b", "x;drop", "\xc3\xbc", NULL };
	char long_name[STORE_ADMIN_NAME_MAX + 2];
	struct store_trunk t = { .name = "ok", .realm = "r", .uri = "h",
				 .transport = "sctp", .tls_verify = 1 };

	/* 64 characters are fine, 65 too many. */
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	names[4] = long_name;
	long_name[STORE_ADMIN_NAME_MAX] = '\0';
	ck_assert_int_eq(trunk_add(long_name, "r", "h"), 0);
	ck_assert_int_eq(store_admin_trunk_del(st, long_name, err,
					       sizeof(err)),
			 0);
	long_name[STORE_ADMIN_NAME_MAX] = 'n';
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		ck_assert_int_eq(trunk_add(names[i], "r", "h"), -EINVAL);
		ck_assert_int_eq(trunk_add("ok", names[i], "h"), -EINVAL);
	}
	ck_assert_int_eq(trunk_add("ok", "r", "sip:"), -EINVAL);
	ck_assert_int_eq(trunk_add("ok", "r", "sip:a b"), -EINVAL);
	ck_assert_int_eq(trunk_add("ok", "r", "http://example.com"), -EINVAL);
	ck_assert_int_eq(trunk_add("ok", "r", "user@host"), -EINVAL);
	ck_assert_int_eq(trunk_add("ok", "r", "sip:h?Subject=x"), -EINVAL);
	ck_assert_int_eq(trunk_add("ok", "r", "host:99999"), -EINVAL);
	ck_assert_int_eq(trunk_add("ok", "r", ""), -EINVAL);
	ck_assert_int_eq(store_admin_trunk_add(st, &t, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "sctp"));
	ck_assert_int_eq(rows("SELECT count(*) FROM trunks"), 0);
}
END_TEST

START_TEST(test_uri_norm)
{
	char out[STORE_ADMIN_URI_MAX + 1];

	ck_assert_int_eq(store_admin_uri_norm("192.0.2.1", out, sizeof(out),
					      err, sizeof(err)),
			 0);
	ck_assert_str_eq(out, "sip:192.0.2.1");
	ck_assert_int_eq(store_admin_uri_norm("2001:db8::1", out, sizeof(out),
					      err, sizeof(err)),
			 0);
	ck_assert_str_eq(out, "sip:[2001:db8::1]");
	ck_assert_int_eq(store_admin_uri_norm("[2001:db8::1]:5062", out,
					      sizeof(out), err, sizeof(err)),
			 0);
	ck_assert_str_eq(out, "sip:[2001:db8::1]:5062");
	ck_assert_int_eq(store_admin_uri_norm("Sip:pbx@h.example;lr", out,
					      sizeof(out), err, sizeof(err)),
			 0);
	ck_assert_str_eq(out, "sip:pbx@h.example;lr");
	ck_assert_int_eq(store_admin_uri_norm("h;lr", out, sizeof(out), err,
					      sizeof(err)),
			 -EINVAL);
}
END_TEST

START_TEST(test_trunk_set)
{
	char *good[] = { "max_calls=7", "transport=tls", "tls_verify=no",
			 "uri=sips:new.example" };
	char *bad[] = { "max_cps=3", "uri=not a uri" };
	struct store_trunk t;

	ck_assert_int_eq(trunk_add("c1", "internal", "10.0.0.1"), 0);
	ck_assert_msg(store_admin_trunk_set(st, "c1", good, 4, err,
					    sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(store_admin_trunk_get(st, "c1", &t, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(t.max_calls, 7);
	ck_assert_str_eq(t.transport, "tls");
	ck_assert_int_eq(t.tls_verify, 0);
	ck_assert_str_eq(t.uri, "sips:new.example");
	store_admin_trunk_clear(&t);
	/* All or nothing: the bad URI keeps max_cps from changing. */
	ck_assert_int_eq(store_admin_trunk_set(st, "c1", bad, 2, err,
					       sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(rows("SELECT max_cps FROM trunks"), 0);
	ck_assert_int_eq(store_admin_trunk_set(st, "zz", good, 1, err,
					       sizeof(err)),
			 -ENOENT);
}
END_TEST

START_TEST(test_route_targets_order)
{
	struct store_routing *rt;
	struct store_route *v;

	ck_assert_int_eq(trunk_add("a", "internal", "10.0.0.1"), 0);
	ck_assert_int_eq(trunk_add("b", "internal", "10.0.0.2"), 0);
	ck_assert_int_eq(trunk_add("c", "internal", "10.0.0.3"), 0);
	ck_assert_msg(route_add("zeta", 10, NULL, "c", "a", "b") == 0, "%s",
		      err);
	ck_assert_int_eq(route_add("alpha", 50, "a", "b", NULL, NULL), 0);
	ck_assert_int_eq(route_add("beta", 10, NULL, "b", "c", NULL), 0);
	ck_assert_int_eq(route_add("beta", 1, NULL, "a", NULL, NULL), -EEXIST);
	ck_assert_str_eq(err, "route 'beta' exists");

	ck_assert_int_eq(store_routing_load(st, &rt), 0);
	ck_assert_uint_eq(rt->n_routes, 3);
	v = rt->routes;
	/* By priority, then name. */
	ck_assert_str_eq(v[0].name, "beta");
	ck_assert_str_eq(v[1].name, "zeta");
	ck_assert_str_eq(v[2].name, "alpha");
	ck_assert_int_eq(v[2].priority, 50);
	ck_assert_str_eq(v[2].from_trunk, "a");
	ck_assert_ptr_null(v[2].from_realm);
	/* Targets in the order given, not by name. */
	ck_assert_uint_eq(v[1].n_targets, 3);
	ck_assert_str_eq(v[1].targets[0]->name, "c");
	ck_assert_str_eq(v[1].targets[1]->name, "a");
	ck_assert_str_eq(v[1].targets[2]->name, "b");
	ck_assert_uint_eq(v[0].n_targets, 2);
	ck_assert_str_eq(v[0].targets[0]->name, "b");
	store_routing_unref(rt);
}
END_TEST

START_TEST(test_route_unknown_trunk_leaves_nothing)
{
	ck_assert_int_eq(trunk_add("a", "internal", "10.0.0.1"), 0);
	/* The second target is missing: the route row that was already
	 * written and the first target are rolled back. */
	ck_assert_int_eq(route_add("r", 1, NULL, "a", "ghost", NULL),
			 -ENOENT);
	ck_assert_str_eq(err, "no trunk 'ghost'");
	ck_assert_int_eq(route_add("r", 1, "ghost", "a", NULL, NULL),
			 -ENOENT);
	ck_assert_int_eq(route_add("r", 1, NULL, "a", "a", NULL), -EINVAL);
	ck_assert_int_eq(route_add("r", 1, NULL, NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(route_add("bad name", 1, NULL, "a", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(rows("SELECT count(*) FROM routes"), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM route_targets"), 0);
}
END_TEST

START_TEST(test_trunk_del_in_use)
{
	ck_assert_int_eq(trunk_add("a", "internal", "10.0.0.1"), 0);
	ck_assert_int_eq(trunk_add("b", "internal", "10.0.0.2"), 0);
	ck_assert_int_eq(route_add("r1", 1, NULL, "b", "a", NULL), 0);
	ck_assert_int_eq(route_add("r2", 1, "a", "b", NULL, NULL), 0);
	ck_assert_int_eq(store_admin_trunk_del(st, "a", err, sizeof(err)),
			 -EBUSY);
	ck_assert_str_eq(err, "trunk 'a' is used by routes 'r1', 'r2'; "
			      "delete or change them first");
	ck_assert_int_eq(rows("SELECT count(*) FROM trunks"), 2);
	ck_assert_int_eq(store_admin_route_del(st, "r1", err, sizeof(err)), 0);
	/* The targets went with the route. */
	ck_assert_int_eq(rows("SELECT count(*) FROM route_targets"), 1);
	ck_assert_int_eq(store_admin_route_del(st, "r1", err, sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(store_admin_trunk_del(st, "a", err, sizeof(err)),
			 -EBUSY);
	ck_assert_str_eq(err, "trunk 'a' is used by route 'r2'; delete or "
			      "change it first");
	ck_assert_int_eq(store_admin_route_del(st, "r2", err, sizeof(err)), 0);
	ck_assert_int_eq(store_admin_trunk_del(st, "a", err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_cidr_norm)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "192.0.2.7", "192.0.2.7/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "2001:DB8:0::/32", "2001:db8::/32" },
		{ "::1", "::1/128" },
		{ "::/0", "::/0" },
		{ "10.128.0.0/9", "10.128.0.0/9" },
	};
	static const char *const bad[] = {
		"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08",
		"10.0.0/8", "10.0.0.0/8x", "::/129", "host.example/8",
		"10.0.0.0 /8", "1.2.3.4/3a",
	};
	char out[STORE_ADMIN_CIDR_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		ck_assert_msg(store_admin_cidr_norm(good[i].in, out,
						    sizeof(out), err,
						    sizeof(err)) == 0,
			      "%s: %s", good[i].in, err);
		ck_assert_str_eq(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(store_admin_cidr_norm(bad[i], out, sizeof(out),
						    err, sizeof(err)) ==
				      -EINVAL,
			      "%s accepted", bad[i]);
	ck_assert_int_eq(store_admin_cidr_norm("10.1.2.3/8", out, sizeof(out),
					       err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "10.1.2.3/8 has host bits set; did you mean "
			      "10.0.0.0/8?");
	ck_assert_int_eq(store_admin_cidr_norm("2001:db8::1/64", out,
					       sizeof(out), err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "2001:db8::/64?"));
}
END_TEST

START_TEST(test_acl)
{
	struct store_routing *r;
	struct store_acl *v;
	long long id1, id2, id3;

	ck_assert_int_eq(store_admin_acl_add(st, "external", "10.0.0.0/8", 1,
					     "office", &id1, err, sizeof(err)),
			 0);
	ck_assert_int_eq(store_admin_acl_add(st, "external", "2001:DB8::/32",
					     0, NULL, &id2, err, sizeof(err)),
			 0);
	ck_assert_int_eq(store_admin_acl_add(st, "internal", "10.0.0.0/8", 0,
					     NULL, &id3, err, sizeof(err)),
			 0);
	/* The same prefix spelled otherwise is a duplicate. */
	ck_assert_int_eq(store_admin_acl_add(st, "external", "2001:db8:0::/32",
					     1, NULL, NULL, err, sizeof(err)),
			 -EEXIST);
	ck_assert_int_eq(store_admin_acl_add(st, "external", "10.1.0.0/8", 1,
					     NULL, NULL, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(store_admin_acl_add(st, "bad realm", "10.0.0.0/8", 1,
					     NULL, NULL, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(rows("SELECT count(*) FROM acl"), 3);

	/* By realm, then id. */
	ck_assert_int_eq(store_routing_load(st, &r), 0);
	ck_assert_uint_eq(r->n_acl, 3);
	v = r->acl;
	ck_assert_str_eq(v[2].realm, "internal");
	ck_assert_int_eq(v[0].id, id1);
	ck_assert_str_eq(v[0].cidr, "10.0.0.0/8");
	ck_assert_int_eq(v[0].allow, 1);
	ck_assert_str_eq(v[0].comment, "office");
	ck_assert_str_eq(v[1].cidr, "2001:db8::/32");
	ck_assert_int_eq(v[1].allow, 0);
	ck_assert_ptr_null(v[1].comment);
	store_routing_unref(r);

	ck_assert_int_eq(store_admin_acl_del(st, "external", "2001:db8::/32",
					     err, sizeof(err)),
			 0);
	ck_assert_int_eq(store_admin_acl_del(st, "external", "2001:db8::/32",
					     err, sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(store_admin_acl_del_id(st, id3, err, sizeof(err)), 0);
	ck_assert_int_eq(store_admin_acl_del_id(st, id3, err, sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(store_routing_load(st, &r), 0);
	ck_assert_uint_eq(r->n_acl, 1);
	ck_assert_int_eq(r->acl[0].id, id1);
	store_routing_unref(r);
}
END_TEST

struct cdr_seen {
	int n;
	char calls[8][16];
	int64_t answered[8];
};

static int cdr_cb(void *arg, long long id, const struct store_cdr *c)
{
	struct cdr_seen *s = arg;

	if (s->n < 8) {
		snprintf(s->calls[s->n], sizeof(s->calls[0]), "%s", c->call);
		s->answered[s->n] = c->answered_ms;
	}
	s->n++;
	return 0;
}

static int cdr_stop(void *arg, long long id, const struct store_cdr *c)
{
	return 42;
}

START_TEST(test_cdr_filter)
{
	struct cdr_seen seen = { 0 };

	raw_exec("INSERT INTO cdrs (call, started_ms, answered_ms, ended_ms, "
		 "status, hangup) VALUES "
		 "('late', 3000, 3100, 4000, 200, 'caller'),"
		 "('early', 1000, NULL, 1500, 486, 'callee'),"
		 "('edge', 2000, 2500, 2600, 200, 'sbc'),"
		 "('mid', 1999, 2000, 2100, 200, 'caller')");
	ck_assert_int_eq(store_admin_cdr_each(st, INT64_MIN, INT64_MAX,
					      cdr_cb, &seen, err, sizeof(err)),
			 0);
	ck_assert_int_eq(seen.n, 4);
	ck_assert_str_eq(seen.calls[0], "early");
	ck_assert_int_eq(seen.answered[0], 0);
	ck_assert_str_eq(seen.calls[3], "late");

	/* [from, to): 2000 is in, 3000 is out. */
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(store_admin_cdr_each(st, 1999, 3000, cdr_cb, &seen,
					      err, sizeof(err)),
			 0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_str_eq(seen.calls[0], "mid");
	ck_assert_str_eq(seen.calls[1], "edge");
	ck_assert_int_eq(seen.answered[1], 2500);

	ck_assert_int_eq(store_admin_cdr_each(st, INT64_MIN, INT64_MAX,
					      cdr_stop, NULL, err,
					      sizeof(err)),
			 42);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("store_admin");
	TCase *tc = tcase_create("store_admin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_trunk_add_list_del);
	tcase_add_test(tc, test_trunk_duplicate);
	tcase_add_test(tc, test_trunk_bad);
	tcase_add_test(tc, test_uri_norm);
	tcase_add_test(tc, test_trunk_set);
	tcase_add_test(tc, test_route_targets_order);
	tcase_add_test(tc, test_route_unknown_trunk_leaves_nothing);
	tcase_add_test(tc, test_trunk_del_in_use);
	tcase_add_test(tc, test_cidr_norm);
	tcase_add_test(tc, test_acl);
	tcase_add_test(tc, test_cdr_filter);
	suite_add_tcase(s, tc);
	return s;
}
