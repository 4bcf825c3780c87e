/*
 * store_auth: digest credentials in the database (layer 2): the
 * snapshot sbcd authenticates against, and what sbcctl user writes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/store_auth.h"
#include "store_int.h"

static void creds_free(struct store_creds *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].realm);
		free(c->v[i].username);
		free(c->v[i].digest_realm);
		free(c->v[i].ha1_md5);
		free(c->v[i].ha1_sha256);
	}
	free(c->v);
	free(c);
}

int store_creds_load(struct store *s, struct store_creds **out)
{
	struct store_creds *c = calloc(1, sizeof(*c));
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, oom = 0;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->refs = 1;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT realm, username, digest_realm, ha1_md5, "
				"ha1_sha256 FROM credentials "
				"ORDER BY realm, username",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		free(c);
		return store_errno(s->db, rc);
	}
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_cred *e;

		if (c->n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct store_cred *v = realloc(c->v, ncap * sizeof(*v));

			if (!v) {
				oom = 1;
				break;
			}
			c->v = v;
			cap = ncap;
		}
		e = &c->v[c->n++];
		e->realm = store_col_dup(st, 0, &oom);
		e->username = store_col_dup(st, 1, &oom);
		e->digest_realm = store_col_dup(st, 2, &oom);
		e->ha1_md5 = store_col_dup(st, 3, &oom);
		e->ha1_sha256 = store_col_dup(st, 4, &oom);
		if (!e->realm || !e->username || !e->digest_realm)
			oom = 1;
	}
	sqlite3_finalize(st);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
		creds_free(c);
		return oom ? -ENOMEM : store_errno(s->db, rc);
	}
	*out = c;
	return 0;
}

struct store_creds *store_creds_ref(struct store_creds *c)
{
	c->refs++;
	return c;
}

void store_creds_unref(struct store_creds *c)
{
	if (c && --c->refs == 0)
		creds_free(c);
}

const struct store_cred *store_creds_find(const struct store_creds *c,
					  const char *realm,
					  const char *username)
{
	size_t lo = 0, hi = c ? c->n : 0;

	/* The rows came sorted by realm, then username, in byte order
	 * (SQLite's BINARY collation is memcmp). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct store_cred *e = &c->v[mid];
		int d = strcmp(e->realm, realm);

		if (d == 0)
			d = strcmp(e->username, username);
		if (d == 0)
			return e;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Lower-case hex of exactly len digits, or NULL. */
static int hex_ok(const char *h, size_t len)
{
	if (!h)
		return 1;
	if (strlen(h) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return 1;
}

/* RFC 3261 25.1: the characters of a user part, unescaped. */
static int user_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_.!~*'()&=+$,;%",
			    u[i]))
			return 0;
	return 1;
}

static int cred_check(const struct store_cred *c, char *err, size_t errlen)
{
	size_t rl = c->realm ? strlen(c->realm) : 0;
	size_t dl = c->digest_realm ? strlen(c->digest_realm) : 0;

	if (rl == 0 || rl > 64) {
		store_msg(err, errlen, "bad realm name");
		return -EINVAL;
	}
	if (!c->username || !user_ok(c->username)) {
		store_msg(err, errlen,
			  "bad user name '%s' (1 to 128 characters of a SIP "
			  "user part)",
			  c->username ? c->username : "");
		return -EINVAL;
	}
	if (dl == 0 || dl > 128 || strpbrk(c->digest_realm, "\"\\")) {
		store_msg(err, errlen,
			  "bad digest realm (1 to 128 characters, no '\"' "
			  "or '\\')");
		return -EINVAL;
	}
	if (!hex_ok(c->ha1_md5, STORE_HA1_MD5_LEN) ||
	    !hex_ok(c->ha1_sha256, STORE_HA1_SHA256_LEN) ||
	    (!c->ha1_md5 && !c->ha1_sha256)) {
		store_msg(err, errlen, "bad HA1 hashes");
		return -EINVAL;
	}
	return 0;
}

int store_auth_user_add(struct store *s, const struct store_cred *c,
			int replace, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = cred_check(c, err, errlen);
	if (rc < 0)
		return rc;
	rc = sqlite3_prepare_v2(
		s->db,
		replace ? "INSERT OR REPLACE INTO credentials (realm, username, "
			  "digest_realm, ha1_md5, ha1_sha256) "
			  "VALUES (?1, ?2, ?3, ?4, ?5)"
			: "INSERT INTO credentials (realm, username, "
			  "digest_realm, ha1_md5, ha1_sha256) "
			  "VALUES (?1, ?2, ?3, ?4, ?5)",
		-1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = store_errno(s->db, rc);
		store_msg(err, errlen, "%s", sqlite3_errmsg(s->db));
		return rc;
	}
	sqlite3_bind_text(st, 1, c->realm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->digest_realm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->ha1_md5, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->ha1_sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT &&
	    sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
		store_msg(err, errlen, "user '%s' exists in realm '%s'",
			  c->username, c->realm);
		return -EEXIST;
	}
	store_msg(err, errlen, "cannot add user '%s': %s", c->username,
		  sqlite3_errmsg(s->db));
	return (rc & 0xff) == SQLITE_CONSTRAINT ? -EINVAL
						: store_errno(s->db, rc);
}

int store_auth_user_del(struct store *s, const char *realm,
			const char *username, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db,
				"DELETE FROM credentials WHERE realm = ?1 AND "
				"username = ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_msg(err, errlen, "%s", sqlite3_errmsg(s->db));
		return store_errno(s->db, rc);
	}
	sqlite3_bind_text(st, 1, realm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_msg(err, errlen, "%s", sqlite3_errmsg(s->db));
		return store_errno(s->db, rc);
	}
	if (sqlite3_changes(s->db) == 0) {
		store_msg(err, errlen, "no user '%s' in realm '%s'", username,
			  realm);
		return -ENOENT;
	}
	return 0;
}
