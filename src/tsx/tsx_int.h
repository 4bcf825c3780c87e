/*
 * tsx_int: what tsx.c, tsx_client.c and tsx_server.c share (layer 3).
 *
 * A transaction is two allocations.  Its head (struct tsx) comes from a
 * slab and lives as long as the transaction.  Its request block (struct
 * tsx_req: the parsed request, the request bytes it points into and the
 * destination's realm and TLS server name) is needed only while the
 * transaction works: once it has its final response and nobody but the
 * layer holds it, it is slimmed (tsx__slim_idle): what matching still needs
 * (struct tsx_key) is copied into the head's own small buffer and the
 * block goes back to its pool.  An INVITE's transactions linger 64*T1
 * after a 2xx (RFC 6026), a non-INVITE server's 64*T1 after its final
 * response (Timer J), so most live transactions are slim ones; a slim
 * one is a few hundred bytes instead of several kilobytes.
 *
 * The last message a transaction sends on its own (the ACK of a client
 * INVITE's non-2xx, the last response of a server transaction) is kept
 * in out for retransmission; a 2xx's copy goes once its ACK came.
 *
 * Timers that RFC 3261 gives a length of zero for reliable transports (D,
 * I, J, K) are started with a delay of 0: they fire at the next
 * tmr_heap_run, so no callback runs inside a call the user made.
 */
#ifndef SBC_TSX_INT_H
#define SBC_TSX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sbc/hash.h"
#include "sbc/sip_msg.h"
#include "sbc/tmr.h"
#include "sbc/tsx.h"

/* RFC 3261 17.1.1.2: Timer D is at least 32 s for unreliable transports. */
#define TSX_TIMER_D_MIN 32000u
/* RFC 3261 8.1.1.6: the Max-Forwards of requests sbc builds itself. */
#define TSX_MAX_FORWARDS "70"
/* RFC 3261 19.3: To tags the layer makes (481, 482, 200 to CANCEL). */
#define TSX_TAG_LEN 16

struct tsx_layer {
	struct tsx_cfg cfg;
	struct tmr_heap *tmr;
	tsx_send_fn *send;
	void *send_ctx;
	struct tsx_user u;
	void *uarg;
	struct hash cli;	/* client: top-Via branch (17.1.3) */
	struct hash srv;	/* server: branch, or the RFC 2543 key */
	struct hash mrg;	/* server, request without To tag (8.2.2.2) */
	struct hash acc;	/* INVITE server in Accepted: the 2xx dialog */
	struct tsx *all;	/* every live transaction */
	struct tsx_stats st;
};

/* What matching needs of the request, kept after slimming: the top Via's
 * branch and sent-by (17.1.3, 17.2.3), the method, and the Call-ID, CSeq
 * number and From tag (8.2.2.2, 13.3.1.4).  The strings point into the
 * request block, or into kbuf once slim. */
struct tsx_key {
	struct str method_s;
	struct str branch;
	struct str via_host;
	struct str call_id;
	struct str from_tag;
	enum sip_method method;
	uint32_t cseq;
	uint16_t via_port;
};

/* The request of a working transaction, in one block: this head, the
 * parsed message with room for its own header lines only (TSX_REQ_MSG),
 * then the request bytes and strings. */
struct tsx_req {
	struct tsx_req *next;	/* the pool's free list */
	unsigned pooled;	/* a standard block: back to the pool */
};

#define TSX_REQ_HEAD \
	((sizeof(struct tsx_req) + _Alignof(struct sip_msg) - 1) & \
	 ~(_Alignof(struct sip_msg) - 1))
#define TSX_REQ_MSG(r) ((struct sip_msg *)((char *)(r) + TSX_REQ_HEAD))

