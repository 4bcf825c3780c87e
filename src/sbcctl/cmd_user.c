/*
 * sbcctl user: adds, deletes and lists the users that may authenticate
 * to sbc with HTTP digest (RFC 3261 22, RFC 8760).  The password is read
 * from standard input or the terminal, hashed into HA1 = H(user ":"
 * digest realm ":" password) with MD5 and SHA-256, and forgotten: only
 * the hashes reach the database, and nothing prints them.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sbc/auth.h"
#include "sbc/buf.h"
#include "sbc/json.h"
#include "sbc/store_auth.h"
#include "sbcctl.h"

/* The longest password taken, in bytes. */
#define USER_PASSWORD_MAX 256

void cmd_user_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl user add REALM USER [--digest-realm NAME]\n"
		"                       [--password-stdin] [--md5-only|--sha256-only]\n"
		"                       [--replace]\n"
		"       sbcctl user del REALM USER\n"
		"       sbcctl user list [--json] [REALM]\n"
		"\n"
		"A user authenticates requests that come in on the sbc realm REALM\n"
		"when sbc.conf's [realm REALM] sets auth = yes.  The digest realm,\n"
		"the realm=\"...\" of the challenge, defaults to REALM and must be\n"
		"the realm's auth_realm.  add asks for the password twice on the\n"
		"terminal, or reads one line from standard input with\n"
		"--password-stdin, and stores only HA1 hashes: MD5 and SHA-256\n"
		"(RFC 8760), or one of them.  --replace changes the hashes of a\n"
		"user that exists.  A running sbcd takes changes up on 'sbcctl\n"
		"reload'.\n"
		"\n"
		"Exits 0 on success, 1 when a value is refused or a user is missing\n"
		"or exists, 2 on a usage error or when the database cannot be\n"
		"opened.\n");
}

/* One line of standard input without its line end. */
static int user_read_line(char *dst, size_t n)
{
	size_t len;

	if (!fgets(dst, (int)n, stdin))
		return -EIO;
	len = strlen(dst);
	if (len && dst[len - 1] == '\n')
		dst[--len] = '\0';
	else if (!feof(stdin))
		return -E2BIG;
	if (len && dst[len - 1] == '\r')
		dst[--len] = '\0';
	return 0;
}

/* Asks on the terminal with echo off. */
static int user_prompt(const char *what, char *dst, size_t n)
{
	struct termios old, quiet;
	int rc, tty = tcgetattr(STDIN_FILENO, &old) == 0;

	fprintf(stderr, "%s", what);
	fflush(stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	rc = user_read_line(dst, n);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return rc;
}

static int user_password(int from_stdin, char *pw, size_t n)
{
	char again[USER_PASSWORD_MAX + 2];
	int rc;

	if (from_stdin) {
		rc = user_read_line(pw, n);
	} else if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "sbcctl: no terminal to ask for the password: "
			"use --password-stdin\n");
		return -EINVAL;
	} else {
		rc = user_prompt("Password: ", pw, n);
		if (rc == 0)
			rc = user_prompt("Again: ", again, sizeof(again));
		if (rc == 0 && strcmp(pw, again) != 0) {
			fprintf(stderr, "sbcctl: the passwords differ\n");
			rc = -EINVAL;
		}
		OPENSSL_cleanse(again, sizeof(again));
	}
	if (rc == -E2BIG)
		fprintf(stderr, "sbcctl: the password is over %d bytes\n",
			USER_PASSWORD_MAX);
	else if (rc < 0 && rc != -EINVAL)
		fprintf(stderr, "sbcctl: no password on standard input\n");
	else if (rc == 0 && pw[0] == '\0') {
		fprintf(stderr, "sbcctl: the password is empty\n");
		rc = -EINVAL;
	}
	return rc;
}

