/*
 * sbcctl status, stats, calls, reload: clients of sbcd's status socket
 * (sbcd(8), STATUS SOCKET).
 *
 * Each sends one command line, reads the one-line JSON answer and prints
 * it: as it came with --json, otherwise in a form for people.  The
 * answer is walked by a small JSON reader (RFC 8259) that reports every
 * scalar with its path ("calls.0.id", "messages.in.requests.INVITE"), so
 * that stats prints itself without knowing its members.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sbc/buf.h"
#include "sbc/config.h"
#include "sbc/log.h"
#include "sbcctl.h"

/* How long sbcd may take to answer. */
#define STATUS_TIMEOUT_MS 5000
/* Deeper answers are not sbcd's. */
#define STATUS_JSON_DEPTH 16

void cmd_status_usage(FILE *f)
{
	fprintf(f,
		"usage: sbcctl [-s SOCKET] status|stats|calls|reload [--json]\n"
		"\n"
		"Asks the running sbcd over its status socket (the -s option,\n"
		"or status_socket of the config file):\n"
		"  status  version, pid, start time and uptime\n"
		"  stats   every counter, one \"name value\" line each\n"
		"  calls   the live calls as a table: id, state, caller, "
		"callee,\n"
		"          route, trunk, media (the anchoring rtpengine), age\n"
		"  reload  read trunks, routes and ACLs from the database again\n"
		"\n"
		"  -j, --json  print sbcd's JSON answer as it came\n"
		"\n"
		"Exits 0 on success, 1 when sbcd answers with an error, 2 when\n"
		"sbcd is not running or on a usage error.\n");
}

/* ------------------------------------------------------------------ */
/* Talking to sbcd.                                                      */

/* The socket: -s, or else status_socket of the config file. */
static int status_path(const struct sbcctl_opts *o, char *dst, size_t n)
{
	struct config cfg;
	char err[512];
	int rc;

	if (o->socket) {
		snprintf(dst, n, "%s", o->socket);
		return 0;
	}
	log_set_level(LOG_LVL_ERR);
	memset(&cfg, 0, sizeof(cfg));
	rc = config_load(&cfg, o->config, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr,
			"sbcctl: %s\n"
			"sbcctl: name the socket with -s PATH, or the config "
			"file with -c PATH\n",
			err);
		return rc;
	}
	/* A relative path is relative to the current directory, as for
	 * sbcd. */
	snprintf(dst, n, "%s",
		 cfg.status_socket ? cfg.status_socket
				   : CONFIG_DEFAULT_STATUS_SOCKET);
	config_free(&cfg);
	return 0;
}

static int status_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sbcctl: %s: path too long for a socket\n",
			path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sbcctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr,
			"sbcctl: cannot connect to %s: is sbcd running? (%s)\n",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits for fd to be ready for ev; 0, or -1 after a message. */
static int status_wait(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int rc;

	do
		rc = poll(&p, 1, STATUS_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc > 0)
		return 0;
	fprintf(stderr, "sbcctl: %s\n",
		rc == 0 ? "sbcd did not answer in time" : strerror(errno));
	return -1;
}

