/*
 * rtpe: a client of rtpengine's ng control protocol (layer 2, media).
 *
 * An ng message is a cookie, one space and a bencoded dictionary, in one
 * UDP datagram; the answer carries the same cookie.  rtpengine keeps the
 * answers it gave by cookie, so a request retransmitted with its cookie
 * is answered again rather than done twice.
 *
 * The client talks to one or more rtpengine instances ("servers") on one
 * libuv loop.  Every request gets a random cookie and is retransmitted
 * every timeout_ms, tries times; a server that leaves a request (or a
 * ping) unanswered is marked down, and a request that may go to any
 * server moves on to the next one that is up.  Every ping_ms each server
 * gets a `ping`; a `pong` marks it up again.  Nothing here blocks.
 *
 * As in libuv, when a function that takes a callback returns an error,
 * the callback is never called; on success it is called exactly once,
 * never from inside the function, unless the request is cancelled or
 * the client closed first.  The callback may start and cancel requests.
 */
#ifndef SBC_RTPE_H
#define SBC_RTPE_H

#include <stddef.h>
#include <sys/socket.h>

#include <uv.h>

#include "sbc/bencode.h"
#include "sbc/buf.h"

struct rtpe_server_cfg {
	const char *name;
	struct sockaddr_storage addr;
};

struct rtpe_cfg {
	const struct rtpe_server_cfg *servers;
	size_t n_servers;
	unsigned timeout_ms;	/* per try; 0: 500 */
	unsigned tries;		/* per server; 0: 3 */
	unsigned ping_ms;	/* health check period; 0: 5000 */
};

struct rtpe;
struct rtpe_req;

/*
 * The end of a request.  err 0: reply is the answer dictionary and its
 * result was "ok" or "pong"; -EPROTO: rtpengine answered with an error
 * (reply holds error-reason); -ETIMEDOUT: no server answered.  server
 * is the index of the server that answered (or last failed).  reply
 * lives until the callback returns.
 */
typedef void(rtpe_cb)(int err, int server, const struct bencode *reply,
		      void *arg);

int rtpe_new(uv_loop_t *loop, const struct rtpe_cfg *cfg, struct rtpe **out);
/* Drops every request without calling back, and frees the client once
 * its handles are closed. */
void rtpe_close(struct rtpe *r);

/* The number of servers, a server's name, and the index of a name
 * (-ENOENT when none has it). */
size_t rtpe_count(const struct rtpe *r);
const char *rtpe_name(const struct rtpe *r, int server);
int rtpe_find(const struct rtpe *r, const char *name);
/* Whether a server answered its last request or ping. */
int rtpe_up(const struct rtpe *r, int server);

/*
 * Sends the bencoded dictionary dict (the command and its arguments) to
 * server, or with server -1 to the first server that is up, moving to
 * the next one up when it does not answer.  Returns 0, -EHOSTDOWN when
 * server -1 is asked and none is up, -EINVAL, -ENOMEM.  *out (may be
 * NULL) is for rtpe_cancel and is valid until the callback runs.
 */
int rtpe_request(struct rtpe *r, int server, struct str dict, rtpe_cb *cb,
		 void *arg, struct rtpe_req **out);
/* Forgets a request: its callback is never called. */
void rtpe_cancel(struct rtpe_req *q);

struct rtpe_stats {
	unsigned long requests;
	unsigned long retransmits;
	unsigned long timeouts;		/* requests no server answered */
	unsigned long errors;		/* answers with result "error" */
	unsigned long failovers;	/* requests moved to another server */
	unsigned long stray;		/* answers matching no request */
};

void rtpe_stats_get(const struct rtpe *r, struct rtpe_stats *s);

#endif
