/*
 * store_writer: dialog and CDR writes on a thread of their own (layer 2).
 *
 * The event loop never waits for the disk: it copies what is to be
 * written into a queue and goes on.  One thread, with its own SQLite
 * connection, takes everything queued at once and applies it in one
 * transaction, so that under load many writes share one commit (WAL
 * with synchronous=NORMAL: a commit is an append to the log, without an
 * fsync).  A write that fails is logged and counted; the calls go on.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbc/log.h"
#include "sbc/store.h"
#include "store_int.h"

enum wop_kind { WOP_DIALOG_PUT, WOP_DIALOG_DEL, WOP_CDR };

/* One queued write; its strings live in the same allocation. */
struct wop {
	struct wop *next;
	enum wop_kind kind;
	int skip;		/* a later write of the batch supersedes it */
	union {
		struct store_dialog d;
		struct store_cdr c;
		const char *id;
	} u;
	char text[];
};

enum {
	ST_DIALOG_PUT,
	ST_LEG_PUT,
	ST_DIALOG_DEL,
	ST_CDR,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT,
};

static const char *const writer_sql[ST_COUNT] = {
	[ST_DIALOG_PUT] =
		"INSERT INTO dialogs (id, route, caller, callee, from_trunk, "
		"to_trunk, started_ms, answered_ms, updated_ms, media) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
		"ON CONFLICT (id) DO UPDATE SET updated_ms = excluded.updated_ms, "
		"media = excluded.media",
	[ST_LEG_PUT] =
		"INSERT OR REPLACE INTO dialog_legs (dialog, side, realm, "
		"transport, peer, call_id, local_tag, remote_tag, local_cseq, "
		"remote_cseq, local_uri, remote_uri, remote_target, route_set, "
		"secure) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		"?12, ?13, ?14, ?15)",
	[ST_DIALOG_DEL] = "DELETE FROM dialogs WHERE id = ?1",
	[ST_SAVEPOINT] = "SAVEPOINT op",
	[ST_RELEASE] = "RELEASE op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO op",
	/* Prepared once like the rest: sqlite3_exec parsed them again for
	 * every batch, 6% of the writer's time. */
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_CDR] =
		"INSERT INTO cdrs (call, started_ms, answered_ms, ended_ms, "
		"caller, callee, a_call_id, b_call_id, from_realm, from_trunk, "
		"to_trunk, route, status, reason, hangup) VALUES (?1, ?2, ?3, "
		"?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
};

struct store_writer {
	uint64_t push_max_us;		/* the caller's side: stats.max_push_us */
	struct store *store;
	sqlite3_stmt *st[ST_COUNT];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct wop *head, **tail;
	int stop;
	int waiting;		/* the thread sleeps on cond */
	struct store_writer_stats stats;
};

/* ------------------------------------------------------------------ */
/* Packing: the strings of a write are copied behind it.               */

/* The bytes the strings need, NUL included. */
static size_t pack_size(const char *const *v, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += v[i] ? strlen(v[i]) + 1 : 0;
	return len;
}

/* Copies the strings to *at and points the fields at the copies. */
static void pack(const char **fields[], size_t n, char **at)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (!*fields[i])
			continue;
		len = strlen(*fields[i]) + 1;
		memcpy(*at, *fields[i], len);
		*fields[i] = *at;
		*at += len;
	}
}

#define LEG_FIELDS(l) \
	&(l).realm, &(l).transport, &(l).peer, &(l).call_id, &(l).local_tag, \
	&(l).remote_tag, &(l).local_uri, &(l).remote_uri, \
	&(l).remote_target, &(l).route_set

/* A write of this kind whose n strings *f[i] are copied behind it and
 * the fields pointed at the copies; the caller fills in the rest. */
static struct wop *wop_packed(enum wop_kind kind, const char **f[], size_t n)
{
	const char *v[32];
	struct wop *w;
	char *at;

	if (n > sizeof(v) / sizeof(*v))
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = *f[i];
	w = malloc(sizeof(*w) + pack_size(v, n));
	if (!w)
		return NULL;
	at = w->text;
	pack(f, n, &at);
	w->kind = kind;
	return w;
}