/* Sends cmd and reads the answer line into b, without its LF. */
static int status_ask(int fd, const char *cmd, struct buf *b)
{
	size_t len = strlen(cmd), off = 0;
	char line[64];
	ssize_t n;

	snprintf(line, sizeof(line), "%s\n", cmd);
	len++;
	while (off < len) {
		if (status_wait(fd, POLLOUT) < 0)
			return -1;
		/* MSG_NOSIGNAL: a sbcd that went away is an error, not a
		 * signal. */
		n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "sbcctl: send: %s\n", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	for (;;) {
		char *nl;

		if (buf_reserve(b, 65536) < 0) {
			fprintf(stderr, "sbcctl: out of memory\n");
			return -1;
		}
		if (status_wait(fd, POLLIN) < 0)
			return -1;
		n = recv(fd, b->p + b->len, b->cap - b->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "sbcctl: %s\n",
				n == 0 ? "sbcd closed the connection"
				       : strerror(errno));
			return -1;
		}
		nl = memchr(b->p + b->len, '\n', (size_t)n);
		b->len += (size_t)n;
		if (nl) {
			b->len = (size_t)(nl - b->p);
			buf_put_c(b, '\0');
			b->len--;
			return b->err ? -1 : 0;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Walking the answer.                                                   */

/*
 * Called for every scalar: its path, and its text (a string unescaped;
 * a number, true, false or null as written).
 */
typedef void(status_json_cb)(void *arg, const char *path, const char *v);

struct status_json {
	const char *p, *end;
	char path[256];
	size_t plen;
	struct buf val;
	status_json_cb *cb;
	void *arg;
};

static void status_json_ws(struct status_json *j)
{
	while (j->p < j->end && *j->p && strchr(" \t\r\n", *j->p))
		j->p++;
}

/* Appends the code point c as UTF-8. */
static void status_json_utf8(struct buf *b, unsigned c)
{
	if (c < 0x80) {
		buf_put_c(b, (char)c);
	} else if (c < 0x800) {
		buf_put_c(b, (char)(0xc0 | c >> 6));
		buf_put_c(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_put_c(b, (char)(0xe0 | c >> 12));
		buf_put_c(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_put_c(b, (char)(0x80 | (c & 0x3f)));
	}
}

/* A string (RFC 8259 7) into j->val, NUL-terminated. */
static int status_json_string(struct status_json *j)
{
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";

	buf_reset(&j->val);
	if (j->p >= j->end || *j->p != '"')
		return -1;
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		const char *e;
		unsigned c = 0;

		if (*j->p != '\\') {
			buf_put_c(&j->val, *j->p);
			continue;
		}
		if (++j->p >= j->end)
			return -1;
		if (*j->p != 'u') {
			e = strchr(esc, *j->p);
			if (!e || *j->p == '\0' || (e - esc) % 2)
				return -1;
			buf_put_c(&j->val, e[1]);
			continue;
		}
		if (j->end - j->p < 5)
			return -1;
		for (int i = 1; i <= 4; i++) {
			char h = j->p[i];

			c <<= 4;
			if (h >= '0' && h <= '9')
				c |= (unsigned)(h - '0');
			else if (h >= 'a' && h <= 'f')
				c |= (unsigned)(h - 'a' + 10);
			else if (h >= 'A' && h <= 'F')
				c |= (unsigned)(h - 'A' + 10);
			else
				return -1;
		}
		j->p += 4;
		/* sbcd escapes only control characters; a surrogate half
		 * is shown as U+FFFD. */
		status_json_utf8(&j->val,
				 c >= 0xd800 && c < 0xe000 ? 0xfffd : c);
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	buf_put_c(&j->val, '\0');
	return j->val.err ? -1 : 0;
}

/* Appends ".name" (or "name" at the top) to the path; the old length. */
static size_t status_json_push(struct status_json *j, const char *name)
{
	size_t old = j->plen;
	int n = snprintf(j->path + j->plen, sizeof(j->path) - j->plen,
			 "%s%s", j->plen ? "." : "", name);

	if (n > 0)
		j->plen += (size_t)n;
	if (j->plen >= sizeof(j->path))
		j->plen = sizeof(j->path) - 1;
	return old;
}

static int status_json_value(struct status_json *j, int depth);

/* An object or an array, whose opening bracket is at j->p. */
static int status_json_nested(struct status_json *j, int depth)
{
	char close = *j->p == '{' ? '}' : ']';
	char idx[24];
	size_t old;

	j->p++;
	status_json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (unsigned long i = 0;; i++) {
		status_json_ws(j);
		if (close == '}') {
			if (status_json_string(j) < 0)
				return -1;
			status_json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
			old = status_json_push(j, j->val.p);
		} else {
			snprintf(idx, sizeof(idx), "%lu", i);
			old = status_json_push(j, idx);
		}
		if (status_json_value(j, depth + 1) < 0)
			return -1;
		j->plen = old;
		j->path[old] = '\0';
		status_json_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

static int status_json_value(struct status_json *j, int depth)
{
	const char *s;

	if (depth > STATUS_JSON_DEPTH)
		return -1;
	status_json_ws(j);
	if (j->p >= j->end)
		return -1;
	if (*j->p == '{' || *j->p == '[')
		return status_json_nested(j, depth);
	if (*j->p == '"') {
		if (status_json_string(j) < 0)
			return -1;
		j->cb(j->arg, j->path, j->val.p);
		return 0;
	}
	/* A number, true, false or null. */
	s = j->p;
	while (j->p < j->end && !strchr(",]} \t\r\n", *j->p))
		j->p++;
	if (j->p == s)
		return -1;
	buf_reset(&j->val);
	buf_put(&j->val, s, (size_t)(j->p - s));
	buf_put_c(&j->val, '\0');
	if (j->val.err)
		return -1;
	j->cb(j->arg, j->path, j->val.p);
	return 0;
}

/* Walks the JSON text s; 0, or -1 when it is not JSON. */
static int status_json_walk(const char *s, size_t n, status_json_cb *cb,
			    void *arg)
{
	struct status_json j = { .p = s, .end = s + n, .cb = cb, .arg = arg };
	int rc;

	buf_init(&j.val);
	rc = status_json_value(&j, 0);
	status_json_ws(&j);
	if (j.p != j.end)
		rc = -1;
	buf_free(&j.val);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Printing.                                                             */

struct status_answer {
	int ok;			/* "ok" was true */
	char *error;		/* "error", malloc'd */
};

static void status_on_top(void *arg, const char *path, const char *v)
{
	struct status_answer *a = arg;

	if (strcmp(path, "ok") == 0)
		a->ok = strcmp(v, "true") == 0;
	else if (strcmp(path, "error") == 0 && !a->error)
		a->error = strdup(v);
}

/* "name value" for every member but ok. */
static void status_on_line(void *arg, const char *path, const char *v)
{
	(void)arg;
	if (strcmp(path, "ok") != 0)
		printf("%s %s\n", path, v);
}

/* The columns of sbcctl calls, and the members that fill them. */
static const char *const status_call_cols[] = { "ID",	 "STATE", "CALLER",
						"CALLEE", "ROUTE", "TRUNK",
						"MEDIA",  "AGE" };
static const char *const status_call_keys[] = { "id",	 "state", "caller",
						"callee", "route", "trunk",
						"media",  "age_s" };
#define STATUS_NCOLS (sizeof(status_call_cols) / sizeof(*status_call_cols))

struct status_calls {
	struct sbcctl_table t;
	long row;		/* the call being read, -1 before the first */
	char *cells[STATUS_NCOLS];
};

static void status_calls_flush(struct status_calls *k)
{
	if (k->row >= 0)
		sbcctl_table_row(&k->t, (const char *const *)k->cells);
	for (size_t i = 0; i < STATUS_NCOLS; i++) {
		free(k->cells[i]);
		k->cells[i] = NULL;
	}
}

/* An age in seconds as H:MM:SS. */
static char *status_age(const char *v)
{
	long long s = strtoll(v, NULL, 10);
	char t[40];

	if (s < 0)
		s = 0;
	snprintf(t, sizeof(t), "%lld:%02lld:%02lld", s / 3600, s / 60 % 60,
		 s % 60);
	return strdup(t);
}

static void status_on_call(void *arg, const char *path, const char *v)
{
	struct status_calls *k = arg;
	char *end;
	long row;

	if (strncmp(path, "calls.", 6) != 0)
		return;
	row = strtol(path + 6, &end, 10);
	if (*end != '.')
		return;
	if (row != k->row) {
		status_calls_flush(k);
		k->row = row;
	}
	for (size_t i = 0; i < STATUS_NCOLS; i++) {
		if (strcmp(end + 1, status_call_keys[i]) != 0)
			continue;
		free(k->cells[i]);
		if (strcmp(v, "null") == 0)
			k->cells[i] = NULL;	/* printed as "-" */
		else if (i == STATUS_NCOLS - 1)
			k->cells[i] = status_age(v);
		else
			k->cells[i] = strdup(v);
	}
}

static int status_print_calls(const struct buf *b)
{
	struct status_calls k = { .row = -1 };

	sbcctl_table_init(&k.t, STATUS_NCOLS);
	sbcctl_table_row(&k.t, status_call_cols);
	status_json_walk(b->p, b->len, status_on_call, &k);
	status_calls_flush(&k);
	if (k.t.nrows == 1 && !k.t.err) {
		/* Only the heading: no table. */
		for (size_t i = 0; i < STATUS_NCOLS; i++)
			free(k.t.cells[i]);
		free(k.t.cells);
		printf("no live calls\n");
		return SBCCTL_OK;
	}
	return sbcctl_table_print(&k.t, stdout);
}

int cmd_status_run(const struct sbcctl_opts *o, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct status_answer a = { 0 };
	char path[256];
	struct buf b;
	int json = o->json, fd, rc;

	rc = sbcctl_plain_args(argc, argv, &json);
	if (rc != 0) {
		if (rc > 0)
			fprintf(stderr, "sbcctl: %s takes no argument\n", cmd);
		cmd_status_usage(stderr);
		return SBCCTL_ERROR;
	}
	if (status_path(o, path, sizeof(path)) < 0)
		return SBCCTL_ERROR;
	fd = status_connect(path);
	if (fd < 0)
		return SBCCTL_ERROR;
	buf_init(&b);
	rc = status_ask(fd, cmd, &b);
	close(fd);
	if (rc < 0) {
		buf_free(&b);
		return SBCCTL_ERROR;
	}
	if (status_json_walk(b.p, b.len, status_on_top, &a) < 0) {
		fprintf(stderr, "sbcctl: sbcd's answer is not JSON: %.200s\n",
			b.p);
		free(a.error);
		buf_free(&b);
		return SBCCTL_ERROR;
	}
	if (json) {
		printf("%s\n", b.p);
		rc = a.ok ? SBCCTL_OK : SBCCTL_FAIL;
	} else if (!a.ok) {
		fprintf(stderr, "sbcctl: %s: %s\n", cmd,
			a.error ? a.error : "failed");
		rc = SBCCTL_FAIL;
	} else if (strcmp(cmd, "calls") == 0) {
		rc = status_print_calls(&b);
	} else if (strcmp(cmd, "reload") == 0) {
		printf("reloaded\n");
		rc = SBCCTL_OK;
	} else {
		status_json_walk(b.p, b.len, status_on_line, NULL);
		rc = SBCCTL_OK;
	}
	if (fflush(stdout) != 0)
		rc = SBCCTL_ERROR;
	free(a.error);
	buf_free(&b);
	return rc;
}
