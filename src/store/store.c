/*
 * store: opening, checking and migrating the SQLite database (layer 2).
 *
 * Every SQLite result code is mapped to a negative errno here, where the
 * library is called, and every failure leaves a message that names the
 * file, because the operator sees it when sbcd refuses to start.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc/fs.h"
#include "sbc/log.h"
#include "sbc/store.h"
#include "store_int.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif


void store_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

char *store_col_dup(sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	char *d;

	if (!t)
		return NULL;
	d = strdup((const char *)t);
	if (!d)
		*oom = 1;
	return d;
}

/* Maps an SQLite result code to a negative errno. */
int store_errno(sqlite3 *db, int rc)
{
	int sys;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
		sys = db ? sqlite3_system_errno(db) : 0;
		return sys > 0 ? -sys : -EIO;
	default:
		return -EIO;
	}
}

/*
 * Fills err for a failed SQLite call: doing says what sbc was doing
 * ("opening", "applying 001_initial.sql").  Returns the mapped errno.
 */
static int store_fail(sqlite3 *db, int rc, const char *path,
		      const char *doing, char *err, size_t errlen)
{
	int e = store_errno(db, rc);
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (e) {
	case -EBUSY:
		store_msg(err, errlen,
			  "%s: database is locked by another process "
			  "(gave up after %d ms %s)",
			  path, STORE_BUSY_TIMEOUT_MS, doing);
		break;
	case -EINVAL:
		store_msg(err, errlen,
			  "%s: not an SQLite database, or corrupt (%s, %s)",
			  path, msg, doing);
		break;
	default:
		store_msg(err, errlen, "%s: %s %s", path, msg, doing);
		break;
	}
	return e;
}

/* Runs one or more statements that return no rows. */
static int store_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Runs a statement that returns one integer, such as a PRAGMA. */
static int store_query_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Switches to write-ahead logging (a persistent property of the file)
 * and checks that SQLite agreed: it answers with the mode in effect.
 */
static int store_wal(sqlite3 *db, const char *path, char *err,
		     size_t errlen)
{
	sqlite3_stmt *st;
	const char *mode;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return store_fail(db, rc, path, "setting WAL mode", err,
				  errlen);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_fail(db, rc, path, "setting WAL mode", err,
				  errlen);
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || (strcasecmp(mode, "wal") != 0 &&
			     strcasecmp(mode, "memory") != 0)) {
		store_msg(err, errlen,
			  "%s: cannot use WAL mode (journal_mode stays %s)",
			  path, mode ? mode : "unknown");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Records which release last changed the schema. */
static int store_stamp(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"INSERT OR REPLACE INTO meta (key, value) "
				"VALUES ('sbc_version', ?1)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, PACKAGE_VERSION, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int store_too_new(const char *path, int v, char *err, size_t errlen)
{
	store_msg(err, errlen,
		  "%s: schema version %d is newer than this sbc knows "
		  "(%d); use a newer sbc or another database",
		  path, v, store_schema_latest());
	return -ENOTSUP;
}

/*
 * Brings the schema to the latest version, one migration per
 * transaction.  BEGIN IMMEDIATE takes the write lock before the version
 * is read, so two processes never apply the same migration; it is also
 * taken when nothing is left to do, which is how a database that
 * another process holds locked is noticed at start rather than at the
 * first write.
 */
static int store_migrate(sqlite3 *db, const char *path, int *version,
			 char *err, size_t errlen)
{
	char doing[128];
	char sql[64];
	int latest = store_schema_latest();
	int rc, v;

	for (;;) {
		const struct store_migration *m;

		rc = store_exec(db, "BEGIN IMMEDIATE");
		if (rc != SQLITE_OK)
			return store_fail(db, rc, path,
					  "taking the write lock", err,
					  errlen);
		rc = store_query_int(db, "PRAGMA user_version", &v);
		if (rc != SQLITE_OK) {
			store_exec(db, "ROLLBACK");
			return store_fail(db, rc, path,
					  "reading the schema version", err,
					  errlen);
		}
		if (v < 0 || v > latest) {
			store_exec(db, "ROLLBACK");
			return store_too_new(path, v, err, errlen);
		}
		if (v == latest)
			break;

		m = &store_migrations[v];
		snprintf(doing, sizeof(doing), "applying migration %s",
			 m->name);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 m->version);
		rc = store_exec(db, m->sql);
		if (rc == SQLITE_OK)
			rc = store_exec(db, sql);
		if (rc == SQLITE_OK)
			rc = store_stamp(db);
		if (rc == SQLITE_OK)
			rc = store_exec(db, "COMMIT");
		if (rc != SQLITE_OK) {
			int e = store_fail(db, rc, path, doing, err, errlen);

			store_exec(db, "ROLLBACK");
			return e;
		}
		log_info("%s: applied migration %s", path, m->name);
	}
	rc = store_exec(db, "COMMIT");
	if (rc != SQLITE_OK)
		return store_fail(db, rc, path, "checking the schema", err,
				  errlen);
	*version = v;
	return 0;
}

int store_open(const char *path, struct store **out, char *err,
	       size_t errlen)
{
	struct store *s;
	sqlite3 *db = NULL;
	int rc, v;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	for (size_t i = 0; i < store_migrations_n; i++) {
		if (store_migrations[i].version != (int)i + 1) {
			store_msg(err, errlen,
				  "%s: migration %s is out of order", path,
				  store_migrations[i].name);
			return -EINVAL;
		}
	}
	rc = fs_mkdir_parent(path, err, errlen);
	if (rc < 0)
		return rc;

	rc = sqlite3_open_v2(path, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(db, rc, path, "opening", err, errlen);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);

	/*
	 * The first read checks that the file is a database at all, and a
	 * schema that is too new is refused before anything is written to
	 * it, not even the journal mode.
	 */
	rc = store_query_int(db, "PRAGMA user_version", &v);
	if (rc != SQLITE_OK) {
		rc = store_fail(db, rc, path, "reading the schema version",
				err, errlen);
		goto fail;
	}
	if (v < 0 || v > store_schema_latest()) {
		rc = store_too_new(path, v, err, errlen);
		goto fail;
	}

	rc = store_wal(db, path, err, errlen);
	if (rc < 0)
		goto fail;
	/*
	 * In WAL mode synchronous=NORMAL keeps the database consistent
	 * across a power loss and loses at most the last transactions; it
	 * is a property of the connection, so it is set on every open.
	 */
	rc = store_exec(db, "PRAGMA synchronous = NORMAL;"
			    "PRAGMA foreign_keys = ON");
	if (rc != SQLITE_OK) {
		rc = store_fail(db, rc, path, "setting pragmas", err, errlen);
		goto fail;
	}
	rc = store_migrate(db, path, &v, err, errlen);
	if (rc < 0)
		goto fail;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = -ENOMEM;
		store_msg(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	s->db = db;
	s->version = v;
	*out = s;
	return 0;

fail:
	sqlite3_close(db);
	return rc;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	/* All statements are finalized where they are used. */
	sqlite3_close(s->db);
	free(s);
}

int store_schema_version(const struct store *s)
{
	return s->version;
}

int store_schema_latest(void)
{
	return (int)store_migrations_n;
}

int store_meta_get(struct store *s, const char *key, char *dst, size_t n)
{
	sqlite3_stmt *st;
	const char *v;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(s->db, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		if (n > 0)
			snprintf(dst, n, "%s", v ? v : "");
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = store_errno(s->db, rc);
	}
	sqlite3_finalize(st);
	return rc;
}
