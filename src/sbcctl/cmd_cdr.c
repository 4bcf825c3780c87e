/*
 * sbcctl cdr and sbcctl dialogs: export call detail records as CSV
 * (RFC 4180) or JSON, and list the stored dialogs of answered calls.
 * Times are printed as ISO 8601 in UTC with milliseconds.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbc/buf.h"
#include "sbc/json.h"
#include "sbc/store_admin.h"
#include "sbcctl.h"

void cmd_cdr_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl cdr [--from TIME] [--to TIME] [--format csv|json]\n"
		"\n"
		"Writes the call detail records of the calls that started at or\n"
		"after --from and before --to, oldest first, as CSV (RFC 4180:\n"
		"a header line, CRLF line ends, fields quoted when needed; the\n"
		"default) or as a JSON array (also with the global --json).\n"
		"TIME is UTC: 2026-12-02T10:00:00Z (with optional .mmm), a date\n"
		"2026-12-02 (its midnight), or @SECONDS since the Unix epoch.\n"
		"Times are written as 2026-12-02T10:00:00.000Z.\n"
		"\n"
		"Exits 0 on success, 2 on a usage error or when the database\n"
		"cannot be opened.\n");
}

void cmd_dialogs_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl dialogs [--json]\n"
		"\n"
		"Lists the dialogs of answered calls that sbcd keeps in the\n"
		"database so that a restarted sbcd still routes their BYE and\n"
		"re-INVITE: id, time answered, caller, callee, and the realm and\n"
		"Call-ID of each leg (A towards the caller, B towards the\n"
		"callee).  --json adds every stored field.\n"
		"\n"
		"Exits 0 on success, 2 on a usage error or when the database\n"
		"cannot be opened.\n");
}

/* Parses TIME (see the usage) into milliseconds since the epoch. */
static int cdr_time_parse(const char *v, int64_t *out)
{
	struct tm tm = { 0 };
	unsigned ms = 0;
	int n = 0, k = 0;
	char *end;
	time_t t;

	if (v[0] == '@') {
		long long s;

		if (v[1] < '0' || v[1] > '9')
			return -EINVAL;
		errno = 0;
		s = strtoll(v + 1, &end, 10);
		if (*end || errno || s > INT64_MAX / 1000)
			return -EINVAL;
		*out = (int64_t)s * 1000;
		return 0;
	}
	if (sscanf(v, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &n) != 3 || n != 10)
		return -EINVAL;
	if (v[n] == 'T') {
		if (sscanf(v + n, "T%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min,
			   &tm.tm_sec, &k) != 3 || k != 9)
			return -EINVAL;
		n += k;
		if (v[n] == '.') {
			k = 0;
			if (sscanf(v + n, ".%3u%n", &ms, &k) != 1 || k != 4)
				return -EINVAL;
			n += k;
		}
		if (strcmp(v + n, "Z") != 0)
			return -EINVAL;
	} else if (v[n] != '\0') {
		return -EINVAL;
	}
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || tm.tm_year < 1970)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (int64_t)t * 1000 + ms;
	return 0;
}

/* Formats ms since the epoch as 2026-12-02T10:00:00.000Z. */
static void cdr_time_fmt(int64_t ms, char *dst, size_t n)
{
	int64_t sec = ms / 1000, rem = ms % 1000;
	time_t t;
	struct tm tm;
	char day[32];

	if (rem < 0) {
		rem += 1000;
		sec--;
	}
	t = (time_t)sec;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(dst, n, "?");
		return;
	}
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(dst, n, "%s.%03dZ", day, (int)rem);
}

/* RFC 4180 2.6 and 2.7: a field with a comma, a quote or a line break
 * is quoted, and a quote inside is doubled. */
static void cdr_csv_field(struct buf *b, const char *v, int first)
{
	if (!first)
		buf_put_c(b, ',');
	if (v == NULL)
		return;
	if (strpbrk(v, ",\"\r\n") == NULL) {
		buf_put_cstr(b, v);
		return;
	}
	buf_put_c(b, '"');
	for (; *v; v++) {
		if (*v == '"')
			buf_put_c(b, '"');
		buf_put_c(b, *v);
	}
	buf_put_c(b, '"');
}

struct cdr_out {
	int json;
	size_t n;
	struct buf b;
};

