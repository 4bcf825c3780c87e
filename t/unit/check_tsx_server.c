/*
 * Tests of server transactions (sbc/tsx.h; RFC 3261 8.2.2.2, 9.2, 13.3.1.4,
 * 17.2, 18.2, RFC 3581, RFC 6026), including one over a real TCP
 * connection of tp on loopback.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "check_tsx.h"
#include "sbc/buf.h"
#include "sbc/sip_print.h"

/* ---- server transactions ---- */

static const struct rq invite_rq;	/* every default */

START_TEST(test_server_invite_trying)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	const struct sip_msg *m;
	struct tsx *st, *st2;

	recv_rq(&src, &invite_rq);
	ck_assert_int_eq(U.n_req, 1);
	st = U.reqs[0];
	ck_assert(!tsx_is_client(st));
	ck_assert_int_eq(tsx_state(st), TSX_PROCEEDING);
	ck_assert_int_eq(tsx_request(st)->method, SIP_METHOD_INVITE);
	/* A retransmission before any response: absorbed, nothing sent. */
	run_to(50);
	recv_rq(&src, &invite_rq);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(n_out, 0);
	ck_assert_uint_eq(stats().absorbed, 1);
	/* RFC 3261 17.2.1: 100 Trying after 200 ms. */
	run_to(199);
	ck_assert_uint_eq(n_out, 0);
	run_to(200);
	ck_assert_uint_eq(n_out, 1);
	m = sent(0);
	ck_assert_uint_eq(m->status, 100);
	ck_assert_uint_eq(m->to.tag.len, 0);
	ck_assert_slice(m->via.branch, "z9hG4bKua1");
	ck_assert(!str_isset(m->via.received));
	ck_assert_int_eq(m->cseq.method, SIP_METHOD_INVITE);
	ck_assert_slice(m->call_id, "call-1@192.0.2.10");
	ck_assert(addr_is(&out[0].d.addr, "192.0.2.10", 5060));
	ck_assert_ptr_eq(out[0].d.lsn, (struct tp_lsn *)(void *)&fake_lsn);
	ck_assert_int_eq(out[0].d.proto, TP_UDP);
	/* Now a retransmission gets the 100 again, byte for byte. */
	run_to(300);
	recv_rq(&src, &invite_rq);
	ck_assert_uint_eq(n_out, 2);
	ck_assert_uint_eq(out[1].len, out[0].len);
	ck_assert(memcmp(out[1].p, out[0].p, out[0].len) == 0);
	ck_assert_uint_eq(stats().absorbed, 2);

	/* Answered within 200 ms: no 100. */
	recv_rq(&src, &(struct rq){
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKua2",
		.call_id = "call-2@192.0.2.10" });
	ck_assert_int_eq(U.n_req, 2);
	st2 = U.reqs[1];
	run_to(350);
	ck_assert_int_eq(tsx_respond_simple(st2, 180, STR_NULL, STR("t2")), 0);
	ck_assert_slice(last_sent()->to.tag, "t2");
	run_to(2000);
	ck_assert_uint_eq(count_sent("100"), 2);
	ck_assert_uint_eq(count_sent("180"), 1);
	ck_assert_int_eq(tsx_state(st2), TSX_PROCEEDING);
}
END_TEST

START_TEST(test_server_invite_timer_g_h)
{
	static const uint64_t want[] = { 0,     500,   1500,  3500,
					 7500,  11500, 15500, 19500,
					 23500, 27500, 31500 };
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tsx *st;

	U.answer = 486;
	U.answer_tag = "s1";
	recv_rq(&src, &invite_rq);
	st = U.reqs[0];
	ck_assert_int_eq(tsx_state(st), TSX_COMPLETED);
	ck_assert_uint_eq(tsx_final_status(st), 486);
	run_to(31999);
	/* RFC 3261 17.2.1: Timer G doubles up to T2. */
	times_are("486", want, 11);
	ck_assert_slice(last_sent()->to.tag, "s1");
	ck_assert_int_eq(U.n_done, 0);
	/* Timer H: no ACK in 64*T1. */
	run_to(32000);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 1);
	ck_assert_ptr_eq(U.done_st, st);
	run_to(100000);
	ck_assert_uint_eq(count_sent("486"), 11);
	ck_assert_uint_eq(stats().servers, 0);
	ck_assert_uint_eq(stats().retransmits, 10);
	ck_assert_int_eq(tsx_respond_simple(st, 500, STR_NULL, STR_NULL),
			 -EALREADY);
}
END_TEST

