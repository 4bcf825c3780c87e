/*
 * store_admin: the trunks, routes and ACL that sbcctl edits, and the
 * CDRs and dialogs it reads (layer 2).
 *
 * Listings go through store_routing_load and store_dialogs_load, which
 * read what sbcd reads.
 *
 * Every write validates what it can without the database first, then
 * takes the write lock (BEGIN IMMEDIATE), checks what needs the database
 * (duplicates, references) and writes, and commits or rolls back as a
 * whole.  Only bound parameters carry user input into SQL.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc/cidr.h"
#include "sbc/sip_uri.h"
#include "sbc/store_admin.h"
#include "store_int.h"

/* Fills err for a failed SQLite call and returns the mapped errno. */
static int admin_db_fail(struct store *s, int rc, char *err, size_t errlen)
{
	int e = store_errno(s->db, rc);

	if (e == -EBUSY)
		store_msg(err, errlen,
			  "the database is locked by another process");
	else
		store_msg(err, errlen, "database error: %s",
			  sqlite3_errmsg(s->db));
	return e;
}

static int admin_prepare(struct store *s, const char *sql,
			 sqlite3_stmt **st, char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		*st = NULL;
		return admin_db_fail(s, rc, err, errlen);
	}
	return 0;
}

/* Binds a string, or NULL when s is NULL. */
static void admin_bind(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows, then finalizes it. */
static int admin_step_done(struct store *s, sqlite3_stmt *st, char *err,
			   size_t errlen)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return admin_db_fail(s, rc, err, errlen);
	return 0;
}

static int admin_exec(struct store *s, const char *sql, char *err,
		      size_t errlen)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : admin_db_fail(s, rc, err, errlen);
}

/* Takes the write lock now, so that checks and writes see one state. */
static int admin_begin(struct store *s, char *err, size_t errlen)
{
	return admin_exec(s, "BEGIN IMMEDIATE", err, errlen);
}

/* Commits when rc is 0, else rolls back; returns the outcome. */
static int admin_end(struct store *s, int rc, char *err, size_t errlen)
{
	if (rc == 0)
		rc = admin_exec(s, "COMMIT", err, errlen);
	if (rc != 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * Whether the query (one parameter, key) returns a row: 1, 0, or a
 * negative errno.  When it does and out is not NULL, the first column
 * is copied into out.
 */
static int admin_exists(struct store *s, const char *sql, const char *key,
			char *out, size_t outlen, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = admin_prepare(s, sql, &st, err, errlen);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out && outlen > 0)
			snprintf(out, outlen, "%s",
				 (const char *)sqlite3_column_text(st, 0));
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = admin_db_fail(s, rc, err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

/* A copy of a text column; *ok is cleared when memory runs out. */
static char *admin_col(sqlite3_stmt *st, int i, int *ok)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	char *p;

	if (v == NULL)
		return NULL;
	p = strdup(v);
	if (p == NULL)
		*ok = 0;
	return p;
}


/* ------------------------------------------------------------------ */
/* Validation.                                                          */

int store_admin_name_check(const char *what, const char *name, char *err,
			   size_t errlen)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0) {
		store_msg(err, errlen, "%s is empty", what);
		return -EINVAL;
	}
	if (n > STORE_ADMIN_NAME_MAX) {
		store_msg(err, errlen, "%s '%.20s...' is longer than %d "
			  "characters", what, name, STORE_ADMIN_NAME_MAX);
		return -EINVAL;
	}
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") != n) {
		store_msg(err, errlen, "%s '%s' may hold only letters, digits, "
			  "'.', '_' and '-'", what, name);
		return -EINVAL;
	}
	return 0;
}

/* Checks optional match text: printable, no white space, bounded. */
static int admin_text_check(const char *what, const char *v, size_t max,
			    char *err, size_t errlen)
{
	size_t n;

	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n == 0 || n > max) {
		store_msg(err, errlen, "%s must be 1 to %zu characters", what,
			  max);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= 0x20 || c == 0x7f) {
			store_msg(err, errlen, "%s '%s' has white space or a "
				  "control character", what, v);
			return -EINVAL;
		}
	}
	return 0;
}

