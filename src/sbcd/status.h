/*
 * status: the Unix stream socket sbcctl talks to (layer 7).
 *
 * The protocol is one command per line (LF or CRLF) and one answer per
 * command: a JSON object (RFC 8259) on one line, ended by LF.  This
 * module only moves lines; what a command means is the command
 * callback's business (server_status in server_status.c).
 *
 * A client cannot disturb the daemon: a line over STATUS_LINE_MAX bytes
 * gets an error answer and the connection is closed; a line with control
 * or non-ASCII bytes gets an error answer; clients past max_clients get
 * an error answer and are closed; a client idle for idle_ms, or one that
 * lets more than STATUS_QUEUE_MAX bytes of answers pile up unread, is
 * closed; a client that goes away mid-line or before reading its answer
 * costs nothing but the failed write (SIGPIPE is ignored since tp_new).
 */
#ifndef SBC_STATUS_H
#define SBC_STATUS_H

#include <stddef.h>

#include <uv.h>

#include "sbc/buf.h"

/* The longest command line, its LF included. */
#define STATUS_LINE_MAX 4096
/* Answers waiting for a client that does not read them. */
#define STATUS_QUEUE_MAX (4u << 20)
#define STATUS_CLIENTS_DEFAULT 16
#define STATUS_IDLE_MS_DEFAULT 60000

struct status_cfg {
	const char *path;	/* the socket's file name */
	unsigned mode;		/* its permissions, e.g. 0600 */
	unsigned max_clients;	/* 0: STATUS_CLIENTS_DEFAULT */
	unsigned idle_ms;	/* 0: STATUS_IDLE_MS_DEFAULT */
};

/*
 * Answers one command line (without its line end, NUL-terminated, not
 * empty) by appending one JSON object without a newline to out.
 */
typedef void(status_cmd_cb)(void *arg, const char *line, struct buf *out);

struct status;

/*
 * Creates the socket at cfg->path with cfg->mode whatever the umask,
 * replacing a stale socket file that nobody answers on, and starts
 * listening.  Refuses with -EADDRINUSE when another process answers on
 * the path, and with -EEXIST when the path is not a socket.  Returns 0,
 * or a negative errno with a message in err; then whatever was opened is
 * released when the loop runs.
 */
int status_start(uv_loop_t *loop, const struct status_cfg *cfg,
		 status_cmd_cb *cb, void *arg, struct status **out, char *err,
		 size_t errlen);

/*
 * Closes the listener (libuv removes the socket file) and every client.
 * The memory is released in the close callbacks, while the loop runs.
 * st may be NULL.
 */
void status_stop(struct status *st);

#endif
