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

/* The directory the file goes in, which store_open would create. */
static int mkdir_parent(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/var", dir);
	return mkdir(p, 0700);
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

/* A database of the first schema, as the first release made it, is
 * brought to the latest version at open, its data kept. */
START_TEST(test_migrate_from_v1)
{
	struct store *s;
	char err[256], v[64];
	sqlite3 *db;

	ck_assert_int_eq(mkdir_parent(), 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	raw_exec(db, store_migrations[0].sql);
	raw_exec(db, "PRAGMA user_version = 1;"
		     "INSERT INTO meta VALUES ('mark', 'kept')");
	sqlite3_close(db);

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_schema_version(s), store_schema_latest());
	ck_assert_int_eq(store_meta_get(s, "mark", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "kept");
	store_close(s);
	db = raw_open();
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master "
				     "WHERE type = 'table' AND name IN "
				     "('trunks', 'routes', 'route_targets', "
				     "'acl', 'dialogs', 'dialog_legs', "
				     "'cdrs')"),
			 7);
	sqlite3_close(db);
}
END_TEST

/* Trunks, routes and ACL entries come back in priority order, each
 * route with its trunks in position order. */
START_TEST(test_routing_load)
{
	struct store_routing *r;
	struct store *s;
	char err[256];
	sqlite3 *db;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	db = raw_open();
	raw_exec(db,
		 "INSERT INTO trunks (name, realm, uri, transport) VALUES "
		 "('a', 'internal', 'sip:10.0.0.1', NULL),"
		 "('b', 'internal', 'sip:pbx.example', 'tcp');"
		 "INSERT INTO routes (name, priority, from_realm, user_prefix) "
		 "VALUES ('late', 200, 'external', NULL),"
		 "('early', 10, 'external', '49');"
		 "INSERT INTO route_targets VALUES ('early', 2, 'a'),"
		 "('early', 1, 'b'), ('late', 1, 'a');"
		 "INSERT INTO acl (realm, cidr, action) VALUES "
		 "('external', '192.0.2.0/24', 'allow')");
	sqlite3_close(db);

	ck_assert_int_eq(store_routing_load(s, &r), 0);
	ck_assert_uint_eq(r->refs, 1);
	ck_assert_uint_eq(r->n_trunks, 2);
	ck_assert_str_eq(r->trunks[1].transport, "tcp");
	ck_assert_ptr_null(r->trunks[0].transport);
	ck_assert_uint_eq(r->n_routes, 2);
	ck_assert_str_eq(r->routes[0].name, "early");
	ck_assert_str_eq(r->routes[0].user_prefix, "49");
	ck_assert_ptr_null(r->routes[1].user_prefix);
	ck_assert_uint_eq(r->routes[0].n_targets, 2);
	ck_assert_str_eq(r->routes[0].targets[0]->name, "b");
	ck_assert_str_eq(r->routes[0].targets[1]->name, "a");
	ck_assert_ptr_eq(r->routes[0].targets[1],
			 store_routing_trunk(r, "a"));
	ck_assert_ptr_null(store_routing_trunk(r, "c"));
	ck_assert_uint_eq(r->n_acl, 1);
	ck_assert_int_eq(r->acl[0].allow, 1);
	store_routing_ref(r);
	store_routing_unref(r);
	ck_assert_uint_eq(r->refs, 1);
	store_routing_unref(r);
	store_close(s);
}
END_TEST

static int count_dialog(void *arg, const struct store_dialog *d)
{
	struct store_dialog *out = arg;

	ck_assert_str_eq(d->id, "call1");
	ck_assert_str_eq(d->caller, "<sip:alice@a>");
	ck_assert_ptr_null(d->from_trunk);
	ck_assert_int_eq(d->answered_ms, 2000);
	ck_assert_str_eq(d->leg[1].transport, "tcp");
	ck_assert_str_eq(d->leg[1].route_set, "<sip:p1;lr>\n<sip:p2;lr>");
	ck_assert_uint_eq(d->leg[1].local_cseq, 7);
	ck_assert_int_eq(d->leg[0].remote_cseq, -1);
	ck_assert_str_eq(d->leg[0].remote_target, "sip:alice@192.0.2.1");
	out->updated_ms++;	/* counts the calls */
	return 0;
}

