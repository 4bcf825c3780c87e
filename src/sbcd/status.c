/*
 * status: the Unix stream socket of the status protocol (layer 7).
 *
 * Every client is one uv_pipe_t with a fixed line buffer.  Lines are
 * answered in the read callback, one uv_write per answer; the bytes of
 * an answer live in its write request, so a client closed while writes
 * are pending costs nothing: libuv cancels them before the close
 * callback runs, and the client is freed there.  The status object
 * itself is freed when the last of its handles (listener, sweep timer,
 * clients) has been closed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "sbc/buf.h"
#include "sbc/json.h"
#include "sbc/fs.h"
#include "sbc/log.h"
#include "status.h"

/* How often idle clients are looked for. */
#define STATUS_SWEEP_MS 1000

struct status_client {
	struct status *st;
	struct status_client *next;
	uv_pipe_t pipe;
	uint64_t last_ms;	/* the loop time of the last read */
	unsigned writes;	/* uv_write requests not yet called back */
	int closing;
	int close_after_write;	/* the last answer is on its way */
	size_t len;		/* bytes in line */
	char line[STATUS_LINE_MAX];
};

struct status_write {
	uv_write_t req;
	struct status_client *c;
	size_t len;
	char data[];
};

struct status {
	uv_loop_t *loop;
	uv_pipe_t lsn;
	uv_timer_t sweep;
	status_cmd_cb *cb;
	void *arg;
	unsigned max_clients;
	unsigned idle_ms;
	struct status_client *clients;
	unsigned n_clients;
	unsigned handles;	/* initialised handles not yet closed */
	int stopping;
	struct buf out;		/* the answer being built */
};

/* Frees st once its last handle is closed. */
static void status_release(struct status *st)
{
	if (--st->handles > 0 || !st->stopping)
		return;
	buf_free(&st->out);
	free(st);
}

static void status_on_handle_closed(uv_handle_t *h)
{
	status_release(h->data);
}

static void status_on_client_closed(uv_handle_t *h)
{
	struct status_client *c = h->data;
	struct status *st = c->st;

	free(c);
	status_release(st);
}

static void status_client_close(struct status_client *c)
{
	struct status *st = c->st;
	struct status_client **pp;

	if (c->closing)
		return;
	c->closing = 1;
	for (pp = &st->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	st->n_clients--;
	uv_close((uv_handle_t *)&c->pipe, status_on_client_closed);
}

static void status_on_write(uv_write_t *req, int rc)
{
	struct status_write *w = (struct status_write *)req;
	struct status_client *c = w->c;

	free(w);
	c->writes--;
	/* EPIPE and ECONNRESET: the client left without its answer. */
	if (rc < 0 && rc != UV_ECANCELED)
		log_debug("status socket: write: %s", uv_strerror(rc));
	if (rc < 0 || (c->close_after_write && c->writes == 0))
		status_client_close(c);
}

/* Sends the answer in st->out, with its line end. */
static void status_client_send(struct status_client *c)
{
	struct status *st = c->st;
	struct status_write *w;
	uv_buf_t b;
	int rc;

	if (c->closing)
		return;
	buf_put_c(&st->out, '\n');
	if (st->out.err ||
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) +
			    st->out.len >
		    STATUS_QUEUE_MAX) {
		/* Out of memory, or a client that does not read. */
		status_client_close(c);
		return;
	}
	w = malloc(sizeof(*w) + st->out.len);
	if (!w) {
		status_client_close(c);
		return;
	}
	w->c = c;
	w->len = st->out.len;
	memcpy(w->data, st->out.p, st->out.len);
	b = uv_buf_init(w->data, (unsigned)w->len);
	rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1,
		      status_on_write);
	if (rc < 0) {
		/* The callback will not run. */
		free(w);
		status_client_close(c);
		return;
	}
	c->writes++;
}

/* Sends {"ok":false,"error":why}. */
static void status_client_error(struct status_client *c, const char *why)
{
	struct buf *b = &c->st->out;

	buf_reset(b);
	buf_put_cstr(b, "{\"ok\":false");
	json_member_str(b, "error", why);
	buf_put_c(b, '}');
	status_client_send(c);
}

/* Answers after the last write and closes. */
static void status_client_finish(struct status_client *c, const char *why)
{
	uv_read_stop((uv_stream_t *)&c->pipe);
	c->close_after_write = 1;
	if (why)
		status_client_error(c, why);
	if (!c->closing && c->writes == 0)
		status_client_close(c);
}

/* Answers one line: s..s+n, without its LF. */
static void status_client_line(struct status_client *c, char *s, size_t n)
{
	struct status *st = c->st;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* Commands are ASCII words; anything else is not from sbcctl. */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			status_client_error(c, "binary data in the command");
			return;
		}
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	/* An empty line is no command: nothing to answer. */
	if (n == 0)
		return;
	s[n] = '\0';
	buf_reset(&st->out);
	st->cb(st->arg, s, &st->out);
	status_client_send(c);
}

