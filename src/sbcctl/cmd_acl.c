/*
 * sbcctl acl: adds, deletes and lists the access control entries of the
 * realms: which source prefixes sbcd takes requests from.
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

void cmd_acl_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl acl add REALM CIDR allow|deny [--comment TEXT]\n"
		"       sbcctl acl del ID\n"
		"       sbcctl acl del REALM CIDR\n"
		"       sbcctl acl list [--json] [REALM]\n"
		"\n"
		"Each entry allows or denies requests from an IPv4 or IPv6 prefix\n"
		"(a.b.c.d/0-32, ipv6/0-128; a bare address is one host) arriving\n"
		"in REALM; the most specific prefix that holds a source address\n"
		"decides.  A prefix with host bits set is refused.  A running\n"
		"sbcd takes changes up on 'sbcctl reload'.\n"
		"\n"
		"Exits 0 on success, 1 when a value is refused, an entry is\n"
		"missing or exists, 2 on a usage error or when the database\n"
		"cannot be opened.\n");
}

static int acl_add(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "comment", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int json = o->json, allow, c, rc;
	const char *comment = NULL;
	struct store *s;
	char err[512];
	long long id = 0;
	struct buf b;

	optind = 0;
	while ((c = getopt_long(argc, argv, "C:j", lopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			comment = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			cmd_acl_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (argc - optind != 3) {
		cmd_acl_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (!strcmp(argv[optind + 2], "allow")) {
		allow = 1;
	} else if (!strcmp(argv[optind + 2], "deny")) {
		allow = 0;
	} else {
		fprintf(stderr, "sbcctl: the action is allow or deny, not "
			"'%s'\n", argv[optind + 2]);
		return SBCCTL_FAIL;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_admin_acl_add(s, argv[optind], argv[optind + 1], allow,
				 comment, &id, err, sizeof(err));
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (json) {
		buf_init(&b);
		buf_printf(&b, "{\"id\":%lld}", id);
		return sbcctl_json_print(&b);
	}
	printf("acl entry %lld added\n", id);
	return SBCCTL_OK;
}

/* An entry id: digits only. */
static int acl_id(const char *v, long long *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

static int acl_del(const struct sbcctl_opts *o, int argc, char **argv)
{
	int json = o->json, n, rc;
	struct store *s;
	char err[512];
	long long id;

	n = sbcctl_plain_args(argc, argv, &json);
	if ((n != 1 && n != 2) || (n == 1 && acl_id(argv[optind], &id))) {
		cmd_acl_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	if (n == 1)
		rc = store_admin_acl_del_id(s, id, err, sizeof(err));
	else
		rc = store_admin_acl_del(s, argv[optind], argv[optind + 1], err,
					 sizeof(err));
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json) {
		if (n == 1)
			printf("acl entry %lld deleted\n", id);
		else
			printf("acl entry of realm '%s' for %s deleted\n",
			       argv[optind], argv[optind + 1]);
	}
	return SBCCTL_OK;
}

static void acl_json(struct buf *b, const struct store_acl *a)
{
	buf_put_c(b, '{');
	json_put_key(b, "id", 1);
	buf_printf(b, "%lld", a->id);
	json_member_str(b, "realm", a->realm);
	json_member_str(b, "cidr", a->cidr);
	json_member_str(b, "action", a->allow ? "allow" : "deny");
	json_member_str(b, "comment", a->comment);
	buf_put_c(b, '}');
}

static int acl_list(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const char *const head[] = { "ID", "REALM", "CIDR", "ACTION",
					    "COMMENT" };
	const char *realm = NULL, *row[5];
	struct sbcctl_table tab;
	int json = o->json, n, rc;
	const struct store_acl *v;
	struct store_routing *r;
	char id[24];
	struct buf b;
	size_t k = 0;

	n = sbcctl_plain_args(argc, argv, &json);
	if (n != 0 && n != 1) {
		cmd_acl_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (n == 1)
		realm = argv[optind];
	if (sbcctl_routing_load(o, &r) != SBCCTL_OK)
		return SBCCTL_ERROR;
	/* By realm, then id; keep those of the realm asked for. */
	v = r->acl;
	for (size_t i = 0; i < r->n_acl; i++)
		if (realm == NULL || strcmp(v[i].realm, realm) == 0)
			k++;
	if (json) {
		buf_init(&b);
		buf_put_c(&b, '[');
		for (size_t i = 0, first = 1; i < r->n_acl; i++) {
			if (realm && strcmp(v[i].realm, realm) != 0)
				continue;
			if (!first)
				buf_put_c(&b, ',');
			first = 0;
			acl_json(&b, &v[i]);
		}
		buf_put_c(&b, ']');
		rc = sbcctl_json_print(&b);
	} else if (k == 0) {
		if (realm)
			printf("no acl entries in realm '%s'\n", realm);
		else
			printf("no acl entries\n");
		rc = SBCCTL_OK;
	} else {
		sbcctl_table_init(&tab, 5);
		sbcctl_table_row(&tab, head);
		for (size_t i = 0; i < r->n_acl; i++) {
			if (realm && strcmp(v[i].realm, realm) != 0)
				continue;
			snprintf(id, sizeof(id), "%lld", v[i].id);
			row[0] = id;
			row[1] = v[i].realm;
			row[2] = v[i].cidr;
			row[3] = v[i].allow ? "allow" : "deny";
			row[4] = v[i].comment;
			sbcctl_table_row(&tab, row);
		}
		rc = sbcctl_table_print(&tab, stdout);
	}
	store_routing_unref(r);
	return rc;
}

int cmd_acl_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return acl_add(o, argc - 1, argv + 1);
	if (!strcmp(sub, "del"))
		return acl_del(o, argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return acl_list(o, argc - 1, argv + 1);
	if (*sub)
		fprintf(stderr, "sbcctl: unknown acl command '%s'\n", sub);
	cmd_acl_usage(stderr);
	return SBCCTL_ERROR;
}