START_TEST(test_server_invite_ack)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tp_src tcp = src_of(TP_TCP, "192.0.2.10", 5060);
	struct tsx *st;

	U.answer = 486;
	U.answer_tag = "s1";
	recv_rq(&src, &invite_rq);
	st = U.reqs[0];
	run_to(600);
	ck_assert_uint_eq(count_sent("486"), 2);
	/* RFC 3261 17.2.1: the ACK (same branch) confirms. */
	recv_rq(&src, &(struct rq){ .method = "ACK", .to_tag = "s1" });
	ck_assert_int_eq(tsx_state(st), TSX_CONFIRMED);
	ck_assert_int_eq(U.n_ack, 0);
	run_to(2000);
	ck_assert_uint_eq(count_sent("486"), 2);
	/* Confirmed absorbs further ACKs. */
	recv_rq(&src, &(struct rq){ .method = "ACK", .to_tag = "s1" });
	ck_assert_int_eq(U.n_ack, 0);
	ck_assert_uint_eq(stats().absorbed, 1);
	/* Timer I is T4. */
	run_to(5599);
	ck_assert_int_eq(tsx_state(st), TSX_CONFIRMED);
	run_to(5600);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 1);
	ck_assert_uint_eq(n_out, 2);

	/* Over TCP: no Timer G, and Timer I is zero. */
	recv_rq(&tcp, &(struct rq){
		.via = "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtc2" });
	st = U.reqs[1];
	run_to(20000);
	ck_assert_uint_eq(count_sent("486"), 3);
	recv_rq(&tcp, &(struct rq){
		.method = "ACK",
		.via = "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtc2",
		.to_tag = "s1" });
	ck_assert_int_eq(tsx_state(st), TSX_CONFIRMED);
	run_to(20000);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 2);
}
END_TEST

START_TEST(test_server_ni_timer_j)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tp_src tcp = src_of(TP_TCP, "192.0.2.10", 5060);
	const struct rq opt = { .method = "OPTIONS" };
	struct tsx *st;

	recv_rq(&src, &opt);
	st = U.reqs[0];
	ck_assert_int_eq(tsx_state(st), TSX_TRYING);
	/* RFC 3261 17.2.2: no 100 for non-INVITE; retransmissions in
	 * Trying are dropped. */
	run_to(1000);
	recv_rq(&src, &opt);
	ck_assert_uint_eq(n_out, 0);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_int_eq(tsx_respond_simple(st, 200, STR_NULL, STR("o1")), 0);
	ck_assert_int_eq(tsx_state(st), TSX_COMPLETED);
	run_to(2000);
	recv_rq(&src, &opt);
	ck_assert_uint_eq(count_sent("200"), 2);
	ck_assert_int_eq(tsx_respond_simple(st, 200, STR_NULL, STR("o1")),
			 -EALREADY);
	/* Timer J is 64*T1 over UDP... */
	run_to(32999);
	ck_assert_int_eq(tsx_state(st), TSX_COMPLETED);
	run_to(33000);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 1);
	ck_assert_uint_eq(count_sent("200"), 2);

	/* ... and zero over TCP. */
	recv_rq(&tcp, &(struct rq){
		.method = "OPTIONS",
		.via = "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtj2" });
	st = U.reqs[1];
	ck_assert_int_eq(tsx_respond_simple(st, 200, STR_NULL, STR("o2")), 0);
	ck_assert_int_eq(tsx_state(st), TSX_COMPLETED);
	ck_assert_int_eq(U.n_done, 1);
	run_to(33000);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 2);
	/* The user's reference outlives the transaction. */
	ck_assert_int_eq(tsx_request(st)->method, SIP_METHOD_OPTIONS);
	tsx_set_arg(st, &fake_lsn);
	ck_assert_ptr_eq(tsx_arg(st), &fake_lsn);
	ck_assert_int_eq(tsx_respond_simple(st, 500, STR_NULL, STR_NULL),
			 -EALREADY);
	ck_assert_uint_eq(stats().servers, 0);
}
END_TEST

/* A transaction that answered and that only the layer holds drops its
 * request; matching and retransmission go on from what it kept. */