static const struct store_dialog dialog1 = {
	.id = "call1",
	.route = "r",
	.caller = "<sip:alice@a>",
	.callee = "<sip:bob@b>",
	.started_ms = 1000,
	.answered_ms = 2000,
	.updated_ms = 2000,
	.leg = {
		{ .realm = "external", .transport = "udp",
		  .peer = "192.0.2.1:5060", .call_id = "a-cid",
		  .local_tag = "la", .remote_tag = "ra", .local_cseq = 0,
		  .remote_cseq = -1, .local_uri = "<sip:bob@b>",
		  .remote_uri = "<sip:alice@a>",
		  .remote_target = "sip:alice@192.0.2.1", .route_set = "" },
		{ .realm = "internal", .transport = "tcp",
		  .peer = "[2001:db8::1]:5060", .call_id = "b-cid",
		  .local_tag = "lb", .remote_tag = "rb", .local_cseq = 7,
		  .remote_cseq = 3, .local_uri = "<sip:alice@sbc>",
		  .remote_uri = "<sip:bob@b>",
		  .remote_target = "sip:bob@10.0.0.2",
		  .route_set = "<sip:p1;lr>\n<sip:p2;lr>" },
	},
};

/* The writer thread applies dialog rows, their deletion and CDRs; what
 * it wrote reads back whole; a write the schema refuses leaves nothing
 * and is counted. */
START_TEST(test_writer)
{
	struct store_writer *w;
	struct store_dialog seen = { 0 }, bad = dialog1;
	struct store_cdr cdr = {
		.call = "call1", .started_ms = 1000, .answered_ms = 2000,
		.ended_ms = 3000, .caller = "<sip:alice@a>", .status = 200,
		.hangup = "callee",
	};
	struct store *s;
	char err[256];
	sqlite3 *db;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_writer_start(path, &w, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(store_writer_dialog_put(w, &dialog1), 0);
	bad.id = "bad";
	bad.leg[0].transport = "sctp";
	ck_assert_int_eq(store_writer_dialog_put(w, &bad), 0);
	ck_assert_int_eq(store_writer_cdr(w, &cdr), 0);
	store_writer_stop(w);

	ck_assert_int_eq(store_dialogs_load(s, count_dialog, &seen), 0);
	ck_assert_int_eq(seen.updated_ms, 1);
	db = raw_open();
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM dialogs "
				     "WHERE id = 'bad'"),
			 0);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM cdrs WHERE "
				     "hangup = 'callee' AND status = 200 AND "
				     "ended_ms = 3000"),
			 1);
	sqlite3_close(db);

	ck_assert_msg(store_writer_start(path, &w, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(store_writer_dialog_del(w, "call1"), 0);
	store_writer_stop(w);
	db = raw_open();
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM dialog_legs"), 0);
	sqlite3_close(db);
	store_close(s);
}
END_TEST

/* The counters of one writer: written, failed, batches. */
START_TEST(test_writer_stats)
{
	struct store_writer *w;
	struct store_writer_stats st;
	struct store_dialog bad = dialog1;
	struct store *s;
	char err[256];

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_writer_start(path, &w, err, sizeof(err)) == 0,
		      "%s", err);
	bad.id = "bad";
	bad.leg[1].transport = "sctp";
	ck_assert_int_eq(store_writer_dialog_put(w, &dialog1), 0);
	ck_assert_int_eq(store_writer_dialog_put(w, &bad), 0);
	ck_assert_int_eq(store_writer_dialog_del(w, "call1"), 0);
	/* Until the queue drains; bounded. */
	for (int i = 0; i < 500; i++) {
		store_writer_stats(w, &st);
		if (st.queued == 0)
			break;
		usleep(10000);
	}
	ck_assert_uint_eq(st.queued, 0);
	/* The put of call1 is written, or coalesced with its delete when
	 * both fall in one batch. */
	ck_assert_uint_eq(st.written + st.coalesced, 2);
	ck_assert_uint_le(st.coalesced, 1);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert_uint_ge(st.batches, 1);
	ck_assert_uint_le(st.batches, 3);
	ck_assert_uint_ge(st.queued_max, 1);
	ck_assert_uint_eq(st.dropped, 0);
	store_writer_stop(w);
	store_close(s);
}
END_TEST

/* Waits, bounded, until the writer's queue is empty. */
static void writer_drain(struct store_writer *w, struct store_writer_stats *st)
{
	for (int i = 0; i < 500; i++) {
		store_writer_stats(w, st);
		if (st->queued == 0)
			return;
		usleep(10000);
	}
	ck_abort_msg("the writer's queue did not drain");
}

/* A batch that cannot begin (another process holds the write lock past
 * the busy timeout) fails whole and is counted; once the lock is gone,
 * the next batch is written: the prepared BEGIN, COMMIT and ROLLBACK
 * recover from a failure. */