static const char *const cdr_cols[] = {
	"id", "call", "started", "answered", "ended", "duration_ms",
	"caller", "callee", "a_call_id", "b_call_id", "from_realm",
	"from_trunk", "to_trunk", "route", "status", "reason", "hangup",
};
#define CDR_NCOLS (sizeof(cdr_cols) / sizeof(*cdr_cols))

static int cdr_row(void *arg, long long id, const struct store_cdr *c)
{
	char num[3][24], started[40], answered[40], ended[40];
	struct cdr_out *o = arg;
	const char *v[CDR_NCOLS];

	snprintf(num[0], sizeof(num[0]), "%lld", id);
	snprintf(num[1], sizeof(num[1]), "%lld",
		 (long long)(c->ended_ms - c->answered_ms));
	snprintf(num[2], sizeof(num[2]), "%u", c->status);
	cdr_time_fmt(c->started_ms, started, sizeof(started));
	cdr_time_fmt(c->answered_ms, answered, sizeof(answered));
	cdr_time_fmt(c->ended_ms, ended, sizeof(ended));
	v[0] = num[0];
	v[1] = c->call;
	v[2] = started;
	v[3] = c->answered_ms ? answered : NULL;
	v[4] = ended;
	v[5] = c->answered_ms ? num[1] : NULL;
	v[6] = c->caller;
	v[7] = c->callee;
	v[8] = c->a_call_id;
	v[9] = c->b_call_id;
	v[10] = c->from_realm;
	v[11] = c->from_trunk;
	v[12] = c->to_trunk;
	v[13] = c->route;
	v[14] = num[2];
	v[15] = c->reason;
	v[16] = c->hangup;

	buf_reset(&o->b);
	if (o->json) {
		buf_put_cstr(&o->b, o->n ? ",{" : "{");
		for (size_t i = 0; i < CDR_NCOLS; i++) {
			json_put_key(&o->b, cdr_cols[i], i == 0);
			/* Numbers stay numbers; a missing time is null. */
			if (v[i] && (i == 0 || i == 5 || i == 14))
				buf_put_cstr(&o->b, v[i]);
			else
				json_put_str(&o->b, v[i]);
		}
		buf_put_c(&o->b, '}');
	} else {
		for (size_t i = 0; i < CDR_NCOLS; i++)
			cdr_csv_field(&o->b, v[i], i == 0);
		buf_put_cstr(&o->b, "\r\n");
	}
	o->n++;
	if (o->b.err || fwrite(o->b.p, 1, o->b.len, stdout) != o->b.len)
		return -EIO;
	return 0;
}

int cmd_cdr_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cdr_out out = { .json = o->json };
	int64_t from = INT64_MIN, to = INT64_MAX;
	char err[512];
	struct store *s;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:t:F:j", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (cdr_time_parse(optarg, c == 'f' ? &from : &to)) {
				fprintf(stderr, "sbcctl: bad time '%s' (want "
					"2026-12-02T10:00:00Z, 2026-12-02 or "
					"@SECONDS)\n", optarg);
				return SBCCTL_ERROR;
			}
			break;
		case 'F':
			if (strcmp(optarg, "csv") && strcmp(optarg, "json")) {
				fprintf(stderr, "sbcctl: --format is csv or "
					"json, not '%s'\n", optarg);
				return SBCCTL_ERROR;
			}
			out.json = !strcmp(optarg, "json");
			break;
		case 'j':
			out.json = 1;
			break;
		default:
			cmd_cdr_usage(stderr);
			return SBCCTL_ERROR;
		}
	}
	if (optind != argc) {
		cmd_cdr_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	buf_init(&out.b);
	if (out.json) {
		fputs("[", stdout);
	} else {
		for (size_t i = 0; i < CDR_NCOLS; i++)
			cdr_csv_field(&out.b, cdr_cols[i], i == 0);
		buf_put_cstr(&out.b, "\r\n");
		fwrite(out.b.p, 1, out.b.len, stdout);
	}
	rc = store_admin_cdr_each(s, from, to, cdr_row, &out, err,
				  sizeof(err));
	store_close(s);
	buf_free(&out.b);
	if (out.json)
		fputs("]\n", stdout);
	if (rc == -EIO && !*err)
		snprintf(err, sizeof(err), "cannot write the output");
	if (rc < 0)
		return sbcctl_db_fail(rc, err);
	return fflush(stdout) == 0 ? SBCCTL_OK : SBCCTL_ERROR;
}

