/*
 * store_int: what the files of the store module share (layer 2).
 */
#ifndef SBC_STORE_INT_H
#define SBC_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>

struct store {
	sqlite3 *db;
	int version;
};

/* Maps an SQLite result code to a negative errno (db may be NULL). */
int store_errno(sqlite3 *db, int rc);

/* Formats a message into err (errlen bytes, NUL-terminated). */
void store_msg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A copy of text column i of st; a NULL column stays NULL.  Sets *oom
 * when the copy cannot be made. */
char *store_col_dup(sqlite3_stmt *st, int i, int *oom);

#endif