static struct wop *wop_dialog(const struct store_dialog *d)
{
	struct store_dialog c = *d;
	const char **f[] = { &c.id,	    &c.route,	   &c.caller,
			     &c.callee,	    &c.from_trunk, &c.to_trunk,
			     &c.media,
			     LEG_FIELDS(c.leg[0]), LEG_FIELDS(c.leg[1]) };
	struct wop *w = wop_packed(WOP_DIALOG_PUT, f, sizeof(f) / sizeof(*f));

	if (w)
		w->u.d = c;
	return w;
}

static struct wop *wop_cdr(const struct store_cdr *r)
{
	struct store_cdr c = *r;
	const char **f[] = { &c.call,	    &c.caller,	   &c.callee,
			     &c.a_call_id,  &c.b_call_id,  &c.from_realm,
			     &c.from_trunk, &c.to_trunk,   &c.route,
			     &c.reason,	    &c.hangup };
	struct wop *w = wop_packed(WOP_CDR, f, sizeof(f) / sizeof(*f));

	if (w)
		w->u.c = c;
	return w;
}

/* ------------------------------------------------------------------ */
/* The thread.                                                         */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a statement whose parameters are bound, and resets it. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int apply_dialog(struct store_writer *w, const struct store_dialog *d)
{
	sqlite3_stmt *st = w->st[ST_DIALOG_PUT];
	int rc;

	bind_text(st, 1, d->id);
	bind_text(st, 2, d->route);
	bind_text(st, 3, d->caller);
	bind_text(st, 4, d->callee);
	bind_text(st, 5, d->from_trunk);
	bind_text(st, 6, d->to_trunk);
	sqlite3_bind_int64(st, 7, d->started_ms);
	sqlite3_bind_int64(st, 8, d->answered_ms);
	sqlite3_bind_int64(st, 9, d->updated_ms);
	bind_text(st, 10, d->media);
	rc = run(st);
	st = w->st[ST_LEG_PUT];
	for (int i = 0; i < 2 && rc == SQLITE_OK; i++) {
		const struct store_leg *l = &d->leg[i];

		bind_text(st, 1, d->id);
		sqlite3_bind_int(st, 2, i);
		bind_text(st, 3, l->realm);
		bind_text(st, 4, l->transport);
		bind_text(st, 5, l->peer);
		bind_text(st, 6, l->call_id);
		bind_text(st, 7, l->local_tag);
		bind_text(st, 8, l->remote_tag);
		sqlite3_bind_int64(st, 9, l->local_cseq);
		sqlite3_bind_int64(st, 10, l->remote_cseq);
		bind_text(st, 11, l->local_uri);
		bind_text(st, 12, l->remote_uri);
		bind_text(st, 13, l->remote_target);
		bind_text(st, 14, l->route_set ? l->route_set : "");
		sqlite3_bind_int(st, 15, l->secure);
		rc = run(st);
	}
	return rc;
}

static int apply_cdr(struct store_writer *w, const struct store_cdr *c)
{
	sqlite3_stmt *st = w->st[ST_CDR];

	bind_text(st, 1, c->call);
	sqlite3_bind_int64(st, 2, c->started_ms);
	if (c->answered_ms)
		sqlite3_bind_int64(st, 3, c->answered_ms);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, c->ended_ms);
	bind_text(st, 5, c->caller);
	bind_text(st, 6, c->callee);
	bind_text(st, 7, c->a_call_id);
	bind_text(st, 8, c->b_call_id);
	bind_text(st, 9, c->from_realm);
	bind_text(st, 10, c->from_trunk);
	bind_text(st, 11, c->to_trunk);
	bind_text(st, 12, c->route);
	sqlite3_bind_int(st, 13, (int)c->status);
	bind_text(st, 14, c->reason);
	bind_text(st, 15, c->hangup ? c->hangup : "sbc");
	return run(st);
}

