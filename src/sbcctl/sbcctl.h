/*
 * sbcctl: the administration CLI.  Each subcommand lives in its own
 * cmd_*.c file and is listed in main.c.
 */
#ifndef SBCCTL_H
#define SBCCTL_H

#include <stdio.h>

/* Exit codes shared by every subcommand. */
enum {
	SBCCTL_OK = 0,
	SBCCTL_FAIL = 1,	/* the command ran and found a problem */
	SBCCTL_ERROR = 2,	/* usage error, or the command could not run */
};

struct sbcctl_opts {
	const char *config;	/* -c PATH */
	const char *database;	/* -d PATH: overrides the config's */
	const char *socket;	/* -s PATH: sbcd's status socket */
	int json;		/* --json */
};

struct sbcctl_cmd {
	const char *name;
	const char *summary;
	int (*run)(const struct sbcctl_opts *o, int argc, char **argv);
	void (*usage)(FILE *f);
};

int cmd_msg_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_msg_usage(FILE *f);
int cmd_resolve_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_resolve_usage(FILE *f);
int cmd_trunk_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_trunk_usage(FILE *f);
int cmd_route_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_route_usage(FILE *f);
int cmd_acl_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_acl_usage(FILE *f);
int cmd_cdr_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_cdr_usage(FILE *f);
int cmd_dialogs_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_dialogs_usage(FILE *f);
int cmd_user_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_user_usage(FILE *f);
/* status, stats, calls and reload: argv[0] is the command (cmd_status.c). */
int cmd_status_run(const struct sbcctl_opts *o, int argc, char **argv);
void cmd_status_usage(FILE *f);

/* ------------------------------------------------------------------ */
/* db.c: what the commands that use the database share.                 */

struct store;
struct buf;

/*
 * Opens the database named by -d, or else by the config file's
 * database key (relative to the current directory, as for sbcd).
 * Returns SBCCTL_OK and *out, or SBCCTL_ERROR after a message on
 * standard error.
 */
int sbcctl_db_open(const struct sbcctl_opts *o, struct store **out);

/*
 * Opens the database, reads the routing state as sbcd does (trunks,
 * routes with their targets, the ACL) and closes it.  Returns SBCCTL_OK
 * and *out (release with store_routing_unref), or SBCCTL_ERROR after a
 * message.
 */
struct store_routing;
int sbcctl_routing_load(const struct sbcctl_opts *o,
			struct store_routing **out);

/* Prints "sbcctl: msg" on standard error and returns the exit code for
 * the negative errno rc of a store_admin call. */
int sbcctl_db_fail(int rc, const char *msg);

/*
 * Subcommands parse their options with getopt_long on argv from their
 * own name on, after setting optind to 0: that makes glibc start afresh
 * and permute, so options may follow the positional arguments (main's
 * '+' would otherwise stay in force).
 */

/*
 * Parses the options of a subcommand that takes only --json (argv[0] is
 * its name).  Returns the number of positional arguments, which start at
 * argv[optind], or -1 after an unknown option.
 */
int sbcctl_plain_args(int argc, char **argv, int *json);

/* A table for humans: rows of cells, printed with aligned columns. */
struct sbcctl_table {
	char **cells;		/* row-major, ncols per row */
	size_t ncols;
	size_t nrows;
	int err;
};

void sbcctl_table_init(struct sbcctl_table *t, size_t ncols);
/* Adds a row of ncols cells (NULL prints "-"); copies them. */
void sbcctl_table_row(struct sbcctl_table *t, const char *const *cells);
/* Prints and frees the table; returns SBCCTL_OK or SBCCTL_ERROR. */
int sbcctl_table_print(struct sbcctl_table *t, FILE *f);
/* Frees the table without printing it; printing frees it too. */
void sbcctl_table_free(struct sbcctl_table *t);

/* Writes b and a newline to standard output and frees b; returns the
 * exit code. */
int sbcctl_json_print(struct buf *b);

#endif
