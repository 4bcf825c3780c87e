/*
 * store: the SQLite database of sbc (layer 2).
 *
 * store_open creates the file on first start, puts it in WAL mode with
 * synchronous=NORMAL and brings its schema up to date by applying the
 * numbered migrations under db/, which db/embed.sh compiles into
 * store_schema.c.  PRAGMA user_version records the last migration
 * applied; each migration runs in its own transaction together with the
 * user_version update, so a crash leaves the schema at a whole version.
 */
#ifndef SBC_STORE_H
#define SBC_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* One migration: db/NNN_name.sql with version NNN. */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated into store_schema.c; versions run 1 .. store_migrations_n. */
extern const struct store_migration store_migrations[];
extern const size_t store_migrations_n;

/* How long store_open waits for another connection's lock, in ms. */
#define STORE_BUSY_TIMEOUT_MS 250

/*
 * Opens or creates the database at path (creating its parent directory
 * if that one level is missing) and migrates it.  Returns 0 and *out, or
 * a negative errno with a message naming the file in err:
 *   -EBUSY     another connection holds a lock longer than the timeout;
 *   -EINVAL    the file is not an SQLite database, or is corrupt;
 *   -ENOTSUP   its schema version is newer than this sbc knows;
 *   -ENOMEM, or the errno of a failed open or mkdir, or -EIO.
 * On failure nothing is left open.
 */
int store_open(const char *path, struct store **out, char *err,
	       size_t errlen);

/* Closes the database; s may be NULL. */
void store_close(struct store *s);

/* The schema version of the open database (its user_version). */
int store_schema_version(const struct store *s);

/* The newest schema version this build knows. */
int store_schema_latest(void);

/*
 * Copies the meta value of key into dst (size n, NUL-terminated,
 * truncated if needed).  Returns 0, -ENOENT when the key is absent, or
 * -EIO.
 */
int store_meta_get(struct store *s, const char *key, char *dst, size_t n);

/* ------------------------------------------------------------------ */
/* Routing state (db/002_admin.sql): what sbcd loads at start and on    */
/* reload.  sbcctl edits it through store_admin.h.                      */

struct store_trunk {
	char *name;
	char *realm;
	char *uri;		/* sip: or sips: URI */
	char *transport;	/* "udp", "tcp", "tls" or NULL: any */
	unsigned max_calls;	/* 0: no limit */
	unsigned max_cps;	/* 0: no limit */
	int tls_verify;
};

struct store_route {
	char *name;
	int priority;
	char *from_realm;	/* NULL: any */
	char *from_trunk;	/* NULL: any */
	char *user_prefix;	/* NULL: any */
	char *domain;		/* NULL: any */
	const struct store_trunk **targets;	/* in order, into trunks */
	size_t n_targets;
};

struct store_acl {
	long long id;
	char *realm;
	char *cidr;
	int allow;
	char *comment;
};

/* One consistent snapshot, read in one transaction; reference-counted
 * so that calls set up under it keep it while a reload swaps it. */
struct store_routing {
	unsigned refs;
	struct store_trunk *trunks;
	size_t n_trunks;
	struct store_route *routes;	/* by priority, then name */
	size_t n_routes;
	struct store_acl *acl;
	size_t n_acl;
};

/* Reads the routing state.  Returns 0 and *out (one reference), or a
 * negative errno. */
int store_routing_load(struct store *s, struct store_routing **out);
struct store_routing *store_routing_ref(struct store_routing *r);
/* Drops a reference; r may be NULL. */
void store_routing_unref(struct store_routing *r);
const struct store_trunk *store_routing_trunk(const struct store_routing *r,
					      const char *name);

/* ------------------------------------------------------------------ */
/* Dialogs and CDRs.                                                    */