struct tsx {
	struct tsx_layer *l;	/* NULL once terminated */
	unsigned refs;
	enum tsx_state state;
	unsigned client : 1;
	unsigned invite : 1;
	unsigned reliable : 1;
	unsigned rfc2543 : 1;	/* server: branch without the magic cookie */
	unsigned hidden : 1;	/* server: CANCEL, 482; never shown to user */
	unsigned in_main : 1;	/* in cli or srv */
	unsigned in_mrg : 1;
	unsigned in_acc : 1;
	unsigned got_1xx : 1;	/* client INVITE: a provisional arrived */
	unsigned cancel_wanted : 1;	/* client INVITE: tsx_client_cancel */
	unsigned cancel_sent : 1;
	unsigned gave_up : 1;	/* client: failed() was called */
	unsigned cancelled : 1;	/* server INVITE: a CANCEL matched it */
	unsigned final_status;
	unsigned retx_ms;	/* the current retransmission interval */
	unsigned c_ms;		/* client INVITE: Timer C length, 0 = off */

	struct hash_node node;	/* cli or srv */
	struct hash_node mrg_node;
	struct hash_node acc_node;
	struct tsx *next, **pprev;	/* l->all */

	struct tmr t_retx;	/* A, E, G, 2xx retransmission */
	struct tmr t_to;	/* B, F, H, L, M; CANCEL guard (9.1) */
	struct tmr t_end;	/* D, I, J, K */
	struct tmr t_c;		/* client: Timer C; server: 100 Trying */

	struct tp_dest dest;	/* client: the request's; server: responses' */
	struct tp_src src;	/* server: where the request came from */
	char *out;
	size_t out_len;
	char *tag;		/* server: To tag of the last response sent */
	size_t tag_len;

	struct tsx_client_cb cb;
	void *cb_arg;
	void *arg;		/* tsx_set_arg */

	struct tsx_key key;
	char *kbuf;		/* the key's and dest's strings once slim */
	size_t req_len;
	char *req_buf;		/* the request's bytes, in the block */
	struct tsx_req *rb;	/* NULL once slim */
	struct sip_msg *req;	/* in rb, or NULL once slim */
};

/* The bytes of a request block whose message has n header lines. */
#define TSX_REQ_SIZE(n) (TSX_REQ_HEAD + SIP_MSG_SIZE(n))

/* tsx.c */
/* n_hdr: the request's header lines when the caller parsed it, or -1. */
int tsx__alloc(struct tsx_layer *l, const char *buf, size_t len, int n_hdr,
	       const struct tp_dest *d, struct tsx **out);
void tsx__link(struct tsx *t);
void tsx__terminate(struct tsx *t);
int tsx__send(struct tsx *t, const void *p, size_t len);
void tsx__timer(struct tsx *t, struct tmr *tm, uint64_t ms, tmr_cb *cb);
void tsx__stop_timers(struct tsx *t);
uint64_t tsx__hash_branch(struct str branch);
uint64_t tsx__hash_dialog(struct str call_id, uint32_t cseq);
int tsx__same_method(const struct tsx_key *k, enum sip_method m,
		     struct str m_s);
/* Drops the request block of a transaction past its final response that
 * only the layer holds: nobody will ask for its request again, and
 * matching goes on with the key.  Otherwise does nothing. */
void tsx__slim_idle(struct tsx *t);
void tsx__tag_new(char *dst, size_t n);
int tsx__save(char **dst, size_t *dlen, const void *p, size_t len);

/* tsx_client.c */
void tsx__client_recv(struct tsx *ct, const struct sip_msg *m,
		      const struct tp_src *src);
void tsx__client_fail(struct tsx *ct, enum tsx_fail why, int err);

/* tsx_server.c */
int tsx__server_new(struct tsx_layer *l, const struct sip_msg *m,
		    const struct tp_src *src, int hidden, struct tsx **out);
void tsx__server_retrans(struct tsx *st);
void tsx__server_ack(struct tsx *st, const struct sip_msg *m,
		     const struct tp_src *src);
void tsx__server_dialog_ack(struct tsx *st, const struct sip_msg *m,
			    const struct tp_src *src);
int tsx__server_respond_tag(struct tsx *st, unsigned status,
			    struct str tag);

#endif