/* Answers every complete line in the buffer and keeps the rest. */
static void status_client_lines(struct status_client *c)
{
	char *p = c->line, *end = c->line + c->len, *nl;

	while (!c->closing && !c->close_after_write &&
	       (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		status_client_line(c, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (c->closing || c->close_after_write)
		return;
	c->len = (size_t)(end - p);
	memmove(c->line, p, c->len);
	if (c->len == sizeof(c->line))
		status_client_finish(c, "command line too long");
}

static void status_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct status_client *c = h->data;

	(void)hint;
	/* Never empty: a full buffer ends the client in status_on_read. */
	*b = uv_buf_init(c->line + c->len,
			 (unsigned)(sizeof(c->line) - c->len));
}

static void status_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct status_client *c = s->data;

	(void)b;
	if (c->closing)
		return;
	if (n == UV_EOF) {
		/* A last command without its LF still gets its answer. */
		if (c->len > 0 && !c->close_after_write) {
			c->line[c->len] = '\n';
			c->len++;
			status_client_lines(c);
		}
		if (!c->closing)
			status_client_finish(c, NULL);
		return;
	}
	if (n < 0) {
		log_debug("status socket: read: %s", uv_strerror((int)n));
		status_client_close(c);
		return;
	}
	c->last_ms = uv_now(c->st->loop);
	c->len += (size_t)n;
	status_client_lines(c);
}

static void status_on_connection(uv_stream_t *lsn, int rc)
{
	struct status *st = lsn->data;
	struct status_client *c;

	if (rc < 0) {
		log_warn("status socket: %s", uv_strerror(rc));
		return;
	}
	c = malloc(sizeof(*c));
	if (!c)
		return;
	memset(c, 0, offsetof(struct status_client, line));
	c->st = st;
	c->last_ms = uv_now(st->loop);
	uv_pipe_init(st->loop, &c->pipe, 0);
	c->pipe.data = c;
	st->handles++;
	c->next = st->clients;
	st->clients = c;
	st->n_clients++;
	rc = uv_accept(lsn, (uv_stream_t *)&c->pipe);
	if (rc < 0) {
		log_warn("status socket: accept: %s", uv_strerror(rc));
		status_client_close(c);
		return;
	}
	if (st->n_clients > st->max_clients) {
		log_warn("status socket: more than %u clients; closing one",
			 st->max_clients);
		status_client_finish(c, "too many clients");
		return;
	}
	rc = uv_read_start((uv_stream_t *)&c->pipe, status_on_alloc,
			   status_on_read);
	if (rc < 0)
		status_client_close(c);
}

static void status_on_sweep(uv_timer_t *t)
{
	struct status *st = t->data;
	uint64_t now = uv_now(st->loop);
	struct status_client *c = st->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (now - c->last_ms >= st->idle_ms) {
			log_debug("status socket: closing an idle client");
			status_client_close(c);
		}
	}
}

/*
 * Removes a socket file left by a daemon that is gone.  connect()
 * succeeding means a process listens on it: that one is alive, and the
 * path is not ours to take.
 */
static int status_clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd, rc;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen,
			    "%s: another sbcd answers on this socket", path);
		return -EADDRINUSE;
	}
	if (errno != ECONNREFUSED && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot remove the stale socket: "
			    "%s", path, strerror(errno));
		return -errno;
	}
	log_info("removed the stale socket %s", path);
	return 0;
}

/*
 * Binds, sets the mode, then listens: until listen() a connect() is
 * refused, so nobody gets in under the umask's permissions.
 */
static int status_listen(struct status *st, const struct status_cfg *cfg,
			 char *err, size_t errlen)
{
	int rc;

	rc = uv_pipe_bind(&st->lsn, cfg->path);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot bind: %s", cfg->path,
			    uv_strerror(rc));
		return rc;
	}
	if (chmod(cfg->path, cfg->mode) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: chmod %04o: %s", cfg->path,
			    cfg->mode, strerror(errno));
		return rc;
	}
	rc = uv_listen((uv_stream_t *)&st->lsn, 64, status_on_connection);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", cfg->path,
			    uv_strerror(rc));
		return rc;
	}
	return 0;
}

int status_start(uv_loop_t *loop, const struct status_cfg *cfg,
		 status_cmd_cb *cb, void *arg, struct status **out, char *err,
		 size_t errlen)
{
	struct sockaddr_un sun;
	struct status *st;
	int rc;

	*out = NULL;
	if (strlen(cfg->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: a socket path has at most %zu "
			    "bytes", cfg->path, sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	rc = fs_mkdir_parent(cfg->path, err, errlen);
	if (rc == 0)
		rc = status_clear_stale(cfg->path, err, errlen);
	if (rc < 0)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->loop = loop;
	st->cb = cb;
	st->arg = arg;
	st->max_clients = cfg->max_clients ? cfg->max_clients
					   : STATUS_CLIENTS_DEFAULT;
	st->idle_ms = cfg->idle_ms ? cfg->idle_ms : STATUS_IDLE_MS_DEFAULT;
	buf_init(&st->out);
	uv_pipe_init(loop, &st->lsn, 0);
	st->lsn.data = st;
	uv_timer_init(loop, &st->sweep);
	st->sweep.data = st;
	st->handles = 2;
	rc = status_listen(st, cfg, err, errlen);
	if (rc == 0)
		rc = uv_timer_start(&st->sweep, status_on_sweep,
				    STATUS_SWEEP_MS, STATUS_SWEEP_MS);
	if (rc < 0) {
		status_stop(st);
		return rc;
	}
	*out = st;
	return 0;
}

void status_stop(struct status *st)
{
	if (!st || st->stopping)
		return;
	st->stopping = 1;
	while (st->clients)
		status_client_close(st->clients);
	uv_close((uv_handle_t *)&st->sweep, status_on_handle_closed);
	/* libuv unlinks the socket file of a bound pipe when closing it. */
	uv_close((uv_handle_t *)&st->lsn, status_on_handle_closed);
}
