/*
 * check_tsx: the harness the transaction tests share (t/unit/check_tsx.c
 * for client transactions, check_tsx_server.c for server ones).
 *
 * The layer runs on a tmr heap whose clock the tests advance by hand,
 * and sends through a function that records every message with the time
 * it left; the tests parse the messages back and assert on them.
 */
#ifndef SBC_CHECK_TSX_H
#define SBC_CHECK_TSX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "sbc/sip_msg.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"
#include "sbc/tsx.h"

#define ck_assert_slice(s, want)                                           \
	do {                                                               \
		struct str s_ = (s);                                       \
		const char *w_ = (want);                                   \
		ck_assert_msg(s_.len == strlen(w_) &&                      \
			      (s_.len == 0 || memcmp(s_.p, w_, s_.len) == 0), \
			      "slice \"%.*s\" != \"%s\"", STR_FMT(s_), w_);  \
	} while (0)

/* A message the layer sent, parsed back, with when it left. */
struct sent {
	struct tp_dest d;
	char *p;
	size_t len;
	uint64_t at;
	struct sip_msg *m;
};

/* What the layer told its user. */
struct user_log {
	struct tsx *reqs[64];
	int n_req;
	unsigned answer;	/* respond at once with this status */
	int no_keep;		/* keep no reference, as sbc's core */
	const char *answer_tag;
	int n_ack;
	struct tsx *ack_st;
	int n_cancel;
	struct tsx *cancel_st;
	int n_stray;
	unsigned stray_status;
	int n_done;
	struct tsx *done_st;
};

/* What a client transaction told its starter. */
struct client_log {
	unsigned st[64];
	int n;
	int n_failed;
	enum tsx_fail why;
	int err;
	int n_term;
};

/* A request; NULL fields take the defaults of an INVITE from a UA at
 * 192.0.2.10. */
struct rq {
	const char *method;
	const char *via;	/* the top Via value */
	const char *via2;	/* a second Via line, or NULL */
	const char *ruri;
	const char *from_tag;
	const char *to_tag;
	const char *call_id;
	unsigned cseq;
	int routes;		/* two Route lines */
};

extern uint64_t now;
extern struct tmr_heap heap;
extern struct tsx_layer *L;
extern struct tsx_cfg cfg;
extern struct sent *out;
extern size_t n_out;
extern long send_calls, fail_at;	/* send call number fail_at fails */
extern int fail_rc;			/* ... with this */
extern struct tp *fwd_tp;		/* when set, sends really go out */
extern struct user_log U;
extern struct client_log C;
extern const struct tsx_client_cb ccb;	/* records into C */
extern char fake_lsn;			/* stands for a listener */

/* Fixtures: a fresh heap at time 0 and a layer with default timers. */
void setup(void);
void teardown(void);
/* A new layer with cfg (after tsx_layer_free(L)). */
void layer_make(void);
/* Advances the clock to t, firing each timer at its own expiry. */
void run_to(uint64_t t);

const struct sip_msg *sent(size_t i);
const struct sip_msg *last_sent(void);
/* The times messages matching what ("INVITE", "486") left. */
size_t sent_times(const char *what, uint64_t *v, size_t max);
size_t count_sent(const char *what);
/* Asserts that what left exactly at the n times in want. */
void times_are(const char *what, const uint64_t *want, size_t n);
struct tsx_stats stats(void);

void addr_set(union tp_sockaddr *ss, const char *ip, uint16_t port);
int addr_is(const union tp_sockaddr *ss, const char *ip,
	    uint16_t port);
struct tp_src src_of(enum tp_proto p, const char *ip, uint16_t port);
struct tp_dest dest_of(enum tp_proto p, const char *ip, uint16_t port);

/* The text of request r (malloc'd), and receiving it from src. */
char *rq_text(const struct rq *r);
void recv_text(const struct tp_src *src, char *text);
void recv_rq(const struct tp_src *src, const struct rq *r);
/* A response to the default client request. */
void recv_rs(unsigned status, const char *branch, const char *to_tag,
	     const char *cseq_method);
/* Starts a client transaction for the default request (with Routes). */
struct tsx *client(const char *method, const char *branch,
		   enum tp_proto proto);

/* The server test case, from check_tsx_server.c. */
TCase *check_tsx_server_tcase(void);

#endif
