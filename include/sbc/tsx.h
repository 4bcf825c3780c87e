/*
 * tsx: SIP transactions (layer 3, RFC 3261 17, RFC 6026).
 *
 * The layer runs the client and server state machines of RFC 3261 17.1
 * and 17.2 with the Accepted states of RFC 6026, matches responses to
 * client transactions (17.1.3) and requests to server transactions
 * (17.2.3, with the RFC 2543 fallback), answers retransmissions, builds
 * the ACK for non-2xx final responses (17.1.1.3), sends 100 Trying for
 * an INVITE the user has not answered within 200 ms (17.2.1), detects
 * merged requests (8.2.2.2) and answers CANCEL (9.2).
 *
 * It is pure logic: it sends through a function it is given and keeps
 * time with a tmr heap its owner drives, so tests run it with a clock
 * they advance by hand.  sbcd wires the send function to tp_send and
 * the heap to a libuv timer.  Timers of zero length (D, I, J and K over
 * reliable transports) fire at the next tmr_heap_run, never inside a
 * call the user made, so the owner re-arms its timer for
 * tmr_heap_next() after every call into the layer.
 *
 * Ownership: a transaction is reference-counted.  The layer holds one
 * reference until the transaction terminates; a user that keeps a
 * pointer past a callback takes its own with tsx_ref.  Messages passed
 * to callbacks are valid during the call only.
 */
#ifndef SBC_TSX_H
#define SBC_TSX_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/buf.h"
#include "sbc/sip_msg.h"
#include "sbc/str.h"
#include "sbc/tmr.h"
#include "sbc/tp.h"

/* Timer values in ms (RFC 3261 17.1.1.1 and Table 4). */
struct tsx_cfg {
	unsigned t1;		/* RTT estimate, 500 */
	unsigned t2;		/* longest non-INVITE retransmit interval, 4000 */
	unsigned t4;		/* longest a message stays in the network, 5000 */
	unsigned trying_ms;	/* 100 Trying for an unanswered INVITE, 200 */
	unsigned timer_c_ms;	/* INVITE client: no final response, 180000
				   (RFC 3261 16.6 step 11: over 3 minutes) */
};

void tsx_cfg_default(struct tsx_cfg *c);

enum tsx_state {
	TSX_CALLING = 1,	/* INVITE client, before any response */
	TSX_TRYING,		/* non-INVITE, before any response */
	TSX_PROCEEDING,
	TSX_COMPLETED,
	TSX_CONFIRMED,		/* INVITE server, ACK received */
	TSX_ACCEPTED,		/* INVITE after a 2xx (RFC 6026) */
	TSX_TERMINATED,
};

const char *tsx_state_name(enum tsx_state s);

/* Why a client transaction ended without a final response. */
enum tsx_fail {
	TSX_FAIL_TIMEOUT = 1,	/* Timer B or F (RFC 3261 17.1.1.2, 17.1.2.2) */
	TSX_FAIL_TRANSPORT,	/* tp_send failed or tp reported an error */
	TSX_FAIL_TIMER_C,	/* INVITE: no final response in Timer C; a
				   CANCEL was sent if a 1xx had arrived */
};

struct tsx_layer;
struct tsx;

/* Sends bytes to a destination: tp_send in sbcd. */
typedef int(tsx_send_fn)(void *ctx, const struct tp_dest *d, const void *p,
			 size_t len);

/* What the layer hands up to its user (the session core). */
struct tsx_user {
	/*
	 * A request that starts a new server transaction.  The user answers
	 * with tsx_respond, now or later; until then an INVITE gets 100
	 * Trying after trying_ms.  ACK and CANCEL never arrive here.
	 */
	void (*request)(void *arg, struct tsx *st, const struct sip_msg *m,
			const struct tp_src *src);
	/*
	 * An ACK that matches no server transaction: the ACK for a 2xx
	 * (RFC 3261 13.3.1.4), for the dialog layer.  If it matched an
	 * INVITE in Accepted, st is that transaction (its 2xx is no longer
	 * retransmitted); otherwise st is NULL.
	 */
	void (*ack)(void *arg, struct tsx *st, const struct sip_msg *m,
		    const struct tp_src *src);
	/*
	 * A CANCEL matched INVITE server transaction st, which has no final
	 * response yet.  The layer has answered the CANCEL with 200 (9.2);
	 * the user should end the INVITE with 487.
	 */
	void (*cancel)(void *arg, struct tsx *st, const struct sip_msg *m);
	/*
	 * A response that matched no client transaction (a 2xx of a fork
	 * after the INVITE transaction ended, for instance), for the dialog
	 * layer.
	 */
	void (*stray_response)(void *arg, const struct sip_msg *m,
			       const struct tp_src *src);
	/* A server transaction terminated; the last callback it causes. */
	void (*server_done)(void *arg, struct tsx *st);
};

/* What a client transaction tells the one who started it. */
struct tsx_client_cb {
	/*
	 * Every provisional and final response, in order; for an INVITE in
	 * Accepted also each further 2xx (retransmissions and forks, RFC
	 * 6026 7.2), for which the user sends the ACK.
	 */
	void (*response)(struct tsx *ct, const struct sip_msg *m, void *arg);
	/* No final response will come; the request may go to the next
	 * target (RFC 3263 4.3).  err is the transport's errno or 0.
	 * After TSX_FAIL_TIMER_C with a CANCEL sent, the transaction stays
	 * (until 64*T1 after the CANCEL, RFC 3261 9.1) to ACK the final
	 * response, which it no longer hands up; a 2xx that still comes
	 * goes to the layer's stray_response, for the dialog layer to ACK
	 * and end. */
	void (*failed)(struct tsx *ct, enum tsx_fail why, int err, void *arg);
	/* The transaction is gone; the last callback. */
	void (*terminated)(struct tsx *ct, void *arg);
};

