/*
 * sbcctl route: adds, deletes and lists routing rules, each with the
 * ordered list of trunks it sends calls to.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/json.h"
#include "sbc/store_admin.h"
#include "sbcctl.h"

void cmd_route_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl route add NAME --to TRUNK[,TRUNK...] [--priority N]\n"
		"                        [--from-realm REALM] [--from-trunk TRUNK]\n"
		"                        [--user-prefix PREFIX] [--domain DOMAIN]\n"
		"       sbcctl route del NAME\n"
		"       sbcctl route list [--json]\n"
		"\n"
		"A route matches out-of-dialog requests by the realm or trunk they\n"
		"came from, the start of the Request-URI user and its domain; an\n"
		"option left out matches anything.  Routes are tried by ascending\n"
		"priority (default 100), then name; the first match sends the\n"
		"call to the --to trunks, in order, failing over on timeout,\n"
		"transport error or 503.  A running sbcd takes changes up on\n"
		"'sbcctl reload'.\n"
		"\n"
		"Exits 0 on success, 1 when a value is refused, a route or trunk\n"
		"is missing or the route exists, 2 on a usage error or when the\n"
		"database cannot be opened.\n");
}

/* Splits the --to list at commas into r->targets (pointing into list). */
static int route_targets(char *list, struct store_admin_route *r)
{
	size_t n = 1;
	char *p, *save = NULL;

	for (p = list; *p; p++)
		n += *p == ',';
	r->targets = calloc(n, sizeof(*r->targets));
	if (r->targets == NULL)
		return -ENOMEM;
	for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save))
		r->targets[r->n_targets++] = p;
	return 0;
}

static int route_add(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "priority", required_argument, NULL, 'p' },
		{ "from-realm", required_argument, NULL, 'r' },
		{ "from-trunk", required_argument, NULL, 'f' },
		{ "user-prefix", required_argument, NULL, 'u' },
		{ "domain", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_admin_route r = {
		.priority = STORE_ADMIN_PRIORITY_DEFAULT,
	};
	int json = o->json, c, rc;
	char err[512], *to = NULL, *end;
	struct store *s;
	long v;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:p:r:f:u:d:j", lopts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || v < INT_MIN / 2 ||
			    v > INT_MAX / 2) {
				fprintf(stderr, "sbcctl: --priority wants a "
					"whole number, not '%s'\n", optarg);
				return SBCCTL_ERROR;
			}
			r.priority = (int)v;
			break;
		case 'r':
			r.from_realm = optarg;
			break;
		case 'f':
			r.from_trunk = optarg;
			break;
		case 'u':
			r.user_prefix = optarg;
			break;
		case 'd':
			r.domain = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			cmd_route_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind != argc - 1 || to == NULL) {
		fprintf(stderr, "sbcctl: route add needs NAME and --to\n");
		return SBCCTL_ERROR;
	}
	r.name = argv[optind];
	if (route_targets(to, &r) < 0) {
		fprintf(stderr, "sbcctl: out of memory\n");
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK) {
		free(r.targets);
		return SBCCTL_ERROR;
	}
	rc = store_admin_route_add(s, &r, err, sizeof(err));
	store_close(s);
	free(r.targets);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json)
		printf("route '%s' added\n", r.name);
	return SBCCTL_OK;
}

static int route_del(const struct sbcctl_opts *o, int argc, char **argv)
{
	int json = o->json, rc;
	struct store *s;
	char err[512];

	if (sbcctl_plain_args(argc, argv, &json) != 1) {
		cmd_route_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_admin_route_del(s, argv[optind], err, sizeof(err));
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json)
		printf("route '%s' deleted\n", argv[optind]);
	return SBCCTL_OK;
}

static void route_json(struct buf *b, const struct store_route *r)
{
	buf_put_c(b, '{');
	json_put_key(b, "name", 1);
	json_put_str(b, r->name);
	json_member_i64(b, "priority", r->priority);
	json_member_str(b, "from_realm", r->from_realm);
	json_member_str(b, "from_trunk", r->from_trunk);
	json_member_str(b, "user_prefix", r->user_prefix);
	json_member_str(b, "domain", r->domain);
	json_put_key(b, "targets", 0);
	buf_put_c(b, '[');
	for (size_t i = 0; i < r->n_targets; i++) {
		if (i)
			buf_put_c(b, ',');
		json_put_str(b, r->targets[i]->name);
	}
	buf_put_cstr(b, "]}");
}

static void route_row(struct sbcctl_table *tab, const struct store_route *r)
{
	char prio[16];
	const char *row[7];
	struct buf to;

	buf_init(&to);
	for (size_t i = 0; i < r->n_targets; i++) {
		if (i)
			buf_put_c(&to, ',');
		buf_put_cstr(&to, r->targets[i]->name);
	}
	buf_put_c(&to, '\0');
	snprintf(prio, sizeof(prio), "%d", r->priority);
	row[0] = r->name;
	row[1] = prio;
	row[2] = r->from_realm;
	row[3] = r->from_trunk;
	row[4] = r->user_prefix;
	row[5] = r->domain;
	row[6] = to.err ? NULL : to.p;
	sbcctl_table_row(tab, row);
	if (to.err)
		tab->err = to.err;
	buf_free(&to);
}

static int route_list(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const char *const head[] = { "NAME", "PRIORITY", "FROM_REALM",
					    "FROM_TRUNK", "USER_PREFIX",
					    "DOMAIN", "TARGETS" };
	const struct store_route *v;
	struct store_routing *r;
	struct sbcctl_table tab;
	int json = o->json, rc;
	struct buf b;
	size_t n;

	if (sbcctl_plain_args(argc, argv, &json) != 0) {
		cmd_route_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_routing_load(o, &r) != SBCCTL_OK)
		return SBCCTL_ERROR;
	v = r->routes;
	n = r->n_routes;
	if (json) {
		buf_init(&b);
		buf_put_c(&b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_put_c(&b, ',');
			route_json(&b, &v[i]);
		}
		buf_put_c(&b, ']');
		rc = sbcctl_json_print(&b);
	} else if (n == 0) {
		printf("no routes\n");
		rc = SBCCTL_OK;
	} else {
		sbcctl_table_init(&tab, 7);
		sbcctl_table_row(&tab, head);
		for (size_t i = 0; i < n; i++)
			route_row(&tab, &v[i]);
		rc = sbcctl_table_print(&tab, stdout);
	}
	store_routing_unref(r);
	return rc;
}

int cmd_route_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return route_add(o, argc - 1, argv + 1);
	if (!strcmp(sub, "del"))
		return route_del(o, argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return route_list(o, argc - 1, argv + 1);
	if (*sub)
		fprintf(stderr, "sbcctl: unknown route command '%s'\n", sub);
	cmd_route_usage(stderr);
	return SBCCTL_ERROR;
}
