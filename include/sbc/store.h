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

#endif