/* Writes prefix + body into out, the scheme in lower case. */
static int admin_uri_try(const char *scheme, const char *body, char *out,
			 size_t outlen, const char *in, char *err,
			 size_t errlen)
{
	struct sip_uri u;
	const char *why = "malformed";
	int n;

	n = snprintf(out, outlen, "%s%s", scheme, body);
	if (n < 0 || (size_t)n >= outlen || n > STORE_ADMIN_URI_MAX) {
		store_msg(err, errlen, "URI '%.40s...' is too long", in);
		return -EINVAL;
	}
	if (sip_uri_parse(&u, str_cstr(out), &why) != 0 ||
	    (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS) ||
	    u.host.len == 0) {
		store_msg(err, errlen, "'%s' is not a SIP URI or host (%s)",
			  in, why);
		return -EINVAL;
	}
	if (u.headers.p != NULL) {
		store_msg(err, errlen, "trunk URI '%s' may not carry headers "
			  "('?...')", in);
		return -EINVAL;
	}
	return 0;
}

int store_admin_uri_norm(const char *in, char *out, size_t outlen,
			 char *err, size_t errlen)
{
	unsigned char a6[16];
	char br[INET6_ADDRSTRLEN + 3];
	int rc;

	if (in == NULL || *in == '\0') {
		store_msg(err, errlen, "the trunk URI is empty");
		return -EINVAL;
	}
	if (strncasecmp(in, "sip:", 4) == 0)
		return admin_uri_try("sip:", in + 4, out, outlen, in, err,
				     errlen);
	if (strncasecmp(in, "sips:", 5) == 0)
		return admin_uri_try("sips:", in + 5, out, outlen, in, err,
				     errlen);
	if (strchr(in, ':') && inet_pton(AF_INET6, in, a6) == 1) {
		/* A bare IPv6 address: RFC 3261 19.1.1 wants brackets. */
		snprintf(br, sizeof(br), "[%s]", in);
		in = br;
	}
	/* A bare host is a URI without user, parameters or headers. */
	if (strpbrk(in, "@;?") != NULL) {
		store_msg(err, errlen, "'%s' is neither a host[:port] nor a "
			  "sip: or sips: URI", in);
		return -EINVAL;
	}
	rc = admin_uri_try("sip:", in, out, outlen, in, err, errlen);
	return rc;
}

