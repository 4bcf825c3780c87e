/*
 * store_routing: what sbcd reads from the database (layer 2): the
 * routing state (trunks, routes and their targets, ACL entries) at start
 * and on reload, and the dialogs of confirmed calls at start.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbc/store.h"
#include "store_int.h"

int64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void routing_free(struct store_routing *r)
{
	for (size_t i = 0; i < r->n_trunks; i++) {
		free(r->trunks[i].name);
		free(r->trunks[i].realm);
		free(r->trunks[i].uri);
		free(r->trunks[i].transport);
	}
	for (size_t i = 0; i < r->n_routes; i++) {
		struct store_route *rt = &r->routes[i];

		free(rt->name);
		free(rt->from_realm);
		free(rt->from_trunk);
		free(rt->user_prefix);
		free(rt->domain);
		free(rt->targets);
	}
	for (size_t i = 0; i < r->n_acl; i++) {
		free(r->acl[i].realm);
		free(r->acl[i].cidr);
		free(r->acl[i].comment);
	}
	free(r->trunks);
	free(r->routes);
	free(r->acl);
	free(r);
}

/* The number of rows of a table, to size an array before reading. */
static int count_rows(sqlite3 *db, const char *sql, size_t *n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_errno(db, rc);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_errno(db, rc);
}