/* One leg of a confirmed call; side 0 is leg A, side 1 leg B. */
struct store_leg {
	const char *realm;
	const char *transport;		/* "udp", "tcp" or "tls" */
	const char *peer;		/* "ip:port" or "[ip6]:port" */
	const char *call_id;
	const char *local_tag;
	const char *remote_tag;
	uint32_t local_cseq;
	int64_t remote_cseq;		/* -1: none yet */
	const char *local_uri;
	const char *remote_uri;
	const char *remote_target;
	const char *route_set;		/* Route values, '\n' between them */
	int secure;
};

struct store_dialog {
	const char *id;			/* the call's token */
	const char *route;
	const char *caller;
	const char *callee;
	const char *from_trunk;
	const char *to_trunk;
	int64_t started_ms, answered_ms, updated_ms;
	const char *media;		/* the anchoring rtpengine, or NULL */
	int first;			/* no write of this dialog was asked
					   for before: its delete in the same
					   batch drops both */
	struct store_leg leg[2];
};

/* Called once per stored dialog; a non-zero return stops the walk and
 * is returned by store_dialogs_load. */
typedef int (*store_dialog_cb)(void *arg, const struct store_dialog *d);

/* Reads every stored dialog.  Returns 0, the callback's non-zero
 * value, or a negative errno. */
int store_dialogs_load(struct store *s, store_dialog_cb cb, void *arg);

/* Deletes a stored dialog now (not through the writer).  Returns 0 or a
 * negative errno; a missing row is not an error. */
int store_dialog_delete(struct store *s, const char *id);

/* One call attempt, written when it ends. */
struct store_cdr {
	const char *call;
	int64_t started_ms;
	int64_t answered_ms;		/* 0: never answered */
	int64_t ended_ms;
	const char *caller;
	const char *callee;
	const char *a_call_id;
	const char *b_call_id;
	const char *from_realm;
	const char *from_trunk;
	const char *to_trunk;
	const char *route;
	unsigned status;
	const char *reason;
	const char *hangup;		/* "caller", "callee" or "sbc" */
};

/* ------------------------------------------------------------------ */
/* The writer thread: dialog and CDR writes leave the event loop and are */
/* applied by one thread on its own connection, in batched             */
/* transactions.                                                       */

struct store_writer;

struct store_writer_stats {
	unsigned long queued;		/* writes waiting now */
	unsigned long queued_max;	/* the most that ever waited */
	unsigned long written;		/* writes committed */
	unsigned long coalesced;	/* dialog writes a later one made
					   pointless in the same batch */
	unsigned long batches;		/* transactions committed */
	unsigned long errors;		/* writes that failed */
	unsigned long dropped;		/* refused: the queue was full */
	uint64_t last_batch_us;		/* time of the last transaction */
	uint64_t max_batch_us;		/* the longest one */
	uint64_t max_push_us;		/* the longest the caller's thread
					   (the event loop) spent handing
					   one write over, waiting for the
					   queue's lock included */
};

/* How long the writer gathers writes into one transaction. */
#define STORE_WRITER_GATHER_MS 20

/* The most writes that may wait; past it writes are dropped and
 * counted, so that a stalled disk cannot eat the memory. */
#define STORE_WRITER_QUEUE_MAX 100000

/* Opens its own connection to the database at path and starts the
 * thread.  Returns 0 or a negative errno with a message in err. */
int store_writer_start(const char *path, struct store_writer **out,
		       char *err, size_t errlen);

/* Queue a write; the strings are copied.  They return 0, or -ENOMEM or
 * -ENOSPC (queue full) when the write is dropped. */
int store_writer_dialog_put(struct store_writer *w,
			    const struct store_dialog *d);
int store_writer_dialog_del(struct store_writer *w, const char *id);
int store_writer_cdr(struct store_writer *w, const struct store_cdr *c);

void store_writer_stats(struct store_writer *w, struct store_writer_stats *st);

/* Applies every queued write, stops the thread and closes; w may be
 * NULL. */
void store_writer_stop(struct store_writer *w);

/* Milliseconds since the Unix epoch, for the time columns. */
int64_t store_now_ms(void);

#endif
