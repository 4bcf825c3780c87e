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

#endif
