/*
 * sbcctl trunk: adds, changes, deletes and lists the trunks in the
 * database (the next hops that routes send calls to).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/json.h"
#include "sbc/store_admin.h"
#include "sbcctl.h"

void cmd_trunk_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl trunk add NAME --realm REALM --uri URI|HOST[:PORT]\n"
		"                        [--transport udp|tcp|tls] [--max-calls N]\n"
		"                        [--max-cps N] [--no-tls-verify]\n"
		"       sbcctl trunk set NAME KEY=VALUE...\n"
		"       sbcctl trunk del NAME\n"
		"       sbcctl trunk show [--json] NAME\n"
		"       sbcctl trunk list [--json]\n"
		"\n"
		"A trunk is a next hop that routes send calls to: a sip: or sips:\n"
		"URI, or a host name or address (stored as sip:HOST[:PORT]),\n"
		"reached from REALM.  NAME and REALM are 1 to 64 letters, digits,\n"
		"'.', '_' or '-'.  Without --transport, RFC 3263 chooses one.\n"
		"--max-calls and --max-cps limit concurrent calls and new calls\n"
		"per second (0, the default: no limit).  set takes the keys realm,\n"
		"uri, transport (udp, tcp, tls or any), max_calls, max_cps and\n"
		"tls_verify (yes or no).  A trunk that routes use cannot be\n"
		"deleted.  A running sbcd takes changes up on 'sbcctl reload'.\n"
		"\n"
		"Exits 0 on success, 1 when a value is refused, a trunk is missing\n"
		"or exists, 2 on a usage error or when the database cannot be\n"
		"opened.\n");
}

/* Parses a limit for --max-calls and --max-cps. */
static int trunk_count(const char *opt, const char *v, unsigned *out)
{
	uint64_t x;

	if (str_to_u64(str_cstr(v), 1000000000, &x) != 0) {
		fprintf(stderr, "sbcctl: %s wants a number from 0 to "
			"1000000000, not '%s'\n", opt, v);
		return -EINVAL;
	}
	*out = (unsigned)x;
	return 0;
}