START_TEST(test_server_slim)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct rq opt = { .method = "OPTIONS",
			  .via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKo1",
			  .call_id = "slim-o" };
	struct rq merged = opt;

	U.no_keep = 1;
	U.answer = 200;
	U.answer_tag = "d1";
	recv_rq(&src, &opt);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(stats().slimmed, 1);
	/* 17.2.2: a retransmission gets the final response again. */
	recv_rq(&src, &opt);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(count_sent("200"), 2);
	/* Another sent-by is another transaction (17.2.3). */
	merged.via = "SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bKo1";
	recv_rq(&src, &merged);
	/* 8.2.2.2: same From tag, Call-ID and CSeq without a To tag. */
	ck_assert_uint_eq(count_sent("482"), 1);
	ck_assert_int_eq(U.n_req, 1);

	/* An INVITE: the 2xx is resent until the ACK, which still finds
	 * the transaction by its dialog (13.3.1.4). */
	recv_rq(&src, &invite_rq);
	ck_assert_int_eq(U.n_req, 2);
	ck_assert_uint_eq(stats().slimmed, 3);	/* with the 482's */
	run_to(500);
	ck_assert_uint_eq(count_sent("200"), 4);
	recv_rq(&src, &(struct rq){
		.method = "ACK",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack9",
		.to_tag = "d1" });
	ck_assert_int_eq(U.n_ack, 1);
	ck_assert_ptr_eq(U.ack_st, U.reqs[1]);
	run_to(4000);
	ck_assert_uint_eq(count_sent("200"), 4);
	recv_rq(&src, &invite_rq);
	ck_assert_int_eq(U.n_req, 2);
	ck_assert_uint_eq(count_sent("200"), 4);
	/* Timers J and L end them all. */
	run_to(32500);
	ck_assert_uint_eq(stats().servers, 0);
	ck_assert_int_eq(U.n_done, 2);
}
END_TEST

START_TEST(test_server_2xx_until_ack)
{
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 11500 };
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tsx *st;

	U.answer = 200;
	U.answer_tag = "d1";
	recv_rq(&src, &invite_rq);
	st = U.reqs[0];
	ck_assert_int_eq(tsx_state(st), TSX_ACCEPTED);
	run_to(12000);
	/* RFC 3261 13.3.1.4: T1 doubling up to T2. */
	times_are("200", want, 6);
	/* An INVITE retransmission before the ACK gets the 2xx again. */
	recv_rq(&src, &invite_rq);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(count_sent("200"), 7);
	/* The ACK of a 2xx has a branch of its own (17.1.1.3). */
	recv_rq(&src, &(struct rq){
		.method = "ACK",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack2",
		.to_tag = "d1" });
	ck_assert_int_eq(U.n_ack, 1);
	ck_assert_ptr_eq(U.ack_st, st);
	run_to(31999);
	ck_assert_uint_eq(count_sent("200"), 7);
	/* An ACK of another dialog gets no transaction. */
	recv_rq(&src, &(struct rq){
		.method = "ACK",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack3",
		.to_tag = "zz" });
	ck_assert_int_eq(U.n_ack, 2);
	ck_assert_ptr_null(U.ack_st);
	/* RFC 6026 7.1: an INVITE retransmission stays in the layer; after
	 * the ACK the 2xx's copy is gone and it is only absorbed. */
	recv_rq(&src, &invite_rq);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(count_sent("200"), 7);
	/* Timer L. */
	run_to(32000);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 1);
	recv_rq(&src, &(struct rq){
		.method = "ACK",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack4",
		.to_tag = "d1" });
	ck_assert_int_eq(U.n_ack, 3);
	ck_assert_ptr_null(U.ack_st);
}
END_TEST

START_TEST(test_server_2xx_without_ack)
{
	static const uint64_t want[] = { 0,     500,   1500,  3500,
					 7500,  11500, 15500, 19500,
					 23500, 27500, 31500 };
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tp_src tcp = src_of(TP_TCP, "192.0.2.10", 5060);

	U.answer = 200;
	U.answer_tag = "d1";
	recv_rq(&src, &invite_rq);
	run_to(31999);
	times_are("200", want, 11);
	ck_assert_int_eq(U.n_done, 0);
	run_to(32000);
	ck_assert_int_eq(U.n_done, 1);
	run_to(70000);
	ck_assert_uint_eq(count_sent("200"), 11);

	/* Over TCP the 2xx is sent once; Timer L still ends it. */
	recv_rq(&tcp, &(struct rq){
		.via = "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtd2" });
	run_to(70000 + 31999);
	ck_assert_uint_eq(count_sent("200"), 12);
	ck_assert_int_eq(U.n_done, 1);
	run_to(70000 + 32000);
	ck_assert_int_eq(U.n_done, 2);
}
END_TEST

/* Whether sent message i answers a CANCEL. */
static int is_cancel_response(size_t i)
{
	return !out[i].m->is_request &&
	       out[i].m->cseq.method == SIP_METHOD_CANCEL;
}

