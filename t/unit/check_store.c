/*
 * Tests of the store against real SQLite files in a temporary directory:
 * creation and migration, reopening, and the databases sbcd must refuse.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "sbc/log.h"
#include "sbc/store.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static char dir[64];
static char path[128];

/* Each test gets a fresh directory; the file goes in a subdirectory. */
static void setup(void)
{
	log_set_level(LOG_LVL_ERR);
	strcpy(dir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/var/sbc.db", dir);
}

static void teardown(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm",
					      "-journal" };
	char p[160];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/var", dir);
	rmdir(p);
	rmdir(dir);
}

static sqlite3 *raw_open(void)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL),
			 SQLITE_OK);
	return db;
}

static int raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(db));
}

START_TEST(test_migrations_embedded)
{
	ck_assert_uint_ge(store_migrations_n, 1);
	ck_assert_int_eq(store_schema_latest(), (int)store_migrations_n);
	for (size_t i = 0; i < store_migrations_n; i++) {
		ck_assert_int_eq(store_migrations[i].version, (int)i + 1);
		ck_assert_ptr_nonnull(strstr(store_migrations[i].sql, ";"));
	}
	ck_assert_str_eq(store_migrations[0].name, "001_initial.sql");
}
END_TEST

START_TEST(test_fresh)
{
	struct store *s;
	char err[256], v[64];
	sqlite3 *db;
	sqlite3_stmt *st;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_schema_version(s), store_schema_latest());
	ck_assert_int_eq(store_meta_get(s, "sbc_version", v, sizeof(v)), 0);
	ck_assert_str_eq(v, PACKAGE_VERSION);
	ck_assert_int_eq(store_meta_get(s, "created_at", v, sizeof(v)), 0);
	ck_assert_uint_eq(strlen(v), strlen("2024-01-01T00:00:00Z"));
	ck_assert_int_eq(store_meta_get(s, "nothing", v, sizeof(v)), -ENOENT);
	store_close(s);

	/* What another program sees in the file. */
	db = raw_open();
	ck_assert_int_eq(raw_int(db, "PRAGMA user_version"),
			 (int)store_migrations_n);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
					    &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM meta"), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_reopen)
{
	struct store *s;
	char err[256], first[64], again[64];

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_meta_get(s, "created_at", first,
					sizeof(first)),
			 0);
	store_close(s);
	/* The created_at of a second run would differ by a second. */
	sleep(1);
	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_schema_version(s), store_schema_latest());
	ck_assert_int_eq(store_meta_get(s, "created_at", again,
					sizeof(again)),
			 0);
	ck_assert_str_eq(first, again);
	store_close(s);
	store_close(NULL);
}
END_TEST

START_TEST(test_newer_refused)
{
	struct store *s;
	char err[256], want[256];
	sqlite3 *db;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	store_close(s);
	db = raw_open();
	snprintf(want, sizeof(want), "PRAGMA user_version = %d",
		 store_schema_latest() + 1);
	raw_exec(db, want);
	sqlite3_close(db);

	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), -ENOTSUP);
	ck_assert_ptr_null(s);
	snprintf(want, sizeof(want),
		 "%s: schema version %d is newer than this sbc knows (%d)",
		 path, store_schema_latest() + 1, store_schema_latest());
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "'%s'", err);
}
END_TEST

START_TEST(test_garbage_refused)
{
	struct store *s;
	char err[256], junk[4096];
	int fd;

	snprintf(junk, sizeof(junk), "%s/var", dir);
	ck_assert_int_eq(mkdir(junk, 0700), 0);
	memset(junk, 'x', sizeof(junk));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);

	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "not an SQLite database, or corrupt") !=
			      NULL,
		      "'%s'", err);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "'%s'", err);
}
END_TEST

START_TEST(test_locked_refused)
{
	struct store *s;
	char err[256];
	sqlite3 *db;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	store_close(s);

	/* Another process in the middle of a write transaction. */
	db = raw_open();
	raw_exec(db, "BEGIN EXCLUSIVE");
	raw_exec(db, "INSERT INTO meta VALUES ('lock', 'held')");
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), -EBUSY);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "database is locked by another process") !=
			      NULL,
		      "'%s'", err);
	raw_exec(db, "ROLLBACK");

	/* Once the lock is gone the same file opens. */
	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	store_close(s);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_no_parent)
{
	struct store *s;
	char err[256], deep[160];

	/* Only one missing level is created. */
	snprintf(deep, sizeof(deep), "%s/a/b/sbc.db", dir);
	ck_assert_int_eq(store_open(deep, &s, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "cannot create directory") != NULL, "'%s'",
		      err);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_migrations_embedded);
	tcase_add_test(tc, test_fresh);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_newer_refused);
	tcase_add_test(tc, test_garbage_refused);
	tcase_add_test(tc, test_locked_refused);
	tcase_add_test(tc, test_no_parent);
	suite_add_tcase(s, tc);
	return s;
}
