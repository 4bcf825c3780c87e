/*
 * sbcctl: administration CLI for sbc.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sbcctl.h"

static const struct sbcctl_cmd cmds[] = {
	{ "msg", "check SIP messages in files and reprint them",
	  cmd_msg_run, cmd_msg_usage },
	{ "resolve", "find the next hops of a SIP URI (RFC 3263)",
	  cmd_resolve_run, cmd_resolve_usage },
	{ "trunk", "add, change, delete and list trunks",
	  cmd_trunk_run, cmd_trunk_usage },
	{ "route", "add, delete and list routes",
	  cmd_route_run, cmd_route_usage },
	{ "acl", "add, delete and list access control entries",
	  cmd_acl_run, cmd_acl_usage },
	{ "cdr", "export call detail records as CSV or JSON",
	  cmd_cdr_run, cmd_cdr_usage },
	{ "dialogs", "list the stored dialogs of answered calls",
	  cmd_dialogs_run, cmd_dialogs_usage },
	{ "user", "add, delete and list digest users (HA1 only)",
	  cmd_user_run, cmd_user_usage },
	{ "status", "ask sbcd for its version, pid and uptime",
	  cmd_status_run, cmd_status_usage },
	{ "stats", "ask sbcd for its counters",
	  cmd_status_run, cmd_status_usage },
	{ "calls", "list sbcd's live calls",
	  cmd_status_run, cmd_status_usage },
	{ "reload", "make sbcd read trunks, routes and ACLs again",
	  cmd_status_run, cmd_status_usage },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl [-c CONFIG] [-d DATABASE] [-s SOCKET] [--json]\n"
		"              COMMAND [ARGS...]\n"
		"       sbcctl COMMAND --help\n"
		"\n"
		"Options:\n"
		"  -c, --config PATH  sbc.conf to use (default %s/sbc/sbc.conf)\n"
		"  -d, --database PATH\n"
		"                     the database to use instead of the config's\n"
		"  -s, --socket PATH  sbcd's status socket instead of the config's\n"
		"      --json         machine-readable output where supported\n"
		"  -h, --help         this help\n"
		"  -V, --version      print the version\n"
		"\n"
		"Commands:\n",
		SYSCONFDIR);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbcctl_opts o = { .config = SYSCONFDIR "/sbc/sbc.conf" };
	int c;

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:d:s:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'd':
			o.database = optarg;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return SBCCTL_OK;
		case 'V':
			printf("sbcctl %s\n", PACKAGE_VERSION);
			return SBCCTL_OK;
		default:
			usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return SBCCTL_ERROR;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++) {
		if (strcmp(argv[optind], cmds[i].name) != 0)
			continue;
		for (int k = optind + 1; k < argc; k++) {
			if (strcmp(argv[k], "--") == 0)
				break;
			if (strcmp(argv[k], "--help") == 0 ||
			    strcmp(argv[k], "-h") == 0) {
				cmds[i].usage(stdout);
				return SBCCTL_OK;
			}
		}
		optind++;
		return cmds[i].run(&o, argc - optind + 1, argv + optind - 1);
	}
	fprintf(stderr, "sbcctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return SBCCTL_ERROR;
}