START_TEST(test_server_cancel)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	const struct sip_msg *m;
	struct tsx *st;
	size_t n = 0;

	recv_rq(&src, &invite_rq);
	st = U.reqs[0];
	ck_assert_int_eq(tsx_respond_simple(st, 180, STR_NULL, STR("k1")), 0);
	recv_rq(&src, &(struct rq){ .method = "CANCEL" });
	/* RFC 3261 9.2: 200 to the CANCEL, with the INVITE's To tag. */
	m = last_sent();
	ck_assert_uint_eq(m->status, 200);
	ck_assert_int_eq(m->cseq.method, SIP_METHOD_CANCEL);
	ck_assert_slice(m->to.tag, "k1");
	ck_assert_slice(m->via.branch, "z9hG4bKua1");
	ck_assert_int_eq(U.n_cancel, 1);
	ck_assert_ptr_eq(U.cancel_st, st);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(stats().servers, 2);
	ck_assert_int_eq(tsx_respond_simple(st, 487, STR_NULL, STR("k1")), 0);
	ck_assert_uint_eq(last_sent()->status, 487);
	ck_assert_int_eq(last_sent()->cseq.method, SIP_METHOD_INVITE);
	/* A retransmitted CANCEL gets its 200 again, and no callback. */
	recv_rq(&src, &(struct rq){ .method = "CANCEL" });
	for (size_t i = 0; i < n_out; i++)
		n += is_cancel_response(i);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(U.n_cancel, 1);
	recv_rq(&src, &(struct rq){ .method = "ACK", .to_tag = "k1" });
	ck_assert_int_eq(tsx_state(st), TSX_CONFIRMED);
	run_to(100000);
	ck_assert_uint_eq(stats().servers, 0);
	/* The CANCEL's own transaction is no business of the user. */
	ck_assert_int_eq(U.n_done, 1);
}
END_TEST