static int trunk_add(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "realm", required_argument, NULL, 'r' },
		{ "uri", required_argument, NULL, 'u' },
		{ "transport", required_argument, NULL, 't' },
		{ "max-calls", required_argument, NULL, 'm' },
		{ "max-cps", required_argument, NULL, 'p' },
		{ "no-tls-verify", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_trunk t = { .tls_verify = 1 };
	int json = o->json, c, rc;
	struct store *s;
	char err[512];

	optind = 0;
	while ((c = getopt_long(argc, argv, "r:u:t:m:p:nj", lopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r':
			t.realm = optarg;
			break;
		case 'u':
			t.uri = optarg;
			break;
		case 't':
			t.transport = optarg;
			break;
		case 'm':
			if (trunk_count("--max-calls", optarg, &t.max_calls))
				return SBCCTL_ERROR;
			break;
		case 'p':
			if (trunk_count("--max-cps", optarg, &t.max_cps))
				return SBCCTL_ERROR;
			break;
		case 'n':
			t.tls_verify = 0;
			break;
		case 'j':
			json = 1;
			break;
		default:
			cmd_trunk_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind != argc - 1 || !t.realm || !t.uri) {
		fprintf(stderr, "sbcctl: trunk add needs NAME, --realm and "
			"--uri\n");
		return SBCCTL_ERROR;
	}
	t.name = argv[optind];
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_admin_trunk_add(s, &t, err, sizeof(err));
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json)
		printf("trunk '%s' added\n", t.name);
	return SBCCTL_OK;
}

/* A change, a deletion: NAME and what follows it. */
static int trunk_write(const struct sbcctl_opts *o, int argc, char **argv,
		       int set)
{
	int json = o->json, n, rc;
	struct store *s;
	char err[512];

	n = sbcctl_plain_args(argc, argv, &json);
	if (n < 0 || (set ? n < 2 : n != 1)) {
		cmd_trunk_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	if (set)
		rc = store_admin_trunk_set(s, argv[optind], argv + optind + 1,
					   (size_t)n - 1, err, sizeof(err));
	else
		rc = store_admin_trunk_del(s, argv[optind], err, sizeof(err));
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json)
		printf("trunk '%s' %s\n", argv[optind],
		       set ? "changed" : "deleted");
	return SBCCTL_OK;
}

static void trunk_json(struct buf *b, const struct store_trunk *t)
{
	buf_put_c(b, '{');
	json_put_key(b, "name", 1);
	json_put_str(b, t->name);
	json_member_str(b, "realm", t->realm);
	json_member_str(b, "uri", t->uri);
	json_member_str(b, "transport", t->transport);
	json_member_u64(b, "max_calls", t->max_calls);
	json_member_u64(b, "max_cps", t->max_cps);
	json_put_key(b, "tls_verify", 0);
	buf_put_cstr(b, t->tls_verify ? "true" : "false");
	buf_put_c(b, '}');
}

static void trunk_row(struct sbcctl_table *tab,
		      const struct store_trunk *t)
{
	char calls[16], cps[16];
	const char *row[7];

	snprintf(calls, sizeof(calls), "%u", t->max_calls);
	snprintf(cps, sizeof(cps), "%u", t->max_cps);
	row[0] = t->name;
	row[1] = t->realm;
	row[2] = t->uri;
	row[3] = t->transport ? t->transport : "any";
	row[4] = t->max_calls ? calls : "-";
	row[5] = t->max_cps ? cps : "-";
	row[6] = t->tls_verify ? "yes" : "no";
	sbcctl_table_row(tab, row);
}

static const char *const trunk_head[] = { "NAME", "REALM", "URI",
					  "TRANSPORT", "MAX_CALLS", "MAX_CPS",
					  "TLS_VERIFY" };

/* list (show == 0) or show NAME. */
static int trunk_read(const struct sbcctl_opts *o, int argc, char **argv,
		      int show)
{
	const struct store_trunk *v;
	struct store_routing *r;
	struct sbcctl_table tab;
	int json = o->json, n, rc;
	struct buf b;
	size_t k;

	n = sbcctl_plain_args(argc, argv, &json);
	if (n != show) {
		cmd_trunk_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_routing_load(o, &r) != SBCCTL_OK)
		return SBCCTL_ERROR;
	v = r->trunks;
	k = r->n_trunks;
	if (show) {
		v = store_routing_trunk(r, argv[optind]);
		k = 1;
		if (v == NULL) {
			fprintf(stderr, "sbcctl: no trunk '%s'\n",
				argv[optind]);
			store_routing_unref(r);
			return SBCCTL_FAIL;
		}
	}
	if (json) {
		buf_init(&b);
		if (!show)
			buf_put_c(&b, '[');
		for (size_t i = 0; i < k; i++) {
			if (i)
				buf_put_c(&b, ',');
			trunk_json(&b, &v[i]);
		}
		if (!show)
			buf_put_c(&b, ']');
		rc = sbcctl_json_print(&b);
	} else if (k == 0) {
		printf("no trunks\n");
		rc = SBCCTL_OK;
	} else {
		sbcctl_table_init(&tab, 7);
		sbcctl_table_row(&tab, trunk_head);
		for (size_t i = 0; i < k; i++)
			trunk_row(&tab, &v[i]);
		rc = sbcctl_table_print(&tab, stdout);
	}
	store_routing_unref(r);
	return rc;
}

int cmd_trunk_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return trunk_add(o, argc - 1, argv + 1);
	if (!strcmp(sub, "set"))
		return trunk_write(o, argc - 1, argv + 1, 1);
	if (!strcmp(sub, "del"))
		return trunk_write(o, argc - 1, argv + 1, 0);
	if (!strcmp(sub, "show"))
		return trunk_read(o, argc - 1, argv + 1, 1);
	if (!strcmp(sub, "list"))
		return trunk_read(o, argc - 1, argv + 1, 0);
	if (*sub)
		fprintf(stderr, "sbcctl: unknown trunk command '%s'\n", sub);
	cmd_trunk_usage(stderr);
	return SBCCTL_ERROR;
}