/* ------------------------------------------------------------------ */
/* dialogs                                                              */

struct dialogs_out {
	int json;
	size_t n;
	struct buf b;		/* JSON */
	struct sbcctl_table tab;	/* humans */
};

static void dialogs_leg_json(struct buf *b, const char *key,
			     const struct store_leg *l)
{
	json_put_key(b, key, 0);
	buf_put_c(b, '{');
	json_put_key(b, "realm", 1);
	json_put_str(b, l->realm);
	json_member_str(b, "transport", l->transport);
	json_member_str(b, "peer", l->peer);
	json_member_str(b, "call_id", l->call_id);
	json_member_str(b, "local_tag", l->local_tag);
	json_member_str(b, "remote_tag", l->remote_tag);
	json_member_u64(b, "local_cseq", l->local_cseq);
	json_member_i64(b, "remote_cseq", l->remote_cseq);
	json_member_str(b, "local_uri", l->local_uri);
	json_member_str(b, "remote_uri", l->remote_uri);
	json_member_str(b, "remote_target", l->remote_target);
	json_member_str(b, "route_set", l->route_set);
	json_put_key(b, "secure", 0);
	buf_put_cstr(b, l->secure ? "true}" : "false}");
}

static int dialogs_row(void *arg, const struct store_dialog *d)
{
	struct dialogs_out *o = arg;
	char t[3][40];
	const char *row[8];

	cdr_time_fmt(d->started_ms, t[0], sizeof(t[0]));
	cdr_time_fmt(d->answered_ms, t[1], sizeof(t[1]));
	cdr_time_fmt(d->updated_ms, t[2], sizeof(t[2]));
	if (o->json) {
		buf_put_cstr(&o->b, o->n ? ",{" : "{");
		json_put_key(&o->b, "id", 1);
		json_put_str(&o->b, d->id);
		json_member_str(&o->b, "route", d->route);
		json_member_str(&o->b, "caller", d->caller);
		json_member_str(&o->b, "callee", d->callee);
		json_member_str(&o->b, "from_trunk", d->from_trunk);
		json_member_str(&o->b, "to_trunk", d->to_trunk);
		json_member_str(&o->b, "started", t[0]);
		json_member_str(&o->b, "answered", t[1]);
		json_member_str(&o->b, "updated", t[2]);
		dialogs_leg_json(&o->b, "a", &d->leg[0]);
		dialogs_leg_json(&o->b, "b", &d->leg[1]);
		buf_put_c(&o->b, '}');
	} else {
		row[0] = d->id;
		row[1] = t[1];
		row[2] = d->caller;
		row[3] = d->callee;
		row[4] = d->leg[0].realm;
		row[5] = d->leg[0].call_id;
		row[6] = d->leg[1].realm;
		row[7] = d->leg[1].call_id;
		sbcctl_table_row(&o->tab, row);
	}
	o->n++;
	return 0;
}

int cmd_dialogs_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	static const char *const head[] = { "ID", "ANSWERED", "CALLER",
					    "CALLEE", "A_REALM", "A_CALL_ID",
					    "B_REALM", "B_CALL_ID" };
	struct dialogs_out out = { .json = o->json };
	struct store *s;
	int rc;

	if (sbcctl_plain_args(argc, argv, &out.json) != 0) {
		cmd_dialogs_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	buf_init(&out.b);
	buf_put_c(&out.b, '[');
	sbcctl_table_init(&out.tab, 8);
	sbcctl_table_row(&out.tab, head);
	rc = store_dialogs_load(s, dialogs_row, &out);
	store_close(s);
	if (rc < 0) {
		fprintf(stderr, "sbcctl: cannot read the dialogs: %s\n",
			strerror(-rc));
		rc = SBCCTL_ERROR;
	} else if (out.json) {
		buf_put_c(&out.b, ']');
		rc = sbcctl_json_print(&out.b);
	} else if (out.n == 0) {
		printf("no dialogs\n");
		rc = SBCCTL_OK;
	} else {
		rc = sbcctl_table_print(&out.tab, stdout);
	}
	buf_free(&out.b);
	sbcctl_table_free(&out.tab);
	return rc;
}