START_TEST(test_server_cancel_no_match)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	const struct sip_msg *m;

	recv_rq(&src, &(struct rq){
		.method = "CANCEL",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnomatch" });
	m = last_sent();
	ck_assert_uint_eq(m->status, 481);
	ck_assert_int_eq(m->cseq.method, SIP_METHOD_CANCEL);
	ck_assert_uint_eq(m->to.tag.len, 16);
	ck_assert_int_eq(U.n_cancel, 0);
	ck_assert_int_eq(U.n_req, 0);

	/* After the final response a CANCEL still gets 200, but the user
	 * hears nothing. */
	U.answer = 486;
	U.answer_tag = "x1";
	recv_rq(&src, &invite_rq);
	recv_rq(&src, &(struct rq){ .method = "CANCEL" });
	m = last_sent();
	ck_assert_uint_eq(m->status, 200);
	ck_assert_slice(m->to.tag, "x1");
	ck_assert_int_eq(U.n_cancel, 0);
}
END_TEST

START_TEST(test_server_merged)
{
	struct tp_src a = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tp_src b = src_of(TP_UDP, "192.0.2.11", 5060);
	const struct rq forked = {
		.via = "SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bKua1b" };
	char tag[64];

	recv_rq(&a, &invite_rq);
	ck_assert_int_eq(U.n_req, 1);
	/* RFC 3261 8.2.2.2: same From tag, Call-ID and CSeq, no To tag,
	 * another transaction: 482. */
	recv_rq(&b, &forked);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_uint_eq(stats().merged, 1);
	ck_assert_uint_eq(last_sent()->status, 482);
	ck_assert_uint_gt(last_sent()->to.tag.len, 0);
	ck_assert(addr_is(&out[n_out - 1].d.addr, "192.0.2.11", 5060));
	str_copy(tag, sizeof(tag), last_sent()->to.tag);
	/* Its retransmission is absorbed by the 482's transaction. */
	recv_rq(&b, &forked);
	ck_assert_uint_eq(count_sent("482"), 2);
	ck_assert_uint_eq(stats().merged, 1);
	recv_rq(&b, &(struct rq){ .method = "ACK", .via = forked.via,
				  .to_tag = tag });
	ck_assert_int_eq(U.n_ack, 0);
	/* Another CSeq is another request. */
	recv_rq(&b, &(struct rq){
		.cseq = 2,
		.via = "SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bKua1c" });
	ck_assert_int_eq(U.n_req, 2);
	ck_assert_uint_eq(stats().merged, 1);
	run_to(100000);
	ck_assert_int_eq(U.n_done, 0);	/* nobody answered the two */
}
END_TEST

START_TEST(test_server_rfc2543)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	const struct rq old = { .via = "SIP/2.0/UDP 192.0.2.10:5060" };
	struct tsx *st;

	recv_rq(&src, &old);
	ck_assert_int_eq(U.n_req, 1);
	st = U.reqs[0];
	/* RFC 3261 17.2.3: without the cookie, Request-URI, tags, Call-ID,
	 * CSeq and top Via decide. */
	recv_rq(&src, &old);
	ck_assert_int_eq(U.n_req, 1);
	ck_assert_int_eq(tsx_respond_simple(st, 404, STR_NULL, STR("r1")), 0);
	recv_rq(&src, &old);
	ck_assert_uint_eq(count_sent("404"), 2);
	/* An ACK with another To tag is not this transaction's. */
	recv_rq(&src, &(struct rq){ .method = "ACK", .via = old.via,
				    .to_tag = "r2" });
	ck_assert_int_eq(tsx_state(st), TSX_COMPLETED);
	ck_assert_int_eq(U.n_ack, 1);
	recv_rq(&src, &(struct rq){ .method = "ACK", .via = old.via,
				    .to_tag = "r1" });
	ck_assert_int_eq(tsx_state(st), TSX_CONFIRMED);
	ck_assert_int_eq(U.n_ack, 1);
	/* Another CSeq is another transaction. */
	recv_rq(&src, &(struct rq){ .via = old.via, .cseq = 2 });
	ck_assert_int_eq(U.n_req, 2);
	/* Another Request-URI is too, and then a merged request (8.2.2.2). */
	recv_rq(&src, &(struct rq){ .via = old.via, .cseq = 2,
				    .ruri = "sip:carol@192.0.2.20" });
	ck_assert_int_eq(U.n_req, 2);
	ck_assert_uint_eq(last_sent()->status, 482);
	/* Another top Via (a branch without the cookie) as well. */
	recv_rq(&src, &(struct rq){
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=1234", .cseq = 3 });
	ck_assert_int_eq(U.n_req, 3);
	recv_rq(&src, &(struct rq){
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=1234", .cseq = 3 });
	ck_assert_int_eq(U.n_req, 3);
	recv_rq(&src, &(struct rq){
		.via = "SIP/2.0/UDP 192.0.2.10:5061;branch=1234", .cseq = 3 });
	ck_assert_int_eq(U.n_req, 3);
	ck_assert_uint_eq(stats().merged, 2);
	/* A CANCEL finds its INVITE by the same rules. */
	recv_rq(&src, &(struct rq){ .method = "CANCEL", .via = old.via,
				    .cseq = 2 });
	ck_assert_uint_eq(last_sent()->status, 200);
	ck_assert_int_eq(U.n_cancel, 1);
	ck_assert_ptr_eq(U.cancel_st, U.reqs[1]);
}
END_TEST

/* The head tsx_print_response_head makes for st, parsed into m. */
static void head(struct tsx *st, struct buf *b, struct sip_msg *m)
{
	const char *err = NULL;

	buf_init(b);
	tsx_print_response_head(b, st, 200, STR_NULL, STR("h1"));
	sip_print_body(b, STR_NULL, STR_NULL);
	ck_assert_int_eq(b->err, 0);
	ck_assert_msg(sip_msg_parse(m, b->p, b->len, SIP_MSG_STREAM, &err) ==
			      0,
		      "head does not parse: %s", err);
}

/* Receives an INVITE with top Via via from ip:port over proto and
 * checks the response's top Via and destination. */
static void check_via(enum tp_proto proto, const char *ip, uint16_t port,
		      const char *via, const char *received,
		      const char *rport, const char *dip, uint16_t dport)
{
	struct tp_src src = src_of(proto, ip, port);
	struct sip_msg *m = malloc(sizeof(*m));
	const char *bp;
	struct tsx *st;
	struct buf b;

	static unsigned n;
	char call_id[32];

	/* A Call-ID of its own, or it would be a merged request. */
	snprintf(call_id, sizeof(call_id), "via-%u@example.com", ++n);
	recv_rq(&src, &(struct rq){ .via = via, .call_id = call_id });
	ck_assert_int_eq(tsx_request(U.reqs[U.n_req - 1])->call_id.len,
			 strlen(call_id));
	st = U.reqs[U.n_req - 1];
	head(st, &b, m);
	if (received)
		ck_assert_slice(m->via.received, received);
	else
		ck_assert_msg(!str_isset(m->via.received),
			      "unexpected received in %.*s",
			      STR_FMT(m->via.raw));
	if (rport)
		ck_assert_slice(m->via.rport, rport);
	else
		ck_assert(!m->via.has_rport);
	bp = strstr(via, "branch=") + 7;
	ck_assert_msg(m->via.branch.len == strcspn(bp, ";") &&
			      memcmp(m->via.branch.p, bp, m->via.branch.len) ==
				      0,
		      "branch lost in %.*s", STR_FMT(m->via.raw));
	ck_assert_msg(addr_is(&tsx_dest(st)->addr, dip, dport),
		      "%s: response goes to the wrong address", via);
	ck_assert_int_eq(tsx_dest(st)->proto, proto);
	ck_assert_ptr_eq(tsx_dest(st)->lsn,
			 (struct tp_lsn *)(void *)&fake_lsn);
	buf_free(&b);
	free(m);
}

START_TEST(test_server_via_ipv4)
{
	check_via(TP_UDP, "192.0.2.10", 5060,
		  "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKv1", NULL, NULL,
		  "192.0.2.10", 5060);
	/* RFC 3261 18.2.1: received when the address differs; 18.2.2:
	 * then to the source address at the sent-by port. */
	check_via(TP_UDP, "198.51.100.7", 5070,
		  "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKv2", "198.51.100.7",
		  NULL, "198.51.100.7", 5060);
	/* RFC 3581 4: rport is filled and the source port used. */
	check_via(TP_UDP, "198.51.100.7", 40000,
		  "SIP/2.0/UDP pc.example.com:5080;rport;branch=z9hG4bKv3",
		  "198.51.100.7", "40000", "198.51.100.7", 40000);
	/* ... with received even when the address is the sent-by. */
	check_via(TP_UDP, "192.0.2.10", 5062,
		  "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKv4;rport",
		  "192.0.2.10", "5062", "192.0.2.10", 5062);
	/* A received the request brought is replaced. */
	check_via(TP_UDP, "198.51.100.7", 5060,
		  "SIP/2.0/UDP pc.example.com;received=10.0.0.1;branch=z9hG4bKv5",
		  "198.51.100.7", NULL, "198.51.100.7", 5060);
	/* An IPv4-mapped source is the IPv4 address. */
	check_via(TP_UDP, "::ffff:192.0.2.10", 5060,
		  "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKv6", NULL, NULL,
		  "::ffff:192.0.2.10", 5060);
	/* Reliable: the sent-by port (default 5060, 5061 for TLS), never
	 * the source port, even with rport. */
	check_via(TP_TCP, "192.0.2.10", 40001,
		  "SIP/2.0/TCP 192.0.2.10:5070;rport;branch=z9hG4bKv7",
		  "192.0.2.10", "40001", "192.0.2.10", 5070);
	check_via(TP_TLS, "192.0.2.10", 40002,
		  "SIP/2.0/TLS 192.0.2.10;branch=z9hG4bKv8", NULL, NULL,
		  "192.0.2.10", 5061);
}
END_TEST

START_TEST(test_server_via_ipv6)
{
	check_via(TP_UDP, "2001:db8::2", 5099,
		  "SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bKw1",
		  "2001:db8::2", "5099", "2001:db8::2", 5099);
	/* The same address written differently is the same address. */
	check_via(TP_UDP, "2001:db8::1", 5060,
		  "SIP/2.0/UDP [2001:DB8:0::1];branch=z9hG4bKw2", NULL, NULL,
		  "2001:db8::1", 5060);
	check_via(TP_UDP, "2001:db8::9", 5070,
		  "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKw3", "2001:db8::9",
		  NULL, "2001:db8::9", 5060);
	check_via(TP_UDP, "2001:db8::9", 5070,
		  "SIP/2.0/UDP host6.example.com:5064;branch=z9hG4bKw4",
		  "2001:db8::9", NULL, "2001:db8::9", 5064);
}
END_TEST

START_TEST(test_server_response_head)
{
	struct tp_src src = src_of(TP_UDP, "198.51.100.7", 5060);
	struct sip_msg *m = malloc(sizeof(*m));
	const struct sip_hdr *h;
	struct tsx *st;
	struct buf b;

	recv_rq(&src, &(struct rq){
		.via = "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKh1;x=y",
		.via2 = "SIP/2.0/UDP proxy.example.net;branch=z9hG4bKp1" });
	st = U.reqs[0];
	head(st, &b, m);
	ck_assert_uint_eq(m->status, 200);
	ck_assert_slice(m->reason, "OK");
	/* 8.2.6.2: every Via in order, the To tag added, the rest copied. */
	ck_assert_uint_eq(sip_msg_count(m, SIP_HDR_VIA), 2);
	ck_assert_slice(m->via.host, "192.0.2.10");
	ck_assert_slice(m->via.branch, "z9hG4bKh1");
	ck_assert_slice(m->via.received, "198.51.100.7");
	ck_assert(sip_param_get(m->via.params, "x", &(struct str){ 0 }));
	h = sip_msg_hdr(m, SIP_HDR_VIA);
	h = sip_msg_hdr_next(m, h);
	ck_assert_ptr_nonnull(h);
	ck_assert_slice(h->value,
			"SIP/2.0/UDP proxy.example.net;branch=z9hG4bKp1");
	ck_assert_slice(m->to.tag, "h1");
	ck_assert_slice(m->from.tag, "a1");
	ck_assert_slice(m->call_id, "call-1@192.0.2.10");
	ck_assert_uint_eq(m->cseq.num, 1);
	ck_assert_int_eq(m->cseq.method, SIP_METHOD_INVITE);
	buf_free(&b);

	/* A To tag the request had stays; none is added. */
	recv_rq(&src, &(struct rq){ .method = "BYE", .to_tag = "dlg9",
				    .cseq = 5 });
	st = U.reqs[1];
	buf_init(&b);
	tsx_print_response_head(&b, st, 481, STR("Gone Away"), STR("h1"));
	sip_print_body(&b, STR_NULL, STR_NULL);
	ck_assert_int_eq(sip_msg_parse(m, b.p, b.len, SIP_MSG_STREAM, NULL),
			 0);
	ck_assert_slice(m->to.tag, "dlg9");
	ck_assert_slice(m->reason, "Gone Away");
	ck_assert_int_eq(m->cseq.method, SIP_METHOD_BYE);
	/* tsx_respond checks what it is given. */
	ck_assert_int_eq(tsx_respond(st, 482, b.p, b.len), -EINVAL);
	ck_assert_int_eq(tsx_respond(st, 481, "junk", 4), -EINVAL);
	ck_assert_int_eq(tsx_respond(st, 99, b.p, b.len), -EINVAL);
	ck_assert_int_eq(tsx_respond(st, 481, b.p, b.len), 0);
	ck_assert_int_eq(tsx_respond(st, 481, b.p, b.len), -EALREADY);
	buf_free(&b);
	free(m);
}
END_TEST

START_TEST(test_server_send_error)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tsx *st;

	U.answer = 486;
	U.answer_tag = "e1";
	recv_rq(&src, &invite_rq);
	st = U.reqs[0];
	/* A failed Timer G retransmission ends the transaction (17.2.4). */
	fail_at = send_calls;
	fail_rc = -EHOSTUNREACH;
	run_to(500);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	ck_assert_int_eq(U.n_done, 1);
	ck_assert_uint_eq(stats().transport_errors, 1);
	/* A response that cannot be sent returns the error. */
	U.answer = 0;
	recv_rq(&src, &(struct rq){ .method = "OPTIONS" });
	fail_at = send_calls;
	ck_assert_int_eq(tsx_respond_simple(U.reqs[1], 200, STR_NULL,
					    STR("e2")),
			 -EHOSTUNREACH);
	ck_assert_uint_eq(stats().transport_errors, 2);
}
END_TEST

START_TEST(test_layer_free_live)
{
	struct tp_src src = src_of(TP_UDP, "192.0.2.10", 5060);
	struct tsx *ct = client("INVITE", "z9hG4bKlf1", TP_UDP);
	struct tsx_stats s;

	recv_rq(&src, &invite_rq);
	recv_rq(&src, &(struct rq){
		.method = "OPTIONS",
		.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlf2" });
	s = stats();
	ck_assert_uint_eq(s.clients, 1);
	ck_assert_uint_eq(s.servers, 2);
	ck_assert_uint_eq(s.created, 3);
	/* Freeing the layer ends all without callbacks; references held
	 * stay valid. */
	tsx_layer_free(L);
	L = NULL;
	ck_assert_uint_eq(tmr_heap_count(&heap), 0);
	ck_assert_int_eq(C.n_term + C.n_failed, 0);
	ck_assert_int_eq(U.n_done, 0);
	ck_assert_int_eq(tsx_state(ct), TSX_TERMINATED);
	ck_assert_int_eq(tsx_state(U.reqs[0]), TSX_TERMINATED);
	ck_assert_int_eq(tsx_client_cancel(ct), -EALREADY);
	ck_assert_int_eq(tsx_respond_simple(U.reqs[1], 200, STR_NULL,
					    STR_NULL),
			 -EALREADY);
	tsx_unref(ct);
}
END_TEST

/* ---- over a real TCP connection ---- */

static void tcp_recv(struct tp *tp, const struct tp_src *src, const char *p,
		     size_t len, void *arg)
{
	struct sip_msg *m = malloc(sizeof(*m));

	(void)tp;
	(void)arg;
	ck_assert_int_eq(sip_msg_parse(m, p, len, SIP_MSG_STREAM, NULL), 0);
	tsx_layer_recv(L, m, src);
	free(m);
}

/* Runs the loop until cond holds or two seconds pass; cond is evaluated
 * once per turn, so it may have side effects. */
#define LOOP_UNTIL(loop, cond)                                             \
	do {                                                               \
		int ok_ = 0;                                               \
		for (int i_ = 0; i_ < 2000; i_++) {                        \
			uv_run((loop), UV_RUN_NOWAIT);                     \
			if ((ok_ = (cond)))                                \
				break;                                     \
			usleep(1000);                                      \
		}                                                          \
		ck_assert_msg(ok_, "timed out waiting for " #cond);       \
	} while (0)

static ssize_t tcp_read(int fd, char *buf, size_t n)
{
	return recv(fd, buf, n, MSG_DONTWAIT);
}

START_TEST(test_server_tcp_connection)
{
	struct tp_lsn_cfg lc = { .name = "tcp", .realm = "external",
				 .proto = TP_TCP };
	const struct rq inv = {
		.via = "SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bKtcp1" };
	struct sockaddr_storage ss;
	struct tp_lsn *lsn;
	struct tsx *st;
	uv_loop_t loop;
	struct tp *tp;
	char err[128], buf[4096], *text;
	ssize_t got = 0, k;
	int fd;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(tp_new(&loop, NULL, tcp_recv, NULL, NULL, &tp), 0);
	addr_set((union tp_sockaddr *)&lc.addr, "127.0.0.1", 0);
	ck_assert_int_eq(tp_listen(tp, &lc, &lsn, err, sizeof(err)), 0);
	ck_assert_int_eq(tp_lsn_addr(lsn, &ss), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss,
				 sizeof(struct sockaddr_in)),
			 0);
	text = rq_text(&inv);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	free(text);
	fwd_tp = tp;
	LOOP_UNTIL(&loop, U.n_req == 1);
	st = U.reqs[0];
	/* RFC 3261 18.2.2: the response goes over the request's
	 * connection, from the listener it came to. */
	ck_assert_ptr_nonnull(tsx_src(st)->conn);
	ck_assert_ptr_eq(tsx_dest(st)->conn, tsx_src(st)->conn);
	ck_assert_ptr_eq(tsx_dest(st)->lsn, lsn);
	ck_assert_int_eq(tsx_dest(st)->proto, TP_TCP);
	ck_assert(addr_is(&tsx_dest(st)->addr, "127.0.0.1", 5099));
	ck_assert(tp_conn_open(tsx_dest(st)->conn));
	ck_assert_int_eq(tsx_respond_simple(st, 486, STR_NULL, STR("q1")), 0);
	LOOP_UNTIL(&loop, (k = tcp_read(fd, buf + got,
					sizeof(buf) - 1 - (size_t)got)) > 0 &&
				  (got += k) > 0 &&
				  memmem(buf, (size_t)got, "\r\n\r\n", 4));
	buf[got] = '\0';
	ck_assert_msg(strncmp(buf, "SIP/2.0 486 ", 12) == 0, "got %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, ";tag=q1"));
	/* Over TCP no retransmission; the ACK confirms, Timer I is 0. */
	run_to(5000);
	ck_assert_uint_eq(count_sent("486"), 1);
	text = rq_text(&(struct rq){ .method = "ACK", .via = inv.via,
				     .to_tag = "q1" });
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	free(text);
	LOOP_UNTIL(&loop, tsx_state(st) == TSX_CONFIRMED);
	run_to(5000);
	ck_assert_int_eq(tsx_state(st), TSX_TERMINATED);
	/* The user's reference keeps the connection's memory with it; the
	 * teardown's unref releases both (LeakSanitizer checks). */
	close(fd);
	fwd_tp = NULL;
	tp_close(tp);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	ck_assert_ptr_nonnull(tsx_src(st)->conn);
	ck_assert(!tp_conn_open(tsx_src(st)->conn));
}
END_TEST

TCase *check_tsx_server_tcase(void)
{
	TCase *ts = tcase_create("server");

	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, test_server_invite_trying);
	tcase_add_test(ts, test_server_invite_timer_g_h);
	tcase_add_test(ts, test_server_invite_ack);
	tcase_add_test(ts, test_server_ni_timer_j);
	tcase_add_test(ts, test_server_2xx_until_ack);
	tcase_add_test(ts, test_server_slim);
	tcase_add_test(ts, test_server_2xx_without_ack);
	tcase_add_test(ts, test_server_cancel);
	tcase_add_test(ts, test_server_cancel_no_match);
	tcase_add_test(ts, test_server_merged);
	tcase_add_test(ts, test_server_rfc2543);
	tcase_add_test(ts, test_server_via_ipv4);
	tcase_add_test(ts, test_server_via_ipv6);
	tcase_add_test(ts, test_server_response_head);
	tcase_add_test(ts, test_server_send_error);
	tcase_add_test(ts, test_layer_free_live);
	tcase_add_test(ts, test_server_tcp_connection);
	return ts;
}