static int load_trunks(sqlite3 *db, struct store_routing *r)
{
	sqlite3_stmt *st;
	int rc, oom = 0;

	rc = count_rows(db, "SELECT count(*) FROM trunks", &r->n_trunks);
	if (rc < 0)
		return rc;
	r->trunks = calloc(r->n_trunks + 1, sizeof(*r->trunks));
	if (!r->trunks)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(db,
				"SELECT name, realm, uri, transport, max_calls, "
				"max_cps, tls_verify FROM trunks ORDER BY name",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(db, rc);
	for (size_t i = 0; i < r->n_trunks; i++) {
		struct store_trunk *t = &r->trunks[i];

		if (sqlite3_step(st) != SQLITE_ROW) {
			r->n_trunks = i;
			break;
		}
		t->name = store_col_dup(st, 0, &oom);
		t->realm = store_col_dup(st, 1, &oom);
		t->uri = store_col_dup(st, 2, &oom);
		t->transport = store_col_dup(st, 3, &oom);
		t->max_calls = (unsigned)sqlite3_column_int64(st, 4);
		t->max_cps = (unsigned)sqlite3_column_int64(st, 5);
		t->tls_verify = sqlite3_column_int(st, 6);
	}
	sqlite3_finalize(st);
	return oom ? -ENOMEM : 0;
}

static int load_route_targets(sqlite3 *db, struct store_routing *r)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT trunk FROM route_targets WHERE route = ?1 "
				"ORDER BY position",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(db, rc);
	for (size_t i = 0; i < r->n_routes && rc == SQLITE_OK; i++) {
		struct store_route *rt = &r->routes[i];

		sqlite3_bind_text(st, 1, rt->name, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *name =
				(const char *)sqlite3_column_text(st, 0);
			const struct store_trunk *t =
				store_routing_trunk(r, name ? name : "");
			const struct store_trunk **v;

			if (!t)
				continue;	/* foreign keys forbid it */
			v = realloc(rt->targets,
				    (rt->n_targets + 1) * sizeof(*v));
			if (!v) {
				sqlite3_finalize(st);
				return -ENOMEM;
			}
			rt->targets = v;
			rt->targets[rt->n_targets++] = t;
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : store_errno(db, rc);
}

static int load_routes(sqlite3 *db, struct store_routing *r)
{
	sqlite3_stmt *st;
	int rc, oom = 0;

	rc = count_rows(db, "SELECT count(*) FROM routes", &r->n_routes);
	if (rc < 0)
		return rc;
	r->routes = calloc(r->n_routes + 1, sizeof(*r->routes));
	if (!r->routes)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(db,
				"SELECT name, priority, from_realm, from_trunk, "
				"user_prefix, domain FROM routes "
				"ORDER BY priority, name",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(db, rc);
	for (size_t i = 0; i < r->n_routes; i++) {
		struct store_route *rt = &r->routes[i];

		if (sqlite3_step(st) != SQLITE_ROW) {
			r->n_routes = i;
			break;
		}
		rt->name = store_col_dup(st, 0, &oom);
		rt->priority = sqlite3_column_int(st, 1);
		rt->from_realm = store_col_dup(st, 2, &oom);
		rt->from_trunk = store_col_dup(st, 3, &oom);
		rt->user_prefix = store_col_dup(st, 4, &oom);
		rt->domain = store_col_dup(st, 5, &oom);
	}
	sqlite3_finalize(st);
	if (oom)
		return -ENOMEM;
	return load_route_targets(db, r);
}

static int load_acl(sqlite3 *db, struct store_routing *r)
{
	sqlite3_stmt *st;
	int rc, oom = 0;

	rc = count_rows(db, "SELECT count(*) FROM acl", &r->n_acl);
	if (rc < 0)
		return rc;
	r->acl = calloc(r->n_acl + 1, sizeof(*r->acl));
	if (!r->acl)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(db,
				"SELECT id, realm, cidr, action, comment FROM acl "
				"ORDER BY realm, id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(db, rc);
	for (size_t i = 0; i < r->n_acl; i++) {
		struct store_acl *a = &r->acl[i];
		const unsigned char *act;

		if (sqlite3_step(st) != SQLITE_ROW) {
			r->n_acl = i;
			break;
		}
		a->id = sqlite3_column_int64(st, 0);
		a->realm = store_col_dup(st, 1, &oom);
		a->cidr = store_col_dup(st, 2, &oom);
		act = sqlite3_column_text(st, 3);
		a->allow = act && strcmp((const char *)act, "allow") == 0;
		a->comment = store_col_dup(st, 4, &oom);
	}
	sqlite3_finalize(st);
	return oom ? -ENOMEM : 0;
}

int store_routing_load(struct store *s, struct store_routing **out)
{
	struct store_routing *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->refs = 1;
	/* One read transaction: a concurrent sbcctl write is seen whole
	 * or not at all. */
	rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		free(r);
		return store_errno(s->db, rc);
	}
	rc = load_trunks(s->db, r);
	if (rc == 0)
		rc = load_routes(s->db, r);
	if (rc == 0)
		rc = load_acl(s->db, r);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc < 0) {
		routing_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

struct store_routing *store_routing_ref(struct store_routing *r)
{
	r->refs++;
	return r;
}

void store_routing_unref(struct store_routing *r)
{
	if (r && --r->refs == 0)
		routing_free(r);
}

const struct store_trunk *store_routing_trunk(const struct store_routing *r,
					      const char *name)
{
	for (size_t i = 0; i < r->n_trunks; i++)
		if (strcmp(r->trunks[i].name, name) == 0)
			return &r->trunks[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Dialogs.                                                            */

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static const char *col_text_null(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Fills leg side of d from the current row, whose leg columns start at
 * column first. */
static void dialog_leg_row(sqlite3_stmt *st, int first, struct store_leg *l)
{
	l->realm = col_text(st, first);
	l->transport = col_text(st, first + 1);
	l->peer = col_text(st, first + 2);
	l->call_id = col_text(st, first + 3);
	l->local_tag = col_text(st, first + 4);
	l->remote_tag = col_text(st, first + 5);
	l->local_cseq = (uint32_t)sqlite3_column_int64(st, first + 6);
	l->remote_cseq = sqlite3_column_int64(st, first + 7);
	l->local_uri = col_text(st, first + 8);
	l->remote_uri = col_text(st, first + 9);
	l->remote_target = col_text(st, first + 10);
	l->route_set = col_text(st, first + 11);
	l->secure = sqlite3_column_int(st, first + 12);
}

#define LEG_COLS(x) \
	x ".realm, " x ".transport, " x ".peer, " x ".call_id, " \
	x ".local_tag, " x ".remote_tag, " x ".local_cseq, " \
	x ".remote_cseq, " x ".local_uri, " x ".remote_uri, " \
	x ".remote_target, " x ".route_set, " x ".secure"

int store_dialogs_load(struct store *s, store_dialog_cb cb, void *arg)
{
	static const char sql[] =
		"SELECT d.id, d.route, d.caller, d.callee, d.from_trunk, "
		"d.to_trunk, d.started_ms, d.answered_ms, d.updated_ms, "
		LEG_COLS("a") ", " LEG_COLS("b") ", d.media "
		"FROM dialogs d "
		"JOIN dialog_legs a ON a.dialog = d.id AND a.side = 0 "
		"JOIN dialog_legs b ON b.dialog = d.id AND b.side = 1 "
		"ORDER BY d.answered_ms";
	sqlite3_stmt *st;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(s->db, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_dialog d = {
			.id = col_text(st, 0),
			.route = col_text_null(st, 1),
			.caller = col_text_null(st, 2),
			.callee = col_text_null(st, 3),
			.from_trunk = col_text_null(st, 4),
			.to_trunk = col_text_null(st, 5),
			.started_ms = sqlite3_column_int64(st, 6),
			.answered_ms = sqlite3_column_int64(st, 7),
			.updated_ms = sqlite3_column_int64(st, 8),
		};

		dialog_leg_row(st, 9, &d.leg[0]);
		dialog_leg_row(st, 22, &d.leg[1]);
		d.media = col_text_null(st, 35);
		ret = cb(arg, &d);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(s->db, rc);
	sqlite3_finalize(st);
	return ret;
}

int store_dialog_delete(struct store *s, const char *id)
{
	sqlite3_stmt *st;
	int rc;

	/* dialog_legs rows go with it (ON DELETE CASCADE). */
	rc = sqlite3_prepare_v2(s->db, "DELETE FROM dialogs WHERE id = ?1", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(s->db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_errno(s->db, rc);
}