static int user_add(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "digest-realm", required_argument, NULL, 'r' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "md5-only", no_argument, NULL, 'm' },
		{ "sha256-only", no_argument, NULL, 's' },
		{ "replace", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char pw[USER_PASSWORD_MAX + 2], md5[65], sha[65], err[512];
	struct store_cred cr = { 0 };
	int from_stdin = 0, md5_only = 0, sha_only = 0, replace = 0;
	int json = o->json, c, rc;
	struct store *s;

	optind = 0;
	while ((c = getopt_long(argc, argv, "r:pmsRj", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cr.digest_realm = optarg;
			break;
		case 'p':
			from_stdin = 1;
			break;
		case 'm':
			md5_only = 1;
			break;
		case 's':
			sha_only = 1;
			break;
		case 'R':
			replace = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			cmd_user_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind != argc - 2 || (md5_only && sha_only)) {
		cmd_user_usage(stderr);
		return SBCCTL_ERROR;
	}
	cr.realm = argv[optind];
	cr.username = argv[optind + 1];
	if (!cr.digest_realm)
		cr.digest_realm = cr.realm;
	if (user_password(from_stdin, pw, sizeof(pw)) < 0)
		return SBCCTL_FAIL;
	/* RFC 3261 22.4, RFC 8760 3: HA1 = H(user:realm:password). */
	rc = 0;
	if (!sha_only) {
		rc = auth_ha1(AUTH_MD5, cr.username, cr.digest_realm, pw, md5,
			      sizeof(md5));
		cr.ha1_md5 = md5;
	}
	if (rc == 0 && !md5_only) {
		rc = auth_ha1(AUTH_SHA256, cr.username, cr.digest_realm, pw,
			      sha, sizeof(sha));
		cr.ha1_sha256 = sha;
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc < 0) {
		fprintf(stderr, "sbcctl: cannot hash the password: %s\n",
			rc == -ENOSYS ? "the digest is not available"
				      : "the user, realm and password are too "
					"long");
		return SBCCTL_FAIL;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_auth_user_add(s, &cr, replace, err, sizeof(err));
	store_close(s);
	OPENSSL_cleanse(md5, sizeof(md5));
	OPENSSL_cleanse(sha, sizeof(sha));
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json)
		printf("user '%s' %s in realm '%s' (digest realm '%s')\n",
		       cr.username, replace ? "set" : "added", cr.realm,
		       cr.digest_realm);
	return SBCCTL_OK;
}

static int user_del(const struct sbcctl_opts *o, int argc, char **argv)
{
	int json = o->json, n, rc;
	struct store *s;
	char err[512];

	n = sbcctl_plain_args(argc, argv, &json);
	if (n != 2) {
		cmd_user_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_auth_user_del(s, argv[optind], argv[optind + 1], err,
				 sizeof(err));
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	if (!json)
		printf("user '%s' deleted from realm '%s'\n", argv[optind + 1],
		       argv[optind]);
	return SBCCTL_OK;
}

static const char *user_algs(const struct store_cred *c)
{
	if (c->ha1_md5 && c->ha1_sha256)
		return "SHA-256,MD5";
	return c->ha1_sha256 ? "SHA-256" : "MD5";
}

static int user_list(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const char *const head[] = { "REALM", "USER", "DIGEST_REALM",
					    "ALGORITHMS" };
	const char *realm = NULL;
	struct store_creds *cr;
	struct sbcctl_table tab;
	int json = o->json, n, rc, first = 1;
	struct store *s;
	struct buf b;

	n = sbcctl_plain_args(argc, argv, &json);
	if (n < 0 || n > 1) {
		cmd_user_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (n == 1)
		realm = argv[optind];
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_creds_load(s, &cr);
	store_close(s);
	if (rc < 0)
		return sbcctl_db_fail(rc, "cannot read the credentials");
	buf_init(&b);
	sbcctl_table_init(&tab, 4);
	sbcctl_table_row(&tab, head);
	buf_put_c(&b, '[');
	for (size_t i = 0; i < cr->n; i++) {
		const struct store_cred *c = &cr->v[i];
		const char *row[4] = { c->realm, c->username, c->digest_realm,
				       user_algs(c) };

		if (realm && strcmp(realm, c->realm) != 0)
			continue;
		/* The hashes are as good as the password in their realm:
		 * they are never shown. */
		if (!first)
			buf_put_c(&b, ',');
		first = 0;
		buf_put_c(&b, '{');
		json_put_key(&b, "realm", 1);
		json_put_str(&b, c->realm);
		json_member_str(&b, "user", c->username);
		json_member_str(&b, "digest_realm", c->digest_realm);
		json_member_str(&b, "algorithms", user_algs(c));
		buf_put_c(&b, '}');
		sbcctl_table_row(&tab, row);
	}
	buf_put_c(&b, ']');
	store_creds_unref(cr);
	if (json) {
		sbcctl_table_free(&tab);
		return sbcctl_json_print(&b);
	}
	buf_free(&b);
	if (first) {
		sbcctl_table_free(&tab);
		printf("no users\n");
		return SBCCTL_OK;
	}
	return sbcctl_table_print(&tab, stdout);
}

int cmd_user_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return user_add(o, argc - 1, argv + 1);
	if (!strcmp(sub, "del"))
		return user_del(o, argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return user_list(o, argc - 1, argv + 1);
	if (*sub)
		fprintf(stderr, "sbcctl: unknown user command '%s'\n", sub);
	cmd_user_usage(stderr);
	return SBCCTL_ERROR;
}