int tsx_layer_new(const struct tsx_cfg *cfg, struct tmr_heap *tmr,
		  tsx_send_fn *send, void *send_ctx, const struct tsx_user *u,
		  void *uarg, struct tsx_layer **out);
/* Ends every transaction without callbacks and frees the layer. */
void tsx_layer_free(struct tsx_layer *l);

/*
 * Hands a received message to the layer: responses go to their client
 * transaction, requests to theirs or to the user.  A request from a
 * datagram whose top Via lacks a usable sent-by is dropped.
 */
void tsx_layer_recv(struct tsx_layer *l, const struct sip_msg *m,
		    const struct tp_src *src);

/* A transport failure tp reported late: fails the client transactions
 * sending to d (TSX_FAIL_TRANSPORT). */
void tsx_layer_tp_error(struct tsx_layer *l, const struct tp_dest *d,
			int err);

struct tsx_stats {
	unsigned long clients;		/* alive now */
	unsigned long servers;		/* alive now */
	unsigned long created;
	unsigned long retransmits;	/* requests and responses resent */
	unsigned long absorbed;		/* retransmissions answered or dropped */
	unsigned long timeouts;		/* Timer B, F and C */
	unsigned long transport_errors;
	unsigned long merged;		/* 482 for merged requests */
	unsigned long stray;		/* responses matching nothing */
	unsigned long slimmed;		/* requests dropped at the final
					   response (see tsx_request) */
};

void tsx_layer_stats(const struct tsx_layer *l, struct tsx_stats *s);

/* Writes "z9hG4bK" and random characters; returns the length.  n must be
 * at least TSX_BRANCH_MAX. */
#define TSX_BRANCH_MAX 32
size_t tsx_branch_new(char *dst, size_t n);

/*
 * Starts a client transaction for a request the caller printed whole,
 * with a top Via whose branch came from tsx_branch_new.  The layer copies
 * the bytes, sends them, and retransmits them over UDP (Timer A and E).
 * Returns 0 and *out (a reference for the caller), or a negative errno;
 * when tp_send fails at once the error is returned and no callback is
 * made.
 */
int tsx_client_start(struct tsx_layer *l, const struct tp_dest *d,
		     const char *buf, size_t len,
		     const struct tsx_client_cb *cb, void *arg,
		     struct tsx **out);

/*
 * Cancels an INVITE client transaction (RFC 3261 9.1): builds the CANCEL
 * from the INVITE and sends it in a client transaction of its own as soon
 * as a provisional response has arrived.  The INVITE's final response
 * still comes through its callbacks.  Returns 0, or -EALREADY when a
 * final response has arrived or a CANCEL was already asked for.
 */
int tsx_client_cancel(struct tsx *ct);

/* Restarts Timer C of an INVITE client transaction with a new length. */
void tsx_client_timer_c(struct tsx *ct, unsigned ms);

/*
 * Sends a response the caller printed whole (tsx_print_response_head
 * gives the start).  Any number of 1xx, then one final response; a 2xx
 * to an INVITE is retransmitted until its ACK arrives or Timer L fires
 * (RFC 3261 13.3.1.4, RFC 6026).  Returns 0, -EALREADY after a final
 * response, or the send error.
 */
int tsx_respond(struct tsx *st, unsigned status, const char *buf,
		size_t len);

/*
 * Prints the status line and the headers a response copies from its
 * request (RFC 3261 8.2.6.2): every Via (the top one with received and
 * rport filled as 18.2.1 and RFC 3581 4 ask), From, To (with to_tag added
 * when the request's To has none and to_tag is not empty), Call-ID and
 * CSeq.  reason may be STR_NULL for the default phrase.
 */
void tsx_print_response_head(struct buf *b, const struct tsx *st,
			     unsigned status, struct str reason,
			     struct str to_tag);

/* Responds with just the head and an empty body. */
int tsx_respond_simple(struct tsx *st, unsigned status, struct str reason,
		       struct str to_tag);

void tsx_ref(struct tsx *t);
void tsx_unref(struct tsx *t);

/* The request: for a server transaction a copy of what arrived, for a
 * client one what was sent.  Valid while the caller holds a reference,
 * until the transaction is done with it: once it has its final response
 * (sent or handed up) and the layer holds the only reference, the
 * request is dropped and NULL is returned. */
const struct sip_msg *tsx_request(const struct tsx *t);
/* Where the request came from (server) or went (client). */
const struct tp_src *tsx_src(const struct tsx *t);
const struct tp_dest *tsx_dest(const struct tsx *t);
enum tsx_state tsx_state(const struct tsx *t);
int tsx_is_client(const struct tsx *t);
/* The final status sent or received, 0 before one. */
unsigned tsx_final_status(const struct tsx *t);

/* A pointer for the user of a server transaction. */
void tsx_set_arg(struct tsx *t, void *arg);
void *tsx_arg(const struct tsx *t);

#endif