START_TEST(test_writer_locked_batch)
{
	struct store_cdr cdr = {
		.call = "c-locked", .started_ms = 1, .ended_ms = 2,
		.status = 487, .hangup = "caller",
	};
	struct store_writer *w;
	struct store_writer_stats st;
	struct store *s;
	char err[256];
	sqlite3 *db;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_writer_start(path, &w, err, sizeof(err)) == 0,
		      "%s", err);
	db = raw_open();
	raw_exec(db, "BEGIN IMMEDIATE");
	ck_assert_int_eq(store_writer_cdr(w, &cdr), 0);
	writer_drain(w, &st);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert_uint_eq(st.written, 0);
	raw_exec(db, "ROLLBACK");
	cdr.call = "c-free";
	ck_assert_int_eq(store_writer_cdr(w, &cdr), 0);
	writer_drain(w, &st);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert_uint_eq(st.written, 1);
	store_writer_stop(w);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM cdrs WHERE "
				     "call = 'c-free'"),
			 1);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM cdrs WHERE "
				     "call = 'c-locked'"),
			 0);
	sqlite3_close(db);
	store_close(s);
}
END_TEST

/* A dialog's first write and its delete in one batch write nothing; a
 * delete after its row was committed still deletes it. */
START_TEST(test_writer_first_put_del)
{
	struct store_writer *w;
	struct store_writer_stats st;
	struct store_dialog d = dialog1;
	struct store *s;
	sqlite3 *db;
	char err[256];

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_writer_start(path, &w, err, sizeof(err)) == 0,
		      "%s", err);
	d.id = "short";
	d.first = 1;
	ck_assert_int_eq(store_writer_dialog_put(w, &d), 0);
	ck_assert_int_eq(store_writer_dialog_del(w, "short"), 0);
	writer_drain(w, &st);
	ck_assert_uint_eq(st.errors, 0);
	/* One batch: both dropped; two: written and deleted. */
	ck_assert_uint_eq(st.written + st.coalesced, 2);
	ck_assert(st.coalesced == 0 || st.coalesced == 2);

	d.id = "long";
	ck_assert_int_eq(store_writer_dialog_put(w, &d), 0);
	writer_drain(w, &st);
	db = raw_open();
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM dialogs "
				     "WHERE id = 'long'"),
			 1);
	sqlite3_close(db);
	ck_assert_int_eq(store_writer_dialog_del(w, "long"), 0);
	store_writer_stop(w);
	db = raw_open();
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM dialogs"), 0);
	ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM dialog_legs"), 0);
	sqlite3_close(db);
	store_close(s);
}
END_TEST

/* One line per column and per index of a database, sorted: the shape
 * of its schema, whatever the SQL text that made it. */
static char *schema_shape(sqlite3 *db)
{
	static const char sql[] =
		"SELECT m.name || '.' || p.name || ' ' || p.type || ' ' || "
		"p.\"notnull\" || ' ' || ifnull(p.dflt_value, '-') || ' ' || "
		"p.pk FROM sqlite_master m, pragma_table_info(m.name) p "
		"WHERE m.type = 'table' UNION ALL "
		"SELECT m.name || ' index ' || i.name || ' ' || i.\"unique\" "
		"FROM sqlite_master m, pragma_index_list(m.name) i "
		"WHERE m.type = 'table' ORDER BY 1";
	sqlite3_stmt *st;
	size_t len = 0;
	char *out = calloc(1, 1);

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(row);

		out = realloc(out, len + n + 2);
		ck_assert_ptr_nonnull(out);
		memcpy(out + len, row, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	return out;
}

/* db/schema.sql describes what the migrations make. */
START_TEST(test_schema_file)
{
	struct store *s;
	char err[256], *want, *got, *text;
	sqlite3 *db;
	FILE *f;
	long n;

	ck_assert_msg(store_open(path, &s, err, sizeof(err)) == 0, "%s", err);
	store_close(s);
	db = raw_open();
	got = schema_shape(db);
	sqlite3_close(db);

	f = fopen(SRCDIR "/db/schema.sql", "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
	want = schema_shape(db);
	sqlite3_close(db);
	ck_assert_uint_gt(strlen(want), 100);
	/* The first line that differs, rather than both whole shapes. */
	if (strcmp(got, want) != 0) {
		size_t i = 0, line = 0;

		while (got[i] && got[i] == want[i])
			i++;
		while (i > 0 && got[i - 1] != '\n')
			i--;
		line = i;
		ck_abort_msg("migrations give '%.60s', db/schema.sql '%.60s'",
			     got + line, want + line);
	}
	free(text);
	free(got);
	free(want);
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
	tcase_add_test(tc, test_writer_locked_batch);
	tcase_add_test(tc, test_no_parent);
	tcase_add_test(tc, test_migrate_from_v1);
	tcase_add_test(tc, test_routing_load);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_writer_stats);
	tcase_add_test(tc, test_writer_first_put_del);
	tcase_add_test(tc, test_schema_file);
	suite_add_tcase(s, tc);
	return s;
}