/* The prefix length of "/LEN": digits only, no sign, at most max. */
int store_admin_cidr_norm(const char *in, char *out, size_t outlen,
			  char *err, size_t errlen)
{
	char net[INET6_ADDRSTRLEN];
	unsigned char a[16];
	unsigned bits;
	int af, rc;

	if (in == NULL || *in == '\0') {
		store_msg(err, errlen, "the address prefix is empty");
		return -EINVAL;
	}
	rc = cidr_parse(in, &af, a, &bits);
	if (rc == -ERANGE) {
		store_msg(err, errlen, "'%s': the prefix length must be 0 to "
			  "%d", in, af == AF_INET ? 32 : 128);
		return -EINVAL;
	}
	if (rc < 0) {
		store_msg(err, errlen, "'%s' is not an IPv4 or IPv6 address or "
			  "prefix (a.b.c.d[/0-32] or ipv6[/0-128])", in);
		return -EINVAL;
	}
	if (cidr_clear_host(af, a, bits)) {
		inet_ntop(af, a, net, sizeof(net));
		store_msg(err, errlen, "%s has host bits set; did you mean "
			  "%s/%u?", in, net, bits);
		return -EINVAL;
	}
	inet_ntop(af, a, net, sizeof(net));
	if ((size_t)snprintf(out, outlen, "%s/%u", net, bits) >= outlen) {
		store_msg(err, errlen, "'%s': no room for the prefix", in);
		return -ENOBUFS;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Trunks.                                                              */

/* Validates a trunk and normalises its URI into uri. */
static int admin_trunk_check(const struct store_trunk *t, char *uri,
			     size_t urilen, char *err, size_t errlen)
{
	int rc;

	rc = store_admin_name_check("trunk name", t->name, err, errlen);
	if (rc == 0)
		rc = store_admin_name_check("realm", t->realm, err, errlen);
	if (rc == 0)
		rc = store_admin_uri_norm(t->uri, uri, urilen, err, errlen);
	if (rc < 0)
		return rc;
	if (t->transport && strcmp(t->transport, "udp") != 0 &&
	    strcmp(t->transport, "tcp") != 0 &&
	    strcmp(t->transport, "tls") != 0) {
		store_msg(err, errlen, "transport '%s' is not udp, tcp or tls",
			  t->transport);
		return -EINVAL;
	}
	if (t->tls_verify != 0 && t->tls_verify != 1) {
		store_msg(err, errlen, "tls_verify must be 0 or 1");
		return -EINVAL;
	}
	return 0;
}

static const char admin_sql_trunk_exists[] =
	"SELECT name FROM trunks WHERE name = ?1";

/* 0 when the trunk exists, else -ENOENT with a message. */
static int admin_trunk_need(struct store *s, const char *name, char *err,
			    size_t errlen)
{
	int rc = admin_exists(s, admin_sql_trunk_exists, name, NULL, 0, err,
			      errlen);

	if (rc == 0) {
		store_msg(err, errlen, "no trunk '%s'", name);
		return -ENOENT;
	}
	return rc < 0 ? rc : 0;
}

/* Binds the columns of a trunk as ?1 .. ?7 and runs the statement. */
static int admin_trunk_write(struct store *s, const char *sql,
			     const struct store_trunk *t, const char *uri,
			     char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = admin_prepare(s, sql, &st, err, errlen);
	if (rc < 0)
		return rc;
	admin_bind(st, 1, t->name);
	admin_bind(st, 2, t->realm);
	admin_bind(st, 3, uri);
	admin_bind(st, 4, t->transport);
	sqlite3_bind_int64(st, 5, t->max_calls);
	sqlite3_bind_int64(st, 6, t->max_cps);
	sqlite3_bind_int(st, 7, t->tls_verify);
	return admin_step_done(s, st, err, errlen);
}

int store_admin_trunk_add(struct store *s, const struct store_trunk *t,
			  char *err, size_t errlen)
{
	char uri[STORE_ADMIN_URI_MAX + 1];
	int rc;

	rc = admin_trunk_check(t, uri, sizeof(uri), err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_exists(s, admin_sql_trunk_exists, t->name, NULL, 0, err,
			  errlen);
	if (rc > 0) {
		store_msg(err, errlen, "trunk '%s' exists", t->name);
		rc = -EEXIST;
	}
	if (rc == 0)
		rc = admin_trunk_write(s,
				       "INSERT INTO trunks (name, realm, uri, "
				       "transport, max_calls, max_cps, "
				       "tls_verify) "
				       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				       t, uri, err, errlen);
	return admin_end(s, rc, err, errlen);
}

/* A count from "key=value" for trunk set. */
static int admin_uint(const char *key, const char *v, unsigned *out,
		      char *err, size_t errlen)
{
	uint64_t x;

	if (str_to_u64(str_cstr(v), 1000000000, &x) != 0) {
		store_msg(err, errlen, "%s must be a number from 0 to "
			  "1000000000, not '%s'", key, v);
		return -EINVAL;
	}
	*out = (unsigned)x;
	return 0;
}

/* Applies one "key=value" to t; strings point into kv. */
static int admin_trunk_apply(struct store_trunk *t, char *kv, char *err,
			     size_t errlen)
{
	char *eq = strchr(kv, '=');
	const char *v;

	if (eq == NULL) {
		store_msg(err, errlen, "'%s' is not KEY=VALUE", kv);
		return -EINVAL;
	}
	v = eq + 1;
	if (strncmp(kv, "realm=", 6) == 0) {
		t->realm = eq + 1;
	} else if (strncmp(kv, "uri=", 4) == 0) {
		t->uri = eq + 1;
	} else if (strncmp(kv, "transport=", 10) == 0) {
		t->transport = strcmp(v, "any") == 0 ? NULL : eq + 1;
	} else if (strncmp(kv, "max_calls=", 10) == 0) {
		return admin_uint("max_calls", v, &t->max_calls, err, errlen);
	} else if (strncmp(kv, "max_cps=", 8) == 0) {
		return admin_uint("max_cps", v, &t->max_cps, err, errlen);
	} else if (strncmp(kv, "tls_verify=", 11) == 0) {
		if (!strcmp(v, "yes") || !strcmp(v, "1")) {
			t->tls_verify = 1;
		} else if (!strcmp(v, "no") || !strcmp(v, "0")) {
			t->tls_verify = 0;
		} else {
			store_msg(err, errlen, "tls_verify must be yes or no, "
				  "not '%s'", v);
			return -EINVAL;
		}
	} else {
		store_msg(err, errlen, "unknown trunk key in '%s' (realm, uri, "
			  "transport, max_calls, max_cps, tls_verify)", kv);
		return -EINVAL;
	}
	return 0;
}

int store_admin_trunk_set(struct store *s, const char *name,
			  char *const *kv, size_t n, char *err,
			  size_t errlen)
{
	char uri[STORE_ADMIN_URI_MAX + 1];
	struct store_trunk cur = { 0 }, t;
	int rc;

	if (n == 0) {
		store_msg(err, errlen, "nothing to change");
		return -EINVAL;
	}
	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = store_admin_trunk_get(s, name, &cur, err, errlen);
	t = cur;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = admin_trunk_apply(&t, kv[i], err, errlen);
	if (rc == 0)
		rc = admin_trunk_check(&t, uri, sizeof(uri), err, errlen);
	if (rc == 0)
		rc = admin_trunk_write(s,
				       "UPDATE trunks SET realm = ?2, uri = ?3, "
				       "transport = ?4, max_calls = ?5, "
				       "max_cps = ?6, tls_verify = ?7 "
				       "WHERE name = ?1",
				       &t, uri, err, errlen);
	store_admin_trunk_clear(&cur);
	return admin_end(s, rc, err, errlen);
}

int store_admin_trunk_del(struct store *s, const char *name, char *err,
			  size_t errlen)
{
	char users[256] = "";
	sqlite3_stmt *st;
	size_t k = 0;
	int rc;

	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_trunk_need(s, name, err, errlen);
	if (rc == 0)
		rc = admin_prepare(s,
				   "SELECT route FROM route_targets "
				   "WHERE trunk = ?1 UNION "
				   "SELECT name FROM routes "
				   "WHERE from_trunk = ?1 ORDER BY 1",
				   &st, err, errlen);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *r = (const char *)sqlite3_column_text(st,
									 0);

			if (k < sizeof(users))
				k += (size_t)snprintf(users + k,
						      sizeof(users) - k,
						      "%s'%s'", k ? ", " : "",
						      r);
		}
		sqlite3_finalize(st);
		rc = rc == SQLITE_DONE ? 0 : admin_db_fail(s, rc, err, errlen);
	}
	if (rc == 0 && k > 0) {
		store_msg(err, errlen, "trunk '%s' is used by route%s %s; "
			  "delete or change %s first", name,
			  strchr(users, ',') ? "s" : "", users,
			  strchr(users, ',') ? "them" : "it");
		rc = -EBUSY;
	}
	if (rc == 0 &&
	    (rc = admin_prepare(s, "DELETE FROM trunks WHERE name = ?1", &st,
				err, errlen)) == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		rc = admin_step_done(s, st, err, errlen);
	}
	return admin_end(s, rc, err, errlen);
}

static const char admin_sql_trunk_cols[] =
	"SELECT name, realm, uri, transport, max_calls, max_cps, tls_verify "
	"FROM trunks";

/* Copies the current row of admin_sql_trunk_cols into t. */
static int admin_trunk_row(sqlite3_stmt *st, struct store_trunk *t)
{
	int ok = 1;

	t->name = admin_col(st, 0, &ok);
	t->realm = admin_col(st, 1, &ok);
	t->uri = admin_col(st, 2, &ok);
	t->transport = admin_col(st, 3, &ok);
	t->max_calls = (unsigned)sqlite3_column_int64(st, 4);
	t->max_cps = (unsigned)sqlite3_column_int64(st, 5);
	t->tls_verify = sqlite3_column_int(st, 6);
	return ok ? 0 : -ENOMEM;
}

int store_admin_trunk_get(struct store *s, const char *name,
			  struct store_trunk *out, char *err, size_t errlen)
{
	char sql[sizeof(admin_sql_trunk_cols) + 32];
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(sql, sizeof(sql), "%s WHERE name = ?1", admin_sql_trunk_cols);
	rc = admin_prepare(s, sql, &st, err, errlen);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = admin_trunk_row(st, out);
	} else if (rc == SQLITE_DONE) {
		store_msg(err, errlen, "no trunk '%s'", name);
		rc = -ENOENT;
	} else {
		rc = admin_db_fail(s, rc, err, errlen);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		store_admin_trunk_clear(out);
	return rc;
}

void store_admin_trunk_clear(struct store_trunk *t)
{
	free(t->name);
	free(t->realm);
	free(t->uri);
	free(t->transport);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Routes.                                                              */

static int admin_route_check(const struct store_admin_route *r, char *err,
			     size_t errlen)
{
	int rc;

	rc = store_admin_name_check("route name", r->name, err, errlen);
	if (rc == 0 && r->from_realm)
		rc = store_admin_name_check("realm", r->from_realm, err,
					    errlen);
	if (rc == 0 && r->from_trunk)
		rc = store_admin_name_check("trunk name", r->from_trunk, err,
					    errlen);
	if (rc == 0)
		rc = admin_text_check("user prefix", r->user_prefix, 64, err,
				      errlen);
	if (rc == 0)
		rc = admin_text_check("domain", r->domain, 255, err, errlen);
	if (rc < 0)
		return rc;
	if (r->n_targets == 0) {
		store_msg(err, errlen, "route '%s' needs at least one target "
			  "trunk", r->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < r->n_targets; i++) {
		rc = store_admin_name_check("trunk name", r->targets[i], err,
					    errlen);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(r->targets[i], r->targets[j]) == 0) {
				store_msg(err, errlen, "trunk '%s' is listed "
					  "twice in the targets",
					  r->targets[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Inserts the targets of r in order, positions from 1. */
static int admin_route_targets(struct store *s,
			       const struct store_admin_route *r, char *err,
			       size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	for (size_t i = 0; i < r->n_targets; i++) {
		rc = admin_trunk_need(s, r->targets[i], err, errlen);
		if (rc < 0)
			return rc;
		rc = admin_prepare(s,
				   "INSERT INTO route_targets (route, "
				   "position, trunk) VALUES (?1, ?2, ?3)",
				   &st, err, errlen);
		if (rc < 0)
			return rc;
		admin_bind(st, 1, r->name);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i + 1);
		admin_bind(st, 3, r->targets[i]);
		rc = admin_step_done(s, st, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char admin_sql_route_exists[] =
	"SELECT name FROM routes WHERE name = ?1";

int store_admin_route_add(struct store *s, const struct store_admin_route *r,
			  char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = admin_route_check(r, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_exists(s, admin_sql_route_exists, r->name, NULL, 0, err,
			  errlen);
	if (rc > 0) {
		store_msg(err, errlen, "route '%s' exists", r->name);
		rc = -EEXIST;
	}
	if (rc == 0 && r->from_trunk)
		rc = admin_trunk_need(s, r->from_trunk, err, errlen);
	if (rc == 0)
		rc = admin_prepare(s,
				   "INSERT INTO routes (name, priority, "
				   "from_realm, from_trunk, user_prefix, "
				   "domain) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				   &st, err, errlen);
	if (rc == 0) {
		admin_bind(st, 1, r->name);
		sqlite3_bind_int(st, 2, r->priority);
		admin_bind(st, 3, r->from_realm);
		admin_bind(st, 4, r->from_trunk);
		admin_bind(st, 5, r->user_prefix);
		admin_bind(st, 6, r->domain);
		rc = admin_step_done(s, st, err, errlen);
	}
	if (rc == 0)
		rc = admin_route_targets(s, r, err, errlen);
	return admin_end(s, rc, err, errlen);
}

/* Runs a DELETE with one text parameter; -ENOENT when it hit nothing. */
static int admin_delete(struct store *s, const char *sql, const char *key,
			const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_prepare(s, sql, &st, err, errlen);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		rc = admin_step_done(s, st, err, errlen);
	}
	if (rc == 0 && sqlite3_changes(s->db) == 0) {
		store_msg(err, errlen, "no %s '%s'", what, key);
		rc = -ENOENT;
	}
	return admin_end(s, rc, err, errlen);
}

int store_admin_route_del(struct store *s, const char *name, char *err,
			  size_t errlen)
{
	/* The targets go with it: ON DELETE CASCADE. */
	return admin_delete(s, "DELETE FROM routes WHERE name = ?1", name,
			    "route", err, errlen);
}

/* ------------------------------------------------------------------ */
/* Access control.                                                      */

int store_admin_acl_add(struct store *s, const char *realm, const char *cidr,
			int allow, const char *comment, long long *id,
			char *err, size_t errlen)
{
	char net[STORE_ADMIN_CIDR_MAX], other[32];
	sqlite3_stmt *st;
	int rc;

	rc = store_admin_name_check("realm", realm, err, errlen);
	if (rc == 0)
		rc = store_admin_cidr_norm(cidr, net, sizeof(net), err,
					   errlen);
	if (rc < 0)
		return rc;
	if (comment && strlen(comment) > STORE_ADMIN_COMMENT_MAX) {
		store_msg(err, errlen, "the comment is longer than %d "
			  "characters", STORE_ADMIN_COMMENT_MAX);
		return -EINVAL;
	}
	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_prepare(s,
			   "SELECT id FROM acl WHERE realm = ?1 AND cidr = ?2",
			   &st, err, errlen);
	if (rc == 0) {
		admin_bind(st, 1, realm);
		admin_bind(st, 2, net);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			snprintf(other, sizeof(other), "%lld",
				 (long long)sqlite3_column_int64(st, 0));
			store_msg(err, errlen, "realm '%s' has an entry for %s "
				  "already (id %s)", realm, net, other);
			rc = -EEXIST;
		} else {
			rc = rc == SQLITE_DONE ?
				     0 : admin_db_fail(s, rc, err, errlen);
		}
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = admin_prepare(s,
				   "INSERT INTO acl (realm, cidr, action, "
				   "comment) VALUES (?1, ?2, ?3, ?4)",
				   &st, err, errlen);
	if (rc == 0) {
		admin_bind(st, 1, realm);
		admin_bind(st, 2, net);
		admin_bind(st, 3, allow ? "allow" : "deny");
		admin_bind(st, 4, comment);
		rc = admin_step_done(s, st, err, errlen);
	}
	if (rc == 0 && id)
		*id = (long long)sqlite3_last_insert_rowid(s->db);
	return admin_end(s, rc, err, errlen);
}

int store_admin_acl_del_id(struct store *s, long long id, char *err,
			   size_t errlen)
{
	char key[32];

	snprintf(key, sizeof(key), "%lld", id);
	/* The id column is an INTEGER PRIMARY KEY: the text compares as
	 * the number by column affinity. */
	return admin_delete(s, "DELETE FROM acl WHERE id = ?1", key,
			    "acl entry", err, errlen);
}

int store_admin_acl_del(struct store *s, const char *realm, const char *cidr,
			char *err, size_t errlen)
{
	char net[STORE_ADMIN_CIDR_MAX];
	sqlite3_stmt *st;
	int rc;

	rc = store_admin_cidr_norm(cidr, net, sizeof(net), err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_begin(s, err, errlen);
	if (rc < 0)
		return rc;
	rc = admin_prepare(s, "DELETE FROM acl WHERE realm = ?1 AND cidr = ?2",
			   &st, err, errlen);
	if (rc == 0) {
		admin_bind(st, 1, realm);
		admin_bind(st, 2, net);
		rc = admin_step_done(s, st, err, errlen);
	}
	if (rc == 0 && sqlite3_changes(s->db) == 0) {
		store_msg(err, errlen, "realm '%s' has no entry for %s", realm,
			  net);
		rc = -ENOENT;
	}
	return admin_end(s, rc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* CDRs.                                                                */

static const char *admin_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/*
 * Ends a walk: rc is the last sqlite3_step result, cbrc what the
 * callback returned last.  The callback's non-zero value wins.
 */
static int admin_walk_end(struct store *s, sqlite3_stmt *st, int rc,
			  int cbrc, char *err, size_t errlen)
{
	if (cbrc != 0)
		rc = cbrc;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = admin_db_fail(s, rc, err, errlen);
	sqlite3_finalize(st);
	return rc;
}

int store_admin_cdr_each(struct store *s, int64_t from_ms, int64_t to_ms,
			 store_admin_cdr_cb cb, void *arg, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st;
	int rc, cbrc = 0;

	rc = admin_prepare(s,
			   "SELECT id, call, started_ms, answered_ms, "
			   "ended_ms, caller, callee, a_call_id, b_call_id, "
			   "from_realm, from_trunk, to_trunk, route, status, "
			   "reason, hangup FROM cdrs "
			   "WHERE started_ms >= ?1 AND started_ms < ?2 "
			   "ORDER BY started_ms, id",
			   &st, err, errlen);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_cdr c = {
			.call = admin_text(st, 1),
			.started_ms = sqlite3_column_int64(st, 2),
			.answered_ms = sqlite3_column_int64(st, 3),
			.ended_ms = sqlite3_column_int64(st, 4),
			.caller = admin_text(st, 5),
			.callee = admin_text(st, 6),
			.a_call_id = admin_text(st, 7),
			.b_call_id = admin_text(st, 8),
			.from_realm = admin_text(st, 9),
			.from_trunk = admin_text(st, 10),
			.to_trunk = admin_text(st, 11),
			.route = admin_text(st, 12),
			.status = (unsigned)sqlite3_column_int(st, 13),
			.reason = admin_text(st, 14),
			.hangup = admin_text(st, 15),
		};

		cbrc = cb(arg, (long long)sqlite3_column_int64(st, 0), &c);
		if (cbrc != 0)
			break;
	}
	return admin_walk_end(s, st, rc, cbrc, err, errlen);
}

