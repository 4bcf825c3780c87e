/*
 * sbcctl: what the commands that use the database share: opening it,
 * turning store errors into messages and exit codes, aligned tables for
 * humans and JSON for programs.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/buf.h"
#include "sbc/config.h"
#include "sbc/log.h"
#include "sbc/store.h"
#include "sbcctl.h"

int sbcctl_db_open(const struct sbcctl_opts *o, struct store **out)
{
	struct config cfg;
	char err[512];
	int rc;

	*out = NULL;
	/* store_open logs migrations at info level; sbcctl prints only
	 * what the operator asked for, and errors. */
	log_set_level(LOG_LVL_ERR);
	if (o->database) {
		rc = store_open(o->database, out, err, sizeof(err));
	} else {
		memset(&cfg, 0, sizeof(cfg));
		rc = config_load(&cfg, o->config, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "sbcctl: %s\n"
				"sbcctl: name the database with -d PATH, or "
				"the config file with -c PATH\n", err);
			return SBCCTL_ERROR;
		}
		/* A relative path is relative to the current directory,
		 * as for sbcd. */
		rc = store_open(cfg.database ? cfg.database :
					       CONFIG_DEFAULT_DATABASE,
				out, err, sizeof(err));
		config_free(&cfg);
	}
	if (rc < 0) {
		fprintf(stderr, "sbcctl: %s\n", err);
		return SBCCTL_ERROR;
	}
	return SBCCTL_OK;
}

int sbcctl_routing_load(const struct sbcctl_opts *o,
			struct store_routing **out)
{
	struct store *s;
	int rc;

	*out = NULL;
	if (sbcctl_db_open(o, &s) != SBCCTL_OK)
		return SBCCTL_ERROR;
	rc = store_routing_load(s, out);
	store_close(s);
	if (rc < 0) {
		fprintf(stderr, "sbcctl: cannot read the routing state: %s\n",
			strerror(-rc));
		return SBCCTL_ERROR;
	}
	return SBCCTL_OK;
}

int sbcctl_db_fail(int rc, const char *msg)
{
	fprintf(stderr, "sbcctl: %s\n", msg && *msg ? msg : strerror(-rc));
	switch (rc) {
	case -EINVAL:
	case -ENOENT:
	case -EEXIST:
	case -EBUSY:
		/* The command ran and refused: a bad value, a name that is
		 * missing or taken, a trunk in use, a lock held. */
		return SBCCTL_FAIL;
	default:
		return SBCCTL_ERROR;
	}
}

int sbcctl_plain_args(int argc, char **argv, int *json)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "j", lopts, NULL)) != -1) {
		if (c != 'j')
			return -1;
		*json = 1;
	}
	return argc - optind;
}

void sbcctl_table_init(struct sbcctl_table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void sbcctl_table_row(struct sbcctl_table *t, const char *const *cells)
{
	char **v;

	if (t->err)
		return;
	v = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*v));
	if (v == NULL) {
		t->err = -ENOMEM;
		return;
	}
	t->cells = v;
	v += t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		v[i] = strdup(cells[i] ? cells[i] : "-");
		if (v[i] == NULL)
			t->err = -ENOMEM;
	}
	t->nrows++;
}

int sbcctl_table_print(struct sbcctl_table *t, FILE *f)
{
	size_t w[16] = { 0 };
	size_t n = t->nrows * t->ncols;
	int rc = SBCCTL_OK;

	if (t->err || t->ncols > sizeof(w) / sizeof(*w)) {
		fprintf(stderr, "sbcctl: out of memory\n");
		rc = SBCCTL_ERROR;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(t->cells[i]);

		if (l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	for (size_t i = 0; i < n; i++) {
		size_t col = i % t->ncols;

		/* Two spaces between columns; the last one unpadded. */
		if (col + 1 < t->ncols)
			fprintf(f, "%-*s  ", (int)w[col], t->cells[i]);
		else
			fprintf(f, "%s\n", t->cells[i]);
	}
	if (fflush(f) != 0)
		rc = SBCCTL_ERROR;
out:
	sbcctl_table_free(t);
	return rc;
}

void sbcctl_table_free(struct sbcctl_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

int sbcctl_json_print(struct buf *b)
{
	int rc = SBCCTL_OK;

	buf_put_c(b, '\n');
	if (b->err) {
		fprintf(stderr, "sbcctl: out of memory\n");
		rc = SBCCTL_ERROR;
	} else if (fwrite(b->p, 1, b->len, stdout) != b->len ||
		   fflush(stdout) != 0) {
		rc = SBCCTL_ERROR;
	}
	buf_free(b);
	return rc;
}
