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

#include "sbc/config.h"

struct server;

/*
 * Binds every listener of c on loop and logs each one.  c must outlive
 * the server.  Returns 0, or a negative errno after logging which
 * listener failed; then nothing is left open once the loop has run.
 */
int server_start(uv_loop_t *loop, const struct config *c,
		 struct server **out);

/*
 * Closes every listener, logs what the server saw (requests, ignored
 * responses, bad messages, responses sent) and frees the server; the
 * listeners' handles are released when the loop runs next.
 */
void server_stop(struct server *s);

#endif
