/*
 * server: what sbcd does with the datagrams its listeners receive
 * (layer 7).
 *
 * Until the transaction layer and the session core exist, sbcd is a
 * stateless UAS: it answers OPTIONS with 200, other requests with 501,
 * broken requests with 400, and ignores responses.
 */
#ifndef SBC_SERVER_H
#define SBC_SERVER_H

#include <uv.h>

#include "sbc/buf.h"
#include "sbc/config.h"
#include "sbc/store.h"

struct server;

/*
 * Binds every listener of c on loop and logs each one, reads the
 * trunks, routes and ACL from the database st, starts the writer thread
 * for dialogs and CDRs on the same file, and restores the calls whose
 * dialogs it holds.  c and st must outlive the server.  Returns 0, or a
 * negative errno after logging what failed; then nothing is left open
 * once the loop has run.
 */
int server_start(uv_loop_t *loop, const struct config *c, struct store *st,
		 struct server **out);

/*
 * Closes every listener, logs what the server saw (requests, ignored
 * responses, bad messages, responses sent) and frees the server; the
 * listeners' handles are released when the loop runs next.
 */
void server_stop(struct server *s);

/*
 * Reads trunks, routes and ACL entries from the database again and makes
 * new calls use them; calls in progress keep what they started with.
 * Returns 0, or a negative errno with a message in err (the old state
 * stays in force).
 */
int server_reload(struct server *s, char *err, size_t errlen);

/*
 * Answers one command line of the status socket (see status.h) with
 * one JSON object, without a newline, in out.  Implemented in
 * server_status.c.
 */
void server_status(struct server *s, const char *line, struct buf *out);

#endif