static int apply(struct store_writer *w, const struct wop *op)
{
	sqlite3_stmt *st;

	switch (op->kind) {
	case WOP_DIALOG_PUT:
		return apply_dialog(w, &op->u.d);
	case WOP_DIALOG_DEL:
		st = w->st[ST_DIALOG_DEL];
		bind_text(st, 1, op->u.id);
		return run(st);
	case WOP_CDR:
		return apply_cdr(w, &op->u.c);
	}
	return SQLITE_MISUSE;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* FNV-1a of a NUL-terminated string. */
static uint64_t id_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static const char *wop_id(const struct wop *op)
{
	return op->kind == WOP_DIALOG_PUT ? op->u.d.id
	       : op->kind == WOP_DIALOG_DEL ? op->u.id
					      : NULL;
}

/*
 * Marks the dialog writes a later write of the same dialog in the batch
 * makes pointless: a row rewritten, or deleted, before it was ever
 * committed.  The last write of each dialog stays.  Returns how many
 * were marked.
 */
static unsigned long writer_coalesce(struct wop *batch)
{
	struct wop **slot;
	unsigned long n = 0, marked = 0;
	size_t size = 16;

	for (struct wop *op = batch; op; op = op->next)
		n++;
	while (size < 2 * n)
		size *= 2;
	slot = calloc(size, sizeof(*slot));
	if (!slot)
		return 0;	/* every write is applied: slower, not wrong */
	for (struct wop *op = batch; op; op = op->next) {
		const char *id = wop_id(op);
		size_t i;

		op->skip = 0;
		if (!id)
			continue;
		/* Open addressing; the slot keeps the latest write. */
		for (i = id_hash(id) & (size - 1); slot[i];
		     i = (i + 1) & (size - 1))
			if (strcmp(wop_id(slot[i]), id) == 0)
				break;
		if (slot[i] && slot[i]->kind == WOP_DIALOG_PUT) {
			slot[i]->skip = 1;
			marked++;
			/* The row was never written: a rewrite is its first
			 * write now, and a delete has nothing to delete. */
			if (slot[i]->u.d.first) {
				if (op->kind == WOP_DIALOG_PUT) {
					op->u.d.first = 1;
				} else {
					op->skip = 1;
					marked++;
				}
			}
		}
		slot[i] = op;
	}
	free(slot);
	return marked;
}

/* Applies one batch in one transaction and frees it. */
static void writer_batch(struct store_writer *w, struct wop *batch)
{
	sqlite3 *db = w->store->db;
	unsigned long n = 0, failed = 0, skipped;
	uint64_t t0 = mono_us(), dt;
	int rc, multi;

	skipped = writer_coalesce(batch);
	rc = run(w->st[ST_BEGIN]);
	for (struct wop *op = batch; op; op = op->next) {
		n++;
		if (rc != SQLITE_OK || op->skip)
			continue;
		/* A write that fails leaves nothing of itself: a dialog
		 * row without its legs would be worse than none.  The
		 * other writes are one statement each, which SQLite undoes
		 * alone; the savepoint's statements are prepared once. */
		multi = op->kind == WOP_DIALOG_PUT;
		if (multi)
			run(w->st[ST_SAVEPOINT]);
		if (apply(w, op) != SQLITE_OK) {
			failed++;
			log_warn("store: cannot write %s: %s",
				 op->kind == WOP_CDR ? "a CDR" : "a dialog",
				 sqlite3_errmsg(db));
			if (multi)
				run(w->st[ST_ROLLBACK_TO]);
		}
		if (multi)
			run(w->st[ST_RELEASE]);
	}
	if (rc == SQLITE_OK)
		rc = run(w->st[ST_COMMIT]);
	if (rc != SQLITE_OK) {
		log_warn("store: a batch of %lu writes failed: %s", n,
			 sqlite3_errmsg(db));
		run(w->st[ST_ROLLBACK]);
		failed = n;
	}
	dt = mono_us() - t0;
	while (batch) {
		struct wop *next = batch->next;

		free(batch);
		batch = next;
	}
	pthread_mutex_lock(&w->lock);
	w->stats.queued -= n;
	w->stats.written += n - failed - (failed == n ? 0 : skipped);
	w->stats.coalesced += failed == n ? 0 : skipped;
	w->stats.errors += failed;
	w->stats.batches++;
	w->stats.last_batch_us = dt;
	if (dt > w->stats.max_batch_us)
		w->stats.max_batch_us = dt;
	pthread_mutex_unlock(&w->lock);
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;

	/* Named, so that top -H and /proc/PID/task show its CPU time. */
	pthread_setname_np(pthread_self(), "sbc-writer");
	for (;;) {
		struct wop *batch;

		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stop) {
			w->waiting = 1;
			pthread_cond_wait(&w->cond, &w->lock);
			w->waiting = 0;
		}
		if (!w->stop) {
			/* Group commit: what arrives in the next few ms
			 * shares the transaction, and a dialog that ends
			 * that soon is never written at all. */
			struct timespec gather = {
				0, STORE_WRITER_GATHER_MS * 1000000L
			};

			pthread_mutex_unlock(&w->lock);
			nanosleep(&gather, NULL);
			pthread_mutex_lock(&w->lock);
		}
		batch = w->head;
		w->head = NULL;
		w->tail = &w->head;
		pthread_mutex_unlock(&w->lock);
		if (!batch)
			break;	/* stopping, and nothing is left */
		writer_batch(w, batch);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The loop's side.                                                    */

static int writer_push_locked(struct store_writer *w, struct wop *op);

/*
 * The event loop's whole contact with SQLite is this hand-over: the
 * writer holds the lock only to take the queue, never while it runs a
 * transaction, so the loop never waits for the disk.  The longest
 * hand-over is measured to show it.
 */
static int writer_push(struct store_writer *w, struct wop *op)
{
	uint64_t t0 = mono_us(), dt;
	int rc = writer_push_locked(w, op);

	dt = mono_us() - t0;
	if (dt > w->push_max_us) {
		pthread_mutex_lock(&w->lock);
		w->stats.max_push_us = dt;
		pthread_mutex_unlock(&w->lock);
		w->push_max_us = dt;
	}
	return rc;
}

static int writer_push_locked(struct store_writer *w, struct wop *op)
{
	if (!op) {
		pthread_mutex_lock(&w->lock);
		w->stats.dropped++;
		pthread_mutex_unlock(&w->lock);
		return -ENOMEM;
	}
	op->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->stats.queued >= STORE_WRITER_QUEUE_MAX) {
		w->stats.dropped++;
		pthread_mutex_unlock(&w->lock);
		free(op);
		return -ENOSPC;
	}
	*w->tail = op;
	w->tail = &op->next;
	if (++w->stats.queued > w->stats.queued_max)
		w->stats.queued_max = w->stats.queued;
	/* One wake-up per batch, not one per write. */
	if (w->waiting) {
		w->waiting = 0;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int store_writer_dialog_put(struct store_writer *w,
			    const struct store_dialog *d)
{
	return writer_push(w, wop_dialog(d));
}

int store_writer_dialog_del(struct store_writer *w, const char *id)
{
	size_t len = strlen(id) + 1;
	struct wop *op = malloc(sizeof(*op) + len);

	if (op) {
		memcpy(op->text, id, len);
		op->kind = WOP_DIALOG_DEL;
		op->u.id = op->text;
	}
	return writer_push(w, op);
}

int store_writer_cdr(struct store_writer *w, const struct store_cdr *c)
{
	return writer_push(w, wop_cdr(c));
}

void store_writer_stats(struct store_writer *w, struct store_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->stats;
	pthread_mutex_unlock(&w->lock);
}

static void writer_close(struct store_writer *w)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(w->st[i]);
	store_close(w->store);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

int store_writer_start(const char *path, struct store_writer **out,
		       char *err, size_t errlen)
{
	struct store_writer *w = calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->tail = &w->head;
	rc = store_open(path, &w->store, err, errlen);
	for (int i = 0; i < ST_COUNT && rc == 0; i++) {
		int src = sqlite3_prepare_v3(w->store->db, writer_sql[i], -1,
					     SQLITE_PREPARE_PERSISTENT,
					     &w->st[i], NULL);

		if (src != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path,
				 sqlite3_errmsg(w->store->db));
			rc = store_errno(w->store->db, src);
		}
	}
	if (rc == 0) {
		rc = -pthread_create(&w->thread, NULL, writer_main, w);
		if (rc < 0)
			snprintf(err, errlen, "cannot start the writer thread");
	}
	if (rc < 0) {
		writer_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

void store_writer_stop(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	writer_close(w);
}
